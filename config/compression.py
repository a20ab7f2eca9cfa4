"""Fewer bytes on weak networks: gzip for text responses and static files,
and cache headers for static files served by the app itself (SERVE_STATIC).

Behind nginx in production, nginx serves STATIC_ROOT and should do the same
(gzip on; gzip_types text/css text/javascript application/json).
"""

from __future__ import annotations

import functools
import gzip
import re
from pathlib import Path

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers

ACCEPTS_GZIP = re.compile(r"\bgzip\b")
TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")


def compressible(content_type: str) -> bool:
    return content_type.startswith(TEXT_TYPES) or "+json" in content_type


class TextGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware (which pads against BREACH) for text only:
    page images, PDFs and archives are compressed already."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not compressible(response.get("Content-Type", "")):
            return response
        return super().process_response(request, response)


@functools.lru_cache(maxsize=256)
def _gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    """A static file's gzip, kept per (path, modification time, size)."""
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)


def finish_static(
    request: HttpRequest, response: HttpResponse | FileResponse
) -> HttpResponse | FileResponse:
    """Cache headers for a static file and, where the browser takes it, its gzip.

    The names carry no version, so a browser revalidates each time (a 304 of a
    few hundred bytes); an upgrade can never leave it with a mix of old and
    new modules."""
    response["Cache-Control"] = "no-cache"
    content_type = response.get("Content-Type", "")
    if response.status_code != 200 or not compressible(content_type):
        return response
    patch_vary_headers(response, ["Accept-Encoding"])
    source = getattr(response, "file_to_stream", None)
    if not isinstance(response, FileResponse) or source is None:
        return response
    if not ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")):
        return response
    path = Path(source.name)
    stat = path.stat()
    compressed = HttpResponse(_gzipped(str(path), stat.st_mtime_ns, stat.st_size))
    for header in ("Content-Type", "Last-Modified", "Cache-Control", "Vary"):
        if header in response:
            compressed[header] = response[header]
    compressed["Content-Encoding"] = "gzip"
    source.close()  # the file only: the handler closes the response it gets
    return compressed


class StaticFilesHandler(ASGIStaticFilesHandler):
    """Django's static file handler, plus gzip and cache headers."""

    def serve(self, request: HttpRequest) -> HttpResponse | FileResponse:
        return finish_static(request, super().serve(request))
