from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "apps.feed"
    verbose_name = "Feed"

    def ready(self) -> None:
        from apps.social import targets

        from .models import Comment, Like, Post

        # What a notification about a feed row quotes and links to.
        targets.register(Post, subject=lambda post: post.title)
        targets.register(Like, select_related=("post",), subject=lambda like: like.post.title)
        targets.register(
            Comment, select_related=("post",), subject=lambda comment: comment.post.title
        )
