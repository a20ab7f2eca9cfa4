"""The database cannot be reached: answer 503 with a clear message and
Retry-After, at every entry point, instead of a 500 or a bare socket close.

A lost connection (PostgreSQL restarted, its connections killed, the pool
unable to connect within its timeout) surfaces as Django's OperationalError
or InterfaceError. Nothing the request tried to write was committed when
that is raised before the commit; a ballot re-sent with the same receipt
code is idempotent either way, so a retry is always safe.

Entry points: REST (core.api.errors maps it), pages (the middleware below,
and `server_error` for a failure inside another middleware, such as reading
the session), the meeting socket (an error frame, then close code 1013) and
the HTTP follow endpoint (live.follow).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views import defaults

from core.exceptions import DomainError

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 5


class ServiceUnavailable(DomainError):
    status = 503
    code = "unavailable"


def database_down(exc: BaseException) -> bool:
    """True for the errors a lost or unreachable database raises."""
    return isinstance(exc, OperationalError | InterfaceError)


def live_layer_down(exc: BaseException) -> bool:
    """True for the errors an unreachable channel layer (Redis) raises:
    redis-py's ConnectionError and TimeoutError, or the OSError beneath."""
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # the embedded default runs without redis-py
        return isinstance(exc, OSError)
    return isinstance(exc, RedisConnectionError | RedisTimeoutError | OSError)


def live_unavailable() -> ServiceUnavailable:
    error = ServiceUnavailable(
        _("The server cannot reach its live updates just now. Reconnecting in a few seconds.")
    )
    error.code = "live_unavailable"
    return error


def unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        _("The server cannot reach its database just now. Try again in a few seconds.")
    )


def retry_headers() -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}


def response_503(request: HttpRequest) -> HttpResponse:
    """JSON for the API and for clients asking for JSON, else a small page.

    Built without templates or context processors: those may read the
    session, and so the database."""
    error = unavailable()
    if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
        return JsonResponse(
            {"detail": error.message, "code": error.code}, status=503, headers=retry_headers()
        )
    title = _("Temporarily unavailable")
    page = format_html(
        '<!doctype html><html lang="{}" dir="{}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>{}</title></head><body><main><h1>{}</h1><p>{}</p></main></body></html>",
        translation.get_language() or "en",
        "rtl" if translation.get_language_bidi() else "ltr",
        title,
        title,
        error.message,
    )
    return HttpResponse(page, status=503, headers=retry_headers())


class DatabaseUnavailableMiddleware:
    """A view that lost the database answers 503, not 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not database_down(exception):
            return None
        logger.warning(
            "Database unreachable: %s %s answered 503 (%s)", request.method, request.path, exception
        )
        return response_503(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the database lost inside a middleware (reading or saving
    the session, the member's language) answers 503; anything else is
    Django's plain 500."""
    exc = sys.exc_info()[1]
    if exc is not None and database_down(exc):
        return response_503(request)
    return defaults.server_error(request)
