"""The minutes' services and what they compose: agenda start times, the
attendance, speakers, motions and polls per item with their fingerprints,
the notes, and finalising into a hashed document version and the log."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import translation

from core.exceptions import Conflict, InvalidInput, NotAllowed
from documents.models import Document
from meetings import services as meeting_services
from meetings.models import AgendaItem, MeetingEvent
from minutes import selectors, services
from minutes.models import Minutes, MinutesNote
from tests.conftest import World, build_world
from tests.minutes.conftest import Held, hold_meeting, note
from voting.selectors import head_fingerprint

pytestmark = pytest.mark.django_db


def test_an_item_keeps_the_time_it_first_became_current(world: World) -> None:
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    first = AgendaItem.objects.get(pk=world.items[0].pk)
    assert first.state == "current" and first.started_at is not None
    assert AgendaItem.objects.get(pk=world.items[1].pk).started_at is None
    earlier = first.started_at - timedelta(minutes=30)
    AgendaItem.objects.filter(pk=first.pk).update(started_at=earlier)
    meeting_services.agenda_advance(actor=world.chair, meeting=world.meeting, direction="next")
    second = AgendaItem.objects.get(pk=world.items[1].pk)
    assert second.started_at is not None and second.started_at >= earlier
    # Back to the first item: it keeps its first start.
    meeting_services.agenda_advance(actor=world.chair, meeting=world.meeting, direction="previous")
    assert AgendaItem.objects.get(pk=first.pk).started_at == earlier


def test_an_item_added_to_a_live_meeting_with_none_current_starts_now(world: World) -> None:
    AgendaItem.objects.filter(meeting=world.meeting).delete()
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    item = meeting_services.agenda_item_add(actor=world.chair, meeting=world.meeting, title="New")
    assert item.state == "current" and item.started_at is not None


def test_the_minutes_gather_attendance_agenda_speakers_motions_and_polls(held: Held) -> None:
    world = held.world
    doc = selectors.minutes_compose(world.meeting)
    assert doc.union == world.union.name and doc.title == world.meeting.title
    assert doc.place == "Union hall" and doc.chair == "Chair Nguyễn"
    # Voters: the chair and the first voter in the room, the second remote,
    # the third (whose proxy the first carries) and the fourth absent.
    att = doc.attendance
    assert (att.room, att.remote, att.absent, att.voters) == (2, 1, 2, 5)
    assert att.proxies == [(world.voters[2].full_name, world.voters[0].full_name)]
    assert len(att.rows) == 6  # the clerk is listed, not counted as a voter
    first, second, third = doc.items
    assert first.started_at and second.started_at and not third.started_at
    assert [s.name for s in first.speeches] == [world.voters[0].full_name]
    assert [m.title for m in first.motions] == ["Living wage"]
    motion = first.motions[0]
    assert motion.text_is_final and len(motion.sha256) == 64
    assert motion.sentence.startswith("Carried")
    assert [p.id for p in first.polls] == [held.motion_poll.pk]
    budget = second.polls[0]
    assert budget.title == "Adopt the budget?"
    assert [(o.label, o.ballots) for o in budget.options] == [("Yes", 2), ("No", 1), ("Abstain", 0)]
    assert budget.sentence == "Carried: 2 yes, 1 no; more yes than no required."
    assert budget.majority == "Simple majority"
    # The fingerprint is the one the board and the projector show.
    assert budget.fingerprint == head_fingerprint(held.budget_poll)
    assert budget.head_hash == held.budget_poll.seal.head_hash
    last = MeetingEvent.objects.filter(meeting=world.meeting).order_by("-number").first()
    assert last is not None and doc.log_head is not None
    assert (doc.log_head.number, doc.log_head.hash) == (last.number, last.hash)


def test_the_minutes_read_in_the_meetings_language(held: Held) -> None:
    with translation.override("ar"):
        doc = selectors.minutes_compose(held.world.meeting)
    budget = doc.items[1].polls[0]
    assert held.budget_poll.result is not None
    assert budget.sentence == held.budget_poll.result["sentences"]["ar"]
    assert budget.options[0].label == "نعم"


def test_the_secretary_saves_notes_per_item(held: Held) -> None:
    note(held, 0, "The treasurer presented the accounts.")
    note(held, 0, "The treasurer presented the accounts.\nNo questions.")
    saved = MinutesNote.objects.get(agenda_item=held.world.items[0])
    assert saved.text.endswith("No questions.") and saved.updated_by == held.world.clerk
    services.minutes_note_save(
        actor=held.world.chair,
        meeting=held.world.meeting,
        agenda_item_id=held.world.items[1].pk,
        text="Budget adopted.",
    )
    doc = selectors.minutes_compose(held.world.meeting)
    assert doc.items[0].note.endswith("No questions.")
    assert doc.items[1].note == "Budget adopted."
    assert doc.secretary == "Chair Nguyễn, Clerk Trần"


def test_voters_may_not_write_notes_and_items_must_belong(held: Held) -> None:
    with pytest.raises(NotAllowed):
        services.minutes_note_save(
            actor=held.world.voters[0],
            meeting=held.world.meeting,
            agenda_item_id=held.world.items[0].pk,
            text="Mine",
        )
    other = build_world(voters=1, items=1)
    with pytest.raises(Exception) as refused:
        services.minutes_note_save(
            actor=held.world.clerk,
            meeting=held.world.meeting,
            agenda_item_id=other.items[0].pk,
            text="Elsewhere",
        )
    assert getattr(refused.value, "status", None) == 404
    with pytest.raises(InvalidInput):
        note(held, 0, "x" * (services.NOTE_MAX_CHARS + 1))
    assert not MinutesNote.objects.exists()


def test_finalising_keeps_the_pdf_hashed_and_logged(held: Held) -> None:
    note(held, 0, "Accounts approved.")
    before = MeetingEvent.objects.filter(meeting=held.world.meeting).order_by("-number").first()
    assert before is not None
    record = services.minutes_finalise(actor=held.world.clerk, meeting=held.world.meeting)
    data = record.version.file.read()
    assert data.startswith(b"%PDF")
    assert record.sha256 == hashlib.sha256(data).hexdigest() == record.version.sha256
    assert record.log_number == before.number and record.log_hash == before.hash
    document = Document.objects.get(pk=record.version.document_id)
    assert document.meeting_id == held.world.meeting.pk
    assert document.current_version_id == record.version.pk
    event = MeetingEvent.objects.filter(meeting=held.world.meeting).order_by("-number").first()
    assert event is not None and event.action == "minutes.finalised"
    assert event.data["sha256"] == record.sha256 and event.previous == before.hash
    assert event.data["log_head"] == before.hash
    # The page's record shows what the PDF printed, not the head after it.
    doc = selectors.minutes_compose(held.world.meeting)
    assert doc.finalised and doc.log_head is not None and doc.log_head.hash == before.hash
    assert doc.secretary == "Clerk Trần" and doc.sha256 == record.sha256
    # Read-only after.
    with pytest.raises(Conflict) as refused:
        note(held, 0, "Changed afterwards")
    assert refused.value.code == "minutes_finalised"
    assert MinutesNote.objects.get(agenda_item=held.world.items[0]).text == "Accounts approved."
    with pytest.raises(Conflict):
        services.minutes_finalise(actor=held.world.chair, meeting=held.world.meeting)
    assert Minutes.objects.count() == 1


def test_only_a_closed_meetings_minutes_are_finalised(db: None) -> None:
    held = hold_meeting(build_world(voters=3, items=2), close=False)
    with pytest.raises(Conflict):
        services.minutes_finalise(actor=held.world.chair, meeting=held.world.meeting)
    with pytest.raises(NotAllowed):
        services.minutes_finalise(actor=held.world.voters[0], meeting=held.world.meeting)
    assert not Minutes.objects.exists()


def test_the_resolution_is_in_the_minutes(db: None) -> None:
    from minutes import pdf
    from motions import services as motion_services
    from tests.minutes.test_pdf import pdf_text

    held = hold_meeting(build_world(voters=3, items=2), close=False)
    resolution = motion_services.resolution_compose(
        actor=held.world.chair, meeting=held.world.meeting, title="Resolution of the meeting"
    )
    doc = selectors.minutes_compose(held.world.meeting)
    assert doc.resolution is not None
    assert doc.resolution.title == "Resolution of the meeting"
    assert doc.resolution.sha256 == resolution.sha256 and doc.resolution.text == resolution.text
    text = pdf_text(pdf.minutes_pdf(doc))
    assert "Resolution of the meeting" in text and resolution.sha256 in text
