"""Writes for polls and ballots: create, open (freezing the roll), cast,
paper ballots, close (counting by the poll's rule), cancel, publish.

REST views and the meeting socket call these functions and nothing else.
"""

from __future__ import annotations

import base64
import functools
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, NoReturn

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings import events, log
from meetings.models import Meeting, Member, Participant
from meetings.selectors import (
    VOTING_ROLES,
    active_proxies,
    is_present,
    participant_for,
    quorum_status,
)
from meetings.services import _require_control
from voting import audit, live, rules
from voting.exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from voting.models import Ballot, Poll, PollOption, RollEntry, RollMark
from voting.selectors import poll_payload, result_payload

RECEIPT_ALPHABET = re.compile(r"^[A-Z2-7]{10,32}$")
MAX_OPTIONS = 100


@dataclass(frozen=True)
class Receipt:
    """What the voter gets back for an accepted ballot."""

    poll_id: int
    receipt_code: str
    choices: list[int]
    weight: Decimal
    on_behalf_of: str | None  # the represented member's name, for a proxy ballot
    created: bool  # False when this answers a resend of the same ballot
    signature: str  # the installation's Ed25519 signature over the ballot entry

    def as_dict(self) -> dict[str, Any]:
        return {
            "poll_id": self.poll_id,
            "receipt_code": self.receipt_code,
            "choices": self.choices,
            "weight": str(self.weight),
            "on_behalf_of": self.on_behalf_of,
            "signature": self.signature,
        }


# --- creating -------------------------------------------------------------------


def _option_rows(kind: rules.Kind, labels: Sequence[str]) -> list[tuple[rules.Role, str]]:
    """The options a poll of this kind offers, abstention included."""
    labels = [label.strip() for label in labels if label and label.strip()]
    abstain = (rules.Role.ABSTAIN, _("Abstain"))
    if kind is rules.Kind.MOTION:
        return [(rules.Role.YES, _("Yes")), (rules.Role.NO, _("No")), abstain]
    if len(labels) != len(set(labels)):
        raise InvalidInput(_("Two options have the same label."))
    if len(labels) > MAX_OPTIONS:
        raise InvalidInput(_("At most %d options.") % MAX_OPTIONS)
    if kind is rules.Kind.ELECTION:
        if not labels:
            raise InvalidInput(_("An election needs at least one candidate."))
        if len(labels) == 1:  # one candidate: yes / no / abstain on them
            return [(rules.Role.CANDIDATE, labels[0]), (rules.Role.NO, _("No")), abstain]
        return [(rules.Role.CANDIDATE, label) for label in labels] + [abstain]
    if len(labels) < 2:
        raise InvalidInput(_("A choice poll needs at least two options."))
    return [(rules.Role.OPTION, label) for label in labels] + [abstain]


