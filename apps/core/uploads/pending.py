"""Images pending a form's next send. An image someone chose for a form that came back with
errors waits in storage, so they need not choose it again: browsers never refill a file input.
It is stored under kept/ (the folder's name on disk), named by a token signed for that member;
the next send of the form takes it; the daily job forget_pending_images removes whatever was
never used."""

import logging
from datetime import timedelta

from django.core import signing
from django.core.files.storage import default_storage
from django.utils import timezone

from . import images

logger = logging.getLogger(__name__)

FOLDER = "kept"
KEPT_FOR = timedelta(days=1)


def _signer(user_id: int) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"kept-image:{user_id}")


def keep(*, data: bytes, user_id: int) -> tuple[str, str]:
    """Store a re-encoded copy of the upload; return (token for the form, URL to preview it).
    Raise images.InvalidImage or images.NotStored like the pipeline does."""
    encoded = images.bounded_version(data, 1600)
    name = images.store(default_storage, FOLDER, encoded)
    return _signer(user_id).sign(name), default_storage.url(name)


def url_of(*, token: str, user_id: int) -> str | None:
    """The preview URL of a kept image, or None when the token is not a valid one."""
    name = _name(token, user_id)
    return default_storage.url(name) if name else None


def take(*, token: str, user_id: int) -> bytes | None:
    """The kept image's bytes, removed from storage, or None when the token is forged, was
    signed for someone else, has expired, or its file is gone."""
    name = _name(token, user_id)
    if name is None:
        return None
    try:
        with default_storage.open(name, "rb") as kept:
            data = kept.read()
    except OSError:
        return None
    images.delete_quietly(default_storage, [name])
    return data


def _name(token: str, user_id: int) -> str | None:
    try:
        name = _signer(user_id).unsign(token, max_age=KEPT_FOR)
    except signing.BadSignature:
        return None
    return name if name.startswith(f"{FOLDER}/") and ".." not in name else None


def forget_stale() -> int:
    """Delete kept images older than KEPT_FOR; return how many."""
    try:
        _, names = default_storage.listdir(FOLDER)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    cutoff = timezone.now() - KEPT_FOR
    stale = [
        f"{FOLDER}/{name}"
        for name in names
        if default_storage.get_modified_time(f"{FOLDER}/{name}") < cutoff
    ]
    images.delete_quietly(default_storage, stale)
    return len(stale)
