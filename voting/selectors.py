"""Reads for polls: what a client sees of a poll, turnout, the voter's own state."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core import plainsql
from core.exceptions import NotAllowed, NotFound
from meetings.models import Meeting, Member, Participant, Proxy
from meetings.selectors import Viewer, meeting_get_for_viewer, participant_for
from voting import permissions, rules
from voting.models import Ballot, Poll, PollOption, PollSeal, RollEntry, RollMark, Teller


def poll_payload(poll: Poll, options: Sequence[PollOption] | None = None) -> dict[str, Any]:
    """A poll as every client of the meeting may see it. Results appear only
    once the poll is closed; live tallies travel separately to chair and
    projector."""
    if options is None:
        options = list(poll.options.all())
    return {
        "id": poll.pk,
        "title": poll.title,
        "position": poll.position,
        "description": poll.description,
        "kind": poll.kind,
        "secrecy": poll.secrecy,
        "results_visibility": poll.results_visibility,
        "allow_remote": poll.allow_remote,
        "min_choices": poll.min_choices,
        "max_choices": poll.max_choices,
        "seats": poll.seats,
        "majority": poll.majority,
        "base": poll.base,
        "tie_rule": poll.tie_rule,
        "close_when_all_voted": poll.close_when_all_voted,
        "agenda_item_id": poll.agenda_item_id,
        "state": poll.state,
        "options": [{"id": o.pk, "label": o.label, "role": o.role} for o in options],
        "opened_at": poll.opened_at,
        "closes_at": poll.closes_at,
        "closed_at": poll.closed_at,
        "cancel_reason": poll.cancel_reason,
        "quorum": poll.quorum,
        # As stored (four decimals), also for a poll just created in memory.
        "entitled_weight": str(poll.entitled_weight.quantize(Decimal("0.0001"))),
        "result": poll.result if poll.state in (Poll.State.CLOSED, Poll.State.PUBLISHED) else None,
        "encrypted": poll.encrypted,
        "teller_threshold": poll.teller_threshold,
        "public_key": poll.public_key or None,
        "head_fingerprint": head_fingerprint(poll),
    }


def head_fingerprint(poll: Poll) -> str | None:
    """A closed poll's signed tree head, as the projector and the board show
    it: the first 16 hex digits of its hash, grouped. One query unless the
    poll was fetched with select_related("seal")."""
    if poll.state not in (Poll.State.CLOSED, Poll.State.PUBLISHED):
        return None
    try:
        digest = poll.seal.head_hash
    except PollSeal.DoesNotExist:
        return None
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def result_sentence(result: dict[str, Any] | None) -> str:
    """A closed poll's result sentence in the reader's (the active) language.
    Results keep it in every site language ("sentences"); results stored
    before that have only "sentence", in the language of whoever closed."""
    if not result:
        return ""
    sentences = result.get("sentences") or {}
    return str(sentences.get(get_language()) or result.get("sentence", ""))


def result_payload(
    poll: Poll,
    options: Sequence[rules.Option],
    totals: rules.Totals,
    counts: dict[int, int],
    outcome: rules.Outcome,
    ballots: int,
) -> dict[str, Any]:
    """The stored result: the rule, the base, the quorum, every number, and the
    sentence. Decimals are strings."""
    return {
        "sentence": outcome.sentence,
        "carried": outcome.carried,
        "winners": outcome.winners,
        "tied": outcome.tied,
        "seats_open": outcome.seats_open,
        "lot_seed": poll.lot_seed,
        "lot_draw": outcome.lot_draw,
        "rule": {"majority": poll.majority, "base": poll.base, "tie": poll.tie_rule},
        "base_weight": str(outcome.base),
        "required": str(outcome.required) if outcome.required is not None else None,
        "quorum": poll.quorum,
        "ballots": ballots,
        "cast_weight": str(totals.cast),
        "abstain_weight": str(totals.abstain),
        "valid_weight": str(totals.cast - totals.abstain),
        "present_weight": str(totals.present),
        "entitled_weight": str(totals.entitled),
        "options": [
            {
                "id": o.id,
                "label": o.label,
                "role": o.role.value,
                "weight": str(totals.by_option.get(o.id, Decimal(0))),
                "ballots": counts.get(o.id, 0),
            }
            for o in options
        ],
    }


def turnout(poll_id: int) -> dict[str, Any]:
    """Ballots and weight cast, of the roll. Two queries."""
    cast = Ballot.objects.filter(poll_id=poll_id).aggregate(n=Count("pk"), w=Sum("weight"))
    roll = RollEntry.objects.filter(poll_id=poll_id).aggregate(n=Count("pk"), w=Sum("weight"))
    return {
        "poll_id": poll_id,
        "ballots": cast["n"],
        "weight": str(_exact_sum(cast["w"])),
        "entitled": roll["n"],
        "entitled_weight": str(_exact_sum(roll["w"])),
    }


def _exact_sum(total: Decimal | None) -> Decimal:
    """A SUM of weights as stored (four decimals). SQLite adds decimals as
    floats (94.4988999999999 for 94.4989); weights have four decimals, so
    rounding to four restores the exact sum. PostgreSQL's is exact already."""
    return (total or Decimal(0)).quantize(Decimal("0.0001"))


