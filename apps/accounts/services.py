"""Writes to the identity: a member's sessions, whether the account is active, its language;
and the list of disposable-mail domains signup refuses.

Creating, exporting and deleting a member as a whole is apps.membership's work; suspending one
is apps.moderation's. Both call these.
"""

from collections.abc import Iterable
from importlib import import_module

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import transaction

from .blocklists import clean_domain
from .models import DisposableDomain


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


def replace_disposable_domains(*, lines: Iterable[str]) -> int:
    """Make `lines` (one domain a line, "#" comments) the list of disposable-mail domains, in
    place of the one shipped with the release; how many domains it holds. Lines that are not
    domains are skipped. An empty list is refused: it would mean "the shipped list" again."""
    domains = set()
    for line in lines:
        line = line.partition("#")[0].strip()
        if not line:
            continue
        try:
            domains.add(clean_domain(line))
        except ValidationError:
            continue
    if not domains:
        raise ValueError("The list holds no domain.")
    with transaction.atomic():
        DisposableDomain.objects.all().delete()
        DisposableDomain.objects.bulk_create(
            [DisposableDomain(domain=domain) for domain in sorted(domains)], batch_size=1000
        )
    return len(domains)


def use_shipped_disposable_domains() -> None:
    """Forget the list an operator loaded: signup goes back to the one shipped with the release."""
    DisposableDomain.objects.all().delete()
