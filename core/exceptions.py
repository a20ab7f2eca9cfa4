"""Domain errors. Entry points map them: HTTP status, WebSocket error frame, CLI exit."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the request; nothing was written."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotLoggedIn(DomainError):
    """No session, where one is needed (an entry point that has no login of its own)."""

    status = 401
    code = "not_logged_in"


class InvalidInput(DomainError):
    status = 400
    code = "invalid"


class NotAllowed(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The request clashes with the current state (wrong status, already done)."""

    status = 409
    code = "conflict"
