"""Which language a request or a socket speaks: the rule, as a reader of a
member's preference, a cookie and Accept-Language. meetings.language applies
it to pages (a middleware that also stores the member's choice).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.utils import translation


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
