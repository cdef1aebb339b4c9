"""Uploaded images are served back, safely, wherever nothing in front serves them."""

import subprocess
import sys

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from apps.profiles import services
from apps.profiles.models import Profile
from tests.images import image_bytes, upload
from tests.servers import ROOT

pytestmark = pytest.mark.django_db


def test_an_uploaded_photo_is_served_back_with_safe_headers_without_debug(client, user, settings):
    assert settings.DEBUG is False
    client.force_login(user)
    profile = Profile.objects.get(user=user)
    client.post(
        "/settings/profile/photo/",
        {"photo-photo": upload(image_bytes()), "photo-token": services.section_token(
            "photo", user, profile)},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    profile.refresh_from_db()
    response = client.get(profile.photo.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "public, max-age=86400"  # a removal takes effect
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == profile.photo.read()


@pytest.mark.parametrize(
    "name", ["avatars/page.html", "avatars/x.svg", "notes.txt", "avatars/../../settings.py"]
)
def test_nothing_but_pipeline_images_is_ever_served(client, name):
    default_storage.save("avatars/page.html", ContentFile(b"<script>alert(1)</script>"))
    default_storage.save("avatars/x.svg", ContentFile(b"<svg onload=alert(1)>"))
    default_storage.save("notes.txt", ContentFile(b"private"))
    assert client.get(f"/media/{name}").status_code == 404


def test_a_missing_image_is_a_404(client):
    assert client.get("/media/avatars/0123456789abcdef.jpg").status_code == 404


def test_an_ephemeral_disk_without_a_bucket_refuses_to_start():
    env = {"DEBUG": "0", "SECRET_KEY": "x" * 50, "DYNO": "web.1", "PATH": "/usr/bin:/bin",
           "DATABASE_URL": "sqlite:///:memory:", "SITE_URL": "https://site.example"}  # fmt: skip
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode != 0
    assert "eternity.E001" in result.stderr
    assert "ephemeral disk" in result.stderr


def several_nodes(settings, **overrides) -> None:
    settings.DEBUG = False
    settings.WEB_NODES = 2
    settings.MEDIA_ON_LOCAL_DISK = True
    settings.MEDIA_SHARED_VOLUME = False
    for name, value in overrides.items():
        setattr(settings, name, value)


def test_local_uploads_on_several_nodes_stop_the_deploy_check_naming_both_ways_out(settings):
    several_nodes(settings)
    with pytest.raises(SystemCheckError) as refused:
        call_command("check", "--deploy")
    message = str(refused.value)
    assert "eternity.E003" in message
    assert "WEB_NODES=2" in message
    assert "MEDIA_STORAGE=s3" in message
    assert "MEDIA_SHARED_VOLUME=1" in message


@pytest.mark.parametrize(
    "overrides",
    [{"WEB_NODES": 1}, {"MEDIA_SHARED_VOLUME": True}, {"MEDIA_ON_LOCAL_DISK": False},
     {"DEBUG": True}],
    ids=["one node", "a shared volume", "uploads in the bucket", "local development"],
)  # fmt: skip
def test_several_nodes_pass_the_check_when_uploads_reach_them_all(settings, overrides):
    several_nodes(settings, **overrides)
    call_command("check", "--tag", "startup")
