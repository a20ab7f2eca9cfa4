"""Rules of meetings, rosters and agendas, called through the services."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from meetings import selectors, services
from meetings.models import AgendaItem, Meeting, Membership, Participant
from tests.conftest import World, build_world
from tests.factories import MemberFactory, MembershipFactory, UnionFactory

pytestmark = pytest.mark.django_db


def states(world: World) -> list[str]:
    return list(
        AgendaItem.objects.filter(meeting=world.meeting)
        .order_by("position")
        .values_list("state", flat=True)
    )


def current_count(world: World) -> int:
    return AgendaItem.objects.filter(meeting=world.meeting, state="current").count()


# --- meetings ----------------------------------------------------------------


def test_officer_creates_meeting_and_becomes_chair(world: World) -> None:
    meeting = services.meeting_create(
        actor=world.chair, union=world.union, title="  Congress ", starts_at=timezone.now()
    )
    assert meeting.title == "Congress"
    assert meeting.status == Meeting.Status.SCHEDULED
    assert Participant.objects.get(meeting=meeting, member=world.chair).role == "chair"


@pytest.mark.parametrize("who", ["clerk", "voter", "outsider"])
def test_only_officers_create_meetings(world: World, who: str) -> None:
    actor = {"clerk": world.clerk, "voter": world.voters[0], "outsider": world.outsider}[who]
    with pytest.raises(NotAllowed):
        services.meeting_create(actor=actor, union=world.union, title="X", starts_at=timezone.now())
    assert Meeting.objects.count() == 1


def test_meeting_needs_a_title(world: World) -> None:
    with pytest.raises(InvalidInput):
        services.meeting_create(
            actor=world.chair, union=world.union, title="   ", starts_at=timezone.now()
        )


def test_start_makes_first_item_current_and_close_marks_it_done(world: World) -> None:
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    assert states(world) == ["current", "pending", "pending"]
    with pytest.raises(Conflict):
        services.meeting_start(actor=world.chair, meeting=world.meeting)
    with pytest.raises(NotAllowed):
        services.meeting_close(actor=world.clerk, meeting=world.meeting)
    services.meeting_close(actor=world.chair, meeting=world.meeting)
    world.meeting.refresh_from_db()
    assert world.meeting.status == Meeting.Status.CLOSED
    assert states(world) == ["done", "pending", "pending"]
    with pytest.raises(Conflict):
        services.meeting_close(actor=world.chair, meeting=world.meeting)


def test_voter_cannot_start_or_update(world: World) -> None:
    with pytest.raises(NotAllowed):
        services.meeting_start(actor=world.voters[0], meeting=world.meeting)
    with pytest.raises(NotAllowed):
        services.meeting_update(actor=world.voters[0], meeting=world.meeting, title="Mine")
    world.meeting.refresh_from_db()
    assert world.meeting.status == Meeting.Status.SCHEDULED


def test_update_refuses_unknown_fields(world: World) -> None:
    with pytest.raises(InvalidInput):
        services.meeting_update(actor=world.chair, meeting=world.meeting, status="closed")


# --- agenda advance ---------------------------------------------------------


def test_advance_walks_forward_and_back_keeping_one_current(world: World) -> None:
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    services.agenda_advance(actor=world.chair, meeting=world.meeting, direction="next")
    assert states(world) == ["done", "current", "pending"]
    with pytest.raises(NotAllowed):
        services.agenda_advance(actor=world.clerk, meeting=world.meeting, direction="next")
    services.agenda_advance(actor=world.chair, meeting=world.meeting, direction="next")
    assert states(world) == ["done", "done", "current"]
    with pytest.raises(Conflict, match="last"):
        services.agenda_advance(actor=world.chair, meeting=world.meeting, direction="next")
    services.agenda_advance(actor=world.chair, meeting=world.meeting, direction="previous")
    assert states(world) == ["done", "current", "pending"]
    services.agenda_advance(actor=world.chair, meeting=world.meeting, item_id=world.items[0].pk)
    assert states(world) == ["current", "pending", "pending"]
    with pytest.raises(Conflict, match="first"):
        services.agenda_advance(actor=world.chair, meeting=world.meeting, direction="previous")
    assert current_count(world) == 1


def test_jump_forward_marks_old_item_done(world: World) -> None:
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    services.agenda_advance(actor=world.chair, meeting=world.meeting, item_id=world.items[2].pk)
    assert states(world) == ["done", "pending", "current"]


def test_advance_refusals_change_nothing(world: World) -> None:
    with pytest.raises(Conflict, match="not live"):
        services.agenda_advance(actor=world.chair, meeting=world.meeting, direction="next")
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    with pytest.raises(NotAllowed):
        services.agenda_advance(actor=world.voters[0], meeting=world.meeting, direction="next")
    with pytest.raises(InvalidInput):
        services.agenda_advance(actor=world.chair, meeting=world.meeting)
    with pytest.raises(InvalidInput):
        services.agenda_advance(actor=world.chair, meeting=world.meeting, direction="sideways")  # type: ignore[arg-type]
    other = build_world()
    with pytest.raises(NotFound):
        services.agenda_advance(actor=world.chair, meeting=world.meeting, item_id=other.items[0].pk)
    assert states(world) == ["current", "pending", "pending"]


def test_database_refuses_two_current_items(world: World) -> None:
    world.items[0].state = "current"
    world.items[0].save()
    world.items[1].state = "current"
    with pytest.raises(IntegrityError), transaction.atomic():
        world.items[1].save()


def test_each_agenda_change_takes_the_next_sequence_number(world: World) -> None:
    start = Meeting.objects.get(pk=world.meeting.pk).event_seq
    services.meeting_start(actor=world.chair, meeting=world.meeting)  # meeting + agenda
    services.agenda_advance(actor=world.chair, meeting=world.meeting, direction="next")
    assert Meeting.objects.get(pk=world.meeting.pk).event_seq == start + 3


# --- agenda editing ---------------------------------------------------------


def test_add_item_to_live_meeting_without_items_makes_it_current(db: None) -> None:
    world = build_world(items=0)
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    item = services.agenda_item_add(actor=world.chair, meeting=world.meeting, title="Welcome")
    assert item.state == "current"
    second = services.agenda_item_add(actor=world.chair, meeting=world.meeting, title="Budget")
    assert (second.state, second.position) == ("pending", 2)


def test_delete_current_item_moves_current_to_next(world: World) -> None:
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    services.agenda_item_delete(actor=world.chair, item=world.items[0])
    assert states(world) == ["current", "pending"]
    assert list(
        AgendaItem.objects.filter(meeting=world.meeting).values_list("position", flat=True)
    ) == [1, 2]


def test_delete_last_current_item_moves_current_back(world: World) -> None:
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    services.agenda_advance(actor=world.chair, meeting=world.meeting, item_id=world.items[2].pk)
    services.agenda_item_delete(actor=world.chair, item=world.items[2])
    assert states(world) == ["done", "current"]


def test_reorder_requires_every_item_once(world: World) -> None:
    a, b, c = (item.pk for item in world.items)
    services.agenda_reorder(actor=world.chair, meeting=world.meeting, order=[c, a, b])
    assert list(
        AgendaItem.objects.filter(meeting=world.meeting)
        .order_by("position")
        .values_list("pk", flat=True)
    ) == [c, a, b]
    for bad in ([a, b], [a, a, b, c], [a, b, c, 999_999]):
        with pytest.raises(InvalidInput):
            services.agenda_reorder(actor=world.chair, meeting=world.meeting, order=bad)


def test_voter_cannot_edit_agenda(world: World) -> None:
    voter = world.voters[0]
    with pytest.raises(NotAllowed):
        services.agenda_item_add(actor=voter, meeting=world.meeting, title="Mine")
    with pytest.raises(NotAllowed):
        services.agenda_item_update(actor=voter, item=world.items[0], title="Mine")
    with pytest.raises(NotAllowed):
        services.agenda_item_delete(actor=voter, item=world.items[0])
    with pytest.raises(NotAllowed):
        services.agenda_reorder(actor=voter, meeting=world.meeting, order=[])
    assert AgendaItem.objects.filter(meeting=world.meeting).count() == 3


def test_no_agenda_changes_after_close(world: World) -> None:
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    services.meeting_close(actor=world.chair, meeting=world.meeting)
    with pytest.raises(Conflict):
        services.agenda_item_add(actor=world.chair, meeting=world.meeting, title="Late")


# --- roster -----------------------------------------------------------------


def test_add_participant_takes_union_weight(world: World) -> None:
    member = MemberFactory.create()
    MembershipFactory.create(member=member, union=world.union, vote_weight=Decimal("2.5"))
    participant = services.participant_add(actor=world.chair, meeting=world.meeting, member=member)
    assert participant.vote_weight == Decimal("2.5")
    with pytest.raises(Conflict):
        services.participant_add(actor=world.chair, meeting=world.meeting, member=member)


def test_add_participant_from_a_local_union_below(world: World) -> None:
    local = UnionFactory.create(parent=world.union)
    delegate = MemberFactory.create()
    MembershipFactory.create(member=delegate, union=local, vote_weight=Decimal("12"))
    participant = services.participant_add(
        actor=world.chair, meeting=world.meeting, member=delegate
    )
    assert participant.vote_weight == Decimal("12")


def test_add_participant_refuses_outsiders_and_bad_input(world: World) -> None:
    with pytest.raises(InvalidInput, match="not a member"):
        services.participant_add(actor=world.chair, meeting=world.meeting, member=world.outsider)
    member = MemberFactory.create()
    MembershipFactory.create(member=member, union=world.union)
    with pytest.raises(InvalidInput):
        services.participant_add(
            actor=world.chair, meeting=world.meeting, member=member, role="king"
        )
    for weight in ("-1", "abc", "1.00001", "NaN"):
        with pytest.raises(InvalidInput):
            services.participant_add(
                actor=world.chair, meeting=world.meeting, member=member, vote_weight=weight
            )
    with pytest.raises(NotAllowed):
        services.participant_add(actor=world.voters[0], meeting=world.meeting, member=member)
    assert not Participant.objects.filter(member=member).exists()


def test_bulk_add_from_union_adds_only_the_missing(world: World) -> None:
    newcomers = [MembershipFactory.create(union=world.union) for _ in range(4)]
    added = services.participants_add_from_union(actor=world.chair, meeting=world.meeting)
    # the outsider belongs to another union and stays off
    assert added == 4
    assert set(newcomers[0].member.participations.values_list("role", flat=True)) == {"voter"}
    assert services.participants_add_from_union(actor=world.chair, meeting=world.meeting) == 0


def test_meeting_keeps_a_chair(world: World) -> None:
    chair = world.participant(world.chair)
    with pytest.raises(Conflict):
        services.participant_update(actor=world.chair, participant=chair, role="voter")
    with pytest.raises(Conflict):
        services.participant_remove(actor=world.chair, participant=chair)
    voter = world.participant(world.voters[0])
    services.participant_update(actor=world.chair, participant=voter, role="chair")
    services.participant_update(actor=world.chair, participant=chair, role="voter")
    chair.refresh_from_db()
    assert chair.role == "voter"


def test_update_weight(world: World) -> None:
    voter = world.participant(world.voters[0])
    services.participant_update(actor=world.chair, participant=voter, vote_weight="3.25")
    voter.refresh_from_db()
    assert voter.vote_weight == Decimal("3.25")


# --- projector links ---------------------------------------------------------


def test_projector_link_opens_its_meeting_until_revoked(world: World) -> None:
    token = services.projector_link_create(actor=world.chair, meeting=world.meeting)
    assert services.projector_meeting(token) == world.meeting
    fresh = services.projector_links_revoke(actor=world.chair, meeting=world.meeting)
    with pytest.raises(NotFound, match="revoked"):
        services.projector_meeting(token)
    assert services.projector_meeting(fresh) == world.meeting


def test_forged_projector_token_is_refused(world: World) -> None:
    token = services.projector_link_create(actor=world.chair, meeting=world.meeting)
    with pytest.raises(NotFound):
        services.projector_meeting(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with pytest.raises(NotFound):
        services.projector_meeting("not-a-token")
    with pytest.raises(NotAllowed):
        services.projector_link_create(actor=world.voters[0], meeting=world.meeting)


# --- selectors --------------------------------------------------------------


def test_meetings_for_member(world: World) -> None:
    assert list(selectors.meetings_for_member(world.voters[0])) == [world.meeting]
    assert list(selectors.meetings_for_member(world.outsider)) == []
    with pytest.raises(NotAllowed):
        selectors.meeting_get_for_viewer(meeting_id=world.meeting.pk, member=world.outsider)
    with pytest.raises(NotFound):
        selectors.meeting_get_for_viewer(meeting_id=999_999, member=world.chair)


def test_union_member_not_on_roster_sees_meeting(world: World) -> None:
    member = MemberFactory.create()
    Membership.objects.create(member=member, union=world.union)
    assert list(selectors.meetings_for_member(member)) == [world.meeting]
