"""API keys and per-key rate limits, as route dependencies.

Keys come from ``STORY_API_KEYS`` (``scope:key`` entries, scope ``read`` or ``write``; a
write key may also read). With keys set, a request needs ``Authorization: Bearer <key>``
(reads too, unless ``STORY_READS_NEED_KEY=false``); with none set the service is open.
Keys are compared in constant time and never logged.
"""

from __future__ import annotations

import hmac
import math
import threading
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.config import Settings
from app.errors import Forbidden, RateLimited, Unauthorized

_bearer = HTTPBearer(auto_error=False, description="An API key from STORY_API_KEYS.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


@dataclass(frozen=True)
class Caller:
    key_name: str | None  # "read#1", "write#2", ...: never the key itself
    scope: str | None


def key_scope(settings: Settings, presented: str) -> tuple[str, str] | None:
    """(name, scope) of the configured key equal to ``presented``. Every key is
    compared, each in constant time, so the time taken says nothing of which matched."""
    found = None
    for name, (scope, key) in settings.api_key_entries().items():
        if hmac.compare_digest(key.encode(), presented.encode()):
            found = (name, scope)
    return found


def _caller(request: Request, credentials: Credentials, needs: str) -> Caller:
    settings: Settings = request.app.state.settings
    if not settings.api_key_entries():
        return Caller(None, None)  # open service
    if credentials is None or credentials.scheme.lower() != "bearer":
        if needs == "read" and not settings.reads_need_key:
            return Caller(None, None)
        raise Unauthorized("this service needs an API key: Authorization: Bearer <key>")
    matched = key_scope(settings, credentials.credentials)
    if matched is None:
        raise Unauthorized("the API key is not valid")
    name, scope = matched
    if needs == "write" and scope != "write":
        raise Forbidden("this key may only read")
    request.app.state.rate_limiter.spend(name)
    return Caller(name, scope)


def can_read(request: Request, credentials: Credentials) -> Caller:
    return _caller(request, credentials, "read")


def can_write(request: Request, credentials: Credentials) -> Caller:
    return _caller(request, credentials, "write")


READS = [Depends(can_read)]
WRITES = [Depends(can_write)]


class RateLimiter:
    """A token bucket per key, in this process: ``per_minute`` requests a minute with
    bursts up to that many. (Several worker processes each keep their own buckets.)"""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.buckets: dict[str, tuple[float, float]] = {}  # key name -> (tokens, at)
        self.lock = threading.Lock()

    def spend(self, name: str) -> None:
        if self.per_minute <= 0:
            return
        rate = self.per_minute / 60.0
        now = time.monotonic()
        with self.lock:
            tokens, at = self.buckets.get(name, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - at) * rate)
            if tokens < 1.0:
                self.buckets[name] = (tokens, now)
                raise RateLimited(
                    f"more than {self.per_minute} requests a minute with this key",
                    retry_after=max(1, math.ceil((1.0 - tokens) / rate)),
                )
            self.buckets[name] = (tokens - 1.0, now)
