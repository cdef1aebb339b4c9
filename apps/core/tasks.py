"""Periodic housekeeping of what core looks after: sessions, the database cache tables and the
task queue itself."""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.management import call_command
from django.tasks import task

from .jobs.mail import forget_deliveries
from .jobs.periodic import every
from .ops.cache import purge_expired
from .uploads import pending

# How long finished task results are kept: a sent mail's result holds the mail, links and
# all, so successes go after a day; failures stay a week for staff to look into.
SUCCESSES_KEPT_DAYS = 1
FAILURES_KEPT_DAYS = 7


@every(seconds=60 * 60)
@task
def clear_expired_sessions() -> str:
    """Delete sessions past their expiry (Django never does it by itself)."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    return "expired sessions cleared"


@every(seconds=60 * 60)
@task
def purge_expired_cache_rows() -> str:
    """Delete expired rows from every database cache table, so a table only ever fills with
    live keys, and Django's cull (a third of the live rows, in key order) never has to run."""
    tables = [alias for alias in settings.CACHES if isinstance(caches[alias], DatabaseCache)]
    purged = sum(purge_expired(alias) for alias in tables)
    return f"{purged} expired cache row(s) removed"


@every(seconds=24 * 60 * 60)
@task
def prune_finished_tasks() -> str:
    """Delete the results of finished tasks once they are of no more use."""
    call_command(
        "prune_db_task_results",
        min_age_days=SUCCESSES_KEPT_DAYS,
        failed_min_age_days=FAILURES_KEPT_DAYS,
        verbosity=0,
    )
    # A mail's delivery record outlives every task that could send it again by days.
    forget_deliveries(older_than=timedelta(days=FAILURES_KEPT_DAYS))
    return f"successes older than {SUCCESSES_KEPT_DAYS} day, failures than {FAILURES_KEPT_DAYS}"


@every(seconds=24 * 60 * 60)
@task
def forget_pending_images() -> str:
    """Delete images that waited for a form which was never sent again."""
    return f"{pending.forget_stale()} pending image(s) removed"
