from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils import timezone

from apps.core.web.links import remembered_url

TITLE_MAX_LENGTH = 150
TEXT_MAX_LENGTH = 10_000
COMMENT_MAX_LENGTH = 2_000
TAG_MAX_LENGTH = 40
MAX_TAGS = 10
POST_IMAGE_MAX_SIDE = 1200
IMAGE_ALT_MAX_LENGTH = 300


def notifications() -> GenericRelation:
    """Notifications whose event is this row go when it goes (see apps.social.models)."""
    return GenericRelation(
        "social.Notification", content_type_field="target_type", object_id_field="target_id"
    )


class Tag(models.Model):
    """A lowercase topic; posts link to /tags/<name>/."""

    name = models.SlugField(max_length=TAG_MAX_LENGTH, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return remembered_url(self, "name", "feed:tag", tag=self.name)


class Post(models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts"
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    text = models.TextField(max_length=TEXT_MAX_LENGTH)
    tags = models.ManyToManyField(Tag, related_name="posts", blank=True)
    # Re-encoded by apps.core.uploads.images, stored under a random name; never the upload itself.
    image = models.ImageField(upload_to="posts/", blank=True, width_field="image_width",
                              height_field="image_height")  # fmt: skip
    image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # What the image shows, in the author's words, for people who cannot see it.
    image_alt = models.CharField("image description", max_length=IMAGE_ALT_MAX_LENGTH, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    edited = models.DateTimeField(null=True, blank=True, editable=False)
    # Kept by the services in the same transaction as the rows they count, so a feed page
    # never aggregates.
    like_count = models.PositiveIntegerField(default=0, editable=False)
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    # The members named with @username in the text, kept by the services on every save.
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                      related_name="mentioned_in_posts")  # fmt: skip
    # Set when moderators remove the post: only its author still sees it, marked so.
    removed = models.DateTimeField(null=True, blank=True, editable=False)
    # The random token of the form that wrote it (see forms.client_token_field): the same form
    # sent again finds this post instead of making a second one.
    client_token = models.UUIDField(null=True, blank=True, editable=False)
    notifications = notifications()

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["-created", "-id"], name="feed_post_newest_idx"),
            models.Index(fields=["author", "-created", "-id"], name="feed_post_author_newest_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_token"], name="feed_post_once_per_client_token"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return remembered_url(self, "pk", "feed:post", pk=self.pk)


class Like(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="likes")  # fmt: skip
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    created = models.DateTimeField(default=timezone.now, editable=False)
    notifications = notifications()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "post"], name="feed_like_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.post_id}"

    def get_absolute_url(self) -> str:
        return self.post.get_absolute_url()


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="comments")  # fmt: skip
    # One level of replies: a reply's parent is always a top-level comment.
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    text = models.TextField(max_length=COMMENT_MAX_LENGTH)
    created = models.DateTimeField(default=timezone.now, editable=False)
    edited = models.DateTimeField(null=True, blank=True, editable=False)
    # A deleted comment with replies stays as "comment deleted" so the thread reads on.
    is_deleted = models.BooleanField(default=False)
    # Set when moderators remove the comment: it reads "Removed by moderators" to everyone.
    removed = models.DateTimeField(null=True, blank=True, editable=False)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                      related_name="mentioned_in_comments")  # fmt: skip
    # The random token of the form that wrote it (see forms.client_token_field): a retry of
    # the same send finds this comment instead of posting it twice. Unique per author and
    # post, so one token sent under another post is a new comment there.
    client_token = models.UUIDField(null=True, blank=True, editable=False)
    notifications = notifications()

    class Meta:
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["post", "created", "id"], name="feed_comment_thread_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "post", "client_token"],
                name="feed_comment_once_per_post_and_client_token",
            ),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.post_id}"

    def get_absolute_url(self) -> str:
        return f"{self.post.get_absolute_url()}#comment-{self.pk}"


class ReadPosition(models.Model):
    """Where a member left off on a tab of the feed: the newest post they have seen at its top,
    kept as that post's place in the feed's order (created, id), so the place stays when the
    post goes. One row per member and tab, shared by all their devices; it only moves forward
    (services.record_seen)."""

    class Tab(models.TextChoices):
        FOLLOWING = "following"
        EVERYONE = "everyone"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="read_positions")  # fmt: skip
    tab = models.CharField(max_length=16, choices=Tab.choices)
    # No foreign key: a deleted post must not lose the place.
    post_id = models.BigIntegerField()
    post_created = models.DateTimeField()
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "tab"], name="feed_read_position_per_tab"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.tab} down to {self.post_id}"
