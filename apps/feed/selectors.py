"""Read queries for the feed: keyset pages (no OFFSET scans) with a constant query count, each
post and comment marked with what the viewer may do to it. Search results alone page by offset,
because a ranked list has no keyset; their pages are few (SEARCH_MAX_PAGES)."""

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.postgres.search import (
    CombinedSearchVector,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.accounts.lifecycle import MemberData
from apps.accounts.selectors import signup_policy
from apps.core.db import sql
from apps.core.db.paging import Page, decode_cursor, encode_cursor, newest_first
from apps.social import selectors as social

from . import permissions
from .models import TAG_MAX_LENGTH, Comment, Like, Post, ReadPosition, Tag

PAGE_SIZE = 10


def posts_for_cards() -> QuerySet[Post]:
    """The posts with what a card shows of their authors, in one query whatever the page
    size; mark_for_viewer adds the rest."""
    return Post.objects.select_related("author__profile")


def _add_tag_names(posts: list[Post]) -> None:
    """Set tag_names on each post, alphabetical, in one query of plain values for them all
    (a prefetch of Tag instances costs about twice as much)."""
    by_pk = {post.pk: post for post in posts}
    for post in posts:
        post.tag_names = []
    if posts:
        links = Post.tags.through.objects.filter(post__in=list(by_pk)).order_by("tag__name")
        for pk, name in links.values_list("post_id", "tag__name"):
            by_pk[pk].tag_names.append(name)


def _add_mentioned_names(rows: list[Post] | list[Comment]) -> None:
    """Set mentioned_names on each post or comment (all of one kind): the usernames of the
    members its text mentions, alphabetical, in one query of plain values for them all."""
    by_pk = {row.pk: row for row in rows}
    for row in rows:
        row.mentioned_names = []
    if rows:
        model = type(rows[0])
        column = model._meta.model_name  # the link table's column naming the post or comment
        links = model.mentions.through.objects.filter(**{f"{column}__in": list(by_pk)})
        names = links.order_by("user__username").values_list(f"{column}_id", "user__username")
        for pk, username in names:
            by_pk[pk].mentioned_names.append(username)


def card_key(post: Post) -> tuple:
    """Return the key of the post card's stencil (templates/feed/feed.html#card), loaded by
    posts_for_cards and given its names by mark_for_viewer. The card's kept markup is
    rendered once per key and then served to every reader, so the key must name everything
    that markup reads: a field the card shows but the key leaves out is served stale
    (STENCIL_VERIFY catches it in the tests)."""
    author = post.author
    return (
        post.pk,
        post.title,
        post.text,
        post.created,
        post.edited,
        author.username,
        author.display_name,
        tuple(post.tag_names),
        tuple(post.mentioned_names),
        post.removed is not None,
        (post.image.name, post.image_width, post.image_height, post.image_alt),
    )


def visible_posts(
    viewer: AbstractBaseUser, queryset: QuerySet[Post] | None = None
) -> QuerySet[Post]:
    """The posts `viewer` may see (of `queryset`, by default ready for cards): not by a
    suspended member nor by one either of them blocked, and not removed by moderators unless
    the viewer wrote it."""
    queryset = posts_for_cards() if queryset is None else queryset
    shown = Q(removed__isnull=True)
    if viewer.is_authenticated:
        shown |= Q(author_id=viewer.pk)
    queryset = queryset.filter(shown, author__is_active=True)
    if hidden := social.hidden_ids(viewer):  # most viewers block nobody: no empty NOT IN
        queryset = queryset.exclude(author_id__in=hidden)
    return queryset


def page_of_posts(
    *,
    viewer: AbstractBaseUser,
    cursor: str | None = None,
    tag: str | None = None,
    author_id: int | None = None,
    following: bool = False,
    size: int = PAGE_SIZE,
) -> Page[Post]:
    """Return the posts after `cursor`, newest first: all the viewer may see, or with
    `following` (never with a tag or an author: their pages have no tabs) those of the
    members they follow; but for one author's page (`author_id`), none by members the viewer
    muted. The cursor is the last post shown; the next page starts strictly after it, so
    posts added meanwhile cause neither duplicates nor gaps. Raise ValueError for a cursor
    this site did not make."""
    queryset = visible_posts(viewer)
    if not author_id:
        queryset = queryset.exclude(author_id__in=social.muted_ids(viewer))
    if following and connection.vendor == "postgresql":
        queryset = queryset.filter(pk__in=_newest_of_followed(viewer, cursor, size + 1))
    elif following:
        queryset = queryset.filter(author__follower_set__follower=viewer)
    if tag:
        queryset = queryset.filter(tags__name=tag)
    if author_id:
        queryset = queryset.filter(author_id=author_id)
    page = newest_first(queryset, cursor, size)
    mark_for_viewer(viewer, page.items)
    return page


def _newest_of_followed(viewer: AbstractBaseUser, cursor: str | None, count: int) -> RawSQL:
    """The ids of the `count` newest posts after `cursor` on the viewer's Following tab, by
    the same rules (visible_posts, and none by a muted member), as SQL for PostgreSQL.

    As one filtered query, PostgreSQL either walks everyone's posts, newest first, until it
    has met ten by members followed (long when theirs are a small share of the site's), or
    reads every post they ever wrote and sorts them. Here each member followed gives at most
    `count` of theirs, the newest after the cursor, from feed_post_author_newest_idx (a
    LATERAL join), and the newest `count` of those are the page: what a page reads is
    bounded by the people followed, not by what they or others wrote. SQLite has no LATERAL
    and keeps the plain query. The page's query keeps visible_posts' rules beside these ids,
    so a slip here could shorten a page, never show a post those rules hide."""
    after, after_params = "", []
    if cursor:
        created, pk = decode_cursor(cursor)
        after, after_params = " AND (p.created, p.id) < (%s, %s)", [sql.at(created), pk]
    followed, followed_params = social.followed_sql(viewer.pk, "u.id")
    apart = sorted(social.hidden_ids(viewer) | social.muted_ids(viewer))
    query = (
        f"SELECT p.id FROM {sql.table(get_user_model())} u CROSS JOIN LATERAL"  # noqa: S608
        f" (SELECT p.id, p.created FROM {sql.table(Post)} p WHERE p.author_id = u.id"
        f" AND (p.removed IS NULL OR p.author_id = %s){after}"
        " ORDER BY p.created DESC, p.id DESC LIMIT %s) p"
        f" WHERE {followed} AND u.is_active AND u.id <> ALL(%s)"
        " ORDER BY p.created DESC, p.id DESC LIMIT %s"
    )
    # Only table names and conditions written here are formatted in; values are parameters.
    params = [viewer.pk, *after_params, count, *followed_params, apart, count]
    return RawSQL(query, params)  # noqa: S611


# --- Where the member left off ----------------------------------------------------------------
# The Following and Everyone tabs each remember the newest post the member saw at their top
# (ReadPosition). The rules of page_of_posts above, restated once here in SQL for the presence
# poll (apps.core.db.sql): tests/feed/test_read_position.py holds the two to the same answers.

TABS = tuple(ReadPosition.Tab.values)
# More new posts than this reads "99+": a count never walks further than one more.
NEW_POSTS_SHOWN = 99


class Place(NamedTuple):
    """A post's place in the feed's order, newest first by (created, id): compared as a
    tuple, a later place is newer."""

    created: datetime
    post_id: int

    @classmethod
    def of(cls, post: Post) -> "Place":
        return cls(post.created, post.pk)

    @property
    def cursor(self) -> str:
        return encode_cursor(self.created, self.post_id)

    @property
    def starting_cursor(self) -> str:
        """The cursor of the page that starts at this post, the post included: a keyset page
        starts strictly after its cursor, and no post sits between (created, id) and (created,
        id + 1)."""
        return encode_cursor(self.created, self.post_id + 1)


@dataclass(frozen=True)
class LeftOff:
    """Where the member left off on each tab that has a place, and how many posts the tab
    shows above it (at most NEW_POSTS_SHOWN + 1; none of their own)."""

    places: dict[str, Place]
    new: dict[str, int]


def _in_tab_sql(viewer_id: object, tab: str, post: str, author: str) -> tuple[str, list]:
    """An SQL condition true for the post `post` (by the user `author`, both table aliases)
    when the tab shows it to the viewer: page_of_posts' rules (visible_posts, no muted author,
    on Following only the members followed)."""
    apart, apart_params = social.apart_sql(viewer_id)
    condition = (
        f"{author}.is_active AND ({post}.removed IS NULL OR {post}.author_id = %s)"
        f" AND {post}.author_id NOT IN ({apart})"
    )
    params = [viewer_id, *apart_params]
    if tab == ReadPosition.Tab.FOLLOWING:
        followed, followed_params = social.followed_sql(viewer_id, f"{post}.author_id")
        condition += f" AND {followed}"
        params += followed_params
    return condition, params


# Stands for the viewer's id while a query's text is built once per tab (see _for_viewer).
_VIEWER = object()


def _for_viewer(built: tuple[str, list], viewer_id: int) -> tuple[str, list]:
    query, params = built
    return query, [viewer_id if param is _VIEWER else param for param in params]


def new_posts_sql(viewer_id: int, tab: str) -> tuple[str, list]:
    """How many posts the tab shows the viewer above where they left off on it, none of their
    own (0 without a place), counted up to NEW_POSTS_SHOWN + 1: a scalar subquery for a
    hand-written query, so the poll asks it with the bar's counts in one query."""
    return _for_viewer(_new_posts_query(connection.vendor, tab), viewer_id)


@functools.cache
def _new_posts_query(vendor: str, tab: str) -> tuple[str, list]:
    """The text of new_posts_sql, written once per database and tab (every poll asks)."""
    shown, params = _in_tab_sql(_VIEWER, tab, "np", "na")
    place = f"FROM {sql.table(ReadPosition)} nr WHERE nr.user_id = %s AND nr.tab = %s"
    # The place as scalar subqueries, read once (no place: NULL, nothing counted); the first
    # condition implies nothing new, but lets an index on created seek to the place.
    query = (
        f"(SELECT COUNT(*) FROM (SELECT 1 FROM {sql.table(Post)} np"  # noqa: S608
        f" JOIN {sql.table(get_user_model())} na ON na.id = np.author_id"
        f" WHERE np.created >= (SELECT nr.post_created {place})"
        f" AND (np.created, np.id) > (SELECT nr.post_created, nr.post_id {place})"
        f" AND np.author_id <> %s AND {shown} LIMIT {NEW_POSTS_SHOWN + 1}) new_posts)"
    )
    return query, [_VIEWER, tab, _VIEWER, tab, _VIEWER, *params]


def unseen_top_sql(viewer_id: int, tab: str, post_id: int) -> tuple[str, list]:
    """The moment of post `post_id` when the tab shows it to the viewer and it is newer than
    where they left off there (or they have no place yet), else NULL: a scalar subquery for a
    hand-written query. The poll writes a place only when this says there is one to write."""
    query, params = _for_viewer(_unseen_top_query(connection.vendor, tab), viewer_id)
    return query, [post_id, *params]


@functools.cache
def _unseen_top_query(vendor: str, tab: str) -> tuple[str, list]:
    """The text of unseen_top_sql, written once per database and tab (every poll asks)."""
    shown, params = _in_tab_sql(_VIEWER, tab, "tp", "ta")
    query = (
        f"(SELECT tp.created FROM {sql.table(Post)} tp"  # noqa: S608
        f" JOIN {sql.table(get_user_model())} ta ON ta.id = tp.author_id"
        f" WHERE tp.id = %s AND {shown} AND NOT EXISTS (SELECT 1 FROM {sql.table(ReadPosition)}"
        " tr WHERE tr.user_id = %s AND tr.tab = %s"
        " AND (tr.post_created, tr.post_id) >= (tp.created, tp.id)))"
    )
    return query, [*params, _VIEWER, tab]


def left_off(viewer: AbstractBaseUser) -> LeftOff:
    """Where the member left off on each tab and how many new posts each shows above it, in
    one query (nothing for a visitor)."""
    if not viewer.is_authenticated:
        return LeftOff({}, {})
    columns, params = [], []
    place = f"SELECT {{}} FROM {sql.table(ReadPosition)} WHERE user_id = %s AND tab = %s"  # noqa: S608
    for tab in TABS:
        count, count_params = new_posts_sql(viewer.pk, tab)
        columns += [f"({place.format('post_created')})", f"({place.format('post_id')})", count]
        params += [viewer.pk, tab, viewer.pk, tab, *count_params]
    found = sql.rows(f"SELECT {', '.join(columns)}", params)[0]
    places, new = {}, {}
    for index, tab in enumerate(TABS):
        created, post_id, count = found[index * 3 : index * 3 + 3]
        if post_id is not None:
            places[tab] = Place(sql.moment(_datetime(created)), post_id)
        new[tab] = count
    return LeftOff(places, new)


def _datetime(value: datetime | str) -> datetime:
    """A date-time column read by hand: SQLite hands back the text the ORM stored."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def divider_before(page: Page[Post], place: Place | None) -> int | None:
    """The post of `page` above which "You were here" goes: the first one at or below `place`,
    unless that is the very top of the tab (nothing new) or the divider was on an earlier
    page (the page starts below `place`)."""
    if place is None:
        return None
    if page.cursor is not None and Place(*decode_cursor(page.cursor)) <= place:
        return None
    for index, post in enumerate(page.items):
        if Place.of(post) <= place:
            return None if index == 0 and page.is_first else post.pk
    return None


def here_from(cursor: str) -> Place | None:
    """The place a later page's `here` parameter names (the one its first page had), or None
    for anything this site did not make."""
    try:
        return Place(*decode_cursor(cursor)) if cursor else None
    except ValueError:
        return None


def mark_for_viewer(viewer: AbstractBaseUser, posts: list[Post]) -> None:
    """Set what a card shows beyond the post's row (tag_names, mentioned_names), card_key,
    and liked, follows_author, can_follow, can_edit, can_delete, can_report, can_mute and
    author_muted for the viewer, on each post, with four queries for the whole page (and the
    viewer's blocks and mutes, read once per request)."""
    _add_tag_names(posts)
    _add_mentioned_names(posts)
    liked = set()
    if viewer.is_authenticated and posts:
        liked = set(
            Like.objects.filter(user=viewer, post__in=[p.pk for p in posts]).values_list(
                "post_id", flat=True
            )
        )
    followed = social.followed_among(viewer, {post.author_id for post in posts})
    muted = social.muted_ids(viewer)
    for post in posts:
        post.card_key = card_key(post)
        post.liked = post.pk in liked
        post.follows_author = post.author_id in followed
        post.can_follow = post.author_id != viewer.pk  # a visitor's Follow asks them to log in
        post.can_edit = permissions.can_edit_post(viewer, post)
        post.can_delete = permissions.can_delete_post(viewer, post)
        post.can_report = permissions.can_report(viewer, post.author_id)
        post.can_mute = viewer.is_authenticated and post.author_id != viewer.pk
        post.author_muted = post.author_id in muted


def get_post(*, pk: int, viewer: AbstractBaseUser) -> Post:
    """The post, if `viewer` may see it; else 404."""
    post = get_object_or_404(visible_posts(viewer), pk=pk)
    mark_for_viewer(viewer, [post])
    return post


def get_comment(*, pk: int, viewer: AbstractBaseUser, **filters: object) -> Comment:
    """The comment, with its post and thread's first comment, if `viewer` may see it; else
    404. The post's author sees every comment under it; anyone else, none on a post, nor
    under a comment, nor written by a member either of them blocked, and none in a thread
    whose writers and the post's author stand apart (see `thread`)."""
    comment = get_object_or_404(
        Comment.objects.select_related("post__author", "author__profile", "parent__author"),
        pk=pk,
        **filters,
    )
    top = comment.parent or comment
    if comment.post.author_id != viewer.pk:
        writers = {top.author_id, comment.author_id}
        if social.hidden_ids(viewer) & {comment.post.author_id, *writers}:
            raise Http404
        if social.is_blocked_between(comment.post.author_id, *writers):
            raise Http404
    if not (comment.author.is_active and top.author.is_active and comment.post.author.is_active):
        raise Http404  # a suspended member's
    if comment.post.removed and comment.post.author_id != viewer.pk:
        raise Http404
    return comment


def thread(post: Post, *, viewer: AbstractBaseUser) -> list[Comment]:
    """Return the top-level comments in order, each with .thread_replies, in four queries,
    every comment marked with can_reply, can_edit and can_delete for the viewer.

    The post's author sees every comment under their post (but a suspended member's), so
    they can always delete or report what is said there. Everyone else misses comments by
    members they blocked, were blocked by or muted, and comments by a member who stands
    apart from the post's author (a block either way): hidden from all the moment the block
    is made, for as long as it lasts. A comment left out takes its replies with it. The
    author's copy of such a comment is marked `apart`."""
    comments = Comment.objects.filter(post=post, author__is_active=True)
    is_author = viewer.is_authenticated and viewer.pk == post.author_id
    if not is_author:
        comments = comments.exclude(
            author_id__in=social.hidden_ids(viewer) | social.muted_ids(viewer)
        ).exclude(social.blocked_between(OuterRef("author"), post.author_id))
    comments = list(comments.select_related("author__profile").order_by("created", "id"))
    _add_mentioned_names(comments)
    apart = social.hidden_ids(viewer) if is_author else set()
    by_parent: dict[int, list[Comment]] = {}
    for comment in comments:
        comment.post = post
        if comment.parent_id:
            by_parent.setdefault(comment.parent_id, []).append(comment)
    top = [c for c in comments if c.parent_id is None]
    for comment in top:
        comment.thread_replies = by_parent.get(comment.pk, [])
        comment.apart = comment.author_id in apart
        for reply in comment.thread_replies:
            reply.parent = comment  # already here: no query per reply
            reply.apart = reply.author_id in apart
        for each in (comment, *comment.thread_replies):
            mark_comment_for_viewer(viewer, each)
            if comment.apart or each.apart:
                each.can_reply = False  # nobody may answer across the block
    return top


def mark_comment_for_viewer(viewer: AbstractBaseUser, comment: Comment) -> None:
    comment.can_reply = permissions.can_reply(viewer, comment)
    comment.can_edit = permissions.can_edit_comment(viewer, comment)
    comment.can_delete = permissions.can_delete_comment(viewer, comment)
    comment.can_report = permissions.can_report(viewer, comment.author_id) and not (
        comment.is_deleted or comment.removed
    )


def member_export(*, user: AbstractBaseUser) -> MemberData:
    """What the feed holds of this member, for their data export, and their posts' images."""
    posts = list(Post.objects.filter(author=user).prefetch_related("tags").order_by("created"))
    data = {
        "posts": [
            {
                "id": post.pk,
                "title": post.title,
                "text": post.text,
                "tags": [tag.name for tag in post.tags.all()],
                "created": post.created,
                "edited": post.edited,
                "image": PurePosixPath(post.image.name).name if post.image else None,
                "image_alt": post.image_alt,
            }
            for post in posts
        ],
        "comments": [
            {
                "post": comment["post_id"],
                "reply_to": comment["parent_id"],
                "text": comment["text"],
                "created": comment["created"],
                "edited": comment["edited"],
            }
            for comment in Comment.objects.filter(author=user, is_deleted=False)
            .order_by("created")
            .values("post_id", "parent_id", "text", "created", "edited")
        ],
        "liked_posts": list(Like.objects.filter(user=user).values_list("post_id", flat=True)),
        "read_positions": list(
            ReadPosition.objects.filter(user=user)
            .order_by("tab")
            .values("tab", "post_id", "post_created", "updated")
        ),
    }
    return MemberData(data, [("posts", post.image) for post in posts if post.image])


def has_posts_by(*, authors: list[AbstractBaseUser]) -> bool:
    return Post.objects.filter(author__in=authors).exists()


# --- Whom to follow --------------------------------------------------------------------------

SUGGESTION_DAYS = 28


def _count(queryset: QuerySet) -> Coalesce:
    """The number of rows of `queryset` (filtered on an OuterRef), as a subquery."""
    counted = queryset.order_by().annotate(one=Value(1)).values("one")
    return Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n")[:1]), 0)


def who_to_follow(viewer: AbstractBaseUser, *, limit: int = 5) -> list[AbstractBaseUser]:
    """Members `viewer` might follow, in one query: those who write about the tags of the
    posts the viewer wrote or liked first, then those most active lately (posts and
    comments in the last SUGGESTION_DAYS), which is all a new member gets. Never the viewer,
    nobody they follow already, nobody suspended, and nobody a block or a mute stands
    between. Each carries `shares_tags`."""
    since = timezone.now() - timedelta(days=SUGGESTION_DAYS)
    viewer_tags = Tag.objects.filter(Q(posts__author=viewer) | Q(posts__likes__user=viewer)).values(
        "pk"
    )
    shown = Q(removed__isnull=True)
    people = (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(pk=viewer.pk)
        .exclude(social.not_to_suggest(viewer))
        .annotate(
            # How often they wrote about the viewer's tags (a post with two counts twice).
            shared=_count(
                Tag.objects.filter(
                    pk__in=viewer_tags, posts__author=OuterRef("pk"), posts__removed__isnull=True
                )
            ),
            activity=_count(Post.objects.filter(shown, author=OuterRef("pk"), created__gte=since))
            + _count(
                Comment.objects.filter(
                    shown, is_deleted=False, author=OuterRef("pk"), created__gte=since
                )
            ),
        )
        .filter(Q(shared__gt=0) | Q(activity__gt=0))
        .select_related("profile")
        .order_by("-shared", "-activity", "-pk")[:limit]
    )
    people = list(people)
    for person in people:
        person.shares_tags = person.shared > 0
    return people


# --- The community at a glance ---------------------------------------------------------------

_COMMUNITY_KEY = "feed:community"
_COMMUNITY_SECONDS = 60


@dataclass(frozen=True)
class Community:
    """How big the site is and how one joins it, for the visitors' "about" panel."""

    members: int
    posts: int
    signup_mode: str


def community() -> Community:
    """Active members, the posts everyone may see and the signup mode, read at most once a
    minute (kept in the shared cache, as long as the signup policy is): one cache read per
    page, three small queries when it has expired."""
    fields = cache.get(_COMMUNITY_KEY)
    if fields is None:
        fields = (
            get_user_model().objects.filter(is_active=True).count(),
            Post.objects.filter(removed__isnull=True, author__is_active=True).count(),
            str(signup_policy().mode),
        )
        cache.set(_COMMUNITY_KEY, fields, _COMMUNITY_SECONDS)
    return Community(*fields)


# --- Search ----------------------------------------------------------------------------------

SEARCH_MAX_PAGES = 50
SEARCH_MAX_WORDS = 20
# Runs of letters and digits, the way PostgreSQL's parser splits text: nothing else a visitor
# types reaches the query, so no input is a syntax error in it.
SEARCH_WORD = re.compile(r"[^\W_]+")
SEARCH_TAG = re.compile(rf"[-\w]{{1,{TAG_MAX_LENGTH}}}")


def search_vector() -> CombinedSearchVector:
    """A post's searchable words, the title weighted above the text. Feed migration 0004 builds
    the GIN index on this very expression; change the two together."""
    return SearchVector("title", weight="A", config="simple") + SearchVector(
        "text", weight="B", config="simple"
    )


def search_posts(
    *,
    viewer: AbstractBaseUser,
    query: str,
    cursor: str | None = None,
    size: int = PAGE_SIZE,
) -> Page[Post]:
    """Return the posts the viewer may see (none by members they muted) that match `query`.
    On PostgreSQL: every word starts a word of the title or text, best match first (the title
    counts more), or a word names one of the post's tags. Elsewhere: every word is in the
    title or text or names a tag, newest first. Ranked results have no keyset, so the cursor
    is an offset into them; raise
    ValueError for a cursor this site did not make."""
    offset = _search_offset(cursor, size)
    words = SEARCH_WORD.findall(query)[:SEARCH_MAX_WORDS]
    if not words:
        return Page([], cursor, None)
    queryset = visible_posts(viewer).exclude(author_id__in=social.muted_ids(viewer))
    if connection.vendor == "postgresql":
        # A one-letter prefix would match nearly every post: single letters match whole words.
        terms = SearchQuery(
            " & ".join(f"{word}:*" if len(word) > 1 else word for word in words),
            config="simple",
            search_type="raw",
        )
        # A union of ids, so both halves can use an index (the GIN one, the tag one).
        found = (
            Post.objects.alias(document=search_vector())
            .filter(document=terms)
            .values("pk")
            .union(_tagged_with(query, words).values("post_id"))
        )
        queryset = (
            queryset.filter(pk__in=found)
            .annotate(rank=SearchRank(search_vector(), terms))
            .order_by("-rank", "-created", "-id")
        )
    else:
        for word in words:
            named = _tagged_with(word, [word]).filter(post=OuterRef("pk"))
            queryset = queryset.filter(
                Q(title__icontains=word) | Q(text__icontains=word) | Exists(named)
            )
        queryset = queryset.order_by("-created", "-id")
    posts = list(queryset[offset : offset + size + 1])
    more = len(posts) > size and offset + size < SEARCH_MAX_PAGES * size
    posts = posts[:size]
    mark_for_viewer(viewer, posts)
    return Page(posts, cursor, str(offset + size) if more else None)


def _tagged_with(query: str, words: list[str]) -> QuerySet:
    """The post-tag links whose tag is named by a word of the query (typed with or without #,
    hyphenated or not)."""
    names = {word.lower() for word in words} | {word.lstrip("#").lower() for word in query.split()}
    names = {name for name in names if SEARCH_TAG.fullmatch(name)}
    return Post.tags.through.objects.filter(tag__name__in=names)


def _search_offset(cursor: str | None, size: int) -> int:
    if cursor is None:
        return 0
    if not (cursor.isascii() and cursor.isdecimal() and len(cursor) < 10):
        raise ValueError("invalid cursor")
    offset = int(cursor)
    if offset % size or not 0 < offset < SEARCH_MAX_PAGES * size:
        raise ValueError("invalid cursor")
    return offset


# --- For moderators --------------------------------------------------------------------------


def posts_by_pk(pks: Iterable[int]) -> dict[int, Post]:
    """Posts as moderators see them: whatever their state, with author and tags, in two
    queries for any number."""
    posts = Post.objects.filter(pk__in=list(pks)).select_related("author__profile")
    return {post.pk: post for post in posts.prefetch_related("tags")}


def comments_by_pk(pks: Iterable[int]) -> dict[int, Comment]:
    """Comments as moderators see them, with their author and post, in one query."""
    comments = Comment.objects.filter(pk__in=list(pks)).select_related("author__profile", "post")
    return {comment.pk: comment for comment in comments}
