from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "apps.feed"
    verbose_name = "Feed"

    def ready(self) -> None:
        from apps.social import services as social
        from apps.social import targets

        from . import services, signals  # noqa: F401 (connects the login receiver)
        from .models import Comment, Like, Post

        # What a notification about a feed row quotes (nothing of what moderators removed or
        # its author deleted), links to, and whose post it is under.
        targets.register(Post, excerpt=lambda post: None if post.removed else post.text,
                         where="author")  # fmt: skip
        targets.register(Like, select_related=("post",),
                         excerpt=lambda like: None if like.post.removed else like.post.title,
                         where="post__author")  # fmt: skip
        targets.register(Comment, select_related=("post",),
                         excerpt=lambda comment: None if comment.is_deleted or comment.removed
                         else comment.text, where="post__author")  # fmt: skip
        # A block hides the comments either member wrote under the other's posts: the
        # counts everyone sees follow.
        social.when_block_changes(services.recount_between)
