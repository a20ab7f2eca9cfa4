"""Check-in over REST and through the pages the QR codes open."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from core.projector_cookie import PROJECTOR_COOKIE
from meetings import attendance, attendance_selectors, services
from meetings.models import AttendanceLog, LoginToken, Member, Participant
from tests.conftest import World, build_world
from tests.meetings.attendance_helpers import (  # noqa: F401  (fixtures)
    Clock,
    clock_fixture,
    own_rate_counters,
)

pytestmark = pytest.mark.django_db


def api(member: Member | None) -> APIClient:
    client = APIClient()
    if member is not None:
        client.force_login(member)
    return client


def page(member: Member | None) -> Client:
    client = Client()
    if member is not None:
        client.force_login(member)
    return client


def badge(world: World, member: Member) -> str:
    return attendance_selectors.badge_token_for(world.participant(member))


def presence(world: World, member: Member) -> str:
    return world.participant(member).presence


def url(world: World, path: str) -> str:
    return f"/api/meetings/{world.meeting.pk}/{path}"


# --- REST ---------------------------------------------------------------------------


def test_clerk_checks_in_by_badge_number_and_id(world: World) -> None:
    clerk = api(world.clerk)
    a, b, c = world.voters
    answer = clerk.post(url(world, "check-in/"), {"badge": badge(world, a)}, format="json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["name"] == a.full_name and body["current_presence"] == "room"
    assert body["message"] == f"{a.full_name} checked in {body['time']} by {world.clerk.full_name}."
    answer = clerk.post(url(world, "check-in/"), {"member_number": b.member_number}, format="json")
    assert answer.json()["method"] == "member_number"
    answer = clerk.post(
        url(world, "check-in/"), {"participant_id": world.participant(c).pk}, format="json"
    )
    assert answer.json()["method"] == "manual"
    # Double check-in: 409 with the reason.
    again = clerk.post(url(world, "check-in/"), {"badge": badge(world, a)}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_checked_in"
    assert a.full_name in again.json()["detail"]
    # Exactly one way of saying who.
    both = clerk.post(url(world, "check-in/"), {"badge": "x", "member_number": "y"}, format="json")
    assert both.status_code == 400
    forged = clerk.post(url(world, "check-in/"), {"badge": "1.2.x:forged"}, format="json")
    assert (forged.status_code, forged.json()["code"]) == (400, "token_forged")


def test_check_out_and_return_over_rest(world: World) -> None:
    voter = world.voters[0]
    participant = world.participant(voter)
    clerk = api(world.clerk)
    clerk.post(url(world, "check-in/"), {"participant_id": participant.pk}, format="json")
    answer = api(voter).post(url(world, "check-out/"), {}, format="json")
    assert answer.status_code == 200 and answer.json()["current_presence"] == "absent"
    assert api(voter).post(url(world, "check-out/"), {}, format="json").status_code == 409
    clerk.post(url(world, "check-in/"), {"participant_id": participant.pk}, format="json")
    answer = clerk.post(url(world, "check-out/"), {"participant_id": participant.pk}, format="json")
    assert answer.json()["method"] == "manual"
    log = clerk.get(url(world, "attendance/log/?limit=10")).json()
    assert [e["action"] for e in log] == ["check_out", "check_in", "check_out", "check_in"]
    assert api(voter).get(url(world, "attendance/log/")).status_code == 403


def test_attendance_quorum_and_settings(world: World) -> None:
    chair = api(world.chair)
    api(world.clerk).post(url(world, "check-in/"), {"badge": badge(world, world.voters[0])}, "json")
    body = api(world.voters[1]).get(url(world, "attendance/")).json()
    assert body["attendance"]["room"]["voters"] == 1
    assert body["quorum"]["voters"] == 4
    answer = chair.patch(
        url(world, "attendance/settings/"),
        {"room_checkin_enabled": False, "allow_remote_participation": True},
        format="json",
    )
    assert answer.status_code == 200
    assert answer.json()["room_checkin_enabled"] is False
    assert answer.json()["allow_remote_participation"] is True
    refused = api(world.voters[0]).patch(
        url(world, "attendance/settings/"), {"room_checkin_enabled": True}, format="json"
    )
    assert refused.status_code == 403
    answer = api(world.voters[1]).post(url(world, "remote-presence/"))
    assert answer.status_code == 200 and answer.json()["current_presence"] == "remote"
    assert api(world.outsider).get(url(world, "attendance/")).status_code == 404
    assert api(None).get(url(world, "attendance/")).status_code == 401


def test_room_check_in_over_rest(world: World, clock: Clock) -> None:
    token = attendance.room_code(world.meeting).token
    answer = api(world.voters[0]).post(url(world, "room-check-in/"), {"token": token}, "json")
    assert answer.status_code == 200 and answer.json()["method"] == "room_qr"
    clock.now += 61
    answer = api(world.voters[1]).post(url(world, "room-check-in/"), {"token": token}, "json")
    assert (answer.status_code, answer.json()["code"]) == (400, "token_expired")


def test_rate_limit_answers_429(world: World, settings: Any) -> None:
    settings.CHECKIN_RATE_LIMIT = 2
    clerk = api(world.clerk)
    for _ in range(2):
        clerk.post(url(world, "check-in/"), {"badge": "nope"}, format="json")
    answer = clerk.post(url(world, "check-in/"), {"badge": badge(world, world.voters[0])}, "json")
    assert answer.status_code == 429
    assert answer.json() == {
        "detail": "Too many attempts. Wait a minute and try again.",
        "code": "rate_limited",
    }


def test_badges_and_login_links_over_rest(world: World) -> None:
    voter = world.voters[0]
    mine = api(voter).get(url(world, "badge/")).json()
    assert mine["name"] == voter.full_name
    assert mine["url"] == f"http://testserver/checkin/badge/{mine['token']}/"
    participant = world.participant(voter)
    revoked = api(world.clerk).post(url(world, f"participants/{participant.pk}/badge/revoke/"))
    assert revoked.status_code == 200 and revoked.json()["token"] != mine["token"]
    assert (
        api(voter).post(url(world, f"participants/{participant.pk}/badge/revoke/")).status_code
        == 403
    )
    links = api(world.clerk).post(url(world, "login-links/"), {"valid_minutes": 30}, "json")
    assert links.status_code == 201
    assert {link["name"] for link in links.json()} == {m.full_name for m in world.voters}
    link = links.json()[0]
    assert re.fullmatch(r"http://testserver/login/link/[\w-]{40,}/", link["url"])
    answer = api(world.clerk).post(url(world, f"login-links/{link['id']}/revoke/"))
    assert answer.status_code == 204
    assert LoginToken.objects.get(pk=link["id"]).revoked_at is not None


def test_attendance_csv_download(world: World) -> None:
    api(world.clerk).post(url(world, "check-in/"), {"badge": badge(world, world.voters[0])}, "json")
    answer = api(world.clerk).get(url(world, "attendance.csv"), HTTP_ACCEPT="text/csv")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.content.startswith(b"\xef\xbb\xbf")
    assert world.voters[0].full_name in answer.content.decode("utf-8-sig")
    assert api(world.voters[0]).get(url(world, "attendance.csv")).status_code == 403


# --- pages --------------------------------------------------------------------------


def open_link(client: Client, target: str, clean: str) -> Any:
    """Open a token link as a phone does: the token goes into the session and
    the browser is sent on to the clean address, which it then shows."""
    swap = client.get(target)
    assert swap.status_code == 302 and swap["Location"] == clean, swap
    assert swap["Referrer-Policy"] == "no-referrer"
    return client.get(clean)


def test_badge_url_page_checks_in_on_post_only(world: World) -> None:
    voter = world.voters[0]
    target = f"/checkin/badge/{badge(world, voter)}/"
    clerk = page(world.clerk)
    shown = open_link(clerk, target, "/checkin/badge/")
    assert shown.status_code == 200
    assert b'data-auto-submit="true"' in shown.content
    assert presence(world, voter) == "absent"  # a GET (a link preview) changes nothing
    assert clerk.post(target).status_code == 405  # the token URL changes nothing
    done = clerk.post("/checkin/badge/")
    assert done.status_code == 200
    text = done.content.decode()
    assert f"{voter.full_name} checked in" in text and f"by {world.clerk.full_name}" in text
    assert presence(world, voter) == "room"
    # The token was used from the session: a second POST has none.
    assert clerk.post("/checkin/badge/").status_code == 404
    open_link(clerk, target, "/checkin/badge/")
    again = clerk.post("/checkin/badge/")
    assert again.status_code == 409
    assert "is already checked in" in again.content.decode()
    # A voter opening someone's badge: refused, nothing changes.
    voter_page = page(world.voters[1])
    open_link(voter_page, f"/checkin/badge/{badge(world, world.voters[2])}/", "/checkin/badge/")
    refused = voter_page.post("/checkin/badge/")
    assert refused.status_code == 403
    assert presence(world, world.voters[2]) == "absent"
    # Logged out: to the login page first, whose `next` is the clean address.
    logged_out = page(None)
    shown = open_link(logged_out, target, "/checkin/badge/")
    assert shown.status_code == 302 and shown["Location"] == "/login/?next=/checkin/badge/"


def test_room_url_page(world: World, clock: Clock) -> None:
    code = attendance.room_code(world.meeting)
    target = f"/checkin/room/{world.meeting.pk}/{code.token}/"
    clean = f"/checkin/room/{world.meeting.pk}/"
    voter = world.voters[0]
    member = page(voter)
    assert open_link(member, target, clean).status_code == 200
    assert presence(world, voter) == "absent"
    done = member.post(clean)
    assert done.status_code == 200 and "checked in" in done.content.decode()
    assert presence(world, voter) == "room"
    # Opened logged out, the code rotates away during the login: still accepted.
    late = world.voters[1]
    browser = Client()
    login_page = open_link(browser, target, clean)
    assert login_page.status_code == 302 and login_page["Location"] == f"/login/?next={clean}"
    clock.now += 120
    browser.force_login(late)
    assert browser.post(clean).status_code == 200
    assert presence(world, late) == "room"
    # Opened logged in, the same old code is refused.
    third = page(world.voters[2])
    open_link(third, target, clean)
    answer = third.post(clean)
    assert answer.status_code == 400 and "expired" in answer.content.decode()


def test_login_link_page(world: World) -> None:
    voter = world.voters[0]
    [link] = attendance.login_invitations_create(
        actor=world.clerk, meeting=world.meeting, participant_ids=[world.participant(voter).pk]
    )
    browser = Client()
    target = f"/login/link/{link.token}/"
    shown = open_link(browser, target, "/login/link/")
    assert shown.status_code == 200 and f"Log in as {voter.full_name}" in shown.content.decode()
    assert link.token not in shown.content.decode()
    assert LoginToken.objects.get().used_at is None
    assert browser.post(target).status_code == 405  # the token URL changes nothing
    done = browser.post("/login/link/")
    assert done.status_code == 302 and done["Location"] == f"/meetings/{world.meeting.pk}/"
    assert browser.get(f"/meetings/{world.meeting.pk}/").status_code == 200
    replay = Client().get(target)
    assert replay.status_code == 400
    assert "already been used" in replay.content.decode()
    assert Client().post("/login/link/").status_code == 404  # no token in this session


def test_clerk_page_badge_sheet_and_invitations(world: World) -> None:
    clerk = page(world.clerk)
    shown = clerk.get(f"/meetings/{world.meeting.pk}/clerk/")
    assert shown.status_code == 200
    text = shown.content.decode()
    assert '<label for="member-number">Member number or name</label>' in text
    assert 'id="scanner"' in text and "hidden" in text.split('id="scanner"')[1][:80]
    assert page(world.voters[0]).get(f"/meetings/{world.meeting.pk}/clerk/").status_code == 403
    pdf = clerk.get(f"/meetings/{world.meeting.pk}/badges.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert page(world.voters[0]).get(f"/meetings/{world.meeting.pk}/badges.pdf").status_code == 403
    sheet = clerk.post(f"/meetings/{world.meeting.pk}/invitations/", {"valid_minutes": "60"})
    assert sheet.status_code == 200
    assert sheet.content.decode().count('class="invitation"') == 3
    assert LoginToken.objects.count() == 3


def test_member_badge_page_and_member_page_hooks(world: World) -> None:
    voter = world.voters[0]
    member = page(voter)
    shown = member.get(f"/meetings/{world.meeting.pk}/badge/")
    assert shown.status_code == 200
    token = badge(world, voter)
    assert f'data-badge-url="http://testserver/checkin/badge/{token}/"' in shown.content.decode()
    assert "<svg" in shown.content.decode()
    meeting_page = member.get(f"/meetings/{world.meeting.pk}/").content.decode()
    assert 'id="my-attendance"' in meeting_page and "My badge" in meeting_page
    chair_page = page(world.chair).get(f"/meetings/{world.meeting.pk}/chair/").content.decode()
    assert 'id="attendance-panel"' in chair_page and 'id="room-checkin-enabled"' in chair_page


def test_projector_room_code(world: World, clock: Clock) -> None:
    token = services.projector_token_for(world.meeting)
    url = f"/meetings/{world.meeting.pk}/projector/room-code/"
    projector = Client()
    projector.get(f"/projector/{token}/")  # the link sets the projector cookie
    answer = projector.get(url)
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    body = answer.json()
    code = attendance.room_code(world.meeting)
    assert body["url"] == f"http://testserver/checkin/room/{world.meeting.pk}/{code.token}/"
    assert body["svg"].startswith("<svg") and body["refresh_in"] == pytest.approx(25)
    attendance.attendance_settings_update(
        actor=world.chair, meeting=world.meeting, room_checkin_enabled=False
    )
    assert projector.get(url).json() == {"enabled": False}
    assert Client().get(url).status_code == 404  # no projector cookie
    forged = Client()
    forged.cookies[PROJECTOR_COOKIE] = "forged"
    assert forged.get(url).status_code == 404
    shown = projector.get(f"/meetings/{world.meeting.pk}/projector/").content.decode()
    assert 'id="room-code"' in shown


def test_other_meeting_clerk_cannot_use_a_badge(world: World) -> None:
    other = build_world()
    token = badge(world, world.voters[0])
    refused = api(other.clerk).post(
        f"/api/meetings/{other.meeting.pk}/check-in/", {"badge": token}, format="json"
    )
    assert refused.json()["code"] == "token_other_meeting"
    other_clerk = page(other.clerk)
    open_link(other_clerk, f"/checkin/badge/{token}/", "/checkin/badge/")
    shown = other_clerk.post("/checkin/badge/")
    assert shown.status_code == 403
    assert not AttendanceLog.objects.exists()
    assert Participant.objects.filter(presence="room").count() == 0
