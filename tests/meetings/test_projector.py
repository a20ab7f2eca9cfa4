"""The room's screen: scenes, projector links one by one, pairing by code."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.exceptions import InvalidInput, NotAllowed, NotFound
from documents import services as document_services
from meetings import services
from meetings.models import Meeting, ProjectorPairing
from meetings.selectors import meeting_shared_snapshot
from tests.conftest import World
from tests.documents.pdfs import make_pdf
from voting import selectors as voting_selectors
from voting import services as voting_services


def projector_state(world: World) -> dict[str, object]:
    state: dict[str, object] = meeting_shared_snapshot(meeting_id=world.meeting.pk)["projector"]
    return state


def test_a_meeting_follows_by_default_and_the_chair_picks_a_scene(world: World) -> None:
    assert projector_state(world) == {"scene": "follow", "since": None}
    services.projector_scene_set(actor=world.chair, meeting=world.meeting, scene="result")
    state = projector_state(world)
    assert state["scene"] == "result" and state["since"] is not None
    services.projector_scene_set(actor=world.chair, meeting=world.meeting, scene="break")
    assert projector_state(world)["scene"] == "break"


def test_an_unknown_scene_and_a_voter_are_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="Unknown scene"):
        services.projector_scene_set(actor=world.chair, meeting=world.meeting, scene="disco")
    for other in (world.voters[0], world.clerk):  # the chair runs the room's screen
        with pytest.raises(NotAllowed):
            services.projector_scene_set(actor=other, meeting=world.meeting, scene="blank")
    assert projector_state(world)["scene"] == "follow"


def test_moving_on_returns_the_screen_to_the_meeting_and_clears_a_result(world: World) -> None:
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    services.projector_scene_set(actor=world.chair, meeting=world.meeting, scene="blank")
    before = Meeting.objects.get(pk=world.meeting.pk).projector_since
    services.agenda_advance(actor=world.chair, meeting=world.meeting, direction="next")
    meeting = Meeting.objects.get(pk=world.meeting.pk)
    assert meeting.projector_scene == "follow"
    assert before is not None and meeting.projector_since is not None
    assert meeting.projector_since >= before


def test_a_document_put_up_moves_the_screen_on_but_a_page_turn_does_not(world: World) -> None:
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    version = document_services.document_upload(
        actor=world.chair,
        meeting=world.meeting,
        upload=SimpleUploadedFile("a.pdf", make_pdf(3), "application/pdf"),
        title="Agenda",
    )
    services.projector_scene_set(actor=world.chair, meeting=world.meeting, scene="agenda")
    document_services.presenter_show(
        actor=world.chair, meeting=world.meeting, document=version.document, page=1
    )
    shown = Meeting.objects.get(pk=world.meeting.pk)
    assert shown.projector_scene == "follow"
    services.projector_scene_set(actor=world.chair, meeting=world.meeting, scene="result")
    document_services.presenter_show(
        actor=world.chair, meeting=world.meeting, document=version.document, page=2
    )
    assert Meeting.objects.get(pk=world.meeting.pk).projector_scene == "result"


def test_each_projector_link_is_listed_and_revoked_alone(world: World) -> None:
    first = services.projector_link_create(actor=world.chair, meeting=world.meeting, label="Hall")
    second = services.projector_link_create(actor=world.chair, meeting=world.meeting)
    links = services.projector_links_list(actor=world.chair, meeting=world.meeting)
    assert [link.label for link in links] == ["Hall", "Room screen"]
    services.projector_link_revoke(actor=world.chair, meeting=world.meeting, link_id=links[0].pk)
    with pytest.raises(NotFound, match="revoked"):
        services.projector_meeting(first)
    assert services.projector_meeting(second) == world.meeting
    assert len(services.projector_links_list(actor=world.chair, meeting=world.meeting)) == 1
    with pytest.raises(NotFound):
        services.projector_link_revoke(
            actor=world.chair, meeting=world.meeting, link_id=links[0].pk
        )
    with pytest.raises(NotAllowed):
        services.projector_links_list(actor=world.voters[0], meeting=world.meeting)


def test_a_pairing_code_pairs_one_screen_once(world: World) -> None:
    code, seconds = services.projector_pairing_create(actor=world.chair, meeting=world.meeting)
    assert len(code) == 6 and seconds == 600
    # Typed as people type: lower case, a space.
    meeting, token = services.projector_pair(code=f"{code[:3].lower()} {code[3:]}", label="PC")
    assert meeting == world.meeting
    assert services.projector_meeting(token) == world.meeting
    assert [
        link.label for link in services.projector_links_list(actor=world.chair, meeting=meeting)
    ] == ["PC"]
    with pytest.raises(InvalidInput, match="not valid or has expired"):
        services.projector_pair(code=code)
    assert not ProjectorPairing.objects.filter(code_hash=code).exists()  # only its hash is kept


def test_an_expired_or_short_code_pairs_nothing(world: World) -> None:
    code, _seconds = services.projector_pairing_create(actor=world.chair, meeting=world.meeting)
    ProjectorPairing.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(InvalidInput, match="not valid or has expired"):
        services.projector_pair(code=code)
    with pytest.raises(InvalidInput, match="six letters"):
        services.projector_pair(code="ABC")
    with pytest.raises(NotAllowed):
        services.projector_pairing_create(actor=world.voters[0], meeting=world.meeting)


def test_moving_on_sends_nothing_when_the_screen_already_follows(world: World) -> None:
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    before = Meeting.objects.get(pk=world.meeting.pk)
    services.agenda_advance(actor=world.chair, meeting=world.meeting, direction="next")
    after = Meeting.objects.get(pk=world.meeting.pk)
    assert after.event_seq == before.event_seq + 1  # agenda.changed only
    assert after.projector_since is None


def test_moving_on_clears_a_result_shown(world: World) -> None:
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    poll = voting_services.poll_create(
        actor=world.chair, meeting=world.meeting, title="Adopt", kind="motion"
    )
    voting_services.poll_open(actor=world.chair, poll=poll)
    voting_services.poll_close(actor=world.chair, poll=poll)
    assert voting_selectors.projector_result_shown(Meeting.objects.get(pk=world.meeting.pk))
    services.agenda_advance(actor=world.chair, meeting=world.meeting, direction="next")
    meeting = Meeting.objects.get(pk=world.meeting.pk)
    assert meeting.projector_since is not None
    assert not voting_selectors.projector_result_shown(meeting)
