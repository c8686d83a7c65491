"""Structured logs: one JSON object per line, with the request id of the request being
served. Request bodies, article text and SQL parameters never reach a log line (the
engines hide SQL parameters; the access line names the route, not the body)."""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

_CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# LogRecord's own attributes: anything else on a record came as `extra=` and is logged
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's terminal copy of the message
}


def new_request_id(offered: str | None) -> str:
    """The client's X-Request-ID when it is a plain token, else a new one."""
    if offered and _CLIENT_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = request_id.get()
        if current is not None:
            entry["request_id"] = current
        entry.update((k, v) for k, v in vars(record).items() if k not in _STANDARD)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def log_config(level: str = "INFO") -> dict:
    """For uvicorn's ``log_config``: every logger as JSON on stderr; uvicorn's own
    access line is off (the service writes its own, with the request id)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"level": level.upper()},
            "uvicorn.access": {"level": "WARNING", "propagate": False},
            "trafilatura": {"level": "CRITICAL"},  # a client's bad HTML is not our error
        },
    }
