"""The one error hierarchy: every error a client sees is an AppError."""

from __future__ import annotations


class AppError(Exception):
    status: int = 400
    kind: str = "BadRequest"

    def __init__(self, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers  # sent with the error (WWW-Authenticate, Retry-After)


class InvalidInput(AppError):
    status = 422
    kind = "InvalidInput"


class Unauthorized(AppError):
    status = 401
    kind = "Unauthorized"

    def __init__(self, message: str) -> None:
        super().__init__(message, {"WWW-Authenticate": "Bearer"})


class Forbidden(AppError):
    status = 403
    kind = "Forbidden"


class RateLimited(AppError):
    status = 429
    kind = "RateLimited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, {"Retry-After": str(retry_after)})


class NotFound(AppError):
    status = 404
    kind = "NotFound"


class Conflict(AppError):
    status = 409
    kind = "Conflict"


class PayloadTooLarge(AppError):
    status = 413
    kind = "PayloadTooLarge"


# Seconds a client is asked to wait before retrying while the database is unavailable.
RETRY_AFTER_S = 5


class Unavailable(AppError):
    """The database did not answer (a lost, refused or timed-out connection)."""

    status = 503
    kind = "Unavailable"

    def __init__(self, message: str = "the database is unavailable") -> None:
        super().__init__(message, {"Retry-After": str(RETRY_AFTER_S)})


class NotReady(AppError):
    status = 503
    kind = "NotReady"
