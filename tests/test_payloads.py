"""Every JSON answer of the REST API, and the socket's snapshot, against the
shapes the API documents (drf-spectacular's OpenAPI schema, /api/schema/).

Selectors build most payloads as dicts; the output serializers describe them
for the schema only. This module ties the two together: scenarios drive the
API through DRF's test client over a realistic meeting (agenda, a weighted
roster with a proxy, polls of every kind, named and secret, in every state,
phone, proxy and paper ballots, documents, attendance), and every answer is
validated against the schema its endpoint documents for that status code,
strictly: a documented object admits no undocumented field, and required
fields, types, formats and nullability must match.

A new endpoint fails `test_every_endpoint_is_covered_or_listed` until a
scenario below calls it or NOT_COVERED names it with a reason.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match
from rest_framework.test import APIClient

from documents import services as document_services
from live.groups import Audience
from live.snapshot import build_snapshot
from meetings import attendance
from meetings import services as meeting_services
from meetings.models import Member, Participant
from meetings.selectors import PROJECTOR_VIEWER, Viewer
from motions import services as motion_services
from speakers import services as speaker_services
from tests.conftest import World, build_world
from tests.documents.pdfs import make_pdf
from tests.factories import PASSWORD, MemberFactory, MembershipFactory, UnionFactory
from tests.meetings.attendance_helpers import (  # noqa: F401  (fixtures)
    Clock,
    clock_fixture,
    own_rate_counters,
)
from tests.motions.answers import MOTIONS_ANSWERS
from tests.voting.conftest import receipt
from voting import services as voting_services

pytestmark = pytest.mark.django_db

# --- the schema, as JSON Schema ------------------------------------------------------

ERROR_REF = "#/components/schemas/Error"


@functools.cache
def openapi() -> dict[str, Any]:
    """The schema as /api/schema/ serves it (it depends on no data: built once)."""
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    schema: dict[str, Any] = json.loads(response.content)
    return schema


def to_json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema object as JSON Schema 2020-12, made strict:
    `nullable` becomes a null alternative, component references point into
    $defs, and an object with documented properties admits no others."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "nullable":
            continue
        if key == "properties":
            out[key] = {name: to_json_schema(field) for name, field in value.items()}
        elif key == "$ref":
            out[key] = value.replace("#/components/schemas/", "#/$defs/")
        elif key in ("items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"):
            out[key] = to_json_schema(value)
        else:
            out[key] = value
    if "properties" in out:
        out.setdefault("additionalProperties", False)
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


@functools.cache
def definitions() -> dict[str, Any]:
    components = openapi()["components"]["schemas"]
    return {name: to_json_schema(schema) for name, schema in components.items()}


FORMATS = FormatChecker(formats=["email"])
DECIMAL = re.compile(r"-?\d+(\.\d+)?")


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


@FORMATS.checks("decimal")
def _decimal(value: object) -> bool:
    """Weights are decimal strings in plain notation (never 1E+1, never floats)."""
    return not isinstance(value, str) or DECIMAL.fullmatch(value) is not None


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def problems(body: Any, schema: dict[str, Any]) -> list[str]:
    """Where `body` breaks `schema` (an OpenAPI schema object), one line each."""
    validator = Draft202012Validator(
        {**to_json_schema(schema), "$defs": definitions()}, format_checker=FORMATS
    )
    found = []
    for error in validator.iter_errors(body):
        deepest = best_match([error])
        where = "/".join(str(part) for part in deepest.absolute_path) or "(body)"
        found.append(f"{where}: {deepest.message}")
    return sorted(found)


def component(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def array_of(name: str) -> dict[str, Any]:
    return {"type": "array", "items": component(name)}


# --- a client that checks every answer ---------------------------------------------


def operation_key(method: str, path: str, status: int) -> str:
    return f"{method} {path} {status}"


def documented_answer(method: str, path: str, status: int) -> dict[str, Any] | None:
    """The schema the endpoint documents for this status (None: no body).
    Fails for a path, method or status the schema does not document."""
    paths = openapi()["paths"]
    assert path in paths, f"{path} is not in the schema"
    operation = paths[path].get(method.lower())
    assert operation is not None, f"{method} {path} is not in the schema"
    responses = operation["responses"]
    assert str(status) in responses, f"{method} {path} answered {status}, not documented"
    content = responses[str(status)].get("content")
    if not content:
        return None
    assert "application/json" in content, f"{method} {path} {status} is not JSON"
    schema: dict[str, Any] = content["application/json"]["schema"]
    return schema


class Recorder:
    """The answers a scenario got that count for coverage: every success, and
    every documented answer that is not the common error shape."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def client(self, member: Member | None) -> Api:
        return Api(self, member)


class Api:
    """DRF's test client, logged in as `member` (anonymous for None); each
    call names the schema's path template and the status it expects."""

    def __init__(self, recorder: Recorder, member: Member | None) -> None:
        self.recorder = recorder
        self.client = APIClient()
        if member is not None:
            self.client.force_login(member)

    def call(
        self,
        method: str,
        path: str,
        status: int,
        data: Any = None,
        *,
        query: str = "",
        format: str | None = "json",
        content_type: str | None = None,
        **ids: Any,
    ) -> Any:
        url = path.format(**ids) + (f"?{query}" if query else "")
        send = getattr(self.client, method.lower())
        if content_type is not None:
            response = send(url, data, content_type=content_type)
        else:
            response = send(url, data, format=format)
        assert response.status_code == status, (method, url, response.content[:2000])
        schema = documented_answer(method, path, status)
        if schema is None:
            assert response.content == b"", (method, url, response.content[:200])
            body = None
        else:
            assert response["Content-Type"].startswith("application/json"), (method, url)
            body = json.loads(response.content)
            broken = problems(body, schema)
            assert not broken, f"{method} {url} {status} breaks its schema:\n" + "\n".join(broken)
        if status < 300 or schema != {"$ref": ERROR_REF}:
            self.recorder.seen.add(operation_key(method, path, status))
        return body

    def get(self, path: str, status: int = 200, **kwargs: Any) -> Any:
        return self.call("GET", path, status, **kwargs)

    def post(self, path: str, data: Any = None, status: int = 200, **kwargs: Any) -> Any:
        return self.call("POST", path, status, data, **kwargs)

    def put(self, path: str, data: Any = None, status: int = 200, **kwargs: Any) -> Any:
        return self.call("PUT", path, status, data, **kwargs)

    def patch(self, path: str, data: Any = None, status: int = 200, **kwargs: Any) -> Any:
        return self.call("PATCH", path, status, data, **kwargs)

    def delete(self, path: str, status: int = 204, **kwargs: Any) -> Any:
        return self.call("DELETE", path, status, **kwargs)


