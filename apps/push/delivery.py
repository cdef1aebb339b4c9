"""Web Push delivery: what a member's browsers are told of their notifications, and when.

Nothing here runs in a request. A new notification (social's `when_notified`) or a member
going offline (presence's `when_offline`) only enqueues a look, PUSH_DELAY later (tasks.py).
`consider` decides under a lock on the member's Preferences row: nothing while the member is
online on any device (the bell shows it, and going offline asks again), later in quiet hours
or within PUSH_MIN_INTERVAL of the last push, else one message per browser, written to the
outbox under a key unique per browser, so a look run twice makes it once. `deliver` sends
one message, claimed first so that two workers never both send it, and records what the push
service answered: delivered, gone (the browser's subscription is deleted at once), worth
another try later, or refused for good.
"""

import html
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import ngettext
from pywebpush import WebPushException, webpush

from apps.accounts import selectors as accounts
from apps.presence import selectors as presence
from apps.social import selectors as social
from apps.social.selectors import NotificationGroup

from . import keys
from .models import Message, MutedKind, Preferences, Subscription

logger = logging.getLogger(__name__)

TAG = "notifications"  # one notification on the device at a time: the newest replaces it
BODY_LIMIT = 600  # characters: the payload stays far below the 4096 bytes a push service takes
# A claimed message is taken back by another worker this long after its push service timed out.
CLAIM_MARGIN = timedelta(seconds=60)
RETRY_STATUSES = {429, 500, 502, 503, 504}
GONE_STATUSES = {404, 410}
# The push service refuses the subscription itself (a token it never issued, keys made for
# another VAPID key): no later message would fare better.
REFUSED_STATUSES = {400, 401, 403}
# A message's text is kept only until it is sent or given up on; the row (for the rate limit)
# a little longer.
KEEP_FINISHED = timedelta(days=2)


def is_configured() -> bool:
    """Whether the site can push (a VAPID key that reads), without which nothing is."""
    return keys.configured()


def subscribed_among(user_ids: list[int]) -> list[int]:
    """Which of these members have a browser subscribed, in one query."""
    rows = Subscription.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True)
    return sorted(set(rows))


# --- Deciding ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Considered:
    """What a look at a member's notifications did: a line for the task's result, when to look
    again (quiet hours, the rate limit), and the messages it put in the outbox."""

    summary: str
    again: datetime | None = None
    messages: list[int] = field(default_factory=list)


def consider(*, user_id: int, now: datetime | None = None) -> Considered:
    """Push the member's unread notifications made since the last look, if now is the time. A
    fixed number of queries, however many notifications and browsers there are."""
    if not is_configured():
        return Considered("push is off: no VAPID_PRIVATE_KEY")
    now = now or timezone.now()
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return Considered("no such active member")
    with transaction.atomic():
        Preferences.objects.get_or_create(user=user)
        # One look at a time per member: a second waits here, then finds the watermark moved.
        preferences = Preferences.objects.select_for_update().get(user=user)
        browsers = _signed_in_browsers(user)
        if not browsers:
            return Considered("no browser subscribed in a live session")
        if presence.online_on_any_device(user.pk, now=now):
            return Considered("online: the bell shows it")
        since = now - timedelta(seconds=settings.PUSH_MAX_AGE)
        if preferences.considered_until and preferences.considered_until > since:
            since = preferences.considered_until
        lines = social.unread_lines(
            user, since=since, until=now,
            kinds_left_out=MutedKind.objects.filter(user=user).values("kind"),
        )  # fmt: skip
        if not lines:
            return Considered("nothing new and unread")
        if (quiet_end := end_of_quiet_hours(preferences, now)) is not None:
            # At least a minute on: an end in the past (a clock set back) must not spin.
            return Considered("quiet hours", again=max(quiet_end, now + timedelta(minutes=1)))
        last = Message.objects.filter(subscription__user=user).aggregate(last=Max("created"))
        if last["last"] and (due := last["last"] + min_interval()) > now:
            return Considered("pushed a moment ago", again=due)
        watermark = min(now, max(line.latest for line in lines))
        payload = build_payload(user, lines, badge=social.unread_count(user))
        key = f"notifications:{watermark.timestamp():.6f}"
        Message.objects.bulk_create(
            [Message(subscription_id=pk, key=key, payload=payload, next_attempt=now)
             for pk in browsers],
            ignore_conflicts=True,
        )  # fmt: skip
        made = Message.objects.filter(
            subscription_id__in=browsers, key=key, state=Message.State.PENDING
        )
        messages = list(made.values_list("id", flat=True))
        Preferences.objects.filter(pk=preferences.pk).update(considered_until=watermark)
    return Considered(f"{len(lines)} line(s) for {len(messages)} browser(s)", messages=messages)


