"""Errors of the documents app, on top of core.exceptions."""

from __future__ import annotations

from core.exceptions import DomainError


class FileRefused(DomainError):
    """The upload is not a PDF we accept (its `code` says why)."""

    status = 400
    code = "invalid_file"


class FileTooLarge(DomainError):
    status = 413
    code = "too_large"


class PageNotRendered(DomainError):
    """A page PDFium cannot render (or only beyond our limits)."""

    status = 409
    code = "page_not_rendered"
