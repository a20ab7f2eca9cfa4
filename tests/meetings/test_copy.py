"""Copying a past meeting as the template of a new one."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.exceptions import NotAllowed
from meetings import services
from meetings.models import Meeting, MeetingEvent, Participant
from tests.api import assert_error, client_for
from tests.conftest import World
from voting import services as voting_services
from voting.models import Poll


def test_a_copy_takes_settings_agenda_roster_and_polls_as_drafts(world: World) -> None:
    source = world.meeting
    services.meeting_voting_settings_update(
        actor=world.chair, meeting=source, quorum_kind="count", quorum_count=2, proxy_limit=3
    )
    services.participant_update(
        actor=world.chair, participant=world.participant(world.voters[0]), vote_weight="2.5"
    )
    services.meeting_start(actor=world.chair, meeting=source)
    item = world.items[1]
    kept = voting_services.poll_create(
        actor=world.chair,
        meeting=source,
        title="Venue?",
        kind="single",
        options=["Huế", "Hà Nội"],
        secrecy="named",
        agenda_item_id=item.pk,
    )
    kept = voting_services.poll_close(
        actor=world.chair, poll=voting_services.poll_open(actor=world.chair, poll=kept)
    )
    dropped = voting_services.poll_create(
        actor=world.chair, meeting=source, title="Dropped", kind="motion"
    )
    voting_services.poll_cancel(actor=world.chair, poll=dropped, reason="No")
    services.meeting_close(actor=world.chair, meeting=source)

    starts = timezone.now() + timedelta(days=30)
    copy = services.meeting_copy(
        actor=world.chair, source=source, title="Congress 2027", starts_at=starts
    )
    assert (copy.title, copy.status, copy.union_id) == (
        "Congress 2027",
        Meeting.Status.SCHEDULED,
        source.union_id,
    )
    assert (copy.quorum_kind, copy.quorum_count, copy.proxy_limit) == ("count", 2, 3)
    assert list(copy.agenda_items.values_list("title", "state")) == [
        ("Item 1", "pending"),
        ("Item 2", "pending"),
        ("Item 3", "pending"),
    ]
    roster = {p.member_id: (p.role, p.vote_weight, p.presence) for p in copy.participants.all()}
    assert roster[world.voters[0].pk] == ("voter", Decimal("2.5"), "absent")
    assert roster[world.clerk.pk][0] == "clerk" and roster[world.chair.pk][0] == "chair"
    assert len(roster) == Participant.objects.filter(meeting=source).count()
    (poll,) = Poll.objects.filter(meeting=copy)
    assert (poll.title, poll.state, poll.secrecy) == ("Venue?", "draft", "named")
    assert poll.agenda_item is not None and poll.agenda_item.title == "Item 2"
    assert poll.agenda_item.meeting_id == copy.pk
    assert list(poll.options.values_list("label", flat=True)) == ["Huế", "Hà Nội", "Abstain"]
    assert MeetingEvent.objects.filter(meeting=copy, action="meeting.copied").exists()


def test_only_an_officer_copies(world: World) -> None:
    for who in (world.clerk, world.voters[0], world.outsider):
        with pytest.raises(NotAllowed):
            services.meeting_copy(
                actor=who, source=world.meeting, title="X", starts_at=timezone.now()
            )
    assert Meeting.objects.count() == 1


def test_copy_over_the_api(world: World) -> None:
    url = f"/api/meetings/{world.meeting.pk}/copy/"
    body = {"title": "Next year", "starts_at": "2027-03-01T09:00:00+07:00"}
    response = client_for(world.chair).post(url, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["title"] == "Next year"
    assert_error(client_for(world.clerk).post(url, body, format="json"), 403)
    assert_error(client_for(world.chair).post(url, {"title": ""}, format="json"), 400)
    assert_error(client_for(world.outsider).post(url, body, format="json"), 404)
