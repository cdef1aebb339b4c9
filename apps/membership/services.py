"""A member as a whole: a copy of everything we hold about them, and deleting it all.

Membership sits on top of every app that keeps something about a member and walks them through
the lifecycle protocol (apps.accounts.lifecycle): each app's `selectors.member_export` gives its
part of the copy, each app's `services.forget_member` deletes its part. Nothing here restates
another app's rules, and no app reacts to a deletion by itself.
"""

import json
import logging
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import IO, NamedTuple

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from apps.accounts import selectors as accounts_selectors
from apps.accounts import services as accounts
from apps.accounts.lifecycle import MemberData
from apps.conversations import selectors as conversations_selectors
from apps.conversations import services as conversations
from apps.feed import selectors as feed_selectors
from apps.feed import services as feed
from apps.moderation import selectors as moderation_selectors
from apps.moderation import services as moderation
from apps.profiles import selectors as profiles_selectors
from apps.profiles import services as profiles
from apps.push import selectors as push_selectors
from apps.push import services as push
from apps.social import selectors as social_selectors
from apps.social import services as social

logger = logging.getLogger(__name__)

SPOOL_BYTES = 8 * 1024 * 1024  # kept in memory up to this, then on disk
CHUNK_BYTES = 1024 * 1024


class Part(NamedTuple):
    export: Callable[..., MemberData]
    forget: Callable[..., None]


# The apps that keep something about a member, in layer order from the bottom. The export
# reads them in this order; a deletion forgets them from the top, so each app forgets its
# rows before the rows they point at go, and accounts deletes the user row last.
PARTS = (
    Part(accounts_selectors.member_export, accounts.forget_member),
    Part(social_selectors.member_export, social.forget_member),
    Part(feed_selectors.member_export, feed.forget_member),
    Part(profiles_selectors.member_export, profiles.forget_member),
    Part(conversations_selectors.member_export, conversations.forget_member),
    Part(push_selectors.member_export, push.forget_member),
    Part(moderation_selectors.member_export, moderation.forget_member),
)


def export_user_data(*, user: AbstractBaseUser) -> IO[bytes]:
    """Return a zip with data.json, the member's photos and post images as stored, and a
    README.txt that lists the images it holds and names any that could not be read (missing
    from storage, storage unreachable): those are left out, never the export. It is built in
    a temporary file (spilled to disk past a few MB) with files copied in chunks, so a member
    with many images never holds a worker's memory."""
    data: dict[str, object] = {"exported_at": timezone.now()}
    files = []
    for part in PARTS:
        exported = part.export(user=user)
        data |= exported.data
        files += exported.files
    included: list[str] = []
    unreadable: list[str] = []
    buffer = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (returned)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(data, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder)
        )
        for folder, field in files:
            target = f"{folder}/{PurePosixPath(field.name).name}"
            # Read whole first, so a read failing halfway leaves no truncated image behind.
            with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as copy:
                try:
                    with field.storage.open(field.name, "rb") as stored:
                        shutil.copyfileobj(stored, copy, CHUNK_BYTES)
                except Exception:  # missing, unreadable or unreachable: said in README.txt
                    logger.warning("Export: could not read %s", field.name, exc_info=True)
                    unreadable.append(target)
                    continue
                copy.seek(0)
                with archive.open(target, "w") as out:
                    shutil.copyfileobj(copy, out, CHUNK_BYTES)
            included.append(target)
        readme = {
            "site_name": settings.SITE_NAME,
            "username": user.get_username(),
            "exported_at": data["exported_at"].strftime("%Y-%m-%d %H:%M:%S"),
            "images": included,
            "unreadable": unreadable,
        }
        archive.writestr("README.txt", render_to_string("membership/export_readme.txt", readme))
    buffer.seek(0)
    return buffer


def delete_account(*, user: AbstractBaseUser) -> None:
    """Delete the member and everything theirs, and end every session they have, in one
    transaction: each app forgets its part (mending counts and threads others see, removing
    files once the deletion commits), then the user row goes."""
    with transaction.atomic():
        for part in reversed(PARTS):
            part.forget(user=user)