def live_tally(poll_id: int) -> list[dict[str, Any]]:
    """Running weight and ballots per option (named polls with live results only)."""
    weights: dict[int, Decimal] = {}
    counts: dict[int, int] = {}
    for choices, weight in Ballot.objects.filter(poll_id=poll_id).values_list("choices", "weight"):
        for c in choices:
            weights[c] = weights.get(c, Decimal(0)) + weight
            counts[c] = counts.get(c, 0) + 1
    return [
        {"id": oid, "weight": str(weights.get(oid, Decimal(0))), "ballots": counts.get(oid, 0)}
        for oid in PollOption.objects.filter(poll_id=poll_id)
        .order_by("position")
        .values_list("pk", flat=True)
    ]


def my_votes(poll_ids: Sequence[int], participant: Participant | None) -> dict[int, list[dict]]:
    """For each poll, the viewer's own roll entries (themselves and proxies they
    carry) and whether each has voted. Never which choice, for secret polls."""
    if participant is None or not poll_ids:
        return {}
    out: dict[int, list[dict[str, Any]]] = {}
    entries = (
        RollEntry.objects.filter(poll_id__in=poll_ids, caster=participant)
        .select_related("member__member")
        .order_by("poll_id", "id")
    )
    voted = set(
        RollMark.objects.filter(roll_entry__in=entries).values_list("roll_entry_id", flat=True)
    )
    for entry in entries:
        out.setdefault(entry.poll_id, []).append(
            {
                "roll_entry_id": entry.pk,
                "on_behalf_of": None if not entry.is_proxy else entry.member_id,
                "name": entry.member.member.full_name,
                "weight": str(entry.weight),
                "voted": entry.pk in voted,
            }
        )
    return out


def board_encrypted(meeting_id: int) -> tuple[set[int], list[dict[str, Any]]]:
    """For the bulletin board: the ids of the meeting's encrypted polls (their
    receipts are trackers, their entries hold no choices), and the encrypted
    polls closed and awaiting their tellers ({"id", "title"}, oldest first)."""
    rows = Poll.objects.filter(meeting_id=meeting_id, encrypted=True, opened_at__isnull=False)
    encrypted, waiting = set(), []
    for pk, title, state in rows.order_by("closed_at", "id").values_list("pk", "title", "state"):
        encrypted.add(pk)
        if state == Poll.State.DECRYPTING:
            waiting.append({"id": pk, "title": title})
    return encrypted, waiting


def visible_polls(meeting_id: int, *, staff: bool) -> QuerySet[Poll]:
    """Chair and clerks see every poll; others only polls that were opened."""
    polls = Poll.objects.filter(meeting_id=meeting_id).select_related("seal")
    return polls if staff else polls.filter(opened_at__isnull=False)


