"""Audit records over the API and the command line: the key, the board, proofs,
the export, the seal chain, and the meeting log of administrative acts."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from meetings import attendance
from meetings import services as meeting_services
from meetings.models import MeetingEvent, Member
from tests.api import assert_error, client_for
from tests.conftest import World
from tests.factories import MemberFactory, MembershipFactory
from tests.voting.audit_helpers import ClosedPoll, closed_poll, weigh_and_delegate
from tests.voting.conftest import PollMaker, option_id, receipt
from voting import audit, keys, merkle, services, verify
from voting.models import Poll, PollSeal

pytestmark = pytest.mark.django_db


def union_member(world: World) -> Member:
    """A member of the meeting's union who is not on its roster."""
    member = MemberFactory.create(full_name="Union Bystander")
    MembershipFactory.create(member=member, union=world.union)
    return member


@pytest.fixture
def closed(live_world: World) -> ClosedPoll:
    weigh_and_delegate(live_world)
    return closed_poll(live_world, secrecy="secret")


def grouped(digest: str, n: int) -> str:
    return " ".join(digest[i : i + 4] for i in range(0, n, 4))


# --- the key --------------------------------------------------------------------------------


def test_key_is_public_and_matches_the_signing_key() -> None:
    response = client_for(None).get("/api/audit/key/")
    assert response.status_code == 200
    body = response.json()
    assert body["algorithm"] == "Ed25519"
    raw = base64.b64decode(body["public_key"])
    assert len(raw) == 32
    assert body["fingerprint"] == grouped(hashlib.sha256(raw).hexdigest(), 32)
    assert body["fingerprint"] == keys.fingerprint() == verify.key_fingerprint(body["public_key"])
    signature = keys.sign(b"hello")
    Ed25519PublicKey.from_public_bytes(raw).verify(base64.b64decode(signature), b"hello")


# --- the board ------------------------------------------------------------------------------


def test_board_for_a_union_member_not_on_the_roster(live_world: World, closed: ClosedPoll) -> None:
    poll = closed.poll
    response = client_for(union_member(live_world)).get(f"/api/polls/{poll.pk}/board/")
    assert response.status_code == 200, response.content
    board = response.json()
    assert board["poll"]["title"] == "Adopt the budget?"
    assert board["poll"]["secrecy"] == "secret"
    assert board["state"] == "closed"
    entitled = {row["name"]: row for row in board["roll"]["entitled"]}
    v = live_world.voters
    assert entitled[v[0].full_name]["weight"] == "2.5000"
    assert entitled[v[2].full_name] == {
        "name": v[2].full_name,
        "weight": "1.3333",
        "cast_by": v[0].full_name,
    }
    assert board["roll"]["voted"] == sorted(
        [live_world.chair.full_name, v[0].full_name, v[1].full_name, v[2].full_name]
    )
    assert [e["receipt"] for e in board["entries"]] == sorted(closed.ballots)
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(board["key"]["public_key"]))
    for row in board["entries"]:
        assert row["choice_labels"] == closed.ballots[row["receipt"]][1]
        assert "voter" not in row["entry"] and "voter_name" not in row
        # The receipt's signature covers the ballot, not its weight class.
        assert row["entry"]["class"] == "other" and row["weight"] is None
        ballot = {k: v for k, v in row["entry"].items() if k != "class"}
        key.verify(base64.b64decode(row["signature"]), rfc8785.dumps(ballot))
    assert board["result"]["carried"] is False  # 2.3333 yes against 2.5 no
    head = board["tree_head"]
    body = {k: v for k, v in head.items() if k != "signature"}
    key.verify(base64.b64decode(head["signature"]), rfc8785.dumps(body))
    digest = hashlib.sha256(rfc8785.dumps(head)).hexdigest()
    assert board["head_hash"] == digest == PollSeal.objects.get(poll=poll).head_hash
    assert board["head_fingerprint"] == grouped(digest, 16)
    root = merkle.Tree([rfc8785.dumps(r["entry"]) for r in board["entries"]]).root()
    assert head["root"] == root.hex()
    # The poll payload carries the same fingerprint for the projector.
    detail = client_for(live_world.chair).get(f"/api/polls/{poll.pk}/").json()
    assert detail["head_fingerprint"] == board["head_fingerprint"]


