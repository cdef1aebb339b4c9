"""Who may do what to posts and comments. The services enforce these rules; the selectors mark
their answers on what a page shows, so templates test booleans and never restate a rule.

Members' rights over their own things only: no role here reaches anyone else's post or
comment. Moderators remove others' things through the moderation app (a permission, a reason,
an audit entry), and only a superuser deletes them for good, audited too, in the admin."""

from django.contrib.auth.base_user import AbstractBaseUser

from .models import Comment, Post


def can_edit_post(user: AbstractBaseUser, post: Post) -> bool:
    """The author, unless moderators removed it (an edit could bring it back in new words)."""
    return user.is_authenticated and post.author_id == user.pk and post.removed is None


def can_delete_post(user: AbstractBaseUser, post: Post) -> bool:
    """The author only."""
    return user.is_authenticated and post.author_id == user.pk


def can_reply(user: AbstractBaseUser, comment: Comment) -> bool:
    """Replies join the thread of the comment's first comment, which must still be there."""
    top = comment.parent if comment.parent_id else comment
    return (
        user.is_authenticated
        and not (comment.is_deleted or comment.removed)
        and not (top.is_deleted or top.removed)
    )


def can_edit_comment(user: AbstractBaseUser, comment: Comment) -> bool:
    """The author, unless it or its post was removed by moderators (an edit could mention
    people under a removed post, telling them its title)."""
    return (
        user.is_authenticated
        and comment.author_id == user.pk
        and not (comment.is_deleted or comment.removed or comment.post.removed)
    )


def can_delete_comment(user: AbstractBaseUser, comment: Comment) -> bool:
    """The comment's author, and the post's author: a member keeps their own thread, as on
    Discourse. That is a member's right over their own post, not moderation (nothing is
    audited); nobody else deletes a comment here."""
    if not user.is_authenticated or comment.is_deleted:
        return False
    return user.pk in {comment.author_id, comment.post.author_id}


def can_report(user: AbstractBaseUser, author_id: int) -> bool:
    """Any member may report what someone else wrote (the moderation app takes the report)."""
    return user.is_authenticated and author_id != user.pk
