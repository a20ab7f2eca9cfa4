"""The room's screen: pairing a room PC by a short code, and the stage.

A paired PC keeps its projector token in a cookie, so the page's address
(/projector/) holds no secret; the older /projector/<token>/ links still open
the same stage.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from core.exceptions import DomainError
from frontend.views import _current_item, _next_item, error_page, server_time_ms
from live.snapshot import compose_snapshot
from meetings import services
from meetings.checkin import qr_svg
from meetings.models import Meeting
from meetings.selectors import PROJECTOR_VIEWER

COOKIE = "projector_token"
COOKIE_AGE = 60 * 60 * 24 * 30


def _client(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "")


def _stage(request: HttpRequest, meeting: Meeting, token: str) -> HttpResponse:
    snapshot = compose_snapshot(meeting.pk, PROJECTOR_VIEWER)
    join_url = request.build_absolute_uri(reverse("frontend:meeting", args=[meeting.pk]))
    return render(
        request,
        "frontend/projector.html",
        {
            "meeting": meeting,
            "snapshot": snapshot,
            "current": _current_item(snapshot),
            "next": _next_item(snapshot),
            "token": token,
            "server_time_ms": server_time_ms(),
            "join_url": join_url,
            # qrcode's own SVG from a URL we built: no user text inside.
            "join_qr": mark_safe(qr_svg(join_url)),
        },
    )


@require_GET
def projector(request: HttpRequest, token: str) -> HttpResponse:
    """The room display. No login: the signed, revocable token is the key."""
    try:
        meeting = services.projector_meeting(token)
    except DomainError as exc:
        return error_page(request, exc)
    return _stage(request, meeting, token)


@require_http_methods(["GET", "POST"])
def projector_pair(request: HttpRequest) -> HttpResponse:
    """A paired room PC sees the stage; any other asks for the console's code."""
    error = ""
    if request.method == "POST":
        try:
            meeting, token = services.projector_pair(
                code=str(request.POST.get("code", "")),
                label=str(request.POST.get("label", "")),
                client=_client(request),
            )
        except DomainError as exc:
            error = exc.message
        else:
            paired = HttpResponseRedirect(reverse("frontend:projector-pair"))
            paired.set_cookie(
                COOKIE,
                token,
                max_age=COOKIE_AGE,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
            return paired
    else:
        token = request.COOKIES.get(COOKIE, "")
        if token:
            try:
                meeting = services.projector_meeting(token)
            except DomainError:
                pass  # revoked: pair again
            else:
                return _stage(request, meeting, token)
    response = render(
        request,
        "frontend/projector_pair.html",
        {"error": error},
        status=400 if error else 200,
    )
    if request.method == "GET" and request.COOKIES.get(COOKIE):
        response.delete_cookie(COOKIE)
    return response
