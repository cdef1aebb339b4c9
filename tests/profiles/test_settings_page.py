"""The no-JavaScript path: /settings/profile/ edits every section in one atomic save."""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from apps.profiles import services
from apps.profiles.models import Profile
from tests.factories import UserFactory
from tests.images import image_bytes, upload

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def owner(client, user):
    client.force_login(user)
    client.get("/readyz/")  # the once-a-minute presence touch happens here, not in the test
    return user


def form_data(user, **overrides):
    user = User.objects.get(pk=user.pk)
    profile = Profile.objects.get(user=user)
    data = {
        "details-first_name": user.first_name,
        "details-last_name": user.last_name,
        "details-bio": profile.bio,
        "details-show_online_status": "on",
        "details-token": services.section_token("details", user, profile),
        "username-username": user.username,
        "username-token": services.section_token("username", user, profile),
        "photo-token": services.section_token("photo", user, profile),
    }
    return data | overrides


def test_settings_page_shows_every_section_with_current_values(
    client, owner, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = client.get("/settings/profile/")
    html = response.content.decode()
    assert response.status_code == 200
    for anchor in ('id="details"', 'id="username"', 'id="photo"', 'id="email"'):
        assert anchor in html
    assert 'value="Alice"' in html
    assert 'enctype="multipart/form-data"' in html


def test_saving_the_settings_page_saves_everything_and_redirects_with_a_message(client, owner):
    data = form_data(owner, **{
        "details-first_name": "Alicia",
        "details-bio": "Hello\nworld",
        "username-username": "alicia",
        "photo-photo": upload(image_bytes()),
    })  # fmt: skip
    response = client.post("/settings/profile/", data, follow=True)
    assert response.redirect_chain == [("/u/alicia/", 302)]
    assert "Profile saved." in response.content.decode()
    owner.refresh_from_db()
    assert (owner.first_name, owner.username) == ("Alicia", "alicia")
    assert owner.profile.bio == "Hello\nworld"
    assert Path(owner.profile.photo.path).exists()


def test_settings_page_errors_keep_the_typed_input_and_change_nothing(client, owner):
    UserFactory(username="taken")
    data = form_data(owner, **{"details-first_name": "Changed", "username-username": "TAKEN"})
    response = client.post("/settings/profile/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "A user with that username already exists." in html
    assert 'value="Changed"' in html
    owner.refresh_from_db()
    assert (owner.first_name, owner.username) == ("Alice", "alice")


def test_settings_page_refuses_a_bad_photo_and_saves_nothing(client, owner):
    data = form_data(owner, **{
        "details-first_name": "Changed",
        "photo-photo": upload(b"not an image", "x.jpg"),
    })  # fmt: skip
    response = client.post("/settings/profile/", data)
    assert response.status_code == 200
    assert "not a supported image" in response.content.decode()
    assert User.objects.get(pk=owner.pk).first_name == "Alice"


def test_settings_page_detects_a_section_changed_in_another_tab(client, owner):
    stale = form_data(owner, **{"details-bio": "old tab"})
    client.post("/settings/profile/", form_data(owner, **{"details-bio": "new tab"}))
    response = client.post("/settings/profile/", stale)
    assert response.status_code == 200
    html = response.content.decode()
    assert "changed elsewhere" in html
    assert "new tab" in html
    assert Profile.objects.get(user=owner).bio == "new tab"


def test_settings_page_email_form_sends_a_confirmation_and_redirects(client, owner):
    from tests.factories import PASSWORD

    response = client.post(
        "/settings/profile/email/",
        {"email-email": "alice@new.example", "email-password": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain == [("/u/alice/", 302)]
    assert "We sent a confirmation link to alice@new.example" in response.content.decode()


def test_settings_page_email_errors_render_the_whole_page(client, owner):
    response = client.post(
        "/settings/profile/email/", {"email-email": "nope", "email-password": "x"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert "Profile settings" in html


def test_oversized_upload_on_the_settings_page_is_refused_unread(client, owner):
    data = form_data(owner, **{"photo-photo": upload(b"0" * (6 * 1024 * 1024))})
    response = client.post("/settings/profile/", data)
    assert response.status_code == 200
    assert "larger than 5 MB" in response.content.decode()
