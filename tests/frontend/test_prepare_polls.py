"""Draft polls on the meeting preparation page, through Django's test client:
every field of a draft is edited, drafts move up and down, a poll is attached
to an agenda item and detached; opened polls and refused edits change nothing
and say why, inside the form that was sent."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from meetings import services as meeting_services
from tests.conftest import World
from voting import services
from voting.models import Poll

pytestmark = pytest.mark.django_db


def logged_in(world: World, who: str = "chair") -> Client:
    client = Client()
    client.force_login(getattr(world, who))
    return client


def url(world: World) -> str:
    return f"/meetings/{world.meeting.pk}/prepare/"


def draft(world: World, **fields: Any) -> Poll:
    fields.setdefault("title", "Adopt the budget?")
    fields.setdefault("kind", "motion")
    return services.poll_create(actor=world.chair, meeting=world.meeting, **fields)


def labels(poll: Poll) -> list[str]:
    return list(poll.options.values_list("label", flat=True))


def test_every_field_of_a_draft_is_edited_on_the_page(world: World) -> None:
    poll = draft(world)
    item = world.items[2]
    form = {
        "action": "poll_update",
        "poll": poll.pk,
        "title": "Elect the board",
        "description": "Two seats",
        "kind": "election",
        "options": "Lan\r\nHuế\r\nMinh\r\n",
        "min_choices": "1",
        "max_choices": "1",
        "seats": "2",
        "secrecy": "named",
        "results_visibility": "live",
        "majority": "absolute",
        "base": "cast",
        "tie_rule": "lot",
        "agenda_item_id": str(item.pk),
        "close_when_all_voted": "1",
    }  # allow_remote unchecked: left out, as a browser does
    response = logged_in(world).post(url(world), form)
    assert response.status_code == 200
    assert "Draft poll saved: Elect the board" in response.content.decode()
    poll.refresh_from_db()
    assert (poll.title, poll.description, poll.kind, poll.seats, poll.max_choices) == (
        "Elect the board",
        "Two seats",
        "election",
        2,
        2,
    )
    assert (poll.secrecy, poll.results_visibility, poll.majority, poll.base, poll.tie_rule) == (
        "named",
        "live",
        "absolute",
        "cast",
        "lot",
    )
    assert (poll.agenda_item_id, poll.allow_remote, poll.close_when_all_voted) == (
        item.pk,
        False,
        True,
    )
    assert labels(poll) == ["Lan", "Huế", "Minh", "Abstain"]

    # Detached from the agenda; multiple choice with its limits.
    form.update(agenda_item_id="", kind="multiple", min_choices="0", max_choices="2")
    logged_in(world).post(url(world), form)
    poll.refresh_from_db()
    assert (poll.agenda_item_id, poll.kind, poll.min_choices, poll.max_choices, poll.seats) == (
        None,
        "multiple",
        0,
        2,
        1,
    )


def test_the_page_shows_each_draft_with_its_values(world: World) -> None:
    draft(world, title="Choose a venue", kind="single", options=["Hà Nội", "Huế"])
    page = logged_in(world).get(url(world)).content.decode()
    assert "Polls prepared ahead" in page
    assert "Hà Nội\nHuế</textarea>" in page
    assert re.search(r'<option value="single" selected>', page)


def test_a_refused_edit_keeps_what_was_typed_and_says_why_in_the_form(world: World) -> None:
    poll = draft(world)
    response = logged_in(world).post(
        url(world),
        {
            "action": "poll_update",
            "poll": poll.pk,
            "title": "Pick one",
            "kind": "single",
            "options": "Only one",
            "secrecy": "secret",
            "results_visibility": "hidden",
            "majority": "simple",
            "base": "valid",
            "tie_rule": "fails",
            "agenda_item_id": "",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="poll-{poll.pk}-error"' in page
    assert "A choice poll needs at least two options." in page
    assert 'value="Pick one"' in page  # what was typed, shown again
    poll.refresh_from_db()
    assert (poll.title, poll.kind) == ("Adopt the budget?", "motion")
    bad = logged_in(world).post(
        url(world), {"action": "poll_update", "poll": poll.pk, "seats": "two"}
    )
    assert bad.status_code == 400 and "Seats must be a whole number." in bad.content.decode()


def test_drafts_move_up_and_down_and_opened_polls_stay(world: World) -> None:
    a, _b, c = (draft(world, title=t) for t in ("A", "B", "C"))
    client = logged_in(world)
    client.post(url(world), {"action": "poll_move", "poll": c.pk, "direction": "up"})
    client.post(url(world), {"action": "poll_move", "poll": a.pk, "direction": "down"})
    titles = list(Poll.objects.filter(meeting=world.meeting).values_list("title", flat=True))
    assert titles == ["C", "A", "B"]
    # At the top already: nothing moves.
    client.post(url(world), {"action": "poll_move", "poll": c.pk, "direction": "up"})
    assert list(Poll.objects.filter(meeting=world.meeting).values_list("title", flat=True)) == [
        "C",
        "A",
        "B",
    ]
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    services.poll_open(actor=world.chair, poll=a)
    page = client.get(url(world)).content.decode()
    assert "Opened: it can no longer be edited or moved." in page
    moved = client.post(url(world), {"action": "poll_move", "poll": a.pk, "direction": "up"})
    assert moved.status_code == 409
    assert "Only draft polls can be reordered" in moved.content.decode()
    edited = client.post(url(world), {"action": "poll_update", "poll": a.pk, "title": "X"})
    assert (
        edited.status_code == 409 and "Only a draft poll can be edited." in edited.content.decode()
    )


def test_a_poll_is_prepared_on_the_page(world: World) -> None:
    response = logged_in(world).post(
        url(world),
        {
            "action": "poll_create",
            "title": "Approve the minutes?",
            "kind": "motion",
            "secrecy": "secret",
            "results_visibility": "hidden",
            "majority": "simple",
            "base": "valid",
            "tie_rule": "fails",
            "agenda_item_id": str(world.items[0].pk),
            "allow_remote": "1",
        },
    )
    assert response.status_code == 200
    poll = Poll.objects.get(meeting=world.meeting)
    assert (poll.state, poll.agenda_item_id, poll.allow_remote) == (
        "draft",
        world.items[0].pk,
        True,
    )


def test_only_who_prepares_polls_sees_and_posts_them(world: World) -> None:
    poll = draft(world)
    assert logged_in(world, "clerk").get(url(world)).status_code == 403
    response = logged_in(world).post(
        url(world), {"action": "poll_update", "poll": 999999, "title": "X"}
    )
    assert (
        response.status_code == 404 and "No such poll in this meeting." in response.content.decode()
    )
    poll.refresh_from_db()
    assert poll.title == "Adopt the budget?"
