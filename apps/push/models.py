"""Web Push: the browsers a member asked to be told in, what they want pushed and when not,
and every message the worker owes a browser (its outbox)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.social.models import Kind


class Subscription(models.Model):
    """One browser's push subscription (PushSubscription.toJSON()): where the push service
    takes messages for it and the keys they are encrypted with (RFC 8291)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="push_subscriptions")  # fmt: skip
    endpoint = models.URLField(max_length=1024, unique=True)
    p256dh = models.CharField(max_length=128)  # the browser's public key, base64url
    auth = models.CharField(max_length=64)  # the shared authentication secret, base64url
    device = models.CharField(max_length=120, blank=True)  # "Chrome on Android"
    # The session that subscribed: ending it (signing out there, or from the sessions page)
    # ends the subscription with it.
    session_key = models.CharField(max_length=40, blank=True, db_index=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_success = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        indexes = [models.Index(fields=["user", "-created"], name="push_subscriptions_idx")]

    def __str__(self) -> str:
        return f"{self.device or 'A browser'} of {self.user_id}"


class Preferences(models.Model):
    """A member's push settings, made the first time they change one: quiet hours in their
    own time zone (the browser's, recorded when they subscribe or save), and the watermark of
    what was already considered for a push."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                primary_key=True, related_name="push_preferences")  # fmt: skip
    quiet_from = models.TimeField(null=True, blank=True)
    quiet_until = models.TimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    # Notifications made before this moment have been pushed or passed over.
    considered_until = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"Push settings of {self.user_id}"


class MutedKind(models.Model):
    """A kind of notification a member does not want pushed (the bell still shows it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="muted_push_kinds")  # fmt: skip
    kind = models.CharField(max_length=16, choices=Kind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="push_mute_kind_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} gets no push for {self.kind}"


class Message(models.Model):
    """A message owed to one subscription: made once (the `key` says for what), sent by the
    worker, tried again with backoff on a push service's 5xx or 429, and never sent again
    once the push service took it."""

    class State(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"  # gave up: too many tries, or refused for good

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE,
                                     related_name="messages")  # fmt: skip
    key = models.CharField(max_length=64)  # what it is for; one message per key and browser
    payload = models.JSONField()  # {"title", "body", "url", "tag", "badge"}
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt = models.DateTimeField(default=timezone.now)
    created = models.DateTimeField(default=timezone.now, editable=False)
    sent = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscription", "key"], name="push_message_once"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt"], name="push_due_idx")]

    def __str__(self) -> str:
        return f"{self.key} to {self.subscription_id} ({self.state})"
