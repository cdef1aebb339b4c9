"""Profile photos: validated from their bytes, re-encoded, squared, stored safely."""

import io
import re
from pathlib import Path
from unittest import mock

import pytest
from django.db import DatabaseError
from PIL import Image, PngImagePlugin

from apps.profiles import services
from apps.profiles.models import Profile
from tests.images import exif_with_gps_and_orientation, image_bytes, noise_bytes, upload

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def owner(client, user):
    client.force_login(user)
    client.get("/pow/challenge/")  # the once-a-minute presence touch happens here, not in the test
    return user


def post_photo(client, user, data, name="photo.jpg", content_type="image/jpeg", **extra):
    profile = Profile.objects.get(user=user)
    payload = {
        "photo-photo": upload(data, name, content_type),
        "photo-token": services.section_token("photo", user, profile),
    }
    return client.post("/settings/profile/photo/", payload, headers=HTMX, **extra)


def stored_files(media_root: Path) -> list[Path]:
    return sorted(p for p in media_root.rglob("*") if p.is_file())


def test_a_photo_is_stored_as_two_square_re_encoded_jpegs_under_random_names(
    client, owner, media_root
):
    response = post_photo(client, owner, image_bytes("PNG", (300, 200)), name="me.png")
    assert response.status_code == 200
    profile = Profile.objects.get(user=owner)
    assert profile.photo.name.startswith("avatars/")
    assert "me" not in Path(profile.photo.name).stem
    with Image.open(profile.photo.path) as large, Image.open(profile.photo_thumbnail.path) as small:
        assert (large.format, large.size) == ("JPEG", (512, 512))
        assert (small.format, small.size) == ("JPEG", (96, 96))
    html = response.content.decode()
    assert profile.photo.url in html  # the section shows the new photo
    assert profile.photo_thumbnail.url in html  # and so does the navbar (out of band)
    assert "Photo saved." in html


def test_exif_and_gps_are_gone_after_saving(client, owner):
    data = image_bytes("JPEG", (80, 80), exif=exif_with_gps_and_orientation())
    assert b"SpyCam" in data
    post_photo(client, owner, data)
    profile = Profile.objects.get(user=owner)
    stored = Path(profile.photo.path).read_bytes()
    assert b"SpyCam" not in stored
    with Image.open(profile.photo.path) as image:
        assert dict(image.getexif()) == {}


def test_a_rotated_photo_is_stored_upright(client, owner):
    # 40x20, left half red, right half blue; EXIF 6 means "rotate 90° clockwise to view".
    image = Image.new("RGB", (40, 20), (255, 0, 0))
    image.paste((0, 0, 255), (20, 0, 40, 20))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif_with_gps_and_orientation(6), quality=95)
    post_photo(client, owner, buffer.getvalue())
    with Image.open(Profile.objects.get(user=owner).photo.path) as stored:
        top = stored.getpixel((256, 20))
        bottom = stored.getpixel((256, 490))
    assert (top[0] > 200, top[2] < 60) == (True, True)  # red on top once upright
    assert (bottom[2] > 200, bottom[0] < 60) == (True, True)  # blue below


def test_the_first_frame_of_a_gif_and_webp_are_accepted(client, owner):
    for fmt, name in [("GIF", "a.gif"), ("WEBP", "b.webp")]:
        response = post_photo(client, owner, image_bytes(fmt, mode="RGB"), name=name)
        assert response.status_code == 200, response.content.decode()


def test_a_huge_canvas_is_refused_before_any_pixel_is_decoded(client, owner, media_root):
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 1_000_000  # small file, enormous image
    with mock.patch.object(PngImagePlugin.PngImageFile, "load") as load:
        response = post_photo(client, owner, buffer.getvalue(), name="bomb.png")
    load.assert_not_called()
    assert response.status_code == 200
    assert "The image is too large (10000 by 10000 pixels)" in response.content.decode()
    assert not Profile.objects.get(user=owner).photo
    assert stored_files(media_root) == []


def test_a_truncated_jpeg_is_refused(client, owner):
    data = image_bytes("JPEG", (400, 400))
    response = post_photo(client, owner, data[: len(data) // 2])
    assert response.status_code == 200
    assert "damaged or incomplete" in response.content.decode()


def test_code_appended_to_a_png_does_not_survive(client, owner):
    data = image_bytes("PNG") + b"<?php system($_GET['c']); ?>"
    assert post_photo(client, owner, data, name="shell.php.png").status_code == 200
    profile = Profile.objects.get(user=owner)
    for field in (profile.photo, profile.photo_thumbnail):
        assert b"<?php" not in Path(field.path).read_bytes()
        assert field.name.endswith(".jpg")


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
         "x.svg", "image/svg+xml"),
        (b"just some text, not a picture", "holiday.jpg", "image/jpeg"),
        (b"<html><script>alert(1)</script></html>", "page.jpg", "image/jpeg"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj", "doc.png", "image/png"),
    ],
)  # fmt: skip
def test_anything_that_is_not_a_real_image_is_refused(
    client, owner, media_root, data, name, content_type
):
    response = post_photo(client, owner, data, name=name, content_type=content_type)
    assert response.status_code == 200
    assert "not a supported image" in response.content.decode()
    assert stored_files(media_root) == []


def test_a_6_mb_file_is_refused_without_reading_it(client, owner, media_root):
    data = b"\xff\xd8" + b"0" * (6 * 1024 * 1024)
    response = post_photo(client, owner, data)
    assert response.status_code == 200
    assert "larger than 5 MB" in response.content.decode()
    assert stored_files(media_root) == []


