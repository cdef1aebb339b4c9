from django import template
from django.core.exceptions import ObjectDoesNotExist

from apps.presence.selectors import presence_of

register = template.Library()


@register.inclusion_tag("presence/badge.html")
def presence_badge(user) -> dict[str, object]:
    try:
        profile = user.profile
    except ObjectDoesNotExist:
        profile = None
    return {"presence": presence_of(profile, username=user.username)}
