"""What the avatar menu's "Appear offline" sends: for how long, and the browser's time zone
(which "until tomorrow" needs; the site keeps none for a member)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

TIME_ZONE_MAX = 64
MORNING = time(8, 0)  # "until tomorrow" ends at the next 08:00 on the member's clock
CHOOSE_MESSAGE = _("Choose how long to appear offline. Nothing was changed.")


class AppearOfflineForm(forms.Form):
    CHOICES = [
        ("hour", _("For 1 hour")),
        ("tomorrow", _("Until tomorrow")),
        ("off", _("Until I turn it off")),
    ]
    until = forms.ChoiceField(
        choices=CHOICES,
        error_messages={"required": CHOOSE_MESSAGE, "invalid_choice": CHOOSE_MESSAGE},
    )
    # Filled by static/js/presence.js; without it (or with a zone this server does not know)
    # the site's own time zone stands in. Any text at all: a bad zone is never the member's
    # error (a plain Field, so that not even a NUL character makes the form invalid).
    time_zone = forms.Field(required=False)

    def clean_time_zone(self) -> ZoneInfo:
        sent = self.cleaned_data["time_zone"]
        return known_zone(sent.strip() if isinstance(sent, str) and "\x00" not in sent else "")

    def end(self, now: datetime) -> datetime | None:
        """When the chosen period ends, from `now` (None: when the member turns it off)."""
        choice = self.cleaned_data["until"]
        if choice == "hour":
            return now + timedelta(hours=1)
        if choice == "tomorrow":
            return next_morning(now, self.cleaned_data["time_zone"])
        return None


def known_zone(name: str) -> ZoneInfo:
    """The IANA time zone `name` ("Europe/Moscow") if this server knows it, else the site's."""
    fallback = ZoneInfo(settings.TIME_ZONE)
    if not name or len(name) > TIME_ZONE_MAX or name.startswith(("/", ".")) or ".." in name:
        return fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return fallback


def next_morning(now: datetime, zone: ZoneInfo) -> datetime:
    """The next MORNING on the clock of `zone` after `now` (the same day's before it)."""
    local = now.astimezone(zone)
    day = local.date() if local.time() < MORNING else local.date() + timedelta(days=1)
    return datetime.combine(day, MORNING, tzinfo=zone)
