"""The voting app's event types on the meeting socket (see live.catalogue and
docs/protocol.md), with their payloads as clients receive them: JSON, so
datetimes and decimal weights are strings. voting.selectors builds them."""

from __future__ import annotations

from typing import TypedDict

from live import catalogue
from meetings.events import QuorumStatus


class PollOptionPayload(TypedDict):
    id: int
    label: str
    role: str


class PollQuorum(QuorumStatus):
    """The quorum as it stood when the poll opened."""

    override_reason: str


class ResultRule(TypedDict):
    majority: str
    base: str
    tie: str


class ResultOption(TypedDict):
    id: int
    label: str
    role: str
    weight: str
    ballots: int


class _ResultSentences(TypedDict, total=False):
    # The sentence in each site language; results stored before it have none.
    sentences: dict[str, str]


class PollResult(_ResultSentences):
    sentence: str
    carried: bool | None
    winners: list[int]
    tied: list[int]
    seats_open: int
    lot_seed: str
    lot_draw: list[int]
    rule: ResultRule
    base_weight: str
    required: str | None
    quorum: PollQuorum | None
    ballots: int
    cast_weight: str
    abstain_weight: str
    valid_weight: str
    present_weight: str
    entitled_weight: str
    options: list[ResultOption]


class PollPayload(TypedDict):
    id: int
    title: str
    position: int  # the meeting's order (drafts are reordered ahead)
    description: str
    kind: str
    secrecy: str
    results_visibility: str
    allow_remote: bool
    min_choices: int
    max_choices: int
    seats: int
    majority: str
    base: str
    tie_rule: str
    close_when_all_voted: bool
    agenda_item_id: int | None
    state: str  # draft, open, closed, published, cancelled
    options: list[PollOptionPayload]
    opened_at: str | None
    closes_at: str | None
    closed_at: str | None
    cancel_reason: str
    quorum: PollQuorum | None
    entitled_weight: str
    result: PollResult | None  # once closed
    encrypted: bool  # ballots encrypted on the phone (docs/encrypted-ballots.md)
    teller_threshold: int | None  # encrypted polls: how many tellers decrypt together
    public_key: str | None  # encrypted polls: the poll key, once the tellers made it
    head_fingerprint: str | None  # once closed and sealed


class PollStub(TypedDict):
    """What members and the projector get of a poll never opened."""

    id: int
    state: str


class PollChanged(TypedDict):
    poll: PollPayload | PollStub


class PaperBallot(TypedDict):
    poll_id: int
    clerk: str  # the clerk's name


class TallyRow(TypedDict):
    id: int  # the option
    weight: str
    ballots: int


class Turnout(TypedDict):
    """As in the snapshot's `turnout` (the open poll's)."""

    poll_id: int
    ballots: int
    weight: str
    entitled: int
    entitled_weight: str


class _RunningTally(TypedDict, total=False):
    # Chair and projector, for named polls whose results are live.
    tally: list[TallyRow]


class PollTurnout(Turnout, _RunningTally):
    state: str


POLL_CHANGED = catalogue.declare("poll.changed", PollChanged, sequenced=True)
POLL_PAPER_BALLOT = catalogue.declare("poll.paper_ballot", PaperBallot, sequenced=True)
# Coalesced per poll (voting.turnout.TURNOUT): never a frame per ballot per socket.
POLL_TURNOUT = catalogue.declare("poll.turnout", PollTurnout, sequenced=False, coalesced=True)
