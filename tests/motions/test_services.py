"""Motions through their services: submit, support, admit, amend, vote (the
poll's result comes back through voting's hook), withdraw, refer, the final
text with its hash, the log, and the resolution."""

from __future__ import annotations

import itertools

import pytest

from core.exceptions import Conflict, InvalidInput, NotAllowed
from meetings.models import MeetingEvent
from motions import selectors, services, texts
from motions.models import Amendment, Motion, Resolution, TextVersion
from tests.conftest import World
from tests.motions.conftest import TEXT, Carry, admitted_motion, make_observer, vote_and_close
from voting import services as voting_services

pytestmark = pytest.mark.django_db


def actions(world: World) -> list[str]:
    return list(
        MeetingEvent.objects.filter(meeting=world.meeting)
        .order_by("number")
        .values_list("action", flat=True)
    )


def test_submit_numbers_keeps_the_text_and_logs(world: World) -> None:
    first = services.motion_submit(
        actor=world.voters[0], meeting=world.meeting, title=" Wage ", text="a\r\n\r\n\r\nb  "
    )
    second = services.motion_submit(
        actor=world.voters[1], meeting=world.meeting, title="B", text="x"
    )
    assert (first.number, second.number) == (1, 2)
    assert first.title == "Wage" and first.text == "a\n\nb"
    version = TextVersion.objects.get(motion=first)
    assert version.kind == TextVersion.Kind.SUBMITTED
    assert version.sha256 == texts.sha256("a\n\nb")
    assert actions(world) == ["motion.submitted", "motion.submitted"]


@pytest.mark.parametrize(("title", "text"), [("", "text"), ("Title", "  \n\n ")])
def test_submit_refuses_empty_title_or_text(world: World, title: str, text: str) -> None:
    with pytest.raises(InvalidInput):
        services.motion_submit(actor=world.voters[0], meeting=world.meeting, title=title, text=text)
    assert not Motion.objects.exists()


def test_observers_and_outsiders_may_not_submit_or_support(world: World) -> None:
    observer = make_observer(world)
    with pytest.raises(NotAllowed, match="Observers and guests"):
        services.motion_submit(actor=observer, meeting=world.meeting, title="T", text="x")
    with pytest.raises(NotAllowed, match="roster"):
        services.motion_submit(actor=world.outsider, meeting=world.meeting, title="T", text="x")
    motion = services.motion_submit(
        actor=world.voters[0], meeting=world.meeting, title="T", text="x"
    )
    with pytest.raises(NotAllowed):
        services.motion_support(actor=observer, motion=motion)
    with pytest.raises(NotAllowed):
        services.amendment_submit(actor=observer, motion=motion, action="delete", paragraph=1)
    assert not motion.supports.exists() and not motion.amendments.exists()


def test_support_makes_admissible_and_only_the_chair_admits(live_world: World) -> None:
    world = live_world
    services.motion_settings_update(actor=world.chair, meeting=world.meeting, min_supporters=2)
    motion = services.motion_submit(
        actor=world.voters[0], meeting=world.meeting, title="T", text="x"
    )
    with pytest.raises(Conflict, match="own motion"):
        services.motion_support(actor=world.voters[0], motion=motion)
    services.motion_support(actor=world.voters[1], motion=motion)
    services.motion_support(actor=world.voters[1], motion=motion)  # sent twice: one support
    assert selectors.motions_payload(world.meeting.pk)[0]["admissible"] is False
    with pytest.raises(Conflict, match="needs 2 supporters; it has 1"):
        services.motion_admit(actor=world.chair, motion=motion, agenda_item_id=world.items[0].pk)
    services.motion_support(actor=world.voters[2], motion=motion)
    assert selectors.motions_payload(world.meeting.pk)[0]["admissible"] is True
    with pytest.raises(NotAllowed):
        services.motion_admit(actor=world.clerk, motion=motion, agenda_item_id=world.items[0].pk)
    services.motion_admit(actor=world.chair, motion=motion, agenda_item_id=world.items[1].pk)
    motion.refresh_from_db()
    assert motion.state == Motion.State.ADMITTED and motion.agenda_item_id == world.items[1].pk
    with pytest.raises(Conflict):
        services.motion_support(actor=world.chair, motion=motion)


