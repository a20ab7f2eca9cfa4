"""The tellers' page of an encrypted poll (docs/encrypted-ballots.md, 6 and 7).

The page makes the teller's secrets in the browser and keeps them there; it
talks to the tellers' REST endpoints and follows the meeting socket. Only
the poll's tellers reach it; the meeting page links it for them.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.exceptions import DomainError, NotFound
from frontend.importmap import IMPORT_MAP, IMPORT_MAP_CSP_SOURCE
from frontend.views import error_page
from meetings import selectors
from meetings.models import Member
from voting.models import Teller


@require_GET
@login_required
def tellers(request: HttpRequest, meeting_id: int, poll_id: int) -> HttpResponse:
    """One teller's page for one poll; a 404 page for anyone else."""
    member = request.user
    assert isinstance(member, Member)  # guaranteed by @login_required
    try:
        participant = selectors.meeting_participant_get(meeting_id=meeting_id, member=member)
        teller = (
            Teller.objects.select_related("poll")
            .filter(poll_id=poll_id, poll__meeting_id=meeting_id, participant=participant)
            .first()
        )
        if teller is None:
            raise NotFound(_("You are not a teller of this poll."))
    except DomainError as exc:
        return error_page(request, exc)
    poll = teller.poll
    page = {
        "meeting": meeting_id,
        "poll": poll.pk,
        "index": teller.index,
        "participant": participant.pk,
        "title": poll.title,
        "state": poll.state,
    }
    response = render(
        request,
        "frontend/tellers.html",
        {
            "meeting": participant.meeting,
            "participant": participant,
            "poll": poll,
            "teller": teller,
            "page": page,
            "import_map": IMPORT_MAP,
        },
    )
    # The secrets live in this page: not cached, no referrer.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response.csp_extra = {"script-src": [IMPORT_MAP_CSP_SOURCE]}  # type: ignore[attr-defined]
    return response
