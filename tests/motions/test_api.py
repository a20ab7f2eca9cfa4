"""Motions over REST: every endpoint's answers against the OpenAPI schema
(the scenario is counted by tests/test_payloads.py), refusals with a clear
status and sentence, and the CSV export."""

from __future__ import annotations

from typing import Any

import pytest

from meetings import services as meeting_services
from motions.models import Motion
from tests.conftest import World
from tests.motions.answers import MOTIONS_ANSWERS
from tests.motions.conftest import TEXT, make_observer, vote_and_close
from tests.test_payloads import Recorder
from voting.models import Poll

pytestmark = pytest.mark.django_db


def _close(world: World, poll_id: int, choice: str) -> None:
    vote_and_close(world, Poll.objects.get(pk=poll_id), choice)


def test_motion_payloads(world: World) -> None:
    recorder = Recorder()
    chair, a, b = (recorder.client(m) for m in (world.chair, *world.voters[:2]))
    meeting = {"meeting_id": world.meeting.pk}
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    settings = "/api/meetings/{meeting_id}/motion-settings/"
    assert chair.get(settings, **meeting)["min_supporters"] == 1
    assert chair.put(settings, {"min_supporters": 1, "secrecy": "named"}, **meeting)["secrecy"]
    motions = "/api/meetings/{meeting_id}/motions/"
    submitted = a.post(motions, {"title": "Living wage", "text": TEXT}, 201, **meeting)
    one = {"motion_id": submitted["id"]}
    assert submitted["paragraphs"][0] == "The union demands a living wage."
    supported = b.post("/api/motions/{motion_id}/support/", {}, **one)
    assert (
        supported["admissible"] and supported["supporters"][0]["name"] == world.voters[1].full_name
    )
    admitted = chair.post(
        "/api/motions/{motion_id}/admit/", {"agenda_item_id": world.items[0].pk}, **one
    )
    assert admitted["state"] == "admitted"
    amended = b.post(
        "/api/motions/{motion_id}/amendments/",
        {"action": "replace", "paragraph": 3, "text": "Report by May."},
        201,
        **one,
    )
    change = amended["amendments"][0]["change"]
    assert (change["before"], change["after"]) == ("Report by June.", "Report by May.")
    amendment = {"amendment_id": amended["amendments"][0]["id"]}
    spare = b.post(
        "/api/motions/{motion_id}/amendments/",
        {"action": "delete", "paragraph": 1},
        201,
        **one,
    )
    b.post(
        "/api/amendments/{amendment_id}/withdraw/",
        amendment_id=spare["amendments"][1]["id"],
    )
    chair.post(
        "/api/meetings/{meeting_id}/motion-projection/",
        {"motion_id": submitted["id"], "amendment_id": amendment["amendment_id"]},
        204,
        **meeting,
    )
    voting = chair.post("/api/amendments/{amendment_id}/vote/", {}, **amendment)
    _close(world, voting["amendments"][0]["poll_id"], "Yes")
    assert a.get("/api/motions/{motion_id}/", **one)["current_text"].endswith("Report by May.")
    put = chair.post("/api/motions/{motion_id}/vote/", {}, **one)
    _close(world, put["poll_id"], "Yes")
    carried = a.get(motions, **meeting)[0]
    assert carried["state"] == "carried" and carried["final"]["text"].endswith("Report by May.")

    # Withdrawn, referred.
    other = a.post(motions, {"title": "Other", "text": "x"}, 201, **meeting)
    assert a.post("/api/motions/{motion_id}/withdraw/", motion_id=other["id"])["state"] == (
        "withdrawn"
    )
    third = a.post(motions, {"title": "Third", "text": "y"}, 201, **meeting)
    referred = chair.post(
        "/api/motions/{motion_id}/refer/", {"referred_to": "Executive"}, motion_id=third["id"]
    )
    assert referred["referred_to"] == "Executive"

    resolution = "/api/meetings/{meeting_id}/resolution/"
    chair.get(resolution, 404, **meeting)
    composed = chair.post(resolution, {"title": "Resolution"}, **meeting)
    assert composed["motion_ids"] == [submitted["id"]] and len(composed["sha256"]) == 64
    assert a.get(resolution, **meeting) == composed
    assert chair.post(resolution + "vote/", {}, **meeting)["state"] == "voting"
    assert recorder.seen == MOTIONS_ANSWERS


def test_refusals_say_why(world: World) -> None:
    recorder = Recorder()
    observer = recorder.client(make_observer(world))
    meeting = {"meeting_id": world.meeting.pk}
    motions = "/api/meetings/{meeting_id}/motions/"
    refused = observer.post(motions, {"title": "T", "text": "x"}, 403, **meeting)
    assert "Observers and guests" in refused["detail"]
    outsider = recorder.client(world.outsider)
    outsider.get(motions, 404, **meeting)
    a = recorder.client(world.voters[0])
    a.post(motions, {"title": "", "text": "x"}, 400, **meeting)
    made = a.post(motions, {"title": "T", "text": "x"}, 201, **meeting)
    early = recorder.client(world.chair).post(
        "/api/motions/{motion_id}/vote/", {}, 409, motion_id=made["id"]
    )
    assert "admitted" in early["detail"]
    assert Motion.objects.count() == 1


def test_motions_csv(world: World) -> None:
    from rest_framework.test import APIClient

    a = APIClient()
    a.force_login(world.voters[0])
    a.post(
        f"/api/meetings/{world.meeting.pk}/motions/",
        {"title": "=HYPERLINK(1)", "text": "x"},
        format="json",
    )
    response = a.get(f"/api/meetings/{world.meeting.pk}/motions.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text: Any = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text
