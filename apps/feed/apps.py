from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "apps.feed"
    verbose_name = "Feed"

    def ready(self) -> None:
        from apps.social import services as social
        from apps.social import targets

        from . import services, signals  # noqa: F401 (connects the login receiver)
        from .models import Comment, Like, Post

        # What a notification about a feed row quotes, links to, and whose post it is under.
        targets.register(Post, subject=lambda post: post.title, where="author")
        targets.register(Like, select_related=("post",), subject=lambda like: like.post.title,
                         where="post__author")  # fmt: skip
        targets.register(Comment, select_related=("post",),
                         subject=lambda comment: comment.post.title,
                         where="post__author")  # fmt: skip
        # A block hides the comments either member wrote under the other's posts: the
        # counts everyone sees follow.
        social.when_block_changes(services.recount_between)
