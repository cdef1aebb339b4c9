"""What others may see of a user's online status."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    LAST_SEEN = "last-seen"


@dataclass(frozen=True)
class Presence:
    username: str
    status: Status
    last_seen: datetime | None = None


def presence_of(profile, *, username: str) -> Presence:
    """A user who hides their status shows as plain Offline: neither online nor last seen."""
    if profile is None or not profile.show_online_status:
        return Presence(username, Status.OFFLINE)
    if profile.is_online:
        return Presence(username, Status.ONLINE, profile.last_seen)
    if profile.last_seen:
        return Presence(username, Status.LAST_SEEN, profile.last_seen)
    return Presence(username, Status.OFFLINE)
