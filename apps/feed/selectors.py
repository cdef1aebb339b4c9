"""Read queries for the feed: keyset pages (no OFFSET scans) with a constant query count."""

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Comment, Like, Post, Tag

PAGE_SIZE = 10


@dataclass(frozen=True)
class Page:
    posts: list[Post]
    next_cursor: str | None


def encode_cursor(post: Post) -> str:
    raw = f"{post.created.isoformat()}|{post.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Raises ValueError for anything that is not a cursor this site made."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, pk = raw.split("|")
        moment = datetime.fromisoformat(created)
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise ValueError("invalid cursor") from error
    if moment.tzinfo is None:
        raise ValueError("invalid cursor")
    try:
        moment = moment.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("invalid cursor") from error
    return moment, int(pk)


def posts_for_cards() -> QuerySet[Post]:
    """Everything a card shows, in a fixed number of queries whatever the page size."""
    return Post.objects.select_related("author__profile").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.only("name"))
    )


def page_of_posts(
    *,
    viewer: AbstractBaseUser,
    cursor: str | None = None,
    tag: str | None = None,
    author_id: int | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """Newest first. The cursor is the last post shown; the next page starts strictly after
    it, so posts added meanwhile cause neither duplicates nor gaps."""
    queryset = posts_for_cards()
    if tag:
        queryset = queryset.filter(tags__name=tag)
    if author_id:
        queryset = queryset.filter(author_id=author_id)
    if cursor:
        created, pk = decode_cursor(cursor)
        queryset = queryset.filter(Q(created__lt=created) | Q(created=created, pk__lt=pk))
    posts = list(queryset.order_by("-created", "-id")[: size + 1])
    more = len(posts) > size
    posts = posts[:size]
    mark_liked(viewer, posts)
    return Page(posts, encode_cursor(posts[-1]) if more else None)


def mark_liked(viewer: AbstractBaseUser, posts: list[Post]) -> None:
    """Set post.liked for the viewer with one query for the whole page."""
    liked = set()
    if viewer.is_authenticated and posts:
        liked = set(
            Like.objects.filter(user=viewer, post__in=[p.pk for p in posts]).values_list(
                "post_id", flat=True
            )
        )
    for post in posts:
        post.liked = post.pk in liked


def get_post(*, pk: int, viewer: AbstractBaseUser) -> Post:
    post = get_object_or_404(posts_for_cards(), pk=pk)
    mark_liked(viewer, [post])
    return post


def get_tag(name: str) -> Tag:
    if "\x00" in name:
        raise Http404
    return get_object_or_404(Tag, name=name.lower())


def thread(post: Post) -> list[Comment]:
    """Top-level comments in order, each with .thread_replies, in two queries."""
    comments = list(
        Comment.objects.filter(post=post)
        .select_related("author__profile")
        .order_by("created", "id")
    )
    by_parent: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id:
            by_parent.setdefault(comment.parent_id, []).append(comment)
    top = [c for c in comments if c.parent_id is None]
    for comment in top:
        comment.thread_replies = by_parent.get(comment.pk, [])
        comment.post = post
        for reply in comment.thread_replies:
            reply.post = post
    return top
