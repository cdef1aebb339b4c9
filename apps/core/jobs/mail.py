"""Mail leaves through the task queue, never from inside a request.

QueuedEmailBackend is the default mailer: sending a message (allauth's verification, reset
and notice mails, and ours) only stores it as a task, in the same database transaction as the
request's own writes. The worker then hands it to the "outbound" mailer (SMTP in production),
retrying with backoff while that is unreachable; a mail that finally fails stays visible to
staff in the admin (task results, status Failed) with its error. The queue holds exactly
what the mail contains, nothing more.
"""

import base64
import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger(__name__)


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


@task
def deliver_mail(*, message: dict[str, object], attempt: int = 1) -> str:
    """Send one queued mail through the outbound mailer. While the server is unreachable, try
    again later (MAIL_RETRY_SECONDS, four times longer each time, MAIL_MAX_ATTEMPTS in all);
    the last failure is raised, so the task result shows it as failed with its error."""
    recipients = ", ".join(message["to"])
    try:
        mailers["outbound"].send_messages([from_data(message)])
    except Exception as error:
        if not _is_transient(error) or attempt >= settings.MAIL_MAX_ATTEMPTS:
            logger.error("Mail to %s failed for good (attempt %s): %s", recipients, attempt, error)
            raise
        delay = timedelta(seconds=settings.MAIL_RETRY_SECONDS * 4 ** (attempt - 1))
        deliver_mail.using(run_after=timezone.now() + delay).enqueue(
            message=message, attempt=attempt + 1
        )
        logger.warning("Mail to %s not sent (%s); trying again in %s", recipients, error, delay)
        return f"not sent ({error}); attempt {attempt + 1} in {delay}"
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
