"""Officer pages: a union's meetings, creating and copying a meeting, importing
members from CSV, and preparing a meeting (details, roster, proxies, polls)
without the admin. Plain forms that work without scripts: each POST parses, calls one
service, and shows the page again with the outcome or the refusal."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from core.exceptions import DomainError, InvalidInput, NotAllowed, NotFound
from frontend import prepare_polls
from frontend.views import POLL_FORM_CHOICES, _member, error_page
from meetings import permissions, selectors, services
from meetings.member_import import ImportReport
from meetings.models import Meeting, Member, Membership, Participant, Proxy, Union
from meetings.timezones import clean_time_zone, zone_names

MAX_IMPORT_BYTES = 10 * 1024 * 1024
ROLE_CHOICES = Participant.Role.choices


def _officer_union(member: Member, union_id: int) -> Union:
    union = selectors.union_get_for_member(union_id=union_id, member=member)
    if not selectors.union_is_officer(member, union):
        raise NotAllowed(_("Only officers of %(union)s may do this.") % {"union": union.name})
    return union


def _local_datetime(value: str, zone_name: str) -> datetime:
    """A datetime-local field's value, read in the meeting's time zone."""
    parsed = parse_datetime((value or "").strip())
    if parsed is None:
        raise InvalidInput(_("Enter the date and time the meeting starts."))
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, ZoneInfo(clean_time_zone(zone_name)))
    return parsed


@require_http_methods(["GET", "POST"])
@login_required
def union_office(request: HttpRequest, union_id: int) -> HttpResponse:
    member = _member(request)
    try:
        union = _officer_union(member, union_id)
    except DomainError as exc:
        return error_page(request, exc)
    context: dict[str, Any] = {"union": union}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in ("create", "copy"):
                meeting = _create_or_copy(request, member, union, action)
                return redirect("frontend:prepare", meeting_id=meeting.pk)
            if action == "import":
                report = _import(request, member, union)
                context["report"] = report
                status = 200 if report.ok else 400
            else:
                raise InvalidInput(_("Unknown action."))
        except DomainError as exc:
            context["error"] = exc.message
            context["error_form"] = action
            status = exc.status
    meetings = Meeting.objects.filter(union=union).order_by("-starts_at", "-pk")
    context.update(
        meetings=meetings,
        form=request.POST if request.method == "POST" else {},
        zone_names=zone_names(),
    )
    return render(request, "frontend/union_office.html", context, status=status)


def _create_or_copy(request: HttpRequest, member: Member, union: Union, action: str) -> Meeting:
    title = request.POST.get("title", "")
    zone_name = request.POST.get("time_zone", "").strip() or union.time_zone
    if action == "create":
        return services.meeting_create(
            actor=member,
            union=union,
            title=title,
            starts_at=_local_datetime(request.POST.get("starts_at", ""), zone_name),
            time_zone=zone_name,
            location=request.POST.get("location", ""),
            livestream_url=request.POST.get("livestream_url", ""),
        )
    source = Meeting.objects.filter(union=union, pk=request.POST.get("source") or 0).first()
    if source is None:
        raise NotFound(_("Choose the meeting to copy."))
    starts_at = _local_datetime(request.POST.get("starts_at", ""), source.time_zone)
    return services.meeting_copy(actor=member, source=source, title=title, starts_at=starts_at)


def _import(request: HttpRequest, member: Member, union: Union) -> ImportReport:
    upload = request.FILES.get("file")
    if upload is None:
        raise InvalidInput(_("Choose a CSV file."))
    if upload.size is not None and upload.size > MAX_IMPORT_BYTES:
        raise InvalidInput(_("The file is larger than 10 MB."))
    return services.members_import(
        actor=member, union=union, data=upload.read(), dry_run=bool(request.POST.get("dry_run"))
    )


# --- preparing one meeting ------------------------------------------------------------


def _prepare_context(meeting: Meeting, member: Member) -> dict[str, Any]:
    participants = list(
        Participant.objects.filter(meeting=meeting)
        .select_related("member")
        .order_by("member__full_name", "pk")
    )
    on_roster = {p.member_id for p in participants}
    union_ids = selectors.union_descendant_ids(meeting.union)
    candidates = [
        m
        for m in Membership.objects.filter(union_id__in=union_ids)
        .select_related("member")
        .order_by("member__full_name", "pk")
        if m.member_id not in on_roster
    ]
    voters = [p for p in participants if p.role in selectors.VOTING_ROLES]
    proxies = list(
        Proxy.objects.filter(meeting=meeting, revoked_at__isnull=True)
        .select_related("delegator__member", "delegate__member")
        .order_by("delegator__member__full_name")
    )
    return {
        "meeting": meeting,
        "participants": participants,
        "candidates": candidates,
        "voters": voters,
        "proxies": proxies,
        "role_choices": ROLE_CHOICES,
        "may": permissions.allowed_actions(actor=member, meeting=meeting),
        "starts_at_local": timezone.localtime(meeting.starts_at, meeting.zone).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "zone_names": zone_names(),
        "languages": settings.LANGUAGES,
    }


def _participant(meeting: Meeting, value: str | None) -> Participant:
    try:
        return selectors.participant_get(meeting=meeting, participant_id=int(value or 0))
    except ValueError as exc:
        raise NotFound(_("No such participant in this meeting.")) from exc


def _prepare_action(request: HttpRequest, member: Member, meeting: Meeting) -> str:
    """Run the form's action; the sentence to show when it worked."""
    post = request.POST
    action = post.get("action", "")
    if action == "details":
        zone_name = post.get("time_zone", "").strip() or meeting.time_zone
        services.meeting_update(
            actor=member,
            meeting=meeting,
            title=post.get("title", ""),
            starts_at=_local_datetime(post.get("starts_at", ""), zone_name),
            time_zone=zone_name,
            language=post.get("language", "") or meeting.language,
            location=post.get("location", ""),
            livestream_url=post.get("livestream_url", ""),
            board_public=bool(post.get("board_public")),
        )
        return _("Meeting details saved.")
    if action == "add":
        role = post.get("role", Participant.Role.VOTER)
        weight = post.get("vote_weight", "").strip() or None
        ids = post.getlist("member")
        if not ids:
            raise InvalidInput(_("Choose at least one member to add."))
        members = Member.objects.filter(pk__in=[int(i) for i in ids if i.isdigit()])
        for chosen in members:
            services.participant_add(
                actor=member, meeting=meeting, member=chosen, role=role, vote_weight=weight
            )
        return ngettext(
            "%(count)d member added to the roster.",
            "%(count)d members added to the roster.",
            len(members),
        ) % {"count": len(members)}
    if action == "update":
        participant = _participant(meeting, post.get("participant"))
        services.participant_update(
            actor=member,
            participant=participant,
            role=post.get("role") or None,
            vote_weight=post.get("vote_weight", "").strip() or None,
        )
        return _("%(name)s saved.") % {"name": participant.member.full_name}
    if action == "remove":
        participant = _participant(meeting, post.get("participant"))
        services.participant_remove(actor=member, participant=participant)
        return _("%(name)s removed from the roster.") % {"name": participant.member.full_name}
    if action == "proxy":
        delegator = _participant(meeting, post.get("delegator"))
        delegate = _participant(meeting, post.get("delegate"))
        services.proxy_create(actor=member, meeting=meeting, delegator=delegator, delegate=delegate)
        return _("Proxy registered: %(from)s to %(to)s.") % {
            "from": delegator.member.full_name,
            "to": delegate.member.full_name,
        }
    if action in prepare_polls.POLL_ACTIONS:
        return prepare_polls.poll_action(post, member, meeting)
    if action == "revoke":
        proxy = Proxy.objects.filter(meeting=meeting, pk=post.get("proxy") or 0).first()
        if proxy is None:
            raise NotFound(_("No such proxy in this meeting."))
        services.proxy_revoke(actor=member, proxy=proxy)
        return _("Proxy revoked.")
    raise InvalidInput(_("Unknown action."))