@transaction.atomic
def poll_create(
    *,
    actor: Member,
    meeting: Meeting,
    title: str,
    kind: str,
    options: Sequence[str] = (),
    description: str = "",
    secrecy: str = Poll.Secrecy.SECRET,
    results_visibility: str = Poll.Results.HIDDEN,
    allow_remote: bool = True,
    min_choices: int | None = None,
    max_choices: int | None = None,
    seats: int = 1,
    majority: str = rules.Majority.SIMPLE,
    base: str = rules.Base.VALID,
    tie_rule: str = rules.TieRule.FAILS,
    close_when_all_voted: bool = False,
    agenda_item_id: int | None = None,
) -> Poll:
    """Create a draft poll with its options. Only the chair or a clerk may.

    Motions get Yes/No/Abstain; other kinds get the given options plus
    Abstain. An election with one candidate is yes/no/abstain on them.
    """
    _require_control(actor, meeting)
    title = (title or "").strip()
    if not title:
        raise InvalidInput(_("A question is required."))
    try:
        kind_ = rules.Kind(kind)
        rule = rules.Rule(rules.Majority(majority), rules.Base(base), rules.TieRule(tie_rule))
    except ValueError as exc:
        raise InvalidInput(_("Unknown poll setting: %s") % exc) from exc
    if secrecy not in Poll.Secrecy.values:
        raise InvalidInput(_("Secrecy must be named or secret."))
    if results_visibility not in Poll.Results.values:
        raise InvalidInput(_("Results while open must be hidden or live."))
    if secrecy == Poll.Secrecy.SECRET and results_visibility == Poll.Results.LIVE:
        raise InvalidInput(_("A secret poll cannot show results while open."))
    if meeting.status == Meeting.Status.CLOSED:
        raise Conflict(_("The meeting is closed."))
    rows = _option_rows(kind_, options)
    choosable = sum(1 for role, _label in rows if role in (rules.Role.OPTION, rules.Role.CANDIDATE))

    if kind_ is rules.Kind.MULTIPLE:
        low = 1 if min_choices is None else min_choices
        high = choosable if max_choices is None else max_choices
        if not 0 <= low <= high or high < 1 or high > choosable:
            raise InvalidInput(
                _(
                    "Choose between %(low)s and %(high)s must fit 0 <= least <= most <= %(n)d, "
                    "with most at least 1."
                )
                % {"low": low, "high": high, "n": choosable}
            )
        seats = 1
    elif kind_ is rules.Kind.ELECTION:
        # One candidate: one seat, yes / no / abstain on them (low = high = 1).
        if not 1 <= seats <= choosable:
            raise InvalidInput(_("Seats must be between 1 and the number of candidates."))
        low, high = 1, seats
    else:
        low, high, seats = 1, 1, 1
    agenda_item = None
    if agenda_item_id is not None:
        agenda_item = meeting.agenda_items.filter(pk=agenda_item_id).first()
        if agenda_item is None:
            raise NotFound(_("No such agenda item in this meeting."))

    poll = Poll.objects.create(
        meeting=meeting,
        agenda_item=agenda_item,
        title=title,
        description=(description or "").strip(),
        kind=kind_.value,
        secrecy=secrecy,
        results_visibility=results_visibility,
        allow_remote=allow_remote,
        min_choices=low,
        max_choices=high,
        seats=seats,
        majority=rule.majority.value,
        base=rule.base.value,
        tie_rule=rule.tie.value,
        close_when_all_voted=close_when_all_voted,
        created_by=actor,
    )
    PollOption.objects.bulk_create(
        [
            PollOption(poll=poll, position=i, role=role.value, label=label)
            for i, (role, label) in enumerate(rows, start=1)
        ]
    )
    _publish_poll(poll, "poll.created", actor, {"title": poll.title, "kind": poll.kind})
    return poll


def _publish_poll(
    poll: Poll, action: str, actor: Member | None, data: dict[str, Any], *, logged: bool = False
) -> None:
    """Log the act (unless the caller has: `logged`), and send poll.changed
    to everyone; a poll members never saw opened (a draft, or a draft
    cancelled) reaches them only as its id and state."""
    if not logged:
        log.log_append(
            meeting_id=poll.meeting_id, action=action, actor=actor, data={"poll": poll.pk, **data}
        )
    public = None
    if poll.opened_at is None:
        public = {"poll": {"id": poll.pk, "state": poll.state}}
    events.publish(
        poll.meeting_id, "poll.changed", {"poll": poll_payload(poll)}, public_payload=public
    )


def _lock_poll(poll_id: int) -> Poll:
    poll = Poll.objects.select_for_update().select_related("meeting").filter(pk=poll_id).first()
    if poll is None:
        raise NotFound(_("No such poll."))
    return poll


# --- opening: the frozen roll ---------------------------------------------------------


