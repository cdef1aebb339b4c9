"""Membership's upkeep run by the worker: deleting the accounts moderators turned down."""

from datetime import timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from apps.accounts import selectors as accounts
from apps.core.jobs.periodic import every

from . import services


@every(seconds=6 * 60 * 60)
@task
def delete_refused_applicants() -> str:
    """Delete, like any account deletion, the accounts turned down more than
    REFUSED_APPLICANTS_KEPT_DAYS ago: the applicant had the days to read why, and their
    username and address are free again."""
    before = timezone.now() - timedelta(days=settings.REFUSED_APPLICANTS_KEPT_DAYS)
    deleted = 0
    for user in accounts.refused_applicants(decided_before=before).iterator():
        services.delete_account(user=user)
        deleted += 1
    return f"{deleted} refused applicant(s) deleted"
