"""The speakers' list through its services: who may ask, where a request
joins the queue, the timer, closing, settings and limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.exceptions import Conflict, InvalidInput, NotAllowed
from meetings.models import MeetingEvent
from speakers import services
from speakers.models import Speech
from speakers.selectors import list_payload
from tests.conftest import World
from tests.speakers.conftest import observer_of

pytestmark = pytest.mark.django_db


def ask(world: World, index: int, kind: str = "speak") -> Speech:
    return services.speech_request(actor=world.voters[index], meeting=world.meeting, kind=kind)


def queue_names(world: World) -> list[str]:
    return [s["name"] for s in list_payload(world.items[0].pk)["waiting"]]


def test_members_join_the_queue_in_order_and_see_it(live: World) -> None:
    for index in range(3):
        ask(live, index)
    assert queue_names(live) == [v.full_name for v in live.voters[:3]]
    listed = list_payload(live.items[0].pk)
    assert [s["number"] for s in listed["waiting"]] == [1, 1, 1]
    assert listed["current"] is None and listed["done"] == []


def test_a_point_of_order_goes_to_the_front_after_earlier_ones(live: World) -> None:
    ask(live, 0)
    ask(live, 1)
    ask(live, 2, "point_of_order")
    ask(live, 3, "point_of_order")
    names = [v.full_name for v in live.voters]
    assert queue_names(live) == [names[2], names[3], names[0], names[1]]


def test_first_time_speakers_go_before_second_time(live: World) -> None:
    first = ask(live, 0)
    services.speaker_call(actor=live.chair, meeting=live.meeting)
    services.speaker_stop(actor=live.chair, meeting=live.meeting)
    assert Speech.objects.get(pk=first.pk).state == Speech.State.DONE
    ask(live, 0)  # a second speech
    ask(live, 1)  # a first speech: goes before it
    names = [v.full_name for v in live.voters]
    assert queue_names(live) == [names[1], names[0]]
    assert [s["number"] for s in list_payload(live.items[0].pk)["waiting"]] == [1, 2]


def test_without_first_time_first_the_queue_is_plain_order(live: World) -> None:
    services.speakers_settings_update(
        actor=live.chair, meeting=live.meeting, first_time_first=False
    )
    ask(live, 0)
    services.speaker_call(actor=live.chair, meeting=live.meeting)
    ask(live, 0)
    ask(live, 1)
    names = [v.full_name for v in live.voters]
    assert queue_names(live) == [names[0], names[1]]


def test_at_most_n_speeches_per_member_per_item(live: World) -> None:
    services.speakers_settings_update(
        actor=live.chair, meeting=live.meeting, agenda_item_id=live.items[0].pk, max_speeches=1
    )
    ask(live, 0)
    services.speaker_call(actor=live.chair, meeting=live.meeting)
    with pytest.raises(Conflict) as refused:
        ask(live, 0)
    assert refused.value.code == "too_many_speeches"
    ask(live, 0, "point_of_order")  # points of order do not count


def test_one_waiting_request_per_member(live: World) -> None:
    ask(live, 0)
    with pytest.raises(Conflict) as refused:
        ask(live, 0, "question")
    assert refused.value.code == "already_waiting"
    assert Speech.objects.count() == 1


def test_observers_guests_and_outsiders_may_not_ask_to_speak(live: World) -> None:
    observer = observer_of(live)
    for member in (observer, live.outsider):
        with pytest.raises(NotAllowed):
            services.speech_request(actor=member, meeting=live.meeting)
    observer_participant = live.meeting.participants.get(member=observer)
    with pytest.raises(NotAllowed):
        services.speech_request(
            actor=live.chair, meeting=live.meeting, participant_id=observer_participant.pk
        )
    assert not Speech.objects.exists()


def test_a_voter_may_not_manage_the_list(live: World) -> None:
    speech = ask(live, 0)
    voter = live.voters[1]
    refusals = [
        lambda: services.speaker_call(actor=voter, meeting=live.meeting),
        lambda: services.speech_withdraw(actor=voter, meeting=live.meeting, speech_id=speech.pk),
        lambda: services.speakers_reorder(
            actor=voter, meeting=live.meeting, speech_ids=[speech.pk]
        ),
        lambda: services.speakers_list_close(actor=voter, meeting=live.meeting, closed=True),
        lambda: services.speakers_settings_update(
            actor=voter, meeting=live.meeting, speaking_time=60
        ),
        lambda: services.speech_request(
            actor=voter,
            meeting=live.meeting,
            participant_id=live.participant(live.voters[2]).pk,
        ),
    ]
    for refusal in refusals:
        with pytest.raises(NotAllowed):
            refusal()


def test_withdraw_own_request_and_the_clerk_anyones(live: World) -> None:
    mine = ask(live, 0)
    other = ask(live, 1)
    services.speech_withdraw(actor=live.voters[0], meeting=live.meeting, speech_id=mine.pk)
    services.speech_withdraw(actor=live.clerk, meeting=live.meeting, speech_id=other.pk)
    assert queue_names(live) == []
    with pytest.raises(Conflict):
        services.speech_withdraw(actor=live.voters[0], meeting=live.meeting, speech_id=mine.pk)


def test_the_clerk_adds_a_member_on_their_behalf_even_on_a_closed_list(live: World) -> None:
    services.speakers_list_close(actor=live.chair, meeting=live.meeting, closed=True)
    with pytest.raises(Conflict) as refused:
        ask(live, 0)
    assert refused.value.code == "list_closed"
    ask(live, 1, "point_of_order")  # a point of order still goes
    speech = services.speech_request(
        actor=live.clerk,
        meeting=live.meeting,
        participant_id=live.participant(live.voters[0]).pk,
    )
    assert speech.added_by == live.clerk
    services.speakers_list_close(actor=live.chair, meeting=live.meeting, closed=False)
    ask(live, 2)
    assert len(queue_names(live)) == 3
    actions = list(MeetingEvent.objects.values_list("action", flat=True))
    assert "speakers.closed" in actions and "speakers.reopened" in actions


def test_reorder_needs_every_waiting_request_once(live: World) -> None:
    a, b, c = ask(live, 0), ask(live, 1), ask(live, 2)
    for wrong in ([a.pk, b.pk], [a.pk, b.pk, b.pk], [a.pk, b.pk, c.pk + 99]):
        with pytest.raises(InvalidInput):
            services.speakers_reorder(actor=live.chair, meeting=live.meeting, speech_ids=wrong)
    services.speakers_reorder(actor=live.chair, meeting=live.meeting, speech_ids=[c.pk, a.pk, b.pk])
    assert [s["id"] for s in list_payload(live.items[0].pk)["waiting"]] == [c.pk, a.pk, b.pk]


def test_the_timer_keeps_real_times(live: World, monkeypatch: pytest.MonkeyPatch) -> None:
    ask(live, 0)
    ask(live, 1)
    t0 = timezone.now()
    clock = {"now": t0}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    called = services.speaker_call(actor=live.chair, meeting=live.meeting)
    assert called is not None and called.time_limit == 180
    with pytest.raises(Conflict):
        services.speaker_pause(actor=live.chair, meeting=live.meeting)
    services.speaker_start(actor=live.chair, meeting=live.meeting)
    clock["now"] = t0 + timedelta(seconds=30)
    services.speaker_pause(actor=live.chair, meeting=live.meeting)
    clock["now"] = t0 + timedelta(seconds=100)
    services.speaker_start(actor=live.chair, meeting=live.meeting)
    current = list_payload(live.items[0].pk)["current"]
    assert current is not None
    assert current["elapsed_ms"] == 30_000
    assert current["started_at"] == t0.isoformat()
    clock["now"] = t0 + timedelta(seconds=110)
    services.speaker_call(actor=live.chair, meeting=live.meeting)  # ends it, calls the next
    listed = list_payload(live.items[0].pk)
    done = listed["done"][0]
    assert done["elapsed_ms"] == 40_000
    assert (done["started_at"], done["ended_at"]) == (
        t0.isoformat(),
        (t0 + timedelta(seconds=110)).isoformat(),
    )
    assert listed["current"]["name"] == live.voters[1].full_name  # type: ignore[index]
    assert listed["waiting"] == []
    services.speaker_stop(actor=live.chair, meeting=live.meeting)
    with pytest.raises(Conflict) as refused:
        services.speaker_call(actor=live.chair, meeting=live.meeting)
    assert refused.value.code == "queue_empty"


def test_item_settings_override_the_meeting(live: World) -> None:
    services.speakers_settings_update(actor=live.chair, meeting=live.meeting, speaking_time=120)
    services.speakers_settings_update(
        actor=live.clerk, meeting=live.meeting, agenda_item_id=live.items[0].pk, speaking_time=60
    )
    ask(live, 0)
    called = services.speaker_call(actor=live.chair, meeting=live.meeting)
    assert called is not None and called.time_limit == 60
    with pytest.raises(InvalidInput):
        services.speakers_settings_update(actor=live.chair, meeting=live.meeting, speaking_time=-1)
    with pytest.raises(InvalidInput):
        services.speakers_settings_update(actor=live.chair, meeting=live.meeting, max_speeches=1000)


def test_members_ask_only_on_the_current_item_of_a_live_meeting(world: World) -> None:
    with pytest.raises(Conflict) as refused:
        services.speech_request(actor=world.voters[0], meeting=world.meeting)
    assert refused.value.code == "not_live"
    # The chair prepares a list before the meeting starts.
    services.speech_request(
        actor=world.chair,
        meeting=world.meeting,
        agenda_item_id=world.items[1].pk,
        participant_id=world.participant(world.voters[0]).pk,
    )
    assert len(list_payload(world.items[1].pk)["waiting"]) == 1


def test_a_request_costs_as_many_queries_however_long_the_queue(live: World) -> None:
    """Placing a request runs under the meeting's lock: a hundred members
    asking at once each waited behind the one before's queries, one per
    waiting speech (benchmark S8). Now one query reads the whole queue."""
    from decimal import Decimal

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.voting.test_concurrency import add_voters

    crowd = add_voters(live.meeting, 14, lambda i: Decimal(1))

    def queries_to_ask(index: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            services.speech_request(actor=crowd[index], meeting=live.meeting)
        return len(queries)

    counts = [queries_to_ask(i) for i in range(len(crowd))]
    assert len(list_payload(live.items[0].pk)["waiting"]) == len(crowd)
    assert len(set(counts[2:])) == 1, counts  # the same with 2 or 13 waiting
