"""Read queries for follows, blocks, mutes and notifications, each in a fixed number of
queries."""

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.paginator import Page as NumberedPage
from django.core.paginator import Paginator
from django.db.models import Count, Exists, Expression, F, Max, OuterRef, Q, QuerySet, Value, Window
from django.db.models.functions import RowNumber
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from apps.accounts.lifecycle import MemberData
from apps.core.db import sql
from apps.core.db.paging import Page, newest_first

from . import targets
from .kinds import KINDS, QUOTED, REMOVED, KindStyle, several
from .models import NOTICES, Block, Digest, Follow, Kind, Mute, MutedKind, Notification

PEOPLE_PAGE_SIZE = 30
NOTIFICATIONS_PAGE_SIZE = 20

# --- Blocks ----------------------------------------------------------------------------------


def is_blocked_between(member: int, *others: int) -> bool:
    """Whether `member` blocked any of `others`, or any of them blocked `member`; one query."""
    return Block.objects.filter(
        Q(blocker_id=member, blocked_id__in=others) | Q(blocker_id__in=others, blocked_id=member)
    ).exists()


@dataclass(frozen=True)
class _Relations:
    blocks: list[tuple[int, int]]  # (blocker, blocked), either way round
    muted: frozenset[int]


def _relations(user: AbstractBaseUser) -> _Relations:
    """The blocks `user` is in and the members they muted, in one query. Read once per
    request: kept on the user object, which lives as long; the services forget it."""
    if (known := getattr(user, "_social_relations", None)) is not None:
        return known
    blocks = (
        Block.objects.filter(Q(blocker=user) | Q(blocked=user))
        .annotate(mute=Value(False))
        .values_list("blocker_id", "blocked_id", "mute")
    )
    mutes = (
        Mute.objects.filter(muter=user)
        .annotate(mute=Value(True))
        .values_list("muter_id", "muted_id", "mute")
    )
    rows = list(blocks.union(mutes, all=True))
    user._social_relations = _Relations(
        blocks=[(one, other) for one, other, mute in rows if not mute],
        muted=frozenset(other for _, other, mute in rows if mute),
    )
    return user._social_relations


def _blocks(user: AbstractBaseUser) -> list[tuple[int, int]]:
    return _relations(user).blocks


def forget_relations(*users: AbstractBaseUser) -> None:
    """Drop what _relations kept on these user objects (after a block or mute changes)."""
    for user in users:
        with contextlib.suppress(AttributeError):
            del user._social_relations


def hidden_ids(user: AbstractBaseUser) -> set[int]:
    """The members `user` must not see, nor be seen by: blocked by them or blocking them."""
    if not user.is_authenticated:
        return set()
    return {pk for pair in _blocks(user) for pk in pair} - {user.pk}


def block_pairs(user: AbstractBaseUser) -> list[tuple[int, int]]:
    """(blocker, blocked) for every block `user` is in, either way round; read once per
    request with their mutes."""
    if not user.is_authenticated:
        return []
    return list(_blocks(user))


def blocked_between(one: Expression | int, other: Expression | int) -> Exists:
    """An expression for a query: true when the two members (each an OuterRef to a member's
    id, or an id) are apart, one having blocked the other. False when either is NULL."""
    return Exists(
        Block.objects.filter(
            Q(blocker_id=one, blocked_id=other) | Q(blocker_id=other, blocked_id=one)
        )
    )


def blocks_with(viewer: AbstractBaseUser) -> Exists:
    """An expression for a query over users: true for a member (OuterRef "pk") whom
    `viewer` blocked or who blocked `viewer`."""
    return Exists(
        Block.objects.filter(
            Q(blocker=viewer, blocked=OuterRef("pk")) | Q(blocker=OuterRef("pk"), blocked=viewer)
        )
    )


