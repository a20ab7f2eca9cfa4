"""Which language a request or a socket speaks.

The rule, the same for pages, the REST API, socket error frames and PDFs:

- a logged-in member: their preferred language (Member.preferred_language);
- before logging in: the language chosen with the switcher (Django's language
  cookie), then the browser's Accept-Language, then settings.LANGUAGE_CODE;
- the switcher sets the cookie and, when logged in, the preference;
- a language chosen with the switcher before logging in becomes the member's
  preference when they log in, so the page does not change language under them.

LocaleMiddleware (before AuthenticationMiddleware) does the anonymous part;
MemberLanguageMiddleware (after it) overrides it for members.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from meetings import services
from meetings.models import Member


def offered(language: str | None) -> str | None:
    """`language` when it is one of settings.LANGUAGES, else None."""
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else None


def member_language(user: Any) -> str | None:
    """A logged-in member's preferred language; None for anyone else."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return offered(getattr(user, "preferred_language", None))


def scope_language(scope: dict[str, Any]) -> str:
    """The language of a WebSocket connection, by the same rule as a page:
    the member's preference, else the handshake's language cookie, else its
    Accept-Language. Needs the scope's cookies, and its user, which the
    meeting socket sets when it connects."""
    preferred = member_language(scope.get("user"))
    if preferred:
        return preferred
    headers = {name.lower(): value for name, value in scope.get("headers", [])}
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    # get_language_from_request reads only COOKIES and META without path checks.
    request = SimpleNamespace(
        COOKIES=scope.get("cookies") or {}, META={"HTTP_ACCEPT_LANGUAGE": accept}
    )
    return translation.get_language_from_request(request, check_path=False)  # type: ignore[arg-type]


class MemberLanguageMiddleware:
    """A logged-in member's preference wins over the cookie and the browser.
    Place after LocaleMiddleware and AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        was_anonymous = user is None or not user.is_authenticated
        preferred = member_language(user)
        if preferred:
            translation.activate(preferred)
            request.LANGUAGE_CODE = preferred
        response = self.get_response(request)
        if was_anonymous:
            self._adopt_choice_at_login(request)
        return response

    @staticmethod
    def _adopt_choice_at_login(request: HttpRequest) -> None:
        """This request logged someone in: the language they chose with the
        switcher before (the cookie) becomes their preference."""
        user = getattr(request, "user", None)
        chosen = offered(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
        if chosen and isinstance(user, Member) and member_language(user) != chosen:
            services.member_language_set(actor=user, language=chosen)
