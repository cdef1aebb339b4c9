import functools
import re
from pathlib import Path

from django import template
from django.contrib.staticfiles import finders
from django.utils.safestring import SafeString, mark_safe

from ..kinds import KINDS

register = template.Library()

# The opening tag of a vendored icon, which the page replaces with its own.
SVG_TAG = re.compile(r"<svg\b[^>]*>")
VIEW_BOX = re.compile(r'viewBox="([0-9. ]+)"')


@register.inclusion_tag("social/follow_button.html", takes_context=True)
def follow_button(context: template.Context, member, following: bool, place: str = "card"):
    return {
        "member": member,
        "following": following,
        "place": place,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def kind_icon(kind: str) -> SafeString:
    """The kind's icon (apps/social/kinds.py) inlined, so it takes the text's colour:
    decorative, since the line's sentence says the kind."""
    style = KINDS.get(kind)
    return _icon(style.icon) if style else mark_safe("")


@functools.cache
def _icon(name: str) -> SafeString:
    """Read once per process from static/vendor/bootstrap-icons/ (our own files, trusted)."""
    source = Path(finders.find(f"vendor/bootstrap-icons/{name}.svg")).read_text()
    view_box = VIEW_BOX.search(source).group(1)
    tag = (
        f'<svg class="kind-icon-svg" aria-hidden="true" focusable="false" width="16" height="16"'
        f' viewBox="{view_box}" fill="currentColor">'
    )
    return mark_safe(SVG_TAG.sub(tag, " ".join(source.split()), count=1))  # noqa: S308
