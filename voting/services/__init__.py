"""Writes for polls and ballots: create, open (freezing the roll), cast,
paper ballots, close (counting by the poll's rule), cancel, publish.

REST views and the meeting socket call these functions and nothing else.
"""

from voting.services.ballots import (
    RECEIPT_ALPHABET,
    Receipt,
    ballot_cast,
    normalise_receipt,
    paper_ballot_enter,
    validate_choices,
)
from voting.services.closing import (
    poll_close,
    polls_close_due,
    tally,
)
from voting.services.polls import (
    MAX_OPTIONS,
    poll_cancel,
    poll_create,
    poll_decide_tie,
    poll_open,
    poll_publish,
    poll_update,
    polls_reorder,
)

__all__ = [
    "MAX_OPTIONS",
    "RECEIPT_ALPHABET",
    "Receipt",
    "ballot_cast",
    "normalise_receipt",
    "paper_ballot_enter",
    "poll_cancel",
    "poll_close",
    "poll_create",
    "poll_decide_tie",
    "poll_open",
    "poll_publish",
    "poll_update",
    "polls_close_due",
    "polls_reorder",
    "tally",
    "validate_choices",
]
