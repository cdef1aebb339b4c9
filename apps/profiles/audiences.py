"""Who sees a member's presence ("Online", "Last seen …"), and how exactly.

A member chooses an audience. The rule is reciprocal, as in messaging apps: whoever hides
their own presence from someone sees that someone's only roughly ("recently", "this week",
"long ago"). A block either way hides everything. The rule is written once, as SQL
(`sight_sql`), so that every place that shows presence (the badges of a page, the poll,
"online now", a conversation's "seen") asks the same question in the query it runs anyway.
"""

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.translation import gettext_lazy as _

from apps.core.db import sql
from apps.social import selectors as social_selectors

from .models import Audience, Profile

__all__ = ["MEANINGS", "ROUGH_HELP", "Audience", "Sight", "sight_sql", "sights"]


class Sight(StrEnum):
    """How a viewer sees a member's presence."""

    EXACT = "exact"  # "Online", "Last seen at …"
    ROUGH = "rough"  # "Last seen recently / this week / long ago": the viewer hides from them
    NONE = "none"  # plain "Offline": hidden from the viewer, or a block between them


ROUGH_HELP = _(
    "It works both ways: whoever you hide your status from, you see theirs only roughly: "
    "“recently” (within the last three days), “this week” (within seven days) or “long ago”."
)

# One short line per choice, under it in the settings: who sees the member's exact status.
MEANINGS = {
    Audience.EVERYONE: _(
        "Everyone, signed in or not, sees when you are online and when you were last seen."
    ),
    Audience.FOLLOWING: _("Only members you follow see it; everyone else sees you as offline."),
    Audience.MUTUALS: _(
        "Only members you follow who also follow you see it; everyone else sees you as offline."
    ),
    Audience.NOBODY: _(
        "Nobody sees it: everyone sees you as offline, and you see everyone’s status only roughly."
    ),
}


def _includes(audience: str, *, owner_follows: str, follows_owner: str) -> str:
    """SQL: true when an audience (an SQL expression naming one) lets the other member in,
    given SQL conditions for whether its owner follows them and whether they follow its owner."""
    return (
        f"({audience} = '{Audience.EVERYONE}'"
        f" OR ({audience} = '{Audience.FOLLOWING}' AND {owner_follows})"
        f" OR ({audience} = '{Audience.MUTUALS}' AND {owner_follows} AND {follows_owner}))"
    )


def sight_sql(viewer: AbstractBaseUser, member: str, audience: str) -> tuple[str, list]:
    """A CASE expression for a hand-written query (apps.core.db.sql) giving the Sight
    `viewer` has of the member whose id is the SQL expression `member` and whose audience is
    the SQL expression `audience` (a Profile column; NULL, with no profile row, counts as
    everyone). The viewer's own audience is read by the expression itself."""
    theirs = f"COALESCE({audience}, '{Audience.EVERYONE}')"
    if not viewer.is_authenticated:
        return (
            f"CASE WHEN {theirs} = '{Audience.EVERYONE}' THEN '{Sight.EXACT}'"
            f" ELSE '{Sight.NONE}' END",
            [],
        )
    apart, apart_params = social_selectors.blocks_with_sql(viewer.pk, member)
    they_follow = social_selectors.follows_sql(member, "%s")
    i_follow = social_selectors.follows_sql("%s", member)
    mine = (
        f"COALESCE((SELECT vp.presence_audience FROM {sql.table(Profile)} vp"  # noqa: S608
        f" WHERE vp.user_id = %s), '{Audience.EVERYONE}')"
    )
    they_let_me = _includes(theirs, owner_follows=they_follow, follows_owner=i_follow)
    i_let_them = _includes(mine, owner_follows=i_follow, follows_owner=they_follow)
    expression = (
        f"CASE WHEN {member} = %s THEN '{Sight.EXACT}'"
        f" WHEN {apart} THEN '{Sight.NONE}'"
        f" WHEN NOT {they_let_me} THEN '{Sight.NONE}'"
        f" WHEN NOT {i_let_them} THEN '{Sight.ROUGH}'"
        f" ELSE '{Sight.EXACT}' END"
    )
    # Every placeholder but the block's stands for the viewer's id, and so do the block's.
    params = [viewer.pk, *apart_params]
    params += [viewer.pk] * (expression.count("%s") - len(params))
    return expression, params


def guest_sight(audience: str | None) -> Sight:
    """A signed-out visitor's Sight of a member with this audience, without a query (their
    audience is on the profile a page loads anyway): `sight_sql`'s rule for visitors."""
    return Sight.EXACT if (audience or Audience.EVERYONE) == Audience.EVERYONE else Sight.NONE


def sights(viewer: AbstractBaseUser, members: Iterable[int]) -> dict[int, Sight]:
    """The Sight `viewer` has of each of these members (by id), in ONE query."""
    ids = list(dict.fromkeys(members))
    if not ids:
        return {}
    sight, params = sight_sql(viewer, "u.id", "p.presence_audience")
    query = (
        f"SELECT u.id, {sight} FROM {sql.table(get_user_model())} u"  # noqa: S608
        f" LEFT JOIN {sql.table(Profile)} p ON p.user_id = u.id"
        f" WHERE u.id IN ({sql.placeholders(len(ids))})"
    )
    return {pk: Sight(seen) for pk, seen in sql.rows(query, [*params, *ids])}


def remembered(request) -> dict[int, Sight]:
    """The Sights read for this request so far, by member id: the badges of a page read each
    once (apps.presence.templatetags.presence), and a view that read some already hands
    them over here."""
    if not hasattr(request, "_presence_sights"):
        request._presence_sights = {}
    return request._presence_sights


def appearing_offline(profile, *, now) -> bool:
    """Whether the member chose to appear offline and that choice has not ended yet."""
    since = getattr(profile, "offline_since", None)
    until = getattr(profile, "offline_until", None)
    return since is not None and (until is None or until > now)


def frozen_since(profile, *, now) -> datetime | None:
    """The "last seen" everyone else is shown instead of the member's own: when they began to
    appear offline, while they do, and once it ended, until their first activity after its
    end (so what they did meanwhile never shows, nor the moment they closed the page). None:
    they are shown as they are."""
    since = getattr(profile, "offline_since", None)
    if since is None:
        return None
    until = getattr(profile, "offline_until", None)
    if until is None or until > now:
        return since
    last_seen = getattr(profile, "last_seen", None)
    return since if last_seen is None or last_seen < until else None


def read_while_offline(profile, read_at: datetime | None, *, now) -> bool:
    """Whether a conversation was read (at `read_at`) while its reader appeared offline: its
    "seen" is not shown, then or after."""
    since = getattr(profile, "offline_since", None)
    if since is None or read_at is None:
        return False
    until = getattr(profile, "offline_until", None)
    return read_at >= since and (until is None or read_at <= until or until > now)
