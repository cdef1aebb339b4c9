"""Push work done by the worker: a look at a member's notifications (enqueued PUSH_DELAY after
a notification or after the member went offline, through the hooks social and presence offer
and apps.py connects), the sending of what it put in the outbox, and a sweep that sends what
a lost task left there."""

import logging
from datetime import timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from apps.core.jobs.periodic import every

from . import delivery

logger = logging.getLogger(__name__)


@task
def consider_push(*, user_id: int) -> str:
    """Push the member's new unread notifications if now is the time; if it is not yet (quiet
    hours, the rate limit), look again then."""
    considered = delivery.consider(user_id=user_id)
    if considered.again is not None:
        consider_push.using(run_after=considered.again).enqueue(user_id=user_id)
    if considered.messages:
        send_pushes.enqueue(message_ids=considered.messages)
    return considered.summary


@task
def send_pushes(*, message_ids: list[int]) -> str:
    """Send these messages, each on its own: one browser's failure never holds back another's.
    A message worth another try is sent again by a task of its own, after its backoff."""
    summaries = []
    for message_id in message_ids:
        try:
            outcome = delivery.deliver(message_id=message_id)
        except Exception as error:  # the others still go; the sweep tries this one again
            logger.exception("Push message %s could not be sent", message_id)
            summaries.append(f"{message_id}: {type(error).__name__}")
            continue
        if outcome.retry_at is not None:
            send_pushes.using(run_after=outcome.retry_at).enqueue(message_ids=[message_id])
        summaries.append(f"{message_id}: {outcome.summary}")
    return "; ".join(summaries)


# Due messages a task should have sent by now: their task was lost (a worker died before
# enqueueing it) or their claim ran out (a worker died while sending).
OVERDUE = timedelta(seconds=60)


@every(seconds=10 * 60)
@task
def send_overdue_pushes() -> str:
    """Send the messages in the outbox that no task sent when they were due."""
    overdue = delivery.due_messages(overdue=OVERDUE)
    if overdue:
        send_pushes.call(message_ids=overdue)
    return f"{len(overdue)} overdue push message(s) sent or retried"


@every(seconds=24 * 60 * 60)
@task
def forget_finished_pushes() -> str:
    """Empty the outbox of messages long sent or given up on."""
    return f"{delivery.forget_finished_messages()} finished push message(s) deleted"


def ask_later(user_ids: list[int]) -> None:
    """Look at these members' notifications PUSH_DELAY from now, those with a browser
    subscribed (one query)."""
    if not delivery.is_configured():
        return
    subscribed = delivery.subscribed_among(user_ids)
    if not subscribed:
        return
    when = timezone.now() + timedelta(seconds=settings.PUSH_DELAY)
    for user_id in subscribed:
        consider_push.using(run_after=when).enqueue(user_id=user_id)


def notified(*, recipient_id: int) -> None:
    """social made a notification for this member (called once it is committed)."""
    ask_later([recipient_id])


def went_offline(*, user_ids: list[int]) -> None:
    """presence marked these members offline: what the bell showed them unread is theirs to
    be pushed now."""
    ask_later(user_ids)
