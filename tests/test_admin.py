"""Every write the admin offers is a decision on record.

For each registered model admin (and each of its inlines) the test computes
what a superuser may write: the add form's fields, the change form's
writable fields, deletion, and the actions. It must match WRITES below. A
new writable field, inline, permission or action fails this test until
someone decides: route it through a service (ServiceAdmin, or an action
that calls one, shown in tests/<app>/test_admin.py to leave the service's
log act and events), or write it directly, which only rows that belong to
no meeting may be (no meeting log or event covers them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth.models import Group
from django.db.models import Model
from django.test import RequestFactory

from documents import services as document_services
from documents.models import Document, DocumentPage, DocumentVersion, PageNote, Presentation
from meetings import attendance
from meetings import services as meeting_services
from meetings.admin import ServiceAdmin
from meetings.models import (
    AgendaItem,
    AttendanceLog,
    LoginToken,
    Meeting,
    MeetingEvent,
    Member,
    Membership,
    Participant,
    Proxy,
    Union,
)
from tests.admin_pages import superuser
from tests.conftest import World
from tests.documents.conftest import pdf_upload
from voting import services as voting_services
from voting.models import Ballot, Poll, PollOption, PollSeal, RollEntry, RollMark

__all__ = ["superuser"]  # fixture

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Writes:
    add: frozenset[str] = frozenset()
    change: frozenset[str] = frozenset()
    delete: bool = False
    actions: frozenset[str] = frozenset()


def writes(
    add: tuple[str, ...] = (),
    change: tuple[str, ...] = (),
    delete: bool = False,
    actions: tuple[str, ...] = (),
) -> Writes:
    return Writes(frozenset(add), frozenset(change), delete, frozenset(actions))


SERVICE = "service"  # every write is one service call, as the signed-in member
DIRECT = "direct"  # saved by the admin itself: rows of no meeting
NONE = "read-only"

MEMBER_FIELDS = ("full_name", "member_number", "email", "phone", "preferred_language")
ACCOUNT_FIELDS = ("username", "is_active", "is_staff", "is_superuser", "groups")
ACCOUNT_DATES = ("user_permissions", "last_login", "date_joined")
MEETING_FIELDS = (
    "title",
    "starts_at",
    "time_zone",
    "language",
    "location",
    "livestream_url",
    "board_public",
    "quorum_kind",
    "quorum_count",
    "quorum_share",
    "requires_presence",
    "proxy_limit",
    "room_checkin_enabled",
    "allow_remote_participation",
)

# Keyed by model label, or "<model label> inline <inline model label>".
WRITES: dict[str, tuple[str, Writes]] = {
    # Set-up outside any meeting (no service yet): unions, accounts, memberships.
    "auth.Group": (
        DIRECT,
        writes(("name", "permissions"), ("name", "permissions"), True, ("delete_selected",)),
    ),
    "meetings.Union": (
        DIRECT,
        writes(
            ("name", "code", "parent", "time_zone"),
            ("name", "code", "parent", "time_zone"),
            True,
            ("delete_selected",),
        ),
    ),
    "meetings.Union inline meetings.Membership": (
        DIRECT,
        writes(("member", "role", "vote_weight"), ("member", "role", "vote_weight"), True),
    ),
    "meetings.Member": (
        DIRECT,  # a member on a roster cannot be deleted (tests/meetings/test_admin.py)
        writes(
            ("username", "full_name", "email", "usable_password", "password1", "password2"),
            (*ACCOUNT_FIELDS, *MEMBER_FIELDS, *ACCOUNT_DATES),
            True,
            ("delete_selected",),
        ),
    ),
    "meetings.Membership": (
        DIRECT,
        writes(
            ("member", "union", "role", "vote_weight"),
            ("member", "union", "role", "vote_weight"),
            True,
            ("delete_selected",),
        ),
    ),
    # Meetings: meeting_create, meeting_update, meeting_voting_settings_update,
    # attendance_settings_update.
    "meetings.Meeting": (
        SERVICE,
        writes(
            ("union", "title", "starts_at", "time_zone", "location", "livestream_url"),
            MEETING_FIELDS,
        ),
    ),
    "meetings.Meeting inline meetings.AgendaItem": (NONE, writes()),
    # participant_add, participant_update, participant_remove.
    "meetings.Participant": (
        SERVICE,
        writes(("meeting", "member", "role", "vote_weight"), ("role", "vote_weight"), True),
    ),
    # agenda_item_add, agenda_item_update, agenda_item_delete.
    "meetings.AgendaItem": (
        SERVICE,
        writes(("meeting", "title", "description"), ("title", "description"), True),
    ),
    "meetings.Proxy": (SERVICE, writes(actions=("revoke",))),  # proxy_revoke
    "meetings.LoginToken": (SERVICE, writes(actions=("revoke",))),  # login_invitation_revoke
    "meetings.AttendanceLog": (NONE, writes()),
    "meetings.MeetingEvent": (NONE, writes()),
    "voting.Poll": (NONE, writes()),
    "voting.Poll inline voting.PollOption": (NONE, writes()),
    "voting.RollEntry": (NONE, writes()),
    "voting.RollMark": (NONE, writes()),
    "voting.Ballot": (NONE, writes()),
    "voting.PollSeal": (NONE, writes()),
    "documents.Document": (SERVICE, writes(delete=True)),  # document_delete
    "documents.Document inline documents.DocumentVersion": (NONE, writes()),
    "documents.DocumentVersion": (NONE, writes()),
    "documents.DocumentPage": (NONE, writes()),
    "documents.PageNote": (NONE, writes()),
    "documents.Presentation": (SERVICE, writes(change=("presenter",))),  # presenter_assign
}


def _writable(form: Any) -> frozenset[str]:
    return frozenset(name for name, field in form.base_fields.items() if not field.disabled)


def admin_writes(model_admin: admin.ModelAdmin, request: Any, obj: Model) -> Writes:
    """What the admin lets `request.user` write: on the add form, on the
    change form of `obj`, by deleting `obj`, and by actions."""
    add: frozenset[str] = frozenset()
    change: frozenset[str] = frozenset()
    if model_admin.has_add_permission(request):
        fields = flatten_fieldsets(model_admin.get_fieldsets(request, None))
        add = _writable(model_admin.get_form(request, None, change=False, fields=fields))
    if model_admin.has_change_permission(request, obj):
        fields = flatten_fieldsets(model_admin.get_fieldsets(request, obj))
        change = _writable(model_admin.get_form(request, obj, change=True, fields=fields))
    return Writes(
        add,
        change,
        model_admin.has_delete_permission(request, obj),
        frozenset(model_admin.get_actions(request)),
    )


def inline_writes(inline: Any, request: Any, obj: Model) -> Writes:
    formset = inline.get_formset(request, obj)
    fields = _writable(formset.form) - {formset.fk.name}  # the parent, fixed by the formset
    return Writes(
        fields if inline.has_add_permission(request, obj) else frozenset(),
        fields if inline.has_change_permission(request, obj) else frozenset(),
        inline.can_delete and inline.has_delete_permission(request, obj),
    )


@pytest.fixture
def rows(world: World) -> dict[type[Model], Model]:
    """One row of every registered model, made as the application makes it."""
    chair, meeting = world.chair, world.meeting
    meeting_services.meeting_start(actor=chair, meeting=meeting)
    voters = [world.participant(v) for v in world.voters]
    meeting_services.proxy_create(
        actor=chair, meeting=meeting, delegator=voters[1], delegate=voters[2]
    )
    attendance.participant_check_in(actor=chair, participant=voters[0])
    attendance.login_invitations_create(
        actor=chair, meeting=meeting, participant_ids=[voters[0].pk]
    )
    poll = voting_services.poll_create(
        actor=chair, meeting=meeting, title="Adopt?", kind="motion", secrecy="named"
    )
    poll = voting_services.poll_open(actor=chair, poll=poll)
    voting_services.ballot_cast(
        voter=world.voters[0],
        poll_id=poll.pk,
        choices=[poll.options.get(label="Yes").pk],
        nonce="A" * 16,
    )
    voting_services.poll_close(actor=chair, poll=poll)
    version = document_services.document_upload(actor=chair, meeting=meeting, upload=pdf_upload())
    document_services.page_note_save(
        actor=world.voters[0], version=version, page_number=1, text="x"
    )
    document_services.presenter_show(
        actor=chair, meeting=meeting, document=version.document, page=1
    )
    Group.objects.create(name="Support")
    sample: dict[type[Model], Model] = {
        Member: world.outsider,  # on no roster: see MemberAdmin.has_delete_permission
        Participant: voters[0],
    }
    for model in (
        Group,
        Union,
        Membership,
        Meeting,
        AgendaItem,
        Proxy,
        LoginToken,
        AttendanceLog,
        MeetingEvent,
        Poll,
        PollOption,
        RollEntry,
        RollMark,
        Ballot,
        PollSeal,
        Document,
        DocumentVersion,
        DocumentPage,
        PageNote,
        Presentation,
    ):
        row = model._default_manager.order_by("pk").first()
        assert row is not None, model
        sample[model] = row
    return sample


def test_every_admin_write_is_decided(rows: dict[type[Model], Model], superuser: Member) -> None:
    request = RequestFactory().get("/admin/")
    request.user = superuser
    found: dict[str, Writes] = {}
    for model, model_admin in admin.site._registry.items():
        assert model in rows, f"no sample row of {model._meta.label}: add one to rows()"
        obj = rows[model]
        found[model._meta.label] = admin_writes(model_admin, request, obj)
        for inline in model_admin.get_inline_instances(request, obj):
            key = f"{model._meta.label} inline {inline.model._meta.label}"
            found[key] = inline_writes(inline, request, obj)
    assert found == {key: decided for key, (_how, decided) in WRITES.items()}


def test_what_is_written_through_services_is_a_service_admin() -> None:
    """Its save and delete call services; any other admin would save the row."""
    for model, model_admin in admin.site._registry.items():
        how, decided = WRITES[model._meta.label]
        if how == SERVICE and (decided.add or decided.change or decided.delete):
            assert isinstance(model_admin, ServiceAdmin), model._meta.label


def _belongs_to_a_meeting(model: type[Model], seen: frozenset[type[Model]] = frozenset()) -> bool:
    """Whether following the model's foreign keys leads to a meeting."""
    if model is Meeting:
        return True
    owners = {
        f.related_model
        for f in model._meta.get_fields()
        if (f.many_to_one or f.one_to_one) and f.concrete and isinstance(f.related_model, type)
    }
    return any(_belongs_to_a_meeting(owner, seen | {model}) for owner in owners - seen)


def test_only_rows_of_no_meeting_are_written_directly() -> None:
    """A direct write leaves nothing in a meeting's log: only rows no meeting owns."""
    assert _belongs_to_a_meeting(PollOption)  # the check can see two steps away
    for key, (how, _decided) in WRITES.items():
        if how == DIRECT:
            model = apps.get_model(key.split(" inline ")[-1])
            assert not _belongs_to_a_meeting(model), key