def test_amendments_are_voted_before_their_motion(live_world: World, decide: Carry) -> None:
    world = live_world
    motion = admitted_motion(world)
    amendment = services.amendment_submit(
        actor=world.voters[2],
        motion=motion,
        action="replace",
        paragraph=2,
        text="The executive shall negotiate within a month.",
    )
    with pytest.raises(Conflict, match="Amendments are voted before their motion"):
        services.motion_put_to_vote(actor=world.chair, motion=motion)
    decide(amendment, "Yes")
    amendment.refresh_from_db()
    assert amendment.state == Amendment.State.CARRIED
    payload = selectors.motions_payload(world.meeting.pk)[0]
    assert "within a month" in payload["current_text"]
    decide(motion, "Yes")
    motion.refresh_from_db()
    assert motion.state == Motion.State.CARRIED
    final = TextVersion.objects.get(motion=motion, kind=TextVersion.Kind.FINAL)
    expected = (
        "The union demands a living wage.\n\n"
        "The executive shall negotiate within a month.\n\nReport by June."
    )
    assert final.text == expected
    assert final.sha256 == texts.sha256(expected)
    log = actions(world)
    assert log.index("amendment.carried") < log.index("motion.put_to_vote")
    carried = MeetingEvent.objects.get(meeting=world.meeting, action="motion.carried")
    assert carried.data["sha256"] == final.sha256
    # The poll was created with the meeting's rule for motions.
    poll = motion.poll
    assert poll is not None
    assert (poll.kind, poll.majority, poll.secrecy) == ("motion", "simple", "named")


def test_a_rejected_motion_keeps_no_final_text(live_world: World, decide: Carry) -> None:
    motion = admitted_motion(live_world)
    decide(motion, "No")
    motion.refresh_from_db()
    assert motion.state == Motion.State.REJECTED
    assert not TextVersion.objects.filter(motion=motion, kind=TextVersion.Kind.FINAL).exists()
    assert "motion.rejected" in actions(live_world)


def test_insert_and_delete_apply_against_the_submitted_text(
    live_world: World, decide: Carry
) -> None:
    world = live_world
    motion = admitted_motion(world)
    first = services.amendment_submit(
        actor=world.voters[2], motion=motion, action="insert", paragraph=0, text="Preamble."
    )
    gone = services.amendment_submit(
        actor=world.voters[2], motion=motion, action="delete", paragraph=3
    )
    again = services.amendment_submit(
        actor=world.voters[1], motion=motion, action="replace", paragraph=3, text="Report soon."
    )
    lost = services.amendment_submit(
        actor=world.voters[1], motion=motion, action="replace", paragraph=1, text="Nothing."
    )
    decide(first, "Yes")
    decide(gone, "Yes")
    decide(lost, "No")
    with pytest.raises(Conflict, match="already changed paragraph 3"):
        services.amendment_put_to_vote(actor=world.chair, amendment=again)
    services.amendment_withdraw(actor=world.voters[1], amendment=again)
    decide(motion, "Yes")
    final = TextVersion.objects.get(motion=motion, kind=TextVersion.Kind.FINAL)
    assert final.text == (
        "Preamble.\n\nThe union demands a living wage.\n\nThe executive shall negotiate."
    )
    payload = selectors.motions_payload(world.meeting.pk)[0]
    changes = {a["number"]: a["change"] for a in payload["amendments"]}
    assert changes[2] == {
        "action": "delete",
        "paragraph": 3,
        "before": "Report by June.",
        "after": None,
    }
    assert changes[1]["before"] is None and changes[1]["after"] == "Preamble."


@pytest.mark.parametrize(
    ("action", "paragraph", "text", "message"),
    [
        ("replace", 4, "x", "between 1 and 3"),
        ("insert", 4, "x", "between 0 and 3"),
        ("delete", 0, "", "between 1 and 3"),
        ("replace", 1, "", "required"),
        ("replace", 1, "one\n\ntwo", "one paragraph"),
        ("move", 1, "x", "replace, insert or delete"),
    ],
)
def test_a_bad_amendment_is_refused(
    world: World, action: str, paragraph: int, text: str, message: str
) -> None:
    motion = services.motion_submit(
        actor=world.voters[0], meeting=world.meeting, title="T", text=TEXT
    )
    with pytest.raises(InvalidInput, match=message):
        services.amendment_submit(
            actor=world.voters[1], motion=motion, action=action, paragraph=paragraph, text=text
        )
    assert not motion.amendments.exists()


def test_withdraw_and_refer(world: World) -> None:
    one = services.motion_submit(actor=world.voters[0], meeting=world.meeting, title="A", text="x")
    two = services.motion_submit(actor=world.voters[0], meeting=world.meeting, title="B", text="y")
    with pytest.raises(NotAllowed):
        services.motion_withdraw(actor=world.voters[1], motion=one)
    services.motion_withdraw(actor=world.voters[0], motion=one)
    with pytest.raises(NotAllowed):
        services.motion_refer(actor=world.voters[0], motion=two, referred_to="Executive")
    with pytest.raises(InvalidInput):
        services.motion_refer(actor=world.chair, motion=two, referred_to=" ")
    services.motion_refer(actor=world.chair, motion=two, referred_to="Executive")
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.state, two.state, two.referred_to) == ("withdrawn", "referred", "Executive")
    with pytest.raises(Conflict):
        services.motion_withdraw(actor=world.voters[0], motion=two)
    assert actions(world)[-2:] == ["motion.withdrawn", "motion.referred"]


def test_a_cancelled_poll_puts_the_motion_back(live_world: World) -> None:
    motion = admitted_motion(live_world)
    motion = services.motion_put_to_vote(actor=live_world.chair, motion=motion)
    assert motion.poll is not None
    voting_services.poll_cancel(actor=live_world.chair, poll=motion.poll, reason="Wrong text")
    motion.refresh_from_db()
    assert (motion.state, motion.poll_id) == (Motion.State.ADMITTED, None)


