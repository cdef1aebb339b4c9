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
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))
    assert data["account"]["username"] == "alice"
    assert data["posts"][0]["title"] == "Mine"
    assert data["posts"][0]["tags"] == ["a"]
    names = archive.namelist()
    assert any(name.startswith("photo/") for name in names)
    assert any(name.startswith("posts/") for name in names)
    assert data["sessions"]


def test_the_exports_readme_lists_the_images_it_holds(alice_with_content):
    response = alice_with_content.post("/settings/account/export/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    images = sorted(name for name in archive.namelist() if name.startswith(("photo/", "posts/")))
    readme = archive.read("README.txt").decode()
    assert "exported for @alice" in readme
    assert "Images in this archive (2):" in readme
    assert listed(readme) == images
    assert "NOT in this archive" not in readme


def listed(readme: str) -> list[str]:
    return sorted(line.removeprefix("- ") for line in readme.splitlines() if line.startswith("- "))


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
    feed.create_comment(author=alice, post=their_post, text="Nice")
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


def test_an_export_for_a_non_ascii_username_is_still_a_download():
    member = UserFactory(username="иван")
    client = Client()
    client.force_login(member)
    response = client.post("/settings/account/export/")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''eternity-%D0%B8%D0%B2%D0%B0%D0%BD-" in disposition


def test_an_export_survives_an_image_missing_from_storage_and_names_it(alice_with_content):
    post = Post.objects.get(title="Mine")
    Path(post.image.path).unlink()
    response = alice_with_content.post("/settings/account/export/")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    missing = f"posts/{Path(post.image.name).name}"
    assert "data.json" in archive.namelist()
    assert missing not in archive.namelist()
    readme = archive.read("README.txt").decode()
    included, left_out = readme.split("NOT in this archive")
    assert "Images in this archive (1):" in included
    assert listed(included) == [name for name in archive.namelist() if name.startswith("photo/")]
    assert "(1):" in left_out
    assert listed(left_out) == [missing]
    assert alice_with_content.get(post.get_absolute_url()).status_code == 200


def test_social_only_accounts_log_in_again_before_deleting():
    from datetime import timedelta

    import time_machine

    member = UserFactory(username="social")
    member.set_unusable_password()
    member.save()
    client = Client()
    client.force_login(member)
    assert client.get("/settings/account/delete/").status_code == 200
    with time_machine.travel(timedelta(minutes=10)):
        response = client.post("/settings/account/delete/", {"confirm": "on"})
    assert response["Location"] == "/accounts/login/?next=/settings/account/delete/"
    assert User.objects.filter(username="social").exists()
    client.force_login(User.objects.get(username="social"))  # just logged in again
    response = client.post("/settings/account/delete/", {"confirm": "on"})
    assert response["Location"] == "/"
    assert not User.objects.filter(username="social").exists()


def test_deleting_an_account_removes_placeholders_it_leaves_empty(user):
    from apps.feed.models import Comment

    author = UserFactory()
    post = PostFactory()
    top = feed.create_comment(author=author, post=post, text="Top")
    leaving = UserFactory()
    feed.create_comment(author=leaving, post=post, text="Only reply", parent=top)
    feed.delete_comment(user=author, comment=top)  # top becomes "Comment deleted"
    from apps.membership.services import delete_account

    delete_account(user=leaving)
    assert not Comment.objects.filter(post=post).exists()


def test_deleting_a_member_in_the_admin_removes_their_files_too(
    alice_with_content, media_root, client, django_capture_on_commit_callbacks
):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    alice = User.objects.get(username="alice")
    assert [p for p in Path(media_root).rglob("*") if p.is_file()]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/accounts/user/{alice.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(username="alice").exists()
    assert [p for p in Path(media_root).rglob("*") if p.is_file()] == []


def test_sessions_and_devices_show_activity_refreshed_every_five_minutes(user):
    import time_machine
    from allauth.usersessions.models import UserSession

    with time_machine.travel("2026-01-01 12:00:00+00:00", tick=False) as traveller:
        client = log_in()
        seen = UserSession.objects.get(user=user).last_seen_at
        traveller.shift(290)
        client.get("/")
        assert UserSession.objects.get(user=user).last_seen_at == seen  # inside the interval
        traveller.shift(11)
        client.get("/")
        assert UserSession.objects.get(user=user).last_seen_at > seen


def test_passwords_typed_into_our_forms_never_reach_error_reports(client, user):
    client.force_login(user)
    deletion = client.post("/settings/account/delete/", {"password": "wrong", "confirm": "on"})
    change = client.post(
        "/settings/profile/email/", {"email-email": "a@b.example", "email-password": "wrong"}
    )
    assert deletion.wsgi_request.sensitive_post_parameters == ("password",)
    assert change.wsgi_request.sensitive_post_parameters == ("email-password",)


def test_deleting_members_with_the_admin_action_mends_the_counts_on_other_posts(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    post = PostFactory()
    leaving = [UserFactory(), UserFactory()]
    for member in leaving:
        feed.set_like(user=member, post=post, liked=True)
        feed.create_comment(author=member, post=post, text="Bye")
    response = client.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [m.pk for m in leaving], "post": "yes"},
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[m.pk for m in leaving]).exists()
    post.refresh_from_db()
    assert (post.like_count, post.comment_count) == (0, 0)
