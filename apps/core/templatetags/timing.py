"""Times as people read them: "5 minutes ago" for the last week, the date after that, with
the exact date and time on hover and in <time datetime> for machines and screen readers."""

from datetime import datetime, timedelta

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

register = template.Library()
RECENT = timedelta(days=7)


@register.simple_tag
def when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    recent = timezone.now() - moment < RECENT
    shown = naturaltime(moment) if recent else date_format(local, "DATE_FORMAT")
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        moment.isoformat(),
        date_format(local, "DATETIME_FORMAT"),
        shown,
    )