def answers(text: str) -> set[str]:
    """One "METHOD /path/ status" a line."""
    return {" ".join(line.split()) for line in text.strip().splitlines()}


# --- the world ---------------------------------------------------------------------


@pytest.fixture
def union_world(db: Any) -> World:
    """The shared world, with four voters, in a local union of a federation."""
    world = build_world(voters=4)
    world.union.parent = UnionFactory.create(name="Provincial federation")
    world.union.save()
    return world


def ids(world: World, **more: Any) -> dict[str, Any]:
    return {"meeting_id": world.meeting.pk, **more}


def pid(world: World, member: Member) -> int:
    return world.participant(member).pk


# --- meetings, roster, agenda, quorum, proxies ----------------------------------------

MEETINGS = answers(
    """
    POST /api/auth/login/ 200
    GET /api/auth/me/ 200
    POST /api/auth/logout/ 204
    GET /api/unions/ 200
    GET /api/unions/{union_id}/ 200
    GET /api/unions/{union_id}/members/ 200
    POST /api/unions/{union_id}/members/import/ 200
    POST /api/unions/{union_id}/members/import/ 201
    POST /api/unions/{union_id}/members/import/ 400
    GET /api/meetings/ 200
    POST /api/meetings/ 201
    GET /api/meetings/{meeting_id}/ 200
    PATCH /api/meetings/{meeting_id}/ 200
    POST /api/meetings/{meeting_id}/copy/ 201
    POST /api/meetings/{meeting_id}/start/ 200
    POST /api/meetings/{meeting_id}/close/ 200
    GET /api/meetings/{meeting_id}/snapshot/ 200
    GET /api/meetings/{meeting_id}/participants/ 200
    POST /api/meetings/{meeting_id}/participants/ 201
    PATCH /api/meetings/{meeting_id}/participants/{participant_id}/ 200
    DELETE /api/meetings/{meeting_id}/participants/{participant_id}/ 204
    POST /api/meetings/{meeting_id}/participants/from-union/ 200
    GET /api/meetings/{meeting_id}/agenda/ 200
    POST /api/meetings/{meeting_id}/agenda/ 201
    PATCH /api/meetings/{meeting_id}/agenda/{item_id}/ 200
    DELETE /api/meetings/{meeting_id}/agenda/{item_id}/ 204
    POST /api/meetings/{meeting_id}/agenda/reorder/ 200
    POST /api/meetings/{meeting_id}/agenda/advance/ 200
    POST /api/meetings/{meeting_id}/projector-link/ 200
    DELETE /api/meetings/{meeting_id}/projector-link/ 200
    GET /api/meetings/{meeting_id}/projector-link/ 200
    DELETE /api/meetings/{meeting_id}/projector-links/{link_id}/ 204
    POST /api/meetings/{meeting_id}/projector-pairing/ 200
    POST /api/meetings/{meeting_id}/projector-scene/ 200
    GET /api/meetings/{meeting_id}/voting-settings/ 200
    PATCH /api/meetings/{meeting_id}/voting-settings/ 200
    GET /api/meetings/{meeting_id}/quorum/ 200
    GET /api/meetings/{meeting_id}/proxies/ 200
    POST /api/meetings/{meeting_id}/proxies/ 201
    POST /api/meetings/{meeting_id}/proxies/{proxy_id}/revoke/ 200
    """
)

IMPORT_HEADER = "member_number,full_name,phone,email,language,weight\n"
IMPORT_ROWS = "N001,Nguyễn Thị Hồng Nhung,0901234567,nhung@example.org,vi,2.5\nN002,Jane Doe,,,,\n"


