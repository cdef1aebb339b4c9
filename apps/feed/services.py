"""Writes to the feed. Every write checks who may do it (permissions.py) here, not only in
the views; nothing else writes the feed's tables."""

import logging
import re
import uuid
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.db import sql
from apps.core.uploads import images, moderated
from apps.social import selectors as social_selectors
from apps.social import services as social
from apps.social.models import Kind

from . import mentions
from .models import (
    MAX_TAGS,
    POST_IMAGE_MAX_SIDE,
    TAG_MAX_LENGTH,
    Comment,
    Like,
    Post,
    ReadPosition,
    Tag,
)
from .permissions import can_delete_comment, can_delete_post, can_edit_comment, can_edit_post
from .selectors import TABS, Place

CANNOT_REPLY = _("You cannot comment here.")
TAG_SEPARATORS = re.compile(r"[\s,#]+")
TAG_NAME = re.compile(r"^[\w-]+\Z")
logger = logging.getLogger(__name__)


# --- Tags ------------------------------------------------------------------------------------


def parse_tags(raw: str) -> list[str]:
    """`#Django, web  #HTMX` -> ["django", "web", "htmx"]: lowercase, unique, in order."""
    names: list[str] = []
    for word in TAG_SEPARATORS.split(raw or ""):
        if not word:
            continue
        # "İ".lower() adds a combining dot that is not a word character: drop it.
        name = word.lower().replace("\u0307", "").strip("-_")
        if not TAG_NAME.match(name):
            raise ValidationError(
                _("“%(tag)s” is not a valid tag: use letters, digits, - or _."),
                params={"tag": word[:TAG_MAX_LENGTH]},
            )
        if len(name) > TAG_MAX_LENGTH:
            raise ValidationError(
                _("Tags are at most %(limit)s characters."), params={"limit": TAG_MAX_LENGTH}
            )
        if name not in names:
            names.append(name)
    if len(names) > MAX_TAGS:
        raise ValidationError(_("At most %(limit)s tags per post."), params={"limit": MAX_TAGS})
    return names


def _tags(names: list[str]) -> list[Tag]:
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=name) for name in names if name not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    return [existing[name] for name in names]


# --- Mentions --------------------------------------------------------------------------------


def _mention(
    *,
    row: Post | Comment,
    author: AbstractBaseUser,
    about: str,
    post_author_id: int,
    told: frozenset[int] = frozenset(),
) -> None:
    """Keep the row's mentions to the members its text names: notify the newly named ones
    (except those `told` of this row already, as its post's author), and take the
    notification back from those no longer named. Called inside the transaction that saves
    the row."""
    handles = mentions.handles_in(row.text)
    User = get_user_model()
    named = list(
        User.objects.annotate(handle=Lower("username")).filter(handle__in=handles, is_active=True)
        if handles
        else []
    )
    before = set(row.mentions.values_list("pk", flat=True)) if row.pk else set()
    row.mentions.set(named)
    social.withdraw(target=row, kind=Kind.MENTION, recipients=before - {m.pk for m in named})
    for member in named:
        if member.pk not in told:
            social.notify(recipient=member, actor=author, kind=Kind.MENTION, target=row,
                          about=about, where=post_author_id)  # fmt: skip


# --- Posts -----------------------------------------------------------------------------------


def _store_image(data: bytes) -> tuple[str, int, int]:
    """Re-encode and store; return the name and the pixel size, which are saved with the post
    (without them Django would open the file on every load of the post to measure it)."""
    storage = Post._meta.get_field("image").storage
    encoded = images.bounded_version(data, POST_IMAGE_MAX_SIDE)
    return images.store(storage, "posts", encoded), encoded.width, encoded.height


def _sent_before(
    model: type[Post] | type[Comment],
    author: AbstractBaseUser,
    client_token: uuid.UUID | None,
    **where: object,
) -> Post | Comment | None:
    """The row `author` already wrote with the form that carried `client_token`, if any; a
    comment's token counts under its post only (`where`: post=…), as the constraints say."""
    if client_token is None:
        return None
    return model.objects.filter(author=author, client_token=client_token, **where).first()


