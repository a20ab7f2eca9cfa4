"""Reads: motions with their amendments as clients get them, the resolution,
what the projector shows, and the CSV export."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from core.downloads import CsvFile, local_time, render_csv
from core.exceptions import NotFound
from meetings.models import Meeting
from motions import texts
from motions.models import Amendment, Motion, MotionSettings, Resolution, Support, TextVersion
from voting.selectors import result_sentence


def settings_for(meeting_id: int) -> MotionSettings:
    """The meeting's motion settings (defaults until the chair changes them)."""
    found = MotionSettings.objects.filter(meeting_id=meeting_id).first()
    return found if found is not None else MotionSettings(meeting_id=meeting_id)


def settings_payload(settings: MotionSettings) -> dict[str, Any]:
    return {
        "min_supporters": settings.min_supporters,
        "majority": settings.majority,
        "base": settings.base,
        "tie_rule": settings.tie_rule,
        "secrecy": settings.secrecy,
    }


def carried_changes(motion: Motion) -> list[texts.Change]:
    """The motion's carried amendments, in the order they were carried."""
    carried = [a for a in motion.amendments.all() if a.state == Amendment.State.CARRIED]
    carried.sort(key=lambda a: (a.state_changed_at is None, a.state_changed_at, a.number))
    return [texts.Change(a.action, a.paragraph, a.text) for a in carried]


def current_text(motion: Motion) -> str:
    """The submitted text with the amendments carried so far applied."""
    return texts.apply(motion.text, carried_changes(motion))


def change_payload(amendment: Amendment, original: list[str]) -> dict[str, Any]:
    """The amendment as a change of the current text: the paragraph it
    strikes (replace, delete) and the text it adds (replace, insert)."""
    before = None
    if amendment.action != Amendment.Action.INSERT and 1 <= amendment.paragraph <= len(original):
        before = original[amendment.paragraph - 1]
    after = amendment.text if amendment.action != Amendment.Action.DELETE else None
    return {
        "action": amendment.action,
        "paragraph": amendment.paragraph,
        "before": before,
        "after": after,
    }


def amendment_payload(amendment: Amendment, original: list[str]) -> dict[str, Any]:
    return {
        "id": amendment.pk,
        "number": amendment.number,
        "motion_id": amendment.motion_id,
        "proposer": amendment.proposer.member.full_name,
        "proposer_id": amendment.proposer_id,
        "reasons": amendment.reasons,
        "state": amendment.state,
        "change": change_payload(amendment, original),
        "poll_id": amendment.poll_id,
    }


def motion_payload(motion: Motion, min_supporters: int) -> dict[str, Any]:
    original = texts.paragraphs(motion.text)
    supports = list(motion.supports.all())
    final = next((v for v in motion.versions.all() if v.kind == TextVersion.Kind.FINAL), None)
    return {
        "id": motion.pk,
        "number": motion.number,
        "title": motion.title,
        "text": motion.text,
        "paragraphs": original,
        "current_text": current_text(motion),
        "reasons": motion.reasons,
        "submitter": motion.submitter.member.full_name,
        "submitter_id": motion.submitter_id,
        "supporters": [
            {"participant_id": s.participant_id, "name": s.participant.member.full_name}
            for s in supports
        ],
        "admissible": len(supports) >= min_supporters,
        "agenda_item_id": motion.agenda_item_id,
        "state": motion.state,
        "referred_to": motion.referred_to,
        "poll_id": motion.poll_id,
        "final": {"text": final.text, "sha256": final.sha256} if final else None,
        "amendments": [amendment_payload(a, original) for a in motion.amendments.all()],
    }


def motions_of(meeting_id: int) -> list[Motion]:
    return list(
        Motion.objects.filter(meeting_id=meeting_id)
        .select_related("submitter__member", "poll")
        .prefetch_related(
            Prefetch("supports", queryset=Support.objects.select_related("participant__member")),
            Prefetch(
                "amendments", queryset=Amendment.objects.select_related("proposer__member", "poll")
            ),
            "versions",
        )
        .order_by("number")
    )


