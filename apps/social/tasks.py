"""Notification upkeep run by the worker: the digest (hourly; each member gets it at most
daily) and forgetting old notifications (daily)."""

from django.tasks import task

from apps.core.jobs.periodic import every

from . import services


@every(seconds=60 * 60)
@task
def send_notification_digests() -> str:
    """Email the members who asked for it their unread notifications."""
    return f"{services.send_digests()} digest(s) sent"


@every(seconds=24 * 60 * 60)
@task
def forget_old_notifications() -> str:
    """Delete notifications older than NOTIFICATION_RETENTION_DAYS."""
    return f"{services.forget_old_notifications()} old notification(s) deleted"
