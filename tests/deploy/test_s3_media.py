"""Uploads on S3-compatible storage, against a real local S3 endpoint (moto's server mode)."""

import html
import importlib
import io
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
import time_machine
from botocore.config import Config
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage, storages
from django.core.management import call_command

import config.settings
from apps.feed import services as feed
from apps.profiles import services
from apps.profiles.models import Profile
from tests.factories import UserFactory
from tests.images import image_bytes, upload
from tests.servers import HeldPort, s3_bucket

pytestmark = pytest.mark.django_db
BUCKET = "eternity-media"


class S3Server(NamedTuple):
    endpoint: str
    client: object


@pytest.fixture
def s3_server():
    with s3_bucket(BUCKET) as (endpoint, client):
        yield S3Server(endpoint, client)


@pytest.fixture
def configure_s3(monkeypatch, settings, s3_server):
    """Load the real settings module with the bucket variables a deployment would set, and
    `extra` ones; return the bucket's client."""

    def configure(**extra: str):
        for name, value in {
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_S3_ENDPOINT_URL": s3_server.endpoint,
            **extra,
        }.items():
            monkeypatch.setenv(name, value)
        import config.settings

        loaded = importlib.reload(config.settings)
        settings.STORAGES = {**settings.STORAGES, "default": loaded.STORAGES["default"]}
        settings.SECURE_CSP = loaded.SECURE_CSP
        settings.MEDIA_STORAGE = loaded.MEDIA_STORAGE
        settings.MEDIA_ON_LOCAL_DISK = loaded.MEDIA_ON_LOCAL_DISK
        return s3_server.client

    yield configure
    monkeypatch.undo()
    importlib.reload(config.settings)
    storages._storages = {}


@pytest.fixture
def s3_settings(configure_s3):
    return configure_s3()


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


# Stable image addresses ------------------------------------------------------------------------

PERIOD = 3600


def alice_with_images():
    alice = UserFactory(username="alice")
    services.update_profile(user=alice, tokens={}, profile_fields={},
                            photo=services.PhotoChange(image_bytes(size=(300, 300))))  # fmt: skip
    feed.create_post(author=alice, title="Tea", text="Six o'clock", tags=[],
                     image=image_bytes(size=(400, 300), colour=(10, 120, 200)))  # fmt: skip
    return alice


def image_addresses(client) -> dict[str, str]:
    """The feed's image addresses, as a browser reads them: the post's image and the avatar."""
    page = client.get("/").content.decode()
    found = {}
    for kind in ("posts", "avatars"):
        sources = {html.unescape(src) for src in re.findall(r'src="([^"]+)"', page)
                   if f"/media/{kind}/" in src}  # fmt: skip
        assert len(sources) == 1, (kind, sources)
        found[kind] = sources.pop()
    return found


def served_image(url: str) -> bytes:
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, url
    assert response.content[:3] == b"\xff\xd8\xff", url
    return response.content


