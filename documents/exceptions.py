"""Errors of the documents app, on top of meetings.exceptions."""

from __future__ import annotations

from meetings.exceptions import DomainError


class NotLoggedIn(DomainError):
    """A file that is not public, asked for without a session."""

    status = 401
    code = "not_logged_in"


class FileRefused(DomainError):
    """The upload is not a PDF we accept (its `code` says why)."""

    status = 400
    code = "invalid_file"


class FileTooLarge(DomainError):
    status = 413
    code = "too_large"