def motions_payload(
    meeting_id: int, settings: MotionSettings | None = None
) -> list[dict[str, Any]]:
    minimum = (settings or settings_for(meeting_id)).min_supporters
    return [motion_payload(motion, minimum) for motion in motions_of(meeting_id)]


def resolution_payload(meeting_id: int) -> dict[str, Any] | None:
    resolution = Resolution.objects.select_related("poll").filter(meeting_id=meeting_id).first()
    if resolution is None:
        return None
    return {
        "id": resolution.pk,
        "title": resolution.title,
        "text": resolution.text,
        "sha256": resolution.sha256,
        "motion_ids": list(resolution.motion_ids),
        "state": resolution.state,
        "poll_id": resolution.poll_id,
    }


def projection_payload(
    meeting_id: int, settings: MotionSettings | None = None
) -> dict[str, Any] | None:
    settings = settings or settings_for(meeting_id)
    if settings.projected_motion_id is None:
        return None
    return {
        "motion_id": settings.projected_motion_id,
        "amendment_id": settings.projected_amendment_id,
    }


def motions_snapshot(meeting_id: int) -> dict[str, Any]:
    settings = settings_for(meeting_id)  # read once for the three parts that use it
    return {
        "motions": motions_payload(meeting_id, settings),
        "motion_settings": settings_payload(settings),
        "resolution": resolution_payload(meeting_id),
        "motion_projection": projection_payload(meeting_id, settings),
    }


def motion_in_meeting(*, meeting: Meeting, motion_id: int) -> Motion:
    motion = Motion.objects.filter(meeting=meeting, pk=motion_id).first()
    if motion is None:
        raise NotFound(_("No such motion in this meeting."))
    return motion


def motion_get(motion_id: int) -> Motion:
    motion = Motion.objects.select_related("meeting").filter(pk=motion_id).first()
    if motion is None:
        raise NotFound(_("No such motion."))
    return motion


def amendment_get(amendment_id: int) -> Amendment:
    amendment = Amendment.objects.select_related("motion__meeting").filter(pk=amendment_id).first()
    if amendment is None:
        raise NotFound(_("No such amendment."))
    return amendment


def motions_csv(meeting: Meeting) -> CsvFile:
    """One row per motion and per amendment, in number order."""
    header = [
        _("Number"),
        _("Title"),
        _("State"),
        _("Submitted by"),
        _("Supporters"),
        _("Agenda item"),
        _("Submitted at"),
        _("Result"),
        _("Final text SHA-256"),
    ]
    states = dict(Motion.State.choices) | dict(Amendment.State.choices)
    rows: list[list[Any]] = []
    items: dict[int | None, str] = dict(meeting.agenda_items.values_list("pk", "title"))
    for motion in motions_of(meeting.pk):
        final = next((v for v in motion.versions.all() if v.kind == TextVersion.Kind.FINAL), None)
        rows.append(
            [
                motion.number,
                motion.title,
                states.get(motion.state, motion.state),
                motion.submitter.member.full_name,
                len(motion.supports.all()),
                items.get(motion.agenda_item_id, ""),
                local_time(motion.created_at, meeting.zone),
                result_sentence(motion.poll.result) if motion.poll else "",
                final.sha256 if final else "",
            ]
        )
        for amendment in motion.amendments.all():
            rows.append(
                [
                    f"{motion.number}-A{amendment.number}",
                    Amendment.Action(amendment.action).label,
                    states.get(amendment.state, amendment.state),
                    amendment.proposer.member.full_name,
                    "",
                    items.get(motion.agenda_item_id, ""),
                    local_time(amendment.created_at, meeting.zone),
                    result_sentence(amendment.poll.result) if amendment.poll else "",
                    "",
                ]
            )
    return CsvFile(filename=f"motions-{meeting.pk}.csv", content=render_csv(header, rows))
