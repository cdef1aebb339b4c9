"""Online status writes. The Profile row is the source of truth for is_online/last_seen.

Writes are throttled: a user's activity touches the row at most once per
PRESENCE_TOUCH_INTERVAL (the conditional UPDATE matches nothing inside the interval, so many
devices or workers cannot multiply the writes), and a logout on one device is undone by the
next poll of a device that is still open.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone

from apps.profiles.models import Profile


def mark_online(*, user: AbstractBaseUser) -> None:
    Profile.objects.filter(user=user).update(is_online=True, last_seen=timezone.now())


def mark_offline(*, user: AbstractBaseUser) -> None:
    Profile.objects.filter(user=user).update(is_online=False, last_seen=timezone.now())


def touch(*, user_id: int) -> bool:
    """Record activity: Online now. Writes only if the user was offline or the last write is
    older than the touch interval. Returns whether a row was written."""
    now = timezone.now()
    due = now - timedelta(seconds=settings.PRESENCE_TOUCH_INTERVAL)
    return bool(
        Profile.objects.filter(user_id=user_id)
        .filter(Q(is_online=False) | Q(last_seen__isnull=True) | Q(last_seen__lt=due))
        .update(is_online=True, last_seen=now)
    )


def sweep() -> int:
    """Clear is_online for users silent for longer than the TTL (closed the browser without
    logging out). Status is computed at read time anyway; this keeps the column truthful."""
    cutoff = timezone.now() - timedelta(seconds=settings.PRESENCE_TTL)
    return (
        Profile.objects.filter(is_online=True)
        .filter(Q(last_seen__lt=cutoff) | Q(last_seen__isnull=True))
        .update(is_online=False)
    )
