from collections.abc import Iterable

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from apps.presence.selectors import (
    PresenceRow,
    Unread,
    online_followed,
    own_appearance,
    presence_of,
    unread_counts,
)
from apps.profiles import audiences

register = template.Library()


def _sights(context: template.Context) -> dict[int, audiences.Sight]:
    """How the viewer sees members' presence, kept for the request (or for this rendering,
    without one) so that a page's badges ask once."""
    request = context.get("request")
    if request is None:
        return context.render_context.setdefault("_presence_sights", {})
    return audiences.remembered(request)


def _viewer(context: template.Context):
    request = context.get("request")
    return request.user if request is not None else context["user"]


@register.simple_tag(takes_context=True)
def presence_for(context: template.Context, people: Iterable, attribute: str = "") -> str:
    """Read at once how the viewer sees the presence of these members (or of each item's
    `attribute`, such as a post's "author"), for the badges of a list: one query, whatever
    its length. A badge of a member not read here asks by itself."""
    viewer = _viewer(context)
    if not viewer.is_authenticated:
        return ""  # a visitor's badges read the audience on the profile (guest_sight)
    members = [getattr(item, attribute) if attribute else item for item in people]
    known = _sights(context)
    wanted = [member.pk for member in members if member is not None and member.pk not in known]
    if wanted:
        known.update(audiences.sights(viewer, wanted))
    return ""


@register.inclusion_tag("presence/badge.html", takes_context=True)
def presence_badge(context: template.Context, user) -> dict[str, object]:
    """The member's presence as the viewer may see it (apps.profiles.audiences)."""
    try:
        profile = user.profile
    except ObjectDoesNotExist:
        profile = None
    row = None
    if profile is not None:
        viewer = _viewer(context)
        if not viewer.is_authenticated:
            sight = audiences.guest_sight(profile.presence_audience)
        else:
            known = _sights(context)
            if user.pk not in known:
                known.update(audiences.sights(viewer, [user.pk]))
            sight = known.get(user.pk, audiences.Sight.NONE)
        since, until = profile.offline_since, profile.offline_until
        row = PresenceRow(profile.is_online, profile.last_seen, sight, since, until)
    return {"presence": presence_of(row, username=user.username, now=timezone.now())}


@register.inclusion_tag("presence/online_now.html", takes_context=True)
def online_now(context: template.Context) -> dict[str, object]:
    """The members the viewer follows who are online now (refreshed by the presence poll)."""
    people, total = online_followed(context["user"])
    return {"people": people, "total": total}


@register.simple_tag(takes_context=True)
def unread(context: template.Context) -> Unread:
    """The member's counts for the bar: the bell's and the messages link's (one query)."""
    return unread_counts(context["user"])


@register.inclusion_tag("presence/appear_offline.html#state", takes_context=True)
def appear_offline_state(context: template.Context) -> dict[str, object]:
    """The member's own "Appearing offline" state for the bar, from their profile (which the
    bar's avatar reads anyway: no query of its own)."""
    try:
        profile = context["user"].profile
    except ObjectDoesNotExist:
        profile = None
    return {"appearance": own_appearance(profile), "request": context.get("request")}