def create_post(
    *,
    author: AbstractBaseUser,
    title: str,
    text: str,
    tags: list[str],
    image: bytes | None,
    image_alt: str = "",
    client_token: uuid.UUID | None = None,
) -> Post:
    """Raises images.InvalidImage for a bad image; the image file never outlives a failed save.
    A form sent again with the same `client_token` (a retry) returns the post it made."""
    if sent := _sent_before(Post, author, client_token):
        return sent
    storage = Post._meta.get_field("image").storage
    stored, width, height = _store_image(image) if image else ("", None, None)
    try:
        with transaction.atomic():
            post = Post(author=author, title=title, text=text, image_alt=image_alt,
                        client_token=client_token)  # fmt: skip
            post.image.name = stored
            post.image_width, post.image_height = width, height
            post.save()
            post.tags.set(_tags(tags))
            _mention(row=post, author=author, about=f"post:{post.pk}", post_author_id=author.pk)
    except IntegrityError:
        images.delete_quietly(storage, [stored])
        # The same form's other send won the race and committed first.
        if sent := _sent_before(Post, author, client_token):
            return sent
        raise
    except BaseException:
        images.delete_quietly(storage, [stored])
        raise
    return post


def update_post(
    *,
    user: AbstractBaseUser,
    post: Post,
    title: str,
    text: str,
    tags: list[str],
    image: bytes | None = None,
    image_alt: str = "",
    remove_image: bool = False,
) -> Post:
    if not can_edit_post(user, post):
        raise PermissionDenied("Only the author can edit this post.")
    storage = Post._meta.get_field("image").storage
    stored, width, height = _store_image(image) if image else ("", None, None)
    try:
        with transaction.atomic():
            post = Post.objects.select_for_update().get(pk=post.pk)
            replaced = post.image.name if (stored or remove_image) and post.image else ""
            post.title, post.text, post.edited = title, text, timezone.now()
            post.image_alt = image_alt
            fields = ["title", "text", "image_alt", "edited"]
            if stored or remove_image:
                post.image.name = stored
                post.image_width, post.image_height = width, height
                fields += ["image", "image_width", "image_height"]
            post.save(update_fields=fields)
            post.tags.set(_tags(tags))
            _mention(row=post, author=user, about=f"post:{post.pk}", post_author_id=user.pk)
            if replaced:
                transaction.on_commit(
                    lambda: images.delete_quietly(storage, [replaced]), robust=True
                )
    except BaseException:
        images.delete_quietly(storage, [stored])
        raise
    return post


def delete_post(*, user: AbstractBaseUser, post: Post) -> None:
    if not can_delete_post(user, post):
        raise PermissionDenied("Only the author can delete this post.")
    _delete_post(post)


def _delete_post(post: Post) -> None:
    """Delete the post with what hangs on it; its image goes once the deletion commits."""
    storage = Post._meta.get_field("image").storage
    image = post.image.name
    with transaction.atomic():
        post.delete()
        if image:
            transaction.on_commit(lambda: images.delete_quietly(storage, [image]), robust=True)


# --- Likes -----------------------------------------------------------------------------------