def test_a_file_just_over_the_limit_is_stopped_while_reading(client, owner, settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 200 * 1024
    data = b"\xff\xd8" + b"0" * (230 * 1024)  # within the form overhead, over the file limit
    response = post_photo(client, owner, data)
    assert response.status_code == 200
    assert "larger than" in response.content.decode()
    assert not Profile.objects.get(user=owner).photo


def test_replacing_a_photo_deletes_the_old_files_only_after_commit(
    client, owner, media_root, django_capture_on_commit_callbacks
):
    post_photo(client, owner, image_bytes())
    first = Profile.objects.get(user=owner)
    old = [Path(first.photo.path), Path(first.photo_thumbnail.path)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_photo(client, owner, image_bytes(colour=(0, 255, 0)))
    assert all(path.exists() for path in old)  # not yet: the transaction has not committed
    for callback in callbacks:
        callback()
    assert not any(path.exists() for path in old)
    assert len(stored_files(media_root)) == 2


def test_a_rolled_back_save_leaves_no_new_files(client, owner, media_root):
    with mock.patch.object(Profile, "save", side_effect=DatabaseError("boom")):
        response = post_photo(client, owner, image_bytes())
    assert response.status_code == 200
    assert "nothing was changed" in response.content.decode()
    assert stored_files(media_root) == []


def test_remove_photo_returns_to_the_default_avatar(
    client, owner, media_root, django_capture_on_commit_callbacks
):
    post_photo(client, owner, image_bytes())
    profile = Profile.objects.get(user=owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/settings/profile/photo/",
            {"photo-remove": "on", "photo-token": services.section_token("photo", owner, profile)},
            headers=HTMX,
        )
    assert response.status_code == 200
    assert "avatar-initials" in response.content.decode()
    assert not Profile.objects.get(user=owner).photo
    assert stored_files(media_root) == []


def test_submitting_no_file_asks_for_one(client, owner):
    profile = Profile.objects.get(user=owner)
    response = client.post(
        "/settings/profile/photo/",
        {"photo-token": services.section_token("photo", owner, profile)},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Choose a picture to upload." in response.content.decode()


def test_the_photo_form_shows_a_progress_bar_and_a_preview(client, owner):
    html = client.get("/settings/profile/photo/", headers=HTMX).content.decode()
    assert "data-upload-progress" in html
    assert "data-photo-preview" in html
    assert 'hx-encoding="multipart/form-data"' in html


@pytest.mark.parametrize("keep", [100, 300, 600])
def test_a_jpeg_cut_inside_its_header_is_refused_not_a_500(client, owner, keep):
    data = image_bytes("JPEG", (300, 300))[:keep]
    response = post_photo(client, owner, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "damaged or incomplete" in html or "not a supported image" in html


def test_a_failing_cleanup_of_the_old_photo_never_loses_the_new_one(
    client, owner, django_capture_on_commit_callbacks
):
    post_photo(client, owner, image_bytes())
    storage = Profile._meta.get_field("photo").storage
    with (
        mock.patch.object(storage, "delete", side_effect=RuntimeError("S3 503")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post_photo(client, owner, image_bytes(colour=(0, 0, 255)))
    assert response.status_code == 200
    profile = Profile.objects.get(user=owner)
    assert Path(profile.photo.path).exists()
    assert Path(profile.photo_thumbnail.path).exists()


def test_an_oversized_body_to_another_section_answers_with_that_section(client, owner):
    response = client.post(
        "/settings/profile/details/",
        {"details-bio": "x", "pad": "0" * (6 * 1024 * 1024)},
        headers=HTMX,
    )
    html = response.content.decode()
    assert 'id="section-details"' in html
    assert "larger than 5 MB" in html


def test_a_full_disk_gives_the_form_an_error_and_leaves_no_file(client, owner, full_media_disk):
    response = post_photo(client, owner, noise_bytes())
    html = response.content.decode()
    assert response.status_code == 200
    assert "The image could not be saved, so nothing was changed." in html
    assert 'id="section-photo"' in html  # the form again, ready to retry
    assert stored_files(full_media_disk) == []
    assert not Profile.objects.get(user=owner).photo


def test_an_upload_is_never_spilled_to_a_temporary_file(client, owner, settings, tmp_path):
    spill = tmp_path / "spill"
    spill.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(spill)
    data = noise_bytes("PNG", (1200, 1200))
    assert 3 * 1024 * 1024 < len(data) < settings.IMAGE_UPLOAD_MAX_BYTES
    during = []
    real = services.update_profile

    def watching(**kwargs):
        during.append(sorted(spill.iterdir()))  # while the request is being handled
        return real(**kwargs)

    with mock.patch.object(services, "update_profile", watching):
        assert "Photo saved." in post_photo(client, owner, data).content.decode()
    assert during == [[]]  # so even a worker killed mid-request leaves nothing behind


def field_error(html: str) -> str:
    """The message under the file field (crispy's invalid-feedback), where format errors show."""
    found = re.search(r'id="id_photo-photo_error" class="invalid-feedback">\s*<p[^>]*><strong>'
                      r"([^<]+)</strong>", html)  # fmt: skip
    return found.group(1) if found else ""


def test_a_photo_too_large_shows_where_any_other_photo_problem_shows(client, owner):
    too_big = field_error(post_photo(client, owner, b"\xff\xd8" + b"0" * (6 * 1024 * 1024))
                          .content.decode())  # fmt: skip
    not_an_image = field_error(post_photo(client, owner, b"<svg/>").content.decode())
    assert "larger than 5 MB" in too_big
    assert "not a supported image" in not_an_image
