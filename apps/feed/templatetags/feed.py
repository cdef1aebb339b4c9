from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString

from apps.accounts.models import profile_url

from .. import mentions

register = template.Library()


@register.filter
def post_text(value: str, mentioned: Iterable[str] = ()) -> SafeString:
    """Plain text for display: escaped, links made clickable (rel=nofollow), line breaks kept,
    and @handles of the members the text mentions (`mentioned`, their usernames) linked to
    their profiles."""
    urls = {name.lower(): profile_url(name) for name in mentioned}
    return mentions.render(value, urls)
