"""`seed_demo --reset` (`make demo RESET=1`): delete what the demo created, and
nothing else, then seed afresh."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError

from demo.reset import demo_reset
from documents import services as document_services
from documents.demo import agenda_pdf
from documents.models import Document
from meetings import services
from meetings.models import Meeting, MeetingEvent, Member, Membership, Participant, Union
from tests.conftest import build_world
from tests.demo.conftest import run, seed
from tests.demo.test_seed_demo_again import assert_ready, close_meeting
from voting import services as voting_services
from voting.models import Ballot, Poll, PollSeal

pytestmark = pytest.mark.django_db

Rows = dict[str, dict[Any, dict[str, Any]]]


def all_rows() -> Rows:
    """Every row of every table, by model and primary key."""
    return {
        model._meta.label: {
            row[model._meta.pk.attname]: row for row in model._base_manager.values()
        }
        for model in apps.get_models(include_auto_created=True)
    }


def stored(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def other_union_with_a_closed_poll_and_a_document() -> Meeting:
    """Another union's meeting with what a reset could break: a voted and
    closed poll (ballots, roll, seal), a log and an uploaded document."""
    world = build_world(voters=3)
    meeting = services.meeting_start(actor=world.chair, meeting=world.meeting)
    poll = voting_services.poll_create(
        actor=world.chair, meeting=meeting, title="Strike?", kind="motion"
    )
    poll = voting_services.poll_open(actor=world.chair, poll=poll)
    for voter, receipt in zip(world.voters, ["AAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBB"], strict=False):
        voting_services.ballot_cast(
            voter=voter,
            poll_id=poll.pk,
            choices=[poll.options.get(label="Yes").pk],
            nonce=receipt,
        )
    voting_services.poll_close(actor=world.chair, poll=poll)
    document_services.document_upload(
        actor=world.chair,
        meeting=meeting,
        upload=SimpleUploadedFile("pack.pdf", agenda_pdf(meeting), "application/pdf"),
        title="Their pack",
    )
    return meeting


def test_reset_deletes_every_demo_meeting_and_account_and_seeds_afresh(
    media_root: Path, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    first = seed()
    close_meeting(Meeting.objects.get(pk=first["meeting_id"]))
    seed()
    old_accounts = set(Member.objects.values_list("pk", flat=True))
    assert len(stored(media_root)) == 2  # an agenda pack per demo meeting

    with django_capture_on_commit_callbacks(execute=True):
        data = seed("--reset")
    assert data["notes"] == [
        "Reset: deleted the demo union with its 2 meetings, and 32 demo accounts."
    ]
    assert Meeting.objects.get().pk == data["meeting_id"]
    assert_ready(data)
    assert not old_accounts & set(Member.objects.values_list("pk", flat=True))
    assert len(stored(media_root)) == 1  # the old packs' files went with them
    assert Union.objects.filter(code="demo").count() == 1


def test_reset_leaves_other_unions_alone(
    media_root: Path, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    other = other_union_with_a_closed_poll_and_a_document()
    before_demo = all_rows()
    their_files = stored(media_root)
    seed()
    # A demo account the other union took in is theirs now as well.
    member05 = Member.objects.get(username="member05")
    Membership.objects.create(member=member05, union=other.union)
    other_chair = Participant.objects.get(meeting=other, role=Participant.Role.CHAIR).member
    services.participant_add(actor=other_chair, meeting=other, member=member05)
    before = all_rows()

    with django_capture_on_commit_callbacks(execute=True):
        sentence = demo_reset()
    assert sentence == (
        "Reset: deleted the demo union with its 1 meeting, and 31 demo accounts. "
        "Kept member05: other unions use them."
    )
    after = all_rows()
    for label, rows in after.items():
        # Nothing that stays was changed, nothing was added...
        assert all(rows[pk] == before[label][pk] for pk in rows), label
        # ...and nothing that was there before the demo went.
        assert set(before_demo[label]) <= set(rows), label
    assert Participant.objects.filter(meeting=other, member=member05).exists()
    assert Membership.objects.filter(member=member05, union=other.union).exists()
    assert their_files and stored(media_root) == their_files
    # The demo's data is gone.
    assert not Union.objects.filter(code="demo").exists()
    assert Meeting.objects.get() == other
    assert Poll.objects.filter(meeting=other).count() == Poll.objects.count() == 1
    assert Ballot.objects.count() == 2 and PollSeal.objects.count() == 1
    assert set(MeetingEvent.objects.values_list("meeting_id", flat=True)) == {other.pk}
    assert Document.objects.get().meeting == other


def test_reset_refuses_when_another_union_sits_under_the_demo_union() -> None:
    seed()
    demo_union = Union.objects.get(code="demo")
    Union.objects.create(name="Local 7", code="local-7", parent=demo_union)
    before = all_rows()
    with pytest.raises(CommandError, match=r"The union “Local 7” .* so nothing was reset"):
        run("--reset")
    assert all_rows() == before


def test_reset_with_no_demo_data() -> None:
    data = seed("--reset")
    assert data["notes"] == ["Reset: there was no demo data to delete."]
    assert_ready(data)
