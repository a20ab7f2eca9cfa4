"""The minutes: the page (in the meeting's language, with the secretary's
notes to write while they may change) and the PDF (the finalised one as
kept, or a draft made now)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from core.exceptions import DomainError
from frontend.views import _member, error_page
from meetings import permissions
from minutes import pdf, selectors
from minutes.permissions import MINUTES_FINALISE, MINUTES_WRITE


@require_GET
@login_required
def minutes_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The minutes as they stand (chair, clerks, the union's officers)."""
    member = _member(request)
    try:
        meeting = selectors.minutes_meeting_get(meeting_id=meeting_id, member=member)
    except DomainError as exc:
        return error_page(request, exc)
    may = permissions.allowed_actions(actor=member, meeting=meeting)
    with translation.override(meeting.language):
        doc = selectors.minutes_compose(meeting)
        response = render(
            request,
            "frontend/minutes.html",
            {
                "meeting": meeting,
                "doc": doc,
                "may_write": MINUTES_WRITE in may and not doc.finalised,
                "may_finalise": MINUTES_FINALISE in may
                and not doc.finalised
                and meeting.status == meeting.Status.CLOSED,
                "may_console": "agenda.advance" in may or "attendance.check_in" in may,
                "may_prepare": "meeting.edit" in may or "roster.edit" in may,
            },
        )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_required
def minutes_pdf(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The finalised minutes as kept (the SHA-256 the log holds), or, before
    that, a draft made now in the meeting's language."""
    try:
        meeting = selectors.minutes_meeting_get(meeting_id=meeting_id, member=_member(request))
    except DomainError as exc:
        return error_page(request, exc)
    record = selectors.minutes_of(meeting)
    if record is not None:
        with record.version.file.open("rb") as stored:
            data = stored.read()
        name = f"meeting-{meeting.pk}-minutes.pdf"
    else:
        with translation.override(meeting.language):
            data = pdf.minutes_pdf(selectors.minutes_compose(meeting))
        name = f"meeting-{meeting.pk}-minutes-draft.pdf"
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
