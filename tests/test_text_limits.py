"""Free text that reaches every phone's snapshot has a length limit: a clear
400 from the API, and the same refusal from the services the socket and the
admin call."""

from __future__ import annotations

import pytest

from core import textlimits
from core.exceptions import InvalidInput
from meetings import services as meeting_services
from meetings.models import AgendaItem
from tests.api import assert_error, client_for
from tests.conftest import World
from voting import services as voting_services

pytestmark = pytest.mark.django_db

TOO_LONG = "x" * (textlimits.DESCRIPTION + 1)


def test_agenda_description_over_the_limit_answers_400(world: World) -> None:
    client = client_for(world.chair)
    url = f"/api/meetings/{world.meeting.pk}/agenda/"
    body = assert_error(
        client.post(url, {"title": "Budget", "description": TOO_LONG}, format="json"), 400
    )
    assert "description" in body["errors"]
    assert "10000" in body["detail"]
    item = world.items[0]
    patch = client.patch(f"{url}{item.pk}/", {"description": TOO_LONG}, format="json")
    assert_error(patch, 400)
    item.refresh_from_db()
    assert item.description == ""
    fits = "y" * textlimits.DESCRIPTION
    created = client.post(url, {"title": "Budget", "description": fits}, format="json")
    assert created.status_code == 201


def test_services_refuse_too_long_text(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        meeting_services.agenda_item_add(
            actor=world.chair, meeting=world.meeting, title="Budget", description=TOO_LONG
        )
    assert refused.value.code == "too_long"
    assert "at most 10000 characters" in refused.value.message
    with pytest.raises(InvalidInput):
        meeting_services.agenda_item_update(
            actor=world.chair, item=world.items[0], title="t" * (textlimits.TITLE + 1)
        )
    with pytest.raises(InvalidInput):
        meeting_services.meeting_update(
            actor=world.chair, meeting=world.meeting, location="p" * (textlimits.NAME + 1)
        )
    with pytest.raises(InvalidInput):
        voting_services.poll_create(
            actor=world.chair,
            meeting=world.meeting,
            title="Adopt?",
            kind="motion",
            description=TOO_LONG,
        )
    with pytest.raises(InvalidInput):
        voting_services.poll_create(
            actor=world.chair,
            meeting=world.meeting,
            title="Which?",
            kind="single",
            options=["a", "o" * (textlimits.NAME + 1)],
        )
    assert AgendaItem.objects.filter(meeting=world.meeting).count() == len(world.items)


def test_poll_description_over_the_limit_answers_400(world: World) -> None:
    response = client_for(world.chair).post(
        f"/api/meetings/{world.meeting.pk}/polls/",
        {"title": "Adopt?", "kind": "motion", "description": TOO_LONG},
        format="json",
    )
    body = assert_error(response, 400)
    assert "description" in body["errors"]
