"""Draft polls prepared ahead are put in order (polls_reorder): only drafts
move, opened polls keep their place, the order survives a copy of the meeting,
and the API and the meeting's snapshot follow it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.exceptions import Conflict, InvalidInput, NotAllowed
from meetings import services as meeting_services
from meetings.models import MeetingEvent
from tests.api import assert_error, client_for
from tests.conftest import World
from tests.voting.conftest import PollMaker
from voting import services
from voting.models import Poll

pytestmark = pytest.mark.django_db


def titles(world: World) -> list[str]:
    return list(Poll.objects.filter(meeting=world.meeting).values_list("title", flat=True))


def test_new_polls_come_last_and_drafts_are_reordered(
    live_world: World, make_poll: PollMaker
) -> None:
    a, b, c = (make_poll(open_=False, title=t) for t in ("A", "B", "C"))
    assert [a.position, b.position, c.position] == [1, 2, 3]
    services.polls_reorder(
        actor=live_world.chair, meeting=live_world.meeting, order=[c.pk, a.pk, b.pk]
    )
    assert titles(live_world) == ["C", "A", "B"]
    act = MeetingEvent.objects.filter(meeting=live_world.meeting, action="polls.reordered").get()
    assert act.data["order"] == [c.pk, a.pk, b.pk]


def test_opened_polls_keep_their_place(live_world: World, make_poll: PollMaker) -> None:
    a = make_poll(open_=False, title="A")
    opened = make_poll(title="Opened")  # position 2
    b = make_poll(open_=False, title="B")
    services.polls_reorder(actor=live_world.chair, meeting=live_world.meeting, order=[b.pk, a.pk])
    assert titles(live_world) == ["B", "Opened", "A"]
    with pytest.raises(Conflict, match="Only draft polls"):
        services.polls_reorder(
            actor=live_world.chair, meeting=live_world.meeting, order=[opened.pk, a.pk, b.pk]
        )


def test_the_order_must_name_every_draft_once(live_world: World, make_poll: PollMaker) -> None:
    a, b = make_poll(open_=False, title="A"), make_poll(open_=False, title="B")
    meeting = live_world.meeting
    for order in ([a.pk], [a.pk, a.pk], [a.pk, b.pk, 99999]):
        with pytest.raises(InvalidInput, match="every draft poll"):
            services.polls_reorder(actor=live_world.chair, meeting=meeting, order=order)
    with pytest.raises(NotAllowed):
        services.polls_reorder(actor=live_world.clerk, meeting=meeting, order=[b.pk, a.pk])
    assert titles(live_world) == ["A", "B"]


def test_a_copied_meeting_keeps_the_order_of_its_polls(
    live_world: World, make_poll: PollMaker
) -> None:
    a, b = make_poll(open_=False, title="A"), make_poll(open_=False, title="B")
    services.polls_reorder(actor=live_world.chair, meeting=live_world.meeting, order=[b.pk, a.pk])
    copy = meeting_services.meeting_copy(
        actor=live_world.chair,
        source=live_world.meeting,
        title="Again",
        starts_at=live_world.meeting.starts_at + timedelta(days=7),
    )
    copied = Poll.objects.filter(meeting=copy)
    assert [(p.title, p.position) for p in copied] == [("B", 1), ("A", 2)]


def test_reorder_over_the_api(live_world: World, make_poll: PollMaker) -> None:
    a, b = make_poll(open_=False, title="A"), make_poll(open_=False, title="B")
    opened = make_poll(title="Opened")
    url = f"/api/meetings/{live_world.meeting.pk}/polls/reorder/"
    response = client_for(live_world.chair).post(url, {"order": [b.pk, a.pk]}, format="json")
    assert response.status_code == 200, response.content
    assert [(p["title"], p["position"]) for p in response.json()] == [("B", 1), ("A", 2)]
    listed = client_for(live_world.chair).get(f"/api/meetings/{live_world.meeting.pk}/polls/")
    assert [p["title"] for p in listed.json()] == ["B", "A", "Opened"]
    assert_error(
        client_for(live_world.clerk).post(url, {"order": [a.pk, b.pk]}, format="json"), 403
    )
    assert_error(client_for(live_world.chair).post(url, {"order": [a.pk]}, format="json"), 400)
    assert_error(
        client_for(live_world.chair).post(url, {"order": [a.pk, b.pk, opened.pk]}, format="json"),
        409,
    )
    assert_error(client_for(live_world.chair).post(url, {"order": "a"}, format="json"), 400)


def test_a_draft_is_attached_to_an_agenda_item_and_detached(
    live_world: World, make_poll: PollMaker
) -> None:
    poll = make_poll(open_=False)
    url = f"/api/polls/{poll.pk}/"
    item = live_world.items[1]
    client = client_for(live_world.chair)
    assert (
        client.patch(url, {"agenda_item_id": item.pk}, format="json").json()["agenda_item_id"]
        == item.pk
    )
    assert (
        client.patch(url, {"agenda_item_id": None}, format="json").json()["agenda_item_id"] is None
    )
    assert_error(client.patch(url, {"agenda_item_id": 999999}, format="json"), 404)
    opened = make_poll(title="Opened")
    response = client.patch(f"/api/polls/{opened.pk}/", {"agenda_item_id": item.pk}, format="json")
    assert_error(response, 409)
    assert "Only a draft poll can be edited" in response.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_numbers_existing_polls_in_creation_order(world: World) -> None:
    """voting 0005 gives polls made before it positions 1, 2, ... per meeting."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    a = services.poll_create(actor=world.chair, meeting=world.meeting, title="A", kind="motion")
    b = services.poll_create(actor=world.chair, meeting=world.meeting, title="B", kind="motion")
    Poll.objects.filter(pk__in=[a.pk, b.pk]).update(position=0)
    before = [("voting", "0004_poll_record_format")]
    after = [("voting", "0005_poll_position")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    assert list(Poll.objects.order_by("pk").values_list("title", "position")) == [
        ("A", 1),
        ("B", 2),
    ]
