"""The admin writes meetings, rosters and agendas only through the services:
each change leaves the very log act and events the service leaves when
called directly, a refusal shows its sentence and writes nothing, and what no
service changes cannot be changed from the admin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings import attendance, services
from meetings.models import AgendaItem, Meeting, MeetingEvent, Member, Participant, Proxy
from tests.admin_pages import Recorder, Trace, admin, form_data, recorder, superuser
from tests.conftest import World
from tests.factories import MeetingFactory, MemberFactory, MembershipFactory

__all__ = ["admin", "recorder", "superuser"]  # fixtures

pytestmark = pytest.mark.django_db


def change_url(obj: Any) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def delete_url(obj: Any) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])


def saved(response: Any) -> None:
    """The admin accepted the form (and redirected), else show its errors."""
    errors = response.context and response.context.get("errors")
    assert response.status_code == 302, errors


def refused(response: Any, sentence: str) -> None:
    """The form came back with the service's sentence (or its beginning)."""
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert [e for e in errors if e.startswith(sentence)], errors


NOTHING = Trace(acts=[], frames=[])


# --- meetings ---------------------------------------------------------------------

Edit = Callable[[dict[str, Any]], None]
Call = Callable[[Member, Meeting], Any]


def _details(data: dict[str, Any]) -> None:
    data.update(title="Annual congress", location="Hall B")


def _voting(data: dict[str, Any]) -> None:
    data.update(quorum_kind="share", quorum_share="0.6", proxy_limit="2", requires_presence="on")


def _presence(data: dict[str, Any]) -> None:
    data.pop("room_checkin_enabled")  # unticked
    data["allow_remote_participation"] = "on"


MEETING_CHANGES: list[tuple[str, Edit, Call]] = [
    (
        "details",
        _details,
        lambda actor, meeting: services.meeting_update(
            actor=actor, meeting=meeting, title="Annual congress", location="Hall B"
        ),
    ),
    (
        "voting settings",
        _voting,
        lambda actor, meeting: services.meeting_voting_settings_update(
            actor=actor,
            meeting=meeting,
            quorum_kind="share",
            quorum_share=Decimal("0.6"),
            proxy_limit=2,
            requires_presence=True,
        ),
    ),
    (
        "attendance settings",
        _presence,
        lambda actor, meeting: attendance.attendance_settings_update(
            actor=actor,
            meeting=meeting,
            room_checkin_enabled=False,
            allow_remote_participation=True,
        ),
    ),
]


@pytest.mark.parametrize(
    ("edit", "call"), [c[1:] for c in MEETING_CHANGES], ids=[c[0] for c in MEETING_CHANGES]
)
def test_a_meeting_change_is_the_services_change(
    world: World, admin: Client, superuser: Member, recorder: Recorder, edit: Edit, call: Call
) -> None:
    url = change_url(world.meeting)
    data = form_data(admin, url)
    expected = recorder.trace_undone(lambda: call(superuser, world.meeting))
    assert expected.acts and expected.frames

    edit(data)
    assert recorder.trace(lambda: saved(admin.post(url, data))) == expected


def test_a_change_to_several_settings_calls_each_service_in_one_request(
    world: World, admin: Client, recorder: Recorder
) -> None:
    url = change_url(world.meeting)
    data = form_data(admin, url)
    _details(data)
    _voting(data)
    _presence(data)
    trace = recorder.trace(lambda: saved(admin.post(url, data)))
    assert [act[0] for act in trace.acts] == [
        "meeting.updated",
        "meeting.voting_settings_changed",
        "attendance.settings_changed",
    ]
    assert trace.acts[0][2] == {"fields": ["location", "title"]}
    meeting = Meeting.objects.get(pk=world.meeting.pk)
    assert (meeting.title, meeting.proxy_limit, meeting.room_checkin_enabled) == (
        "Annual congress",
        2,
        False,
    )


def test_adding_a_meeting_is_meeting_create(
    world: World, admin: Client, superuser: Member, recorder: Recorder
) -> None:
    starts_at = timezone.make_aware(datetime(2030, 5, 1, 9, 0))
    expected = recorder.trace_undone(
        lambda: services.meeting_create(
            actor=superuser, union=world.union, title="Extra meeting", starts_at=starts_at
        )
    )
    assert [act[0] for act in expected.acts] == ["meeting.created"]

    url = reverse("admin:meetings_meeting_add")
    data = form_data(admin, url)
    data.update(
        union=str(world.union.pk),
        title="Extra meeting",
        starts_at_0="2030-05-01",
        starts_at_1="09:00:00",
    )
    assert recorder.trace(lambda: saved(admin.post(url, data))) == expected
    meeting = Meeting.objects.get(title="Extra meeting")
    assert meeting.starts_at == starts_at and meeting.created_by == superuser
    # As every creator through the service, the admin becomes its chair.
    assert meeting.participants.get().role == Participant.Role.CHAIR