def _build_roll(poll: Poll) -> list[RollEntry]:
    """Who may vote on this poll, with what weight, carrying which proxies.

    A member's vote goes to their delegate while they have an active proxy
    and are not checked in; a present delegator votes themselves.
    """
    meeting = poll.meeting
    voters = list(
        Participant.objects.filter(meeting=meeting, role__in=VOTING_ROLES).select_related("member")
    )
    delegate_of = {proxy.delegator_id: proxy.delegate_id for proxy in active_proxies(meeting)}

    def entitled(p: Participant) -> bool:
        if not is_present(meeting, p):
            return False
        return poll.allow_remote or p.presence != Participant.Presence.REMOTE

    by_id = {p.pk: p for p in voters}
    entries = []
    for p in voters:
        delegate = by_id.get(delegate_of.get(p.pk, -1))
        if delegate is not None and p.presence == Participant.Presence.ABSENT:
            if entitled(delegate):
                entries.append(
                    RollEntry(
                        poll=poll,
                        member=p,
                        caster=delegate,
                        weight=p.vote_weight,
                        remote=delegate.presence == Participant.Presence.REMOTE,
                    )
                )
        elif entitled(p):
            entries.append(
                RollEntry(
                    poll=poll,
                    member=p,
                    caster=p,
                    weight=p.vote_weight,
                    remote=p.presence == Participant.Presence.REMOTE,
                )
            )
    return RollEntry.objects.bulk_create(entries)


@transaction.atomic
def poll_open(
    *,
    actor: Member,
    poll: Poll,
    duration_seconds: int | None = None,
    quorum_override_reason: str = "",
) -> Poll:
    """draft -> open. Freezes the roll, records the quorum, starts the clock.

    Refused without quorum unless the chair gives a reason, which is kept.
    Only one poll of a meeting is open at a time.
    """
    poll = _lock_poll(poll.pk)
    meeting = poll.meeting
    _require_control(actor, meeting)
    Meeting.objects.select_for_update().get(pk=meeting.pk)
    if poll.state != Poll.State.DRAFT:
        raise Conflict(_("Only a draft poll can be opened."))
    if meeting.status != Meeting.Status.LIVE:
        raise Conflict(_("The meeting is not live; start it first."))
    if Poll.objects.filter(meeting=meeting, state=Poll.State.OPEN).exists():
        raise Conflict(_("Another poll is open; close it first."))
    if duration_seconds is not None and not 10 <= duration_seconds <= 24 * 3600:
        raise InvalidInput(_("The voting time must be between 10 seconds and 24 hours."))
    quorum = quorum_status(meeting)
    reason = (quorum_override_reason or "").strip()
    if not quorum["met"] and not reason:
        raise Conflict(
            _(
                "The meeting has no quorum (%(present)s present, %(required)s required). "
                "Give a reason to open the poll anyway."
            )
            % {"present": quorum["present"], "required": quorum["required"]},
            code="no_quorum",
        )
    roll = _build_roll(poll)
    if not roll:
        raise Conflict(_("No one is entitled to vote on this poll."))
    now = timezone.now()
    poll.state = Poll.State.OPEN
    poll.opened_at = now
    poll.closes_at = now + timedelta(seconds=duration_seconds) if duration_seconds else None
    poll.quorum = {**quorum, "override_reason": reason if not quorum["met"] else ""}
    poll.quorum_override_reason = reason if not quorum["met"] else ""
    poll.entitled_weight = sum((e.weight for e in roll), Decimal(0))
    poll.present_weight = Decimal(quorum["present_weight"])
    poll.save()
    _publish_poll(
        poll,
        "poll.opened",
        actor,
        {"quorum_met": quorum["met"], "override_reason": poll.quorum_override_reason or None},
    )
    # The opening turnout (0 of N), so phones show it without asking.
    transaction.on_commit(partial(live.turnout_changed, meeting.pk, poll.pk), robust=True)
    if duration_seconds:
        transaction.on_commit(
            partial(live.schedule_close, poll.pk, float(duration_seconds), polls_close_due),
            robust=True,
        )
    return poll


# --- casting --------------------------------------------------------------------------


