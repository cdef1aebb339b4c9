from django import template
from django.core.exceptions import ObjectDoesNotExist

from apps.presence.selectors import Unread, online_followed, presence_of, unread_counts

register = template.Library()


@register.inclusion_tag("presence/badge.html")
def presence_badge(user) -> dict[str, object]:
    try:
        profile = user.profile
    except ObjectDoesNotExist:
        profile = None
    return {"presence": presence_of(profile, username=user.username)}


@register.inclusion_tag("presence/online_now.html", takes_context=True)
def online_now(context: template.Context) -> dict[str, object]:
    """The members the viewer follows who are online now (refreshed by the presence poll)."""
    people, total = online_followed(context["user"])
    return {"people": people, "total": total}


@register.simple_tag(takes_context=True)
def unread(context: template.Context) -> Unread:
    """The member's counts for the bar: the bell's and the messages link's (one query)."""
    return unread_counts(context["user"])