def _signed_in_browsers(user) -> list[int]:
    """The member's subscriptions made in sessions that still sign a browser in as them; the
    others are deleted. A session can end without its browser signing out (it expired, or a
    password change ended it), and the next person at that browser must not read the
    member's notifications."""
    live = {session.session_key for session in accounts.live_sessions(user=user)}
    rows = list(Subscription.objects.filter(user=user).values_list("id", "session_key"))
    if stale := [pk for pk, session_key in rows if session_key not in live]:
        Subscription.objects.filter(pk__in=stale).delete()
    return [pk for pk, session_key in rows if session_key in live]


def min_interval() -> timedelta:
    return timedelta(seconds=settings.PUSH_MIN_INTERVAL)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else ZoneInfo(settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def end_of_quiet_hours(preferences: Preferences, now: datetime) -> datetime | None:
    """When the member's quiet hours (their own clock, in their time zone) end, if `now` is
    inside them; None otherwise. Quiet hours may run over midnight (22:00 to 07:00)."""
    start, end = preferences.quiet_from, preferences.quiet_until
    if start is None or end is None or start == end:
        return None
    zone = _zone(preferences.time_zone)
    local = now.astimezone(zone)
    clock = time(local.hour, local.minute, local.second, local.microsecond)
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(UTC)


def _plain(text: str) -> str:
    return html.unescape(strip_tags(text))


def build_payload(user, lines: list[NotificationGroup], *, badge: int) -> dict[str, object]:
    """What the service worker shows, in the member's language: the newest line's sentence as
    the bell says it (with its quote, when the bell quotes something), how many other lines
    there are, where a tap goes, and the unread count for the app badge. Nothing else of the
    notifications travels."""
    newest = lines[0]
    with translation.override(user.language or settings.LANGUAGE_CODE):
        body = [_plain(newest.text)]
        if newest.excerpt:
            body.append(newest.quote)
        if others := len(lines) - 1:
            more = ngettext(
                "and %(count)s more notification", "and %(count)s more notifications", others
            )
            body.append(more % {"count": others})
        text = "\n".join(body)
        if len(text) > BODY_LIMIT:
            text = text[: BODY_LIMIT - 1] + "…"
        return {
            "title": settings.SITE_NAME,
            "body": text,
            "url": newest.link if len(lines) == 1 else reverse("social:notifications"),
            "tag": TAG,
            "badge": badge,
        }


# --- Sending ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """What one try at a message came to: a line for the task's result, and when to try again."""

    summary: str
    retry_at: datetime | None = None


def forget_finished_messages(*, now: datetime | None = None) -> int:
    """Delete the outbox rows sent or given up on more than KEEP_FINISHED ago; how many."""
    cutoff = (now or timezone.now()) - KEEP_FINISHED
    finished = Message.objects.exclude(state=Message.State.PENDING).filter(created__lt=cutoff)
    return finished.delete()[0]


def due_messages(*, overdue: timedelta = timedelta(0), limit: int = 100) -> list[int]:
    """The pending messages due at least `overdue` ago, oldest first."""
    due = Message.objects.filter(
        state=Message.State.PENDING, next_attempt__lte=timezone.now() - overdue
    )
    return list(due.order_by("next_attempt").values_list("id", flat=True)[:limit])


def _claim(message_id: int, now: datetime) -> Message | None:
    """Take the message if it is pending and due, for this worker alone: its next attempt moves
    past the push service's timeout, so another worker (or the sweep) passes it over meanwhile,
    and takes it back only if this one died."""
    message = (
        Message.objects.filter(pk=message_id, state=Message.State.PENDING, next_attempt__lte=now)
        .select_related("subscription")
        .first()
    )
    if message is None:
        return None
    lease = now + timedelta(seconds=settings.PUSH_TIMEOUT) + CLAIM_MARGIN
    claimed = Message.objects.filter(
        pk=message.pk, state=Message.State.PENDING, next_attempt=message.next_attempt
    ).update(next_attempt=lease, attempts=F("attempts") + 1)
    if not claimed:
        return None
    message.attempts += 1
    return message


def deliver(*, message_id: int) -> Delivery:
    """Send one message from the outbox to its browser's push service, unless it was sent,
    given up on, or is another worker's now."""
    if not is_configured():
        return Delivery("push is off: no VAPID_PRIVATE_KEY")
    now = timezone.now()
    message = _claim(message_id, now)
    if message is None:
        return Delivery("not due, or another worker's")
    subscription = message.subscription
    status, reason = _post(message)
    ours = Message.objects.filter(pk=message.pk, state=Message.State.PENDING)
    if status is not None and 200 <= status < 300:
        ours.update(state=Message.State.SENT, sent=timezone.now(), payload={})
        Subscription.objects.filter(pk=subscription.pk).update(last_success=timezone.now())
        return Delivery(f"delivered to {subscription}")
    if status in GONE_STATUSES | REFUSED_STATUSES:
        # The browser unsubscribed, or the push service forgot or never knew it: it will
        # never take one.
        Subscription.objects.filter(pk=subscription.pk).delete()
        logger.info("Push subscription %s is gone (%s); deleted", subscription.pk, status)
        return Delivery(f"{subscription} is gone ({status}); subscription deleted")
    transient = status is None or status in RETRY_STATUSES
    if transient and message.attempts < settings.PUSH_MAX_ATTEMPTS:
        retry_at = timezone.now() + _backoff(message.attempts, reason if status == 429 else "")
        ours.update(next_attempt=retry_at)
        logger.warning("Push to subscription %s not delivered (%s %s); attempt %s at %s",
                       subscription.pk, status, reason, message.attempts + 1, retry_at)  # fmt: skip
        return Delivery(f"not delivered ({status or reason}); next attempt at {retry_at}",
                        retry_at=retry_at)  # fmt: skip
    ours.update(state=Message.State.FAILED, payload={})
    logger.error("Push to subscription %s failed for good after %s attempt(s): %s %s",
                 subscription.pk, message.attempts, status, reason)  # fmt: skip
    return Delivery(f"failed for good ({status or reason})")


def _backoff(attempts: int, retry_after: str) -> timedelta:
    """PUSH_RETRY_SECONDS, four times longer after each try, or longer if the push service
    asked for it (Retry-After in seconds, with a 429)."""
    delay = settings.PUSH_RETRY_SECONDS * 4 ** (attempts - 1)
    if retry_after.isdigit():
        delay = max(delay, min(int(retry_after), 24 * 60 * 60))
    return timedelta(seconds=delay)


def _post(message: Message) -> tuple[int | None, str]:
    """Encrypt the payload for the browser and hand it to its push service; return the status
    it answered (None if it could not be reached or did not answer in PUSH_TIMEOUT seconds)
    and, for a 429, its Retry-After, else what went wrong."""
    subscription = message.subscription
    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    try:
        response = webpush(
            info,
            json.dumps(message.payload, ensure_ascii=False, separators=(",", ":")),
            vapid_private_key=keys.vapid(),
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=settings.PUSH_TTL,
            timeout=settings.PUSH_TIMEOUT,
            headers={"Urgency": "normal", "Topic": message.payload.get("tag", TAG)},
        )
    except WebPushException as error:
        if error.response is None:
            return None, str(error)[:200]
        if error.response.status_code == 429:
            return 429, error.response.headers.get("Retry-After", "")
        return error.response.status_code, (error.response.text or "")[:200]
    except requests.RequestException as error:
        return None, type(error).__name__
    return response.status_code, ""
