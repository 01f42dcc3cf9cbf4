from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A business rule refused an operation. The message is shown to the user as is (Chinese)."""

    status_code = 400

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class ConflictError(ApplicationError):
    status_code = 409
