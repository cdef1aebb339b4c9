"""Read queries for follows, blocks and notifications, each in a fixed number of queries."""

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.paginator import Page as NumberedPage
from django.core.paginator import Paginator
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from apps.accounts.lifecycle import MemberData
from apps.core.db import sql
from apps.core.db.paging import Page, newest_first

from . import targets
from .models import NOTICES, Block, Digest, Follow, Kind, MutedKind, Notification

PEOPLE_PAGE_SIZE = 30
NOTIFICATIONS_PAGE_SIZE = 20

# --- Blocks ----------------------------------------------------------------------------------


def is_blocked_between(member: int, *others: int) -> bool:
    """Whether `member` blocked any of `others`, or any of them blocked `member`; one query."""
    return Block.objects.filter(
        Q(blocker_id=member, blocked_id__in=others) | Q(blocker_id__in=others, blocked_id=member)
    ).exists()


def _blocks(user: AbstractBaseUser) -> list[tuple[int, int]]:
    """The (blocker, blocked) pairs `user` is in. Read once per request: kept on the user
    object, which lives as long; the block services forget it."""
    if (known := getattr(user, "_social_blocks", None)) is not None:
        return known
    rows = Block.objects.filter(Q(blocker=user) | Q(blocked=user))
    user._social_blocks = list(rows.values_list("blocker_id", "blocked_id"))
    return user._social_blocks


def forget_blocks(*users: AbstractBaseUser) -> None:
    for user in users:
        with contextlib.suppress(AttributeError):
            del user._social_blocks


def hidden_ids(user: AbstractBaseUser) -> set[int]:
    """The members `user` must not see, nor be seen by: blocked by them or blocking them."""
    if not user.is_authenticated:
        return set()
    return {pk for pair in _blocks(user) for pk in pair} - {user.pk}


def blocks_with(viewer: AbstractBaseUser) -> Exists:
    """An expression for a query over users: true for a member (OuterRef "pk") whom
    `viewer` blocked or who blocked `viewer`."""
    return Exists(
        Block.objects.filter(
            Q(blocker=viewer, blocked=OuterRef("pk")) | Q(blocker=OuterRef("pk"), blocked=viewer)
        )
    )


def blocks_with_sql(viewer_id: int, member: str) -> tuple[str, list[int]]:
    """`blocks_with` as an SQL condition for a hand-written query (apps.core.db.sql): true
    for the member whose id is the SQL expression `member`."""
    block = sql.table(Block)
    return (
        f"EXISTS (SELECT 1 FROM {block} b WHERE (b.blocker_id = %s AND b.blocked_id = {member})"  # noqa: S608
        f" OR (b.blocker_id = {member} AND b.blocked_id = %s))",
        [viewer_id, viewer_id],
    )


def followed_sql(follower_id: int, member: str) -> tuple[str, list[int]]:
    """An SQL condition for a hand-written query: true for the member whose id is the SQL
    expression `member` when `follower_id` follows them."""
    followed = f"SELECT f.followee_id FROM {sql.table(Follow)} f WHERE f.follower_id = %s"  # noqa: S608
    return (
        f"{member} IN ({followed})",
        [follower_id],
    )


def blocked_users(user: AbstractBaseUser) -> list[AbstractBaseUser]:
    """The members `user` blocked, most recent first, for the account page."""
    rows = Block.objects.filter(blocker=user, blocked__is_active=True).select_related(
        "blocked__profile"
    )
    return [row.blocked for row in rows.order_by("-created")]


# --- Follows ---------------------------------------------------------------------------------


def following_ids(user: AbstractBaseUser) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(Follow.objects.filter(follower=user).values_list("followee_id", flat=True))


def follows_anyone(user: AbstractBaseUser) -> bool:
    return user.is_authenticated and Follow.objects.filter(follower=user).exists()


def followed_among(user: AbstractBaseUser, ids: Iterable[int]) -> set[int]:
    """Which of these members `user` follows, in one query."""
    ids = set(ids) - {user.pk}
    if not user.is_authenticated or not ids:
        return set()
    rows = Follow.objects.filter(follower=user, followee_id__in=ids)
    return set(rows.values_list("followee_id", flat=True))


