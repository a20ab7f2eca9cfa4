"""A PATCH names only fields the endpoint changes. Naming someone chair,
clerk or secretary of a meeting on the meeting itself (not on its roster)
used to answer 200 and drop the field without a word; it is refused with 400,
naming the field and saying where roles are given. Roles are held by
participants, so nobody off the roster can be given one."""

from __future__ import annotations

import pytest

from meetings.models import Meeting, Participant
from tests.api import assert_error, client_for
from tests.conftest import World
from tests.factories import MeetingFactory, ParticipantFactory
from voting import services as voting_services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", ["chair", "clerk", "secretary", "chair_id"])
def test_naming_an_officer_on_the_meeting_is_refused_with_400(world: World, field: str) -> None:
    url = f"/api/meetings/{world.meeting.pk}/"
    response = client_for(world.chair).patch(
        url, {"title": "Renamed", field: world.outsider.pk}, format="json"
    )
    body = assert_error(response, 400, "invalid")
    assert body["detail"].startswith(f"{field}: Unknown field")
    assert "title" in body["detail"] and "roster" in body["detail"]
    assert list(body["errors"]) == [field]
    world.meeting.refresh_from_db()
    assert world.meeting.title != "Renamed"  # nothing of the request was applied
    assert not Participant.objects.filter(meeting=world.meeting, member=world.outsider).exists()


def test_a_role_is_given_only_to_a_participant_on_the_roster(world: World) -> None:
    other = MeetingFactory.create(union=world.union)
    stranger = ParticipantFactory.create(meeting=other, member=world.outsider)
    response = client_for(world.chair).patch(
        f"/api/meetings/{world.meeting.pk}/participants/{stranger.pk}/",
        {"role": "chair"},
        format="json",
    )
    assert_error(response, 404)
    stranger.refresh_from_db()
    assert stranger.role == Participant.Role.VOTER
    # On the roster: the role is given.
    clerk = world.participant(world.clerk)
    changed = client_for(world.chair).patch(
        f"/api/meetings/{world.meeting.pk}/participants/{clerk.pk}/",
        {"role": "chair", "member": world.outsider.pk},
        format="json",
    )
    assert_error(changed, 400, "invalid")  # `member` is not changed by a PATCH
    ok = client_for(world.chair).patch(
        f"/api/meetings/{world.meeting.pk}/participants/{clerk.pk}/",
        {"role": "chair"},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["role"] == "chair"


def test_a_presenter_off_the_roster_is_refused(world: World) -> None:
    other = MeetingFactory.create(union=world.union)
    stranger = ParticipantFactory.create(meeting=other, member=world.outsider)
    response = client_for(world.chair).put(
        f"/api/meetings/{world.meeting.pk}/presentation/presenter/",
        {"participant_id": stranger.pk},
        format="json",
    )
    assert_error(response, 404)


def test_every_patch_refuses_a_field_it_does_not_change(world: World) -> None:
    poll = voting_services.poll_create(
        actor=world.chair, meeting=world.meeting, title="Adopt?", kind="motion"
    )
    meeting = world.meeting
    item = world.items[0]
    for url, body in (
        (f"/api/polls/{poll.pk}/", {"state": "open"}),
        (f"/api/meetings/{meeting.pk}/agenda/{item.pk}/", {"position": 9}),
        (f"/api/meetings/{meeting.pk}/voting-settings/", {"status": "live"}),
        (f"/api/meetings/{meeting.pk}/attendance/settings/", {"presence": "room"}),
        (f"/api/meetings/{meeting.pk}/speakers/settings/", {"speaker": 1}),
    ):
        response = client_for(world.chair).patch(url, body, format="json")
        assert_error(response, 400, "invalid")
        assert next(iter(body)) in response.json()["errors"], url
    poll.refresh_from_db()
    assert poll.state == "draft"
    assert Meeting.objects.get(pk=meeting.pk).status == meeting.status