def test_board_of_a_named_poll_names_the_voters(live_world: World) -> None:
    weigh_and_delegate(live_world)
    done = closed_poll(live_world, secrecy="named")
    board = client_for(live_world.voters[1]).get(f"/api/polls/{done.poll.pk}/board/").json()
    for row in board["entries"]:
        assert row["voter_name"] == done.ballots[row["receipt"]][0]


def test_board_refusals(live_world: World, closed: ClosedPoll, make_poll: PollMaker) -> None:
    url = f"/api/polls/{closed.poll.pk}/board/"
    assert_error(client_for(None).get(url), 401, "not_authenticated")
    assert_error(client_for(live_world.outsider).get(url), 403, "forbidden")
    assert_error(client_for(live_world.chair).get("/api/polls/999999/board/"), 404)
    draft = make_poll(open_=False, title="Draft")
    assert_error(client_for(live_world.chair).get(f"/api/polls/{draft.pk}/board/"), 404)
    open_ = make_poll(title="Still open")
    chair = client_for(live_world.chair)
    for path in ("board", "audit"):
        assert_error(chair.get(f"/api/polls/{open_.pk}/{path}/"), 409, "poll_not_closed")
    response = chair.post(f"/api/polls/{open_.pk}/proof/", {"receipt": "X"}, format="json")
    assert_error(response, 409, "poll_not_closed")
    services.poll_cancel(actor=live_world.chair, poll=open_, reason="Wrong question")
    response = client_for(live_world.chair).get(f"/api/polls/{open_.pk}/board/")
    assert_error(response, 409, "poll_not_closed")
    for client, status in ((client_for(None), 401), (client_for(live_world.outsider), 403)):
        assert_error(client.get(f"/api/polls/{closed.poll.pk}/audit/"), status)
        proof = client.post(f"/api/polls/{closed.poll.pk}/proof/", {"receipt": "X"}, format="json")
        assert_error(proof, status)


