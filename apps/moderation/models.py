"""Reports members file, suspensions, and the audit log of what moderators did about them."""

from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NOTE_MAX_LENGTH = 1000


class Reason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    ABUSE = "abuse", _("Harassment or hate")
    VIOLENCE = "violence", _("Violence or threats")
    SEXUAL = "sexual", _("Sexual content")
    PRIVACY = "privacy", _("Someone's private information")
    OTHER = "other", _("Something else")


class Action(models.TextChoices):
    DISMISS = "dismiss", _("Dismissed the reports")
    REMOVE = "remove", _("Removed the content")
    SUSPEND = "suspend", _("Suspended the member")
    REINSTATE = "reinstate", _("Lifted the suspension")
    ERASE = "erase", _("Deleted permanently")
    UPHOLD = "uphold", _("Upheld a decision on appeal")
    RESTORE = "restore", _("Reversed a decision on appeal")
    APPROVE = "approve", _("Accepted an application to join")
    REFUSE = "refuse", _("Turned down an application to join")


# A report is about exactly one of these.
REPORTED_FIELDS = ("post", "comment", "member", "message")


def _only(name: str) -> Q:
    return Q(**{f"{field}__isnull": field != name for field in REPORTED_FIELDS})


class Report(models.Model):
    """One member's report of one thing: a post, a comment, a profile or a message in a
    conversation (exactly one is set). A report goes with the thing it is about, and with its
    reporter's account. A message is quoted as it was reported (its text, and a copy of its
    image only moderators and its sender can open), so that deleting it for everyone does not
    take from moderators what they are asked to judge."""

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="reports_filed")  # fmt: skip
    post = models.ForeignKey("feed.Post", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+")  # fmt: skip
    comment = models.ForeignKey("feed.Comment", on_delete=models.CASCADE, null=True,
                                blank=True, related_name="+")  # fmt: skip
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True,
                               blank=True, related_name="reports_about")  # fmt: skip
    message = models.ForeignKey("conversations.Message", on_delete=models.CASCADE, null=True,
                                blank=True, related_name="+")  # fmt: skip
    # The reported message as it was: its text, and its image copied under
    # moderated/<sender id>/reports/ (apps.core.uploads.moderated), deleted with the report.
    quoted_text = models.TextField(blank=True, editable=False)
    quoted_image = models.ImageField(blank=True, max_length=200, editable=False)
    quoted_image_alt = models.CharField(max_length=300, blank=True, editable=False)
    reason = models.CharField(max_length=20, choices=Reason)
    note = models.TextField(max_length=NOTE_MAX_LENGTH, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    # Set when a moderator acts on the thing; open reports are the queue.
    resolved = models.DateTimeField(null=True, blank=True, editable=False)
    resolution = models.CharField(max_length=20, choices=Action, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=reduce(or_, (_only(name) for name in REPORTED_FIELDS)),
                name="moderation_report_one_thing",
            ),
            models.UniqueConstraint(
                fields=["reporter", "post"],
                condition=Q(post__isnull=False),
                name="moderation_report_post_once",
            ),
            models.UniqueConstraint(
                fields=["reporter", "comment"],
                condition=Q(comment__isnull=False),
                name="moderation_report_comment_once",
            ),
            models.UniqueConstraint(
                fields=["reporter", "member"],
                condition=Q(member__isnull=False),
                name="moderation_report_member_once",
            ),
            models.UniqueConstraint(
                fields=["reporter", "message"],
                condition=Q(message__isnull=False),
                name="moderation_report_message_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created"],
                condition=Q(resolved__isnull=True),
                name="moderation_report_open_idx",
            ),
        ]
        permissions = [("moderate", "Can act on reports and suspend members")]

    def __str__(self) -> str:
        return f"Report {self.pk} by {self.reporter_id}"


class Suspension(models.Model):
    """A member suspended by moderators; the row goes when the suspension is lifted (the audit
    log keeps both)."""

    member = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="suspension")  # fmt: skip
    since = models.DateTimeField(default=timezone.now, editable=False)
    reason = models.TextField(max_length=NOTE_MAX_LENGTH)
    # When the member was last mailed why, after a login refused them (services.remind).
    reminded = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-since"]

    def __str__(self) -> str:
        return f"Suspension of {self.member_id}"


class AppendOnly(models.QuerySet):
    def update(self, **kwargs: object) -> int:
        raise TypeError("The audit log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit log is append-only.")


class AuditEntry(models.Model):
    """What a moderator did, to whom, when and why. Rows are only ever added: the model, its
    queryset and the admin refuse changes and deletions. Names are copied, so an entry still
    reads right after either account is deleted (the links then go). The time is the
    database's own: whatever a caller passes is not sent."""

    created = models.DateTimeField(db_default=Now(), editable=False, db_index=True)
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, related_name="+")  # fmt: skip
    moderator_name = models.CharField(max_length=150)
    action = models.CharField(max_length=20, choices=Action)
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                null=True, related_name="+")  # fmt: skip
    subject_name = models.CharField(max_length=150)
    # What it was about, as moderators saw it: "post 12 “Title”", "comment 5", "profile",
    # "message 9 in conversation 3".
    target = models.CharField(max_length=200)
    # The post or comment it was about, while it exists: what an appeal would bring back.
    post = models.ForeignKey("feed.Post", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")  # fmt: skip
    comment = models.ForeignKey("feed.Comment", on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="+")  # fmt: skip
    # The message in a conversation it was about, while it exists (never brought back: a
    # removed message is deleted for everyone).
    message = models.ForeignKey("conversations.Message", on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="+")  # fmt: skip
    reason = models.TextField(max_length=NOTE_MAX_LENGTH)
    reports_closed = models.PositiveIntegerField(default=0)

    objects = AppendOnly.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.moderator_name} {self.action} {self.subject_name}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding or self.pk is not None:
            raise TypeError("The audit log is append-only.")
        self.created = Now()  # never back-dated: the database's clock (read back on insert)
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit log is append-only.")


class Appeal(models.Model):
    """A member asking moderators to look again at a removal or a suspension: one per decision
    (the audit entry that recorded it). Decided once, by upholding or reversing it; the
    decision is an audit entry of its own."""

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("Upheld")
        REVERSED = "reversed", _("Reversed")

    entry = models.OneToOneField(AuditEntry, on_delete=models.PROTECT, related_name="appeal")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="appeals")  # fmt: skip
    text = models.TextField(max_length=NOTE_MAX_LENGTH)
    created = models.DateTimeField(default=timezone.now, editable=False)
    decided = models.DateTimeField(null=True, blank=True, editable=False)
    outcome = models.CharField(max_length=10, choices=Outcome, blank=True, editable=False)
    decision = models.OneToOneField(AuditEntry, on_delete=models.PROTECT, null=True,
                                    blank=True, editable=False, related_name="+")  # fmt: skip
    # The notification telling the member the outcome goes with the appeal.
    notifications = GenericRelation(
        "social.Notification", content_type_field="target_type", object_id_field="target_id"
    )

    class Meta:
        ordering = ["created", "id"]
        indexes = [
            models.Index(
                fields=["created"],
                condition=Q(decided__isnull=True),
                name="moderation_appeal_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Appeal {self.pk} of entry {self.entry_id}"
