"""Map every API error to JSON: {"detail": human message, "code": machine code}.

Validation errors add "errors": the messages per field.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import DomainError
from core.unavailable import database_down, retry_headers, unavailable


def _first_message(detail: Any, field: str | None = None) -> str:
    """The first message in a (possibly nested) validation error, with its field."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = None if key == "non_field_errors" else str(key)
            return _first_message(value, field if name is None else name)
    elif isinstance(detail, list):
        for value in detail:
            return _first_message(value, field)
    message = str(detail)
    return f"{field}: {message}" if field else message


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if database_down(exc):
        error = unavailable()
        return Response(
            {"detail": error.message, "code": error.code}, status=503, headers=retry_headers()
        )
    if isinstance(exc, DomainError):
        refusal = Response({"detail": exc.message, "code": exc.code}, status=exc.status)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            refusal["Retry-After"] = str(retry_after)
        return refusal
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {
            "detail": _first_message(detail) or _("The request is not valid."),
            "code": "invalid",
            "errors": detail,
        }
    else:
        code = getattr(exc.detail, "code", None) or exc.default_code
        response.data = {"detail": _first_message(exc.detail), "code": code}
    return response
