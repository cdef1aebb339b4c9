"""System checks for the Web Push settings: a key that cannot be read, or a subject push
services would refuse, stops the site before a member turns push on with it."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from apps.core.ops.checks import STARTUP

from . import keys


def subject_problem(subject: str) -> str:
    """Why `subject` is no VAPID subject (RFC 8292 §2.1: a mailto: or https: URI), or ""."""
    if subject.startswith("mailto:"):
        address = subject.removeprefix("mailto:")
        try:
            validate_email(address)
        except ValidationError:
            return "its address after mailto: is not an email address"
        if address.rpartition("@")[2] == "localhost" and not settings.DEBUG:
            return "nobody can write to an address at localhost"
        return ""
    if subject.startswith("https://"):
        host = urlsplit(subject).hostname
        if not host:
            return "it names no host"
        return "nobody can reach localhost" if host == "localhost" and not settings.DEBUG else ""
    return "it is neither a mailto: nor an https: address"


@register(STARTUP)
def vapid_key_reads(app_configs, **kwargs) -> list[Error]:
    if not settings.VAPID_PRIVATE_KEY:
        return []
    try:
        keys.parse_private_key(settings.VAPID_PRIVATE_KEY)
    except keys.InvalidKey as error:
        return [
            Error(
                f"VAPID_PRIVATE_KEY cannot be read: {error}",
                hint="Set it to the VAPID_PRIVATE_KEY=... line `python manage.py vapid_keys` "
                "prints (a PEM or 64 hexadecimal characters work too), or unset it to turn "
                "push off.",
                id="push.E001",
            )
        ]
    return []


@register(STARTUP)
def vapid_subject_is_an_address(app_configs, **kwargs) -> list[Error | Warning]:
    if not (settings.VAPID_PRIVATE_KEY or settings.DEBUG):
        return []  # push is off: the subject is never sent (check --deploy says push is off)
    problem = subject_problem(settings.VAPID_SUBJECT)
    if not problem:
        return []
    message = (
        f"VAPID_SUBJECT {settings.VAPID_SUBJECT!r} will be refused by push services: {problem}."
    )
    hint = "Set VAPID_SUBJECT to mailto:you@example.com or https://your.site/contact."
    if settings.DEBUG:
        return [Warning(message, hint=hint, id="push.W001")]
    return [Error(message, hint=hint, id="push.E002")]


@register(deploy=True)
def push_is_on(app_configs, **kwargs) -> list[Warning]:
    if settings.VAPID_PRIVATE_KEY:
        return []
    return [
        Warning(
            "VAPID_PRIVATE_KEY is not set: Web Push is off, and the notification settings say so.",
            hint="Run `python manage.py vapid_keys` and set the VAPID_PRIVATE_KEY it prints.",
            id="push.W002",
        )
    ]
