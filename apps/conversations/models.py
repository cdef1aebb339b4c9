"""Private conversations between members: two of them, or a small group.

A conversation's members are its `Participant` rows; each keeps where that member has read
to, whether the conversation waits in their Requests, and what they cleared for themselves.
Messages are plain text with an optional image stored under the private prefix, served only
to the conversation's members (`views.message_image`). Messages are not end-to-end encrypted:
the site stores them as written, and the pages say so.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TEXT_MAX_LENGTH = 5000
TITLE_MAX_LENGTH = 80
# A group is at most this many members, the starter included.
GROUP_MAX_MEMBERS = 10
# A message may be deleted for everyone within this many seconds of sending it.
DELETE_FOR_EVERYONE_SECONDS = 3600
# Message images live here, under the conversation's id, where nothing public serves them
# (the media view's names cannot reach it, nginx refuses it, a public bucket policy leaves it
# out): `private/messages/<conversation id>/<random>.webp`.
IMAGE_PREFIX = "private/messages/"


class Conversation(models.Model):
    # Whoever started it: in a group, the one member who may add others. Kept (as NULL) when
    # their account is deleted; the group goes on.
    starter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                related_name="+")  # fmt: skip
    is_group = models.BooleanField(default=False)
    # A group's name, as its starter wrote it; "" shows the members' names.
    title = models.CharField(max_length=TITLE_MAX_LENGTH, blank=True)
    # A conversation of two is found again by its pair ("<lower id>:<higher id>"), so two
    # members have one conversation, however often either starts one. NULL for groups.
    pair = models.CharField(max_length=41, null=True, blank=True, unique=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    # The newest message (its id and time), kept here so the list and the unread counts need
    # not look through the messages.
    last_message_id = models.BigIntegerField(default=0, editable=False)
    last_message_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"Conversation {self.pk}"

    def get_absolute_url(self) -> str:
        return f"/messages/{self.pk}/"


class Participant(models.Model):
    """One member of one conversation, and where that member is in it."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="participants")  # fmt: skip
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="conversation_memberships")  # fmt: skip
    joined = models.DateTimeField(default=timezone.now, editable=False)
    # False while the conversation waits in this member's Requests (someone they do not
    # follow wrote first); accepting, or replying, makes it True.
    accepted = models.BooleanField(default=True)
    # Read up to this message id, and when (the "Seen" others are shown, unless this member
    # hides their online status).
    last_read_id = models.BigIntegerField(default=0)
    last_read_at = models.DateTimeField(null=True, blank=True)
    # Hidden for this member: messages up to this id are gone from their view. The
    # conversation leaves their list until a newer message arrives.
    cleared_id = models.BigIntegerField(default=0)
    # When this member left the group (they see nothing newer, and may not write); NULL while
    # they are in it.
    left = models.DateTimeField(null=True, blank=True)
    # The conversation's newest message time, copied here so that a member's list is one
    # index range (participant rows are few per conversation: at most GROUP_MAX_MEMBERS).
    sorted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="conversations_participant_once"
            ),
        ]
        indexes = [
            # A member's list (and Requests), newest first, paged by keyset.
            models.Index(
                fields=["user", "accepted", "-sorted_at", "-id"],
                name="conversations_list_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id}"


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="messages")  # fmt: skip
    # NULL once the sender's account is deleted: the others keep the message, from
    # "deleted member".
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+")  # fmt: skip
    text = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    # Re-encoded by apps.core.uploads.images, under IMAGE_PREFIX; never a public address.
    image = models.ImageField(upload_to=IMAGE_PREFIX, blank=True, max_length=200,
                              width_field="image_width", height_field="image_height")  # fmt: skip
    image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_alt = models.CharField(_("image description"), max_length=300, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    # Deleted for everyone by its sender: the text and image are gone, a placeholder stays.
    deleted = models.DateTimeField(null=True, blank=True, editable=False)
    # The random token of the composer that sent it: the same send, retried, is one message.
    client_token = models.UUIDField(null=True, blank=True, editable=False)
    # What the message told the other members goes with it (a conversation nobody is left in).
    notifications = GenericRelation(
        "social.Notification", content_type_field="target_type", object_id_field="target_id"
    )

    class Meta:
        indexes = [
            models.Index(fields=["conversation", "id"], name="conversations_thread_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "conversation", "client_token"],
                name="conversations_message_once_per_client_token",
            ),
            models.CheckConstraint(
                condition=~Q(text="") | ~Q(image="") | Q(deleted__isnull=False),
                name="conversations_message_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} in {self.conversation_id}"

    def get_absolute_url(self) -> str:
        return f"/messages/{self.conversation_id}/#message-{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted is not None


class WhoMayWrite(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    FOLLOWED = "followed", _("Only people I follow")
    NOBODY = "nobody", _("Nobody")


class Preferences(models.Model):
    """Who may start a conversation with the member. No row: everyone."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                primary_key=True, related_name="message_preferences")  # fmt: skip
    who_may_write = models.CharField(max_length=16, choices=WhoMayWrite.choices,
                                     default=WhoMayWrite.EVERYONE)  # fmt: skip

    def __str__(self) -> str:
        return f"{self.user_id}: {self.who_may_write}"
