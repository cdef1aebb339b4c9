"""Inline editing of profile sections: htmx and no-JavaScript paths, errors, conflicts."""

import re
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.profiles import services
from apps.profiles.models import Profile
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/u/alice/"}


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
        "details-last_name": "Keys",
        "details-bio": "Plays piano.",
        "details-presence_audience": "everyone",
        "details-token": token("details", user),
    }
    return data | overrides


# --- Opening and cancelling -----------------------------------------------------------------


def test_edit_swaps_in_the_form_with_current_values_and_focus_on_the_first_field(client, owner):
    response = client.get("/settings/profile/details/", headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="section-details"')
    assert "<html" not in html
    assert 'value="Alice"' in html
    assert re.search(r'name="details-first_name"[^>]*autofocus', html)
    assert 'name="details-token"' in html


def test_edit_without_javascript_is_a_page_with_the_same_form(client, owner):
    response = client.get("/settings/profile/details/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert 'id="section-details"' in html
    assert 'action="/settings/profile/details/"' in html
    assert 'value="Alice"' in html


def test_cancel_restores_the_section_and_focuses_its_edit_control(client, owner):
    response = client.get("/settings/profile/details/view/", headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="section-details"' in html
    assert re.search(r'hx-get="/settings/profile/details/"[^>]*autofocus', html)


def test_own_profile_has_edit_controls_that_work_without_javascript(client, owner):
    html = client.get("/u/alice/").content.decode()
    for section in ("details", "photo", "username", "email"):
        assert f'href="/settings/profile/{section}/"' in html
        assert f'hx-get="/settings/profile/{section}/"' in html


def test_someone_elses_profile_has_no_edit_controls(client, user):
    client.force_login(UserFactory(username="bob"))
    html = client.get("/u/alice/").content.decode()
    assert "/settings/profile/" not in html.split("<main")[1]
    assert "alice@example.com" not in html


# --- Saving ------------------------------------------------------------------------------------


def test_saving_details_updates_user_and_profile_together(client, owner):
    response = client.post("/settings/profile/details/", details(owner), headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    owner.refresh_from_db()
    assert (owner.first_name, owner.last_name) == ("Alicia", "Keys")
    assert owner.profile.bio == "Plays piano."
    assert 'id="section-details"' in html
    assert "Plays piano." in html
    # Focus returns to the Edit control; the navbar and header copies are refreshed out of band.
    assert re.search(r'hx-get="/settings/profile/details/"[^>]*autofocus', html)
    assert re.search(r'id="navbar-identity"[^>]*hx-swap-oob="true"', html)
    assert re.search(r'id="profile-identity"[^>]*hx-swap-oob="true"', html)
    assert html.count("Alicia Keys") >= 2
    assert "Details saved." in html  # the toast


def test_saving_details_without_javascript_redirects_back_with_a_message(client, owner):
    response = client.post("/settings/profile/details/", details(owner), follow=True)
    assert response.redirect_chain == [("/u/alice/", 302)]
    assert "Details saved." in response.content.decode()
    assert User.objects.get(pk=owner.pk).first_name == "Alicia"


def test_validation_errors_come_back_inline_with_the_typed_input(client, owner):
    data = details(owner, **{"details-first_name": "x" * 151, "details-bio": "kept <b>text</b>"})
    response = client.post("/settings/profile/details/", data, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ensure this value has at most 150 characters" in html
    assert "kept &lt;b&gt;text&lt;/b&gt;" in html
    assert re.search(r'name="details-first_name"[^>]*autofocus', html)
    assert User.objects.get(pk=owner.pk).first_name == "Alice"
    assert Profile.objects.get(user=owner).bio == ""


def test_bio_over_the_limit_is_refused(client, owner):
    response = client.post(
        "/settings/profile/details/", details(owner, **{"details-bio": "b" * 501}), headers=HTMX
    )
    assert response.status_code == 200
    assert "at most 500 characters" in response.content.decode()


def test_a_save_touches_only_its_section_so_two_tabs_lose_nothing(client, owner):
    details_form = details(owner)  # tab 1 opens Details
    username_form = {"username-username": "alice2", "username-token": token("username", owner)}
    client.post("/settings/profile/username/", username_form, headers=HTMX)  # tab 2 saves
    response = client.post("/settings/profile/details/", details_form, headers=HTMX)  # tab 1
    assert response.status_code == 200
    owner.refresh_from_db()
    assert owner.username == "alice2"
    assert owner.first_name == "Alicia"


def test_a_stale_form_for_the_same_section_is_refused_showing_the_current_value(client, owner):
    stale = details(owner, **{"details-bio": "From tab one"})
    client.post("/settings/profile/details/", details(owner, **{"details-bio": "From tab two"}))
    response = client.post("/settings/profile/details/", stale, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "changed elsewhere" in html
    assert "From tab two" in html
    assert Profile.objects.get(user=owner).bio == "From tab two"


def test_an_edit_conflict_keeps_what_was_typed_beside_the_saved_version(client, owner):
    stale = details(owner, **{"details-bio": "Mine, typed in tab one"})
    client.post("/settings/profile/details/", details(owner, **{"details-bio": "Theirs <b>"}))
    response = client.post("/settings/profile/details/", stale, headers=HTMX)
    html = response.content.decode()
    assert "Saved elsewhere meanwhile:" in html
    assert "Theirs &lt;b&gt;" in html  # shown, escaped, read-only
    textarea = re.search(r"<textarea[^>]*name=\"details-bio\"[^>]*>(.*?)</textarea>", html, re.S)
    assert textarea.group(1).strip() == "Mine, typed in tab one"  # yours, in the field
    assert 'hx-get="/settings/profile/details/"' in html  # "Use the saved version"
    assert Profile.objects.get(user=owner).bio == "Theirs <b>"  # nothing overwritten yet

    # The form now carries the saved version's token: Save again puts yours over theirs.
    again = re.search(r'name="details-token" value="([^"]+)"', html).group(1)
    assert again == token("details", owner)
    client.post("/settings/profile/details/", stale | {"details-token": again}, headers=HTMX)
    assert Profile.objects.get(user=owner).bio == "Mine, typed in tab one"


def test_a_form_without_its_version_token_never_overwrites(client, owner):
    data = details(owner)
    del data["details-token"]
    response = client.post("/settings/profile/details/", data, headers=HTMX)
    assert response.status_code == 200
    assert User.objects.get(pk=owner.pk).first_name == "Alice"


def test_if_the_profile_save_fails_the_user_row_is_unchanged_and_the_user_told(client, owner):
    with mock.patch.object(Profile, "save", side_effect=DatabaseError("disk full")):
        response = client.post("/settings/profile/details/", details(owner), headers=HTMX)
    assert response.status_code == 200
    assert "could not be saved, and nothing was changed" in response.content.decode()
    owner.refresh_from_db()
    assert owner.first_name == "Alice"
    assert owner.last_name == "Liddell"


def test_extra_post_fields_are_ignored(client, owner):
    data = details(owner) | {
        "is_staff": "on",
        "is_superuser": "on",
        "details-is_staff": "on",
        "user": "999",
        "is_online": "on",
        "created": "2000-01-01",
        "details-created": "2000-01-01",
    }
    client.post("/settings/profile/details/", data, headers=HTMX)
    owner.refresh_from_db()
    assert not owner.is_staff
    assert not owner.is_superuser
    assert owner.profile.created.year != 2000


def test_html_and_htmx_attributes_in_fields_render_escaped(client, owner):
    payload = '<b hx-get="/x" onclick="alert(1)">bold</b>'
    data = details(owner, **{"details-first_name": payload, "details-bio": payload})
    response = client.post("/settings/profile/details/", data, headers=HTMX)
    html = response.content.decode() + client.get("/u/alice/").content.decode()
    assert payload not in html
    assert "&lt;b hx-get=&quot;/x&quot; onclick=&quot;alert(1)&quot;&gt;bold&lt;/b&gt;" in html


def test_hiding_the_online_status_is_saved(client, owner):
    data = details(owner)
    data["details-presence_audience"] = "nobody"
    client.post("/settings/profile/details/", data, headers=HTMX)
    assert Profile.objects.get(user=owner).presence_audience == "nobody"


# --- Username ----------------------------------------------------------------------------------


def test_changing_username_moves_the_profile_and_updates_the_address_bar(client, owner):
    data = {"username-username": "wonderland", "username-token": token("username", owner)}
    response = client.post("/settings/profile/username/", data, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Replace-Url"] == "/u/wonderland/"
    assert "@wonderland" in response.content.decode()
    assert client.get("/u/wonderland/").status_code == 200
    assert client.get("/u/alice/").status_code == 404


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("BOB", "A user with that username already exists."),
        ("\uff22\uff4f\uff42", "A user with that username already exists."),  # fullwidth Bob
        ("admin", "This username is reserved."),
        ("\uff41\uff44\uff4d\uff49\uff4e", "This username is reserved."),  # fullwidth admin
        ("no spaces", "English letters, digits and underscores"),
        ("\u0430lice", "English letters, digits and underscores"),  # Cyrillic a
        ("", "This field is required."),
    ],
)
def test_bad_usernames_are_refused(client, owner, username, message):
    UserFactory(username="bob")
    data = {"username-username": username, "username-token": token("username", owner)}
    response = client.post("/settings/profile/username/", data, headers=HTMX)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.get(pk=owner.pk).username == "alice"


def test_changing_only_the_case_of_the_username_is_allowed(client, owner):
    data = {"username-username": "Alice", "username-token": token("username", owner)}
    assert client.post("/settings/profile/username/", data, headers=HTMX).status_code == 200
    assert User.objects.get(pk=owner.pk).username == "Alice"


# --- Email -------------------------------------------------------------------------------------


def test_email_change_goes_through_verification_and_never_writes_user_email(client, owner):
    data = {"email-email": "alice@new.example", "email-password": PASSWORD}
    response = client.post("/settings/profile/email/", data, headers=HTMX)
    assert response.status_code == 200
    assert "Waiting for you to confirm" in response.content.decode()
    assert User.objects.get(pk=owner.pk).email == "alice@example.com"
    assert mail.outbox[-1].to == ["alice@new.example"]

    link = re.search(r"https?://testserver(/accounts/confirm-email/\S+)", mail.outbox[-1].body)
    client.post(link.group(1))
    owner.refresh_from_db()
    assert owner.email == "alice@new.example"
    assert EmailAddress.objects.get(user=owner, primary=True).email == owner.email


def test_email_change_needs_the_current_password(client, owner):
    data = {"email-email": "alice@new.example", "email-password": "wrong"}
    response = client.post("/settings/profile/email/", data, headers=HTMX)
    assert response.status_code == 200
    assert "That is not your current password." in response.content.decode()
    assert not EmailAddress.objects.filter(email="alice@new.example").exists()
    assert mail.outbox == []


# --- Security ----------------------------------------------------------------------------------


def test_anonymous_htmx_edit_is_sent_to_the_login_page_as_a_whole_page(client, user):
    response = client.get("/settings/profile/details/", headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/u/alice/"
    assert client.post("/settings/profile/details/", {}, headers=HTMX)["HX-Redirect"]


def test_anonymous_plain_requests_go_to_the_login_page(client):
    response = client.get("/settings/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/settings/profile/"


def test_no_url_edits_another_users_profile(client, user):
    mallory = UserFactory(username="mallory")
    client.force_login(mallory)
    data = details(user) | {"user": str(user.pk), "username": "alice"}
    client.post("/settings/profile/details/", data, headers=HTMX)
    user.refresh_from_db()
    assert user.first_name == "Alice"
    assert client.post("/u/alice/", data).status_code == 405


def test_post_without_csrf_token_is_refused(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/settings/profile/details/", details(user), headers=HTMX)
    assert response.status_code == 403
    assert User.objects.get(pk=user.pk).first_name == "Alice"


def test_htmx_post_with_the_csrf_header_is_accepted(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get("/u/alice/").content.decode()
    csrf = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    response = client.post(
        "/settings/profile/details/", details(user), headers=HTMX | {"X-CSRFToken": csrf}
    )
    assert response.status_code == 200


def test_get_never_changes_anything(client, owner):
    client.get("/settings/profile/details/", details(owner), headers=HTMX)
    assert User.objects.get(pk=owner.pk).first_name == "Alice"


def test_unknown_section_is_a_404(client, owner):
    assert client.get("/settings/profile/password/", headers=HTMX).status_code == 404


# --- Queries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("section", ["details", "photo", "username", "email"])
def test_section_form_and_cancel_use_a_constant_number_of_queries(
    client, owner, section, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        client.get(f"/settings/profile/{section}/", headers=HTMX)
    with django_assert_max_num_queries(6):
        client.get(f"/settings/profile/{section}/view/", headers=HTMX)


def test_saving_a_section_uses_a_constant_number_of_queries(client, owner):
    data = details(owner)
    with CaptureQueriesContext(connection) as queries:
        assert client.post("/settings/profile/details/", data, headers=HTMX).status_code == 200
    # Rate-limit counters live in the cache (in the database only without Redis): not counted,
    # nor are savepoints.
    own = [q for q in queries if "django_cache" not in q["sql"] and "SAVEPOINT" not in q["sql"]]
    assert len(own) <= 10


def test_own_profile_page_uses_a_constant_number_of_queries(
    client, owner, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        assert client.get("/u/alice/").status_code == 200


def test_a_malformed_current_url_header_still_sends_anonymous_users_to_login(client):
    response = client.get(
        "/settings/profile/details/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://[::1"},
    )
    assert response["HX-Redirect"] == "/accounts/login/?next=/"


def test_the_login_redirect_keeps_the_whole_current_address(client):
    url = "http://testserver/u/x/?a=1&next=https://evil.example/"
    response = client.get(
        "/settings/profile/details/", headers={"HX-Request": "true", "HX-Current-URL": url}
    )
    assert response["HX-Redirect"] == (
        "/accounts/login/?next=/u/x/%3Fa%3D1%26next%3Dhttps%3A//evil.example/"
    )


def test_a_nul_byte_in_a_profile_address_is_a_404(client):
    assert client.get("/u/a%00b/").status_code == 404


@pytest.mark.parametrize("username", ["x", "ab"])
def test_usernames_shorter_than_three_characters_are_refused(client, owner, username):
    data = {"username-username": username, "username-token": token("username", owner)}
    response = client.post("/settings/profile/username/", data, headers=HTMX)
    assert "at least 3 characters" in response.content.decode()
    assert User.objects.get(pk=owner.pk).username == "alice"


def test_changing_username_without_javascript_redirects_to_the_new_address(client, owner):
    data = {"username-username": "alicia", "username-token": token("username", owner)}
    response = client.post("/settings/profile/username/", data)
    assert response["Location"] == "/u/alicia/"


def test_password_guessing_through_the_email_form_is_rate_limited(client, owner):
    for _ in range(10):
        client.post(
            "/settings/profile/email/",
            {"email-email": "x@new.example", "email-password": "wrong"},
            headers=HTMX,
        )
    response = client.post(
        "/settings/profile/email/",
        {"email-email": "x@new.example", "email-password": PASSWORD},
        headers=HTMX,
    )
    assert "Too many attempts" in response.content.decode()
    assert mail.outbox == []


def test_an_email_change_says_so_once(client, user):
    from tests.factories import PASSWORD

    client.force_login(user)
    response = client.post(
        "/settings/profile/email/",
        {"email-email": "alice.next@example.com", "email-password": PASSWORD},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "We sent a confirmation link to alice.next@example.com" in html
    assert html.count('class="toast show') == 1
