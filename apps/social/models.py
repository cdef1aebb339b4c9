"""Who follows whom, who blocked whom, and what members are told about each other."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Follow(models.Model):
    follower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="following_set")  # fmt: skip
    followee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="follower_set")  # fmt: skip
    created = models.DateTimeField(default=timezone.now, editable=False)
    notifications = GenericRelation(
        "Notification", content_type_field="target_type", object_id_field="target_id"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="social_follow_once"),
            models.CheckConstraint(
                condition=~Q(follower=F("followee")), name="social_follow_not_self"
            ),
        ]
        indexes = [models.Index(fields=["followee", "-created"], name="social_followers_idx")]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.followee_id}"


class Block(models.Model):
    blocker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="blocks_made")  # fmt: skip
    blocked = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="blocks_received")  # fmt: skip
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="social_block_once"),
            models.CheckConstraint(
                condition=~Q(blocker=F("blocked")), name="social_block_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class Mute(models.Model):
    """A member the muter no longer wants to hear from: their posts and comments leave the
    muter's feed and their notifications go quiet. Unlike a block, it changes nothing for the
    muted member, who is not told."""

    muter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="mutes_made")  # fmt: skip
    muted = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="+")  # fmt: skip
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["muter", "muted"], name="social_mute_member_once"),
            models.CheckConstraint(condition=~Q(muter=F("muted")), name="social_mute_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.muter_id} mutes {self.muted_id}"


class Kind(models.TextChoices):
    FOLLOW = "follow", _("New followers")
    LIKE = "like", _("Likes on your posts")
    COMMENT = "comment", _("Comments on your posts")
    REPLY = "reply", _("Replies to your comments")
    MENTION = "mention", _("Mentions of you")
    MESSAGE = "message", _("New messages")
    # Moderators' decisions about the member (apps.moderation): told always, see NOTICES.
    REMOVED = "removed", _("Removals by moderators")
    SUSPENDED = "suspended", _("Suspensions")
    APPEAL = "appeal", _("Decisions on your appeals")


# Kinds no other member causes: the site tells the member of a decision about them. They
# cannot be switched off and no block hides them; the target row says what they read.
NOTICES = frozenset({Kind.REMOVED, Kind.SUSPENDED, Kind.APPEAL})


class Notification(models.Model):
    """One thing one member did that another should hear of. Bursts (many likes on one post)
    stay one row each and are grouped when read, so taking one back removes exactly its row."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications")  # fmt: skip
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="+")  # fmt: skip
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # The row that is the event itself (the Follow, the Like, the Comment, the post or comment
    # with the mention). Its model declares a GenericRelation to Notification, so when the
    # event is taken back or deleted, with whatever it cascades from, the notification goes.
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    # What a burst is grouped by: "post:12" for every like on post 12; "" for follows.
    about = models.CharField(max_length=40, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    read = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            # One notification per event: an edited post never mentions anyone twice.
            models.UniqueConstraint(
                fields=["recipient", "kind", "target_type", "target_id"],
                name="social_notify_once",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read"], name="social_unread_idx"),
            models.Index(fields=["recipient", "-created"], name="social_recipient_newest_idx"),
            models.Index(fields=["target_type", "target_id"], name="social_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id} from {self.actor_id}"


class MutedKind(models.Model):
    """A kind of notification a member switched off."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="muted_notifications")  # fmt: skip
    kind = models.CharField(max_length=16, choices=Kind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="social_mute_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} mutes {self.kind}"


class Digest(models.Model):
    """A member who asked for an email of their unread notifications, at most once a day,
    in their language (User.language)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                primary_key=True, related_name="notification_digest")  # fmt: skip
    last_sent = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"Digest for {self.user_id}"