def set_like(*, user: AbstractBaseUser, post: Post, liked: bool) -> int:
    """Make the like state `liked` (idempotent, so a double click cannot double count or
    500) and return the post's like count."""
    if not user.is_authenticated:
        raise PermissionDenied("Log in to like posts.")
    if liked and social_selectors.is_blocked_between(user.pk, post.author_id):
        raise PermissionDenied("Blocked members cannot like each other's posts.")
    with transaction.atomic():
        # The row lock orders racing likes and fails cleanly if the post was just deleted.
        post = Post.objects.select_for_update().get(pk=post.pk)
        if liked:
            try:
                with transaction.atomic():
                    like = Like.objects.create(user=user, post=post)
            except IntegrityError:
                pass  # Already liked (perhaps by a racing request): nothing to count.
            else:
                Post.objects.filter(pk=post.pk).update(like_count=F("like_count") + 1)
                social.notify(recipient=post.author, actor=user, kind=Kind.LIKE, target=like,
                              about=f"post:{post.pk}")  # fmt: skip
        else:
            # The like's notification goes with it.
            deleted = bool(Like.objects.filter(user=user, post=post).delete()[0])
            if deleted:
                Post.objects.filter(pk=post.pk).update(like_count=F("like_count") - 1)
        return Post.objects.values_list("like_count", flat=True).get(pk=post.pk)


# --- Comments --------------------------------------------------------------------------------


def create_comment(
    *,
    author: AbstractBaseUser,
    post: Post,
    text: str,
    parent: Comment | None = None,
    client_token: uuid.UUID | None = None,
) -> Comment:
    """Add a comment (with `parent`, a reply in that thread) and tell whom it concerns. The
    same form sent again with the same `client_token` (a retry after no answer) returns the
    comment it made, and tells nobody again."""
    if not author.is_authenticated:
        raise PermissionDenied("Log in to comment.")
    if parent is not None:
        top = parent.parent or parent  # one level: a reply to a reply joins the thread
        if (
            parent.post_id != post.pk
            or parent.is_deleted
            or top.is_deleted
            or (parent.removed or top.removed)
        ):
            # A thread whose first comment is deleted takes no new replies, whichever of its
            # comments the reply names.
            raise ValidationError(_("You can only reply to a comment on this post."))
        parent = top
    if post.removed:
        raise ValidationError(CANNOT_REPLY)  # removed by moderators: read-only, author only
    hidden = social_selectors.hidden_ids(author)
    if post.author_id in hidden or (parent is not None and parent.author_id in hidden):
        raise ValidationError(CANNOT_REPLY)
    with transaction.atomic():
        post = Post.objects.select_for_update().select_related("author").get(pk=post.pk)
        # Behind the post's lock a retry of the same send sees the first one once it commits.
        # The same token under another post is another form's: a comment of its own here.
        if sent := _sent_before(Comment, author, client_token, post=post):
            return sent
        try:
            with transaction.atomic():
                comment = Comment.objects.create(
                    post=post, author=author, text=text, parent=parent, client_token=client_token
                )
        except IntegrityError:
            # Another send of the same form committed between the check and the insert.
            if sent := _sent_before(Comment, author, client_token, post=post):
                return sent
            raise
        recount_comments(post.pk)
        _tell_about_comment(comment)
    return comment


def _tell_about_comment(comment: Comment) -> None:
    """The post's author hears of a comment, the replied-to comment's author of a reply (once,
    if they are the same member), and everyone it names of the mention."""
    post, author, about = comment.post, comment.author, f"post:{comment.post_id}"
    told = {post.author_id}
    if comment.parent is not None and comment.parent.author_id != author.pk:
        social.notify(recipient=comment.parent.author, actor=author, kind=Kind.REPLY,
                      target=comment, about=f"comment:{comment.parent_id}",
                      where=post.author_id)  # fmt: skip
        told.add(comment.parent.author_id)
    if comment.parent is None or comment.parent.author_id != post.author_id:
        social.notify(recipient=post.author, actor=author, kind=Kind.COMMENT, target=comment,
                      about=about)  # fmt: skip
    _mention(row=comment, author=author, about=f"comment:{comment.pk}",
             post_author_id=post.author_id, told=frozenset(told))  # fmt: skip


