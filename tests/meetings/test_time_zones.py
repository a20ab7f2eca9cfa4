"""Union and meeting time zones: a meeting takes its union's unless told
otherwise, refuses unknown names, and every time it shows (check-in
sentences, CSV files, pages) is read in its zone, with the offset in CSV."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from core.exceptions import InvalidInput
from meetings import attendance, attendance_selectors, services
from meetings.models import Meeting
from tests.conftest import World
from voting import exports


def test_a_meeting_takes_its_unions_zone_unless_given_one(world: World) -> None:
    world.union.time_zone = "Asia/Ho_Chi_Minh"
    world.union.save(update_fields=["time_zone"])
    when = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
    plain = services.meeting_create(actor=world.chair, union=world.union, title="A", starts_at=when)
    assert plain.time_zone == "Asia/Ho_Chi_Minh"
    other = services.meeting_create(
        actor=world.chair, union=world.union, title="B", starts_at=when, time_zone="Asia/Dubai"
    )
    assert other.time_zone == "Asia/Dubai"
    with pytest.raises(InvalidInput, match="Unknown time zone: Mars/Olympus"):
        services.meeting_create(
            actor=world.chair,
            union=world.union,
            title="C",
            starts_at=when,
            time_zone="Mars/Olympus",
        )
    with pytest.raises(InvalidInput):
        services.meeting_update(actor=world.chair, meeting=plain, time_zone="nowhere")
    plain.refresh_from_db()
    assert plain.time_zone == "Asia/Ho_Chi_Minh"
    services.meeting_update(actor=world.chair, meeting=plain, time_zone="Europe/Paris")
    plain.refresh_from_db()
    assert plain.time_zone == "Europe/Paris"


def test_check_in_times_and_csv_are_in_the_meetings_zone(world: World) -> None:
    meeting = world.meeting
    services.meeting_update(actor=world.chair, meeting=meeting, time_zone="Asia/Ho_Chi_Minh")
    meeting.refresh_from_db()
    services.meeting_start(actor=world.chair, meeting=meeting)
    voter = world.participant(world.voters[0])
    change = attendance.participant_check_in(actor=world.clerk, participant=voter)
    at = change.entry.at
    local = at.astimezone(meeting.zone)
    payload = attendance_selectors.entry_payload(change.entry)
    assert payload["time"] == local.strftime("%H:%M")
    assert local.strftime("%H:%M") in payload["message"]
    text = attendance_selectors.attendance_csv(meeting=meeting).content.decode("utf-8-sig")
    assert local.isoformat(timespec="seconds") in text
    assert "+07:00" in text
    assert exports.meeting_results_csv(meeting=meeting).content  # no poll closed: header only


def test_pages_show_the_start_in_the_meetings_zone(world: World) -> None:
    meeting = world.meeting
    meeting.starts_at = datetime(2027, 3, 1, 1, 30, tzinfo=UTC)  # 08:30 in Hanoi
    meeting.time_zone = "Asia/Ho_Chi_Minh"
    meeting.save(update_fields=["starts_at", "time_zone"])
    client = Client()
    client.force_login(world.chair)
    page = client.get(f"/meetings/{meeting.pk}/chair/").content.decode()
    assert 'data-time-zone="Asia/Ho_Chi_Minh"' in page
    assert "March 1, 2027, 8:30 a.m.</time>" in page


def test_the_prepare_form_reads_and_writes_the_zone(world: World) -> None:
    meeting: Meeting = world.meeting
    client = Client()
    client.force_login(world.chair)
    url = f"/meetings/{meeting.pk}/prepare/"
    response = client.post(
        url,
        {
            "action": "details",
            "title": meeting.title,
            "starts_at": "2027-03-01T08:30",
            "time_zone": "Asia/Ho_Chi_Minh",
            "location": "",
            "livestream_url": "",
        },
    )
    assert response.status_code in (200, 302)
    meeting.refresh_from_db()
    assert meeting.time_zone == "Asia/Ho_Chi_Minh"
    assert meeting.starts_at == datetime(2027, 3, 1, 1, 30, tzinfo=UTC)
    page = client.get(url).content.decode()
    assert 'value="2027-03-01T08:30"' in page
    assert 'name="time_zone"' in page and 'value="Asia/Ho_Chi_Minh"' in page
    office = client.post(
        f"/unions/{world.union.pk}/office/",
        {
            "action": "create",
            "title": "Dubai congress",
            "starts_at": "2027-04-01T09:00",
            "time_zone": "Asia/Dubai",
        },
    )
    assert office.status_code == 302
    created = Meeting.objects.get(title="Dubai congress")
    assert created.starts_at == datetime(2027, 4, 1, 5, 0, tzinfo=UTC)
