"""The one application error type (contract §16). Apps subclass it with their codes."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """An expected failure that leaves as the contract's error envelope."""

    status_code: int = 400
    code: str = "BAD_REQUEST"
    default_message: str = "Bad request"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        if code:
            self.code = code
        if status:
            self.status_code = status
        self.details = details
        self.headers = headers or {}
        super().__init__(self.message)


class BadRequest(ApplicationError):
    status_code, code = 400, "BAD_REQUEST"


class ValidationFailed(ApplicationError):
    """Field/query/header validation; ``details`` maps each wire name to one message."""

    status_code, code, default_message = 400, "VALIDATION_ERROR", "Validation failed"

    def __init__(self, details: dict[str, str]) -> None:
        super().__init__(details=details)