def update_comment(*, user: AbstractBaseUser, comment: Comment, text: str) -> Comment:
    if not can_edit_comment(user, comment):
        raise PermissionDenied("Only the author can edit this comment.")
    top = comment.parent or comment
    if social_selectors.hidden_ids(user) & {comment.post.author_id, top.author_id}:
        raise PermissionDenied("Blocked members cannot write under each other's posts.")
    with transaction.atomic():
        comment.text, comment.edited = text, timezone.now()
        comment.save(update_fields=["text", "edited"])
        _mention(row=comment, author=user, about=f"comment:{comment.pk}",
                 post_author_id=comment.post.author_id)  # fmt: skip
    return comment


def delete_comment(*, user: AbstractBaseUser, comment: Comment) -> None:
    """A comment with replies becomes "comment deleted" so its thread stays readable."""
    if not can_delete_comment(user, comment):
        raise PermissionDenied("Only the comment's author or the post's author can delete it.")
    with transaction.atomic():
        Post.objects.select_for_update().filter(pk=comment.post_id).first()
        if comment.parent_id is None and comment.replies.exists():
            comment.is_deleted, comment.text = True, ""
            comment.save(update_fields=["is_deleted", "text"])
            comment.mentions.clear()
            social.withdraw(target=comment)  # the row stays; what it told does not
        else:
            _delete_comment_row(comment)
        recount_comments(comment.post_id)


def _delete_comment_row(comment: Comment) -> None:
    """Delete the comment (its replies and notifications go with it), and the "comment
    deleted" placeholder above it if it was the last reply keeping that thread."""
    comment.delete()
    parent = comment.parent
    if parent is not None and parent.is_deleted and not parent.replies.exists():
        parent.delete()


def counted_comments() -> QuerySet[Comment]:
    """The comments a post's count includes: those everyone may see (see selectors.thread):
    not deleted, not removed by moderators, not by a suspended member, and neither written by
    nor answering a member who stands apart from the post's author (a block either way)."""
    apart = social_selectors.blocked_between
    return Comment.objects.filter(
        is_deleted=False, removed__isnull=True, author__is_active=True
    ).exclude(
        Q(apart(OuterRef("author"), OuterRef("post__author")))
        | Q(apart(OuterRef("parent__author"), OuterRef("post__author")))
    )


def recount_comments(post_id: int) -> None:
    """Store the number of visible comments (counted_comments); called with the post row
    locked."""
    visible = counted_comments().filter(post_id=post_id)
    Post.objects.filter(pk=post_id).update(comment_count=visible.count())


# --- Moderation ------------------------------------------------------------------------------
# The moderation app decides who may do these (its "moderate" permission) and records why.


def remove_post(*, post: Post) -> bool:
    """Take the post out of every feed, search and link; its author still sees it, marked as
    removed by moderators, and can no longer edit it or take comments. What it told others
    (mentions in it, replies and mentions under it, which quote its title) is withdrawn.
    Return False if it was removed already."""
    with transaction.atomic():
        removed = Post.objects.filter(pk=post.pk, removed__isnull=True).update(
            removed=timezone.now()
        )
        if removed:
            social.withdraw(target=post)
            social.withdraw_all(
                model=Comment,
                ids=Comment.objects.filter(post=post).values_list("pk", flat=True),
                except_recipient=post.author_id,
            )
            transaction.on_commit(lambda: place_images(post_id=post.pk), robust=True)
    return bool(removed)


def remove_comment(*, comment: Comment) -> bool:
    """Replace the comment's text with "Removed by moderators" for everyone (its replies stay)
    and take it out of the post's count. Return False if it was removed already."""
    with transaction.atomic():
        Post.objects.select_for_update().filter(pk=comment.post_id).exists()
        removed = Comment.objects.filter(pk=comment.pk, removed__isnull=True).update(
            removed=timezone.now()
        )
        if removed:
            social.withdraw(target=comment)
            recount_comments(comment.post_id)
    return bool(removed)


