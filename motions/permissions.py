"""Who may do what with motions: one table, action -> roles on the roster.

Observers and guests follow the meeting but may not submit, support or amend.
The chair admits, refers, puts to the vote and composes the resolution. A
superuser (the support tool's operator) may do everything. When the
meeting-wide table (meetings.permissions) is on main, these rows register
there; until then they live here, with the same shape.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.exceptions import NotAllowed
from meetings.models import Meeting, Member, Participant
from meetings.selectors import participant_for

CHAIR = Participant.Role.CHAIR.value
CLERK = Participant.Role.CLERK.value
VOTER = Participant.Role.VOTER.value

MEMBERS = frozenset({CHAIR, CLERK, VOTER})

MOTION_SUBMIT = "motion.submit"
MOTION_SUPPORT = "motion.support"
AMENDMENT_SUBMIT = "amendment.submit"
MOTION_ADMIT = "motion.admit"
MOTION_VOTE = "motion.vote"
MOTION_REFER = "motion.refer"
MOTION_PROJECT = "motion.project"
MOTION_SETTINGS = "motion.settings"
RESOLUTION_MANAGE = "resolution.manage"

TABLE: dict[str, frozenset[str]] = {
    MOTION_SUBMIT: MEMBERS,
    MOTION_SUPPORT: MEMBERS,
    AMENDMENT_SUBMIT: MEMBERS,
    MOTION_ADMIT: frozenset({CHAIR}),
    MOTION_VOTE: frozenset({CHAIR}),
    MOTION_REFER: frozenset({CHAIR}),
    MOTION_PROJECT: frozenset({CHAIR, CLERK}),
    MOTION_SETTINGS: frozenset({CHAIR}),
    RESOLUTION_MANAGE: frozenset({CHAIR}),
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
