"""Content-Security-Policy on every response.

Scripts only from our own static files: no inline script or handler, no
eval, so an injected tag cannot run. Pages pass data to scripts as JSON
blocks (`json_script`), which are data, not code.

Livestreams come from hosts a chair chooses (YouTube frames, HLS or video
files on any https host), so media, frames and the fetches hls.js makes
allow any https origin; hls.js runs its worker from a blob. A view may add
sources for its own response (`response.csp_extra`), as the API docs do for
the Swagger UI bundle.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'", "https:"],
    "media-src": ["'self'", "blob:", "https:"],
    "frame-src": ["https:"],
    "worker-src": ["'self'", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

HEADER = "Content-Security-Policy"


def policy(extra: dict[str, list[str]] | None = None) -> str:
    merged = {name: list(sources) for name, sources in POLICY.items()}
    for name, sources in (extra or {}).items():
        merged.setdefault(name, ["'self'"]).extend(sources)
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in merged.items())


DEFAULT = policy()


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            extra = getattr(response, "csp_extra", None)
            response[HEADER] = policy(extra) if extra else DEFAULT
        return response
