"""Reads by plain query (core.plainsql) give what the ORM gives, on
SQLite as on PostgreSQL: each backend returns plain values of its own."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import plainsql
from meetings.models import Meeting, Member, Participant, Proxy
from meetings.selectors import meeting_seq, participant_for
from tests.conftest import World


def field_values(instance: object) -> dict[str, object]:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}  # type: ignore[attr-defined]


def test_participant_for_reads_every_field_as_the_orm_does(world: World) -> None:
    voter = world.voters[0]
    Participant.objects.filter(meeting=world.meeting, member=voter).update(
        vote_weight=Decimal("2.5"),
        presence=Participant.Presence.ROOM,
        presence_changed_at=timezone.now() - timedelta(minutes=3),
    )
    read = participant_for(world.meeting.pk, voter)
    assert read is not None
    assert field_values(read) == field_values(world.participant(voter))
    assert read.vote_weight == Decimal("2.5")
    assert read.member is voter  # the caller's own instance, not a second read


def test_participant_for_someone_off_the_roster_is_none(world: World) -> None:
    assert participant_for(world.meeting.pk, world.outsider) is None


def test_a_member_read_by_plain_query_equals_the_orm_read(world: World) -> None:
    Member.objects.filter(pk=world.chair.pk).update(last_login=timezone.now())
    row = plainsql.fetch_one(
        f"SELECT {plainsql.columns(Member, 'm')} FROM {Member._meta.db_table} m WHERE m.id = %s",
        [world.chair.pk],
    )
    assert row is not None
    member = plainsql.instance(Member, row)
    assert field_values(member) == field_values(Member.objects.get(pk=world.chair.pk))
    assert member.last_login is not None and member.last_login.tzinfo is not None
    assert not member._state.adding  # saved as an update, like an ORM read


def test_meeting_seq_follows_events(world: World) -> None:
    before = meeting_seq(world.meeting.pk)
    world.meeting.event_seq = before + 5
    world.meeting.save(update_fields=["event_seq"])
    assert meeting_seq(world.meeting.pk) == before + 5


def test_meeting_seq_of_no_meeting_raises(world: World) -> None:
    with pytest.raises(Meeting.DoesNotExist):
        meeting_seq(world.meeting.pk + 1000)


def test_insert_stores_what_save_would(world: World) -> None:
    delegator, delegate = world.participant(world.voters[0]), world.participant(world.voters[1])
    proxy = Proxy(meeting=world.meeting, delegator=delegator, delegate=delegate)
    plainsql.insert(proxy)
    stored = Proxy.objects.get(delegator=delegator)
    assert stored.delegate_id == delegate.pk and stored.revoked_at is None
    assert stored.created_at is not None  # auto_now_add, set as save() sets it
    assert stored.created_at == proxy.created_at
    assert not proxy._state.adding


def test_insert_raises_integrity_error_on_a_second_row_for_a_unique_key(world: World) -> None:
    delegator, delegate = world.participant(world.voters[0]), world.participant(world.voters[1])
    plainsql.insert(Proxy(meeting=world.meeting, delegator=delegator, delegate=delegate))
    with pytest.raises(IntegrityError), transaction.atomic():
        plainsql.insert(Proxy(meeting=world.meeting, delegator=delegator, delegate=delegate))
    assert Proxy.objects.filter(delegator=delegator).count() == 1
