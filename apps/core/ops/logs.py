"""One JSON object a line, for log collectors (LOG_FORMAT=json, the default with DEBUG=0)."""

import json
import logging
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if status := getattr(record, "status_code", None):
            line["status"] = status
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


# Requests for a host the site does not serve: scanners send thousands. Each is one line.
UNSERVED_HOST_LOGGER = "django.security.DisallowedHost"


class OneLineWarning(logging.Filter):
    """Logged as one warning line with no traceback: the message names the host and the
    request id is added as on every line; the stack is Django's and the same every time."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
