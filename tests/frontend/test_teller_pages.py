"""The tellers' page through Django's test client: only the poll's tellers
reach it and see its link on the meeting page; it is not cached, and its
policy allows exactly the import map elgamal.js needs."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from config.csp import HEADER
from frontend.importmap import IMPORT_MAP, IMPORT_MAP_CSP_SOURCE
from meetings.models import Member
from tests.conftest import World
from voting import services as voting_services
from voting.models import Poll

pytestmark = pytest.mark.django_db


def logged_in(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture
def poll(world: World) -> Poll:
    poll = voting_services.poll_create(
        actor=world.chair, meeting=world.meeting, title="Strike fund", kind="motion"
    )
    voting_services.tellers_appoint(
        actor=world.chair,
        poll=poll,
        participant_ids=[world.participant(m).pk for m in world.voters],
        threshold=2,
    )
    return poll


def test_a_teller_reaches_the_page_from_the_meeting_page(world: World, poll: Poll) -> None:
    url = reverse("frontend:tellers", args=[world.meeting.pk, poll.pk])
    client = logged_in(world.voters[1])
    meeting = client.get(reverse("frontend:meeting", args=[world.meeting.pk])).content.decode()
    assert f'href="{url}"' in meeting and "Tellers' page: Strike fund" in meeting

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<script type="importmap">{IMPORT_MAP}</script>' in html
    assert IMPORT_MAP_CSP_SOURCE in page[HEADER]
    assert page["Cache-Control"] == "no-store"
    assert page["Referrer-Policy"] == "no-referrer"
    assert '"index": 2' in html  # the page knows which teller it is, nothing secret


def test_others_neither_see_the_link_nor_reach_the_page(world: World, poll: Poll) -> None:
    url = reverse("frontend:tellers", args=[world.meeting.pk, poll.pk])
    for member in (world.chair, world.clerk):
        client = logged_in(member)
        meeting = client.get(reverse("frontend:meeting", args=[world.meeting.pk]))
        assert url not in meeting.content.decode()
        assert client.get(url).status_code == 404
    assert logged_in(world.outsider).get(url).status_code == 403
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    # Another meeting's address for the same poll is no way in either.
    other = reverse("frontend:tellers", args=[world.meeting.pk + 1, poll.pk])
    assert logged_in(world.voters[0]).get(other).status_code == 404
