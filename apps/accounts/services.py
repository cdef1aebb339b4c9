"""Account lifecycle: a copy of everything we hold about a member, and deleting it all.

Accounts sit on top of the other apps: each app gives its part of the export through its own
selectors, and cleans up after a deleted user through Django's delete signals, so nothing
here restates another app's rules.
"""

import json
import logging
import shutil
import tempfile
import zipfile
from importlib import import_module
from pathlib import PurePosixPath
from typing import IO

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from apps.feed import selectors as feed
from apps.feed import services as feed_services
from apps.presence import services as presence
from apps.profiles import selectors as profiles
from apps.social import selectors as social

logger = logging.getLogger(__name__)


def export_user_data(*, user: AbstractBaseUser) -> IO[bytes]:
    """Return a zip with data.json and the member's photos and post images, as stored. It is
    built in a temporary file (spilled to disk past a few MB) with files copied in chunks, so
    a member with many images never holds a worker's memory."""
    profile_data, profile_files = profiles.member_export(user=user)
    feed_data, feed_files = feed.member_export(user=user)
    data = {
        "exported_at": timezone.now(),
        "account": {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "email_addresses": list(
            EmailAddress.objects.filter(user=user).values("email", "verified", "primary")
        ),
        "social_accounts": list(SocialAccount.objects.filter(user=user).values("provider", "uid")),
        **profile_data,
        **feed_data,
        **social.member_export(user=user),
        **_exports_of_apps_above(user),
        "sessions": [
            {
                "ip": s.ip,
                "user_agent": s.user_agent,
                "created": s.created_at,
                "last_seen": s.last_seen_at,
            }
            for s in UserSession.objects.filter(user=user)
        ],
    }
    buffer = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (returned)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(data, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder)
        )
        for folder, field in profile_files + feed_files:
            target = f"{folder}/{PurePosixPath(field.name).name}"
            try:
                with (
                    field.storage.open(field.name, "rb") as stored,
                    archive.open(target, "w") as out,
                ):
                    shutil.copyfileobj(stored, out, 1024 * 1024)
            except Exception:  # a file missing or unreadable in storage must not fail the export
                logger.warning("Export: could not read %s", field.name, exc_info=True)
    buffer.seek(0)
    return buffer


def _exports_of_apps_above(user: AbstractBaseUser) -> dict[str, object]:
    """Apps above accounts (moderation) cannot be imported here; each gives its part of the
    export through a `member_export(user)` method on its AppConfig."""
    parts: dict[str, object] = {}
    for config in django_apps.get_app_configs():
        if hasattr(config, "member_export"):
            parts |= config.member_export(user)
    return parts


def delete_account(*, user: AbstractBaseUser) -> None:
    """Delete the user and everything theirs, and end every session they have. The rows go
    with the user; each app removes its files and mends what others see (counts, threads)
    in its receivers of Django's delete signals, after the transaction commits."""
    with transaction.atomic():
        end_sessions(user=user)
        user.delete()


def end_sessions(*, user: AbstractBaseUser) -> int:
    """Log the member out everywhere: every session they have, on every device."""
    store: type[SessionBase] = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


def suspend_member(*, user: AbstractBaseUser) -> None:
    """Deactivate the account (login refused, their posts, comments and profile hidden
    everywhere: every page shows active members only) and end their sessions. Reversible with
    reinstate_member; nothing of theirs is deleted."""
    with transaction.atomic():
        type(user).objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        end_sessions(user=user)
        feed_services.recount_for_member(user=user)
    presence.mark_offline(user=user)


def reinstate_member(*, user: AbstractBaseUser) -> None:
    """Undo suspend_member: the member can log in again and everything of theirs is back."""
    with transaction.atomic():
        type(user).objects.filter(pk=user.pk).update(is_active=True)
        user.is_active = True
        feed_services.recount_for_member(user=user)
