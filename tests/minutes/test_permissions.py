"""The minutes' rows of the permission table, role by role, through the
real services (as tests/meetings/test_permissions.py does for its apps)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.exceptions import NotAllowed
from meetings import permissions
from meetings import services as meeting_services
from meetings.models import Member
from minutes import selectors, services
from tests.conftest import World
from tests.meetings.test_permissions import actor_with_role

Case = Callable[[World, Member], object]


def _closed(world: World) -> World:
    world.meeting.refresh_from_db()
    if world.meeting.status == "scheduled":
        meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
        meeting_services.meeting_close(actor=world.chair, meeting=world.meeting)
        world.meeting.refresh_from_db()
    return world


CASES: dict[str, Case] = {
    "minutes.view": lambda w, a: selectors.minutes_meeting_get(meeting_id=w.meeting.pk, member=a),
    "minutes.write": lambda w, a: services.minutes_note_save(
        actor=a, meeting=w.meeting, agenda_item_id=w.items[0].pk, text="Noted."
    ),
    "minutes.finalise": lambda w, a: (
        _closed(w),
        services.minutes_finalise(actor=a, meeting=w.meeting),
    ),
}


def test_every_action_of_the_minutes_has_a_case() -> None:
    registered = {a.name for a in permissions.actions() if a.app == "minutes"}
    assert registered == set(CASES)


@pytest.mark.parametrize("role", permissions.ROLES)
@pytest.mark.parametrize("action", sorted(CASES))
def test_the_minutes_rows_are_what_the_services_enforce(
    world: World, action: str, role: str
) -> None:
    actor = actor_with_role(world, role)
    if permissions.role_may(role, action):
        CASES[action](world, actor)
    else:
        with pytest.raises(NotAllowed):
            CASES[action](world, actor)


def test_a_member_outside_the_union_may_do_nothing(world: World) -> None:
    for action, case in sorted(CASES.items()):
        with pytest.raises(NotAllowed):
            case(world, world.outsider)
        assert not permissions.allowed(actor=world.outsider, meeting=world.meeting, action=action)


def test_the_secretary_is_the_chair_or_a_clerk() -> None:
    assert permissions.action_roles("minutes.write") == {permissions.CHAIR, permissions.CLERK}
    assert permissions.action_roles("minutes.finalise") == {permissions.CHAIR, permissions.CLERK}
    assert permissions.OFFICER in permissions.action_roles("minutes.view")