@require_http_methods(["GET", "POST"])
@login_required
def meeting_prepare(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Prepare a meeting: its details, roster, proxies and draft polls. Whoever
    may edit the meeting or its roster (meetings.permissions: the chair, the
    union's officers)."""
    member = _member(request)
    try:
        meeting = selectors.meeting_get_for_viewer(meeting_id=meeting_id, member=member)
        if not (
            permissions.allowed(actor=member, meeting=meeting, action=permissions.MEETING_EDIT)
            or permissions.allowed(actor=member, meeting=meeting, action=permissions.ROSTER_EDIT)
        ):
            raise NotAllowed(
                _("Only the chair of this meeting or an officer of its union may do this.")
            )
    except DomainError as exc:
        return error_page(request, exc)
    status, done, error = 200, "", ""
    if request.method == "POST":
        try:
            done = _prepare_action(request, member, meeting)
        except DomainError as exc:
            error, status = exc.message, exc.status
        meeting.refresh_from_db()
    context = {
        **_prepare_context(meeting, member),
        **POLL_FORM_CHOICES,
        **prepare_polls.polls_context(meeting, request.POST if error else None, error),
        "done": done,
        "error": error,
        # A poll form's outcome shows in the polls section, where the page lands.
        "poll_done": done if request.POST.get("action") in prepare_polls.POLL_ACTIONS else "",
    }
    return render(request, "frontend/prepare.html", context, status=status)
