"""System checks for settings that would lose data, or fail only once a request meets them.

`manage.py check` (and `check --deploy`, and every management command, the worker included)
runs them all; the web server runs those tagged STARTUP as it loads the site (config/wsgi.py),
so a node that would lose data never starts serving."""

import sys

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, SystemCheckError

from apps.core.web.ratelimit import parse_rates

STARTUP = "startup"


def refuse_a_broken_start() -> None:
    """Run the checks tagged STARTUP as `manage.py check` would: on an Error, write them all
    to stderr and exit (status 1, no traceback to read past); warnings are written and the
    start goes on."""
    try:
        BaseCommand().check(tags=[STARTUP])
    except SystemCheckError as error:
        sys.stderr.write(f"{error}\n")
        raise SystemExit(1) from None


@register(STARTUP)
def uploads_survive_a_restart(app_configs, **kwargs) -> list[Error]:
    if settings.DEBUG or not (settings.EPHEMERAL_DISK and settings.MEDIA_ON_LOCAL_DISK):
        return []
    return [
        Error(
            "Uploads would be stored on this platform's ephemeral disk and lost at the next "
            "restart.",
            hint="Set AWS_STORAGE_BUCKET_NAME and its credentials, with MEDIA_STORAGE unset or "
            "s3 (README: Heroku), or EPHEMERAL_DISK=0 if the disk is in fact kept.",
            id="eternity.E001",
        )
    ]


@register(STARTUP)
def uploads_reach_every_node(app_configs, **kwargs) -> list[Error]:
    """Local uploads on several nodes: each image would exist on the node that took it only,
    so every other request for it would 404 and backups and exports would miss it."""
    if (
        settings.DEBUG
        or settings.WEB_NODES == 1
        or not settings.MEDIA_ON_LOCAL_DISK
        or settings.MEDIA_SHARED_VOLUME
    ):
        return []
    return [
        Error(
            f"WEB_NODES={settings.WEB_NODES} and uploads are stored on this node's disk "
            f"(MEDIA_STORAGE=local, {settings.MEDIA_ROOT}): an image would be served, "
            "exported and backed up only by the node that received it.",
            hint="Set MEDIA_STORAGE=s3 with AWS_STORAGE_BUCKET_NAME and its credentials "
            "(README: Deploy), or MEDIA_SHARED_VOLUME=1 if MEDIA_ROOT is one shared volume "
            "mounted on every node.",
            id="eternity.E003",
        )
    ]


@register(STARTUP)
def signed_media_name_their_region(app_configs, **kwargs) -> list[Warning]:
    """Signed image addresses (signature version 4) name the bucket's region, and AWS refuses
    an address that names another."""
    options = settings.STORAGES["default"].get("OPTIONS", {})
    if (
        settings.MEDIA_ON_LOCAL_DISK
        or not options.get("querystring_auth", True)
        or options.get("custom_domain")
        or options.get("endpoint_url")
        or options.get("region_name")
    ):
        return []
    return [
        Warning(
            "AWS_S3_REGION_NAME is not set: signed image addresses name us-east-1, and a bucket "
            "in any other region refuses them.",
            hint="Set AWS_S3_REGION_NAME to the bucket's region.",
            id="eternity.W002",
        )
    ]


@register(STARTUP)
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


@register(STARTUP)
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
