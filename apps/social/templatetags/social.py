from django import template

from .. import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: template.Context) -> int:
    """The member's unread count, for the navbar's bell (social/bell.html; one query)."""
    return selectors.unread_count(context["user"])


@register.inclusion_tag("social/follow_button.html", takes_context=True)
def follow_button(context: template.Context, member, following: bool, place: str = "card"):
    return {
        "member": member,
        "following": following,
        "place": place,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }
