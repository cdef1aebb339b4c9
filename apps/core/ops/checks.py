"""System checks for settings that would lose data, or fail only once a request meets them."""

from django.conf import settings
from django.core.checks import Error, Warning, register
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


# Where connection poolers listen by default: PgBouncer (6432) and Supavisor's transaction
# mode (6543). Behind one in transaction mode, a prepared statement can be run by another
# client's session.
POOLER_PORTS = {"6432", "6543"}


@register()
def prepared_statements_behind_a_pooler(app_configs, **kwargs) -> list[Warning]:
    database = settings.DATABASES["default"]
    options = database.get("OPTIONS", {})
    if not options.get("prepare_threshold") or str(database.get("PORT")) not in POOLER_PORTS:
        return []
    return [
        Warning(
            f"DATABASE_URL names port {database['PORT']}, where a connection pooler listens, and "
            "PostgreSQL prepares statements (DB_PREPARE_THRESHOLD).",
            hint="Fine in session mode (deploy/pgbouncer.ini) or with PgBouncer 1.21+ and "
            "max_prepared_statements; in transaction mode with an older pooler, set "
            "DB_PREPARE_THRESHOLD=0, or another client's statement may run (README: Deploy).",
            id="eternity.W001",
        )
    ]