@dataclass(frozen=True)
class Relationship:
    """What `viewer` is to another member, as the profile page shows it."""

    is_self: bool = False
    following: bool = False
    blocking: bool = False
    blocked_by: bool = False

    @property
    def can_follow(self) -> bool:
        return not (self.is_self or self.blocking or self.blocked_by)


def relationship(viewer: AbstractBaseUser, other: AbstractBaseUser) -> Relationship:
    if not viewer.is_authenticated:
        return Relationship()
    if viewer.pk == other.pk:
        return Relationship(is_self=True)
    blocks = _blocks(viewer)
    return Relationship(
        following=bool(followed_among(viewer, [other.pk])),
        blocking=(viewer.pk, other.pk) in blocks,
        blocked_by=(other.pk, viewer.pk) in blocks,
    )


@dataclass(frozen=True)
class FollowCounts:
    followers: int
    following: int


def follow_counts(user: AbstractBaseUser) -> FollowCounts:
    """Both counts in one query."""
    counts = Follow.objects.filter(
        Q(followee=user, follower__is_active=True) | Q(follower=user, followee__is_active=True)
    ).aggregate(
        followers=Count("pk", filter=Q(followee=user)),
        following=Count("pk", filter=Q(follower=user)),
    )
    return FollowCounts(counts["followers"], counts["following"])


def _people(rows, person: str, viewer, cursor: str | None, size: int) -> Page:
    """A keyset page of the members at the `person` end of these follows, newest first,
    without those the viewer blocked or is blocked by."""
    rows = (
        rows.filter(**{f"{person}__is_active": True})
        .exclude(**{f"{person}_id__in": hidden_ids(viewer)})
        .select_related(f"{person}__profile")
    )
    page = newest_first(rows, cursor, size)
    return replace(page, items=[getattr(row, person) for row in page.items])


def followers_page(user: AbstractBaseUser, *, viewer: AbstractBaseUser,
                   cursor: str | None = None, size: int = PEOPLE_PAGE_SIZE) -> Page:  # fmt: skip
    """The members following `user`, as `viewer` may see them; raise ValueError for a bad
    cursor."""
    return _people(Follow.objects.filter(followee=user), "follower", viewer, cursor, size)


def following_page(user: AbstractBaseUser, *, viewer: AbstractBaseUser,
                   cursor: str | None = None, size: int = PEOPLE_PAGE_SIZE) -> Page:  # fmt: skip
    """The members `user` follows, as `viewer` may see them; raise ValueError for a bad
    cursor."""
    return _people(Follow.objects.filter(follower=user), "followee", viewer, cursor, size)


# --- Notifications ---------------------------------------------------------------------------


def unread_count(user: AbstractBaseUser) -> int:
    """How many unread lines the notifications page shows: a burst counts once. Every poll
    asks, so it is written in SQL (apps.core.db.sql)."""
    if not user.is_authenticated:
        return 0
    query = (
        "SELECT COUNT(*) FROM (SELECT DISTINCT n.kind, n.about"  # noqa: S608
        f" FROM {sql.table(Notification)} n JOIN {sql.table(get_user_model())} a"
        " ON a.id = n.actor_id WHERE n.recipient_id = %s AND NOT n.read AND a.is_active)"
        " unread"
    )
    return sql.rows(query, [user.pk])[0][0]


def muted_kinds(user: AbstractBaseUser) -> set[str]:
    return set(MutedKind.objects.filter(user=user).values_list("kind", flat=True))


def wants_digest(user: AbstractBaseUser) -> bool:
    return Digest.objects.filter(user=user).exists()


# The sentence for each kind: one actor, or the newest actor and how many others.
SENTENCES = {
    Kind.FOLLOW: (
        lambda: gettext("%(actor)s followed you"),
        lambda n: ngettext(
            "%(actor)s and %(others)s other member followed you",
            "%(actor)s and %(others)s other members followed you",
            n,
        ),
    ),
    Kind.LIKE: (
        lambda: gettext("%(actor)s liked your post “%(subject)s”"),
        lambda n: ngettext(
            "%(actor)s and %(others)s other member liked your post “%(subject)s”",
            "%(actor)s and %(others)s other members liked your post “%(subject)s”",
            n,
        ),
    ),
    Kind.COMMENT: (
        lambda: gettext("%(actor)s commented on your post “%(subject)s”"),
        lambda n: ngettext(
            "%(actor)s and %(others)s other member commented on your post “%(subject)s”",
            "%(actor)s and %(others)s other members commented on your post “%(subject)s”",
            n,
        ),
    ),
    Kind.REPLY: (
        lambda: gettext("%(actor)s replied to your comment on “%(subject)s”"),
        lambda n: ngettext(
            "%(actor)s and %(others)s other member replied to your comment on “%(subject)s”",
            "%(actor)s and %(others)s other members replied to your comment on “%(subject)s”",
            n,
        ),
    ),
    Kind.MENTION: (
        lambda: gettext("%(actor)s mentioned you in “%(subject)s”"),
        lambda n: ngettext(
            "%(actor)s and %(others)s other member mentioned you in “%(subject)s”",
            "%(actor)s and %(others)s other members mentioned you in “%(subject)s”",
            n,
        ),
    ),
}


