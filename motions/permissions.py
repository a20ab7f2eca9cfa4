"""Who may do what with motions: their rows of the meeting-wide table
(meetings.permissions, listed in docs/permissions.md).

Observers and guests follow the meeting but may not submit, support or amend.
The chair admits, refers, puts to the vote and composes the resolution. A
superuser (the support tool's operator) may do everything.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import NotAllowed
from meetings.models import Meeting, Member, Participant
from meetings.permissions import action_roles, register_action
from meetings.selectors import participant_for

CHAIR = Participant.Role.CHAIR.value
CLERK = Participant.Role.CLERK.value
VOTER = Participant.Role.VOTER.value

MEMBERS = frozenset({CHAIR, CLERK, VOTER})


def _action(name: str, roles: frozenset[str], label: str | Promise) -> str:
    return register_action(name, roles, label=label, app="motions")


MOTION_SUBMIT = _action("motion.submit", MEMBERS, gettext_lazy("Submit a motion"))
MOTION_SUPPORT = _action("motion.support", MEMBERS, gettext_lazy("Support a motion"))
AMENDMENT_SUBMIT = _action("amendment.submit", MEMBERS, gettext_lazy("Propose an amendment"))
MOTION_ADMIT = _action(
    "motion.admit", frozenset({CHAIR}), gettext_lazy("Admit a motion to an agenda item")
)
MOTION_VOTE = _action(
    "motion.vote", frozenset({CHAIR}), gettext_lazy("Put an amendment or a motion to the vote")
)
MOTION_REFER = _action(
    "motion.refer", frozenset({CHAIR}), gettext_lazy("Refer a motion, or withdraw another's")
)
MOTION_PROJECT = _action(
    "motion.project", frozenset({CHAIR, CLERK}), gettext_lazy("Show a motion on the projector")
)
MOTION_SETTINGS = _action(
    "motion.settings", frozenset({CHAIR}), gettext_lazy("Change the motion settings")
)
RESOLUTION_MANAGE = _action(
    "resolution.manage",
    frozenset({CHAIR}),
    gettext_lazy("Gather the resolution and put it to the vote"),
)

TABLE: dict[str, frozenset[str]] = {
    name: action_roles(name)
    for name in (
        MOTION_SUBMIT,
        MOTION_SUPPORT,
        AMENDMENT_SUBMIT,
        MOTION_ADMIT,
        MOTION_VOTE,
        MOTION_REFER,
        MOTION_PROJECT,
        MOTION_SETTINGS,
        RESOLUTION_MANAGE,
    )
}


def role_may(role: str, action: str) -> bool:
    return role in TABLE[action]


def require(*, actor: Member, meeting: Meeting, action: str) -> Participant | None:
    """The actor's participant row if their role may do `action` (None for a
    superuser who is not on the roster); NotAllowed otherwise."""
    participant = participant_for(meeting.pk, actor)
    if actor.is_superuser:
        return participant
    if participant is None:
        raise NotAllowed(_("You are not on this meeting's roster."))
    if participant.role not in TABLE[action]:
        if TABLE[action] == MEMBERS:
            raise NotAllowed(_("Observers and guests may not submit, support or amend motions."))
        raise NotAllowed(_("Only the chair of this meeting may do this."))
    return participant


def allowed_actions(participant: Participant | None) -> list[str]:
    """What a page offers its viewer."""
    if participant is None:
        return []
    return sorted(action for action, roles in TABLE.items() if participant.role in roles)