def valid_until(url: str) -> datetime:
    query = {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
    signed = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return signed + timedelta(seconds=int(query["X-Amz-Expires"]))


def next_period_start() -> datetime:
    now = int(datetime.now(UTC).timestamp())
    return datetime.fromtimestamp(now - now % PERIOD + PERIOD, UTC)


def test_image_addresses_stay_the_same_through_a_period_and_serve_the_image(client, configure_s3):
    configure_s3(MEDIA_URL_PERIOD=str(PERIOD))
    alice_with_images()
    start = next_period_start()

    with time_machine.travel(start + timedelta(seconds=5), tick=True):
        first = image_addresses(client)
    with time_machine.travel(start + timedelta(seconds=PERIOD - 30), tick=True):
        again = image_addresses(client)
        shown_at = datetime.now(UTC)
        assert again == first
        for url in first.values():
            served_image(url)

    with time_machine.travel(start + timedelta(seconds=PERIOD + 5), tick=True):
        later = image_addresses(client)
        for kind, url in later.items():
            assert url != first[kind]
            assert served_image(url) == served_image(first[kind])
    # Each address a page showed is good for a whole period after it showed it.
    for url in first.values():
        assert valid_until(url) >= shown_at + timedelta(seconds=PERIOD)


def test_a_signed_address_is_the_one_botocore_signs_at_the_start_of_its_period(
    s3_settings, s3_server
):
    with time_machine.travel(datetime(2026, 12, 6, 10, 17, 3, tzinfo=UTC), tick=False):
        ours = default_storage.url("avatars/0123456789abcdef.jpg")
    reference = boto3.client(
        "s3", endpoint_url=s3_server.endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(signature_version="s3v4"),
    )  # fmt: skip
    with time_machine.travel(datetime(2026, 12, 6, 10, 0, 0, tzinfo=UTC), tick=False):
        theirs = reference.generate_presigned_url(
            "get_object",
            Params={"Bucket": BUCKET, "Key": "media/avatars/0123456789abcdef.jpg"},
            ExpiresIn=2 * PERIOD,
        )
    assert ours == theirs


def test_a_public_bucket_gets_plain_addresses_that_never_change(client, configure_s3):
    s3 = configure_s3(AWS_QUERYSTRING_AUTH="0")
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    }]}))  # fmt: skip
    alice_with_images()
    start = next_period_start()
    with time_machine.travel(start + timedelta(seconds=5), tick=True):
        first = image_addresses(client)
    with time_machine.travel(start + timedelta(seconds=3 * PERIOD), tick=True):
        assert image_addresses(client) == first
    for url in first.values():
        assert "?" not in url
        served_image(url)


def test_images_behind_a_cdn_domain_are_allowed_by_the_content_security_policy(
    client, configure_s3
):
    configure_s3(AWS_QUERYSTRING_AUTH="0", AWS_S3_CUSTOM_DOMAIN="cdn.example.com")
    alice_with_images()
    response = client.get("/")
    for url in image_addresses(client).values():
        assert url.startswith("https://cdn.example.com/media/")
    img_src = response["Content-Security-Policy"].split("img-src")[1].split(";")[0].split()
    assert "https://cdn.example.com" in img_src


def test_every_signed_image_on_a_page_comes_from_an_origin_the_policy_allows(client, s3_settings):
    alice_with_images()
    response = client.get("/")
    img_src = response["Content-Security-Policy"].split("img-src")[1].split(";")[0].split()
    for url in image_addresses(client).values():
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" in img_src


def test_an_export_while_the_bucket_is_unreachable_still_downloads_and_names_the_images(
    client, configure_s3
):
    configure_s3()
    alice = alice_with_images()
    held = HeldPort()  # refuses connections like a bucket that is down
    try:
        configure_s3(AWS_S3_ENDPOINT_URL=f"http://127.0.0.1:{held.port}")
        client.force_login(alice)
        response = client.post("/settings/account/export/")
    finally:
        held.release()
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == ["README.txt", "data.json"]
    readme = archive.read("README.txt").decode()
    assert "NOT in this archive (2):" in readme
    assert "Images in this archive" not in readme
    profile = Profile.objects.get(user=alice)
    assert f"- photo/{profile.photo.name.rsplit('/', 1)[1]}" in readme


def test_signed_addresses_without_the_buckets_region_are_warned_about(configure_s3, s3_server):
    configure_s3(AWS_S3_ENDPOINT_URL="", AWS_S3_REGION_NAME="")
    assert "eternity.W002" in checked()
    configure_s3(AWS_S3_ENDPOINT_URL="", AWS_S3_REGION_NAME="eu-west-1")
    assert "eternity.W002" not in checked()
    configure_s3(AWS_S3_ENDPOINT_URL="", AWS_S3_REGION_NAME="", AWS_QUERYSTRING_AUTH="0")
    assert "eternity.W002" not in checked()


def checked() -> str:
    said = io.StringIO()
    call_command("check", "--tag", "startup", stdout=said, stderr=said)
    return said.getvalue()
