"""Check-in pages: the clerk's door page, badges (a member's own, and the
printable sheet), the URLs the QR codes hold (badge, room code, login link),
and the projector's current room code.

State changes happen on POST only: a badge or room-code URL opened by a phone
camera shows a page that submits its form at once (and offers the button if
scripts are off), so a link preview or a cross-site image cannot check anyone
in or use up a login link. The token in such a URL is moved into the session
on the first GET, which redirects to a clean address (no token in the
address bar, history, Referer, or the access log after that first line,
which core.logmask masks).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.exceptions import DomainError, NotFound
from frontend.views import _member, error_page, projector_from_cookie, server_time_ms
from live.snapshot import compose_snapshot
from meetings import attendance, attendance_selectors, checkin, selectors
from meetings.attendance import PresenceChange
from meetings.badges import badges_pdf
from meetings.models import Participant
from meetings.selectors import Viewer

SESSION_ROOM_KEY = "room_code_seen"


def _client(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _badge_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("frontend:checkin-badge", args=[token]))


def _room_url(request: HttpRequest, meeting_id: int, token: str) -> str:
    return request.build_absolute_uri(reverse("frontend:checkin-room", args=[meeting_id, token]))


def _result(
    request: HttpRequest,
    *,
    title: str,
    change: PresenceChange | None = None,
    error: DomainError | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {"title": title, **(extra or {})}
    status = 200
    if change is not None:
        change.entry.participant = change.participant
        context["entry"] = attendance_selectors.entry_payload(change.entry)
        context["meeting"] = change.participant.meeting
    if error is not None:
        context["error"] = error
        status = error.status
    return render(request, "frontend/checkin_result.html", context, status=status)


# --- clerk and chair ------------------------------------------------------------


@require_GET
@login_required
def clerk(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The door page: scan badges, type member numbers, see recent check-ins."""
    try:
        participant = selectors.meeting_participant_get(
            meeting_id=meeting_id, member=_member(request), controls=True
        )
    except DomainError as exc:
        return error_page(request, exc)
    viewer = Viewer(role=participant.role, participant=participant)
    return render(
        request,
        "frontend/clerk.html",
        {
            "meeting": participant.meeting,
            "participant": participant,
            "snapshot": compose_snapshot(meeting_id, viewer),
            "server_time_ms": server_time_ms(),
        },
    )


