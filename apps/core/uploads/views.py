"""Uploaded images, served by Django where nothing in front of it does, and the one response
for any stored image (public ones here, moderated ones through moderation's view)."""

import re

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

# What the image pipeline writes: a folder, a random name, an image suffix. Nothing else in
# the media folder is ever served, whatever lands there; nor the moderated and private
# prefixes (a conversation's images are served to its members by the conversations app).
MEDIA_NAME = re.compile(
    r"^(?!moderated/|private/)[a-z]+/[A-Za-z0-9_-]{1,100}\.(jpg|jpeg|png|webp|gif)\Z"
)
MEDIA_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
               "webp": "image/webp", "gif": "image/gif"}  # fmt: skip
# Names are random, so a file never changes; but it can go (moderators remove a post, suspend
# its author): a day is how long a removed image can outlive its removal in a browser or a
# shared cache. nginx (deploy/nginx.conf) and the bucket's objects say the same.
PUBLIC_CACHE = "public, max-age=86400"
PRIVATE_CACHE = "private, no-store"


def stored_image(name: str, extension: str, *, cache_control: str) -> HttpResponse:
    """The stored image `name` with the headers every served upload has; 404 if it is not
    there."""
    try:
        stored = default_storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise Http404 from None
    response = FileResponse(stored, content_type=MEDIA_TYPES[extension])
    response["Cache-Control"] = cache_control
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@require_safe
def media(request: HttpRequest, name: str) -> HttpResponse:
    """Serve an uploaded image from local storage when no web server in front does (nginx
    serves /media/ itself in every deployment that ships it)."""
    match = MEDIA_NAME.match(name)
    if match is None:
        raise Http404
    return stored_image(name, match.group(1), cache_control=PUBLIC_CACHE)
