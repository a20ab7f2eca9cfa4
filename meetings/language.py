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

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from core.language import member_language, offered
from meetings import services
from meetings.models import Member


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
