"""Without JavaScript: /settings/profile/ is every section's form, each posting to its own
section URL, and that URL is a page of its own; a save changes only its section."""

import re
from pathlib import Path
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import DatabaseError

from apps.profiles import services
from apps.profiles.models import Profile
from tests.factories import PASSWORD, UserFactory
from tests.images import image_bytes, upload

pytestmark = pytest.mark.django_db
User = get_user_model()
SECTIONS = ("details", "photo", "username", "email")


@pytest.fixture
def owner(client, user):
    client.force_login(user)
    client.get("/pow/challenge/")  # the once-a-minute presence touch happens here, not in the test
    return user


def token(section: str, user) -> str:
    user = User.objects.get(pk=user.pk)
    return services.section_token(section, user, Profile.objects.get(user=user))


def details(user, **overrides):
    data = {
        "details-first_name": "Alicia",
        "details-last_name": "Liddell",
        "details-bio": "Hello\nworld",
        "details-presence_audience": "everyone",
        "details-token": token("details", user),
        "next": "/settings/profile/",
    }
    return data | overrides


def main(html: str) -> str:
    return html.split("<main")[1].split("</main>")[0]


def forms_in(html: str) -> list[str]:
    """The opening tags of the forms in the page's main content."""
    return re.findall(r"<form\b[^>]*>", main(html))


# --- The settings page -----------------------------------------------------------------------