def test_a_refused_meeting_change_shows_the_sentence_and_writes_nothing(
    world: World, admin: Client, recorder: Recorder
) -> None:
    url = change_url(world.meeting)
    data = form_data(admin, url)
    data.update(title="Renamed", livestream_url="https://example.org/our-page")
    trace = recorder.trace(
        lambda: refused(admin.post(url, data), "The livestream page cannot show this link.")
    )
    assert trace == NOTHING
    world.meeting.refresh_from_db()
    assert world.meeting.title != "Renamed" and world.meeting.livestream_url == ""


def test_the_refused_form_comes_back_as_posted(world: World, admin: Client) -> None:
    url = change_url(world.meeting)
    data = form_data(admin, url)
    data.update(title="Renamed", livestream_url="https://example.org/our-page")
    response = admin.post(url, data)
    assert response.context["adminform"].form["title"].value() == "Renamed"


def test_meeting_status_and_union_are_read_only_and_it_cannot_be_deleted(
    world: World, admin: Client
) -> None:
    other = MeetingFactory.create()
    url = change_url(world.meeting)
    data = form_data(admin, url)
    data.update(title="Renamed", status="closed", union=str(other.union_id))
    saved(admin.post(url, data))
    meeting = Meeting.objects.get(pk=world.meeting.pk)
    assert meeting.title == "Renamed"
    assert (meeting.status, meeting.union_id) == (Meeting.Status.SCHEDULED, world.union.pk)
    assert admin.post(delete_url(meeting), {"post": "yes"}).status_code == 403
    assert Meeting.objects.filter(pk=meeting.pk).exists()


def test_the_agenda_inline_of_a_meeting_writes_nothing(world: World, admin: Client) -> None:
    url = change_url(world.meeting)
    data = form_data(admin, url)
    first = world.items[0]
    prefix = "agenda_items-0"
    assert data[f"{prefix}-id"] == str(first.pk)
    data.update({f"{prefix}-title": "Changed", f"{prefix}-state": "done", f"{prefix}-DELETE": "on"})
    saved(admin.post(url, data))
    first.refresh_from_db()
    assert (first.title, first.state) == ("Item 1", AgendaItem.State.PENDING)


# --- participants -------------------------------------------------------------------


def test_a_weight_changed_in_the_admin_is_logged_and_published(
    world: World, admin: Client, superuser: Member, recorder: Recorder
) -> None:
    voter = world.participant(world.voters[0])
    expected = recorder.trace_undone(
        lambda: services.participant_update(
            actor=superuser, participant=voter, vote_weight=Decimal("2.5")
        )
    )
    assert [act[0] for act in expected.acts] == ["participant.changed"]
    # A roster change moves the quorum and attendance counts too, and the
    # member's own phone learns the new weight.
    assert {frame["type"] for _group, frame in expected.frames} == {
        "roster.changed",
        "attendance.changed",
        "me.changed",
    }

    url = change_url(voter)
    data = form_data(admin, url)
    data["vote_weight"] = "2.5"
    assert recorder.trace(lambda: saved(admin.post(url, data))) == expected
    voter.refresh_from_db()
    assert voter.vote_weight == Decimal("2.5")


def test_a_role_changed_in_the_admin_is_participant_update(
    world: World, admin: Client, superuser: Member, recorder: Recorder
) -> None:
    voter = world.participant(world.voters[0])
    expected = recorder.trace_undone(
        lambda: services.participant_update(actor=superuser, participant=voter, role="observer")
    )
    url = change_url(voter)
    data = form_data(admin, url)
    data["role"] = "observer"
    assert recorder.trace(lambda: saved(admin.post(url, data))) == expected
    assert world.participant(world.voters[0]).role == Participant.Role.OBSERVER


def test_the_last_chair_keeps_the_role(world: World, admin: Client, recorder: Recorder) -> None:
    chair = world.participant(world.chair)
    url = change_url(chair)
    data = form_data(admin, url)
    data.update(role="voter", vote_weight="3")
    trace = recorder.trace(
        lambda: refused(admin.post(url, data), "A meeting needs at least one chair.")
    )
    assert trace == NOTHING
    chair.refresh_from_db()
    assert (chair.role, chair.vote_weight) == (Participant.Role.CHAIR, Decimal(1))