def normalise_receipt(code: str) -> str:
    cleaned = re.sub(r"[\s-]", "", str(code or "")).upper()
    if not RECEIPT_ALPHABET.match(cleaned):
        raise InvalidInput(
            _("The receipt code must be 10 to 32 letters A-Z and digits 2-7 (base32).")
        )
    return cleaned


def validate_choices(poll: Poll, options: Sequence[PollOption], choices: Any) -> list[int]:
    """The chosen option ids, sorted, if they form a valid ballot for the poll."""
    if not isinstance(choices, list) or not all(
        isinstance(c, int) and not isinstance(c, bool) for c in choices
    ):
        raise InvalidInput(_("Choices must be a list of option ids."))
    if len(set(choices)) != len(choices):
        raise InvalidInput(_("An option is chosen twice."))
    by_id = {o.pk: o for o in options}
    unknown = [c for c in choices if c not in by_id]
    if unknown:
        raise InvalidInput(_("Unknown option: %s") % ", ".join(map(str, unknown)))
    roles = [by_id[c].role for c in choices]
    if rules.Role.ABSTAIN in roles:
        if len(choices) != 1:
            raise InvalidInput(_("Abstain cannot be combined with other choices."))
        return sorted(choices)
    if poll.kind == rules.Kind.MOTION or rules.Role.NO in {o.role for o in options}:
        if len(choices) != 1:
            raise InvalidInput(_("Choose exactly one answer."))
        return sorted(choices)
    if not poll.min_choices <= len(choices) <= poll.max_choices:
        if poll.min_choices == poll.max_choices:
            raise InvalidInput(_("Choose exactly %d.") % poll.max_choices)
        raise InvalidInput(
            _("Choose between %(low)d and %(high)d.")
            % {"low": poll.min_choices, "high": poll.max_choices}
        )
    return sorted(choices)


@functools.lru_cache(maxsize=512)
def _options_of(poll_id: int, created_at: datetime) -> tuple[PollOption, ...]:
    return tuple(PollOption.objects.filter(poll_id=poll_id).order_by("position"))


def poll_options(poll: Poll) -> list[PollOption]:
    """A poll's options. They never change once the poll exists, so each
    process reads them once (keyed with the creation time too, in case a
    database reuses ids)."""
    return list(_options_of(poll.pk, poll.created_at))


