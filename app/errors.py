"""The one error hierarchy: every error a client sees is an AppError."""

from __future__ import annotations


class AppError(Exception):
    status: int = 400
    kind: str = "BadRequest"

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class InvalidInput(AppError):
    status = 422
    kind = "InvalidInput"


class NotFound(AppError):
    status = 404
    kind = "NotFound"


class Conflict(AppError):
    status = 409
    kind = "Conflict"


class PayloadTooLarge(AppError):
    status = 413
    kind = "PayloadTooLarge"


class NotReady(AppError):
    status = 503
    kind = "NotReady"
