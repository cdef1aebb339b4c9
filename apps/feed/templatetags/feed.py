from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString

from .. import mentions

register = template.Library()


@register.filter
def post_text(value: str, mentioned: Iterable = ()) -> SafeString:
    """Plain text for display: escaped, links made clickable (rel=nofollow), line breaks kept,
    and @handles of the members the text mentions (`mentioned`, users) linked to them."""
    urls = {user.username.lower(): user.get_absolute_url() for user in mentioned}
    return mentions.render(value, urls)