def place_images(*, post_id: int | None = None, author: AbstractBaseUser | None = None) -> int:
    """Move the image of post `post_id`, of `author`'s posts, or (with neither) of every post,
    to where the post's state says: out of the public media folder while others may not see
    the post (moderators removed it, or its author is suspended), back once they may again.
    Call it after the change of state commits. Return how many images moved; one the storage
    fails to move is logged and stays put (the next call, or the hourly sweep, tries again)."""
    posts = Post.objects.exclude(image="")
    if post_id is not None:
        posts = posts.filter(pk=post_id)
    if author is not None:
        posts = posts.filter(author=author)
    hidden = Q(removed__isnull=False) | Q(author__is_active=False)
    outside = Q(image__startswith=moderated.PREFIX)
    misplaced = posts.filter((hidden & ~outside) | (~hidden & outside))
    storage = Post._meta.get_field("image").storage
    moved = 0
    for pk, author_id, name in misplaced.values_list("pk", "author_id", "image"):
        try:
            new = moderated.move_across(storage, name, owner_id=author_id)
        except Exception:
            logger.exception("Could not move the image %s of post %s", name, pk)
            continue
        # Only if the post still has that image (it may have been deleted meanwhile).
        if Post.objects.filter(pk=pk, image=name).update(image=new):
            moved += 1
        else:
            images.delete_quietly(storage, [new])
    return moved


def erase_post(*, post: Post) -> bool:
    """Delete someone's post for good, with its comments, likes and image: a superuser's
    decision, which the moderation app checks and records. Return False if it was gone."""
    with transaction.atomic():
        if not Post.objects.select_for_update().filter(pk=post.pk).exists():
            return False
        _delete_post(post)
    return True


def erase_comment(*, comment: Comment) -> bool:
    """Delete someone's comment for good, with its replies, and mend the post's count: a
    superuser's decision, which the moderation app checks and records. Return False if it
    was gone (with its thread, say)."""
    with transaction.atomic():
        Post.objects.select_for_update().filter(pk=comment.post_id).exists()
        if not Comment.objects.filter(pk=comment.pk).exists():
            return False
        _delete_comment_row(comment)
        recount_comments(comment.post_id)
    return True


def unremove_post(*, post: Post) -> bool:
    """Undo remove_post (moderators reversed it on appeal): the post is back in feeds, search
    and links, and its author can edit it again. What was withdrawn is not told again. Return
    False if it was not removed. Its image comes back to public view once that commits."""
    restored = bool(Post.objects.filter(pk=post.pk, removed__isnull=False).update(removed=None))
    if restored:
        transaction.on_commit(lambda: place_images(post_id=post.pk), robust=True)
    return restored


def unremove_comment(*, comment: Comment) -> bool:
    """Undo remove_comment: its text shows again and it counts on its post again. Return False
    if it was not removed."""
    with transaction.atomic():
        Post.objects.select_for_update().filter(pk=comment.post_id).exists()
        restored = Comment.objects.filter(pk=comment.pk, removed__isnull=False).update(removed=None)
        if restored:
            recount_comments(comment.post_id)
    return bool(restored)


def recount_for_member(*, user: AbstractBaseUser) -> int:
    """A member was suspended or reinstated: count the likes and comments on the posts they
    liked or commented on again, so the counts match what everyone sees. Return how many
    posts that was."""
    touched = Post.objects.filter(Q(likes__user=user) | Q(comments__author=user)).exclude(
        author=user
    )
    return _recount(Post.objects.filter(pk__in=touched.values("pk")))


def recount_between(*, one: AbstractBaseUser, other: AbstractBaseUser) -> int:
    """A block between the two was made or lifted, which hides or shows again what each
    wrote under the other's posts: count the comments on those posts again. Return how many
    posts that was."""
    touched = Post.objects.filter(
        Q(author=one, comments__author=other) | Q(author=other, comments__author=one)
    )
    return _recount(Post.objects.filter(pk__in=touched.values("pk")))


