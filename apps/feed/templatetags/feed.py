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


@register.filter
def lead_image(page) -> int | None:
    """The post whose image a page of cards shows first (its id), on a list's first page only
    (a later page is appended below the screen): the largest thing on the first screen, loaded
    at once and first (fetchpriority=high); every other card's image waits until it comes near
    the screen (loading=lazy). None where the context's `page` is not a page of posts."""
    if not getattr(page, "is_first", False):
        return None
    return next((post.pk for post in page.items if getattr(post, "image", None)), None)
