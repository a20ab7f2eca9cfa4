"""Who may do what with the speakers' list: the app's rows of the
meeting-wide table (meetings.permissions, docs/permissions.md), registered
when this module is imported (by the services, from SpeakersConfig.ready()).

A participant whose role the row does not name (an observer, a guest) and
anyone not on the roster may do nothing here; a superuser may do what the
chair may, but asks to speak only from a place on the roster.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.exceptions import NotAllowed
from meetings import permissions as table
from meetings.models import Meeting, Member, Participant
from meetings.permissions import CHAIR, CLERK, VOTER
from meetings.selectors import participant_for


def _action(name: str, roles: set[str], label: str | Promise) -> str:
    return table.register_action(name, roles, label=label, app="speakers")


# Ask to speak (any kind) for oneself, and withdraw one's own request.
SPEAKERS_REQUEST = _action("speakers.request", {VOTER, CHAIR, CLERK}, _("Ask to speak"))
# Be put on the list by the chair or a clerk.
SPEAKERS_BE_ADDED = _action(
    "speakers.be_added", {VOTER, CHAIR, CLERK}, _("Be added to the speakers' list")
)
# Add on a member's behalf, withdraw anyone's request, reorder, call, start,
# pause and stop the time, close and reopen the list.
SPEAKERS_MANAGE = _action("speakers.manage", {CHAIR, CLERK}, _("Call and time speakers"))
# Speaking time, speeches per member, first-time speakers first.
SPEAKERS_SETTINGS = _action(
    "speakers.settings", {CHAIR, CLERK}, _("Change the speakers' list settings")
)
# Download the speakers' CSV (history with real times).
SPEAKERS_EXPORT = _action("speakers.export", {CHAIR, CLERK}, _("Download the speakers (CSV)"))

REFUSALS = {
    SPEAKERS_REQUEST: _("Observers and guests may not ask to speak."),
    SPEAKERS_MANAGE: _("Only the chair or a clerk of this meeting may manage the speakers' list."),
    SPEAKERS_SETTINGS: _("Only the chair or a clerk of this meeting may change these settings."),
    SPEAKERS_EXPORT: _("Only the chair or a clerk of this meeting may export the speakers."),
    SPEAKERS_BE_ADDED: _("Observers and guests may not be added to the speakers' list."),
}

Role = Participant.Role


def role_may(role: str | None, action: str) -> bool:
    return role is not None and table.role_may(role, action)


def require(action: str, actor: Member, meeting: Meeting) -> Participant | None:
    """The actor's place on the roster if they may take the action; a
    superuser passes every staff action (with no place). NotAllowed otherwise."""
    participant = participant_for(meeting.pk, actor)
    if participant is not None and role_may(participant.role, action):
        return participant
    if actor.is_superuser and action != SPEAKERS_REQUEST:
        return participant
    raise NotAllowed(str(REFUSALS[action]))
