"""Secret ballots stay secret: after a secret poll with phone, proxy and paper
ballots, no table row, log line, event payload or API response pairs a voter
with a choice, and the board's order says nothing about who cast what."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import models

from live import events
from meetings.models import MeetingEvent, Member
from tests.api import client_for
from tests.conftest import World
from tests.voting.audit_helpers import ClosedPoll, closed_poll, weigh_and_delegate
from voting import audit, turnout
from voting.models import Ballot, Poll, RollEntry, RollMark

pytestmark = pytest.mark.django_db


class Captured:
    def __init__(self) -> None:
        self.texts: list[str] = []


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> Iterator[Captured]:
    """Every event text the server would send, and every turnout update."""
    seen = Captured()

    def send(meeting_id: int, audiences: Any, text: str) -> None:
        seen.texts.append(text)

    def changed(meeting_id: int, poll_id: int) -> None:
        for pace in ("staff", "members"):
            seen.texts.extend(
                text for _group, text in turnout.TURNOUT.messages(meeting_id, poll_id, pace)
            )

    monkeypatch.setattr(events, "_send", send)
    monkeypatch.setattr(turnout, "turnout_changed", changed)
    yield seen


@pytest.fixture
def secret(
    live_world: World,
    captured: Captured,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> ClosedPoll:
    """A closed secret poll: every event and log line of its life captured."""
    weigh_and_delegate(live_world)
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        done = closed_poll(live_world, secrecy="secret")
    return done


def voters_of(world: World) -> list[Member]:
    return [world.chair, *world.voters]


def pairs_voter_and_ballot(text: str, world: World, done: ClosedPoll) -> list[str]:
    """Names (or logins) found in `text` together with the receipt code of
    their own ballot."""
    found = []
    for code, (name, _labels) in done.ballots.items():
        member = next(m for m in voters_of(world) if m.full_name == name)
        if code in text and (name in text or member.username in text):
            found.append(f"{name} / {code}")
    return found


# --- table rows -----------------------------------------------------------------------------


def test_ballot_and_roll_mark_rows_share_nothing(live_world: World, secret: ClosedPoll) -> None:
    ballot_fields = {f.name: f for f in Ballot._meta.get_fields() if f.concrete}
    mark_fields = {f.name: f for f in RollMark._meta.get_fields() if f.concrete}
    for fields in (ballot_fields, mark_fields):
        assert not any(
            isinstance(f, models.DateTimeField | models.DateField | models.TimeField)
            for f in fields.values()
        )
        assert not any(isinstance(f, models.GenericIPAddressField) for f in fields.values())
    # A ballot's key is random; its only links are the poll and (named polls) the roll.
    assert isinstance(ballot_fields["id"], models.UUIDField)
    links = {name for name, f in ballot_fields.items() if f.is_relation}
    assert links == {"poll", "roll_entry"}
    assert {f.related_model for f in mark_fields.values() if f.is_relation} <= {RollEntry, Member}
    ballots = Ballot.objects.filter(poll=secret.poll)
    assert ballots.count() == 4
    assert not ballots.exclude(roll_entry__isnull=True).exists()
    assert RollMark.objects.filter(roll_entry__poll=secret.poll).count() == 4


# --- log lines and the meeting log ------------------------------------------------------------


def test_no_log_line_names_a_receipt_or_a_choice(
    live_world: World, secret: ClosedPoll, caplog: pytest.LogCaptureFixture
) -> None:
    for record in caplog.records:
        text = record.getMessage()
        assert not any(code in text for code in secret.ballots), text
        assert not pairs_voter_and_ballot(text, live_world, secret)
    for event in MeetingEvent.objects.filter(meeting=live_world.meeting):
        text = str(event.data)
        assert not any(code in text for code in secret.ballots), event.action
        assert "choices" not in event.data


# --- events ---------------------------------------------------------------------------------


def test_no_event_payload_names_a_receipt_or_a_choice(
    live_world: World, secret: ClosedPoll, captured: Captured
) -> None:
    assert any('"poll.turnout"' in t for t in captured.texts)
    assert any('"poll.paper_ballot"' in t for t in captured.texts)
    for text in captured.texts:
        assert not any(code in text for code in secret.ballots), text
        assert '"choices"' not in text
        assert '"tally"' not in text  # no running tally of a secret poll


# --- API responses --------------------------------------------------------------------------


def test_no_api_response_pairs_a_voter_with_their_ballot(
    live_world: World, secret: ClosedPoll
) -> None:
    poll = secret.poll
    services_poll = Poll.objects.get(pk=poll.pk)
    urls = [
        f"/api/polls/{poll.pk}/",
        f"/api/polls/{poll.pk}/turnout/",
        f"/api/polls/{poll.pk}/roll/",
        f"/api/meetings/{live_world.meeting.pk}/polls/",
        f"/api/meetings/{live_world.meeting.pk}/results.csv",
    ]
    for member in (live_world.chair, live_world.clerk, *live_world.voters):
        client = client_for(member)
        for url in urls:
            response = client.get(url)
            if response.status_code == 403:
                continue  # the roll is for chair and clerks only
            assert response.status_code == 200, (url, response.content)
            text = response.content.decode()
            assert not any(code in text for code in secret.ballots), url
        assert client.get(f"/api/polls/{poll.pk}/ballots.csv").status_code == 409
    assert services_poll.state == Poll.State.CLOSED


def test_board_and_export_show_names_and_entries_in_unrelated_orders(
    live_world: World, secret: ClosedPoll
) -> None:
    """The board and the export list every voter and every receipt, by design;
    what they must not give away is which is whose."""
    board = client_for(live_world.voters[0]).get(f"/api/polls/{secret.poll.pk}/board/").json()
    assert [e["receipt"] for e in board["entries"]] == sorted(secret.ballots)
    assert board["roll"]["voted"] == sorted(board["roll"]["voted"])
    for row in board["entries"]:
        # A weight class, not a weight: no weight here has three ballots.
        assert row["entry"]["class"] == "other" and row["weight"] is None
        assert set(row["entry"]) == {"poll", "receipt", "choices", "class"}
        assert "voter_name" not in row
    for row in board["roll"]["entitled"]:
        assert set(row) == {"name", "weight", "cast_by"}

    exported = audit.export(secret.poll)
    assert [e["receipt"] for e in exported["entries"]] == sorted(secret.ballots)
    voted_ids = [int(r["member_id"]) for r in exported["roll"]["voted"]]
    assert voted_ids == sorted(voted_ids)  # by member, not by the time they voted
    assert all(set(r) == {"member_id", "name"} for r in exported["roll"]["voted"])
    for event in exported["meeting_log"]:
        assert not any(code in str(event) for code in secret.ballots)


def test_board_order_does_not_depend_on_the_order_of_voting(live_world: World) -> None:
    """Two secret polls, the same four votes cast in opposite orders: the
    voted lists are identical and the entries follow their receipts."""
    weigh_and_delegate(live_world)
    first = closed_poll(live_world, secrecy="secret", title="First")
    second = closed_poll(live_world, secrecy="secret", title="Second", backwards=True)
    a = audit.board_payload(first.poll)
    b = audit.board_payload(second.poll)
    assert a["roll"]["voted"] == b["roll"]["voted"]
    for board, done in ((a, first), (b, second)):
        assert [e["receipt"] for e in board["entries"]] == sorted(done.ballots)