def _lock_poll_shared(poll_id: int) -> None:
    """Hold the poll row in share mode: ballots run side by side, while
    closing (FOR UPDATE) waits until ballots in flight have committed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM voting_poll WHERE id = %s FOR SHARE", [poll_id])


def _same_ballot(
    existing: Ballot,
    choices: list[int],
    caster: Participant | None,
    on_behalf_of: int | None = None,
) -> Receipt:
    try:  # stored choices are sorted; a resend may list them in another order
        same = existing.choices == sorted(choices)
    except TypeError:
        same = False
    if not same:
        raise Conflict(
            _("This receipt code was already used for a ballot with other choices."),
            code="receipt_conflict",
        )
    entry = existing.roll_entry
    if entry is not None and caster is not None and entry.caster_id != caster.pk:
        raise Conflict(_("This receipt code belongs to another ballot."), code="receipt_conflict")
    # The first answer named the represented member of a proxy ballot; so does a resend.
    represented: str | None = None
    if entry is not None:
        represented = entry.member.member.full_name if entry.is_proxy else None
    elif on_behalf_of is not None and caster is not None:  # secret: no roll link to follow
        represented = (
            RollEntry.objects.filter(
                poll_id=existing.poll_id, member_id=on_behalf_of, caster=caster
            )
            .exclude(member=caster)
            .values_list("member__member__full_name", flat=True)
            .first()
        )
    return Receipt(
        poll_id=existing.poll_id,
        receipt_code=existing.receipt_code,
        choices=list(existing.choices),
        weight=existing.weight,
        on_behalf_of=represented,
        created=False,
        signature=existing.signature,
    )


def _find_roll_entry(poll: Poll, caster: Participant, on_behalf_of: int | None) -> RollEntry:
    member_id = caster.pk if on_behalf_of is None else on_behalf_of
    entry = (
        RollEntry.objects.select_related("member__member")
        .filter(poll=poll, member_id=member_id, caster=caster)
        .first()
    )
    if entry is not None:
        return entry
    # Checked first: a remote delegate is refused for the same reason.
    if not poll.allow_remote and caster.presence == Participant.Presence.REMOTE:
        raise NotAllowed(_("This poll is for members in the room; remote members cannot vote."))
    if on_behalf_of is not None:
        raise NotAllowed(_("You do not carry that member's proxy for this poll."))
    raise NotAllowed(_("You are not on this poll's roll."), code="not_on_roll")


def _record_ballot(
    *,
    poll: Poll,
    entry: RollEntry,
    choices: list[int],
    receipt_code: str,
    method: str,
    entered_by: Member | None,
) -> str:
    """Mark the roll entry as voted and store the signed ballot, or raise
    IntegrityError. Returns the signature over the ballot's entry."""
    RollMark.objects.create(roll_entry=entry, method=method, entered_by=entered_by)
    signature = audit.sign_entry(
        audit.ballot_entry(
            poll=poll,
            receipt=receipt_code,
            choices=choices,
            weight=entry.weight,
            voter=entry.member_id,
        )
    )
    Ballot.objects.create(
        poll=poll,
        receipt_code=receipt_code,
        choices=choices,
        weight=entry.weight,
        roll_entry=entry if poll.secrecy == Poll.Secrecy.NAMED else None,
        signature=signature,
    )
    return signature


def ballot_cast(
    *,
    voter: Member,
    poll_id: int,
    choices: Any,
    receipt_code: str,
    on_behalf_of: int | None = None,
) -> Receipt:
    """Cast a ballot from a phone. The receipt code (random, drawn by the phone)
    is the idempotency key: a resend with the same code and choices returns the
    original receipt; other choices under the same code are refused.

    One ballot per roll entry is enforced by the unique key of RollMark, so
    concurrent requests cannot both succeed. `on_behalf_of` is the participant
    id of a member whose proxy the voter carries.
    """
    code = normalise_receipt(receipt_code)
    if on_behalf_of is not None and (
        not isinstance(on_behalf_of, int) or isinstance(on_behalf_of, bool)
    ):
        raise InvalidInput(_("on_behalf_of must be a participant id."))
    try:
        with transaction.atomic():
            return _cast(voter, poll_id, choices, code, on_behalf_of)
    except IntegrityError:
        # The roll entry has voted, or this very code just did (the same
        # ballot sent twice at once): a resend gets its receipt back.
        with transaction.atomic():
            receipt = _resend(voter, poll_id, choices, code, on_behalf_of)
            if receipt is None:
                raise Conflict(
                    _("This vote has already been cast."), code="already_voted"
                ) from None
            return receipt


def _cast(
    voter: Member, poll_id: int, choices: Any, code: str, on_behalf_of: int | None
) -> Receipt:
    """The common case in few queries: the poll's share lock, the voter's roll
    entry with its poll, two inserts. Anything unusual goes the slow way."""
    # Share-lock first: the poll's state read next cannot change before commit.
    _lock_poll_shared(poll_id)
    entries = RollEntry.objects.select_related("poll", "member__member").filter(
        poll_id=poll_id, caster__member=voter
    )
    if on_behalf_of is None:
        entry = entries.filter(member_id=models.F("caster_id")).first()
    else:
        entry = entries.filter(member_id=on_behalf_of).first()
    poll = entry.poll if entry is not None else None
    usable = poll is not None and poll.state == Poll.State.OPEN
    if not usable or (poll and poll.closes_at is not None and timezone.now() >= poll.closes_at):
        receipt = _resend(voter, poll_id, choices, code, on_behalf_of)
        if receipt is not None:
            return receipt
        _refuse(voter, poll_id, on_behalf_of)
    assert entry is not None and poll is not None
    chosen = validate_choices(poll, poll_options(poll), choices)
    signature = _record_ballot(
        poll=poll,
        entry=entry,
        choices=chosen,
        receipt_code=code,
        method=RollMark.Method.PHONE,
        entered_by=None,
    )
    _after_ballot(poll)
    represented = entry.member.member.full_name if entry.is_proxy else None
    return Receipt(
        poll_id=poll.pk,
        receipt_code=code,
        choices=chosen,
        weight=entry.weight,
        on_behalf_of=represented,
        created=True,
        signature=signature,
    )


