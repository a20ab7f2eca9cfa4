"""The speakers' list through the REST API (DRF test client)."""

from __future__ import annotations

import pytest

from speakers import services
from tests.api import assert_error, client_for
from tests.conftest import World
from tests.speakers.conftest import observer_of

pytestmark = pytest.mark.django_db


def url(world: World, tail: str = "") -> str:
    return f"/api/meetings/{world.meeting.pk}/speakers/{tail}"


def test_a_member_asks_to_speak_sees_the_list_and_withdraws(live: World) -> None:
    phone = client_for(live.voters[0])
    response = phone.post(url(live, "requests/"), {"kind": "question"}, format="json")
    assert response.status_code == 201, response.content
    speech = response.json()
    assert (speech["kind"], speech["state"], speech["name"]) == (
        "question",
        "waiting",
        live.voters[0].full_name,
    )
    listed = phone.get(url(live)).json()
    waiting = listed["lists"][str(live.items[0].pk)]["waiting"]
    assert [s["id"] for s in waiting] == [speech["id"]]
    assert listed["settings"] == {"speaking_time": 180, "max_speeches": 0, "first_time_first": True}
    assert phone.delete(url(live, f"requests/{speech['id']}/")).status_code == 204
    assert_error(phone.delete(url(live, f"requests/{speech['id']}/")), 409, "not_waiting")


def test_bad_input_and_refusals_are_clear(live: World) -> None:
    phone = client_for(live.voters[0])
    assert_error(phone.post(url(live, "requests/"), {"kind": "shout"}, format="json"), 400)
    assert_error(client_for(None).post(url(live, "requests/"), {}, format="json"), 401)
    assert_error(
        client_for(observer_of(live)).post(url(live, "requests/"), {}, format="json"),
        403,
        "forbidden",
    )
    assert_error(client_for(live.outsider).get(url(live)), 404)
    assert_error(phone.post(url(live, "call/"), {}, format="json"), 403)
    assert_error(client_for(live.chair).post(url(live, "call/"), {}, format="json"), 409)
    assert_error(
        client_for(live.chair).post(url(live, "timer/"), {"action": "start"}, format="json"),
        409,
        "no_speaker",
    )
    assert_error(
        client_for(live.chair).post(url(live, "reorder/"), {"speech_ids": "x"}, format="json"),
        400,
    )


def test_the_chair_runs_the_list(live: World) -> None:
    chair = client_for(live.chair)
    ids = []
    for voter in live.voters[:3]:
        ids.append(client_for(voter).post(url(live, "requests/"), {}, format="json").json()["id"])
    on_behalf = chair.post(
        url(live, "requests/"),
        {"participant_id": live.participant(live.voters[3]).pk, "kind": "point_of_order"},
        format="json",
    )
    assert on_behalf.status_code == 201
    ids.insert(0, on_behalf.json()["id"])
    order = [ids[0], ids[3], ids[1], ids[2]]
    reordered = chair.post(url(live, "reorder/"), {"speech_ids": order}, format="json").json()
    assert [s["id"] for s in reordered["waiting"]] == order
    called = chair.post(url(live, "call/"), {}, format="json").json()
    assert called["current"]["id"] == ids[0]
    started = chair.post(url(live, "timer/"), {"action": "start"}, format="json").json()
    assert started["current"]["running_since"] is not None
    paused = chair.post(url(live, "timer/"), {"action": "pause"}, format="json").json()
    assert paused["current"]["running_since"] is None
    stopped = chair.post(url(live, "timer/"), {"action": "stop"}, format="json").json()
    assert stopped["current"] is None and stopped["done"][0]["id"] == ids[0]
    closed = chair.post(url(live, "close/"), {"closed": True}, format="json").json()
    assert closed["closed"] is True
    item = chair.put(
        url(live, f"items/{live.items[0].pk}/"), {"speaking_time": 90}, format="json"
    ).json()
    assert item["speaking_time"] == 90 and item["max_speeches"] is None
    settings = chair.patch(url(live, "settings/"), {"max_speeches": 2}, format="json").json()
    assert settings["max_speeches"] == 2
    assert_error(chair.patch(url(live, "settings/"), {"speaking_time": 99999}, format="json"), 400)


def test_the_csv_has_real_times_and_is_formula_safe(live: World) -> None:
    live.voters[0].full_name = "=HYPERLINK(1)"
    live.voters[0].save()
    services.speech_request(actor=live.voters[0], meeting=live.meeting)
    services.speaker_call(actor=live.chair, meeting=live.meeting)
    services.speaker_start(actor=live.chair, meeting=live.meeting)
    services.speaker_stop(actor=live.chair, meeting=live.meeting)
    assert_error(
        client_for(live.voters[1]).get(f"/api/meetings/{live.meeting.pk}/speakers.csv"), 403
    )
    response = client_for(live.clerk).get(f"/api/meetings/{live.meeting.pk}/speakers.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert lines[0].startswith("Agenda item,Speaker,")
    assert len(lines) == 2
    assert "'=HYPERLINK(1)" in lines[1]
    assert "1. Item 1" in lines[1]