def test_meeting_payloads(union_world: World) -> None:
    world = union_world
    recorder = Recorder()
    browser = recorder.client(None)
    login = {"username": world.chair.username, "password": PASSWORD}
    assert browser.post("/api/auth/login/", login)["id"] == world.chair.pk
    browser.post("/api/auth/login/", {**login, "password": "wrong"}, status=400)
    assert browser.get("/api/auth/me/")["username"] == world.chair.username
    browser.post("/api/auth/logout/", status=204)
    browser.get("/api/auth/me/", status=401)

    chair = recorder.client(world.chair)
    voter = recorder.client(world.voters[0])
    union = {"union_id": world.union.pk}
    assert [u["id"] for u in chair.get("/api/unions/")] == [world.union.pk]
    assert chair.get("/api/unions/{union_id}/", **union)["parent"] == world.union.parent_id
    chair.get("/api/unions/{union_id}/members/", **union)
    voter.get("/api/unions/{union_id}/members/", status=403, **union)
    upload = SimpleUploadedFile("members.csv", (IMPORT_HEADER + IMPORT_ROWS).encode())
    imports = "/api/unions/{union_id}/members/import/"
    report = chair.post(imports, {"file": upload}, query="dry_run=1", format="multipart", **union)
    assert [row["weight"] for row in report["preview"]] == ["2.5", "1"]
    body = (IMPORT_HEADER + IMPORT_ROWS).encode()
    assert chair.post(imports, body, 201, content_type="text/csv", **union)["created"] == 2
    bad = b"member_number,full_name\nN9,\n"
    refused = chair.post(imports, bad, 400, content_type="text/csv", **union)
    assert refused["code"] == "import_invalid" and refused["errors"]
    # No file at all: the plain error body, which the schema also documents.
    missing = chair.post(imports, {"file": "not a file"}, 400, format="multipart", **union)
    assert missing["errors"]["file"]

    # A second meeting: created, edited, filled from the union, started, closed.
    created = chair.post(
        "/api/meetings/",
        {"union": world.union.pk, "title": "Extra congress", "starts_at": "2026-11-28T09:00:00Z"},
        201,
    )
    other = {"meeting_id": created["id"]}
    assert created["livestream_url"] == "" and created["started_at"] is None
    edit = {"livestream_url": "https://www.youtube.com/watch?v=aqz-KE-bpKQ", "board_public": True}
    chair.patch("/api/meetings/{meeting_id}/", edit, **other)
    template = {"title": "Next year", "starts_at": "2027-03-01T09:00:00+07:00"}
    copied = chair.post("/api/meetings/{meeting_id}/copy/", template, 201, **other)
    assert copied["title"] == "Next year" and copied["status"] == "scheduled"
    added = chair.post("/api/meetings/{meeting_id}/participants/from-union/", {}, **other)
    assert added["added"] > 0
    chair.post("/api/meetings/{meeting_id}/start/", **other)
    closed = chair.post("/api/meetings/{meeting_id}/close/", **other)
    assert closed["closed_at"] is not None
    mine = {world.meeting.pk, created["id"], copied["id"]}
    assert {m["id"] for m in voter.get("/api/meetings/")} == mine
    voter.get("/api/meetings/{meeting_id}/", **ids(world))

    # The roster: an observer added, a weight changed, the observer removed.
    newcomer = MemberFactory.create(full_name="Observer Lê")
    MembershipFactory.create(member=newcomer, union=world.union)
    roster = "/api/meetings/{meeting_id}/participants/"
    one = roster + "{participant_id}/"
    observer = chair.post(roster, {"member": newcomer.pk, "role": "observer"}, 201, **ids(world))
    d = pid(world, world.voters[3])
    # Voting weight 20 in all, so that a share quorum of a half needs 10.
    changed = chair.patch(one, {"vote_weight": "16"}, **ids(world, participant_id=d))
    assert changed["vote_weight"] == "16.0000"
    assert len(voter.get(roster, **ids(world))) == 7
    chair.delete(one, **ids(world, participant_id=observer["id"]))

    # The agenda: an item added, edited, moved, deleted; the meeting starts.
    agenda = "/api/meetings/{meeting_id}/agenda/"
    item = chair.post(agenda, {"title": "Any other business"}, 201, **ids(world))
    chair.patch(agenda + "{item_id}/", {"description": "Short."}, **ids(world, item_id=item["id"]))
    order = [i["id"] for i in voter.get(agenda, **ids(world))]
    chair.post(agenda + "reorder/", {"order": order[::-1]}, **ids(world))
    chair.delete(agenda + "{item_id}/", **ids(world, item_id=item["id"]))
    chair.post("/api/meetings/{meeting_id}/start/", **ids(world))
    current = chair.post(agenda + "advance/", {"direction": "next"}, **ids(world))
    assert current["state"] == "current"
    for member in (world.voters[0], world.chair):
        snapshot = recorder.client(member).get("/api/meetings/{meeting_id}/snapshot/", **ids(world))
        assert snapshot["current_item_id"] == current["id"]

    link = chair.post("/api/meetings/{meeting_id}/projector-link/", **ids(world))
    assert chair.delete("/api/meetings/{meeting_id}/projector-link/", 200, **ids(world)) != link
    links = chair.get("/api/meetings/{meeting_id}/projector-link/", **ids(world))
    assert len(links) == 1  # the revoked ones are no longer listed
    chair.delete(
        "/api/meetings/{meeting_id}/projector-links/{link_id}/",
        204,
        **ids(world, link_id=links[0]["id"]),
    )
    assert chair.get("/api/meetings/{meeting_id}/projector-link/", **ids(world)) == []
    pairing = chair.post("/api/meetings/{meeting_id}/projector-pairing/", **ids(world))
    assert len(pairing["code"]) == 6
    scene = "/api/meetings/{meeting_id}/projector-scene/"
    assert chair.post(scene, {"scene": "agenda"}, **ids(world))["scene"] == "agenda"
    chair.post(scene, {"scene": "fireworks"}, 400, **ids(world))

    # Quorum in each kind: none (required null), a count, a share of the weight.
    settings = "/api/meetings/{meeting_id}/voting-settings/"
    quorum = "/api/meetings/{meeting_id}/quorum/"
    voter.get(settings, **ids(world))
    assert voter.get(quorum, **ids(world))["required"] is None
    chair.patch(settings, {"quorum_kind": "count", "quorum_count": 3}, **ids(world))
    assert voter.get(quorum, **ids(world))["required"] == 3
    chair.patch(settings, {"quorum_kind": "share", "quorum_share": "0.5"}, **ids(world))
    assert voter.get(quorum, **ids(world))["required"] == "10"

    proxies = "/api/meetings/{meeting_id}/proxies/"
    a, b = pid(world, world.voters[0]), pid(world, world.voters[1])
    proxy = chair.post(proxies, {"delegator": b, "delegate": a}, 201, **ids(world))
    assert [p["id"] for p in voter.get(proxies, **ids(world))] == [proxy["id"]]
    revoked = chair.post(proxies + "{proxy_id}/revoke/", **ids(world, proxy_id=proxy["id"]))
    assert revoked["active"] is False and revoked["revoked_at"] is not None
    assert recorder.seen == MEETINGS


# --- attendance and check-in -----------------------------------------------------------

ATTENDANCE = answers(
    """
    GET /api/meetings/{meeting_id}/attendance/ 200
    PATCH /api/meetings/{meeting_id}/attendance/settings/ 200
    GET /api/meetings/{meeting_id}/attendance/log/ 200
    POST /api/meetings/{meeting_id}/check-in/ 200
    POST /api/meetings/{meeting_id}/check-out/ 200
    POST /api/meetings/{meeting_id}/room-check-in/ 200
    POST /api/meetings/{meeting_id}/remote-presence/ 200
    GET /api/meetings/{meeting_id}/badge/ 200
    POST /api/meetings/{meeting_id}/participants/{participant_id}/badge/revoke/ 200
    POST /api/meetings/{meeting_id}/login-links/ 201
    POST /api/meetings/{meeting_id}/login-links/{link_id}/revoke/ 204
    """
)


def test_attendance_payloads(union_world: World, clock: Clock) -> None:
    world = union_world
    recorder = Recorder()
    chair, clerk = recorder.client(world.chair), recorder.client(world.clerk)
    a, b, c, d = (recorder.client(member) for member in world.voters)
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    settings = {"room_checkin_enabled": True, "allow_remote_participation": True}
    chair.patch("/api/meetings/{meeting_id}/attendance/settings/", settings, **ids(world))

    badge = a.get("/api/meetings/{meeting_id}/badge/", **ids(world))
    check_in = "/api/meetings/{meeting_id}/check-in/"
    first = clerk.post(check_in, {"badge": badge["token"]}, **ids(world))
    assert first["by"] == world.clerk.full_name and first["current_presence"] == "room"
    clerk.post(check_in, {"badge": badge["token"]}, 409, **ids(world))
    number = world.voters[1].member_number
    clerk.post(check_in, {"member_number": number}, **ids(world))
    clerk.post(check_in, {"participant_id": pid(world, world.chair)}, **ids(world))
    token = attendance.room_code(world.meeting).token
    c.post("/api/meetings/{meeting_id}/room-check-in/", {"token": token}, **ids(world))
    d.post("/api/meetings/{meeting_id}/remote-presence/", **ids(world))
    check_out = "/api/meetings/{meeting_id}/check-out/"
    left = b.post(check_out, {}, **ids(world))
    assert left["action"] == "check_out" and left["by"] == world.voters[1].full_name
    clerk.post(check_out, {"participant_id": pid(world, world.voters[2])}, **ids(world))

    live = a.get("/api/meetings/{meeting_id}/attendance/", **ids(world))
    assert live["attendance"]["room"]["voters"] == 2
    assert live["attendance"]["remote"]["voters"] == 1
    log = clerk.get("/api/meetings/{meeting_id}/attendance/log/", query="limit=5", **ids(world))
    assert len(log) == 5

    revoke = "/api/meetings/{meeting_id}/participants/{participant_id}/badge/revoke/"
    fresh = chair.post(revoke, **ids(world, participant_id=pid(world, world.voters[0])))
    assert fresh["token"] != badge["token"]
    links = chair.post(
        "/api/meetings/{meeting_id}/login-links/",
        {"participant_ids": [pid(world, m) for m in world.voters[:2]], "valid_minutes": 60},
        201,
        **ids(world),
    )
    assert len(links) == 2
    chair.post(
        "/api/meetings/{meeting_id}/login-links/{link_id}/revoke/",
        status=204,
        **ids(world, link_id=links[0]["id"]),
    )
    assert recorder.seen == ATTENDANCE


