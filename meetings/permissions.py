"""Who may do what in a meeting: one table, action -> roles.

Every service that changes a meeting calls `require(actor=..., meeting=...,
action=...)` before it writes, so the REST API, the socket, the admin and the
commands refuse alike. The table is docs/permissions.md; tests/meetings/
test_permissions.py calls the service behind every action as every role.

Roles are the participant's role on the meeting's roster, plus `officer`: an
officer of the meeting's union, who prepares meetings without being on their
roster. A superuser (the support tool's operator) may do everything.

Apps register their own actions at import time, from the module their
services import (voting.permissions, documents.permissions, and later
speakers or motions), and import that module from `AppConfig.ready()` so the
table is complete before the first request.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import NotAllowed
from meetings.models import Meeting, Member, Participant, Union
from meetings.selectors import participant_for, union_is_officer

OFFICER = "officer"
CHAIR = Participant.Role.CHAIR.value
CLERK = Participant.Role.CLERK.value
VOTER = Participant.Role.VOTER.value
OBSERVER = Participant.Role.OBSERVER.value
GUEST = Participant.Role.GUEST.value

# The table's columns, in the order the docs show them.
ROLES: tuple[str, ...] = (OFFICER, CHAIR, CLERK, VOTER, OBSERVER, GUEST)


@dataclass(frozen=True)
class Action:
    name: str
    roles: frozenset[str]
    label: str | Promise
    app: str


_TABLE: dict[str, Action] = {}


def register_action(
    name: str, roles: set[str] | frozenset[str], *, label: str | Promise, app: str
) -> str:
    """Add an action to the table and return its name (for the caller's
    constant). Registering the same name again with other roles is a
    programming error."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"Unknown roles for {name}: {sorted(unknown)}")
    action = Action(name=name, roles=frozenset(roles), label=label, app=app)
    existing = _TABLE.get(name)
    if existing is not None and existing != action:
        raise ValueError(f"The action {name} is already registered with other roles.")
    _TABLE[name] = action
    return name


def actions() -> list[Action]:
    """Every registered action, in registration order."""
    return list(_TABLE.values())


def action_roles(name: str) -> frozenset[str]:
    return _TABLE[name].roles


def role_may(role: str, name: str) -> bool:
    return role in _TABLE[name].roles


def _refusal(roles: frozenset[str]) -> str:
    staff = roles - {OFFICER}
    if staff == {CHAIR, CLERK}:
        return _("Only the chair or a clerk of this meeting may do this.")
    if staff == {CHAIR} and OFFICER in roles:
        return _("Only the chair of this meeting or an officer of its union may do this.")
    if staff == {CHAIR}:
        return _("Only the chair of this meeting may do this.")
    if not staff and OFFICER in roles:
        return _("Only an officer of this union may do this.")
    return _("Your role in this meeting does not allow this.")


def allowed(*, actor: Member, meeting: Meeting, action: str) -> bool:
    roles = _TABLE[action].roles
    if not actor.is_authenticated:
        return False
    if actor.is_superuser:
        return True
    participant = participant_for(meeting.pk, actor)
    if participant is not None and participant.role in roles:
        return True
    return OFFICER in roles and union_is_officer(actor, meeting.union)


def require(*, actor: Member, meeting: Meeting, action: str) -> None:
    """NotAllowed unless the actor's role in the meeting (or as an officer of
    its union) may do `action`."""
    if not allowed(actor=actor, meeting=meeting, action=action):
        raise NotAllowed(_refusal(_TABLE[action].roles))


def require_in_union(*, actor: Member, union: Union, action: str) -> None:
    """For the union's own actions (before there is a meeting): NotAllowed
    unless the actor is an officer of the union and the action allows officers."""
    if actor.is_superuser:
        return
    if OFFICER in _TABLE[action].roles and union_is_officer(actor, union):
        return
    raise NotAllowed(_("Only officers of %(union)s may do this.") % {"union": union.name})


def allowed_actions(*, actor: Member, meeting: Meeting) -> frozenset[str]:
    """Every action the actor may take in the meeting: what a page offers.
    Two queries at most, whatever the table's size."""
    if actor.is_superuser:
        return frozenset(_TABLE)
    participant = participant_for(meeting.pk, actor)
    roles = {participant.role} if participant is not None else set()
    if union_is_officer(actor, meeting.union):
        roles.add(OFFICER)
    return frozenset(name for name, action in _TABLE.items() if roles & action.roles)


def _meetings_action(name: str, roles: set[str], label: str | Promise) -> str:
    return register_action(name, roles, label=label, app="meetings")


# --- the union's own actions ---------------------------------------------------
MEETING_CREATE = _meetings_action("meeting.create", {OFFICER}, gettext_lazy("Create a meeting"))
MEMBERS_IMPORT = _meetings_action(
    "members.import", {OFFICER}, gettext_lazy("Import members from CSV")
)

# --- preparing a meeting -------------------------------------------------------
MEETING_EDIT = _meetings_action(
    "meeting.edit", {OFFICER, CHAIR}, gettext_lazy("Edit the meeting and its settings")
)
AGENDA_EDIT = _meetings_action(
    "agenda.edit", {OFFICER, CHAIR}, gettext_lazy("Add, edit, remove and reorder agenda items")
)
ROSTER_EDIT = _meetings_action(
    "roster.edit", {OFFICER, CHAIR}, gettext_lazy("Add, edit and remove participants")
)
# Proxy forms are often handed in at the door, so clerks register them too.
PROXY_REGISTER = _meetings_action(
    "proxy.register",
    {OFFICER, CHAIR, CLERK},
    gettext_lazy("Register or revoke a proxy for another member"),
)

# --- running it ------------------------------------------------------------------
MEETING_START = _meetings_action("meeting.start", {CHAIR}, gettext_lazy("Start the meeting"))
MEETING_CLOSE = _meetings_action("meeting.close", {CHAIR}, gettext_lazy("Close the meeting"))
AGENDA_ADVANCE = _meetings_action(
    "agenda.advance", {CHAIR}, gettext_lazy("Move to the next or previous agenda item")
)
PROJECTOR_LINKS = _meetings_action(
    "projector.links", {CHAIR}, gettext_lazy("Create and revoke projector links")
)

# --- the door ----------------------------------------------------------------------
ATTENDANCE_CHECK_IN = _meetings_action(
    "attendance.check_in", {CHAIR, CLERK}, gettext_lazy("Check members in and out")
)
ATTENDANCE_VIEW = _meetings_action(
    "attendance.view", {CHAIR, CLERK}, gettext_lazy("See the attendance list and log")
)
BADGES_ISSUE = _meetings_action(
    "badges.issue", {CHAIR, CLERK}, gettext_lazy("Print and revoke members' badges")
)
INVITATIONS_MANAGE = _meetings_action(
    "invitations.manage", {CHAIR, CLERK}, gettext_lazy("Create and revoke login invitations")
)
