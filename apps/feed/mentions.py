"""@username in posts and comments: finding the handles, and showing them as links."""

import functools
import re

from django.utils.html import format_html, urlize
from django.utils.safestring import SafeString, mark_safe

from apps.accounts.usernames import MAX_LENGTH, MIN_LENGTH

# Not after a letter, digit or a character of a URL or address: bob@example.com,
# example.com/@bob and example.com/?u=@bob are not mentions. The handle alphabet is ASCII
# (apps.accounts.usernames).
MENTION = re.compile(
    rf"(?<![\w@./?=#&%:+~-])@([A-Za-z0-9_]{{{MIN_LENGTH},{MAX_LENGTH}}})(?![A-Za-z0-9_])"
)
# More names than this in one text is a list, not a conversation: the rest notify nobody.
MAX_MENTIONS = 10


def handles_in(text: str) -> list[str]:
    """The lowercase handles mentioned in `text`, each once, in order, at most MAX_MENTIONS."""
    found: list[str] = []
    for match in MENTION.finditer(text or ""):
        handle = match.group(1).lower()
        if handle not in found:
            found.append(handle)
    return found[:MAX_MENTIONS]


def _plain(text: str) -> str:
    return urlize(text, trim_url_limit=60, nofollow=True, autoescape=True)


def render(text: str, mentioned: dict[str, str]) -> SafeString:
    """Plain text for display: escaped, links made clickable (rel=nofollow), line breaks kept,
    and each @handle of a member in `mentioned` (lowercase handle -> profile URL) a link.
    The same text is shown on every page load: the last few hundred results are kept."""
    return _render(str(text), tuple(sorted(mentioned.items())))


@functools.lru_cache(maxsize=512)
def _render(text: str, mentioned: tuple[tuple[str, str], ...]) -> SafeString:
    mentioned = dict(mentioned)
    text = text.replace("\r\n", "\n")
    parts: list[str] = []
    position = 0
    for match in MENTION.finditer(text):
        url = mentioned.get(match.group(1).lower())
        if url is None:
            continue
        parts.append(_plain(text[position : match.start()]))
        parts.append(format_html('<a class="mention" href="{}">@{}</a>', url, match.group(1)))
        position = match.end()
    parts.append(_plain(text[position:]))
    # Every part was escaped by urlize or format_html.
    return mark_safe("".join(parts).replace("\n", "<br>"))  # noqa: S308