# --- polls, ballots, the board ---------------------------------------------------------

VOTING = answers(
    """
    GET /api/meetings/{meeting_id}/polls/ 200
    POST /api/meetings/{meeting_id}/polls/ 201
    PATCH /api/polls/{poll_id}/ 200
    POST /api/meetings/{meeting_id}/polls/reorder/ 200
    GET /api/polls/{poll_id}/ 200
    POST /api/polls/{poll_id}/open/ 200
    POST /api/polls/{poll_id}/close/ 200
    POST /api/polls/{poll_id}/cancel/ 200
    POST /api/polls/{poll_id}/publish/ 200
    POST /api/polls/{poll_id}/decide-tie/ 200
    POST /api/polls/{poll_id}/ballots/ 201
    POST /api/polls/{poll_id}/ballots/ 200
    POST /api/polls/{poll_id}/paper-ballots/ 201
    GET /api/polls/{poll_id}/roll/ 200
    GET /api/polls/{poll_id}/turnout/ 200
    GET /api/polls/{poll_id}/board/ 200
    POST /api/polls/{poll_id}/proof/ 200
    GET /api/audit/key/ 200
    """
)

# Each kind's options and limits, and the choices of the chair, of voter A
# for themselves and for C by proxy, of the remote voter D, and of B on paper.
KINDS: dict[str, dict[str, Any]] = {
    "motion": {"fields": {}, "votes": [["Yes"], ["No"], ["Yes"], ["Yes"], ["Abstain"]]},
    "single": {
        "fields": {"options": ["Red", "Blue"]},
        "votes": [["Red"], ["Blue"], ["Red"], ["Red"], ["Abstain"]],
    },
    "multiple": {
        "fields": {"options": ["Parks", "Schools", "Roads"], "min_choices": 1, "max_choices": 2},
        "votes": [["Parks", "Roads"], ["Schools"], ["Parks"], ["Roads"], ["Abstain"]],
    },
    "election": {
        "fields": {"options": ["Lan", "Minh", "Hoa"], "seats": 2},
        "votes": [["Lan", "Minh"], ["Hoa"], ["Lan", "Hoa"], ["Minh"], ["Abstain"]],
    },
}


@pytest.fixture
def voting_world(union_world: World) -> World:
    """A live meeting: A weighs 2.5 and carries absent C's proxy (1.3333), B
    weighs 0.75; chair, A and B are in the room, D is remote."""
    world = union_world
    chair = world.chair
    meeting = world.meeting
    meeting.allow_remote_participation = True
    meeting.save()
    meeting_services.meeting_start(actor=chair, meeting=meeting)
    a, b, c = (world.participant(m) for m in world.voters[:3])
    for participant, weight in ((a, "2.5"), (b, "0.75"), (c, "1.3333")):
        meeting_services.participant_update(
            actor=chair, participant=participant, vote_weight=weight
        )
    meeting_services.proxy_create(actor=chair, meeting=meeting, delegator=c, delegate=a)
    for participant in (world.participant(chair), a, b):
        attendance.participant_check_in(actor=world.clerk, participant=participant)
    attendance.remote_presence_confirm(actor=world.voters[3], meeting=meeting)
    return world


def choose(poll: dict[str, Any], labels: list[str]) -> list[int]:
    return [option["id"] for option in poll["options"] if option["label"] in labels]


def test_voting_payloads(voting_world: World) -> None:
    world = voting_world
    recorder = Recorder()
    chair, clerk = recorder.client(world.chair), recorder.client(world.clerk)
    a, d = recorder.client(world.voters[0]), recorder.client(world.voters[3])
    polls = "/api/meetings/{meeting_id}/polls/"

    def create(**fields: Any) -> Any:
        return chair.post(polls, fields, 201, **ids(world))

    def act(action: str, poll: dict[str, Any], body: Any = None) -> Any:
        return chair.post(f"/api/polls/{{poll_id}}/{action}/", body, poll_id=poll["id"])

    def read(client: Api, what: str, poll: dict[str, Any], **more: Any) -> Any:
        return client.get(f"/api/polls/{{poll_id}}/{what}", poll_id=poll["id"], **more)

    def ballot(client: Api, poll: dict[str, Any], labels: list[str], **more: Any) -> Any:
        body = {"nonce": receipt(), "choices": choose(poll, labels), **more}
        return client.post("/api/polls/{poll_id}/ballots/", body, 201, poll_id=poll["id"])

    for kind, plan in KINDS.items():
        for secrecy in ("named", "secret"):
            named = secrecy == "named"
            draft = create(
                title=f"{kind} ({secrecy})",
                kind=kind,
                secrecy=secrecy,
                results_visibility="live" if named else "hidden",
                # A rule with a threshold, so that the result states it.
                majority="simple" if named else "two_thirds",
                agenda_item_id=world.items[0].pk if named else None,
                **plan["fields"],
            )
            assert read(chair, "", draft)["state"] == "draft"
            edited = chair.patch(
                "/api/polls/{poll_id}/", {"description": "As amended"}, poll_id=draft["id"]
            )
            assert edited["description"] == "As amended" and edited["state"] == "draft"
            # The only draft now: its order is itself.
            order = chair.post(
                "/api/meetings/{meeting_id}/polls/reorder/", {"order": [draft["id"]]}, **ids(world)
            )
            assert [p["id"] for p in order] == [draft["id"]]
            poll = act("open", draft, {"duration_seconds": 600})
            assert poll["closes_at"] is not None and poll["quorum"] is not None
            by_chair, by_a, for_c, by_d, on_paper = plan["votes"]
            ballot(chair, poll, by_chair)
            mine = {"nonce": receipt(), "choices": choose(poll, by_a)}
            cast = "/api/polls/{poll_id}/ballots/"
            first = a.post(cast, mine, 201, poll_id=poll["id"])
            assert a.post(cast, mine, 200, poll_id=poll["id"]) == first
            proxy = ballot(a, poll, for_c, on_behalf_of=pid(world, world.voters[2]))
            assert proxy["receipt"]["on_behalf_of"] == world.voters[2].full_name
            ballot(d, poll, by_d)
            b = pid(world, world.voters[1])
            entry = next(row for row in read(clerk, "roll/", poll) if row["participant_id"] == b)
            paper = {"roll_entry_id": entry["roll_entry_id"], "choices": choose(poll, on_paper)}
            clerk.post("/api/polls/{poll_id}/paper-ballots/", paper, 201, poll_id=poll["id"])
            assert len(read(a, "", poll)["my_votes"]) == 2
            assert ("tally" in read(chair, "turnout/", poll)) is named
            assert read(a, "turnout/", poll)["ballots"] == 5
            closed = act("close", poll)
            assert closed["result"]["ballots"] == 5 and closed["head_fingerprint"]
            assert (closed["result"]["required"] is None) is named
            assert len(read(a, "board/", poll)["entries"]) == 5
            code = first["receipt"]["receipt_code"]
            proof = a.post("/api/polls/{poll_id}/proof/", {"receipt": code}, poll_id=poll["id"])
            assert proof["entry"]["receipt"] == code
            if kind == "motion":
                assert act("publish", closed)["state"] == "published"

    # A tie left to the chair: decided, then published.
    tie = create(title="Colour", kind="single", options=["Red", "Blue"], tie_rule="chair")
    tie = act("open", tie, {})
    ballot(chair, tie, ["Red"])
    ballot(d, tie, ["Blue"])
    assert act("close", tie)["result"]["tied"]
    decided = act("decide-tie", tie, {"winners": choose(tie, ["Red"])})
    assert decided["result"]["tied"] == [] and decided["result"]["carried"] is None
    act("publish", decided)

    # Cancelled as a draft and when open; a draft and an open poll stay.
    for opened in (False, True):
        doomed = create(title="Doomed", kind="motion")
        if opened:
            act("open", doomed, {})
        assert act("cancel", doomed, {"reason": "Withdrawn."})["cancel_reason"] == "Withdrawn."
    create(title="Later", kind="election", options=["Lan"])
    act("open", create(title="Now", kind="single", options=["P", "Q"], secrecy="named"), {})
    states = {poll["state"] for poll in chair.get(polls, **ids(world))}
    assert states == {"draft", "open", "closed", "published", "cancelled"}
    assert "draft" not in {poll["state"] for poll in a.get(polls, **ids(world))}
    recorder.client(None).get("/api/audit/key/")
    assert recorder.seen == VOTING


