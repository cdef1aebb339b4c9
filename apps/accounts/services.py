"""Writes to the identity: a member's sessions, whether the account is active, its language.

Creating, exporting and deleting a member as a whole is apps.membership's work; suspending one
is apps.moderation's. Both call these.
"""

from importlib import import_module

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction


def end_sessions(*, user: AbstractBaseUser) -> int:
    """Log the member out everywhere: every session they have, on every device."""
    store: type[SessionBase] = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


def deactivate(*, user: AbstractBaseUser) -> None:
    """Refuse the member's logins and end their sessions; every page shows active members
    only, so what they wrote is hidden too. Nothing of theirs is deleted (see reactivate)."""
    with transaction.atomic():
        get_user_model().objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        end_sessions(user=user)


def reactivate(*, user: AbstractBaseUser) -> None:
    """Undo deactivate: the member can log in again and everything of theirs shows again."""
    get_user_model().objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True


def set_language(*, user: AbstractBaseUser, language: str) -> None:
    """Remember the member's interface language; it follows them to every device and is the
    language of the mail sent to them."""
    get_user_model().objects.filter(pk=user.pk).update(language=language)
    user.language = language


def forget_member(*, user: AbstractBaseUser) -> None:
    """Delete the account itself, last: its addresses, linked providers, two-factor keys and
    whatever else is still the member's go with the user row."""
    end_sessions(user=user)
    user.delete()
