"""Uploaded images, served by Django where nothing in front of it does."""

import re

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

# What the image pipeline writes: a folder, a random name, an image suffix. Nothing else in
# the media folder is ever served, whatever lands there.
MEDIA_NAME = re.compile(r"^[a-z]+/[A-Za-z0-9_-]{1,100}\.(jpg|jpeg|png|webp|gif)\Z")
MEDIA_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
               "webp": "image/webp", "gif": "image/gif"}  # fmt: skip


@require_safe
def media(request: HttpRequest, name: str) -> HttpResponse:
    """Serve an uploaded image from local storage when no web server in front does (nginx
    serves /media/ itself in every deployment that ships it). Names are random, so a file
    never changes: browsers may keep it for a year."""
    match = MEDIA_NAME.match(name)
    if match is None:
        raise Http404
    try:
        stored = default_storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise Http404 from None
    response = FileResponse(stored, content_type=MEDIA_TYPES[match.group(1)])
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