def test_public_board_is_open_to_anyone(live_world: World, closed: ClosedPoll) -> None:
    meeting_services.meeting_update(
        actor=live_world.chair, meeting=live_world.meeting, board_public=True
    )
    code = next(iter(closed.ballots))
    for client in (client_for(None), client_for(live_world.outsider)):
        assert client.get(f"/api/polls/{closed.poll.pk}/board/").status_code == 200
        proof = client.post(f"/api/polls/{closed.poll.pk}/proof/", {"receipt": code}, format="json")
        assert proof.status_code == 200
        assert client.get(f"/api/polls/{closed.poll.pk}/audit/").status_code == 200
    # The chair switches it back through the meeting API.
    response = client_for(live_world.chair).patch(
        f"/api/meetings/{live_world.meeting.pk}/", {"board_public": False}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["board_public"] is False
    assert_error(client_for(None).get(f"/api/polls/{closed.poll.pk}/board/"), 401)
    assert (
        MeetingEvent.objects.filter(
            meeting=live_world.meeting, action="meeting.updated", data__fields=["board_public"]
        ).count()
        == 2
    )


# --- proofs ---------------------------------------------------------------------------------


def test_proof_of_every_receipt_leads_to_the_signed_root(
    live_world: World, closed: ClosedPoll
) -> None:
    client = client_for(live_world.voters[0])
    head = PollSeal.objects.get(poll=closed.poll).head
    for code, (_name, labels) in closed.ballots.items():
        dashed = "-".join(code[i : i + 4] for i in range(0, len(code), 4)).lower()
        response = client.post(
            f"/api/polls/{closed.poll.pk}/proof/", {"receipt": dashed}, format="json"
        )
        assert response.status_code == 200, response.content
        proof = response.json()
        assert proof["entry"]["receipt"] == code
        assert proof["entry"]["choices"] == [option_id(closed.poll, labels[0])]
        leaf = merkle.leaf_hash(rfc8785.dumps(proof["entry"]))
        assert leaf.hex() == proof["leaf_hash"]
        path = [bytes.fromhex(h) for h in proof["path"]]
        root = merkle.root_from_proof(proof["index"], head["size"], leaf, path)
        assert root is not None and root.hex() == head["root"] == proof["tree_head"]["root"]


def test_proof_of_an_unknown_receipt_is_404(live_world: World, closed: ClosedPoll) -> None:
    client = client_for(live_world.voters[0])
    url = f"/api/polls/{closed.poll.pk}/proof/"
    body = assert_error(
        client.post(url, {"receipt": receipt()}, format="json"), 404, "receipt_not_found"
    )
    assert "not on the board" in body["detail"]
    assert_error(client.post(url, {"receipt": " - "}, format="json"), 404, "receipt_not_found")
    assert_error(client.post(url, {}, format="json"), 400)


def test_proof_is_not_asked_for_in_a_url(live_world: World, closed: ClosedPoll) -> None:
    """A receipt in a query string lands in access logs beside the client's
    address: the proof is asked for by POST only."""
    code = next(iter(closed.ballots))
    client = client_for(live_world.voters[0])
    response = client.get(f"/api/polls/{closed.poll.pk}/proof/", {"receipt": code})
    assert response.status_code == 405
    assert code not in response.content.decode()


# --- the export -----------------------------------------------------------------------------


def test_export_download_verifies(live_world: World, closed: ClosedPoll) -> None:
    response = client_for(live_world.voters[1]).get(
        f"/api/polls/{closed.poll.pk}/audit/", HTTP_ACCEPT="text/html"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    filename = f"audit-meeting-{live_world.meeting.pk}-poll-{closed.poll.pk}.json"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    data = json.loads(response.content)
    assert data["format"] == verify.FORMAT
    assert verify.verify(data, public_key=keys.public_key_b64()).startswith("OK: ")


def test_export_audit_command(closed: ClosedPoll, make_poll: PollMaker, tmp_path: Path) -> None:
    out = tmp_path / "poll.json"
    err = StringIO()
    call_command("export_audit", str(closed.poll.pk), "--out", str(out), stderr=err)
    assert "4 ballots" in err.getvalue()
    data = json.loads(out.read_text(encoding="utf-8"))
    assert verify.verify(data).startswith(f"OK: poll {closed.poll.pk} ")
    stdout = StringIO()
    call_command("export_audit", str(closed.poll.pk), stdout=stdout)
    assert json.loads(stdout.getvalue())["tree_head"] == data["tree_head"]
    with pytest.raises(CommandError, match="No poll with id 999999"):
        call_command("export_audit", "999999", "--out", str(out))
    open_ = make_poll(title="Still open")
    with pytest.raises(CommandError, match="only closed polls"):
        call_command("export_audit", str(open_.pk), "--out", str(out))


# --- the seal chain -------------------------------------------------------------------------


def test_heads_chain_across_the_polls_of_a_meeting(live_world: World) -> None:
    weigh_and_delegate(live_world)
    polls = [
        closed_poll(live_world, secrecy=s, title=f"Poll {s}").poll for s in ("secret", "named")
    ]
    # A poll closed with no ballot at all still seals (an empty tree).
    empty = services.poll_create(
        actor=live_world.chair, meeting=live_world.meeting, title="Nobody", kind="motion"
    )
    empty = services.poll_open(actor=live_world.chair, poll=empty)
    polls.append(services.poll_close(actor=live_world.chair, poll=empty))
    seals = [PollSeal.objects.get(poll=p) for p in polls]
    assert seals[0].head["previous_head_hash"] is None
    for before, after in itertools.pairwise(seals):
        assert after.head["previous_head_hash"] == before.head_hash
    assert seals[2].head["size"] == 0
    assert seals[2].head["root"] == hashlib.sha256(b"").hexdigest()
    for poll, seal in zip(polls, seals, strict=True):
        closing = MeetingEvent.objects.get(
            meeting=live_world.meeting, action="poll.closed", data__poll=poll.pk
        )
        # The head names the log as it was right after the close was logged.
        assert seal.head["log_hash"] == closing.hash
        assert (
            seal.head["definition_hash"]
            == hashlib.sha256(rfc8785.dumps(audit.definition_document(poll))).hexdigest()
        )
    exported = audit.export(polls[2])
    assert [h["poll"] for h in exported["previous_heads"]] == [polls[0].pk, polls[1].pk]
    assert verify.verify(json.loads(audit.export_text(polls[2]))).startswith("OK: ")


def test_a_decided_tie_verifies(live_world: World) -> None:
    poll = services.poll_create(
        actor=live_world.chair,
        meeting=live_world.meeting,
        title="Tied",
        kind="motion",
        tie_rule="chair",
        secrecy="named",
    )
    poll = services.poll_open(actor=live_world.chair, poll=poll)
    for voter, label in ((live_world.voters[0], "Yes"), (live_world.voters[1], "No")):
        services.ballot_cast(
            voter=voter, poll_id=poll.pk, choices=[option_id(poll, label)], nonce=receipt()
        )
    poll = services.poll_close(actor=live_world.chair, poll=poll)
    assert poll.result is not None and poll.result["tied"]
    poll = services.poll_decide_tie(
        actor=live_world.chair, poll=poll, winners=[option_id(poll, "Yes")]
    )
    poll = services.poll_publish(actor=live_world.chair, poll=poll)
    data = json.loads(audit.export_text(poll))
    assert verify.verify(data).startswith("OK: ")
    data["poll"]["tie_decision"]["winners"] = []
    data["final_result"]["winners"] = []
    with pytest.raises(verify.Fault, match="tie decision is not the one in the meeting log"):
        verify.verify(data)


# --- the meeting log ------------------------------------------------------------------------


def test_every_administrative_act_is_logged_and_chained(live_world: World) -> None:
    world = live_world
    meeting, chair, clerk = world.meeting, world.chair, world.clerk
    a, b = world.participant(world.voters[0]), world.participant(world.voters[1])
    item = meeting_services.agenda_item_add(actor=chair, meeting=meeting, title="Extra item")
    meeting_services.agenda_item_update(actor=chair, item=item, title="Extra item, renamed")
    meeting_services.agenda_reorder(
        actor=chair, meeting=meeting, order=[item.pk, *[i.pk for i in world.items]]
    )
    meeting_services.agenda_advance(actor=chair, meeting=meeting, direction="next")
    meeting_services.agenda_item_delete(actor=chair, item=item)
    meeting_services.meeting_update(actor=chair, meeting=meeting, location="Hall B")
    meeting_services.participant_update(actor=chair, participant=b, vote_weight="2")
    meeting_services.meeting_voting_settings_update(
        actor=chair, meeting=meeting, quorum_kind="count", quorum_count=50
    )
    proxy = meeting_services.proxy_create(actor=chair, meeting=meeting, delegator=b, delegate=a)
    meeting_services.proxy_revoke(actor=chair, proxy=proxy)
    attendance.participant_check_in(actor=clerk, participant=a)
    attendance.participant_check_out(actor=clerk, participant=a)
    poll = services.poll_create(actor=chair, meeting=meeting, title="Logged", kind="motion")
    poll = services.poll_open(actor=chair, poll=poll, quorum_override_reason="Members on the way")
    services.paper_ballot_enter(
        actor=clerk,
        poll=poll,
        roll_entry_id=poll.roll.get(member=b).pk,
        choices=[option_id(poll, "Yes")],
    )
    poll = services.poll_close(actor=chair, poll=poll)
    services.poll_publish(actor=chair, poll=poll)
    other = services.poll_create(actor=chair, meeting=meeting, title="Dropped", kind="motion")
    services.poll_cancel(actor=chair, poll=other, reason="Not needed")
    meeting_services.meeting_close(actor=chair, meeting=meeting)

    events = list(MeetingEvent.objects.filter(meeting=meeting).order_by("number"))
    actions = [e.action for e in events]
    for expected in (
        "meeting.started",
        "agenda.item_added",
        "agenda.item_changed",
        "agenda.reordered",
        "agenda.advanced",
        "agenda.item_deleted",
        "meeting.updated",
        "participant.changed",
        "meeting.voting_settings_changed",
        "proxy.created",
        "proxy.revoked",
        "attendance.checked_in_by_clerk",
        "attendance.checked_out_by_clerk",
        "poll.created",
        "poll.opened",
        "poll.paper_ballot",
        "poll.closed",
        "poll.published",
        "poll.cancelled",
        "meeting.closed",
    ):
        assert expected in actions, expected
    opened = next(e for e in events if e.action == "poll.opened")
    assert opened.data["override_reason"] == "Members on the way"
    assert opened.actor_name == chair.full_name
    paper = next(e for e in events if e.action == "poll.paper_ballot")
    assert paper.actor_name == clerk.full_name and "choices" not in paper.data
    assert [e.number for e in events] == list(range(1, len(events) + 1))
    # The export carries the chain, and the verifier checks it end to end.
    data = json.loads(audit.export_text(Poll.objects.get(pk=poll.pk)))
    assert [e["action"] for e in data["meeting_log"]] == actions
    assert verify.verify(data).startswith("OK: ")
    assert verify.check_log(data, data["tree_head"], verify.load_key(data["public_key"])) == len(
        events
    )


# --- the demo -------------------------------------------------------------------------------


def test_seed_demo_has_two_closed_polls_that_verify(settings: Any) -> None:
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = StringIO()
    call_command("seed_demo", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["urls"]["board"].endswith(f"/meetings/{data['meeting_id']}/board/")
    polls = Poll.objects.filter(meeting_id=data["meeting_id"], title__in=data["closed_polls"])
    assert {(p.secrecy, p.state) for p in polls} == {("named", "closed"), ("secret", "closed")}
    for poll in polls:
        assert poll.ballots.count() >= 8
        assert poll.roll.filter(mark__method="paper").count() == 1
        export = json.loads(audit.export_text(poll))
        summary = verify.verify(export, fingerprint=keys.fingerprint())
        assert summary.startswith("OK: ")
        if poll.secrecy == "secret":
            # member09, a delegate of 2.5, is the only one of her weight: two
            # ballots of weight 1 join hers in "other"; seven show weight 1.
            assert export["format"] == verify.FORMAT
            assert export["tree_head"]["weight_classes"] == {
                "smallest": 3,
                "classes": [{"weight": "1.0000", "ballots": 7}],
                "other": {"ballots": 3, "weight": "4.5000"},
            }
            assert "2.5000" not in json.dumps(export["entries"])
            assert "its per-option weights are a possible split" in summary
    # The board page (member01 reads Vietnamese): the merged entries' weight
    # reads "other", with a note of how many they are and what they weigh.
    reader = Client()
    reader.force_login(Member.objects.get(username="member01"))
    with translation.override("en"):  # the page activates Vietnamese in this thread
        text = reader.get(f"/meetings/{data['meeting_id']}/board/").content.decode()
    assert text.count('<td class="number">khác</td>') == 3
    assert "“Khác”: 3 lá phiếu, tổng trọng số 4,5." in text
    assert text.count('<td class="number">1</td>') >= 7
    before = (Poll.objects.count(), MeetingEvent.objects.count())
    call_command("seed_demo", "--json", stdout=StringIO())
    assert (Poll.objects.count(), MeetingEvent.objects.count()) == before


# --- the board page and the receipt QR code ---------------------------------------------------


def test_board_page_visibility_and_content(live_world: World, closed: ClosedPoll) -> None:
    url = f"/meetings/{live_world.meeting.pk}/board/"
    anonymous = Client()
    response = anonymous.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    outsider = Client()
    outsider.force_login(live_world.outsider)
    assert outsider.get(url).status_code == 403
    member = Client()
    member.force_login(union_member(live_world))
    response = member.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    seal = PollSeal.objects.get(poll=closed.poll)
    assert closed.poll.title.replace("?", "") in page
    assert grouped(seal.head_hash, 16) in page
    assert keys.fingerprint() in page
    for code in closed.ballots:
        assert f'id="entry-{closed.poll.pk}-{code}"' in page
    assert 'aria-live="polite"' in page and 'for="receipt-code"' in page
    assert Client().get("/meetings/999999/board/").status_code in (302, 404)
    meeting_services.meeting_update(
        actor=live_world.chair, meeting=live_world.meeting, board_public=True
    )
    assert anonymous.get(url).status_code == 200
    assert member.get("/meetings/999999/board/").status_code == 404


def test_receipt_qr_is_an_svg_of_the_board_link(live_world: World, closed: ClosedPoll) -> None:
    client = client_for(live_world.voters[0])
    code = next(iter(closed.ballots))
    body = {"meeting": live_world.meeting.pk, "poll": closed.poll.pk, "receipt": code}
    response = client.post("/api/receipt-qr/", body, format="json")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response.content.lstrip().startswith(b"<?xml") or b"<svg" in response.content[:200]
    bad = client.post("/api/receipt-qr/", {**body, "receipt": "not a code!"}, format="json")
    assert_error(bad, 400, "invalid")
    assert_error(client_for(None).post("/api/receipt-qr/", body, format="json"), 401)
