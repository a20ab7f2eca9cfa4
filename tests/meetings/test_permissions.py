"""The permission table, action by action and role by role, through the real
services: each case sets the meeting up as its chair, then lets a member with
the role under test try the action. Allowed roles succeed; every other role is
refused with NotAllowed and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from core.exceptions import NotAllowed
from documents import services as document_services
from documents.models import Document
from meetings import attendance, permissions, selectors, services
from meetings.models import Member, Membership, Participant
from tests.conftest import World
from tests.documents.pdfs import make_pdf
from tests.factories import MemberFactory, MembershipFactory, ParticipantFactory
from tests.voting.conftest import receipt
from voting import selectors as voting_selectors
from voting import services as voting_services
from voting.models import Poll

Case = Callable[[World, Member], object]


def _live(world: World) -> World:
    world.meeting.refresh_from_db()
    if world.meeting.status == "scheduled":
        services.meeting_start(actor=world.chair, meeting=world.meeting)
        world.meeting.refresh_from_db()
    return world


def _poll(world: World, *, open_: bool = False, **fields: Any) -> Poll:
    _live(world)
    for open_poll in Poll.objects.filter(meeting=world.meeting, state="open"):
        voting_services.poll_close(actor=world.chair, poll=open_poll)
    poll = voting_services.poll_create(
        actor=world.chair, meeting=world.meeting, title="Adopt?", kind="motion", **fields
    )
    return voting_services.poll_open(actor=world.chair, poll=poll) if open_ else poll


def _prepare_polls(world: World, actor: Member) -> None:
    """poll.prepare covers creating, editing and reordering drafts."""
    drafts = [_poll(world), _poll(world)]
    voting_services.polls_reorder(
        actor=actor, meeting=world.meeting, order=[p.pk for p in drafts[::-1]]
    )
    voting_services.poll_update(actor=actor, poll=drafts[0], title="Adopt as amended?")
    voting_services.poll_create(actor=actor, meeting=world.meeting, title="Adopt?", kind="motion")


def _closed_poll(world: World, **fields: Any) -> Poll:
    poll = _poll(world, open_=True, **fields)
    return voting_services.poll_close(actor=world.chair, poll=poll)


def _tied_poll(world: World) -> Poll:
    poll = _poll(world, open_=True, tie_rule="chair")
    yes, no = (poll.options.get(label=label).pk for label in ("Yes", "No"))
    for member, choice in ((world.voters[0], yes), (world.voters[1], no)):
        voting_services.ballot_cast(
            voter=member, poll_id=poll.pk, choices=[choice], nonce=receipt()
        )
    return voting_services.poll_close(actor=world.chair, poll=poll)


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("agenda.pdf", make_pdf(2), "application/pdf")


def _document(world: World) -> Document:
    return document_services.document_upload(
        actor=world.chair, meeting=world.meeting, upload=_pdf(), title="Agenda"
    ).document


def _newcomer(world: World) -> Member:
    member = MemberFactory.create()
    MembershipFactory.create(member=member, union=world.union)
    return member


def _paper_ballot(world: World, actor: Member) -> object:
    poll = _poll(world, open_=True)
    entry = poll.roll.get(member__member=world.voters[0])
    return voting_services.paper_ballot_enter(
        actor=actor, poll=poll, roll_entry_id=entry.pk, choices=[poll.options.get(label="Yes").pk]
    )


def _roll(world: World, actor: Member) -> object:
    poll = _poll(world, open_=True)
    viewer = selectors.meeting_viewer(meeting=world.meeting, member=actor)
    return voting_selectors.poll_roll(poll=poll, viewer=viewer)


def _attendance_log(world: World, actor: Member) -> object:
    client = APIClient()
    client.force_authenticate(actor)
    response = client.get(f"/api/meetings/{world.meeting.pk}/attendance/log/")
    if response.status_code in (403, 404):  # 404: outside the union, the meeting is hidden
        raise NotAllowed(response.json()["detail"])
    assert response.status_code == 200, response.content
    return response


CASES: dict[str, Case] = {
    "meeting.create": lambda w, a: services.meeting_create(
        actor=a, union=w.union, title="Next", starts_at=timezone.now()
    ),
    "members.import": lambda w, a: services.members_import(
        actor=a, union=w.union, data="member_number,full_name\nN-1,Nguyễn Văn A\n"
    ),
    "meeting.edit": lambda w, a: services.meeting_update(
        actor=a, meeting=w.meeting, location="Hall B"
    ),
    "agenda.edit": lambda w, a: services.agenda_item_add(actor=a, meeting=w.meeting, title="New"),
    "roster.edit": lambda w, a: services.participant_add(
        actor=a, meeting=w.meeting, member=_newcomer(w)
    ),
    "proxy.register": lambda w, a: services.proxy_create(
        actor=a,
        meeting=w.meeting,
        delegator=w.participant(w.voters[0]),
        delegate=w.participant(w.voters[1]),
    ),
    "meeting.start": lambda w, a: services.meeting_start(actor=a, meeting=w.meeting),
    "meeting.close": lambda w, a: (
        _live(w),
        services.meeting_close(actor=a, meeting=w.meeting),
    ),
    "agenda.advance": lambda w, a: (
        _live(w),
        services.agenda_advance(actor=a, meeting=w.meeting, direction="next"),
    ),
    "projector.links": lambda w, a: services.projector_link_create(actor=a, meeting=w.meeting),
    "attendance.check_in": lambda w, a: (
        _live(w),
        attendance.participant_check_in(actor=a, participant=w.participant(w.voters[0])),
    ),
    "attendance.view": _attendance_log,
    "badges.issue": lambda w, a: attendance.badge_revoke(
        actor=a, participant=w.participant(w.voters[0])
    ),
    "invitations.manage": lambda w, a: attendance.login_invitations_create(
        actor=a, meeting=w.meeting, participant_ids=[w.participant(w.voters[0]).pk]
    ),
    "poll.prepare": _prepare_polls,
    "poll.open": lambda w, a: voting_services.poll_open(actor=a, poll=_poll(w)),
    "poll.close": lambda w, a: voting_services.poll_close(actor=a, poll=_poll(w, open_=True)),
    "poll.cancel": lambda w, a: voting_services.poll_cancel(actor=a, poll=_poll(w), reason="No"),
    "poll.decide_tie": lambda w, a: voting_services.poll_decide_tie(
        actor=a, poll=_tied_poll(w), winners=[]
    ),
    "poll.publish": lambda w, a: voting_services.poll_publish(actor=a, poll=_closed_poll(w)),
    "poll.roll_view": _roll,
    "ballot.paper": _paper_ballot,
    "document.upload": lambda w, a: document_services.document_upload(
        actor=a, meeting=w.meeting, upload=_pdf(), title="Budget"
    ),
    "document.delete": lambda w, a: document_services.document_delete(
        actor=a, document=_document(w)
    ),
    "document.present": lambda w, a: document_services.presenter_show(
        actor=a, meeting=w.meeting, document=_document(w), page=1
    ),
    "presenter.assign": lambda w, a: document_services.presenter_assign(
        actor=a, meeting=w.meeting, participant=w.participant(w.voters[0])
    ),
}

# Apps built on the table (speakers, motions) test their own rows beside their
# services; these are the rows of the apps this file covers.
COVERED_APPS = {"meetings", "voting", "documents"}


def test_every_action_of_these_apps_has_a_case() -> None:
    registered = {a.name for a in permissions.actions() if a.app in COVERED_APPS}
    assert registered == set(CASES)


def actor_with_role(world: World, role: str) -> Member:
    """A fresh member of the union holding only `role`: a union officer who is
    not on the roster, or a plain member with that role on the roster."""
    member = MemberFactory.create(full_name=f"Acting {role}")
    MembershipFactory.create(
        member=member,
        union=world.union,
        role=Membership.Role.OFFICER if role == permissions.OFFICER else Membership.Role.MEMBER,
        vote_weight=Decimal(1),
    )
    if role != permissions.OFFICER:
        ParticipantFactory.create(meeting=world.meeting, member=member, role=role)
    return member


@pytest.mark.parametrize("role", permissions.ROLES)
@pytest.mark.parametrize("action", sorted(CASES))
def test_the_table_is_what_the_services_enforce(
    world: World, media_root: Path, action: str, role: str
) -> None:
    actor = actor_with_role(world, role)
    case = CASES[action]
    if permissions.role_may(role, action):
        case(world, actor)
    else:
        with pytest.raises(NotAllowed):
            case(world, actor)


def test_a_member_outside_the_union_may_do_nothing(world: World, media_root: Path) -> None:
    for action, case in sorted(CASES.items()):
        with pytest.raises(NotAllowed):
            case(world, world.outsider)
        assert not permissions.allowed(actor=world.outsider, meeting=world.meeting, action=action)


def test_allowed_actions_is_the_table_row_of_the_role(world: World) -> None:
    for role in permissions.ROLES:
        actor = actor_with_role(world, role)
        expected = {a.name for a in permissions.actions() if role in a.roles}
        assert permissions.allowed_actions(actor=actor, meeting=world.meeting) == expected


def test_an_officer_on_the_roster_holds_both_rows(world: World) -> None:
    # The world's chair is also an officer of the union.
    mine = permissions.allowed_actions(actor=world.chair, meeting=world.meeting)
    assert {"meeting.create", "agenda.advance", "poll.open"} <= mine
    clerk = permissions.allowed_actions(actor=world.clerk, meeting=world.meeting)
    assert "agenda.advance" not in clerk and "attendance.check_in" in clerk


def test_an_app_registers_its_own_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(permissions, "_TABLE", dict(permissions._TABLE))
    name = permissions.register_action("test.wave", {permissions.CHAIR}, label="Wave", app="tests")
    assert permissions.action_roles(name) == {permissions.CHAIR}
    # The same row again is harmless; other roles under the same name are a mistake.
    permissions.register_action("test.wave", {permissions.CHAIR}, label="Wave", app="tests")
    with pytest.raises(ValueError):
        permissions.register_action("test.wave", {permissions.CLERK}, label="Wave", app="tests")
    with pytest.raises(ValueError):
        permissions.register_action("test.dance", {"dancer"}, label="Dance", app="tests")


def test_the_guest_role_follows_but_does_not_vote(world: World) -> None:
    guest = actor_with_role(world, Participant.Role.GUEST)
    assert permissions.allowed_actions(actor=guest, meeting=world.meeting) == set()
    poll = _poll(world, open_=True)
    assert not poll.roll.filter(member__member=guest).exists()


def test_the_docs_show_the_table() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "permissions.md").read_text()
    documented = {}
    for line in text.splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            name = cells[0].strip("`")
            documented[name] = {
                role for role, cell in zip(permissions.ROLES, cells[2:], strict=True) if cell
            }
    assert documented == {a.name: set(a.roles) for a in permissions.actions()}
