"""The safe image pipeline shared by profile photos and post images.

Nothing about an upload is trusted: the format is detected from the bytes (never the file name
or the browser's content type), the pixel count is checked from the header before anything is
decoded, and the stored files are new encodings made by Pillow, which drops EXIF/GPS metadata
and anything appended to the original file. Stored names are random.
"""

import io
import logging
import uuid
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
logger = logging.getLogger(__name__)


class InvalidImage(ValueError):
    """The upload is not an image we accept; the message is safe to show to the user."""


class NotStored(Exception):
    """The storage refused the file (disk full or read-only, bucket unreachable); nothing of it
    was kept. The message is safe to show to the user."""


@dataclass(frozen=True)
class EncodedImage:
    """A re-encoded image ready to store: JPEG bytes and their pixel size."""

    content: bytes
    width: int
    height: int


def max_upload_bytes() -> int:
    return settings.IMAGE_UPLOAD_MAX_BYTES


def human_size(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def too_large_message() -> str:
    """The one message for an upload over the limit, wherever it is caught."""
    return _("The file is larger than %(size)s. Nothing was saved.") % {
        "size": human_size(max_upload_bytes())
    }


def open_image(data: bytes, max_side: int | None = None) -> Image.Image:
    """Open and fully decode an upload, or raise InvalidImage with a message for the user.
    With max_side, JPEGs are decoded at a reduced scale (still at least max_side) to save
    memory on big photos."""
    if len(data) > max_upload_bytes():
        raise InvalidImage(too_large_message())
    if not data:
        raise InvalidImage(_("The file is empty."))
    too_large = _("The image is too large. The limit is %(mp)s megapixels.") % {
        "mp": settings.IMAGE_MAX_PIXELS // 1_000_000
    }
    try:
        with warnings.catch_warnings():
            # Our own pixel limit below is stricter than Pillow's warning threshold.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except Image.DecompressionBombError:
        raise InvalidImage(too_large) from None
    except UnidentifiedImageError:
        raise InvalidImage(
            _("This is not a supported image. Upload a JPEG, PNG, WebP or GIF picture.")
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise InvalidImage(_("The image file is damaged or incomplete.")) from None
    # Only the header has been read so far: refuse huge canvases before decoding a pixel.
    if image.width * image.height > settings.IMAGE_MAX_PIXELS:
        raise InvalidImage(
            _(
                "The image is too large (%(width)s by %(height)s pixels). "
                "The limit is %(mp)s megapixels."
            )
            % {
                "width": image.width,
                "height": image.height,
                "mp": settings.IMAGE_MAX_PIXELS // 1_000_000,
            }
        )
    try:
        image.seek(0)  # GIF and animated WebP: the first frame
        if max_side and image.format == "JPEG":
            image.draft("RGB", (max_side, max_side))
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError):
        raise InvalidImage(_("The image file is damaged or incomplete.")) from None
    return image


def _flatten(image: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(image) or image
    if image.mode in {"RGBA", "LA", "P", "PA"}:
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode(image: Image.Image) -> EncodedImage:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85, optimize=True, progressive=True)
    return EncodedImage(buffer.getvalue(), image.width, image.height)


def square_versions(data: bytes, sizes: list[int]) -> list[EncodedImage]:
    """Upright, centre-cropped square JPEGs, one per size (for avatars)."""
    image = _flatten(open_image(data, max_side=max(sizes)))
    return [_encode(ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS)) for size in sizes]


def bounded_version(data: bytes, max_side: int) -> EncodedImage:
    """Upright JPEG no larger than max_side on its longer side (for post images)."""
    image = _flatten(open_image(data, max_side=max_side))
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return _encode(image)


def store(storage: Storage, directory: str, image: EncodedImage, suffix: str = "") -> str:
    """Save under a random name; return the name the storage chose. When the storage fails,
    remove whatever part of the file it wrote and raise NotStored."""
    name = f"{directory.rstrip('/')}/{uuid.uuid4().hex}{suffix}.jpg"
    try:
        return storage.save(name, ContentFile(image.content))
    except Exception as error:
        logger.exception("Could not store %s", name)
        delete_quietly(storage, [name])  # random name: if anything is there, it is our part
        raise NotStored(
            _("The image could not be saved, so nothing was changed. Please try again later.")
        ) from error


def delete_quietly(storage: Storage, names: Iterable[str]) -> None:
    """Remove files that are no longer referenced. Never raises: a file that cannot be removed
    (already gone, storage briefly down) is logged and left for a later cleanup, because the
    save that made it unreferenced has already happened."""
    for name in names:
        if name:
            try:
                storage.delete(name)
            except Exception:
                logger.warning("Could not delete %s from storage", name, exc_info=True)


class LimitedUploadHandler(FileUploadHandler):
    """Stops reading an upload as soon as it passes the limit, so an oversized body is never
    held in memory or written whole to a temporary file, even when Content-Length lies. Install
    it before request.POST or request.FILES is read (see apps.core.uploads.limits)."""

    def __init__(self, request=None, limit: int | None = None) -> None:
        super().__init__(request)
        self.limit = limit or max_upload_bytes()
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None
