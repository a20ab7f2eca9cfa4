"""The voting app's rows of the permission table (meetings.permissions)."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from meetings.permissions import (
    CHAIR,
    CLERK,
    OFFICER,
    allowed,
    register_action,
    require,
    role_may,
)

__all__ = ["allowed", "require", "role_may"]


def _action(name: str, roles: set[str], label: str | Promise) -> str:
    return register_action(name, roles, label=label, app="voting")


# Polls are prepared ahead by the union's officers or the chair; only the
# chair runs them in the room.
POLL_PREPARE = _action("poll.prepare", {OFFICER, CHAIR}, _("Create, edit and reorder draft polls"))
POLL_OPEN = _action("poll.open", {CHAIR}, _("Open a poll"))
POLL_CLOSE = _action("poll.close", {CHAIR}, _("Close a poll"))
POLL_CANCEL = _action("poll.cancel", {CHAIR}, _("Cancel a poll"))
POLL_DECIDE_TIE = _action("poll.decide_tie", {CHAIR}, _("Decide a tie"))
POLL_PUBLISH = _action("poll.publish", {CHAIR}, _("Publish a poll's record to the board"))
POLL_ROLL_VIEW = _action("poll.roll_view", {CHAIR, CLERK}, _("See a poll's electoral roll"))
POLL_TELLERS = _action(
    "poll.tellers", {CHAIR}, _("Name the tellers of an encrypted poll and their threshold")
)
BALLOT_PAPER = _action("ballot.paper", {CHAIR, CLERK}, _("Enter a paper ballot"))
