import hashlib

from django import template
from django.core.exceptions import ObjectDoesNotExist

from apps.core.uploads import moderated

from .. import selectors

register = template.Library()

AVATAR_COLOURS = 12
AVATAR_PIXELS = {"sm": 32, "md": 48, "lg": 128}


def initials(user) -> str:
    parts = [user.first_name.strip(), user.last_name.strip()]
    letters = "".join(part[0] for part in parts if part)
    return (letters or user.username[:1]).upper()


def colour_index(username: str) -> int:
    # A stable hash (not hash(), which differs between processes) so a user keeps one colour.
    digest = hashlib.sha256(username.lower().encode()).digest()
    return digest[0] % AVATAR_COLOURS


@register.inclusion_tag("profiles/avatar.html")
def avatar(user, size: str = "md", decorative: bool = False) -> dict[str, object]:
    """The user's photo, or initials on a colour derived from the username (also while the
    photo is out of public view: the member is suspended)."""
    try:
        profile = user.profile
    except ObjectDoesNotExist:
        profile = None
    photo = None
    if profile is not None and profile.photo:
        photo = (
            profile.photo_thumbnail if size != "lg" and profile.photo_thumbnail else profile.photo
        )
        if moderated.is_moderated(photo.name):
            photo = None
    return {
        "user": user,
        "size": size,
        "pixels": AVATAR_PIXELS.get(size, 48),
        "photo": photo,
        "initials": initials(user),
        "colour": colour_index(user.username),
        "decorative": decorative,
    }


@register.inclusion_tag("profiles/first_steps.html", takes_context=True)
def first_steps(context: template.Context, follows_anyone: bool, suggestions: bool = False):
    """The new member's checklist on the feed (nothing once done or closed)."""
    user = context["user"]
    steps = selectors.first_steps(user=user, follows_anyone=follows_anyone)
    return {
        "steps": steps,
        "done": sum(step.done for step in steps or ()),
        "suggestions": suggestions,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }
