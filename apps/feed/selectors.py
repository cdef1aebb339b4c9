"""Read queries for the feed: keyset pages (no OFFSET scans) with a constant query count, each
post and comment marked with what the viewer may do to it."""

from pathlib import PurePosixPath

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.shortcuts import get_object_or_404

from apps.core.paging import Page, decode_cursor, encode_cursor

from . import permissions
from .models import Comment, Like, Post, Tag

PAGE_SIZE = 10


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
) -> Page[Post]:
    """Return the posts after `cursor`, newest first. The cursor is the last post shown; the
    next page starts strictly after it, so posts added meanwhile cause neither duplicates nor
    gaps. Raise ValueError for a cursor this site did not make."""
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
    mark_for_viewer(viewer, posts)
    return Page(posts, cursor, encode_cursor(posts[-1].created, posts[-1].pk) if more else None)


def mark_for_viewer(viewer: AbstractBaseUser, posts: list[Post]) -> None:
    """Set liked, can_edit and can_delete on each post, with one query for the whole page."""
    liked = set()
    if viewer.is_authenticated and posts:
        liked = set(
            Like.objects.filter(user=viewer, post__in=[p.pk for p in posts]).values_list(
                "post_id", flat=True
            )
        )
    for post in posts:
        post.liked = post.pk in liked
        post.can_edit = permissions.can_edit_post(viewer, post)
        post.can_delete = permissions.can_delete_post(viewer, post)


def get_post(*, pk: int, viewer: AbstractBaseUser) -> Post:
    post = get_object_or_404(posts_for_cards(), pk=pk)
    mark_for_viewer(viewer, [post])
    return post


def thread(post: Post, *, viewer: AbstractBaseUser) -> list[Comment]:
    """Return the top-level comments in order, each with .thread_replies, in two queries;
    every comment is marked with can_reply, can_edit and can_delete for the viewer."""
    comments = list(
        Comment.objects.filter(post=post)
        .select_related("author__profile")
        .order_by("created", "id")
    )
    by_parent: dict[int, list[Comment]] = {}
    for comment in comments:
        comment.post = post
        if comment.parent_id:
            by_parent.setdefault(comment.parent_id, []).append(comment)
    top = [c for c in comments if c.parent_id is None]
    for comment in top:
        comment.thread_replies = by_parent.get(comment.pk, [])
        for reply in comment.thread_replies:
            reply.parent = comment  # already here: no query per reply
        for each in (comment, *comment.thread_replies):
            mark_comment_for_viewer(viewer, each)
    return top


def mark_comment_for_viewer(viewer: AbstractBaseUser, comment: Comment) -> None:
    comment.can_reply = permissions.can_reply(viewer, comment)
    comment.can_edit = permissions.can_edit_comment(viewer, comment)
    comment.can_delete = permissions.can_delete_comment(viewer, comment)


def member_export(
    *, user: AbstractBaseUser
) -> tuple[dict[str, object], list[tuple[str, FieldFile]]]:
    """Return what the feed holds of this member, for their data export: the data, and the
    stored image files to include, each with the folder it goes in."""
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
    }
    return data, [("posts", post.image) for post in posts if post.image]


def has_posts_by(*, authors: list[AbstractBaseUser]) -> bool:
    return Post.objects.filter(author__in=authors).exists()
