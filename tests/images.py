"""Real images made with Pillow in memory, for upload tests."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(fmt="JPEG", size=(64, 48), colour=(200, 30, 30), exif=None, mode="RGB") -> bytes:
    buffer = io.BytesIO()
    image = Image.new(mode, size, colour)
    options = {"exif": exif} if exif is not None else {}
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def noise_bytes(fmt="PNG", size=(600, 600)) -> bytes:
    """An image of random noise: it barely compresses, so its files are as large as they get."""
    buffer = io.BytesIO()
    Image.merge("RGB", [Image.effect_noise(size, 120) for _ in range(3)]).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def exif_with_gps_and_orientation(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "SpyCam"  # Make
    gps = {1: "N", 2: (55.0, 45.0, 0.0), 3: "E", 4: (37.0, 37.0, 0.0)}
    exif[0x8825] = gps  # GPSInfo
    return exif
