"""The minutes over HTTP: the notes (read, autosave), finalising, the page
and the PDF (a draft made now, then the kept file with the logged hash)."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client
from django.utils import translation

from meetings.models import Meeting, MeetingEvent, Member
from minutes.models import Minutes
from tests.api import assert_error, client_for
from tests.factories import MemberFactory, MembershipFactory
from tests.minutes.conftest import Held
from tests.minutes.test_pdf import pdf_text

pytestmark = pytest.mark.django_db


def base(held: Held) -> str:
    return f"/api/meetings/{held.world.meeting.pk}/minutes/"


def page_client(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def test_the_clerk_reads_and_saves_notes(held: Held) -> None:
    clerk = client_for(held.world.clerk)
    item = held.world.items[0].pk
    answer = clerk.get(f"{base(held)}notes/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["finalised"] is False
    assert [n["agenda_item_id"] for n in body["notes"]] == [i.pk for i in held.world.items]
    saved = clerk.put(f"{base(held)}notes/{item}/", {"text": "Opened at nine."}, format="json")
    assert saved.status_code == 200, saved.content
    assert saved.json()["text"] == "Opened at nine."
    notes = clerk.get(f"{base(held)}notes/").json()["notes"]
    assert notes[0]["text"] == "Opened at nine." and notes[0]["updated_at"]


def test_who_may_not_touch_the_notes(held: Held) -> None:
    item = held.world.items[0].pk
    voter = client_for(held.world.voters[0])
    assert_error(voter.get(f"{base(held)}notes/"), 403)
    assert_error(voter.put(f"{base(held)}notes/{item}/", {"text": "x"}, format="json"), 403)
    assert_error(voter.post(f"{base(held)}finalise/"), 403)
    outsider = client_for(held.world.outsider)
    assert_error(outsider.get(f"{base(held)}notes/"), 404)
    assert client_for(None).get(f"{base(held)}notes/").status_code in (401, 403)
    clerk = client_for(held.world.clerk)
    assert_error(clerk.put(f"{base(held)}notes/999999/", {"text": "x"}, format="json"), 404)
    assert_error(clerk.put(f"{base(held)}notes/{item}/", {}, format="json"), 400)


def test_an_officer_reads_the_minutes_but_does_not_write(held: Held) -> None:
    officer = MemberFactory.create()
    MembershipFactory.create(member=officer, union=held.world.union, role="officer")
    client = client_for(officer)
    assert client.get(f"{base(held)}notes/").status_code == 200
    item = held.world.items[0].pk
    assert_error(client.put(f"{base(held)}notes/{item}/", {"text": "x"}, format="json"), 403)
    assert (
        page_client(officer).get(f"/meetings/{held.world.meeting.pk}/minutes/").status_code == 200
    )


def test_finalising_over_the_api_then_the_notes_are_read_only(held: Held) -> None:
    clerk = client_for(held.world.clerk)
    item = held.world.items[1].pk
    clerk.put(f"{base(held)}notes/{item}/", {"text": "Budget adopted."}, format="json")
    assert clerk.get(base(held)).json() == {"finalised": False}
    answer = clerk.post(f"{base(held)}finalise/")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    record = Minutes.objects.get(meeting=held.world.meeting)
    assert body["finalised"] is True and body["sha256"] == record.sha256
    assert body["log_head"]["hash"] == record.log_hash
    assert clerk.get(base(held)).json()["sha256"] == record.sha256
    refused = clerk.put(f"{base(held)}notes/{item}/", {"text": "Later"}, format="json")
    assert_error(refused, 409, "minutes_finalised")
    assert_error(clerk.post(f"{base(held)}finalise/"), 409)
    assert clerk.get(f"{base(held)}notes/").json()["finalised"] is True
    # The PDF served is the kept one: its hash is the logged hash.
    pdf = page_client(held.world.clerk).get(f"/meetings/{held.world.meeting.pk}/minutes.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == record.sha256
    event = MeetingEvent.objects.get(meeting=held.world.meeting, action="minutes.finalised")
    assert event.data["sha256"] == record.sha256
    assert "Budget adopted." in pdf_text(pdf.content)


def test_a_live_meetings_minutes_are_not_finalised(held: Held) -> None:
    Meeting.objects.filter(pk=held.world.meeting.pk).update(status="live")
    assert_error(client_for(held.world.chair).post(f"{base(held)}finalise/"), 409)


def test_the_page_shows_the_minutes_in_the_meetings_language(held: Held) -> None:
    Meeting.objects.filter(pk=held.world.meeting.pk).update(language="ar")
    client = page_client(held.world.clerk)
    page = client.get(f"/meetings/{held.world.meeting.pk}/minutes/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="ar" dir="rtl"' in html
    assert held.budget_poll.result is not None
    assert held.budget_poll.result["sentences"]["ar"] in html
    fingerprint = " ".join(held.budget_poll.seal.head_hash[i : i + 4] for i in range(0, 16, 4))
    assert fingerprint in html
    assert 'class="minutes-note"' in html  # the secretary may still write
    assert "minutes.js" in html
    draft = client.get(f"/meetings/{held.world.meeting.pk}/minutes.pdf")
    assert draft.status_code == 200 and draft.content.startswith(b"%PDF")
    assert "draft" in draft["Content-Disposition"]


def test_voters_and_outsiders_do_not_see_the_page(held: Held) -> None:
    meeting = held.world.meeting.pk
    for member, status in ((held.world.voters[0], 403), (held.world.outsider, 403)):
        client = page_client(member)
        assert client.get(f"/meetings/{meeting}/minutes/").status_code == status
        assert client.get(f"/meetings/{meeting}/minutes.pdf").status_code == status


def test_the_console_and_the_officer_pages_link_the_minutes(held: Held) -> None:
    meeting = held.world.meeting
    chair = page_client(held.world.chair)
    console = chair.get(f"/meetings/{meeting.pk}/chair/").content.decode()
    assert f'href="/meetings/{meeting.pk}/minutes/"' in console
    assert 'id="minutes-note"' in console
    prepare = chair.get(f"/meetings/{meeting.pk}/prepare/").content.decode()
    assert f'href="/meetings/{meeting.pk}/minutes/"' in prepare
    office = chair.get(f"/unions/{held.world.union.pk}/office/").content.decode()
    assert f'href="/meetings/{meeting.pk}/minutes/"' in office


def test_the_motions_csv_gives_the_result_in_the_readers_language(held: Held) -> None:
    Member.objects.filter(pk=held.world.clerk.pk).update(preferred_language="ar")
    held.world.clerk.refresh_from_db()
    # The middleware activates the member's language in this thread: undone after.
    with translation.override("en"):
        answer = client_for(held.world.clerk).get(
            f"/api/meetings/{held.world.meeting.pk}/motions.csv"
        )
    assert answer.status_code == 200
    assert held.motion_poll.result is not None
    assert held.motion_poll.result["sentences"]["ar"] in answer.content.decode("utf-8-sig")
