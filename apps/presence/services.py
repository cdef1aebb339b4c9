"""When a member counts as online. The Profile row holds is_online and last_seen;
profiles.services writes them, this module decides when.

Writes are throttled: a user's activity touches the row at most once per
PRESENCE_TOUCH_INTERVAL (the conditional UPDATE matches nothing inside the interval, so many
devices or workers cannot multiply the writes), and a logout on one device is undone by the
next poll of a device that is still open.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from apps.profiles import services as profiles


def mark_online(*, user: AbstractBaseUser) -> None:
    profiles.set_online(user=user, online=True, at=timezone.now())


def mark_offline(*, user: AbstractBaseUser) -> None:
    profiles.set_online(user=user, online=False, at=timezone.now())
    _went_offline([user.pk])


# Apps above this one act when a member leaves (push tells them, now that the bell cannot):
# they register here in their AppConfig.ready(), and are called once the change is committed.
_OFFLINE_HANDLERS: list[Callable[..., object]] = []


def when_offline(handler: Callable[..., object]) -> None:
    """Call `handler(user_ids=[…])` after members were marked offline: logged out, or
    silent for longer than PRESENCE_TTL (found by the sweep)."""
    if handler not in _OFFLINE_HANDLERS:
        _OFFLINE_HANDLERS.append(handler)


def _went_offline(user_ids: list[int]) -> None:
    if not user_ids:
        return
    for handler in _OFFLINE_HANDLERS:
        # robust: what another app does about it never fails a logout.
        transaction.on_commit(partial(handler, user_ids=user_ids), robust=True)


def _touched_recently_since(now: datetime) -> datetime:
    """Activity recorded at or after this moment needs no new write."""
    return now - timedelta(seconds=settings.PRESENCE_TOUCH_INTERVAL)


def touch(*, user_id: int) -> bool:
    """Record activity: Online now. Writes only if the user was offline or the last write is
    older than the touch interval. Return whether a row was written."""
    now = timezone.now()
    since = _touched_recently_since(now)
    return profiles.record_activity(user_id=user_id, at=now, unless_seen_since=since)


def touch_due(*, is_online: bool, last_seen: datetime | None, now: datetime) -> bool:
    """Whether a member with these presence columns needs a touch to count as active now:
    the same rule `touch`'s conditional UPDATE applies, read from a row already loaded."""
    return not is_online or last_seen is None or last_seen < _touched_recently_since(now)


def sweep() -> int:
    """Clear is_online for users silent for longer than the TTL (closed the browser without
    logging out). Status is computed at read time anyway; this keeps the column truthful."""
    silent = profiles.clear_online(
        silent_since=timezone.now() - timedelta(seconds=settings.PRESENCE_TTL)
    )
    _went_offline(silent)
    return len(silent)