def test_presence_meeting_and_member_of_a_participant_are_read_only(
    world: World, admin: Client
) -> None:
    voter = world.participant(world.voters[0])
    other = MeetingFactory.create()
    url = change_url(voter)
    data = form_data(admin, url)
    data.update(
        presence="room",
        presence_changed_at_0="2030-01-01",
        presence_changed_at_1="10:00:00",
        meeting=str(other.pk),
        member=str(world.outsider.pk),
        vote_weight="2",
    )
    saved(admin.post(url, data))
    voter.refresh_from_db()
    assert voter.vote_weight == Decimal(2)  # the writable field was saved
    assert (voter.presence, voter.presence_changed_at) == (Participant.Presence.ABSENT, None)
    assert (voter.meeting_id, voter.member_id) == (world.meeting.pk, world.voters[0].pk)
    assert not voter.attendance_log.exists()


def test_adding_a_participant_is_participant_add_with_the_union_weight(
    world: World, admin: Client, superuser: Member, recorder: Recorder
) -> None:
    member = MemberFactory.create(full_name="New Delegate")
    MembershipFactory.create(member=member, union=world.union, vote_weight=Decimal(3))
    expected = recorder.trace_undone(
        lambda: services.participant_add(actor=superuser, meeting=world.meeting, member=member)
    )
    assert [act[0] for act in expected.acts] == ["participant.added"]

    url = reverse("admin:meetings_participant_add")
    data = form_data(admin, url)
    assert data["vote_weight"] == ""  # empty: the weight in the union
    data.update(meeting=str(world.meeting.pk), member=str(member.pk), role="voter")
    assert recorder.trace(lambda: saved(admin.post(url, data))) == expected
    assert world.participant(member).vote_weight == Decimal(3)


def test_adding_an_outsider_is_refused_with_the_services_sentence(
    world: World, admin: Client, recorder: Recorder
) -> None:
    url = reverse("admin:meetings_participant_add")
    data = form_data(admin, url)
    data.update(meeting=str(world.meeting.pk), member=str(world.outsider.pk), role="voter")
    sentence = f"{world.outsider.full_name} is not a member of {world.union.name}."
    assert recorder.trace(lambda: refused(admin.post(url, data), sentence)) == NOTHING
    assert not Participant.objects.filter(member=world.outsider).exists()


def test_removing_a_participant_is_participant_remove(
    world: World, admin: Client, superuser: Member, recorder: Recorder
) -> None:
    giver, carrier = (world.participant(m) for m in world.voters[:2])
    services.proxy_create(
        actor=world.chair, meeting=world.meeting, delegator=giver, delegate=carrier
    )
    url = delete_url(giver)  # before the service's delete() clears giver.pk
    expected = recorder.trace_undone(
        lambda: services.participant_remove(actor=superuser, participant=giver)
    )
    assert [act[0] for act in expected.acts] == ["participant.removed"]

    # The proxy goes with the place (the service's rule), though proxies
    # themselves are read-only in the admin.
    assert admin.get(url).context["perms_lacking"] == set()
    assert recorder.trace(lambda: saved(admin.post(url, {"post": "yes"}))) == expected
    assert not Participant.objects.filter(member=world.voters[0]).exists()
    assert not Proxy.objects.exists()


def test_removing_the_last_chair_is_refused_with_a_message(
    world: World, admin: Client, recorder: Recorder
) -> None:
    chair = world.participant(world.chair)
    responses: list[Any] = []
    trace = recorder.trace(
        lambda: responses.append(admin.post(delete_url(chair), {"post": "yes"}, follow=True))
    )
    assert trace == NOTHING
    assert Participant.objects.filter(pk=chair.pk).exists()
    assert responses[0].redirect_chain == [(change_url(chair), 302)]
    shown = [str(message) for message in responses[0].context["messages"]]
    assert shown == ["A meeting needs at least one chair."]


def test_a_staff_member_who_does_not_run_the_meeting_is_refused_by_the_service(
    world: World, recorder: Recorder
) -> None:
    staff = MemberFactory.create(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_participant", "change_participant"])
    )
    client = Client()
    client.force_login(staff)
    voter = world.participant(world.voters[0])
    url = change_url(voter)
    data = form_data(client, url)
    data["vote_weight"] = "5"
    sentence = "Only the chair of this meeting or an officer of its union may do this."
    assert recorder.trace(lambda: refused(client.post(url, data), sentence)) == NOTHING
    voter.refresh_from_db()
    assert voter.vote_weight == Decimal(1)


def test_a_member_on_a_roster_cannot_be_deleted_in_the_admin(world: World, admin: Client) -> None:
    member = world.voters[0]
    url = reverse("admin:meetings_member_delete", args=[member.pk])
    assert admin.post(url, {"post": "yes"}).status_code == 403
    bulk = admin.post(
        reverse("admin:meetings_member_changelist"),
        {"action": "delete_selected", "_selected_action": [member.pk], "post": "yes"},
    )
    assert bulk.status_code == 403
    assert Participant.objects.filter(member=member).exists()