def _resend(
    voter: Member, poll_id: int, choices: Any, code: str, on_behalf_of: int | None
) -> Receipt | None:
    """The receipt of a ballot already stored under this code (the phone lost
    the answer), or None. Other choices under the code are refused."""
    existing = (
        Ballot.objects.select_related("roll_entry__member__member", "poll__meeting")
        .filter(poll_id=poll_id, receipt_code=code)
        .first()
    )
    if existing is None:
        return None
    caster = participant_for(existing.poll.meeting, voter)
    return _same_ballot(
        existing, choices if isinstance(choices, list) else [], caster, on_behalf_of
    )


def _refuse(voter: Member, poll_id: int, on_behalf_of: int | None) -> NoReturn:
    """Say exactly why this voter cannot vote on this poll now."""
    poll = Poll.objects.select_related("meeting").filter(pk=poll_id).first()
    if poll is None:
        raise NotFound(_("No such poll."))
    if poll.state != Poll.State.OPEN:
        raise Conflict(_("This poll is not open."), code="poll_not_open")
    if poll.closes_at is not None and timezone.now() >= poll.closes_at:
        raise Conflict(_("Voting time is over."), code="poll_not_open")
    caster = participant_for(poll.meeting, voter)
    if caster is None:
        raise NotAllowed(_("You are not on this meeting's roster."), code="not_on_roll")
    _find_roll_entry(poll, caster, on_behalf_of)  # raises: no entry matched above
    raise NotAllowed(_("You are not on this poll's roll."), code="not_on_roll")


def _after_ballot(poll: Poll) -> None:
    transaction.on_commit(partial(live.turnout_changed, poll.meeting_id, poll.pk), robust=True)
    if poll.close_when_all_voted:
        transaction.on_commit(partial(_close_if_complete, poll.pk), robust=True)


def _close_if_complete(poll_id: int) -> None:
    with transaction.atomic():
        poll = _lock_poll(poll_id)
        if poll.state != Poll.State.OPEN:
            return
        if RollMark.objects.filter(roll_entry__poll=poll).count() < poll.roll.count():
            return
        _close(poll, actor=None)


