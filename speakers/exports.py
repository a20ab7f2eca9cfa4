"""CSV export of a meeting's speakers: every speech that was called, with its
real start and end. Reads only; the API wraps it in a download (see
core.downloads: UTF-8 with a byte order mark, formula-safe cells)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.downloads import CsvFile, local_time, render_csv
from meetings.models import Meeting
from speakers.models import Speech
from speakers.selectors import meeting_speeches


def _seconds(speech: Speech) -> str:
    return str(round(speech.elapsed_ms / 1000)) if speech.started_at else ""


def meeting_speakers_csv(*, meeting: Meeting) -> CsvFile:
    header = [
        _("Agenda item"),
        _("Speaker"),
        _("Member number"),
        _("Kind"),
        _("Requested at"),
        _("Started at"),
        _("Ended at"),
        _("Seconds spoken"),
        _("Time allowed (seconds)"),
    ]
    rows = [
        [
            f"{speech.agenda_item.position}. {speech.agenda_item.title}",
            speech.participant.member.full_name,
            speech.participant.member.member_number,
            speech.get_kind_display(),
            local_time(speech.requested_at, meeting.zone),
            local_time(speech.started_at, meeting.zone),
            local_time(speech.ended_at, meeting.zone),
            _seconds(speech),
            speech.time_limit or "",
        ]
        for speech in meeting_speeches(meeting)
    ]
    return CsvFile(filename=f"meeting-{meeting.pk}-speakers.csv", content=render_csv(header, rows))
