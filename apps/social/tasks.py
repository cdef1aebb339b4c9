"""The notification digest, run by the worker every hour; each member gets it at most daily."""

from django.tasks import task

from apps.core.periodic import every

from . import services


@every(seconds=60 * 60)
@task
def send_notification_digests() -> str:
    """Email the members who asked for it their unread notifications."""
    return f"{services.send_digests()} digest(s) sent"
