"""Uploads on S3-compatible storage, against a real local S3 endpoint (moto's server mode)."""

import importlib

import boto3
import pytest
import requests
from django.contrib.auth.models import Group
from django.core.files.storage import storages
from moto.server import ThreadedMotoServer

from apps.feed import services as feed
from apps.profiles import services
from apps.profiles.models import Profile
from tests.factories import UserFactory
from tests.images import image_bytes, upload
from tests.servers import free_port

pytestmark = pytest.mark.django_db
BUCKET = "eternity-media"


@pytest.fixture
def s3_endpoint():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    client.create_bucket(Bucket=BUCKET)
    yield endpoint, client
    server.stop()


@pytest.fixture
def s3_settings(monkeypatch, settings, s3_endpoint):
    """The real settings module, loaded with the bucket variables a deployment would set."""
    endpoint, client = s3_endpoint
    for name, value in {
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_S3_ENDPOINT_URL": endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    import config.settings

    loaded = importlib.reload(config.settings)
    settings.STORAGES = {**settings.STORAGES, "default": loaded.STORAGES["default"]}
    settings.SECURE_CSP = loaded.SECURE_CSP
    yield client
    monkeypatch.undo()
    importlib.reload(config.settings)
    storages._storages = {}


def keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def stored(profile: Profile) -> list[str]:
    return sorted(f"media/{field.name}" for field in (profile.photo, profile.photo_thumbnail))


def test_profile_photos_go_to_the_bucket_and_replaced_ones_are_deleted(
    client, s3_settings, django_capture_on_commit_callbacks
):
    s3 = s3_settings
    user = UserFactory(username="alice")
    client.force_login(user)

    def post_photo(data: bytes):
        profile = Profile.objects.get(user=user)
        token = services.section_token("photo", user, profile)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/settings/profile/photo/",
                {"photo-photo": upload(data), "photo-token": token},
                headers={"HX-Request": "true"},
            )
        assert response.status_code == 200
        assert "Photo saved." in response.content.decode()
        return Profile.objects.get(user=user)

    first = post_photo(image_bytes(colour=(255, 0, 0)))
    assert keys(s3) == stored(first)
    # The URL the page shows serves the stored JPEG.
    fetched = requests.get(first.photo.url, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content[:3] == b"\xff\xd8\xff"

    second = post_photo(image_bytes(colour=(0, 255, 0)))
    assert keys(s3) == stored(second)
    assert first.photo.name not in " ".join(keys(s3))


def test_a_removed_posts_image_leaves_the_public_prefix_and_its_signed_url_fails(
    client, s3_settings, django_capture_on_commit_callbacks
):
    s3 = s3_settings
    author = UserFactory(username="bob")
    moderator = UserFactory(username="mod")
    moderator.groups.add(Group.objects.get(name="moderator"))
    post = feed.create_post(author=author, title="Gore", text="Look", tags=[],
                            image=image_bytes())  # fmt: skip
    public_url = post.image.url
    assert requests.get(public_url, timeout=10).status_code == 200

    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        decision = {"kind": "post", "pk": post.pk, "action": "remove", "reason": "Gore"}
        response = client.post("/moderation/act/", decision)
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.image.name.startswith(f"moderated/{author.pk}/posts/")
    assert f"media/{post.image.name}" in keys(s3)
    assert not [key for key in keys(s3) if key.startswith("media/posts/")]
    # The address pages handed out before the removal (signed, valid an hour) no longer works.
    assert requests.get(public_url, timeout=10).status_code == 404
    client.force_login(author)
    served = client.get(f"/moderation/media/{post.image.name}")
    assert served.status_code == 200
    assert served["Cache-Control"] == "private, no-store"
    assert b"".join(served.streaming_content)[:3] == b"\xff\xd8\xff"


def test_the_content_security_policy_allows_images_from_the_bucket(client, s3_settings, settings):
    endpoint = settings.STORAGES["default"]["OPTIONS"]["endpoint_url"]
    csp = client.get("/")["Content-Security-Policy"]
    assert endpoint in csp.split("img-src")[1].split(";")[0]
