"""Requests that used to answer 500: each now answers a 4xx with a sentence."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from meetings import services as meeting_services
from meetings.models import Participant
from tests.api import assert_error, client_for
from tests.conftest import World
from voting import services as voting_services

pytestmark = pytest.mark.django_db

DEEP = "[" * 1000 + "]" * 1000


def test_json_nested_1000_deep_answers_400_anonymous(world: World) -> None:
    body = '{"username": ' + DEEP + ', "password": "x"}'
    response = APIClient().post("/api/auth/login/", body, content_type="application/json")
    error = assert_error(response, 400, "parse_error")
    assert "nested too deep" in error["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/meetings/{meeting}/agenda/",
        "/api/meetings/{meeting}/polls/",
        "/api/receipt-qr/",
        "/api/meetings/{meeting}/check-in/",
    ],
)
def test_json_nested_1000_deep_answers_400_logged_in(world: World, path: str) -> None:
    response = client_for(world.chair).post(
        path.format(meeting=world.meeting.pk), DEEP, content_type="application/json"
    )
    assert_error(response, 400, "parse_error")


def test_json_at_the_depth_limit_still_parses(world: World) -> None:
    from core import jsonlimits

    nested = "[" * jsonlimits.MAX_DEPTH + "]" * jsonlimits.MAX_DEPTH
    assert jsonlimits.nesting_depth(nested) == jsonlimits.MAX_DEPTH
    assert jsonlimits.nesting_depth('{"a": "[[[[{{{{"}') == 1
    response = client_for(world.chair).patch(
        f"/api/meetings/{world.meeting.pk}/agenda/{world.items[0].pk}/",
        '{"title": "Budget", "ignored": ' + nested[1:-1] + "}",
        content_type="application/json",
    )
    # Parsed: the answer is the serializer's about the unknown field, not a parse error.
    body = assert_error(response, 400, "invalid")
    assert "Unknown field" in body["detail"], body


def test_receipt_qr_with_a_negative_meeting_id_answers_400(world: World) -> None:
    response = client_for(world.voters[0]).post(
        "/api/receipt-qr/", {"meeting": -1, "poll": 1, "receipt": "A" * 16}, format="json"
    )
    assert_error(response, 400, "invalid")


def test_quorum_count_above_the_column_answers_400(world: World) -> None:
    url = f"/api/meetings/{world.meeting.pk}/voting-settings/"
    response = client_for(world.chair).patch(url, {"quorum_count": 2**31}, format="json")
    body = assert_error(response, 400, "invalid")
    assert "quorum_count" in body["errors"]
    ok = client_for(world.chair).patch(url, {"quorum_count": 2**31 - 1}, format="json")
    assert ok.status_code == 200, ok.content


def test_removing_a_participant_on_a_polls_roll_answers_409(world: World) -> None:
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    poll = voting_services.poll_create(
        actor=world.chair, meeting=world.meeting, title="Adopt?", kind="motion"
    )
    voting_services.poll_open(actor=world.chair, poll=poll)
    voter = world.participant(world.voters[0])
    url = f"/api/meetings/{world.meeting.pk}/participants/{voter.pk}/"
    body = assert_error(client_for(world.chair).delete(url), 409, "participant_in_use")
    assert "electoral roll" in body["detail"]
    assert Participant.objects.filter(pk=voter.pk).exists()