@dataclass(frozen=True)
class NotificationGroup:
    """Notifications of one kind about one thing, shown as one line: the newest actor, how
    many others, and the newest event's target to link to."""

    kind: str
    actor: AbstractBaseUser
    others: int
    latest: datetime
    unread: bool
    target: object

    @property
    def notice(self) -> bool:
        """From the site (a moderators' decision), not from another member."""
        return self.kind in NOTICES

    @property
    def text(self) -> SafeString:
        if self.notice:
            return conditional_escape(targets.sentence_of(self.target))
        one, many = SENTENCES[Kind(self.kind)]
        sentence = many(self.others) if self.others else one()
        subject = targets.subject_of(self.target)
        values = {
            "actor": format_html("<strong>{}</strong>", self.actor.display_name),
            "others": self.others,
            "subject": conditional_escape(subject),
        }
        # The sentence is ours, escaped like any text; the names and titles in it are escaped.
        return mark_safe(conditional_escape(sentence) % values)  # noqa: S308

    @property
    def link(self) -> str:
        if self.kind == Kind.FOLLOW and self.others:
            return self.target.followee.get_absolute_url() + "followers/"
        return targets.link_of(self.target)


def notification_page(user: AbstractBaseUser, *, number: object = 1) -> NumberedPage:
    """A page of the member's notifications, newest first, bursts grouped: unread ones apart
    from read ones. Five queries whatever the page holds."""
    groups = (
        Notification.objects.filter(recipient=user, actor__is_active=True)
        .values("kind", "about", "read")
        .annotate(latest=Max("created"), actors=Count("actor", distinct=True))
        .order_by("-latest", "kind", "about", "read")
    )
    page = Paginator(groups, NOTIFICATIONS_PAGE_SIZE).get_page(number)
    rows = list(page.object_list)
    if not rows:
        page.object_list = []
        return page
    newest = Q()
    for row in rows:
        newest |= Q(kind=row["kind"], about=row["about"], read=row["read"], created=row["latest"])
    representatives = {}
    found = (
        Notification.objects.filter(recipient=user)
        .filter(newest)
        .select_related("actor__profile")
        .prefetch_related(GenericPrefetch("target", targets.querysets()))
        .order_by("id")
    )
    for notification in found:
        representatives[(notification.kind, notification.about, notification.read)] = notification
    items = []
    for row in rows:
        shown = representatives.get((row["kind"], row["about"], row["read"]))
        if shown is None or shown.target is None:
            continue  # deleted between the two queries
        items.append(
            NotificationGroup(
                kind=row["kind"],
                actor=shown.actor,
                others=row["actors"] - 1,
                latest=row["latest"],
                unread=not row["read"],
                target=shown.target,
            )
        )
    page.object_list = items
    return page


def member_export(*, user: AbstractBaseUser) -> MemberData:
    """What this app holds of the member, for their data export."""
    return MemberData({
        "following": list(
            Follow.objects.filter(follower=user).values("followee__username", "created")
        ),
        "followers": list(
            Follow.objects.filter(followee=user).values("follower__username", "created")
        ),
        "blocked": list(Block.objects.filter(blocker=user).values("blocked__username", "created")),
        "notifications": [
            {"kind": kind, "from": actor, "created": created, "read": read}
            for kind, actor, created, read in Notification.objects.filter(recipient=user)
            .order_by("created")
            .values_list("kind", "actor__username", "created", "read")
        ],
        "muted_notifications": sorted(muted_kinds(user)),
        "notification_digest": wants_digest(user),
    })  # fmt: skip
