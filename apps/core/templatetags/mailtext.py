"""Member-written text in plain-text mail: `{{ name|mail_line }}`.

A plain-text mail has no markup to keep text in its place: a display name with line breaks
starts a paragraph of its own, and a mail client turns anything that looks like an address
into a link, in a mail sent from the site's own address. So text a member wrote is shown on
one line, cut when long, and with every would-be link defanged ("evil[.]example"), leaving
the site's own links (SITE_URL + a path, written by the template) the only links in the mail.
"""

import re
import unicodedata

from django import template

register = template.Library()

# Characters that end a line or hide themselves: controls (Cc: CR, LF, tab, …), format
# characters (Cf: zero-width spaces and joiners, bidi overrides), separators of lines and
# paragraphs (Zl, Zp: U+2028, U+2029), and the unassigned and private ones nobody can read.
_HIDDEN = {"Cc", "Cf", "Zl", "Zp", "Zs", "Co", "Cn", "Cs"}
# The dots mail clients read as dots in an address (NFKC folds the full-width one).
_DOT = r"[.\u3002\uff61]"
_DOMAIN_DOT = re.compile(rf"(?<=[^\W_]){_DOT}(?=[^\W_])")
_SCHEME = re.compile(r":(?=//)|(?<=\bmailto):", re.IGNORECASE)

DEFAULT_LENGTH = 120


def _one_line(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    spaced = "".join(" " if unicodedata.category(char) in _HIDDEN else char for char in text)
    return " ".join(spaced.split())


def _defang_dot(match: re.Match[str]) -> str:
    """A dot between two letters or digits becomes "[.]", unless it sits between two digits
    (a price, a version): no address ends in a digit."""
    text, at = match.string, match.start()
    if text[at - 1].isdigit() and text[at + 1].isdigit():
        return match.group()
    return "[.]"


@register.filter(is_safe=False)
def mail_line(value: object, length: int = DEFAULT_LENGTH) -> str:
    """`value` on one line (every break, tab and invisible character one space, runs of
    spaces one), at most `length` characters ("…" where cut), with nothing in it a mail
    client would make a link of."""
    text = _one_line(str(value or ""))
    if len(text) > length:
        text = text[: length - 1].rstrip() + "…"
    return _SCHEME.sub("[:]", _DOMAIN_DOT.sub(_defang_dot, text))
