"""Casting ballots: idempotency, refusals, paper ballots, proxies, closing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from meetings import services as meeting_services
from meetings.models import Participant
from tests.conftest import World
from tests.voting.conftest import PollMaker, option_id, receipt
from voting import services
from voting.models import Ballot, Poll, RollEntry, RollMark

pytestmark = pytest.mark.django_db


def test_cast_and_resend_gives_one_ballot(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll()
    yes = option_id(poll, "Yes")
    code = receipt()
    first = services.ballot_cast(
        voter=live_world.voters[0], poll_id=poll.pk, choices=[yes], nonce=code
    )
    again = services.ballot_cast(
        voter=live_world.voters[0], poll_id=poll.pk, choices=[yes], nonce=code.lower()
    )
    assert first.created and not again.created
    assert again.as_dict() == first.as_dict()
    assert Ballot.objects.filter(poll=poll).count() == 1
    with pytest.raises(Conflict) as other_choice:
        services.ballot_cast(
            voter=live_world.voters[0],
            poll_id=poll.pk,
            choices=[option_id(poll, "No")],
            nonce=code,
        )
    assert other_choice.value.code == "receipt_conflict"
    with pytest.raises(Conflict) as second:
        services.ballot_cast(
            voter=live_world.voters[0], poll_id=poll.pk, choices=[yes], nonce=receipt()
        )
    assert second.value.code == "already_voted"
    assert Ballot.objects.filter(poll=poll).count() == 1


@pytest.mark.parametrize(
    ("choices", "error"),
    [
        ([999_999], InvalidInput),
        ("yes", InvalidInput),
        ([], InvalidInput),
        ([True], InvalidInput),
    ],
)
def test_invalid_motion_ballots_write_nothing(
    live_world: World, make_poll: PollMaker, choices: object, error: type[Exception]
) -> None:
    poll = make_poll()
    with pytest.raises(error):
        services.ballot_cast(
            voter=live_world.voters[0], poll_id=poll.pk, choices=choices, nonce=receipt()
        )
    assert not Ballot.objects.exists()
    assert not RollMark.objects.exists()


def test_yes_and_no_together_refused(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll()
    with pytest.raises(InvalidInput):
        services.ballot_cast(
            voter=live_world.voters[0],
            poll_id=poll.pk,
            choices=[option_id(poll, "Yes"), option_id(poll, "No")],
            nonce=receipt(),
        )


def test_bad_receipt_codes(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll()
    yes = option_id(poll, "Yes")
    for code in ("", "SHORT", "0000000000000", "ABCDEFGHIJ!"):
        with pytest.raises(InvalidInput):
            services.ballot_cast(
                voter=live_world.voters[0], poll_id=poll.pk, choices=[yes], nonce=code
            )


def test_not_open_not_on_roll(live_world: World, make_poll: PollMaker) -> None:
    draft = make_poll(open_=False)
    with pytest.raises(Conflict):
        services.ballot_cast(
            voter=live_world.voters[0],
            poll_id=draft.pk,
            choices=[option_id(draft, "Yes")],
            nonce=receipt(),
        )
    poll = services.poll_open(actor=live_world.chair, poll=draft)
    with pytest.raises(NotAllowed):  # clerks are not voters
        services.ballot_cast(
            voter=live_world.clerk,
            poll_id=poll.pk,
            choices=[option_id(poll, "Yes")],
            nonce=receipt(),
        )
    with pytest.raises(NotAllowed):
        services.ballot_cast(
            voter=live_world.outsider,
            poll_id=poll.pk,
            choices=[option_id(poll, "Yes")],
            nonce=receipt(),
        )
    with pytest.raises(NotFound):
        services.ballot_cast(
            voter=live_world.voters[0], poll_id=999_999, choices=[1], nonce=receipt()
        )


def test_roll_is_frozen_at_open(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll()
    entitled = set(RollEntry.objects.filter(poll=poll).values_list("member__member", flat=True))
    assert entitled == {live_world.chair.pk, *(v.pk for v in live_world.voters)}
    # Roster changes after opening do not change this poll's roll.
    voter = live_world.participant(live_world.voters[0])
    meeting_services.participant_update(actor=live_world.chair, participant=voter, role="observer")
    meeting_services.participant_update(
        actor=live_world.chair,
        participant=live_world.participant(live_world.voters[1]),
        vote_weight="5",
    )
    receipt_ = services.ballot_cast(
        voter=live_world.voters[1],
        poll_id=poll.pk,
        choices=[option_id(poll, "Yes")],
        nonce=receipt(),
    )
    assert receipt_.weight == Decimal(1)
    services.ballot_cast(
        voter=live_world.voters[0],
        poll_id=poll.pk,
        choices=[option_id(poll, "No")],
        nonce=receipt(),
    )
    assert Ballot.objects.filter(poll=poll).count() == 2


def test_secret_ballot_has_no_link_to_voter(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(secrecy="secret")
    services.ballot_cast(
        voter=live_world.voters[0],
        poll_id=poll.pk,
        choices=[option_id(poll, "Yes")],
        nonce=receipt(),
    )
    ballot = Ballot.objects.get(poll=poll)
    assert ballot.roll_entry is None
    named = make_poll(open_=False, secrecy="named", title="Named")
    services.poll_close(actor=live_world.chair, poll=poll)
    named = services.poll_open(actor=live_world.chair, poll=named)
    services.ballot_cast(
        voter=live_world.voters[0],
        poll_id=named.pk,
        choices=[option_id(named, "Yes")],
        nonce=receipt(),
    )
    assert Ballot.objects.get(poll=named).roll_entry.caster.member == live_world.voters[0]  # type: ignore[union-attr]


def test_paper_ballot_counts_and_blocks_phone(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll()
    voter = live_world.participant(live_world.voters[0])
    entry = RollEntry.objects.get(poll=poll, member=voter)
    with pytest.raises(NotAllowed):
        services.paper_ballot_enter(
            actor=live_world.voters[1],
            poll=poll,
            roll_entry_id=entry.pk,
            choices=[option_id(poll, "Yes")],
        )
    services.paper_ballot_enter(
        actor=live_world.clerk, poll=poll, roll_entry_id=entry.pk, choices=[option_id(poll, "Yes")]
    )
    mark = RollMark.objects.get(roll_entry=entry)
    assert (mark.method, mark.entered_by) == ("paper", live_world.clerk)
    with pytest.raises(Conflict):
        services.ballot_cast(
            voter=live_world.voters[0],
            poll_id=poll.pk,
            choices=[option_id(poll, "No")],
            nonce=receipt(),
        )
    closed = services.poll_close(actor=live_world.chair, poll=poll)
    assert closed.result is not None
    assert closed.result["ballots"] == 1
    assert closed.result["carried"] is True


def test_close_counts_with_rule(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(majority="two_thirds")
    yes, no = option_id(poll, "Yes"), option_id(poll, "No")
    for voter, choice in zip(live_world.voters, [yes, yes, no], strict=True):
        services.ballot_cast(voter=voter, poll_id=poll.pk, choices=[choice], nonce=receipt())
    poll = services.poll_close(actor=live_world.chair, poll=poll)
    assert poll.state == Poll.State.CLOSED
    assert poll.result is not None
    assert poll.result["carried"] is True  # exactly two-thirds carries
    assert poll.result["sentence"] == "Carried: 2 of 3 valid votes; two-thirds required 2."
    with pytest.raises(Conflict):
        services.ballot_cast(
            voter=live_world.chair, poll_id=poll.pk, choices=[yes], nonce=receipt()
        )
    services.poll_publish(actor=live_world.chair, poll=poll)
    poll.refresh_from_db()
    assert poll.state == Poll.State.PUBLISHED


def test_proxy_delegate_votes_for_self_and_delegator(
    live_world: World, make_poll: PollMaker
) -> None:
    a, b = (live_world.participant(v) for v in live_world.voters[:2])
    meeting_services.participant_update(actor=live_world.chair, participant=a, vote_weight="2.5")
    meeting_services.proxy_create(
        actor=live_world.voters[0], meeting=live_world.meeting, delegator=a, delegate=b
    )
    poll = make_poll()
    entry = RollEntry.objects.get(poll=poll, member=a)
    assert entry.caster == b
    yes = option_id(poll, "Yes")
    own = services.ballot_cast(
        voter=live_world.voters[1], poll_id=poll.pk, choices=[yes], nonce=receipt()
    )
    proxied = services.ballot_cast(
        voter=live_world.voters[1],
        poll_id=poll.pk,
        choices=[option_id(poll, "No")],
        nonce=receipt(),
        on_behalf_of=a.pk,
    )
    assert (own.weight, proxied.weight) == (Decimal(1), Decimal("2.5"))
    assert proxied.on_behalf_of == live_world.voters[0].full_name
    # The delegator gave their vote away and cannot vote themselves.
    with pytest.raises(NotAllowed):
        services.ballot_cast(
            voter=live_world.voters[0], poll_id=poll.pk, choices=[yes], nonce=receipt()
        )
    # Someone who carries no proxy for `a` cannot cast for them.
    with pytest.raises(NotAllowed):
        services.ballot_cast(
            voter=live_world.voters[2],
            poll_id=poll.pk,
            choices=[yes],
            nonce=receipt(),
            on_behalf_of=a.pk,
        )


def test_proxy_limit_and_revocation(live_world: World, make_poll: PollMaker) -> None:
    a, b, c = (live_world.participant(v) for v in live_world.voters)
    meeting = live_world.meeting
    meeting_services.proxy_create(actor=live_world.chair, meeting=meeting, delegator=a, delegate=c)
    with pytest.raises(Conflict, match="most this meeting allows"):
        meeting_services.proxy_create(
            actor=live_world.chair, meeting=meeting, delegator=b, delegate=c
        )
    with pytest.raises(Conflict):
        meeting_services.proxy_create(
            actor=live_world.chair, meeting=meeting, delegator=a, delegate=b
        )
    with pytest.raises(NotAllowed):  # a voter cannot hand out someone else's vote
        meeting_services.proxy_create(
            actor=live_world.voters[2], meeting=meeting, delegator=b, delegate=c
        )
    proxy = a.proxies_given.get()
    meeting_services.proxy_revoke(actor=live_world.voters[0], proxy=proxy)
    proxy.refresh_from_db()
    assert proxy.revoked_at is not None
    poll = make_poll()
    assert RollEntry.objects.get(poll=poll, member=a).caster == a


def test_proxy_void_while_delegator_present(live_world: World, make_poll: PollMaker) -> None:
    meeting = live_world.meeting
    meeting_services.meeting_voting_settings_update(
        actor=live_world.chair, meeting=meeting, requires_presence=True
    )
    a, b = (live_world.participant(v) for v in live_world.voters[:2])
    meeting_services.proxy_create(actor=live_world.chair, meeting=meeting, delegator=a, delegate=b)
    Participant.objects.filter(
        pk__in=[a.pk, b.pk, live_world.participant(live_world.chair).pk]
    ).update(presence=Participant.Presence.ROOM)
    poll = make_poll()
    assert RollEntry.objects.get(poll=poll, member=a).caster == a  # present: votes themselves
    assert not RollEntry.objects.filter(poll=poll, member__member=live_world.voters[2]).exists()


def test_quorum_refuses_open_unless_overridden(live_world: World, make_poll: PollMaker) -> None:
    meeting_services.meeting_voting_settings_update(
        actor=live_world.chair,
        meeting=live_world.meeting,
        requires_presence=True,
        quorum_kind="share",
        quorum_share="0.5",
    )
    poll = make_poll(open_=False)
    with pytest.raises(Conflict) as refused:
        services.poll_open(actor=live_world.chair, poll=poll)
    assert refused.value.code == "no_quorum"
    Participant.objects.filter(meeting=live_world.meeting).update(
        presence=Participant.Presence.ROOM
    )
    Participant.objects.filter(member=live_world.voters[0]).update(
        presence=Participant.Presence.ABSENT
    )
    opened = services.poll_open(actor=live_world.chair, poll=poll, quorum_override_reason="unused")
    assert opened.quorum is not None
    assert opened.quorum["met"] is True  # 3 of 4 present: no override needed
    assert opened.quorum_override_reason == ""


def test_quorum_override_is_recorded(live_world: World, make_poll: PollMaker) -> None:
    meeting_services.meeting_voting_settings_update(
        actor=live_world.chair,
        meeting=live_world.meeting,
        quorum_kind="count",
        quorum_count=10,
    )
    poll = make_poll(open_=False)
    opened = services.poll_open(
        actor=live_world.chair, poll=poll, quorum_override_reason="Urgent strike ballot"
    )
    assert opened.quorum_override_reason == "Urgent strike ballot"
    assert opened.quorum is not None
    assert opened.quorum["met"] is False


def test_close_when_all_voted(
    live_world: World, make_poll: PollMaker, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    poll = make_poll(close_when_all_voted=True)
    yes = option_id(poll, "Yes")
    for voter in [live_world.chair, *live_world.voters[:2]]:
        with django_capture_on_commit_callbacks(execute=True):
            services.ballot_cast(voter=voter, poll_id=poll.pk, choices=[yes], nonce=receipt())
    poll.refresh_from_db()
    assert poll.state == Poll.State.OPEN
    with django_capture_on_commit_callbacks(execute=True):
        services.ballot_cast(
            voter=live_world.voters[2], poll_id=poll.pk, choices=[yes], nonce=receipt()
        )
    poll.refresh_from_db()
    assert poll.state == Poll.State.CLOSED
    assert poll.result is not None
    assert poll.result["ballots"] == 4