def voting_snapshot(
    *, meeting_id: int, participant: Participant | None, staff: bool, sees_tally: bool
) -> dict:
    """The voting part of the snapshot: what every viewer of this kind shares,
    and the viewer's own part. The query count does not grow with the number
    of polls (pinned by a test)."""
    shared = voting_shared_snapshot(meeting_id=meeting_id, staff=staff, sees_tally=sees_tally)
    return {**shared, **voting_viewer_snapshot(shared=shared, participant=participant)}


def voting_shared_snapshot(*, meeting_id: int, staff: bool, sees_tally: bool) -> dict[str, Any]:
    """The meeting's polls and the open poll's turnout, with the running tally
    for chair and projector where the poll shows it live. Drafts only for chair
    and clerks. The same for every viewer of one kind, so it can be cached."""
    polls = list(
        visible_polls(meeting_id, staff=staff)
        .prefetch_related("options")
        .order_by("position", "id")
    )
    open_poll = next((p for p in polls if p.state == Poll.State.OPEN), None)
    current = None
    if open_poll is not None:
        current = turnout(open_poll.pk)
        if sees_tally and open_poll.live_results:
            current["tally"] = live_tally(open_poll.pk)
    return {
        "polls": [poll_payload(p, list(p.options.all())) for p in polls],
        "turnout": current,
    }


def voting_viewer_snapshot(
    *, shared: dict[str, Any], participant: Participant | None
) -> dict[str, Any]:
    """The viewer's own roll entries and the proxies they carry, so that a
    phone can show its ballots the moment a poll opens, without asking."""
    poll_ids = [poll["id"] for poll in shared["polls"]]
    return {
        "my_votes": {str(k): v for k, v in my_votes(poll_ids, participant).items()},
        "my_weight": str(participant.vote_weight) if participant else None,
        "my_proxies": carried_proxies(participant),
        "my_teller_polls": teller_polls(participant),
    }


def teller_polls(participant: Participant | None) -> list[dict[str, Any]]:
    """The polls of the meeting this participant is a teller of (cancelled
    ones left out), for the links to the tellers' page. A plain query: it is
    read on every connect."""
    if participant is None:
        return []
    rows = plainsql.fetch_all(
        f"SELECT p.id, p.title FROM {Teller._meta.db_table} t"
        f" JOIN {Poll._meta.db_table} p ON p.id = t.poll_id"
        " WHERE t.participant_id = %s AND p.state <> %s ORDER BY p.position, p.id",
        [participant.pk, Poll.State.CANCELLED.value],
    )
    return [{"id": poll_id, "title": title} for poll_id, title in rows]


def carried_proxies(participant: Participant | None) -> list[dict[str, Any]]:
    """Members whose active proxy the participant carries. A plain query, as
    it is read on every connect (core.plainsql)."""
    if participant is None:
        return []
    rows = plainsql.fetch_all(
        f"SELECT d.id, m.full_name, d.vote_weight FROM {Proxy._meta.db_table} x"
        f" JOIN {Participant._meta.db_table} d ON d.id = x.delegator_id"
        f" JOIN {Member._meta.db_table} m ON m.id = d.member_id"
        " WHERE x.delegate_id = %s AND x.revoked_at IS NULL ORDER BY m.full_name, d.id",
        [participant.pk],
    )
    weight_field = Participant._meta.get_field("vote_weight")
    return [
        {
            "participant_id": delegator,
            "name": name,
            "weight": str(plainsql.from_db(weight_field, weight)),
        }
        for delegator, name, weight in rows
    ]


# --- reads for the REST API -------------------------------------------------------


def voting_viewer(*, meeting: Meeting, member: Member) -> Viewer:
    """The member as a viewer of the meeting's polls: a participant, or a
    superuser (who may control every meeting). NotAllowed for anyone else."""
    participant = participant_for(meeting.pk, member)
    if participant is not None:
        return Viewer(role=participant.role, participant=participant)
    if member.is_superuser:
        return Viewer(role=Participant.Role.CLERK)
    raise NotAllowed(_("You are not on this meeting's roster."))