# --- agenda ---------------------------------------------------------------------------


def _masked(trace: Trace, item_id: int) -> Trace:
    """The trace with the new item's id (which differs between two runs where
    the database does not roll sequences back) replaced by a marker."""

    def mask(value: Any) -> Any:
        return "new" if value == item_id else value

    acts = [(a, actor, {**d, "item": mask(d.get("item"))}) for a, actor, d in trace.acts]
    frames = []
    for group, frame in trace.frames:
        if frame.get("type") == "agenda.changed":
            frame = {
                **frame,
                "agenda": [{**i, "id": mask(i["id"])} for i in frame["agenda"]],
                "current_item_id": mask(frame["current_item_id"]),
            }
        frames.append((group, frame))
    return Trace(acts, frames)


def test_adding_an_agenda_item_is_agenda_item_add(
    world: World, admin: Client, superuser: Member, recorder: Recorder
) -> None:
    created: list[AgendaItem] = []
    expected = recorder.trace_undone(
        lambda: created.append(
            services.agenda_item_add(
                actor=superuser, meeting=world.meeting, title="Budget", description="For 2031"
            )
        )
    )
    assert [act[0] for act in expected.acts] == ["agenda.item_added"]

    url = reverse("admin:meetings_agendaitem_add")
    data = form_data(admin, url)
    data.update(meeting=str(world.meeting.pk), title="Budget", description="For 2031")
    trace = recorder.trace(lambda: saved(admin.post(url, data)))
    item = AgendaItem.objects.get(meeting=world.meeting, title="Budget")
    assert item.position == 4
    assert _masked(trace, item.pk) == _masked(expected, created[0].pk)


def test_an_agenda_item_cannot_be_added_to_a_closed_meeting(world: World, admin: Client) -> None:
    Meeting.objects.filter(pk=world.meeting.pk).update(status=Meeting.Status.CLOSED)
    url = reverse("admin:meetings_agendaitem_add")
    data = form_data(admin, url)
    data.update(meeting=str(world.meeting.pk), title="Late item")
    response = admin.post(url, data)
    refused(response, "The meeting is closed.")
    assert response.context["adminform"].form["title"].value() == "Late item"
    assert not AgendaItem.objects.filter(title="Late item").exists()
    assert not MeetingEvent.objects.exists()


def test_an_agenda_item_change_is_agenda_item_update(
    world: World, admin: Client, superuser: Member, recorder: Recorder
) -> None:
    item = world.items[1]
    expected = recorder.trace_undone(
        lambda: services.agenda_item_update(actor=superuser, item=item, title="Budget 2031")
    )
    url = change_url(item)
    data = form_data(admin, url)
    data.update(
        title="Budget 2031", position="1", state="current", meeting=str(MeetingFactory.create().pk)
    )
    assert recorder.trace(lambda: saved(admin.post(url, data))) == expected
    item.refresh_from_db()
    assert item.title == "Budget 2031"
    # Order, state and meeting are read-only (the chair console's).
    assert (item.position, item.state, item.meeting_id) == (
        2,
        AgendaItem.State.PENDING,
        world.meeting.pk,
    )


def test_deleting_an_agenda_item_is_agenda_item_delete(
    world: World, admin: Client, superuser: Member, recorder: Recorder
) -> None:
    item = world.items[0]
    expected = recorder.trace_undone(
        lambda: services.agenda_item_delete(actor=superuser, item=item)
    )
    assert [act[0] for act in expected.acts] == ["agenda.item_deleted"]
    trace = recorder.trace(lambda: saved(admin.post(delete_url(item), {"post": "yes"})))
    assert trace == expected
    assert [i.position for i in AgendaItem.objects.filter(meeting=world.meeting)] == [1, 2]


# --- actions ----------------------------------------------------------------------------


def test_revoking_a_proxy_in_the_admin_is_proxy_revoke(
    world: World, admin: Client, superuser: Member, recorder: Recorder
) -> None:
    giver, carrier = (world.participant(m) for m in world.voters[:2])
    proxy = services.proxy_create(
        actor=world.chair, meeting=world.meeting, delegator=giver, delegate=carrier
    )
    expected = recorder.trace_undone(lambda: services.proxy_revoke(actor=superuser, proxy=proxy))
    assert [act[0] for act in expected.acts] == ["proxy.revoked"]
    url = reverse("admin:meetings_proxy_changelist")
    trace = recorder.trace(
        lambda: saved(admin.post(url, {"action": "revoke", "_selected_action": [proxy.pk]}))
    )
    assert trace == expected
    proxy.refresh_from_db()
    assert proxy.revoked_by == superuser
