"""CSV exports: the results of a meeting's polls, and the ballot list of a
named poll. Reads only (selectors-style); the API wraps them in a download.

Files are UTF-8 with a byte order mark, so that Excel shows Vietnamese (and
Arabic) names correctly, and cells that a spreadsheet would run as a formula
are defused.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from core.downloads import CsvFile, local_time, render_csv
from meetings.models import Meeting
from voting import rules
from voting.exceptions import Conflict
from voting.models import Ballot, Poll
from voting.selectors import result_sentence

COUNTED_STATES = (Poll.State.CLOSED, Poll.State.PUBLISHED)


def _weight(value: Any) -> str:
    """A weight as people write it: 57, 2.5."""
    try:
        return rules.fmt(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return ""


def meeting_results_csv(*, meeting: Meeting) -> CsvFile:
    """Every closed or published poll of the meeting: one row per option with
    its weight and number of ballots, and the poll's result sentence."""
    header = [
        _("Poll"),
        _("Question"),
        _("Kind"),
        _("Secrecy"),
        _("State"),
        _("Closed at"),
        _("Majority"),
        _("Base"),
        _("Option"),
        _("Weight"),
        _("Ballots"),
        _("Chosen"),
        _("Total ballots"),
        _("Weight cast"),
        _("Abstentions (weight)"),
        _("Result"),
    ]
    polls = Poll.objects.filter(meeting=meeting, state__in=COUNTED_STATES).order_by(
        "closed_at", "pk"
    )
    rows: list[list[Any]] = []
    for poll in polls:
        result = poll.result or {}
        winners = set(result.get("winners") or [])
        for option in result.get("options") or []:
            rows.append(
                [
                    poll.pk,
                    poll.title,
                    poll.get_kind_display(),
                    poll.get_secrecy_display(),
                    poll.get_state_display(),
                    local_time(poll.closed_at, meeting.zone),
                    poll.get_majority_display(),
                    poll.get_base_display(),
                    option.get("label", ""),
                    _weight(option.get("weight", "0")),
                    option.get("ballots", 0),
                    _("yes") if option.get("id") in winners else "",
                    result.get("ballots", 0),
                    _weight(result.get("cast_weight", "0")),
                    _weight(result.get("abstain_weight", "0")),
                    result_sentence(result),
                ]
            )
    return CsvFile(f"meeting-{meeting.pk}-results.csv", render_csv(header, rows))


def poll_ballots_csv(*, poll: Poll) -> CsvFile:
    """Who voted what on a named poll, once it is closed: one row per ballot
    with the voter, the member they voted for (a proxy ballot), the member
    number whose vote it is, the choices and the weight.

    Conflict for a secret poll (there is no such list) and for a poll that
    is not closed yet.
    """
    if poll.secrecy != Poll.Secrecy.NAMED:
        raise Conflict(
            _("This is a secret poll: there is no list of who voted what."), code="secret_poll"
        )
    if poll.state not in COUNTED_STATES:
        raise Conflict(
            _("The ballot list is available once the poll is closed."), code="poll_not_closed"
        )
    labels = dict(poll.options.values_list("pk", "label"))
    ballots = (
        Ballot.objects.filter(poll=poll)
        .select_related(
            "roll_entry__member__member", "roll_entry__caster__member", "roll_entry__mark"
        )
        .order_by("roll_entry__member__member__full_name", "receipt_code")
    )
    header = [
        _("Voter"),
        _("On behalf of"),
        _("Member number"),
        _("Choices"),
        _("Weight"),
        _("Method"),
        _("Receipt code"),
    ]
    rows: list[list[Any]] = []
    for ballot in ballots:
        entry = ballot.roll_entry
        if entry is None:  # cannot happen for a named poll; keep the row anyway
            rows.append(["", "", "", "", _weight(ballot.weight), "", ballot.receipt_code])
            continue
        mark = getattr(entry, "mark", None)
        rows.append(
            [
                entry.caster.member.full_name,
                entry.member.member.full_name if entry.is_proxy else "",
                entry.member.member.member_number,
                "; ".join(str(labels.get(c, c)) for c in ballot.choices),
                _weight(ballot.weight),
                mark.get_method_display() if mark is not None else "",
                ballot.receipt_code,
            ]
        )
    return CsvFile(f"poll-{poll.pk}-ballots.csv", render_csv(header, rows))