# --- encrypted polls: tellers, encrypted ballots, decryption ----------------------------

ENCRYPTED = answers(
    """
    POST /api/meetings/{meeting_id}/polls/ 201
    POST /api/polls/{poll_id}/tellers/ 200
    GET /api/polls/{poll_id}/tellers/ 200
    POST /api/polls/{poll_id}/tellers/publish/ 200
    POST /api/polls/{poll_id}/tellers/shares/ 200
    GET /api/polls/{poll_id}/tellers/shares/ 200
    POST /api/polls/{poll_id}/tellers/confirm/ 200
    POST /api/polls/{poll_id}/open/ 200
    POST /api/polls/{poll_id}/encrypted-ballots/ 201
    POST /api/polls/{poll_id}/encrypted-ballots/ 200
    POST /api/polls/{poll_id}/close/ 200
    GET /api/polls/{poll_id}/ 200
    POST /api/polls/{poll_id}/tellers/decrypt/ 200
    """
)


def test_encrypted_poll_payloads(voting_world: World) -> None:
    from tests.voting.tellers_helpers import TellerPlayer, phone_ballot
    from voting.models import Poll, RollEntry

    world = voting_world
    recorder = Recorder()
    chair = recorder.client(world.chair)
    poll = chair.post(
        "/api/meetings/{meeting_id}/polls/",
        {"title": "Strike fund (encrypted)", "kind": "motion"},
        201,
        **ids(world),
    )
    at = {"poll_id": poll["id"]}
    members = [world.clerk, world.voters[1], world.voters[3]]
    body = {"participants": [pid(world, m) for m in members], "threshold": 2}
    assert chair.post("/api/polls/{poll_id}/tellers/", body, **at)["threshold"] == 2
    players = [TellerPlayer(poll["id"], i, 2, m) for i, m in enumerate(members, start=1)]
    tellers = [recorder.client(m) for m in members]
    for player, client in zip(players, tellers, strict=True):
        client.post("/api/polls/{poll_id}/tellers/publish/", player.publish(), **at)
    ceremony = chair.get("/api/polls/{poll_id}/tellers/", **at)
    for player, client in zip(players, tellers, strict=True):
        shares = {"shares": player.shares(ceremony)}
        client.post("/api/polls/{poll_id}/tellers/shares/", shares, **at)
    for player, client in zip(players, tellers, strict=True):
        mine = client.get("/api/polls/{poll_id}/tellers/shares/", **at)
        proof = {"proof": player.confirm(mine)}
        client.post("/api/polls/{poll_id}/tellers/confirm/", proof, **at)
    assert chair.post("/api/polls/{poll_id}/open/", {}, **at)["public_key"]

    row = Poll.objects.get(pk=poll["id"])
    a = recorder.client(world.voters[0])
    for member, label in ((world.voters[0], "Yes"), (world.voters[2], "No")):
        entry = RollEntry.objects.get(poll=row, member__member=member)
        nonce = receipt()
        cast = {
            "ballot": phone_ballot(row, entry, nonce, [label]),
            "nonce": nonce,
            "on_behalf_of": None if member == world.voters[0] else entry.member_id,
        }
        a.post("/api/polls/{poll_id}/encrypted-ballots/", cast, 201, **at)
    a.post("/api/polls/{poll_id}/encrypted-ballots/", cast, 200, **at)  # a resend
    assert chair.post("/api/polls/{poll_id}/close/", None, **at)["state"] == "decrypting"
    assert chair.get("/api/polls/{poll_id}/", **at)["result"] is None
    products = chair.get("/api/polls/{poll_id}/tellers/", **at)["products"]
    for player, client in zip(players[:2], tellers, strict=False):
        partials = {"partials": player.decrypt(products)}
        decided = client.post("/api/polls/{poll_id}/tellers/decrypt/", partials, **at)
    assert decided["state"] == "closed" and decided["result"]["carried"] is True
    assert recorder.seen == ENCRYPTED


# --- documents and the presenter -------------------------------------------------------

DOCUMENTS = answers(
    """
    GET /api/meetings/{meeting_id}/documents/ 200
    POST /api/meetings/{meeting_id}/documents/ 201
    GET /api/documents/{document_id}/ 200
    DELETE /api/documents/{document_id}/ 204
    POST /api/documents/{document_id}/versions/ 201
    GET /api/document-versions/{key}/pages/{number}/text/ 200
    GET /api/document-versions/{key}/pages/{number}/note/ 200
    PUT /api/document-versions/{key}/pages/{number}/note/ 200
    GET /api/meetings/{meeting_id}/presentation/ 200
    PUT /api/meetings/{meeting_id}/presentation/ 200
    DELETE /api/meetings/{meeting_id}/presentation/ 200
    PUT /api/meetings/{meeting_id}/presentation/presenter/ 200
    """
)


def pdf(name: str, pages: int = 2) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_pdf(pages, title=name), "application/pdf")


def test_document_payloads(union_world: World) -> None:
    world = union_world
    recorder = Recorder()
    chair, voter = recorder.client(world.chair), recorder.client(world.voters[0])
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    documents = "/api/meetings/{meeting_id}/documents/"
    upload = {"file": pdf("Budget"), "title": "Budget 2027", "agenda_item_id": world.items[1].pk}
    budget = chair.post(documents, upload, 201, format="multipart", **ids(world))
    public = {"file": pdf("Rules"), "public": True}
    rules = chair.post(documents, public, 201, format="multipart", **ids(world))
    assert rules["agenda_item_id"] is None
    versions = "/api/documents/{document_id}/versions/"
    budget = chair.post(
        versions, {"file": pdf("Budget", 3)}, 201, format="multipart", document_id=budget["id"]
    )
    assert [v["number"] for v in budget["versions"]] == [2, 1]
    assert len(voter.get(documents, **ids(world))) == 2
    only = voter.get(documents, query=f"agenda_item={world.items[1].pk}", **ids(world))
    assert [d["id"] for d in only] == [budget["id"]]
    voter.get("/api/documents/{document_id}/", document_id=budget["id"])

    page = {"key": budget["current_version"]["key"], "number": 2}
    assert voter.get("/api/document-versions/{key}/pages/{number}/text/", **page)["page_count"] == 3
    note = "/api/document-versions/{key}/pages/{number}/note/"
    assert voter.get(note, **page)["updated_at"] is None
    saved = voter.put(note, {"text": "Ask about line 4."}, **page)
    assert saved["updated_at"] is not None and voter.get(note, **page) == saved

    shown = "/api/meetings/{meeting_id}/presentation/"
    assert voter.get(shown, **ids(world)) == {"presentation": None, "presenter": None}
    state = chair.put(shown, {"document_id": budget["id"], "page": 2}, **ids(world))
    assert state["presentation"]["page"] == 2
    presenter = shown + "presenter/"
    a = pid(world, world.voters[0])
    named = chair.put(presenter, {"participant_id": a}, **ids(world))
    assert named["presenter"]["participant_id"] == a
    voter.put(shown, {"document_id": budget["id"], "page": 3}, **ids(world))
    chair.put(presenter, {"participant_id": None}, **ids(world))
    assert voter.get(shown, **ids(world))["presenter"] is None
    assert chair.delete(shown, 200, **ids(world))["presentation"] is None
    chair.delete("/api/documents/{document_id}/", document_id=rules["id"])
    assert recorder.seen == DOCUMENTS


# --- the speakers' list ------------------------------------------------------------------

SPEAKERS = answers(
    """
    GET /api/meetings/{meeting_id}/speakers/ 200
    PATCH /api/meetings/{meeting_id}/speakers/settings/ 200
    GET /api/meetings/{meeting_id}/speakers/items/{item_id}/ 200
    PUT /api/meetings/{meeting_id}/speakers/items/{item_id}/ 200
    POST /api/meetings/{meeting_id}/speakers/requests/ 201
    DELETE /api/meetings/{meeting_id}/speakers/requests/{speech_id}/ 204
    POST /api/meetings/{meeting_id}/speakers/reorder/ 200
    POST /api/meetings/{meeting_id}/speakers/call/ 200
    POST /api/meetings/{meeting_id}/speakers/timer/ 200
    POST /api/meetings/{meeting_id}/speakers/close/ 200
    """
)


def test_speaker_payloads(union_world: World) -> None:
    world = union_world
    recorder = Recorder()
    chair = recorder.client(world.chair)
    phones = [recorder.client(voter) for voter in world.voters[:3]]
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    base = "/api/meetings/{meeting_id}/speakers/"
    settings = chair.patch(base + "settings/", {"speaking_time": 120}, **ids(world))
    assert settings["speaking_time"] == 120
    item = {"item_id": world.items[0].pk}
    chair.put(base + "items/{item_id}/", {"max_speeches": 2}, **ids(world, **item))
    asked = [
        phone.post(base + "requests/", {"kind": kind}, 201, **ids(world))
        for phone, kind in zip(phones, ("speak", "question", "reply"), strict=True)
    ]
    phones[2].delete(base + "requests/{speech_id}/", **ids(world, speech_id=asked[2]["id"]))
    order = [asked[1]["id"], asked[0]["id"]]
    chair.post(base + "reorder/", {"speech_ids": order}, **ids(world))
    chair.post(base + "call/", {}, **ids(world))
    for action in ("start", "pause", "start"):
        chair.post(base + "timer/", {"action": action}, **ids(world))
    chair.post(base + "call/", {}, **ids(world))
    chair.post(base + "close/", {"closed": True}, **ids(world))
    listed = phones[0].get(base + "items/{item_id}/", **ids(world, **item))
    assert listed["closed"] and listed["current"]["id"] == asked[0]["id"]
    assert len(phones[0].get(base, **ids(world))["lists"]) == 1
    assert recorder.seen == SPEAKERS


# --- the minutes ------------------------------------------------------------------------

MINUTES = answers(
    """
    GET /api/meetings/{meeting_id}/minutes/ 200
    GET /api/meetings/{meeting_id}/minutes/notes/ 200
    PUT /api/meetings/{meeting_id}/minutes/notes/{item_id}/ 200
    POST /api/meetings/{meeting_id}/minutes/finalise/ 201
    """
)


def test_minutes_payloads(union_world: World, media_root: Any) -> None:
    world = union_world
    recorder = Recorder()
    clerk = recorder.client(world.clerk)
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    base = "/api/meetings/{meeting_id}/minutes/"
    item = {"item_id": world.items[0].pk}
    saved = clerk.put(base + "notes/{item_id}/", {"text": "Budget adopted."}, **ids(world, **item))
    assert saved["text"] == "Budget adopted."
    notes = clerk.get(base + "notes/", **ids(world))
    assert "Budget adopted." in json.dumps(notes)
    assert clerk.get(base, **ids(world)) == {"finalised": False}
    meeting_services.meeting_close(actor=world.chair, meeting=world.meeting)
    final = clerk.post(base + "finalise/", {}, 201, **ids(world))
    assert final["finalised"] and re.fullmatch(r"[0-9a-f]{64}", final["sha256"])
    assert recorder.seen == MINUTES


# --- coverage: every endpoint is called above, or listed here with why not --------------

SCENARIOS = {
    "test_meeting_payloads": MEETINGS,
    "test_attendance_payloads": ATTENDANCE,
    "test_voting_payloads": VOTING,
    "test_encrypted_poll_payloads": ENCRYPTED,
    "test_document_payloads": DOCUMENTS,
    "test_speaker_payloads": SPEAKERS,
    "test_minutes_payloads": MINUTES,
    "tests/motions/test_api.py::test_motion_payloads": MOTIONS_ANSWERS,
}

# "METHOD /path": why no scenario checks its answer against the schema.
NOT_COVERED = {
    "GET /api/meetings/{meeting_id}/attendance.csv": "a CSV file (tests/meetings/)",
    "GET /api/meetings/{meeting_id}/speakers.csv": "a CSV file (tests/speakers/test_api.py)",
    "GET /api/meetings/{meeting_id}/results.csv": "a CSV file (tests/voting/test_exports.py)",
    "GET /api/polls/{poll_id}/ballots.csv": "a CSV file (tests/voting/test_exports.py)",
    "GET /api/meetings/{meeting_id}/documents/pack.zip": "a ZIP (tests/documents/test_files.py)",
    "GET /api/document-versions/{key}/download/": "the PDF (tests/documents/test_files.py)",
    "GET /api/document-versions/{key}/pages/{number}/image/{size}/": (
        "a WebP image (tests/documents/test_files.py)"
    ),
    "POST /api/receipt-qr/": "an SVG image (tests/voting/test_audit.py)",
    "GET /api/meetings/{meeting_id}/motions.csv": "a CSV file (tests/motions/test_api.py)",
    "GET /api/polls/{poll_id}/audit/": (
        "a JSON file download: its format is docs/audit-format.md, and the stand-alone "
        "verifier checks every field of it (tests/voting/test_verify.py, test_audit.py)"
    ),
}

METHODS = ("get", "post", "put", "patch", "delete")


def schema_operations() -> set[str]:
    return {
        f"{method.upper()} {path}"
        for path, item in openapi()["paths"].items()
        for method in METHODS
        if method in item
    }


def answers_to_cover() -> set[str]:
    """What the scenarios must check: each documented success of every
    endpoint not in NOT_COVERED, and each of its other documented JSON answers
    that has a shape of its own (not the common error)."""
    wanted = set()
    for path, item in openapi()["paths"].items():
        for method in METHODS:
            if method not in item or f"{method.upper()} {path}" in NOT_COVERED:
                continue
            for status, answer in item[method]["responses"].items():
                schema = (answer.get("content") or {}).get("application/json", {}).get("schema")
                if int(status) < 300 or (schema is not None and schema != {"$ref": ERROR_REF}):
                    wanted.add(operation_key(method.upper(), path, int(status)))
    return wanted


def test_every_endpoint_is_covered_or_listed() -> None:
    covered = set().union(*SCENARIOS.values())
    wanted = answers_to_cover()
    assert sorted(wanted - covered) == [], "answers no scenario checks (add one, or NOT_COVERED)"
    assert sorted(covered - wanted) == [], "scenarios declare answers the schema lacks"
    assert sorted(set(NOT_COVERED) - schema_operations()) == [], "stale NOT_COVERED entries"


def url_routes(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from url_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_every_api_route_is_in_the_schema() -> None:
    """The schema is what the coverage test walks: a view under /api/ that it
    leaves out (a plain Django view, an excluded one) fails here instead."""
    routes = set()
    for route, callback in url_routes(get_resolver().url_patterns):
        if not route.startswith("api/") or route in ("api/schema/", "api/docs/"):
            continue
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        assert view is not None, f"{path} is not a class-based view"
        routes |= {f"{m.upper()} {path}" for m in METHODS if hasattr(view, m)}
    assert len(routes) > 70
    assert routes == schema_operations()


def test_the_check_is_strict() -> None:
    """The validator refuses an undocumented field, a missing one, a wrong
    type, a null where none is documented, and a weight in exponent form."""
    turnout = component("Turnout")
    good = {"poll_id": 1, "ballots": 2, "weight": "2.5", "entitled": 3, "entitled_weight": "3"}
    assert problems(good, turnout) == []
    assert problems({**good, "secret": 1}, turnout) == [
        "(body): Additional properties are not allowed ('secret' was unexpected)"
    ]
    missing = {key: value for key, value in good.items() if key != "ballots"}
    assert problems(missing, turnout) == ["(body): 'ballots' is a required property"]
    assert problems({**good, "ballots": "2"}, turnout) == ["ballots: '2' is not of type 'integer'"]
    assert problems({**good, "poll_id": None}, turnout) == [
        "poll_id: None is not of type 'integer'"
    ]
    assert "weight: '1E+1' is not a 'decimal'" in problems({**good, "weight": "1E+1"}, turnout)
    assert problems({**good, "weight": 2.5}, turnout) == ["weight: 2.5 is not of type 'string'"]


# "Component.field": why the schema lets any value through there.
LOOSE = {
    "Error.errors": "the messages per field of a refused request: its keys are the request's",
}
TYPED = ("type", "$ref", "allOf", "anyOf", "oneOf", "enum")


def loose_spots(node: Any, where: str) -> Iterator[str]:
    """Where a schema lets any value through: an object that documents none
    of its fields, or a field of no type at all."""
    if isinstance(node, list):
        for item in node:
            yield from loose_spots(item, where)
        return
    if not isinstance(node, dict):
        return
    untyped = not any(key in node for key in TYPED)
    fieldless = node.get("type") == "object" and "properties" not in node
    if untyped or (fieldless and node.get("additionalProperties", {}) in ({}, True)):
        yield where
    for name, field in node.get("properties", {}).items():
        yield from loose_spots(field, f"{where}.{name}")
    for key in ("items", "additionalProperties", "allOf", "anyOf", "oneOf"):
        if isinstance(node.get(key), dict | list):
            yield from loose_spots(node[key], where)


def test_only_listed_spots_are_loose() -> None:
    found = {
        spot
        for name, schema in openapi()["components"]["schemas"].items()
        for spot in loose_spots(schema, name)
    }
    assert found == set(LOOSE)


# --- the socket's snapshot ---------------------------------------------------------------

# By app: meetings, voting, documents, speakers, motions.
SNAPSHOT_SHARED = {
    "type", "seq", "meeting", "agenda", "current_item_id", "roster", "quorum", "attendance",
    "projector",
    "polls", "turnout",
    "documents", "presentation", "presenter",
    "speakers",
    "motions", "motion_settings", "resolution", "motion_projection",
}  # fmt: skip
SNAPSHOT_PERSONAL = {
    "viewer", "my_presence", "my_votes", "my_weight", "my_proxies", "my_teller_polls",
}  # fmt: skip
SNAPSHOT_KEYS = {
    Audience.STAFF: SNAPSHOT_SHARED | SNAPSHOT_PERSONAL,
    Audience.MEMBERS: SNAPSHOT_SHARED | SNAPSHOT_PERSONAL,
    Audience.PROJECTOR: SNAPSHOT_SHARED | SNAPSHOT_PERSONAL,
}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"allOf": [schema], "nullable": True}


