"""Page views: parse the request, call one selector or service, render.

The pages render the meeting as it is now; their JavaScript then follows the
meeting socket (snapshot, then sequenced events) and redraws from it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.exceptions import DomainError, NotAllowed, NotFound
from core.projector_cookie import projector_cookie, set_projector_cookie
from frontend.importmap import IMPORT_MAP, IMPORT_MAP_CSP_SOURCE
from live.snapshot import compose_snapshot
from meetings import permissions, selectors, services
from meetings.checkin import qr_svg
from meetings.models import Meeting, Member, Participant, QuorumKind
from meetings.selectors import PROJECTOR_VIEWER, Viewer
from meetings.streams import is_web_url, stream_embed
from motions import permissions as motion_permissions
from voting.models import BASE_CHOICES, KIND_CHOICES, MAJORITY_CHOICES, TIE_CHOICES, Poll

# The chair console's create-poll and voting-settings forms offer these.
POLL_FORM_CHOICES: dict[str, Any] = {
    "kind_choices": KIND_CHOICES,
    "secrecy_choices": Poll.Secrecy.choices,
    "results_choices": Poll.Results.choices,
    "majority_choices": MAJORITY_CHOICES,
    "base_choices": BASE_CHOICES,
    "tie_choices": TIE_CHOICES,
    "quorum_choices": QuorumKind.choices,
}


def error_page(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """A domain refusal as a page with its status and a clear sentence."""
    titles = {403: _("Not allowed"), 404: _("Not found")}
    return render(
        request,
        "frontend/error.html",
        {"title": titles.get(exc.status, _("Something went wrong")), "message": exc.message},
        status=exc.status,
    )


def server_time_ms() -> int:
    """The server's clock, rendered into the page: scripts compare it with the
    browser's clock to show countdowns that do not depend on the device's time."""
    return int(timezone.now().timestamp() * 1000)


def _member(request: HttpRequest) -> Member:
    user = request.user
    assert isinstance(user, Member)  # guaranteed by @login_required
    return user


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """My meetings (those I am on the roster of): live first, then upcoming
    (soonest first), then past."""
    meetings = list(selectors.meetings_on_roster(_member(request)).order_by("starts_at", "id"))
    groups = [
        ("live", _("Live now"), [m for m in meetings if m.status == Meeting.Status.LIVE]),
        ("upcoming", _("Upcoming"), [m for m in meetings if m.status == Meeting.Status.SCHEDULED]),
        ("past", _("Past"), [m for m in reversed(meetings) if m.status == Meeting.Status.CLOSED]),
    ]
    offices = [
        u
        for u in selectors.unions_for_member(_member(request))
        if selectors.union_is_officer(_member(request), u)
    ]
    return render(
        request,
        "frontend/home.html",
        {"groups": groups, "has_meetings": bool(meetings), "offices": offices},
    )


def _meeting_page(
    request: HttpRequest,
    meeting_id: int,
    *,
    template: str,
    controls: bool,
    extra: Callable[[Meeting], dict[str, Any]] | None = None,
    extra_for: Callable[[Participant], dict[str, Any]] | None = None,
    ballots: bool = False,
) -> HttpResponse:
    """A meeting page. `ballots`: the page may cast encrypted ballots, so it
    declares the import map elgamal.js needs (frontend.importmap); the crypto
    itself loads only when an encrypted poll opens."""
    try:
        participant = selectors.meeting_participant_get(
            meeting_id=meeting_id, member=_member(request), controls=controls
        )
    except DomainError as exc:
        return error_page(request, exc)
    viewer = Viewer(role=participant.role, participant=participant)
    snapshot = compose_snapshot(meeting_id, viewer)
    response = render(
        request,
        template,
        {
            "import_map": mark_safe(IMPORT_MAP) if ballots else None,  # a constant
            "meeting": participant.meeting,
            "participant": participant,
            "snapshot": snapshot,
            "current": _current_item(snapshot),
            "server_time_ms": server_time_ms(),
            **(extra(participant.meeting) if extra else {}),
            **(extra_for(participant) if extra_for else {}),
        },
    )
    if ballots:
        response.csp_extra = {"script-src": [IMPORT_MAP_CSP_SOURCE]}  # type: ignore[attr-defined]
    return response


def _current_item(snapshot: dict[str, Any]) -> dict[str, Any] | None:
    return next(
        (item for item in snapshot["agenda"] if item["id"] == snapshot["current_item_id"]), None
    )


def _next_item(snapshot: dict[str, Any]) -> dict[str, Any] | None:
    """The item after the current one; with none current, the first not done."""
    current = _current_item(snapshot)
    if current is not None:
        later = [i for i in snapshot["agenda"] if i["position"] > current["position"]]
    else:
        later = [i for i in snapshot["agenda"] if i["state"] != "done"]
    return later[0] if later else None


@require_GET
@login_required
def meeting(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The member page: live agenda and the current item, phone first; a
    poll's tellers also find the links to their page (the snapshot's
    `my_teller_polls`, kept live by member.js)."""
    return _meeting_page(
        request, meeting_id, template="frontend/meeting.html", controls=False, ballots=True
    )


