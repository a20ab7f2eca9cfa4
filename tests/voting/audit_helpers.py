"""Closed polls with every kind of ballot, for the audit tests: phone ballots,
a proxy ballot, a paper ballot, and weights that are not whole numbers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from meetings import services as meeting_services
from tests.conftest import World
from tests.voting.conftest import option_id, receipt
from voting import audit, services
from voting.models import Poll


@dataclass
class ClosedPoll:
    poll: Poll
    # receipt code -> (name of the person whose vote it is, option labels)
    ballots: dict[str, tuple[str, list[str]]] = field(default_factory=dict)


def weigh_and_delegate(world: World) -> None:
    """voters[0] weighs 2.5 and carries voters[2]'s proxy (1.3333); voters[1]
    weighs 0.75. Call once per world, before the first poll opens."""
    meeting = world.meeting
    a, b, c = (world.participant(m) for m in world.voters[:3])
    meeting_services.participant_update(actor=world.chair, participant=a, vote_weight="2.5")
    meeting_services.participant_update(actor=world.chair, participant=b, vote_weight="0.75")
    meeting_services.participant_update(actor=world.chair, participant=c, vote_weight="1.3333")
    meeting_services.proxy_create(actor=world.chair, meeting=meeting, delegator=c, delegate=a)


def closed_poll(
    world: World,
    *,
    secrecy: str,
    title: str = "Adopt the budget?",
    backwards: bool = False,
    record_format: int | None = None,
) -> ClosedPoll:
    """A motion with four ballots: the chair (phone, Yes), voters[0] for
    themselves (phone, No) and for voters[2] by proxy (phone, Yes), and
    voters[1] on paper entered by the clerk (Abstain), cast in that order
    (or `backwards`). Closed and sealed. `record_format` 2: as a poll opened
    before format 3 (the migration marks those)."""
    poll = services.poll_create(
        actor=world.chair, meeting=world.meeting, title=title, kind="motion", secrecy=secrecy
    )
    if record_format is not None:
        Poll.objects.filter(pk=poll.pk).update(record_format=record_format)
        poll.refresh_from_db()
    poll = services.poll_open(actor=world.chair, poll=poll)
    done = ClosedPoll(poll)
    a, b, c = (world.participant(m) for m in world.voters[:3])

    def phone(voter: Any, label: str, name: str, on_behalf_of: int | None = None) -> None:
        given = services.ballot_cast(
            voter=voter,
            poll_id=poll.pk,
            choices=[option_id(poll, label)],
            nonce=receipt(),
            on_behalf_of=on_behalf_of,
        )
        done.ballots[given.receipt_code] = (name, [label])

    def paper() -> None:
        entry = poll.roll.get(member=b)
        receipt_ = services.paper_ballot_enter(
            actor=world.clerk,
            poll=poll,
            roll_entry_id=entry.pk,
            choices=[option_id(poll, "Abstain")],
        )
        done.ballots[receipt_.receipt_code] = (world.voters[1].full_name, ["Abstain"])

    steps: list[Callable[[], None]] = [
        partial(phone, world.chair, "Yes", world.chair.full_name),
        partial(phone, world.voters[0], "No", world.voters[0].full_name),
        partial(phone, world.voters[0], "Yes", world.voters[2].full_name, c.pk),
        paper,
    ]
    for step in reversed(steps) if backwards else steps:
        step()
    done.poll = services.poll_close(actor=world.chair, poll=poll)
    assert a.pk != c.pk
    return done


def export_file(poll: Poll, path: Any) -> Any:
    """Write the poll's export to `path`; return the parsed JSON."""
    path.write_text(audit.export_text(poll), encoding="utf-8")
    return json.loads(path.read_text(encoding="utf-8"))


WEIGHTS = {Decimal("1.0000"), Decimal("2.5000"), Decimal("1.3333"), Decimal("0.7500")}
