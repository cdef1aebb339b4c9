"""Account lifecycle: a copy of everything we hold about a user, and deleting it all."""

import json
import logging
import shutil
import tempfile
import zipfile
from importlib import import_module
from pathlib import PurePosixPath
from typing import IO

from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core import images
from apps.feed.models import Comment, Like, Post
from apps.profiles.models import Profile

logger = logging.getLogger(__name__)


def _when(moment) -> str | None:
    return moment.isoformat() if moment else None


def export_user_data(*, user: AbstractBaseUser) -> IO[bytes]:
    """A zip with data.json and the user's photos and post images, as stored. Built in a
    temporary file (spilled to disk past a few MB) with files copied in chunks, so a member
    with many images never holds a worker's memory."""
    profile = Profile.objects.filter(user=user).first()
    posts = list(Post.objects.filter(author=user).prefetch_related("tags").order_by("created"))
    data = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
        },
        "email_addresses": list(
            EmailAddress.objects.filter(user=user).values("email", "verified", "primary")
        ),
        "social_accounts": list(SocialAccount.objects.filter(user=user).values("provider", "uid")),
        "profile": {
            "bio": profile.bio,
            "member_since": _when(profile.created),
            "show_online_status": profile.show_online_status,
            "last_seen": _when(profile.last_seen),
            "photo": PurePosixPath(profile.photo.name).name if profile.photo else None,
        }
        if profile
        else None,
        "posts": [
            {
                "id": post.pk,
                "title": post.title,
                "text": post.text,
                "tags": [tag.name for tag in post.tags.all()],
                "created": _when(post.created),
                "edited": _when(post.edited),
                "image": PurePosixPath(post.image.name).name if post.image else None,
            }
            for post in posts
        ],
        "comments": [
            {
                "post": comment["post_id"],
                "reply_to": comment["parent_id"],
                "text": comment["text"],
                "created": _when(comment["created"]),
                "edited": _when(comment["edited"]),
            }
            for comment in Comment.objects.filter(author=user, is_deleted=False)
            .order_by("created")
            .values("post_id", "parent_id", "text", "created", "edited")
        ],
        "liked_posts": list(Like.objects.filter(user=user).values_list("post_id", flat=True)),
        "sessions": [
            {
                "ip": s.ip,
                "user_agent": s.user_agent,
                "created": _when(s.created_at),
                "last_seen": _when(s.last_seen_at),
            }
            for s in UserSession.objects.filter(user=user)
        ],
    }
    buffer = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (returned)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, indent=2, ensure_ascii=False))
        files = []
        if profile and profile.photo:
            files.append(("photo", profile.photo))
        files += [("posts", post.image) for post in posts if post.image]
        for folder, field in files:
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


def confirm_password(*, request: HttpRequest, user: AbstractBaseUser, password: str,
                     wrong: str) -> None:  # fmt: skip
    """Reauthentication inside a form: wrong guesses count against allauth's `reauthenticate`
    limit in the shared cache, so the password cannot be guessed through any form."""
    if not ratelimit.consume(request, action="reauthenticate", user=user):
        raise ValidationError(_("Too many attempts. Wait a minute and try again."))
    if not user.check_password(password):
        raise ValidationError(wrong, code="wrong_password")


def delete_account(*, user: AbstractBaseUser) -> None:
    """Delete the user and everything theirs: profile, photos, posts (and their images,
    likes and comments), their comments and likes elsewhere, emails, social links and every
    session. Files go after the transaction commits; nothing is left in storage."""
    storage = Profile._meta.get_field("photo").storage
    with transaction.atomic():
        profile = Profile.objects.filter(user=user).first()
        files = [profile.photo.name, profile.photo_thumbnail.name] if profile else []
        files += list(
            Post.objects.filter(author=user).exclude(image="").values_list("image", flat=True)
        )
        session_keys = list(
            UserSession.objects.filter(user=user).values_list("session_key", flat=True)
        )
        store: type[SessionBase] = import_module(settings.SESSION_ENGINE).SessionStore
        for key in session_keys:
            store(session_key=key).delete()
        touched = list(
            Comment.objects.filter(author=user, parent__is_deleted=True)
            .values_list("parent_id", flat=True)
            .distinct()
        )
        user.delete()
        # A "comment deleted" placeholder whose last reply was this member's goes too.
        Comment.objects.filter(pk__in=touched, is_deleted=True, replies__isnull=True).delete()
        transaction.on_commit(lambda: images.delete_quietly(storage, files), robust=True)
