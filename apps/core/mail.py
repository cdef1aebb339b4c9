"""Mail for people reading a terminal: the development server prints each message readably."""

from django.core.mail.backends.console import EmailBackend


class ReadableConsoleBackend(EmailBackend):
    """Print the headers that matter and the plain-text body as written, instead of the raw
    MIME message, whose quoted-printable encoding breaks long lines (and so links) with `=`."""

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
