"""Pairing a room PC as a projector by the short code the console shows.

A paired PC keeps its projector token in the projector cookie
(core.projector_cookie), like one that opened a projector link, and goes on
to the meeting's projector page: no secret in any address.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.exceptions import DomainError
from core.projector_cookie import projector_cookie, set_projector_cookie
from meetings import services


def _client(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "")


@require_http_methods(["GET", "POST"])
def projector_pair(request: HttpRequest) -> HttpResponse:
    """A paired room PC goes to its stage; any other asks for the console's code."""
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
            paired = redirect("frontend:projector-page", meeting.pk)
            set_projector_cookie(paired, token)
            paired["Cache-Control"] = "no-store"
            return paired
    else:
        held = projector_cookie(request.COOKIES)
        if held:
            try:
                meeting = services.projector_meeting(held)
            except DomainError:
                pass  # revoked: pair again
            else:
                return redirect("frontend:projector-page", meeting.pk)
    response = render(
        request, "frontend/projector_pair.html", {"error": error}, status=400 if error else 200
    )
    response["Cache-Control"] = "no-store"
    return response
