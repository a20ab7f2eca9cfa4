"""The projector's key, kept in a cookie rather than in URLs.

A projector link (`/projector/<token>/`) is opened once: the page view puts
the token in this cookie and redirects to `/meetings/<id>/projector/`. From
then on the page, its socket (`?as=projector`), its HTTP follow and its page
images carry the token in the cookie: never in a URL that access logs,
proxies or browser history keep. One browser shows one projector at a time.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.http import HttpResponse

PROJECTOR_COOKIE = "projector"
# A congress lasts days; the link can always be opened again.
PROJECTOR_COOKIE_AGE = 7 * 24 * 3600
# The non-secret query parameter (`?as=projector`) by which the projector's
# socket and follow requests ask to be served as the projector, so that a
# chair's own pages in the same browser stay the chair's.
AS_PROJECTOR = "projector"


def set_projector_cookie(response: HttpResponse, token: str) -> None:
    response.set_cookie(
        PROJECTOR_COOKIE,
        token,
        max_age=PROJECTOR_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def projector_cookie(cookies: Mapping[str, str]) -> str | None:
    """The projector token this browser holds, if any."""
    return (cookies.get(PROJECTOR_COOKIE) or "").strip() or None
