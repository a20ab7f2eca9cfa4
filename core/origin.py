"""Whether a request came from one of this site's own pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest


def same_origin(request: HttpRequest) -> bool:
    """True unless the browser says the request came from another origin.

    Browsers send Origin on every cross-site POST (and Sec-Fetch-Site on
    every request); a client that is not a browser sends neither, and is
    not a login CSRF vector."""
    if request.META.get("HTTP_SEC_FETCH_SITE") == "cross-site":
        return False
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        return True
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parts = urlsplit(origin)
    try:
        host = request.get_host()
    except DisallowedHost:  # not ours either
        return False
    scheme = "https" if request.is_secure() else "http"
    return parts.scheme == scheme and parts.netloc == host