@transaction.atomic
def paper_ballot_enter(
    *,
    actor: Member,
    poll: Poll,
    roll_entry_id: int,
    choices: Any,
    receipt_code: str | None = None,
) -> Receipt:
    """A clerk enters the paper ballot of a roll entry that has not voted. It
    counts with phone ballots, is marked paper with the clerk recorded, and
    the entry can no longer vote by phone."""
    poll = Poll.objects.select_related("meeting").get(pk=poll.pk)
    _require_control(actor, poll.meeting)
    _lock_poll_shared(poll.pk)
    poll.refresh_from_db(fields=["state", "closes_at"])
    if poll.state != Poll.State.OPEN:
        raise Conflict(_("This poll is not open."), code="poll_not_open")
    if poll.closes_at is not None and timezone.now() >= poll.closes_at:
        raise Conflict(_("Voting time is over."), code="poll_not_open")
    entry = RollEntry.objects.filter(poll=poll, pk=roll_entry_id).first()
    if entry is None:
        raise NotFound(_("No such entry on this poll's roll."))
    chosen = validate_choices(poll, list(poll.options.all()), choices)
    code = normalise_receipt(receipt_code) if receipt_code else _server_receipt()
    if Ballot.objects.filter(poll=poll, receipt_code=code).exists():
        raise Conflict(_("This receipt code is already used."), code="receipt_conflict")
    try:
        with transaction.atomic():
            signature = _record_ballot(
                poll=poll,
                entry=entry,
                choices=chosen,
                receipt_code=code,
                method=RollMark.Method.PAPER,
                entered_by=actor,
            )
    except IntegrityError:
        raise Conflict(_("This vote has already been cast."), code="already_voted") from None
    events.publish(
        poll.meeting_id,
        "poll.paper_ballot",
        {"poll_id": poll.pk, "clerk": actor.full_name},
    )
    log.log_append(
        meeting_id=poll.meeting_id,
        action="poll.paper_ballot",
        actor=actor,
        data={"poll": poll.pk, "member": entry.member.member.full_name},
    )
    _after_ballot(poll)
    return Receipt(
        poll_id=poll.pk,
        receipt_code=code,
        choices=chosen,
        weight=entry.weight,
        on_behalf_of=None,
        created=True,
        signature=signature,
    )


def _server_receipt() -> str:
    """A receipt code for a paper ballot: 80 random bits in base32."""
    return base64.b32encode(secrets.token_bytes(10)).decode()


# --- closing and after ------------------------------------------------------------------


def tally(poll: Poll) -> tuple[rules.Totals, dict[int, int]]:
    """Count the ballots of a poll: weight per option (for the rule) and the
    number of ballots per option (for people)."""
    by_option: dict[int, Decimal] = {}
    counts: dict[int, int] = {}
    cast = Decimal(0)
    abstain = Decimal(0)
    abstain_ids = set(poll.options.filter(role=rules.Role.ABSTAIN).values_list("pk", flat=True))
    for choices, weight in Ballot.objects.filter(poll=poll).values_list("choices", "weight"):
        cast += weight
        if any(c in abstain_ids for c in choices):
            abstain += weight
        for c in choices:
            by_option[c] = by_option.get(c, Decimal(0)) + weight
            counts[c] = counts.get(c, 0) + 1
    totals = rules.Totals(
        by_option=by_option,
        cast=cast,
        abstain=abstain,
        present=poll.present_weight,
        entitled=poll.entitled_weight,
    )
    return totals, counts


def _close(poll: Poll, actor: Member | None) -> Poll:
    """Count and store the result. Caller holds the poll's row lock."""
    poll.lot_seed = secrets.token_hex(16)
    totals, counts = tally(poll)
    options = [
        rules.Option(o.pk, rules.Role(o.role), o.label) for o in poll.options.order_by("position")
    ]
    outcome = rules.decide(
        rules.Kind(poll.kind),
        options,
        totals,
        poll.rule,
        seats=poll.seats,
        seed=poll.lot_seed,
        _=_,
    )
    ballots = Ballot.objects.filter(poll=poll).count()
    poll.state = Poll.State.CLOSED
    poll.closed_at = timezone.now()
    poll.result = result_payload(poll, options, totals, counts, outcome, ballots)
    poll.save()
    # Logged, then sealed (the head names the log's hash, close included),
    # then announced: the event carries the head's fingerprint.
    data = {"poll": poll.pk, "sentence": poll.result["sentence"]}
    log.log_append(meeting_id=poll.meeting_id, action="poll.closed", actor=actor, data=data)
    audit.seal(poll)
    _publish_poll(poll, "poll.closed", actor, data, logged=True)
    transaction.on_commit(partial(live.turnout_changed, poll.meeting_id, poll.pk), robust=True)
    return poll


@transaction.atomic
def poll_close(*, actor: Member, poll: Poll) -> Poll:
    """open -> closed: count the ballots with the poll's rule, publish the result."""
    poll = _lock_poll(poll.pk)
    _require_control(actor, poll.meeting)
    if poll.state != Poll.State.OPEN:
        raise Conflict(_("Only an open poll can be closed."))
    return _close(poll, actor)