def _recount(posts: QuerySet[Post]) -> int:
    """Store on each of `posts` the likes and visible comments it has now, in one UPDATE
    however many posts there are (each row locked by the UPDATE itself)."""
    likes = (
        Like.objects.filter(post=OuterRef("pk"), user__is_active=True)
        .order_by()
        .values("post")
        .annotate(n=Count("pk"))
        .values("n")
    )
    comments = (
        counted_comments()
        .filter(post=OuterRef("pk"))
        .order_by()
        .values("post")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return posts.update(
        like_count=Coalesce(Subquery(likes), 0), comment_count=Coalesce(Subquery(comments), 0)
    )


# --- A member leaving ------------------------------------------------------------------------


def forget_member(*, user: AbstractBaseUser) -> None:
    """Delete the member's posts, comments and likes (what hangs on them goes too: replies
    under their comments, notifications, reports), then mend what others see: the counts on
    other people's posts they liked or commented on, and "comment deleted" placeholders that
    only their replies kept alive. The images of their posts go once the deletion commits."""
    touched = list(
        Post.objects.filter(Q(likes__user=user) | Q(comments__author=user))
        .exclude(author=user)
        .values_list("pk", flat=True)
        .distinct()
    )
    placeholders = list(
        Comment.objects.filter(author=user, parent__is_deleted=True)
        .values_list("parent_id", flat=True)
        .distinct()
    )
    images_of_posts = list(
        Post.objects.filter(author=user).exclude(image="").values_list("image", flat=True)
    )
    ReadPosition.objects.filter(user=user).delete()
    Like.objects.filter(user=user).delete()
    Comment.objects.filter(author=user).delete()
    Post.objects.filter(author=user).delete()
    Comment.objects.filter(pk__in=placeholders, is_deleted=True, replies__isnull=True).delete()
    _recount(Post.objects.filter(pk__in=touched))
    if images_of_posts:
        storage = Post._meta.get_field("image").storage
        transaction.on_commit(lambda: images.delete_quietly(storage, images_of_posts), robust=True)


# --- Where the member left off ----------------------------------------------------------------


def record_seen(*, user: AbstractBaseUser, tab: str, place: Place) -> None:
    """Remember that the member has seen the tab down from the post at `place` (the newest at
    its top), on every device. A place only ever moves forward: an older one, from a device
    still showing an older page, changes nothing, however the writes of two devices
    interleave. One statement (an upsert that updates only an older place; SQLite and
    PostgreSQL both speak it), so no read can go stale before the write."""
    if tab not in TABS:
        raise ValueError(f"no tab {tab!r}")
    table = sql.table(ReadPosition)
    # Only the table's name is formatted in; values are parameters.
    query = (
        f"INSERT INTO {table} (user_id, tab, post_id, post_created, updated)"  # noqa: S608
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (user_id, tab) DO UPDATE SET"
        " post_id = excluded.post_id, post_created = excluded.post_created,"
        " updated = excluded.updated"
        f" WHERE (excluded.post_created, excluded.post_id) > ({table}.post_created,"
        f" {table}.post_id)"
    )
    params = [user.pk, tab, place.post_id, sql.at(place.created), sql.at(timezone.now())]
    with connection.cursor() as cursor:
        cursor.execute(query, params)


# --- Demo data -------------------------------------------------------------------------------


def backdate(
    *,
    posts: dict[Post, datetime],
    comments: dict[Comment, datetime],
    likes: dict[tuple[AbstractBaseUser, Post], datetime],
) -> None:
    """Demo data only (apps.membership.demo): when each post, comment and (member, post) like
    was made, and the notifications they made with them, so that the demo reads like weeks
    of use rather than one second."""
    told: dict[Post | Comment | Like, datetime] = {}
    for model, rows in ((Post, posts), (Comment, comments)):
        for row, at in rows.items():
            model.objects.filter(pk=row.pk).update(created=at)
            told[row] = at
    for (user, post), at in likes.items():
        like = Like.objects.filter(user=user, post=post).first()
        if like is not None:
            Like.objects.filter(pk=like.pk).update(created=at)
            told[like] = at
    social.backdate_notifications(when=told)
