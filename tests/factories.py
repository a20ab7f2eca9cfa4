"""Factories for the domain models."""

from __future__ import annotations

import functools
from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from meetings.models import AgendaItem, Meeting, Member, Membership, Participant, Union

PASSWORD = "correct horse battery"


@functools.cache
def password_hash() -> str:
    return make_password(PASSWORD)


class UnionFactory(factory.django.DjangoModelFactory[Union]):
    class Meta:
        model = Union

    name = factory.Sequence(lambda n: f"Union {n}")
    code = factory.Sequence(lambda n: f"union-{n}")


class MemberFactory(factory.django.DjangoModelFactory[Member]):
    class Meta:
        model = Member

    username = factory.Sequence(lambda n: f"member{n}")
    full_name = factory.Sequence(lambda n: f"Member {n}")
    member_number = factory.Sequence(lambda n: f"M{n:04d}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    # Hashed once per run: hashing per member would make the suite crawl.
    password = factory.LazyFunction(password_hash)


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    member = factory.SubFactory(MemberFactory)
    union = factory.SubFactory(UnionFactory)
    role = Membership.Role.MEMBER
    vote_weight = Decimal(1)


class MeetingFactory(factory.django.DjangoModelFactory[Meeting]):
    class Meta:
        model = Meeting

    union = factory.SubFactory(UnionFactory)
    title = factory.Sequence(lambda n: f"General meeting {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    location = "Union hall"


class ParticipantFactory(factory.django.DjangoModelFactory[Participant]):
    class Meta:
        model = Participant

    meeting = factory.SubFactory(MeetingFactory)
    member = factory.SubFactory(MemberFactory)
    role = Participant.Role.VOTER
    vote_weight = Decimal(1)


class AgendaItemFactory(factory.django.DjangoModelFactory[AgendaItem]):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Item {n}")