def polls_close_due(now: datetime | None = None) -> list[int]:
    """Close every open poll whose time is up. Safe to run in every process."""
    now = now or timezone.now()
    closed = []
    for poll_id in Poll.objects.filter(state=Poll.State.OPEN, closes_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            poll = _lock_poll(poll_id)
            if poll.state == Poll.State.OPEN and poll.closes_at and poll.closes_at <= now:
                _close(poll, actor=None)
                closed.append(poll_id)
    return closed


@transaction.atomic
def poll_cancel(*, actor: Member, poll: Poll, reason: str) -> Poll:
    """draft/open -> cancelled, with a reason. Ballots of a cancelled poll are
    kept for the record but never counted."""
    poll = _lock_poll(poll.pk)
    _require_control(actor, poll.meeting)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give a reason for cancelling."))
    if poll.state not in (Poll.State.DRAFT, Poll.State.OPEN):
        raise Conflict(_("Only a draft or open poll can be cancelled."))
    poll.state = Poll.State.CANCELLED
    poll.cancel_reason = reason
    poll.closed_at = timezone.now()
    poll.save(update_fields=["state", "cancel_reason", "closed_at"])
    _publish_poll(poll, "poll.cancelled", actor, {"reason": reason})
    return poll


@transaction.atomic
def poll_decide_tie(*, actor: Member, poll: Poll, winners: Sequence[int]) -> Poll:
    """The chair breaks a tie the rule left to them: `winners` are chosen among
    the tied options (for a motion: [yes id] to carry, [] to reject)."""
    poll = _lock_poll(poll.pk)
    _require_control(actor, poll.meeting)
    result = poll.result or {}
    tied = result.get("tied") or []
    if poll.state != Poll.State.CLOSED or not tied:
        raise Conflict(_("There is no tie for the chair to decide."))
    if not isinstance(winners, list | tuple) or not set(winners) <= set(tied):
        raise InvalidInput(_("Choose among the tied options."))
    if len(set(winners)) != len(winners):
        raise InvalidInput(_("An option is chosen twice."))
    seats_open = int(result.get("seats_open") or 0)
    # Motions and one-candidate elections: the chair carries ([yes]) or rejects ([]).
    is_yes_no = poll.options.filter(role=rules.Role.NO).exists()
    if not is_yes_no and len(winners) != seats_open:
        raise InvalidInput(_("Choose %d.") % seats_open)
    labels = dict(poll.options.values_list("pk", "label"))
    poll.tie_decision = {"winners": list(winners), "by": actor.full_name}
    poll.tie_decided_by = actor
    result["winners"] = list(result.get("winners") or []) + list(winners)
    if is_yes_no:
        result["carried"] = bool(winners)
    result["tied"] = []
    decision = ", ".join(labels[w] for w in winners) if winners else _("not carried")
    result["sentence"] = f"{result['sentence']} " + _("The chair decided: %s.") % decision
    poll.result = result
    poll.save(update_fields=["tie_decision", "tie_decided_by", "result"])
    _publish_poll(poll, "poll.tie_decided", actor, {"winners": list(winners)})
    return poll


@transaction.atomic
def poll_publish(*, actor: Member, poll: Poll) -> Poll:
    """closed -> published: the result becomes the record. A tie left to the
    chair must be decided first."""
    poll = _lock_poll(poll.pk)
    _require_control(actor, poll.meeting)
    if poll.state != Poll.State.CLOSED:
        raise Conflict(_("Only a closed poll can be published."))
    if (poll.result or {}).get("tied"):
        raise Conflict(_("Decide the tie first."))
    poll.state = Poll.State.PUBLISHED
    poll.published_at = timezone.now()
    poll.save(update_fields=["state", "published_at"])
    _publish_poll(poll, "poll.published", actor, {})
    return poll
