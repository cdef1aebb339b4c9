"""Reads of a member's push settings, for their settings page and their data export."""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.contrib.auth.base_user import AbstractBaseUser

from apps.accounts.lifecycle import MemberData

from .models import MutedKind, Preferences, Subscription

DEVICES_SHOWN = 50  # more browsers than anyone has; the oldest past it are not listed


@dataclass
class PushSettings:
    devices: list[Subscription]  # newest first, each with `this_browser`
    muted: set[str]  # kinds not pushed
    preferences: Preferences
    this_browser: Subscription | None = field(default=None)


def push_settings(user: AbstractBaseUser, *, session_key: str | None) -> PushSettings:
    """What the push section of the notification settings shows, in three queries. A device
    is "this browser" when it subscribed in the session that asks."""
    devices = list(Subscription.objects.filter(user=user).order_by("-created")[:DEVICES_SHOWN])
    this_browser = None
    for device in devices:
        device.this_browser = bool(session_key) and device.session_key == session_key
        if device.this_browser and this_browser is None:
            this_browser = device
    muted = set(MutedKind.objects.filter(user=user).values_list("kind", flat=True))
    preferences = Preferences.objects.filter(user=user).first() or Preferences(user=user)
    return PushSettings(devices, muted, preferences, this_browser)


def member_export(*, user: AbstractBaseUser) -> MemberData:
    """What this app holds of the member, for their data export. A subscription's address is
    given as its push service's host only: the full address is a capability (anyone holding
    it, with the keys, can send to that browser), and the export is a file that travels."""
    preferences = Preferences.objects.filter(user=user).first()
    return MemberData({
        "push_subscriptions": [
            {
                "device": device,
                "push_service": urlsplit(endpoint).hostname or "",
                "created": created,
                "last_delivered": last_success,
            }
            for device, endpoint, created, last_success in Subscription.objects.filter(user=user)
            .order_by("created")
            .values_list("device", "endpoint", "created", "last_success")
        ],
        "push_settings": {
            "muted_kinds": sorted(MutedKind.objects.filter(user=user)
                                  .values_list("kind", flat=True)),
            "quiet_from": preferences.quiet_from if preferences else None,
            "quiet_until": preferences.quiet_until if preferences else None,
            "time_zone": preferences.time_zone if preferences else "",
        },
    })  # fmt: skip