def test_settings_page_has_one_form_per_section_each_posting_to_its_own_url(
    client, owner, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = client.get("/settings/profile/")
    assert response.status_code == 200
    html = response.content.decode()
    forms = forms_in(html)
    actions = [re.search(r'action="([^"]+)"', form).group(1) for form in forms]
    assert actions == [f"/settings/profile/{section}/" for section in SECTIONS]
    assert all('method="post"' in form for form in forms)
    assert 'enctype="multipart/form-data"' in forms[1]  # the photo's
    assert 'value="Alice"' in html
    for section in SECTIONS:
        assert f'id="section-{section}"' in html


def test_settings_page_forms_are_plain_forms_that_return_to_it(client, owner):
    html = main(client.get("/settings/profile/").content.decode())
    assert "hx-post" not in html
    assert "data-inline-edit" not in html
    assert html.count('name="next" value="/settings/profile/"') == len(SECTIONS)


def test_saving_one_section_from_the_settings_page_returns_there_with_its_message(client, owner):
    response = client.post("/settings/profile/details/", details(owner), follow=True)
    assert response.redirect_chain == [("/settings/profile/", 302)]
    assert "Details saved." in response.content.decode()
    owner.refresh_from_db()
    assert (owner.first_name, owner.profile.bio) == ("Alicia", "Hello\nworld")


def test_a_section_save_never_touches_another_sections_fields(client, owner):
    data = details(owner) | {
        "username-username": "mallory",
        "username-token": token("username", owner),
        "photo-remove": "on",
        "email-email": "x@new.example",
    }
    client.post("/settings/profile/details/", data)
    owner.refresh_from_db()
    assert owner.first_name == "Alicia"
    assert (owner.username, owner.email) == ("alice", "alice@example.com")


def test_two_sections_opened_on_the_same_page_are_saved_one_after_the_other(client, owner):
    page = client.get("/settings/profile/").content.decode()
    username_token = re.search(r'name="username-token" value="([^"]+)"', page).group(1)
    client.post("/settings/profile/details/", details(owner))
    response = client.post(
        "/settings/profile/username/",
        {"username-username": "alicia", "username-token": username_token,
         "next": "/settings/profile/"},
    )  # fmt: skip
    assert response["Location"] == "/settings/profile/"
    owner.refresh_from_db()
    assert (owner.first_name, owner.username) == ("Alicia", "alicia")


def test_uploading_a_photo_from_the_settings_page_saves_it(client, owner):
    data = {"photo-photo": upload(image_bytes()), "photo-token": token("photo", owner),
            "next": "/settings/profile/"}  # fmt: skip
    response = client.post("/settings/profile/photo/", data, follow=True)
    assert response.redirect_chain == [("/settings/profile/", 302)]
    assert "Photo saved." in response.content.decode()
    assert Path(Profile.objects.get(user=owner).photo.path).exists()


def test_a_next_pointing_elsewhere_is_ignored(client, owner):
    response = client.post(
        "/settings/profile/details/", details(owner, next="https://evil.example/")
    )
    assert response["Location"] == "/u/alice/"


def test_a_member_without_a_password_is_sent_to_allauth_to_change_the_address(client, owner):
    owner.set_unusable_password()
    owner.save()
    client.force_login(owner)
    html = main(client.get("/settings/profile/").content.decode())
    assert 'action="/settings/profile/email/"' not in html
    assert 'href="/settings/profile/email/"' in html
    response = client.get("/settings/profile/email/")
    assert response["Location"] == "/accounts/email/"


# --- A section's own page ----------------------------------------------------------------------


@pytest.mark.parametrize("section", SECTIONS)
def test_a_section_url_without_javascript_is_a_full_page_with_its_form(
    client, owner, section, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = client.get(f"/settings/profile/{section}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert "Profile settings" in html
    forms = forms_in(html)
    assert len(forms) == 1
    assert f'action="/settings/profile/{section}/"' in forms[0]
    assert "hx-post" not in forms[0]


def test_the_section_page_and_the_swapped_in_form_are_the_same_form(client, owner):
    page = client.get("/settings/profile/username/").content.decode()
    swap = client.get("/settings/profile/username/", headers={"HX-Request": "true"})
    fields = re.compile(r'<(?:input|textarea)\b[^>]*name="username-[^"]+"[^>]*>')
    assert fields.findall(page) == fields.findall(swap.content.decode())


def test_saving_without_javascript_from_the_section_page_returns_to_the_profile(client, owner):
    data = details(owner)
    del data["next"]
    response = client.post("/settings/profile/details/", data, follow=True)
    assert response.redirect_chain == [("/u/alice/", 302)]
    assert "Details saved." in response.content.decode()


def test_an_error_without_javascript_shows_the_page_again_with_what_was_typed(client, owner):
    UserFactory(username="taken")
    response = client.post(
        "/settings/profile/username/",
        {"username-username": "TAKEN", "username-token": token("username", owner),
         "next": "/settings/profile/"},
    )  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert "A user with that username already exists." in html
    assert 'value="TAKEN"' in html
    assert 'name="next" value="/settings/profile/"' in html  # still returns there once fixed
    assert User.objects.get(pk=owner.pk).username == "alice"


def test_a_bad_photo_without_javascript_is_refused_and_nothing_saved(client, owner):
    data = {"photo-photo": upload(b"not an image", "x.jpg"), "photo-token": token("photo", owner)}
    response = client.post("/settings/profile/photo/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert "not a supported image" in html
    assert not Profile.objects.get(user=owner).photo


def test_a_section_changed_in_another_tab_is_shown_as_it_is_now(client, owner):
    stale = details(owner, **{"details-bio": "old tab"})
    client.post("/settings/profile/details/", details(owner, **{"details-bio": "new tab"}))
    response = client.post("/settings/profile/details/", stale)
    assert response.status_code == 200
    html = response.content.decode()
    assert "changed elsewhere" in html
    assert "new tab" in html
    assert "old tab</textarea>" in html  # what was typed is kept, without JavaScript too
    assert re.search(r'href="/settings/profile/details/"\s+data-take-theirs', html)
    assert Profile.objects.get(user=owner).bio == "new tab"


def test_a_database_failure_without_javascript_says_so_and_keeps_the_input(client, owner):
    with mock.patch.object(Profile, "save", side_effect=DatabaseError("disk full")):
        response = client.post("/settings/profile/details/", details(owner))
    assert response.status_code == 200
    html = response.content.decode()
    assert "could not be saved, and nothing was changed" in html
    assert 'value="Alicia"' in html
    assert User.objects.get(pk=owner.pk).first_name == "Alice"


def test_email_form_sends_a_confirmation_and_redirects(client, owner):
    response = client.post(
        "/settings/profile/email/",
        {"email-email": "alice@new.example", "email-password": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain == [("/u/alice/", 302)]
    assert "We sent a confirmation link to alice@new.example" in response.content.decode()
    assert EmailAddress.objects.filter(email="alice@new.example", verified=False).exists()


def test_email_errors_render_the_whole_page(client, owner):
    response = client.post(
        "/settings/profile/email/", {"email-email": "nope", "email-password": "x"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert 'value="nope"' in html
    assert "Profile settings" in html


def test_oversized_upload_without_javascript_is_refused_unread(client, owner):
    data = {"photo-photo": upload(b"0" * (6 * 1024 * 1024)), "photo-token": token("photo", owner)}
    response = client.post("/settings/profile/photo/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert "larger than 5 MB" in html