@require_GET
@login_required
def motions(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Motions and amendments for everyone on the roster; the chair's
    controls where motions.permissions allows them."""
    return _meeting_page(
        request,
        meeting_id,
        template="frontend/motions.html",
        controls=False,
        extra_for=lambda participant: {
            "motion_actions": motion_permissions.allowed_actions(participant)
        },
    )


@require_GET
@login_required
def livestream(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The livestream page for remote members: the stream, and beside it the
    member page's live parts (agenda, presented page, presence, ballot)."""
    return _meeting_page(
        request,
        meeting_id,
        template="frontend/livestream.html",
        controls=False,
        extra=_stream_context,
        ballots=True,
    )


def _stream_context(meeting: Meeting) -> dict[str, Any]:
    stream = stream_embed(meeting.livestream_url)
    data = None
    if stream is not None:
        # hls.js is fetched only where the browser cannot play HLS itself.
        data = {
            "kind": stream.kind,
            "src": stream.src,
            "hls_script": static("vendor/hls/hls.min.js"),
        }
    # The plain link, for "open in a new tab", only when it is a web address.
    link = meeting.livestream_url if is_web_url(meeting.livestream_url) else ""
    return {"stream": stream, "stream_data": data, "stream_link": link}


@require_GET
@login_required
def chair(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The chair console; only the meeting's chair and clerks. Each sees the
    controls of the actions their role allows (meetings.permissions): a clerk
    gets check-in, paper ballots and proxies, not the agenda or the polls' run."""
    member = _member(request)

    def extra(meeting: Meeting) -> dict[str, Any]:
        may = permissions.allowed_actions(actor=member, meeting=meeting)
        return {**POLL_FORM_CHOICES, "may": may, "may_list": " ".join(sorted(may))}

    return _meeting_page(
        request, meeting_id, template="frontend/chair.html", controls=True, extra=extra
    )


@require_GET
def projector_link(request: HttpRequest, token: str) -> HttpResponse:
    """A projector link, opened on the room's computer: the token goes into
    the projector cookie and the browser moves on to the clean address, so
    the token is not kept in the address bar, history, or later requests'
    URLs (access logs). Forged or revoked: an error page, no cookie."""
    try:
        meeting = services.projector_meeting(token)
    except DomainError as exc:
        return error_page(request, exc)
    response = redirect("frontend:projector-page", meeting.pk)
    set_projector_cookie(response, token)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def join_code(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    """The welcome scene's address and QR code to open the meeting on a phone."""
    join_url = request.build_absolute_uri(reverse("frontend:meeting", args=[meeting.pk]))
    # qrcode's own SVG from a URL we built: no user text inside.
    return {"join_url": join_url, "join_qr": mark_safe(qr_svg(join_url))}


def projector_from_cookie(request: HttpRequest, meeting_id: int) -> Meeting:
    """The meeting the browser's projector cookie opens, if it is this one.
    NotFound without a cookie or with a revoked one; NotAllowed for another
    meeting's."""
    token = projector_cookie(request.COOKIES)
    if token is None:
        raise NotFound(_("Open the projector link from the chair console on this computer."))
    meeting = services.projector_meeting(token)
    if meeting.pk != meeting_id:
        raise NotAllowed(_("This projector link is for another meeting."))
    return meeting


@require_GET
def projector(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The room display. No login: the signed, revocable token in the
    projector cookie is the key."""
    try:
        meeting = projector_from_cookie(request, meeting_id)
    except DomainError as exc:
        return error_page(request, exc)
    snapshot = compose_snapshot(meeting.pk, PROJECTOR_VIEWER)
    response = render(
        request,
        "frontend/projector.html",
        {
            "meeting": meeting,
            "snapshot": snapshot,
            "current": _current_item(snapshot),
            "next": _next_item(snapshot),
            "server_time_ms": server_time_ms(),
            **join_code(request, meeting),
        },
    )
    response["Cache-Control"] = "no-store"
    return response
