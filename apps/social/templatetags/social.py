from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("social/bell.html", takes_context=True)
def notification_bell(context: template.Context) -> dict[str, object]:
    """The navbar's bell with the member's unread count (one query)."""
    return {"unread": selectors.unread_count(context["user"])}


@register.inclusion_tag("social/follow_button.html", takes_context=True)
def follow_button(context: template.Context, member, following: bool, place: str = "card"):
    return {
        "member": member,
        "following": following,
        "place": place,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }
