"""REST API: the happy path and 400/401/403/404 (and 409) for each endpoint."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from core.exceptions import NotFound
from meetings import services
from meetings.models import AgendaItem, Meeting, Member, Membership, Participant
from tests.api import assert_error, client_for
from tests.conftest import World
from tests.factories import (
    PASSWORD,
    AgendaItemFactory,
    MeetingFactory,
    MemberFactory,
    MembershipFactory,
    ParticipantFactory,
)

pytestmark = pytest.mark.django_db


def union_member_not_on_roster(world: World) -> Member:
    member = MemberFactory.create(full_name="Bystander")
    MembershipFactory.create(member=member, union=world.union)
    return member


def other_meeting_item(world: World) -> AgendaItem:
    """An agenda item of another meeting of the same union."""
    return AgendaItemFactory.create(meeting=MeetingFactory.create(union=world.union), position=1)


def live(world: World) -> None:
    services.meeting_start(actor=world.chair, meeting=world.meeting)


# --- auth -------------------------------------------------------------------


def test_login_sets_session_and_returns_member(world: World) -> None:
    client = APIClient()
    response = client.post(
        "/api/auth/login/",
        {"username": world.chair.username, "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["full_name"] == "Chair Nguyễn"
    assert "sessionid" in response.cookies
    me = client.get("/api/auth/me/")
    assert me.status_code == 200
    assert me.json()["id"] == world.chair.pk


def test_login_wrong_password(world: World) -> None:
    response = APIClient().post(
        "/api/auth/login/", {"username": world.chair.username, "password": "nope"}, format="json"
    )
    body = assert_error(response, 400, "invalid_credentials")
    assert "password" in body["detail"].lower()


def test_login_missing_fields(world: World) -> None:
    body = assert_error(APIClient().post("/api/auth/login/", {}, format="json"), 400, "invalid")
    assert set(body["errors"]) == {"username", "password"}


def test_login_refuses_inactive_member(world: World) -> None:
    world.chair.is_active = False
    world.chair.save()
    response = APIClient().post(
        "/api/auth/login/",
        {"username": world.chair.username, "password": PASSWORD},
        format="json",
    )
    assert_error(response, 400, "invalid_credentials")


def test_me_anonymous_is_401_json(world: World) -> None:
    response = APIClient().get("/api/auth/me/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Session"


def test_logout(world: World) -> None:
    client = client_for(world.voters[0])
    assert client.post("/api/auth/logout/").status_code == 204
    assert_error(client.get("/api/auth/me/"), 401)


def test_logout_anonymous_is_401(world: World) -> None:
    assert_error(APIClient().post("/api/auth/logout/"), 401)


def test_session_writes_need_the_csrf_token(world: World) -> None:
    client = APIClient(enforce_csrf_checks=True)
    login = client.post(
        "/api/auth/login/",
        {"username": world.chair.username, "password": PASSWORD},
        format="json",
    )
    assert login.status_code == 200
    url = f"/api/meetings/{world.meeting.pk}/agenda/"
    assert_error(client.post(url, {"title": "No token"}), 403)
    token = login.cookies["csrftoken"].value
    response = client.post(url, {"title": "With token"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


# --- unions -----------------------------------------------------------------


def test_unions_list_only_own(world: World) -> None:
    response = client_for(world.voters[0]).get("/api/unions/")
    assert response.status_code == 200
    assert [u["id"] for u in response.json()] == [world.union.pk]
    outsider_unions = client_for(world.outsider).get("/api/unions/").json()
    assert world.union.pk not in [u["id"] for u in outsider_unions]
    assert_error(APIClient().get("/api/unions/"), 401)


def test_union_detail(world: World) -> None:
    response = client_for(world.voters[0]).get(f"/api/unions/{world.union.pk}/")
    assert response.status_code == 200
    assert response.json()["code"] == world.union.code
    assert_error(client_for(world.outsider).get(f"/api/unions/{world.union.pk}/"), 404)
    assert_error(client_for(world.chair).get("/api/unions/999999/"), 404, "not_found")
    assert_error(APIClient().get(f"/api/unions/{world.union.pk}/"), 401)


def test_union_members_officers_only(world: World) -> None:
    url = f"/api/unions/{world.union.pk}/members/"
    response = client_for(world.chair).get(url)
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 5  # chair, clerk, three voters
    chair_row = next(r for r in rows if r["member"] == world.chair.pk)
    assert chair_row["role"] == "officer"
    assert chair_row["member_number"] == world.chair.member_number
    assert_error(client_for(world.clerk).get(url), 403, "forbidden")
    assert_error(client_for(world.outsider).get(url), 404)
    assert_error(APIClient().get(url), 401)


# --- meetings ---------------------------------------------------------------


def test_meetings_list(world: World) -> None:
    response = client_for(world.voters[0]).get("/api/meetings/")
    assert response.status_code == 200
    assert [m["id"] for m in response.json()] == [world.meeting.pk]
    assert client_for(world.outsider).get("/api/meetings/").json() == []
    assert_error(APIClient().get("/api/meetings/"), 401)


def meeting_body(world: World, **extra: Any) -> dict[str, Any]:
    return {
        "union": world.union.pk,
        "title": "Đại hội công đoàn",
        "starts_at": "2030-05-01T08:00:00Z",
        "location": "Hall",
        **extra,
    }


def test_meeting_create(world: World) -> None:
    response = client_for(world.chair).post("/api/meetings/", meeting_body(world), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Đại hội công đoàn"
    assert body["status"] == "scheduled"
    meeting = Meeting.objects.get(pk=body["id"])
    assert meeting.participants.get().member == world.chair


def test_meeting_create_errors(world: World) -> None:
    chair = client_for(world.chair)
    body = assert_error(
        chair.post("/api/meetings/", meeting_body(world, title=""), format="json"), 400
    )
    assert "title" in body["errors"]
    body = assert_error(
        chair.post("/api/meetings/", meeting_body(world, union=999999), format="json"), 400
    )
    assert "union" in body["errors"]
    body = assert_error(
        chair.post("/api/meetings/", meeting_body(world, starts_at="soon"), format="json"), 400
    )
    assert "starts_at" in body["errors"]
    # Not an officer of the union.
    assert_error(
        client_for(world.clerk).post("/api/meetings/", meeting_body(world), format="json"),
        403,
    )
    assert_error(
        client_for(world.outsider).post("/api/meetings/", meeting_body(world), format="json"),
        403,
    )
    assert_error(APIClient().post("/api/meetings/", meeting_body(world), format="json"), 401)
    assert Meeting.objects.count() == 1


def test_meeting_detail(world: World) -> None:
    url = f"/api/meetings/{world.meeting.pk}/"
    response = client_for(world.voters[0]).get(url)
    assert response.status_code == 200
    assert response.json()["union_name"] == world.union.name
    # A meeting of another union is as good as absent.
    assert_error(client_for(world.outsider).get(url), 404, "not_found")
    assert_error(client_for(world.chair).get("/api/meetings/999999/"), 404, "not_found")
    assert_error(APIClient().get(url), 401)


def test_meeting_update(world: World) -> None:
    url = f"/api/meetings/{world.meeting.pk}/"
    assert_error(client_for(world.clerk).patch(url, {"title": "X"}, format="json"), 403)
    response = client_for(world.chair).patch(url, {"title": "  New title "}, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "New title"
    assert_error(client_for(world.chair).patch(url, {"title": ""}, format="json"), 400)
    body = assert_error(
        client_for(world.chair).patch(url, {"livestream_url": "not a url"}, format="json"), 400
    )
    assert "livestream_url" in body["errors"]
    assert_error(client_for(world.voters[0]).patch(url, {"title": "X"}, format="json"), 403)
    assert_error(client_for(world.outsider).patch(url, {"title": "X"}, format="json"), 404)
    assert_error(APIClient().patch(url, {"title": "X"}, format="json"), 401)
    world.meeting.refresh_from_db()
    assert world.meeting.title == "New title"


def test_unsupported_method_is_json(world: World) -> None:
    response = client_for(world.chair).put(f"/api/meetings/{world.meeting.pk}/", {})
    assert_error(response, 405, "method_not_allowed")


def test_meeting_start_and_close(world: World) -> None:
    base = f"/api/meetings/{world.meeting.pk}"
    chair = client_for(world.chair)
    assert_error(chair.post(f"{base}/close/"), 409, "conflict")
    assert_error(client_for(world.voters[0]).post(f"{base}/start/"), 403)
    assert_error(client_for(world.outsider).post(f"{base}/start/"), 404)
    assert_error(APIClient().post(f"{base}/start/"), 401)

    response = chair.post(f"{base}/start/")
    assert response.status_code == 200
    assert response.json()["status"] == "live"
    assert AgendaItem.objects.get(pk=world.items[0].pk).state == "current"
    assert_error(chair.post(f"{base}/start/"), 409, "conflict")

    assert_error(client_for(world.voters[0]).post(f"{base}/close/"), 403)
    response = chair.post(f"{base}/close/")
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert_error(chair.post("/api/meetings/999999/close/"), 404)


def test_snapshot(world: World) -> None:
    url = f"/api/meetings/{world.meeting.pk}/snapshot/"
    response = client_for(world.voters[0]).get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "snapshot"
    assert body["meeting"]["id"] == world.meeting.pk
    assert [item["title"] for item in body["agenda"]] == ["Item 1", "Item 2", "Item 3"]
    assert body["viewer"]["role"] == "voter"
    assert body["viewer"]["controls_meeting"] is False
    chair_view = client_for(world.chair).get(url).json()
    assert chair_view["viewer"]["controls_meeting"] is True
    # In the union but not on the roster.
    assert_error(client_for(union_member_not_on_roster(world)).get(url), 403)
    assert_error(client_for(world.outsider).get(url), 404)
    assert_error(APIClient().get(url), 401)


# --- participants -----------------------------------------------------------


def test_participants_list(world: World) -> None:
    url = f"/api/meetings/{world.meeting.pk}/participants/"
    response = client_for(world.voters[0]).get(url)
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 5
    chair = next(r for r in rows if r["member"] == world.chair.pk)
    assert chair == {
        "id": world.participant(world.chair).pk,
        "member": world.chair.pk,
        "full_name": "Chair Nguyễn",
        "member_number": world.chair.member_number,
        "role": "chair",
        "vote_weight": "1.0000",
        "presence": "absent",
    }
    assert_error(client_for(union_member_not_on_roster(world)).get(url), 403)
    assert_error(client_for(world.outsider).get(url), 404)
    assert_error(APIClient().get(url), 401)


def test_participant_add(world: World) -> None:
    url = f"/api/meetings/{world.meeting.pk}/participants/"
    newcomer = MemberFactory.create(full_name="Người mới")
    MembershipFactory.create(member=newcomer, union=world.union, vote_weight=Decimal("2.5"))
    response = client_for(world.chair).post(url, {"member": newcomer.pk}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["full_name"] == "Người mới"
    assert body["role"] == "voter"
    assert body["vote_weight"] == "2.5000"  # the union weight


def test_participant_add_with_role_and_weight(world: World) -> None:
    url = f"/api/meetings/{world.meeting.pk}/participants/"
    newcomer = MemberFactory.create()
    MembershipFactory.create(member=newcomer, union=world.union)
    response = client_for(world.chair).post(
        url, {"member": newcomer.pk, "role": "observer", "vote_weight": "0"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["role"] == "observer"
    assert response.json()["vote_weight"] == "0.0000"


def test_participant_add_errors(world: World) -> None:
    url = f"/api/meetings/{world.meeting.pk}/participants/"
    chair = client_for(world.chair)
    newcomer = MemberFactory.create()
    MembershipFactory.create(member=newcomer, union=world.union)
    # Not a member of the union.
    assert_error(chair.post(url, {"member": world.outsider.pk}, format="json"), 400)
    assert_error(chair.post(url, {"member": 999999}, format="json"), 400)
    body = assert_error(
        chair.post(url, {"member": newcomer.pk, "vote_weight": "-1"}, format="json"), 400
    )
    assert "vote_weight" in body["errors"]
    body = assert_error(
        chair.post(url, {"member": newcomer.pk, "role": "king"}, format="json"), 400
    )
    assert "role" in body["errors"]
    # Already on the roster.
    assert_error(chair.post(url, {"member": world.voters[0].pk}, format="json"), 409)
    assert_error(client_for(world.voters[0]).post(url, {"member": newcomer.pk}, format="json"), 403)
    assert_error(client_for(world.outsider).post(url, {"member": newcomer.pk}, format="json"), 404)
    assert_error(APIClient().post(url, {"member": newcomer.pk}, format="json"), 401)
    assert not Participant.objects.filter(member=newcomer).exists()


def test_participants_from_union(world: World) -> None:
    url = f"/api/meetings/{world.meeting.pk}/participants/from-union/"
    for _ in range(2):
        MembershipFactory.create(union=world.union)
    response = client_for(world.chair).post(url, {"role": "voter"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"added": 2}
    assert client_for(world.chair).post(url, {}, format="json").json() == {"added": 0}
    assert_error(client_for(world.chair).post(url, {"role": "king"}, format="json"), 400)
    assert_error(client_for(world.voters[0]).post(url, {}, format="json"), 403)
    assert_error(client_for(world.outsider).post(url, {}, format="json"), 404)
    assert_error(APIClient().post(url, {}, format="json"), 401)


def test_participant_update(world: World) -> None:
    voter = world.participant(world.voters[0])
    url = f"/api/meetings/{world.meeting.pk}/participants/{voter.pk}/"
    response = client_for(world.chair).patch(url, {"vote_weight": "3.25"}, format="json")
    assert response.status_code == 200
    assert response.json()["vote_weight"] == "3.2500"
    response = client_for(world.chair).patch(url, {"role": "observer"}, format="json")
    assert response.json()["role"] == "observer"
    assert response.json()["vote_weight"] == "3.2500"
    assert_error(client_for(world.chair).patch(url, {"vote_weight": "x"}, format="json"), 400)
    assert_error(client_for(world.voters[1]).patch(url, {"role": "chair"}, format="json"), 403)
    assert_error(client_for(world.outsider).patch(url, {"role": "chair"}, format="json"), 404)
    assert_error(APIClient().patch(url, {"role": "chair"}, format="json"), 401)
    other = ParticipantFactory.create(meeting=MeetingFactory.create(union=world.union))
    other_url = f"/api/meetings/{world.meeting.pk}/participants/{other.pk}/"
    assert_error(client_for(world.chair).patch(other_url, {"role": "voter"}, format="json"), 404)
    # The only chair cannot step down.
    chair_url = (
        f"/api/meetings/{world.meeting.pk}/participants/{world.participant(world.chair).pk}/"
    )
    assert_error(client_for(world.chair).patch(chair_url, {"role": "voter"}, format="json"), 409)


def test_participant_remove(world: World) -> None:
    voter = world.participant(world.voters[0])
    url = f"/api/meetings/{world.meeting.pk}/participants/{voter.pk}/"
    assert_error(client_for(world.voters[1]).delete(url), 403)
    assert_error(client_for(world.outsider).delete(url), 404)
    assert_error(APIClient().delete(url), 401)
    assert_error(client_for(world.clerk).delete(url), 403)
    assert client_for(world.chair).delete(url).status_code == 204
    assert not Participant.objects.filter(pk=voter.pk).exists()
    assert_error(client_for(world.chair).delete(url), 404)
    chair_url = (
        f"/api/meetings/{world.meeting.pk}/participants/{world.participant(world.chair).pk}/"
    )
    assert_error(client_for(world.chair).delete(chair_url), 409)


# --- agenda -----------------------------------------------------------------


def test_agenda_list(world: World) -> None:
    url = f"/api/meetings/{world.meeting.pk}/agenda/"
    response = client_for(world.voters[0]).get(url)
    assert response.status_code == 200
    assert [(i["position"], i["title"], i["state"]) for i in response.json()] == [
        (1, "Item 1", "pending"),
        (2, "Item 2", "pending"),
        (3, "Item 3", "pending"),
    ]
    assert_error(client_for(world.outsider).get(url), 404)
    assert_error(APIClient().get(url), 401)


def test_agenda_add(world: World) -> None:
    url = f"/api/meetings/{world.meeting.pk}/agenda/"
    assert_error(client_for(world.clerk).post(url, {"title": "X"}, format="json"), 403)
    response = client_for(world.chair).post(
        url, {"title": "بند جديد", "description": "نص"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["title"] == "بند جديد"
    assert response.json()["position"] == 4
    body = assert_error(client_for(world.chair).post(url, {"title": ""}, format="json"), 400)
    assert "title" in body["errors"]
    assert_error(client_for(world.voters[0]).post(url, {"title": "X"}, format="json"), 403)
    assert_error(client_for(world.outsider).post(url, {"title": "X"}, format="json"), 404)
    assert_error(APIClient().post(url, {"title": "X"}, format="json"), 401)
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    services.meeting_close(actor=world.chair, meeting=world.meeting)
    assert_error(client_for(world.chair).post(url, {"title": "Late"}, format="json"), 409)


def test_agenda_item_update(world: World) -> None:
    item = world.items[1]
    url = f"/api/meetings/{world.meeting.pk}/agenda/{item.pk}/"
    response = client_for(world.chair).patch(url, {"description": "Budget"}, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "Item 2"
    assert response.json()["description"] == "Budget"
    assert_error(client_for(world.chair).patch(url, {"title": "  "}, format="json"), 400)
    assert_error(client_for(world.voters[0]).patch(url, {"title": "X"}, format="json"), 403)
    assert_error(client_for(world.outsider).patch(url, {"title": "X"}, format="json"), 404)
    assert_error(APIClient().patch(url, {"title": "X"}, format="json"), 401)
    other = other_meeting_item(world)
    other_url = f"/api/meetings/{world.meeting.pk}/agenda/{other.pk}/"
    assert_error(client_for(world.chair).patch(other_url, {"title": "X"}, format="json"), 404)


def test_agenda_item_delete(world: World) -> None:
    item = world.items[0]
    url = f"/api/meetings/{world.meeting.pk}/agenda/{item.pk}/"
    assert_error(client_for(world.voters[0]).delete(url), 403)
    assert_error(client_for(world.outsider).delete(url), 404)
    assert_error(APIClient().delete(url), 401)
    assert client_for(world.chair).delete(url).status_code == 204
    assert list(
        AgendaItem.objects.filter(meeting=world.meeting).values_list("position", "title")
    ) == [(1, "Item 2"), (2, "Item 3")]
    assert_error(client_for(world.chair).delete(url), 404)


def test_agenda_reorder(world: World) -> None:
    url = f"/api/meetings/{world.meeting.pk}/agenda/reorder/"
    a, b, c = (item.pk for item in world.items)
    response = client_for(world.chair).post(url, {"order": [c, a, b]}, format="json")
    assert response.status_code == 200
    assert [(i["id"], i["position"]) for i in response.json()] == [(c, 1), (a, 2), (b, 3)]
    assert_error(client_for(world.chair).post(url, {"order": [a, b]}, format="json"), 400)
    assert_error(client_for(world.chair).post(url, {"order": [a, a, b, c]}, format="json"), 400)
    body = assert_error(client_for(world.chair).post(url, {"order": "abc"}, format="json"), 400)
    assert "order" in body["errors"]
    assert_error(client_for(world.voters[0]).post(url, {"order": [a, b, c]}, format="json"), 403)
    assert_error(client_for(world.outsider).post(url, {"order": [a, b, c]}, format="json"), 404)
    assert_error(APIClient().post(url, {"order": [a, b, c]}, format="json"), 401)


def test_agenda_advance(world: World) -> None:
    url = f"/api/meetings/{world.meeting.pk}/agenda/advance/"
    chair = client_for(world.chair)
    assert_error(chair.post(url, {"direction": "next"}, format="json"), 409)  # not live yet
    live(world)
    response = chair.post(url, {"direction": "next"}, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "Item 2"
    assert response.json()["state"] == "current"
    assert_error(client_for(world.clerk).post(url, {"item_id": world.items[2].pk}), 403)
    response = chair.post(url, {"item_id": world.items[2].pk}, format="json")
    assert response.json()["title"] == "Item 3"
    assert_error(chair.post(url, {"direction": "next"}, format="json"), 409)  # the last item
    response = chair.post(url, {"direction": "previous"}, format="json")
    assert response.json()["title"] == "Item 2"
    states = dict(AgendaItem.objects.filter(meeting=world.meeting).values_list("title", "state"))
    assert states == {"Item 1": "done", "Item 2": "current", "Item 3": "pending"}


def test_agenda_advance_errors(world: World) -> None:
    url = f"/api/meetings/{world.meeting.pk}/agenda/advance/"
    live(world)
    chair = client_for(world.chair)
    assert_error(chair.post(url, {}, format="json"), 400)
    assert_error(
        chair.post(url, {"direction": "next", "item_id": world.items[1].pk}, format="json"), 400
    )
    body = assert_error(chair.post(url, {"direction": "sideways"}, format="json"), 400)
    assert "direction" in body["errors"]
    other = other_meeting_item(world)
    assert_error(chair.post(url, {"item_id": other.pk}, format="json"), 404)
    assert_error(client_for(world.voters[0]).post(url, {"direction": "next"}, format="json"), 403)
    assert_error(client_for(world.outsider).post(url, {"direction": "next"}, format="json"), 404)
    assert_error(APIClient().post(url, {"direction": "next"}, format="json"), 401)
    current = AgendaItem.objects.get(meeting=world.meeting, state="current")
    assert current.title == "Item 1"


# --- projector link ---------------------------------------------------------


def test_projector_link(world: World) -> None:
    url = f"/api/meetings/{world.meeting.pk}/projector-link/"
    response = client_for(world.chair).post(url)
    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json()["url"] == f"http://testserver/projector/{token}/"
    assert services.projector_meeting(token) == world.meeting
    assert_error(client_for(world.voters[0]).post(url), 403)
    assert_error(client_for(world.outsider).post(url), 404)
    assert_error(APIClient().post(url), 401)


def test_projector_link_revoke(world: World) -> None:
    url = f"/api/meetings/{world.meeting.pk}/projector-link/"
    old = client_for(world.chair).post(url).json()["token"]
    assert_error(client_for(world.clerk).delete(url), 403)
    response = client_for(world.chair).delete(url)
    assert response.status_code == 200
    fresh = response.json()["token"]
    assert fresh != old
    assert services.projector_meeting(fresh) == world.meeting
    with pytest.raises(NotFound):
        services.projector_meeting(old)
    assert_error(client_for(world.voters[0]).delete(url), 403)
    assert_error(client_for(world.outsider).delete(url), 404)
    assert_error(APIClient().delete(url), 401)


def test_superuser_sees_every_union(world: World) -> None:
    admin = MemberFactory.create(is_superuser=True, is_staff=True)
    assert client_for(admin).get(f"/api/meetings/{world.meeting.pk}/").status_code == 200
    assert client_for(admin).get(f"/api/unions/{world.union.pk}/members/").status_code == 200
    assert Membership.objects.filter(member=admin).count() == 0
