"""Meetings: create, edit, start, close, and their voting settings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import textlimits
from core.exceptions import Conflict, InvalidInput
from meetings import permissions
from meetings.models import (
    AgendaItem,
    Meeting,
    Member,
    Participant,
    QuorumKind,
    Union,
)
from meetings.services.agenda import agenda_item_make_current
from meetings.services.common import (
    clean_title,
    lock_meeting,
    log_act,
    publish_agenda,
    publish_meeting,
    publish_quorum,
)
from meetings.streams import stream_embed
from meetings.timezones import clean_time_zone


@transaction.atomic
def meeting_create(
    *,
    actor: Member,
    union: Union,
    title: str,
    starts_at: datetime,
    location: str = "",
    livestream_url: str = "",
    time_zone: str = "",
) -> Meeting:
    """Create a scheduled meeting. Only the union's officers may; the creator
    becomes its chair. The time zone defaults to the union's."""
    permissions.require_in_union(actor=actor, union=union, action=permissions.MEETING_CREATE)
    meeting = Meeting.objects.create(
        union=union,
        title=clean_title(title, limit=textlimits.NAME),
        starts_at=starts_at,
        location=textlimits.bounded(location.strip(), limit=textlimits.NAME, field=_("The place")),
        livestream_url=clean_livestream_url(livestream_url),
        time_zone=clean_time_zone(time_zone) if time_zone.strip() else union.time_zone,
        created_by=actor,
    )
    Participant.objects.create(
        meeting=meeting, member=actor, role=Participant.Role.CHAIR, vote_weight=Decimal(1)
    )
    log_act(meeting, actor, "meeting.created", title=meeting.title)
    return meeting


def clean_livestream_url(url: str) -> str:
    """The link stripped; refused when the livestream page could not show it,
    so the chair learns now rather than the remote members during the meeting."""
    url = (url or "").strip()
    if url and stream_embed(url) is None:
        raise InvalidInput(
            _(
                "The livestream page cannot show this link. Give a YouTube, Vimeo or "
                "Facebook video link, or the address of an HLS stream (.m3u8) "
                "or of a video file (.mp4, .webm)."
            )
        )
    return url


@transaction.atomic
def meeting_update(*, actor: Member, meeting: Meeting, **fields: Any) -> Meeting:
    """Change title, start time, time zone, location, livestream link, or
    whether the bulletin board of its closed polls is public."""
    allowed = {
        "title",
        "starts_at",
        "time_zone",
        "language",
        "location",
        "livestream_url",
        "board_public",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    permissions.require(actor=actor, meeting=meeting, action=permissions.MEETING_EDIT)
    meeting = lock_meeting(meeting)
    if "title" in fields:
        fields["title"] = clean_title(fields["title"], limit=textlimits.NAME)
    if isinstance(fields.get("location"), str):
        fields["location"] = textlimits.bounded(
            fields["location"].strip(), limit=textlimits.NAME, field=_("The place")
        )
    if "livestream_url" in fields:
        fields["livestream_url"] = clean_livestream_url(fields["livestream_url"])
    if "time_zone" in fields:
        fields["time_zone"] = clean_time_zone(fields["time_zone"])
    if "language" in fields and fields["language"] not in dict(settings.LANGUAGES):
        raise InvalidInput(_("Unknown language: %(code)s.") % {"code": fields["language"]})
    for name, value in fields.items():
        setattr(meeting, name, value.strip() if isinstance(value, str) else value)
    meeting.save(update_fields=[*fields])
    publish_meeting(meeting)
    log_act(meeting, actor, "meeting.updated", fields=sorted(fields))
    return meeting


@transaction.atomic
def meeting_start(*, actor: Member, meeting: Meeting) -> Meeting:
    """scheduled -> live. The first agenda item becomes current."""
    permissions.require(actor=actor, meeting=meeting, action=permissions.MEETING_START)
    meeting = lock_meeting(meeting)
    if meeting.status != Meeting.Status.SCHEDULED:
        raise Conflict(_("Only a scheduled meeting can be started."))
    meeting.status = Meeting.Status.LIVE
    meeting.started_at = timezone.now()
    meeting.save(update_fields=["status", "started_at"])
    first = meeting.agenda_items.exclude(state=AgendaItem.State.DONE).order_by("position").first()
    publish_meeting(meeting)
    log_act(meeting, actor, "meeting.started")
    if first is not None:
        agenda_item_make_current(first)
        publish_agenda(meeting)
    return meeting


@transaction.atomic
def meeting_close(*, actor: Member, meeting: Meeting) -> Meeting:
    """live -> closed. The current item is marked done."""
    permissions.require(actor=actor, meeting=meeting, action=permissions.MEETING_CLOSE)
    meeting = lock_meeting(meeting)
    if meeting.status != Meeting.Status.LIVE:
        raise Conflict(_("Only a live meeting can be closed."))
    meeting.status = Meeting.Status.CLOSED
    meeting.closed_at = timezone.now()
    meeting.save(update_fields=["status", "closed_at"])
    changed = meeting.agenda_items.filter(state=AgendaItem.State.CURRENT).update(
        state=AgendaItem.State.DONE
    )
    publish_meeting(meeting)
    log_act(meeting, actor, "meeting.closed")
    if changed:
        publish_agenda(meeting)
    return meeting


@transaction.atomic
def meeting_voting_settings_update(
    *,
    actor: Member,
    meeting: Meeting,
    quorum_kind: str | None = None,
    quorum_count: int | None = None,
    quorum_share: Decimal | str | None = None,
    requires_presence: bool | None = None,
    proxy_limit: int | None = None,
) -> Meeting:
    """Change the quorum rule, whether voting needs presence, and how many
    proxies one delegate may carry. Polls already open keep their frozen roll."""
    permissions.require(actor=actor, meeting=meeting, action=permissions.MEETING_EDIT)
    meeting = lock_meeting(meeting)
    if quorum_kind is not None:
        if quorum_kind not in QuorumKind.values:
            raise InvalidInput(_("Unknown quorum kind: %s") % quorum_kind)
        meeting.quorum_kind = quorum_kind
    if quorum_count is not None:
        if quorum_count < 0:
            raise InvalidInput(_("The quorum count must be zero or more."))
        meeting.quorum_count = quorum_count
    if quorum_share is not None:
        try:
            share = Decimal(str(quorum_share))
        except ArithmeticError as exc:
            raise InvalidInput(_("The quorum share must be a number.")) from exc
        if not share.is_finite() or not Decimal(0) <= share <= Decimal(1):
            raise InvalidInput(_("The quorum share must be between 0 and 1."))
        meeting.quorum_share = share.quantize(Decimal("0.0001"))
    if requires_presence is not None:
        meeting.requires_presence = requires_presence
    if proxy_limit is not None:
        if proxy_limit < 0:
            raise InvalidInput(_("The proxy limit must be zero or more."))
        meeting.proxy_limit = proxy_limit
    meeting.save()
    publish_meeting(meeting)
    publish_quorum(meeting)
    log_act(
        meeting,
        actor,
        "meeting.voting_settings_changed",
        quorum=meeting.quorum_kind,
        requires_presence=meeting.requires_presence,
        proxy_limit=meeting.proxy_limit,
    )
    return meeting