def test_a_tie_left_to_the_chair_waits_for_the_decision(live_world: World) -> None:
    world = live_world
    services.motion_settings_update(actor=world.chair, meeting=world.meeting, tie_rule="chair")
    motion = services.motion_put_to_vote(actor=world.chair, motion=admitted_motion(world))
    poll = motion.poll
    assert poll is not None
    from tests.voting.conftest import receipt

    yes, no = poll.options.get(label="Yes").pk, poll.options.get(label="No").pk
    for voter, choice in ((world.voters[0], yes), (world.voters[1], no)):
        voting_services.ballot_cast(voter=voter, poll_id=poll.pk, choices=[choice], nonce=receipt())
    poll = voting_services.poll_close(actor=world.chair, poll=poll)
    motion.refresh_from_db()
    assert motion.state == Motion.State.VOTING
    voting_services.poll_decide_tie(actor=world.chair, poll=poll, winners=[yes])
    motion.refresh_from_db()
    assert motion.state == Motion.State.CARRIED


def test_the_resolution_gathers_carried_motions(live_world: World, decide: Carry) -> None:
    world = live_world
    with pytest.raises(Conflict, match="No motion has been carried"):
        services.resolution_compose(actor=world.chair, meeting=world.meeting, title="Resolution")
    carried = admitted_motion(world)
    decide(carried, "Yes")
    rejected = admitted_motion(world, text="Another text.")
    decide(rejected, "No")
    with pytest.raises(NotAllowed):
        services.resolution_compose(actor=world.voters[0], meeting=world.meeting, title="R")
    resolution = services.resolution_compose(
        actor=world.chair, meeting=world.meeting, title="Resolution of the congress"
    )
    assert resolution.motion_ids == [carried.pk]
    assert resolution.text.startswith("Resolution of the congress\n\n1. Living wage\n\n")
    assert "Another text." not in resolution.text
    assert resolution.sha256 == texts.sha256(resolution.text)
    resolution = services.resolution_put_to_vote(actor=world.chair, meeting=world.meeting)
    assert resolution.poll is not None
    with pytest.raises(Conflict):
        services.resolution_compose(actor=world.chair, meeting=world.meeting, title="Again")
    vote_and_close(world, resolution.poll, "Yes")
    resolution.refresh_from_db()
    assert resolution.state == Resolution.State.ADOPTED
    assert actions(world)[-1] == "resolution.adopted"


def test_the_log_chain_holds_after_motions(live_world: World, decide: Carry) -> None:
    from meetings import log

    decide(admitted_motion(live_world), "Yes")
    exported = log.log_export(live_world.meeting.pk)
    for before, after in itertools.pairwise(exported):
        assert after["previous"] == before["hash"]
        assert log.body_hash({k: v for k, v in after.items() if k != "hash"}) == after["hash"]


def test_csv_lists_motions_and_amendments(live_world: World, decide: Carry) -> None:
    world = live_world
    motion = admitted_motion(world)
    amendment = services.amendment_submit(
        actor=world.voters[2], motion=motion, action="delete", paragraph=3
    )
    decide(amendment, "Yes")
    decide(motion, "Yes")
    content = selectors.motions_csv(world.meeting).content.decode("utf-8-sig")
    lines = content.splitlines()
    assert lines[0].startswith("Number,Title,State")
    assert lines[1].startswith("1,Living wage,Carried,")
    assert lines[2].startswith("1-A1,Delete paragraph,Carried,")
    final = TextVersion.objects.get(motion=motion, kind=TextVersion.Kind.FINAL)
    assert lines[1].endswith(final.sha256)


def test_a_motion_and_a_document_are_never_up_at_once(
    live_world: World, media_root: object
) -> None:
    """The room's screen shows what the chair put up last: a motion takes a
    document on show down, and a document a motion."""
    from documents import selectors as document_selectors
    from documents import services as document_services
    from tests.documents.conftest import pdf_upload

    world = live_world
    meeting = world.meeting
    motion = admitted_motion(world)
    version = document_services.document_upload(
        actor=world.chair, meeting=meeting, upload=pdf_upload(), title="Budget"
    )
    document_services.presenter_show(
        actor=world.chair, meeting=meeting, document=version.document, page=1
    )
    assert document_selectors.presentation_payload(meeting.pk) is not None

    services.motion_project(actor=world.chair, meeting=meeting, motion_id=motion.pk)
    assert document_selectors.presentation_payload(meeting.pk) is None
    assert selectors.projection_payload(meeting.pk) == {
        "motion_id": motion.pk,
        "amendment_id": None,
    }

    document_services.presenter_show(
        actor=world.chair, meeting=meeting, document=version.document, page=2
    )
    assert selectors.projection_payload(meeting.pk) is None
    assert document_selectors.presentation_payload(meeting.pk) is not None
