"""System checks for settings that would lose data, or fail only once a request meets them."""

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from apps.core.web.ratelimit import parse_rates


@register()
def uploads_survive_a_restart(app_configs, **kwargs) -> list[Error]:
    if settings.DEBUG or not (settings.EPHEMERAL_DISK and settings.MEDIA_ON_LOCAL_DISK):
        return []
    return [
        Error(
            "Uploads would be stored on this platform's ephemeral disk and lost at the next "
            "restart.",
            hint="Set AWS_STORAGE_BUCKET_NAME and its credentials (README: Heroku), or "
            "EPHEMERAL_DISK=0 if the disk is in fact kept.",
            id="eternity.E001",
        )
    ]


@register()
def rate_limits_read(app_configs, **kwargs) -> list[Error]:
    """A mistyped rate would otherwise surface as a 500 on the first request it limits."""
    errors = []
    for name in ("RATE_LIMITS", "NEW_MEMBER_LIMITS"):
        for action, text in (getattr(settings, name, None) or {}).items():
            try:
                parse_rates(text)
            except (ImproperlyConfigured, TypeError, AttributeError) as error:
                errors.append(Error(f"{name}[{action!r}]: {error}", id="eternity.E002",
                                    hint='Write rates as "10/m/user,30/5m/ip".'))  # fmt: skip
    return errors
