"""The site's own addresses, for what is read outside the page: a link to copy, the canonical
and Open Graph tags."""

from django import template
from django.conf import settings

register = template.Library()


@register.filter
def on_site(url: str) -> str:
    """`url` as an absolute address: a path is put on SITE_URL (never on the Host the request
    came with, which may be any allowed name or port); an address that already names its
    origin (a bucket's, a CDN's) is left as it is."""
    url = str(url)
    if url.startswith("/") and not url.startswith("//"):
        return settings.SITE_URL + url
    return url
