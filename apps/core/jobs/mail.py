"""Mail leaves through the task queue, never from inside a request.

QueuedEmailBackend is the default mailer: sending a message (allauth's verification, reset
and notice mails, and ours) only stores it as a task, in the same database transaction as the
request's own writes. The worker then hands it to the "outbound" mailer (SMTP in production),
retrying with backoff while that is unreachable; a mail that finally fails stays visible to
staff in the admin (task results, status Failed) with its error. The queue holds exactly
what the mail contains, nothing more.

A mail is sent at most once per id, the id of its first task (retries carry it along): the
delivery is recorded (core.models.MailDelivery) as soon as the server has accepted the
message, before the connection is closed, and a run of a task that finds the record sends
nothing. A task run again after its worker died (jobs.lease) therefore sends the mail only if
it had not been accepted. One window remains, the worker dying between the server's
acceptance and the record's commit: the mail then goes out twice, with the same Message-ID,
derived from the mail id, so a receiver can drop the copy.
"""

import base64
import contextlib
import logging
import smtplib
import time
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.db import DatabaseError, transaction
from django.tasks import TaskContext, task
from django.utils import timezone

from apps.core.models import MailDelivery

logger = logging.getLogger(__name__)

RECORD_TRIES = 3  # to record a delivery, 1 then 2 seconds apart


class QueuedEmailBackend(BaseEmailBackend):
    """Queue each message for the worker; return at once, whatever the mail server does."""

    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            deliver_mail.enqueue(message=to_data(message))
        return len(email_messages)


def to_data(message) -> dict[str, object]:
    """The message as JSON-safe data (a task's arguments are stored as JSON)."""
    attachments = []
    for attachment in message.attachments:
        filename, content, mimetype = attachment
        raw = content.encode() if isinstance(content, str) else bytes(content)
        attachments.append([filename, base64.b64encode(raw).decode(), mimetype])
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {str(k): str(v) for k, v in (message.extra_headers or {}).items()},
        "alternatives": [
            [str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
        "attachments": attachments,
    }


def from_data(data: dict[str, object]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    for filename, content, mimetype in data["attachments"]:
        message.attach(filename, base64.b64decode(content), mimetype)
    return message


def _is_transient(error: Exception) -> bool:
    """Worth another try later: the server was unreachable, hung, or said "try again" (4xx).
    A permanent refusal (5xx, e.g. an address that does not exist) is not retried."""
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPException | OSError)


def message_id(*, mail_id: str, from_email: str) -> str:
    """The Message-ID of every copy of one mail: the same on every worker and every attempt."""
    domain = parseaddr(from_email)[1].rpartition("@")[2] or "localhost"
    return f"<{mail_id}.mail@{domain}>"


def was_delivered(*, mail_id: str) -> bool:
    return MailDelivery.objects.filter(mail_id=mail_id).exists()


def record_delivery(*, mail_id: str) -> None:
    """Note that the server accepted the mail. A short database hiccup is waited out, for a
    record that is not written lets a second run send the mail again."""
    for attempt in range(1, RECORD_TRIES + 1):
        try:
            with transaction.atomic():
                MailDelivery.objects.get_or_create(mail_id=mail_id)
            return
        except DatabaseError:
            if attempt == RECORD_TRIES:
                raise
            time.sleep(attempt)


def forget_deliveries(*, older_than: timedelta) -> int:
    """Delete the records of mails delivered long enough ago that no task of theirs runs again."""
    deleted, _ = MailDelivery.objects.filter(delivered_at__lt=timezone.now() - older_than).delete()
    return deleted


@task(takes_context=True)
def deliver_mail(context: TaskContext, *, message: dict[str, object], attempt: int = 1) -> str:
    """Send one queued mail through the outbound mailer, once. While the server is unreachable,
    try again later (MAIL_RETRY_SECONDS, four times longer each time, MAIL_MAX_ATTEMPTS in all);
    the last failure is raised, so the task result shows it as failed with its error.

    The mail's id (its first task's) travels inside `message`, not as an argument of its own,
    so a retry queued by this release is still run by a worker of the previous one during a
    rolling deploy (which ignores it). The "at most once" holds while the worker can record
    the delivery: one that dies, or loses its database for longer than the lease while its
    task is run again elsewhere, between the server's acceptance and the record sends the mail
    twice, with the same Message-ID."""
    mail_id = str(message.get("mail_id") or context.task_result.id)
    recipients = ", ".join(message["to"])
    if was_delivered(mail_id=mail_id):
        logger.info("Mail %s to %s was delivered already; not sent again", mail_id, recipients)
        return f"delivered already to {recipients}"
    email = from_data(message)
    if not any(name.lower() == "message-id" for name in email.extra_headers):
        email.extra_headers["Message-ID"] = message_id(mail_id=mail_id, from_email=email.from_email)
    mailer = mailers["outbound"]
    try:
        # One connection for the message and the goodbye: the delivery is recorded between
        # the two, as soon as the server has accepted the message.
        mailer.open()
        mailer.send_messages([email])
    except Exception as error:
        with contextlib.suppress(Exception):
            mailer.close()
        if not _is_transient(error) or attempt >= settings.MAIL_MAX_ATTEMPTS:
            logger.error("Mail to %s failed for good (attempt %s): %s", recipients, attempt, error)
            raise
        delay = timedelta(seconds=settings.MAIL_RETRY_SECONDS * 4 ** (attempt - 1))
        deliver_mail.using(run_after=timezone.now() + delay).enqueue(
            message={**message, "mail_id": mail_id}, attempt=attempt + 1
        )
        logger.warning("Mail to %s not sent (%s); trying again in %s", recipients, error, delay)
        return f"not sent ({error}); attempt {attempt + 1} in {delay}"
    try:
        record_delivery(mail_id=mail_id)
    except Exception:
        logger.exception("Mail %s to %s was sent, but its delivery could not be recorded",
                         mail_id, recipients)  # fmt: skip
        raise
    finally:
        with contextlib.suppress(Exception):
            mailer.close()  # the server has the message: a failed goodbye changes nothing
    return f"sent to {recipients}"


class ReadableConsoleBackend(ConsoleBackend):
    """For the development server: print the headers that matter and the plain-text body as
    written, instead of the raw MIME message, whose quoted-printable encoding breaks long
    lines (and so links) with `=`."""

    def write_message(self, message) -> None:
        lines = [
            f"From: {message.from_email}",
            f"To: {', '.join(message.to)}",
            f"Subject: {message.subject}",
            "",
            str(message.body),
        ]
        others = len(getattr(message, "alternatives", [])) + len(message.attachments)
        if others:
            lines.append(f"[and {others} other part(s): HTML version, attachments]")
        self.stream.write("\n".join(lines) + "\n" + "-" * 79 + "\n")
