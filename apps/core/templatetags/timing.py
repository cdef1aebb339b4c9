"""Times as people read them. The server writes the moment itself: in <time datetime> for
machines (ISO 8601, UTC), and as the date and time in the active language, saying "UTC", for people
without JavaScript. static/js/times.js then says it as people do, in the reader's language
and time zone: "5 minutes ago" for the last week, the date after that, the exact date and
time on hover. What the server writes depends on no clock, so it can be kept in a stencil's
text and the presence poll's answer stays the same while the minutes pass."""

from datetime import UTC, datetime

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html

register = template.Library()


def _time(moment: datetime | None, attribute: str) -> str:
    """`moment` as a <time> in UTC that static/js/times.js rewrites as `attribute` says
    (nothing for None)."""
    if moment is None:
        return ""
    utc = moment.astimezone(UTC)
    shown = date_format(utc, "DATETIME_FORMAT")
    return format_html(
        '<time datetime="{}" title="{} UTC" {}>{} UTC</time>',
        utc.isoformat(timespec="seconds"),
        shown,
        attribute,
        shown,
    )


@register.simple_tag
def when(moment: datetime | None) -> str:
    """Return `moment` as a <time data-relative> for static/js/times.js (nothing for None)."""
    return _time(moment, "data-relative")


@register.simple_tag
def clock(moment: datetime | None) -> str:
    """Return `moment` as a <time data-clock>, which static/js/times.js says as the time of
    day on the reader's clock ("15:30", with the weekday when it is not today)."""
    return _time(moment, "data-clock")
