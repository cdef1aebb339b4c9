"""The account page: sessions and devices, data export, account deletion."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from apps.feed import services as feed
from apps.feed.models import Post
from apps.profiles.models import Profile
from tests.factories import PASSWORD, PostFactory, UserFactory
from tests.images import image_bytes, upload

pytestmark = pytest.mark.django_db
User = get_user_model()


def log_in(username: str = "alice") -> Client:
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
    response = client.post("/accounts/login/", {"login": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def alice_with_content(user, django_capture_on_commit_callbacks):
    client = log_in()
    token = client.get("/settings/profile/photo/", headers={"HX-Request": "true"})
    assert token.status_code == 200
    from apps.profiles.services import section_token

    profile = Profile.objects.get(user=user)
    client.post("/settings/profile/photo/", {"photo-photo": upload(image_bytes()),
                "photo-token": section_token("photo", user, profile)},
                headers={"HX-Request": "true"})  # fmt: skip
    client.post("/posts/new/", {"title": "Mine", "text": "Words", "tags": "#a",
                                "image": upload(image_bytes(colour=(1, 2, 3)))})  # fmt: skip
    return client


def test_the_account_page_links_everything_about_the_account(user):
    html = log_in().get("/settings/account/").content.decode()
    for url in ("/accounts/email/", "/accounts/password/change/", "/accounts/3rdparty/",
                "/accounts/sessions/", "/settings/profile/"):  # fmt: skip
        assert f'href="{url}"' in html
    assert Client().get("/settings/account/")["Location"].startswith("/accounts/login/")


def test_sessions_and_devices_are_listed_and_others_can_be_logged_out(user):
    laptop, phone = log_in(), log_in()
    html = laptop.get("/accounts/sessions/").content.decode()
    assert "Firefox" in html or "Mozilla" in html
    assert "127.0.0.1" in html
    laptop.post("/accounts/sessions/")
    assert phone.get("/settings/account/").status_code == 302  # the phone is logged out
    assert laptop.get("/settings/account/").status_code == 200


def test_export_contains_the_data_and_the_photos(alice_with_content):
    response = alice_with_content.post("/settings/account/export/")
    assert response["Content-Type"] == "application/zip"
    assert 'attachment; filename="eternity-alice-' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    assert data["account"]["username"] == "alice"
    assert data["posts"][0]["title"] == "Mine"
    assert data["posts"][0]["tags"] == ["a"]
    names = archive.namelist()
    assert any(name.startswith("photo/") for name in names)
    assert any(name.startswith("posts/") for name in names)
    assert data["sessions"]


def test_export_is_post_only(user):
    assert log_in().get("/settings/account/export/").status_code == 405


def test_deleting_needs_the_password_and_changes_nothing_without_it(alice_with_content):
    response = alice_with_content.post(
        "/settings/account/delete/", {"password": "wrong", "confirm": "on"}
    )
    assert "That is not your password." in response.content.decode()
    assert User.objects.filter(username="alice").exists()


def test_deleting_removes_the_account_its_files_and_every_session(
    alice_with_content, media_root, django_capture_on_commit_callbacks
):
    other_device = log_in()
    someone = UserFactory()
    their_post = PostFactory(author=someone)
    alice = User.objects.get(username="alice")
    feed.set_like(user=alice, post=their_post, liked=True)
    feed.add_comment(author=alice, post=their_post, text="Nice")
    assert [p for p in Path(media_root).rglob("*") if p.is_file()]

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_with_content.post(
            "/settings/account/delete/", {"password": PASSWORD, "confirm": "on"}, follow=True
        )
    assert "Your account and everything in it have been deleted." in response.content.decode()
    assert not User.objects.filter(username="alice").exists()
    assert not Post.objects.filter(title="Mine").exists()
    assert [p for p in Path(media_root).rglob("*") if p.is_file()] == []
    their_post.refresh_from_db()
    assert (their_post.like_count, their_post.comment_count) == (0, 0)
    assert other_device.get("/settings/account/").status_code == 302
