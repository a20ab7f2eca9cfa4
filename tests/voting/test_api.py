"""Voting REST API: the happy path and 400/401/403/404/409 for each endpoint."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from meetings import services as meeting_services
from meetings.models import Member, Participant, Proxy
from tests.api import assert_error, client_for
from tests.conftest import World
from tests.factories import MemberFactory, MembershipFactory
from tests.voting.conftest import PollMaker, option_id, receipt, signed_entry
from voting import selectors, services
from voting.models import Ballot, Poll, RollEntry, RollMark

pytestmark = pytest.mark.django_db


def bystander(world: World) -> Member:
    """A member of the meeting's union who is not on its roster."""
    member = MemberFactory.create(full_name="Bystander")
    MembershipFactory.create(member=member, union=world.union)
    return member


def polls_url(world: World) -> str:
    return f"/api/meetings/{world.meeting.pk}/polls/"


def cast(client: APIClient, poll: Poll, choices: list[Any], code: str, **extra: Any) -> Any:
    return client.post(
        f"/api/polls/{poll.pk}/ballots/",
        {"choices": choices, "nonce": code, **extra},
        format="json",
    )


# --- list and create ------------------------------------------------------------------


def test_poll_list_hides_drafts_from_members(live_world: World, make_poll: PollMaker) -> None:
    opened = make_poll(title="Open one")
    draft = make_poll(open_=False, title="Draft one")
    as_voter = client_for(live_world.voters[0]).get(polls_url(live_world))
    assert as_voter.status_code == 200
    assert [p["id"] for p in as_voter.json()] == [opened.pk]
    as_clerk = client_for(live_world.clerk).get(polls_url(live_world))
    assert [p["id"] for p in as_clerk.json()] == [opened.pk, draft.pk]
    first = as_clerk.json()[0]
    assert first["state"] == "open"
    assert [o["label"] for o in first["options"]] == ["Yes", "No", "Abstain"]
    assert first["result"] is None


def test_poll_list_refusals(live_world: World) -> None:
    assert_error(APIClient().get(polls_url(live_world)), 401)
    assert_error(client_for(live_world.outsider).get(polls_url(live_world)), 404)
    assert_error(client_for(bystander(live_world)).get(polls_url(live_world)), 403)
    assert_error(client_for(live_world.chair).get("/api/meetings/999999/polls/"), 404)


def test_create_poll(live_world: World) -> None:
    response = client_for(live_world.chair).post(
        polls_url(live_world),
        {
            "title": "Elect the board",
            "kind": "election",
            "options": ["Lê Văn An", "Phạm Thị Bình", "Hoàng Cúc"],
            "seats": 2,
            "secrecy": "secret",
            "majority": "absolute",
            "agenda_item_id": live_world.items[0].pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "draft"
    assert (body["kind"], body["seats"], body["max_choices"]) == ("election", 2, 2)
    assert body["agenda_item_id"] == live_world.items[0].pk
    assert [o["label"] for o in body["options"]] == [
        "Lê Văn An",
        "Phạm Thị Bình",
        "Hoàng Cúc",
        "Abstain",
    ]
    poll = Poll.objects.get(pk=body["id"])
    assert poll.created_by == live_world.chair


def test_create_poll_refusals(live_world: World) -> None:
    url = polls_url(live_world)
    motion = {"title": "Adopt?", "kind": "motion"}
    assert_error(APIClient().post(url, motion, format="json"), 401)
    assert_error(client_for(live_world.outsider).post(url, motion, format="json"), 404)
    assert_error(client_for(live_world.voters[0]).post(url, motion, format="json"), 403)
    body = assert_error(
        client_for(live_world.chair).post(url, {"title": "x", "kind": "ranked"}, format="json"),
        400,
        "invalid",
    )
    assert "kind" in body["errors"]
    # The service's rules answer 400 too: a choice poll needs two options.
    assert_error(
        client_for(live_world.chair).post(
            url, {"title": "Pick", "kind": "single", "options": ["Only"]}, format="json"
        ),
        400,
    )
    assert_error(
        client_for(live_world.chair).post(
            url,
            {"title": "Live secret", "kind": "motion", "results_visibility": "live"},
            format="json",
        ),
        400,
    )
    meeting_services.meeting_close(actor=live_world.chair, meeting=live_world.meeting)
    assert_error(client_for(live_world.chair).post(url, motion, format="json"), 409)
    assert not Poll.objects.exists()


# --- detail ---------------------------------------------------------------------------


def test_poll_detail_with_turnout_and_my_votes(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll()
    client = client_for(live_world.voters[0])
    body = client.get(f"/api/polls/{poll.pk}/").json()
    assert body["id"] == poll.pk
    assert body["turnout"]["ballots"] == 0
    assert body["turnout"]["entitled"] == 4  # chair and three voters
    mine = body["my_votes"]
    participant = live_world.participant(live_world.voters[0])
    assert mine == [
        {
            "roll_entry_id": RollEntry.objects.get(poll=poll, member=participant).pk,
            "on_behalf_of": None,
            "name": live_world.voters[0].full_name,
            "weight": "1.0000",
            "voted": False,
        }
    ]
    assert cast(client, poll, [option_id(poll, "Yes")], receipt()).status_code == 201
    body = client.get(f"/api/polls/{poll.pk}/").json()
    assert body["my_votes"][0]["voted"] is True
    assert body["turnout"]["ballots"] == 1
    # The clerk is not on the roll: no entries of their own.
    assert client_for(live_world.clerk).get(f"/api/polls/{poll.pk}/").json()["my_votes"] == []


def test_poll_detail_refusals(live_world: World, make_poll: PollMaker) -> None:
    draft = make_poll(open_=False)
    url = f"/api/polls/{draft.pk}/"
    assert_error(APIClient().get(url), 401)
    assert_error(client_for(live_world.voters[0]).get(url), 404)  # drafts are hidden
    assert client_for(live_world.clerk).get(url).status_code == 200
    assert_error(client_for(live_world.outsider).get(url), 404)
    assert_error(client_for(bystander(live_world)).get(url), 403)
    assert_error(client_for(live_world.chair).get("/api/polls/999999/"), 404)


# --- open, close, cancel, publish -----------------------------------------------------


def test_open_poll(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(open_=False)
    url = f"/api/polls/{poll.pk}/open/"
    assert_error(APIClient().post(url, {}, format="json"), 401)
    assert_error(client_for(bystander(live_world)).post(url, {}, format="json"), 403)
    assert_error(client_for(live_world.voters[0]).post(url, {}, format="json"), 404)
    assert_error(
        client_for(live_world.chair).post(url, {"duration_seconds": 5}, format="json"), 400
    )
    assert_error(
        client_for(live_world.chair).post(url, {"duration_seconds": "soon"}, format="json"), 400
    )
    assert_error(client_for(live_world.clerk).post(url, {}, format="json"), 403)
    response = client_for(live_world.chair).post(url, {"duration_seconds": 120}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "open"
    assert body["closes_at"] is not None
    assert body["entitled_weight"] == "4.0000"
    assert RollEntry.objects.filter(poll=poll).count() == 4
    assert_error(client_for(live_world.chair).post(url, {}, format="json"), 409)


def test_open_without_quorum_needs_a_reason(live_world: World, make_poll: PollMaker) -> None:
    meeting_services.meeting_voting_settings_update(
        actor=live_world.chair, meeting=live_world.meeting, quorum_kind="count", quorum_count=10
    )
    poll = make_poll(open_=False)
    url = f"/api/polls/{poll.pk}/open/"
    body = assert_error(client_for(live_world.chair).post(url, {}, format="json"), 409, "no_quorum")
    assert "quorum" in body["detail"]
    response = client_for(live_world.chair).post(
        url, {"quorum_override_reason": "Strike deadline tonight"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["quorum"]["override_reason"] == "Strike deadline tonight"
    assert response.json()["quorum"]["met"] is False


def test_close_poll(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll()
    yes = option_id(poll, "Yes")
    for voter in live_world.voters[:2]:
        services.ballot_cast(voter=voter, poll_id=poll.pk, choices=[yes], nonce=receipt())
    url = f"/api/polls/{poll.pk}/close/"
    assert_error(APIClient().post(url), 401)
    assert_error(client_for(live_world.voters[0]).post(url), 403)
    assert_error(client_for(live_world.outsider).post(url), 404)
    assert_error(client_for(live_world.chair).post("/api/polls/999999/close/"), 404)
    response = client_for(live_world.chair).post(url)
    assert response.status_code == 200
    result = response.json()["result"]
    assert response.json()["state"] == "closed"
    assert (result["carried"], result["ballots"]) == (True, 2)
    assert result["sentence"].startswith("Carried")
    assert_error(client_for(live_world.chair).post(url), 409)


def test_cancel_poll(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll()
    url = f"/api/polls/{poll.pk}/cancel/"
    assert_error(APIClient().post(url, {"reason": "x"}, format="json"), 401)
    assert_error(client_for(live_world.voters[0]).post(url, {"reason": "x"}, format="json"), 403)
    assert_error(client_for(live_world.outsider).post(url, {"reason": "x"}, format="json"), 404)
    body = assert_error(client_for(live_world.chair).post(url, {}, format="json"), 400)
    assert "reason" in body["detail"]
    response = client_for(live_world.chair).post(url, {"reason": "Wrong question"}, format="json")
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["cancel_reason"]) == (
        "cancelled",
        "Wrong question",
    )
    assert_error(client_for(live_world.chair).post(url, {"reason": "Again"}, format="json"), 409)


def test_publish_poll(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll()
    url = f"/api/polls/{poll.pk}/publish/"
    assert_error(client_for(live_world.chair).post(url), 409)  # still open
    services.poll_close(actor=live_world.chair, poll=poll)
    assert_error(APIClient().post(url), 401)
    assert_error(client_for(live_world.voters[0]).post(url), 403)
    assert_error(client_for(live_world.outsider).post(url), 404)
    response = client_for(live_world.chair).post(url)
    assert response.status_code == 200
    assert response.json()["state"] == "published"
    assert response.json()["result"]["carried"] is False  # no votes
    assert_error(client_for(live_world.chair).post(url), 409)


def test_decide_tie_flow(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(tie_rule="chair", majority="simple")
    yes, no = option_id(poll, "Yes"), option_id(poll, "No")
    assert cast(client_for(live_world.voters[0]), poll, [yes], receipt()).status_code == 201
    assert cast(client_for(live_world.voters[1]), poll, [no], receipt()).status_code == 201
    url = f"/api/polls/{poll.pk}/decide-tie/"
    assert_error(client_for(live_world.chair).post(url, {"winners": [yes]}, format="json"), 409)
    closed = client_for(live_world.chair).post(f"/api/polls/{poll.pk}/close/").json()
    assert closed["result"]["tied"] == [yes]
    assert "the chair decides" in closed["result"]["sentence"]
    body = assert_error(client_for(live_world.chair).post(f"/api/polls/{poll.pk}/publish/"), 409)
    assert "tie" in body["detail"].lower()
    assert_error(APIClient().post(url, {"winners": [yes]}, format="json"), 401)
    assert_error(client_for(live_world.voters[0]).post(url, {"winners": [yes]}, format="json"), 403)
    assert_error(client_for(live_world.outsider).post(url, {"winners": [yes]}, format="json"), 404)
    assert_error(client_for(live_world.chair).post(url, {"winners": [no]}, format="json"), 400)
    assert_error(client_for(live_world.chair).post(url, {"winners": "yes"}, format="json"), 400)
    response = client_for(live_world.chair).post(url, {"winners": [yes]}, format="json")
    assert response.status_code == 200
    result = response.json()["result"]
    assert (result["carried"], result["tied"], result["winners"]) == (True, [], [yes])
    assert result["sentence"].endswith("The chair decided: \u2068Yes\u2069.")
    poll.refresh_from_db()
    assert poll.tie_decided_by == live_world.chair
    assert_error(client_for(live_world.chair).post(url, {"winners": [yes]}, format="json"), 409)
    published = client_for(live_world.chair).post(f"/api/polls/{poll.pk}/publish/")
    assert published.status_code == 200
    assert published.json()["state"] == "published"


# --- ballots --------------------------------------------------------------------------


def test_cast_then_resend_returns_the_same_receipt(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll()
    client = client_for(live_world.voters[0])
    code = receipt()
    yes = option_id(poll, "Yes")
    first = cast(client, poll, [yes], code)
    assert first.status_code == 201, first.content
    issued = first.json()["receipt"]["receipt_code"]
    assert issued != code  # the receipt is the server's; the nonce stays on the phone
    assert signed_entry(first.json()["receipt"], poll) == {
        "poll_id": poll.pk,
        "receipt_code": issued,
        "choices": [yes],
        "weight": "1.0000",
        "on_behalf_of": None,
    }
    # A phone that lost the answer sends again, dashes and all.
    again = cast(client, poll, [yes], f"{code[:5]}-{code[5:]}".lower())
    assert again.status_code == 200
    assert again.json() == first.json()
    assert Ballot.objects.filter(poll=poll).count() == 1
    conflict = cast(client, poll, [option_id(poll, "No")], code)
    assert_error(conflict, 409, "receipt_conflict")
    assert_error(cast(client, poll, [yes], receipt()), 409, "already_voted")
    assert Ballot.objects.filter(poll=poll).count() == 1


def test_cast_refusals(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll()
    yes = option_id(poll, "Yes")
    voter = client_for(live_world.voters[0])
    assert_error(cast(APIClient(), poll, [yes], receipt()), 401)
    assert_error(cast(client_for(live_world.outsider), poll, [yes], receipt()), 404)
    assert_error(cast(client_for(bystander(live_world)), poll, [yes], receipt()), 403)
    assert_error(cast(client_for(live_world.clerk), poll, [yes], receipt()), 403, "not_on_roll")
    assert_error(cast(voter, poll, [999_999], receipt()), 400, "invalid")
    assert_error(cast(voter, poll, [], receipt()), 400, "invalid")
    assert_error(cast(voter, poll, [yes, option_id(poll, "No")], receipt()), 400)
    assert_error(cast(voter, poll, ["yes"], receipt()), 400)
    assert_error(cast(voter, poll, [yes], "short"), 400)
    missing = voter.post(f"/api/polls/{poll.pk}/ballots/", {"choices": [yes]}, format="json")
    assert "nonce" in assert_error(missing, 400)["errors"]
    response = voter.post(
        "/api/polls/999999/ballots/", {"choices": [yes], "nonce": receipt()}, format="json"
    )
    assert_error(response, 404)
    assert not Ballot.objects.exists()
    assert not RollMark.objects.exists()
    services.poll_close(actor=live_world.chair, poll=poll)
    assert_error(cast(voter, poll, [yes], receipt()), 409, "poll_not_open")


def test_cast_on_a_draft_is_hidden(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(open_=False)
    response = cast(client_for(live_world.voters[0]), poll, [option_id(poll, "Yes")], receipt())
    assert_error(response, 404)
    # Chair sees the draft, and is told it is not open.
    response = cast(client_for(live_world.chair), poll, [option_id(poll, "Yes")], receipt())
    assert_error(response, 409, "poll_not_open")


def test_remote_voter_on_room_only_poll(live_world: World, make_poll: PollMaker) -> None:
    meeting_services.meeting_voting_settings_update(
        actor=live_world.chair, meeting=live_world.meeting, requires_presence=True
    )
    Participant.objects.filter(meeting=live_world.meeting).update(
        presence=Participant.Presence.ROOM
    )
    Participant.objects.filter(member=live_world.voters[0]).update(
        presence=Participant.Presence.REMOTE
    )
    poll = make_poll(allow_remote=False)
    yes = option_id(poll, "Yes")
    body = assert_error(
        cast(client_for(live_world.voters[0]), poll, [yes], receipt()), 403, "forbidden"
    )
    assert "remote" in body["detail"]
    assert cast(client_for(live_world.voters[1]), poll, [yes], receipt()).status_code == 201
    assert Ballot.objects.filter(poll=poll).count() == 1


def test_proxy_ballot_names_the_represented_member(live_world: World, make_poll: PollMaker) -> None:
    a, b = (live_world.participant(v) for v in live_world.voters[:2])
    meeting_services.proxy_create(
        actor=live_world.chair, meeting=live_world.meeting, delegator=a, delegate=b
    )
    poll = make_poll()
    client = client_for(live_world.voters[1])
    mine = client.get(f"/api/polls/{poll.pk}/").json()["my_votes"]
    assert {(m["on_behalf_of"], m["name"]) for m in mine} == {
        (None, live_world.voters[1].full_name),
        (a.pk, live_world.voters[0].full_name),
    }
    response = cast(client, poll, [option_id(poll, "No")], receipt(), on_behalf_of=a.pk)
    assert response.status_code == 201
    assert response.json()["receipt"]["on_behalf_of"] == live_world.voters[0].full_name
    response = cast(
        client_for(live_world.voters[2]),
        poll,
        [option_id(poll, "No")],
        receipt(),
        on_behalf_of=a.pk,
    )
    assert_error(response, 403)


# --- paper ballots and the roll ---------------------------------------------------------


def test_paper_ballot_then_phone_ballot(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(secrecy="named")
    entry = RollEntry.objects.get(poll=poll, member=live_world.participant(live_world.voters[0]))
    url = f"/api/polls/{poll.pk}/paper-ballots/"
    yes = option_id(poll, "Yes")
    data = {"roll_entry_id": entry.pk, "choices": [yes]}
    assert_error(APIClient().post(url, data, format="json"), 401)
    assert_error(client_for(live_world.voters[1]).post(url, data, format="json"), 403)
    assert_error(client_for(live_world.outsider).post(url, data, format="json"), 404)
    assert_error(
        client_for(live_world.clerk).post(
            url, {"roll_entry_id": 999_999, "choices": [yes]}, format="json"
        ),
        404,
    )
    assert_error(
        client_for(live_world.clerk).post(
            url, {"roll_entry_id": entry.pk, "choices": [999_999]}, format="json"
        ),
        400,
    )
    response = client_for(live_world.clerk).post(url, data, format="json")
    assert response.status_code == 201, response.content
    receipt_body = response.json()["receipt"]
    assert (receipt_body["choices"], receipt_body["weight"]) == ([yes], "1.0000")
    assert len(receipt_body["receipt_code"]) == 16
    mark = RollMark.objects.get(roll_entry=entry)
    assert (mark.method, mark.entered_by) == ("paper", live_world.clerk)
    # The member can no longer vote by phone, and the clerk cannot enter it twice.
    phone = cast(client_for(live_world.voters[0]), poll, [option_id(poll, "No")], receipt())
    assert_error(phone, 409, "already_voted")
    assert_error(client_for(live_world.clerk).post(url, data, format="json"), 409, "already_voted")
    assert Ballot.objects.filter(poll=poll).count() == 1


def test_roll(live_world: World, make_poll: PollMaker) -> None:
    a, b = (live_world.participant(v) for v in live_world.voters[:2])
    meeting_services.proxy_create(
        actor=live_world.chair, meeting=live_world.meeting, delegator=a, delegate=b
    )
    poll = make_poll()
    services.ballot_cast(
        voter=live_world.voters[1],
        poll_id=poll.pk,
        choices=[option_id(poll, "Yes")],
        nonce=receipt(),
    )
    entry = RollEntry.objects.get(poll=poll, member=a)
    services.paper_ballot_enter(
        actor=live_world.clerk, poll=poll, roll_entry_id=entry.pk, choices=[option_id(poll, "No")]
    )
    url = f"/api/polls/{poll.pk}/roll/"
    assert_error(APIClient().get(url), 401)
    assert_error(client_for(live_world.voters[0]).get(url), 403)
    assert_error(client_for(live_world.outsider).get(url), 404)
    response = client_for(live_world.clerk).get(url)
    assert response.status_code == 200
    rows = {row["participant_id"]: row for row in response.json()}
    assert len(rows) == 4
    assert rows[a.pk] == {
        "roll_entry_id": entry.pk,
        "participant_id": a.pk,
        "name": live_world.voters[0].full_name,
        "member_number": live_world.voters[0].member_number,
        "weight": "1.0000",
        "caster_name": live_world.voters[1].full_name,
        "proxy": True,
        "remote": False,
        "voted": True,
        "method": "paper",
    }
    assert (rows[b.pk]["voted"], rows[b.pk]["method"], rows[b.pk]["proxy"]) == (
        True,
        "phone",
        False,
    )
    chair = live_world.participant(live_world.chair)
    assert (rows[chair.pk]["voted"], rows[chair.pk]["method"]) == (False, None)
    assert "choices" not in rows[a.pk]


def test_turnout(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(secrecy="named", results_visibility="live")
    yes = option_id(poll, "Yes")
    services.ballot_cast(
        voter=live_world.voters[0], poll_id=poll.pk, choices=[yes], nonce=receipt()
    )
    url = f"/api/polls/{poll.pk}/turnout/"
    assert_error(APIClient().get(url), 401)
    assert_error(client_for(live_world.outsider).get(url), 404)
    assert_error(client_for(bystander(live_world)).get(url), 403)
    member_view = client_for(live_world.voters[1]).get(url)
    assert member_view.status_code == 200
    body = member_view.json()
    assert (body["poll_id"], body["ballots"], body["entitled"], body["state"]) == (
        poll.pk,
        1,
        4,
        "open",
    )
    assert (Decimal(body["weight"]), Decimal(body["entitled_weight"])) == (1, 4)
    assert "tally" not in body
    staff_view = client_for(live_world.chair).get(url).json()
    assert {row["id"]: row["ballots"] for row in staff_view["tally"]}[yes] == 1
    secret = make_poll(open_=False, title="Secret")
    services.poll_close(actor=live_world.chair, poll=poll)
    secret = services.poll_open(actor=live_world.chair, poll=secret)
    assert (
        "tally" not in client_for(live_world.chair).get(f"/api/polls/{secret.pk}/turnout/").json()
    )


# --- voting settings, quorum, proxies -------------------------------------------------


def test_voting_settings(live_world: World) -> None:
    url = f"/api/meetings/{live_world.meeting.pk}/voting-settings/"
    assert_error(APIClient().patch(url, {}, format="json"), 401)
    assert_error(client_for(live_world.outsider).patch(url, {}, format="json"), 404)
    assert_error(
        client_for(live_world.voters[0]).patch(url, {"proxy_limit": 3}, format="json"), 403
    )
    assert_error(
        client_for(live_world.chair).patch(url, {"quorum_share": "1.5"}, format="json"), 400
    )
    assert_error(
        client_for(live_world.chair).patch(url, {"quorum_kind": "most"}, format="json"), 400
    )
    response = client_for(live_world.chair).patch(
        url,
        {
            "quorum_kind": "share",
            "quorum_share": "0.6",
            "requires_presence": True,
            "proxy_limit": 2,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": live_world.meeting.pk,
        "quorum_kind": "share",
        "quorum_count": 0,
        "quorum_share": "0.6000",
        "requires_presence": True,
        "proxy_limit": 2,
    }
    live_world.meeting.refresh_from_db()
    assert live_world.meeting.quorum_share == Decimal("0.6")
    read = client_for(live_world.voters[0]).get(url)
    assert read.status_code == 200
    assert read.json()["proxy_limit"] == 2
    assert_error(client_for(bystander(live_world)).get(url), 403)


def test_quorum(live_world: World) -> None:
    meeting_services.meeting_voting_settings_update(
        actor=live_world.chair, meeting=live_world.meeting, quorum_kind="count", quorum_count=3
    )
    url = f"/api/meetings/{live_world.meeting.pk}/quorum/"
    response = client_for(live_world.voters[0]).get(url)
    assert response.status_code == 200
    assert response.json() == {
        "kind": "count",
        "voters": 4,
        "present": 4,
        "total_weight": "4.0000",
        "present_weight": "4.0000",
        "required": 3,
        "met": True,
        "tracked": False,
        "attending": 0,
    }
    assert_error(APIClient().get(url), 401)
    assert_error(client_for(live_world.outsider).get(url), 404)
    assert_error(client_for(bystander(live_world)).get(url), 403)


def test_proxies(live_world: World) -> None:
    a, b, c = (live_world.participant(v) for v in live_world.voters)
    url = f"/api/meetings/{live_world.meeting.pk}/proxies/"
    assert_error(APIClient().post(url, {"delegator": a.pk, "delegate": b.pk}), 401)
    assert_error(
        client_for(live_world.outsider).post(url, {"delegator": a.pk, "delegate": b.pk}), 404
    )
    # A voter may give their own vote, not someone else's.
    assert_error(
        client_for(live_world.voters[2]).post(url, {"delegator": a.pk, "delegate": c.pk}), 403
    )
    assert_error(
        client_for(live_world.voters[0]).post(url, {"delegator": a.pk, "delegate": 999_999}), 400
    )
    assert_error(
        client_for(live_world.voters[0]).post(url, {"delegator": a.pk, "delegate": a.pk}), 400
    )
    response = client_for(live_world.voters[0]).post(url, {"delegator": a.pk, "delegate": b.pk})
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["delegator"], created["delegate"], created["active"]) == (a.pk, b.pk, True)
    assert created["delegator_name"] == live_world.voters[0].full_name
    # The limit is one proxy per delegate by default.
    assert_error(client_for(live_world.chair).post(url, {"delegator": c.pk, "delegate": b.pk}), 409)
    chair_list = client_for(live_world.chair).get(url)
    assert [p["id"] for p in chair_list.json()] == [created["id"]]
    assert client_for(live_world.voters[1]).get(url).json()[0]["id"] == created["id"]
    assert client_for(live_world.voters[2]).get(url).json() == []
    assert_error(client_for(live_world.outsider).get(url), 404)
    assert_error(client_for(bystander(live_world)).get(url), 403)

    revoke = f"{url}{created['id']}/revoke/"
    assert_error(APIClient().post(revoke), 401)
    assert_error(client_for(live_world.voters[2]).post(revoke), 403)
    assert_error(client_for(live_world.chair).post(f"{url}999999/revoke/"), 404)
    response = client_for(live_world.voters[0]).post(revoke)
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert Proxy.objects.get(pk=created["id"]).revoked_by == live_world.voters[0]
    assert_error(client_for(live_world.voters[0]).post(revoke), 409)
    # Revoked proxies stay on the list, for the record.
    assert client_for(live_world.chair).get(url).json()[0]["revoked_at"] is not None


# --- admin ----------------------------------------------------------------------------


def test_admin_lists_voting_records_read_only(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(secrecy="named")
    meeting_services.proxy_create(
        actor=live_world.chair,
        meeting=live_world.meeting,
        delegator=live_world.participant(live_world.voters[1]),
        delegate=live_world.participant(live_world.voters[2]),
    )
    services.ballot_cast(
        voter=live_world.voters[0],
        poll_id=poll.pk,
        choices=[option_id(poll, "Yes")],
        nonce=receipt(),
    )
    admin = MemberFactory.create(is_staff=True, is_superuser=True)
    client = client_for(admin)
    for model in ["poll", "rollentry", "rollmark", "ballot"]:
        response = client.get(f"/admin/voting/{model}/")
        assert response.status_code == 200, model
    assert client.get("/admin/meetings/proxy/").status_code == 200
    ballot = Ballot.objects.get(poll=poll)
    page = client.get(f"/admin/voting/ballot/{ballot.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # view only
    response = client.post(
        f"/admin/voting/ballot/{ballot.pk}/change/",
        {"receipt_code": "AAAAAAAAAA", "choices": "[]", "weight": "9"},
    )
    assert response.status_code == 403
    ballot.refresh_from_db()
    assert ballot.weight == Decimal(1)
    assert client.get("/admin/voting/ballot/add/").status_code == 403
    assert client.get(f"/admin/voting/poll/{poll.pk}/delete/").status_code == 403
    # The wording of an open poll is not editable either.
    assert b'name="title"' not in client.get(f"/admin/voting/poll/{poll.pk}/change/").content


@pytest.mark.parametrize("secrecy", ["named", "secret"])
def test_resend_of_a_proxy_ballot_returns_the_same_receipt(
    live_world: World, make_poll: PollMaker, secrecy: str
) -> None:
    a, b = (live_world.participant(v) for v in live_world.voters[:2])
    meeting_services.proxy_create(
        actor=live_world.chair, meeting=live_world.meeting, delegator=a, delegate=b
    )
    poll = make_poll(secrecy=secrecy)
    client = client_for(live_world.voters[1])
    code = receipt()
    first = cast(client, poll, [option_id(poll, "Yes")], code, on_behalf_of=a.pk)
    assert first.status_code == 201
    assert first.json()["receipt"]["on_behalf_of"] == live_world.voters[0].full_name
    again = cast(client, poll, [option_id(poll, "Yes")], code, on_behalf_of=a.pk)
    assert again.status_code == 200
    assert again.json() == first.json()


def test_schema_describes_the_voting_api() -> None:
    paths = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert paths.status_code == 200
    described = set(paths.json()["paths"])
    assert {
        "/api/meetings/{meeting_id}/polls/",
        "/api/meetings/{meeting_id}/results.csv",
        "/api/meetings/{meeting_id}/voting-settings/",
        "/api/meetings/{meeting_id}/quorum/",
        "/api/meetings/{meeting_id}/proxies/",
        "/api/meetings/{meeting_id}/proxies/{proxy_id}/revoke/",
        "/api/polls/{poll_id}/",
        "/api/polls/{poll_id}/open/",
        "/api/polls/{poll_id}/close/",
        "/api/polls/{poll_id}/cancel/",
        "/api/polls/{poll_id}/publish/",
        "/api/polls/{poll_id}/decide-tie/",
        "/api/polls/{poll_id}/ballots/",
        "/api/polls/{poll_id}/paper-ballots/",
        "/api/polls/{poll_id}/roll/",
        "/api/polls/{poll_id}/turnout/",
        "/api/polls/{poll_id}/ballots.csv",
    } <= described


def test_list_selectors_use_fixed_query_counts(
    live_world: World, make_poll: PollMaker, django_assert_num_queries: Any
) -> None:
    poll = make_poll()
    for n in range(3):
        make_poll(open_=False, title=f"Draft {n}", kind="single", options=["A", "B", "C"])
    viewer = selectors.voting_viewer(meeting=live_world.meeting, member=live_world.chair)
    with django_assert_num_queries(2):
        assert len(selectors.meeting_polls(meeting=live_world.meeting, viewer=viewer)) == 4
    with django_assert_num_queries(1):
        assert len(selectors.poll_roll(poll=poll, viewer=viewer)) == 4