# The other apps' parts: the REST API's schema where it serves the same shape.
# (The meetings app's part is the REST snapshot itself: component "Snapshot".)
SNAPSHOT_PARTS: dict[str, dict[str, Any]] = {
    "polls": array_of("Poll"),
    "turnout": nullable(component("Turnout")),
    "my_votes": {"type": "object", "additionalProperties": array_of("MyVote")},
    "my_weight": {"type": "string", "format": "decimal", "nullable": True},
    "my_proxies": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "participant_id": {"type": "integer"},
                "name": {"type": "string"},
                "weight": {"type": "string", "format": "decimal"},
            },
            "required": ["participant_id", "name", "weight"],
        },
    },
    "my_teller_polls": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "title": {"type": "string"}},
            "required": ["id", "title"],
        },
    },
    "documents": array_of("Document"),
    "presentation": nullable(component("Presentation")),
    "presenter": nullable(component("Presenter")),
    "speakers": component("Speakers"),
    "motions": array_of("Motion"),
    "motion_settings": component("MotionSettingsResponse"),
    "resolution": nullable(component("Resolution")),
    "motion_projection": {
        "type": "object",
        "nullable": True,
        "properties": {
            "motion_id": {"type": "integer"},
            "amendment_id": {"type": "integer", "nullable": True},
        },
        "required": ["motion_id", "amendment_id"],
    },
}


# Members' phones get the speakers' lists short (speakers.selectors.members_list):
# no history, and the queue without times. Socket only, so declared here.
MEMBERS_SPEAKERS = {
    "type": "object",
    "properties": {
        "settings": component("SpeakerSettings"),
        "lists": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "agenda_item_id": {"type": "integer"},
                    "closed": {"type": "boolean"},
                    "speaking_time": {"type": "integer", "nullable": True},
                    "max_speeches": {"type": "integer", "nullable": True},
                    "first_time_first": {"type": "boolean", "nullable": True},
                    "current": nullable(component("Speech")),
                    "waiting": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "id": {"type": "integer"},
                                "participant_id": {"type": "integer"},
                                "name": {"type": "string"},
                                "kind": {"type": "string"},
                                "number": {"type": "integer"},
                            },
                            "required": ["id", "participant_id", "name", "kind", "number"],
                            "additionalProperties": False,
                        },
                    },
                },
                "required": [
                    "agenda_item_id", "closed", "speaking_time", "max_speeches",
                    "first_time_first", "current", "waiting",
                ],
                "additionalProperties": False,
            },
        },
    },
    "required": ["settings", "lists"],
}  # fmt: skip


def test_socket_snapshot_per_audience(voting_world: World) -> None:
    world = voting_world
    chair = world.chair
    closed = voting_services.poll_create(
        actor=chair, meeting=world.meeting, title="Budget", kind="motion", secrecy="secret"
    )
    voting_services.poll_open(actor=chair, poll=closed)
    voting_services.poll_close(actor=chair, poll=closed)
    voting_services.poll_create(actor=chair, meeting=world.meeting, title="Later", kind="motion")
    running = voting_services.poll_create(
        actor=chair,
        meeting=world.meeting,
        title="Colour",
        kind="single",
        options=["Red", "Blue"],
        secrecy="named",
        results_visibility="live",
    )
    running = voting_services.poll_open(actor=chair, poll=running)
    red = running.options.get(label="Red").pk
    voting_services.ballot_cast(
        voter=world.voters[0], poll_id=running.pk, choices=[red], nonce=receipt()
    )
    version = document_services.document_upload(
        actor=chair, meeting=world.meeting, upload=pdf("Budget"), title="Budget"
    )
    document_services.presenter_show(
        actor=chair, meeting=world.meeting, document=version.document, page=2
    )
    document_services.presenter_assign(
        actor=chair, meeting=world.meeting, participant=world.participant(world.voters[1])
    )
    speaker_services.speech_request(actor=world.voters[0], meeting=world.meeting)
    speaker_services.speech_request(actor=world.voters[1], meeting=world.meeting)
    speaker_services.speaker_call(actor=chair, meeting=world.meeting)
    speaker_services.speaker_start(actor=chair, meeting=world.meeting)
    motion = motion_services.motion_submit(
        actor=world.voters[0], meeting=world.meeting, title="Wage", text="One.\n\nTwo."
    )
    amendment = motion_services.amendment_submit(
        actor=world.voters[1], motion=motion, action="delete", paragraph=2
    )
    viewers = [
        Viewer(role=Participant.Role.CHAIR, participant=world.participant(chair)),
        Viewer(role=Participant.Role.VOTER, participant=world.participant(world.voters[0])),
        PROJECTOR_VIEWER,
    ]
    meetings_part = openapi()["components"]["schemas"]["Snapshot"]["properties"]

    def snapshots() -> list[tuple[Viewer, dict[str, Any]]]:
        """Each viewer's snapshot, checked against the declared shapes."""
        checked = []
        for viewer in viewers:
            snapshot = json.loads(build_snapshot(world.meeting.pk, viewer))
            assert set(snapshot) == SNAPSHOT_KEYS[viewer.audience], viewer.audience
            own = {key: snapshot[key] for key in meetings_part}
            assert problems(own, component("Snapshot")) == [], viewer.audience
            for key, schema in SNAPSHOT_PARTS.items():
                if key == "speakers" and viewer.audience is Audience.MEMBERS:
                    schema = MEMBERS_SPEAKERS
                assert problems(snapshot[key], schema) == [], (viewer.audience, key)
            checked.append((viewer, snapshot))
        return checked

    # A document on show, then a motion put up in its place (one at a time).
    for _viewer, snapshot in snapshots():
        assert snapshot["presentation"] and snapshot["motion_projection"] is None
    motion_services.motion_project(
        actor=chair, meeting=world.meeting, motion_id=motion.pk, amendment_id=amendment.pk
    )
    for viewer, snapshot in snapshots():
        assert snapshot["polls"] and snapshot["presenter"] and snapshot["presentation"] is None
        assert snapshot["motions"][0]["amendments"] and snapshot["motion_projection"]
        assert ("tally" in snapshot["turnout"]) is (viewer.audience is not Audience.MEMBERS)
