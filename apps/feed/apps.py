from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "apps.feed"
    verbose_name = "Feed"

    def ready(self) -> None:
        from apps.social import services as social
        from apps.social import targets

        from . import services, signals  # noqa: F401 (connects the login receiver)
        from .models import Comment, Like, Post

        # What a notification about a feed row quotes (nothing of what moderators removed, its
        # author deleted, or a suspended author's post holds: what the post page would not
        # show), links to, and whose post it is under.
        def hidden(post: Post) -> bool:
            return post.removed or not post.author.is_active

        targets.register(Post, select_related=("author",),
                         excerpt=lambda post: None if hidden(post) else post.text,
                         where="author")  # fmt: skip
        targets.register(Like, select_related=("post__author",),
                         excerpt=lambda like: None if hidden(like.post) else like.post.title,
                         where="post__author")  # fmt: skip
        targets.register(Comment, select_related=("post__author",),
                         excerpt=lambda comment: None
                         if comment.is_deleted or comment.removed or hidden(comment.post)
                         else comment.text, where="post__author")  # fmt: skip
        # A block hides the comments either member wrote under the other's posts: the
        # counts everyone sees follow.
        social.when_block_changes(services.recount_between)
