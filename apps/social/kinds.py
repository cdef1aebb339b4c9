"""How each kind of notification reads: one table that the page, its filter tabs and the
digest look up, instead of a switch on the kind in each of them."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .models import Kind


@dataclass(frozen=True)
class KindStyle:
    # A file in static/vendor/bootstrap-icons/, shown beside the line (decorative: the
    # sentence says the kind).
    icon: str
    # The kind's short name: the icon's tooltip, and the name of its filter tab if it has one.
    label: Promise
    # The sentence for one actor ("%(actor)s"), and for several ("%(actors)s", a list of names
    # from ACTORS); None for the site's own notices, whose target says the whole sentence.
    one: Promise | None = None
    many: Promise | None = None
    # Whether the page has a tab that shows only this kind (?kind=…).
    tab: bool = False


KINDS: dict[str, KindStyle] = {
    Kind.FOLLOW: KindStyle(
        icon="person-plus-fill",
        label=_("Follows"),
        one=_("%(actor)s followed you"),
        many=_("%(actors)s followed you"),
    ),
    Kind.LIKE: KindStyle(
        icon="heart-fill",
        label=_("Likes"),
        one=_("%(actor)s liked your post"),
        many=_("%(actors)s liked your post"),
    ),
    Kind.COMMENT: KindStyle(
        icon="chat-left-text-fill",
        label=_("Comments"),
        one=_("%(actor)s commented on your post"),
        many=_("%(actors)s commented on your post"),
    ),
    Kind.REPLY: KindStyle(
        icon="reply-fill",
        label=_("Replies"),
        one=_("%(actor)s replied to your comment"),
        many=_("%(actors)s replied to your comment"),
    ),
    Kind.MENTION: KindStyle(
        icon="at",
        label=_("Mentions"),
        one=_("%(actor)s mentioned you"),
        many=_("%(actors)s mentioned you"),
        tab=True,
    ),
    Kind.MESSAGE: KindStyle(
        icon="chat-dots-fill",
        label=_("Messages"),
        one=_("%(actor)s sent you a message"),
        many=_("%(actors)s sent you messages"),
    ),
    Kind.REMOVED: KindStyle(icon="shield-fill-exclamation", label=_("Moderation")),
    Kind.SUSPENDED: KindStyle(icon="person-fill-slash", label=_("Moderation")),
    Kind.APPEAL: KindStyle(icon="envelope-paper-fill", label=_("Moderation")),
}


def several(names: list[SafeString], count: int) -> SafeString:
    """`count` actors (the "%(actors)s" of a sentence) from the newest two `names` (escaped
    already): "A and B", or "A, B and 3 others"."""
    if count == 2:
        pattern = gettext("%(first)s and %(second)s")
    else:
        pattern = ngettext(
            "%(first)s, %(second)s and %(others)s other",
            "%(first)s, %(second)s and %(others)s others",
            count - 2,
        )
    values = {"first": names[0], "second": names[1], "others": count - 2}
    return mark_safe(conditional_escape(pattern) % values)  # noqa: S308


# An excerpt quoted under the sentence, and what stands for one that is gone.
QUOTED = _("“%(excerpt)s”")
REMOVED = _("(removed)")

TABS = [kind for kind, style in KINDS.items() if style.tab]