def poll_get_for_viewer(*, poll_id: int, member: Member) -> tuple[Poll, Viewer]:
    """The poll and the member as its viewer.

    NotFound if there is no such poll, if its meeting is not visible to the
    member, or if it is a draft and the member is neither chair nor clerk;
    NotAllowed if the member may see the meeting but is not on its roster.
    """
    poll = Poll.objects.select_related("meeting__union").filter(pk=poll_id).first()
    if poll is None:
        raise NotFound(_("No such poll."))
    try:
        meeting_get_for_viewer(meeting_id=poll.meeting_id, member=member)
    except NotAllowed as exc:
        raise NotFound(_("No such poll.")) from exc
    viewer = voting_viewer(meeting=poll.meeting, member=member)
    if poll.opened_at is None and not viewer.controls_meeting:
        raise NotFound(_("No such poll."))
    return poll, viewer


def poll_get_for_ceremony(*, poll_id: int, member: Member) -> Poll:
    """As `poll_get_for_viewer`, except that a poll's tellers see it while it
    is a draft: they make its key before it opens."""
    try:
        return poll_get_for_viewer(poll_id=poll_id, member=member)[0]
    except NotFound:
        poll = Poll.objects.select_related("meeting__union").filter(pk=poll_id).first()
        if poll is None or not poll.tellers.filter(participant__member=member).exists():
            raise
        return poll


def meeting_polls(*, meeting: Meeting, viewer: Viewer) -> list[dict[str, Any]]:
    """The meeting's polls as payloads, in the meeting's order (as prepared:
    `position`); drafts only for chair
    and clerks. Two queries."""
    polls = (
        visible_polls(meeting.pk, staff=viewer.controls_meeting)
        .prefetch_related("options")
        .order_by("position", "id")
    )
    return [poll_payload(p, list(p.options.all())) for p in polls]


def poll_detail(*, poll: Poll, viewer: Viewer) -> dict[str, Any]:
    """The poll's payload with its turnout and the viewer's own roll entries."""
    mine = my_votes([poll.pk], viewer.participant).get(poll.pk, [])
    return {**poll_payload(poll), "turnout": turnout(poll.pk), "my_votes": mine}


def poll_turnout(*, poll: Poll, viewer: Viewer) -> dict[str, Any]:
    """Turnout as the `poll.turnout` event carries it: with the poll's state,
    and the running tally for chair and clerks of named polls with live results."""
    data = turnout(poll.pk)
    data["state"] = poll.state
    if viewer.controls_meeting and poll.live_results:
        data["tally"] = live_tally(poll.pk)
    return data


def poll_roll(*, poll: Poll, viewer: Viewer) -> list[dict[str, Any]]:
    """The frozen roll with who has voted and how (chair and clerks only).
    Never what anyone chose. One query."""
    if not permissions.role_may(viewer.role, permissions.POLL_ROLL_VIEW):
        raise NotAllowed(_("Only the chair or a clerk of this meeting may see the roll."))
    entries = (
        RollEntry.objects.filter(poll=poll)
        .select_related("member__member", "caster__member", "mark")
        .order_by("member__member__full_name", "pk")
    )
    rows = []
    for entry in entries:
        mark: RollMark | None = getattr(entry, "mark", None)
        rows.append(
            {
                "roll_entry_id": entry.pk,
                "participant_id": entry.member_id,
                "name": entry.member.member.full_name,
                "member_number": entry.member.member.member_number,
                "weight": str(entry.weight),
                "caster_name": entry.caster.member.full_name,
                "proxy": entry.is_proxy,
                "remote": entry.remote,
                "voted": mark is not None,
                "method": mark.method if mark is not None else None,
            }
        )
    return rows


def projector_result_shown(meeting: Meeting) -> bool:
    """Whether the room's screen, following the meeting, shows a result now:
    a poll closed since the chair last moved on (stage.js freshResult)."""
    closed = Poll.objects.filter(
        meeting=meeting, state__in=[Poll.State.CLOSED, Poll.State.PUBLISHED]
    )
    if meeting.projector_since is not None:
        closed = closed.filter(closed_at__gte=meeting.projector_since)
    return closed.exists()