def not_to_suggest(viewer: AbstractBaseUser) -> Q:
    """A condition for a query over users: the members never suggested to `viewer` to
    follow: those they follow already, and those a block or a mute stands between, made by
    either of them."""
    return (
        Q(Exists(Follow.objects.filter(follower=viewer, followee=OuterRef("pk"))))
        | Q(blocks_with(viewer))
        | Q(
            Exists(
                Mute.objects.filter(
                    Q(muter=viewer, muted=OuterRef("pk")) | Q(muter=OuterRef("pk"), muted=viewer)
                )
            )
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


def follows_sql(follower: str, followee: str) -> str:
    """An SQL condition for a hand-written query: true when the member whose id is the SQL
    expression `follower` follows the one `followee` names (each a column, or "%s" for a
    parameter the caller passes)."""
    return (
        f"EXISTS (SELECT 1 FROM {sql.table(Follow)} f"  # noqa: S608
        f" WHERE f.follower_id = {follower} AND f.followee_id = {followee})"
    )


def muted_sql(muter_id: int, member: str) -> tuple[str, list[int]]:
    """An SQL condition for a hand-written query: true for the member whose id is the SQL
    expression `member` when `muter_id` muted them (false when `member` is NULL)."""
    return (
        f"EXISTS (SELECT 1 FROM {sql.table(Mute)} mute"  # noqa: S608
        f" WHERE mute.muter_id = %s AND mute.muted_id = {member})",
        [muter_id],
    )


def apart_sql(viewer_id: int) -> tuple[str, list[int]]:
    """The ids of the members `viewer_id` blocked, was blocked by or muted, as an SQL query
    for a hand-written one (`member NOT IN (…)`): read once per query, where blocks_with_sql
    and muted_sql are asked again for each row."""
    block, mute = sql.table(Block), sql.table(Mute)
    return (
        f"SELECT ab.blocked_id FROM {block} ab WHERE ab.blocker_id = %s"  # noqa: S608
        f" UNION ALL SELECT ab.blocker_id FROM {block} ab WHERE ab.blocked_id = %s"
        f" UNION ALL SELECT am.muted_id FROM {mute} am WHERE am.muter_id = %s",
        [viewer_id, viewer_id, viewer_id],
    )


def blocked_users(user: AbstractBaseUser) -> list[AbstractBaseUser]:
    """The members `user` blocked, most recent first, for the account page."""
    rows = Block.objects.filter(blocker=user, blocked__is_active=True).select_related(
        "blocked__profile"
    )
    return [row.blocked for row in rows.order_by("-created")]


# --- Mutes ----------------------------------------------------------------------------------


def muted_ids(user: AbstractBaseUser) -> frozenset[int]:
    """The members `user` muted: read with their blocks, once per request."""
    if not user.is_authenticated:
        return frozenset()
    return _relations(user).muted


def muted_users(user: AbstractBaseUser) -> list[AbstractBaseUser]:
    """The members `user` muted, most recent first, for the account page."""
    rows = Mute.objects.filter(muter=user, muted__is_active=True).select_related("muted__profile")
    return [row.muted for row in rows.order_by("-created")]


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
    muting: bool = False

    @property
    def can_follow(self) -> bool:
        return not (self.is_self or self.blocking or self.blocked_by)

    @property
    def apart(self) -> bool:
        """A block stands between them, whoever made it."""
        return self.blocking or self.blocked_by


def relationship(viewer: AbstractBaseUser, other: AbstractBaseUser) -> Relationship:
    relation = blocks_and_mute(viewer, other)
    if relation.can_follow and viewer.is_authenticated:
        relation = replace(relation, following=bool(followed_among(viewer, [other.pk])))
    return relation


def blocks_and_mute(viewer: AbstractBaseUser, other: AbstractBaseUser) -> Relationship:
    """The relationship without `following`, and without a query of its own (the viewer's
    blocks and mutes are read once per request)."""
    if not viewer.is_authenticated:
        return Relationship()
    if viewer.pk == other.pk:
        return Relationship(is_self=True)
    blocks = _blocks(viewer)
    return Relationship(
        blocking=(viewer.pk, other.pk) in blocks,
        blocked_by=(other.pk, viewer.pk) in blocks,
        muting=other.pk in muted_ids(viewer),
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
    """The members following `user`, as `viewer` may see them (none across a block between
    the two); raise ValueError for a bad cursor."""
    return _people(_of(user, viewer).filter(followee=user), "follower", viewer, cursor, size)


def following_page(user: AbstractBaseUser, *, viewer: AbstractBaseUser,
                   cursor: str | None = None, size: int = PEOPLE_PAGE_SIZE) -> Page:  # fmt: skip
    """The members `user` follows, as `viewer` may see them (none across a block between the
    two); raise ValueError for a bad cursor."""
    return _people(_of(user, viewer).filter(follower=user), "followee", viewer, cursor, size)


def _of(user: AbstractBaseUser, viewer: AbstractBaseUser):
    """The follows whose lists `viewer` may see on `user`'s page: none when a block stands
    between the two, so a blocked member cannot watch whom the blocker follows or who
    follows them (nor the other way round)."""
    if user.pk in hidden_ids(viewer):
        return Follow.objects.none()
    return Follow.objects.all()


# --- Notifications ---------------------------------------------------------------------------


def unread_count(user: AbstractBaseUser) -> int:
    """How many unread lines the notifications page shows: a burst counts once, a muted
    member's count for nothing. Every poll asks, so it is written in SQL (apps.core.db.sql)."""
    if not user.is_authenticated:
        return 0
    query, params = unread_count_sql(user.pk)
    return sql.rows(f"SELECT {query}", params)[0][0]


def unread_count_sql(user_id: int) -> tuple[str, list[int]]:
    """`unread_count` as a scalar subquery for a hand-written query (apps.core.db.sql), so
    that the poll asks it together with other counts in one query."""
    muted, params = muted_sql(user_id, "n.actor_id")
    return (
        "(SELECT COUNT(*) FROM (SELECT DISTINCT n.kind, n.about"  # noqa: S608
        f" FROM {sql.table(Notification)} n JOIN {sql.table(get_user_model())} a"
        " ON a.id = n.actor_id WHERE n.recipient_id = %s AND NOT n.read AND a.is_active"
        f" AND NOT {muted}) unread)",
        [user_id, *params],
    )


def muted_kinds(user: AbstractBaseUser) -> set[str]:
    return set(MutedKind.objects.filter(user=user).values_list("kind", flat=True))


def wants_digest(user: AbstractBaseUser) -> bool:
    return Digest.objects.filter(user=user).exists()


EXCERPT_LENGTH = 140
ACTORS_SHOWN = 3


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    """`text` on one line, cut at a word boundary to at most `length` characters, with an
    ellipsis where it was cut."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    space = cut.rfind(" ")
    if space > length // 2:  # a word boundary not too far back; else cut the long word
        cut = cut[:space]
    return cut.rstrip(" ,.;:!?-–—") + "…"


@dataclass(frozen=True)
class NotificationGroup:
    """Notifications of one kind about one thing, shown as one line: the newest actors (up
    to ACTORS_SHOWN), how many there are, and the newest event's target to link to and
    quote."""

    kind: str
    about: str
    actors: list[AbstractBaseUser]
    count: int
    latest: datetime
    unread: bool
    target: object

    @property
    def actor(self) -> AbstractBaseUser:
        return self.actors[0]

    @property
    def style(self) -> KindStyle:
        return KINDS[self.kind]

    @property
    def notice(self) -> bool:
        """From the site (a moderators' decision), not from another member."""
        return self.kind in NOTICES

    @property
    def text(self) -> SafeString:
        if self.notice:
            return conditional_escape(targets.sentence_of(self.target))
        names = [format_html("<strong>{}</strong>", actor.display_name) for actor in self.actors]
        if self.count == 1 or len(names) == 1:
            sentence, values = self.style.one, {"actor": names[0]}
        else:
            sentence, values = self.style.many, {"actors": several(names, self.count)}
        # The sentence is ours, escaped like any text; the names in it are escaped.
        return mark_safe(conditional_escape(sentence) % values)  # noqa: S308

    @property
    def excerpt(self) -> str | None:
        """What the line quotes (a comment's text, a liked post's title), cut short; "" for
        nothing, None for something removed, whose text must not show."""
        if self.notice:
            return ""
        quoted = targets.excerpt_of(self.target)
        return quoted and excerpt(quoted)

    @property
    def quote(self) -> str:
        """The excerpt as the line shows it: in quotation marks, or "(removed)"."""
        quoted = self.excerpt
        if quoted is None:
            return gettext(REMOVED)
        return gettext(QUOTED) % {"excerpt": quoted} if quoted else ""

    @property
    def link(self) -> str:
        if self.kind == Kind.FOLLOW and self.count > 1:
            return self.target.followee.get_absolute_url() + "followers/"
        return targets.link_of(self.target)


def shown_notifications(user: AbstractBaseUser, *, kind: str = "") -> QuerySet[Notification]:
    """The member's notifications the page shows (of one `kind`, or all): none from a
    suspended member or one they muted."""
    shown = Notification.objects.filter(recipient=user, actor__is_active=True).exclude(
        actor_id__in=muted_ids(user)
    )
    return shown.filter(kind=kind) if kind else shown


def notification_page(
    user: AbstractBaseUser, *, number: object = 1, kind: str = ""
) -> NumberedPage:
    """A page of the member's notifications (of one `kind`, or all), newest first, bursts
    grouped: unread ones apart from read ones. A fixed number of queries whatever the page
    holds: the page and its count, the newest event of each line's newest actors (with
    their profiles), and the targets (one query per model)."""
    shown = shown_notifications(user, kind=kind)
    groups = (
        shown.values("kind", "about", "read")
        .annotate(latest=Max("created"), actors=Count("actor", distinct=True))
        .order_by("-latest", "kind", "about", "read")
    )
    page = Paginator(groups, NOTIFICATIONS_PAGE_SIZE).get_page(number)
    page.object_list = _lines(shown, list(page.object_list))
    return page


def unread_lines(
    user: AbstractBaseUser,
    *,
    since: datetime,
    until: datetime,
    kinds_left_out: Iterable[str] | QuerySet = (),
) -> list[NotificationGroup]:
    """The unread lines of the member's notifications page that gained a notification made
    after `since` and at or before `until`, newest first, each as the page shows it (with
    every unread actor of its burst), leaving out the kinds named and anyone a block stands
    between (read again here: a block may have been made since). A fixed number of queries,
    however many notifications and lines there are."""
    shown = (
        shown_notifications(user)
        .filter(read=False)
        .exclude(kind__in=kinds_left_out)
        .exclude(actor_id__in=hidden_ids(user))
    )
    fresh = shown.filter(
        created__gt=since, created__lte=until, kind=OuterRef("kind"), about=OuterRef("about")
    )
    rows = (
        shown.filter(Exists(fresh))
        .values("kind", "about", "read")
        .annotate(latest=Max("created"), actors=Count("actor", distinct=True))
        .order_by("-latest", "kind", "about")
    )
    return _lines(shown, list(rows))


def _lines(shown: QuerySet[Notification], rows: list[dict]) -> list[NotificationGroup]:
    """The lines these grouped `rows` of the `shown` notifications stand for, in their order,
    with their newest actors and targets."""
    if not rows:
        return []
    lines = Q()
    for row in rows:
        lines |= Q(kind=row["kind"], about=row["about"], read=row["read"])
    shown_rows: dict[tuple, list[Notification]] = {}
    for notification in _newest_by_actor(shown.filter(lines)):
        key = (notification.kind, notification.about, notification.read)
        shown_rows.setdefault(key, []).append(notification)
    items = []
    for row in rows:
        key = (row["kind"], row["about"], row["read"])
        newest = shown_rows.get(key)
        if not newest or newest[0].target is None:
            continue  # deleted between the queries
        items.append(
            NotificationGroup(
                kind=row["kind"],
                about=row["about"],
                actors=[notification.actor for notification in newest],
                count=row["actors"],
                latest=row["latest"],
                unread=not row["read"],
                target=newest[0].target,
            )
        )
    return items


def _newest_by_actor(rows: QuerySet[Notification]) -> QuerySet[Notification]:
    """Of each line's notifications, the newest of each of its ACTORS_SHOWN newest actors,
    newest first (the first is the line's newest event), with the actors' profiles and the
    targets: one query, and one per model of target, however many acted."""
    later_by_same = Notification.objects.filter(
        recipient_id=OuterRef("recipient_id"),
        kind=OuterRef("kind"),
        about=OuterRef("about"),
        read=OuterRef("read"),
        actor_id=OuterRef("actor_id"),
    ).filter(
        Q(created__gt=OuterRef("created")) | Q(created=OuterRef("created"), id__gt=OuterRef("id"))
    )
    return (
        rows.exclude(Exists(later_by_same))
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("kind"), F("about"), F("read")],
                order_by=[F("created").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=ACTORS_SHOWN)
        .select_related("actor__profile")
        .prefetch_related(GenericPrefetch("target", targets.querysets()))
        .order_by("kind", "about", "read", "rank")
    )


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
        "muted": list(Mute.objects.filter(muter=user).values("muted__username", "created")),
        "notifications": [
            {"kind": kind, "from": actor, "created": created, "read": read}
            for kind, actor, created, read in Notification.objects.filter(recipient=user)
            .order_by("created")
            .values_list("kind", "actor__username", "created", "read")
        ],
        "muted_notifications": sorted(muted_kinds(user)),
        "notification_digest": wants_digest(user),
    })  # fmt: skip