@require_GET
@login_required
def badge_sheet(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Every participant's badge, eight to an A4 page (chair or clerk)."""
    try:
        participant = selectors.meeting_participant_get(
            meeting_id=meeting_id, member=_member(request), controls=True
        )
    except DomainError as exc:
        return error_page(request, exc)
    meeting = participant.meeting
    with translation.override(meeting.language):
        pdf = badges_pdf(
            meeting=meeting,
            rows=attendance_selectors.badge_rows(meeting=meeting),
            url_for=lambda token: _badge_url(request, token),
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="meeting-{meeting.pk}-badges.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def invitations(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """GET: the form; POST: one-time login links for every participant who may
    have one, as a printable sheet of QR codes (chair or clerk)."""
    try:
        participant = selectors.meeting_participant_get(
            meeting_id=meeting_id, member=_member(request), controls=True
        )
    except DomainError as exc:
        return error_page(request, exc)
    meeting = participant.meeting
    context: dict[str, Any] = {"meeting": meeting}
    if request.method == "POST":
        try:
            minutes = int(request.POST.get("valid_minutes") or 0) or None
            created = attendance.login_invitations_create(
                actor=_member(request), meeting=meeting, valid_minutes=minutes
            )
        except ValueError:
            context["error"] = _("The validity must be a number of minutes.")
        except DomainError as exc:
            context["error"] = exc.message
        else:
            context["invitations"] = [
                {
                    "name": i.participant.member.full_name,
                    "member_number": i.participant.member.member_number,
                    "expires_at": i.login_token.expires_at,
                    "url": request.build_absolute_uri(
                        reverse("frontend:login-link", args=[i.token])
                    ),
                    "svg": checkin.qr_svg(
                        request.build_absolute_uri(reverse("frontend:login-link", args=[i.token]))
                    ),
                }
                for i in created
            ]
    response = render(request, "frontend/invitations.html", context)
    response["Cache-Control"] = "no-store"
    return response


# --- members ------------------------------------------------------------------------


@require_GET
@login_required
def my_badge(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The member's badge on their phone: show it to the clerk at the door."""
    try:
        participant = selectors.meeting_participant_get(
            meeting_id=meeting_id, member=_member(request)
        )
    except DomainError as exc:
        return error_page(request, exc)
    token = attendance.badge_token(actor=_member(request), participant=participant)
    url = _badge_url(request, token)
    response = render(
        request,
        "frontend/badge.html",
        {
            "meeting": participant.meeting,
            "participant": participant,
            "badge_url": url,
            "svg": checkin.qr_svg(url),
            "presence_label": Participant.Presence(participant.presence).label,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


# --- the URLs inside the QR codes -------------------------------------------------


# The URLs in QR codes carry a token. Their GET puts it in the session and
# redirects to a clean address (no token in the address bar, history, Referer
# or later requests' access log lines); the clean page's form then POSTs, and
# the token is used from the session.
SESSION_BADGE_KEY = "badge_token_seen"
SESSION_LOGIN_KEY = "login_token_seen"


def _secret_redirect(to: str, *args: Any) -> HttpResponse:
    response = redirect(to, *args)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _link_gone(request: HttpRequest) -> HttpResponse:
    """A clean address reached without its token in the session (a second
    tab, an expired session, a typed address)."""
    return error_page(
        request, NotFound(_("Scan the code or open the link again: it was not found."))
    )


@require_GET
def checkin_badge(request: HttpRequest, token: str) -> HttpResponse:
    """A badge URL, opened by a clerk's phone: keep the token, go to the clean
    address (after a login if needed)."""
    request.session[SESSION_BADGE_KEY] = token[:200]
    return _secret_redirect("frontend:checkin-badge-confirm")


@require_http_methods(["GET", "POST"])
@login_required
def checkin_badge_confirm(request: HttpRequest) -> HttpResponse:
    """GET: the check-in button (pressed at once by the page's script);
    POST: check the badge's holder in."""
    token = request.session.get(SESSION_BADGE_KEY)
    if not isinstance(token, str):
        return _link_gone(request)
    if request.method == "GET":
        return render(
            request,
            "frontend/checkin_submit.html",
            {"title": _("Check in at the door"), "button": _("Check in")},
        )
    del request.session[SESSION_BADGE_KEY]
    try:
        change = attendance.badge_check_in(actor=_member(request), token=token)
    except DomainError as exc:
        return _result(request, title=_("Not checked in"), error=exc)
    return _result(request, title=_("Checked in"), change=change, extra={"door": True})


@require_GET
def checkin_room(request: HttpRequest, meeting_id: int, token: str) -> HttpResponse:
    """The projector's room code, opened by a member's phone: keep it, go to
    the clean address (after a login if needed).

    Logged out, a code valid right now is accepted after the login for a few
    minutes even if it has rotated away meanwhile
    (meetings.attendance.ROOM_LOGIN_GRACE_SECONDS); an invalid one is refused
    after the login, with the reason.
    """
    now = checkin.clock()
    seen_at = None
    if not request.user.is_authenticated:
        try:
            checkin.room_token_check(meeting_id=meeting_id, token=token, at=now)
        except checkin.BadToken:
            pass
        else:
            seen_at = now
    request.session[SESSION_ROOM_KEY] = {"m": meeting_id, "t": token[:200], "at": seen_at}
    return _secret_redirect("frontend:checkin-room-confirm", meeting_id)


@require_http_methods(["GET", "POST"])
def checkin_room_confirm(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """GET: the check-in button (pressed at once by the page's script);
    POST: check the member in with the room code kept in the session."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    seen = request.session.get(SESSION_ROOM_KEY)
    if not (isinstance(seen, dict) and seen.get("m") == meeting_id and seen.get("t")):
        return _link_gone(request)
    if request.method == "GET":
        return render(
            request,
            "frontend/checkin_submit.html",
            {"title": _("Check in to the room"), "button": _("I am here: check me in")},
        )
    del request.session[SESSION_ROOM_KEY]
    seen_at = float(seen["at"]) if seen.get("at") is not None else None
    try:
        change = attendance.room_check_in(
            actor=_member(request), meeting_id=meeting_id, token=str(seen["t"]), seen_at=seen_at
        )
    except DomainError as exc:
        return _result(
            request, title=_("Not checked in"), error=exc, extra={"meeting_id": meeting_id}
        )
    return _result(request, title=_("You are checked in"), change=change)


@require_GET
def login_link(request: HttpRequest, token: str) -> HttpResponse:
    """A one-time login link: checked (not used), kept in the session, and
    the browser sent on to the clean address that asks "Log in as ...?"."""
    try:
        attendance.login_token_peek(token=token, client=_client(request))
    except DomainError as exc:
        response = error_page(request, exc)
        response["Referrer-Policy"] = "no-referrer"
        return response
    request.session[SESSION_LOGIN_KEY] = token
    return _secret_redirect("frontend:login-link-confirm")


@require_http_methods(["GET", "POST"])
def login_link_confirm(request: HttpRequest) -> HttpResponse:
    """GET asks "Log in as ...?", POST logs in and opens the meeting."""
    token = request.session.get(SESSION_LOGIN_KEY)
    if not isinstance(token, str):
        return _link_gone(request)
    try:
        if request.method == "GET":
            row = attendance.login_token_peek(token=token, client=_client(request))
            response = render(
                request,
                "frontend/login_link.html",
                {"name": row.participant.member.full_name, "meeting": row.meeting},
            )
            response["Cache-Control"] = "no-store"
            return response
        del request.session[SESSION_LOGIN_KEY]
        row = attendance.login_token_redeem(token=token, client=_client(request))
    except DomainError as exc:
        return error_page(request, exc)
    login(request, row.participant.member, backend="core.backends.MemberBackend")
    return redirect("frontend:meeting", row.meeting_id)


# --- the projector's room code ---------------------------------------------------


@require_GET
def projector_room_code(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The room code to show now, as JSON with the QR code as SVG. The
    projector fetches it again after `refresh_in` seconds (when the 30-second
    window turns). The projector cookie is the key, as for the projector page."""
    try:
        meeting = projector_from_cookie(request, meeting_id)
    except DomainError as exc:
        return JsonResponse({"detail": exc.message, "code": exc.code}, status=exc.status)
    code = attendance.room_code_for_projector(meeting)
    body: dict[str, Any] = {"enabled": code is not None}
    if code is not None:
        url = _room_url(request, meeting.pk, code.token)
        body.update(
            {"url": url, "svg": checkin.qr_svg(url), "window": code.window}
            | {"refresh_in": round(code.refresh_in, 3)}
        )
    response = JsonResponse(body)
    response["Cache-Control"] = "no-store"
    return response
