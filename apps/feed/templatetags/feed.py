from django import template
from django.utils.html import urlize
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def post_text(value: str) -> SafeString:
    """Plain text for display: escaped, links made clickable (rel=nofollow), line breaks kept."""
    linked = urlize(str(value).replace("\r\n", "\n"), trim_url_limit=60, nofollow=True,
                    autoescape=True)  # fmt: skip
    return mark_safe(linked.replace("\n", "<br>"))  # noqa: S308 (urlize escaped everything)
