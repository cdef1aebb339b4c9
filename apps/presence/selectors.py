"""What others may see of a user's online status, computed at read time."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Value
from django.utils import timezone

from apps.social import selectors as social_selectors


class Status(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    LAST_SEEN = "last-seen"


@dataclass(frozen=True)
class Presence:
    username: str
    status: Status
    last_seen: datetime | None = None  # shown with LAST_SEEN only


def presence_of(profile, *, username: str, now: datetime | None = None) -> Presence:
    """Online: logged in and active within PRESENCE_TTL. A user who hides their status is
    shown as plain Offline to others: neither online nor when they were last seen."""
    if profile is None or not profile.show_online_status:
        return Presence(username, Status.OFFLINE)
    now = now or timezone.now()
    fresh = profile.last_seen and profile.last_seen >= now - timedelta(
        seconds=settings.PRESENCE_TTL
    )
    if profile.is_online and fresh:
        return Presence(username, Status.ONLINE)  # "Online" shows no time
    if profile.last_seen:
        return Presence(username, Status.LAST_SEEN, profile.last_seen)
    return Presence(username, Status.OFFLINE)


@dataclass(frozen=True)
class PresenceRow:
    """The four columns a badge needs, read without building model instances."""

    is_online: bool
    last_seen: datetime | None
    show_online_status: bool


def presence_rows(usernames: Iterable[str], viewer=None) -> dict[str, PresenceRow]:
    """The badge columns for these usernames in ONE query, keyed by username as stored.
    Unknown or inactive usernames are simply absent. Members `viewer` blocked, or who blocked
    `viewer`, show to them as if they hid their status."""
    users = get_user_model().objects.filter(username__in=list(usernames), is_active=True)
    apart = Value(False)
    if viewer is not None and viewer.is_authenticated:
        apart = social_selectors.blocks_with(viewer)
    rows = users.annotate(apart=apart).values_list(
        "username",
        "profile__is_online",
        "profile__last_seen",
        "profile__show_online_status",
        "apart",
    )
    return {
        username: PresenceRow(bool(is_online), last_seen, show is not False and not apart)
        for username, is_online, last_seen, show, apart in rows
    }


ONLINE_NOW_LIMIT = 24


def online_followed(user) -> tuple[list, int]:
    """The members `user` follows who are online now and let others see it, most recently
    active first: at most ONLINE_NOW_LIMIT of them, and how many there are. Two queries."""
    since = timezone.now() - timedelta(seconds=settings.PRESENCE_TTL)
    online = (
        get_user_model()
        .objects.filter(
            follower_set__follower=user,
            is_active=True,
            profile__is_online=True,
            profile__show_online_status=True,
            profile__last_seen__gte=since,
        )
        .select_related("profile")
    )
    people = list(online.order_by("-profile__last_seen", "pk")[:ONLINE_NOW_LIMIT])
    total = len(people) if len(people) < ONLINE_NOW_LIMIT else online.count()
    return people, total
