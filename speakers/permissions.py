"""Who may do what with the speakers' list: one table, read by every service.

Roles are the roster's (meetings.models.Participant.Role). Someone not on the
roster (a guest) holds no role, so may do nothing here; a superuser may do
what the chair may.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.exceptions import NotAllowed
from meetings.models import Meeting, Member, Participant
from meetings.selectors import participant_for

Role = Participant.Role

# action -> the roles that may take it.
PERMISSIONS: dict[str, frozenset[str]] = {
    # Ask to speak (any kind) for oneself, and withdraw one's own request.
    "speakers.request": frozenset({Role.VOTER, Role.CHAIR, Role.CLERK}),
    # Add a speaker on a member's behalf, withdraw anyone's request, reorder,
    # call, start, pause and stop the time, close and reopen the list.
    "speakers.manage": frozenset({Role.CHAIR, Role.CLERK}),
    # Speaking time, speeches per member, first-time speakers first.
    "speakers.settings": frozenset({Role.CHAIR, Role.CLERK}),
    # Download the speakers' CSV (history with real times).
    "speakers.export": frozenset({Role.CHAIR, Role.CLERK}),
    # Be put on the list by the chair or a clerk.
    "speakers.be_added": frozenset({Role.VOTER, Role.CHAIR, Role.CLERK}),
}

REFUSALS = {
    "speakers.request": _("Observers and guests may not ask to speak."),
    "speakers.manage": _(
        "Only the chair or a clerk of this meeting may manage the speakers' list."
    ),
    "speakers.settings": _("Only the chair or a clerk of this meeting may change these settings."),
    "speakers.export": _("Only the chair or a clerk of this meeting may export the speakers."),
    "speakers.be_added": _("Observers and guests may not be added to the speakers' list."),
}


def role_may(role: str | None, action: str) -> bool:
    return role is not None and role in PERMISSIONS[action]


def require(action: str, actor: Member, meeting: Meeting) -> Participant | None:
    """The actor's place on the roster if they may take the action; a
    superuser passes every staff action (with no place). NotAllowed otherwise."""
    participant = participant_for(meeting.pk, actor)
    if participant is not None and role_may(participant.role, action):
        return participant
    if actor.is_superuser and action != "speakers.request":
        return participant
    raise NotAllowed(str(REFUSALS[action]))
