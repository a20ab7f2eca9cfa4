"""The admin: a support tool beside the officer and chair pages.

Every change to a meeting, its roster or its agenda goes through the service
the API and the socket call (`ServiceAdmin`), so it is checked, written to the
meeting's hash-chained log and published like any other; what no service
changes is shown read-only. Unions, members and memberships belong to no
meeting and have no service yet: staff set them up here (or by CSV import).
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet, URLField
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.exceptions import DomainError
from meetings import attendance, services
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


def acting_member(request: HttpRequest) -> Member:
    """The signed-in member: the actor every service call names."""
    if not isinstance(request.user, Member):
        raise PermissionDenied
    return request.user


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the services only: listed and searchable, never edited."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ServiceAdmin(admin.ModelAdmin):
    """An admin whose every write is one service call, as the signed-in member.

    The add form shows `add_fields` and hands them to `create()`; on the
    change form only `change_fields` are writable and `update()` gets the
    changed ones with the row as stored; `delete()` removes through a service
    (`deletes = True`). Every other field is read-only, and a permission with
    nothing behind it is withheld. A service's refusal (DomainError) rolls the
    whole request back and shows the form again with the refusal's sentence.
    """

    add_fields: tuple[str, ...] = ()
    change_fields: tuple[str, ...] = ()
    deletes = False

    def create(self, actor: Member, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def update(self, actor: Member, stored: Any, changes: dict[str, Any]) -> None:
        raise NotImplementedError

    def delete(self, actor: Member, obj: Any) -> None:
        raise NotImplementedError

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(self.add_fields) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(self.change_fields) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.deletes and super().has_delete_permission(request, obj)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return [(None, {"fields": self.add_fields})]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        shown = flatten_fieldsets(self.fieldsets) if self.fieldsets else list(self.fields or ())
        return [name for name in shown if name not in self.change_fields]

    def get_actions(self, request: HttpRequest) -> Any:
        # The bulk delete would delete the rows itself; delete one at a time.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # What a removal takes with it is the service's rule, not the
        # permissions of the read-only admins of the rows it cascades to.
        deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        refusal: str | None = getattr(request, "service_refusal", None)
        if refusal is None:
            return form

        def refuse(_form: Any) -> NoReturn:
            raise ValidationError(refusal)

        return type(form.__name__, (form,), {"clean": refuse})

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            # The attempt's transaction was rolled back: show the form again,
            # as posted, with the refusal; this second pass writes nothing.
            request.service_refusal = exc.message  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            opts = self.opts
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
            )

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        actor = acting_member(request)
        if change:
            # The stored row, not the form's copy: the services compare with it.
            stored = type(obj)._default_manager.get(pk=obj.pk)
            changes = {
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name in self.change_fields
            }
            if changes:
                self.update(actor, stored, changes)
        else:
            data = {name: form.cleaned_data[name] for name in self.add_fields}
            obj.pk = self.create(actor, data).pk
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete(acting_member(request), obj)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["member"]


@admin.register(Union)
class UnionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "parent"]
    search_fields = ["name", "code"]
    list_filter = ["parent"]
    inlines = [MembershipInline]


@admin.register(Member)
class MemberAdmin(UserAdmin):
    ordering = ["full_name"]
    list_display = ["username", "full_name", "member_number", "email", "phone", "is_staff"]
    search_fields = ["username", "full_name", "member_number", "email", "phone"]
    list_filter = ["is_staff", "is_superuser", "is_active", "preferred_language"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            "Member",
            {"fields": ("full_name", "member_number", "email", "phone", "preferred_language")},
        ),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "email", "password1", "password2"),
            },
        ),
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting would take their roster places with it, unlogged: a member
        # on a roster is removed from it first (or made inactive).
        if isinstance(obj, Member) and obj.participations.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["member", "union", "role", "vote_weight"]
    list_filter = ["union", "role"]
    search_fields = ["member__full_name", "member__member_number"]
    autocomplete_fields = ["member", "union"]


class AgendaItemInline(admin.TabularInline):
    """The agenda at a glance; items are changed on their own page."""

    model = AgendaItem
    extra = 0
    fields = ["position", "title", "state"]
    readonly_fields = ["position", "title", "state"]
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


MEETING_DETAILS = (
    "title",
    "starts_at",
    "time_zone",
    "language",
    "location",
    "livestream_url",
    "board_public",
)
MEETING_VOTING = ("quorum_kind", "quorum_count", "quorum_share", "requires_presence", "proxy_limit")
MEETING_ATTENDANCE = ("room_checkin_enabled", "allow_remote_participation")


@admin.register(Meeting)
class MeetingAdmin(ServiceAdmin):
    """Created, edited and configured through the meeting services; started
    and closed from the chair console; never deleted (its log is the record)."""

    list_display = ["title", "union", "starts_at", "status", "location"]
    list_filter = ["status", "union"]
    search_fields = ["title", "location"]
    date_hierarchy = "starts_at"
    inlines = [AgendaItemInline]
    fieldsets = (
        (None, {"fields": ("union", *MEETING_DETAILS)}),
        (_("Voting"), {"fields": MEETING_VOTING}),
        (_("Attendance"), {"fields": MEETING_ATTENDANCE}),
        (
            _("Record"),
            {"fields": ("status", "created_by", "created_at", "started_at", "closed_at")},
        ),
    )
    add_fields = ("union", "title", "starts_at", "time_zone", "location", "livestream_url")
    change_fields = (*MEETING_DETAILS, *MEETING_VOTING, *MEETING_ATTENDANCE)
    formfield_overrides = {URLField: {"assume_scheme": "https"}}

    def create(self, actor: Member, data: dict[str, Any]) -> Meeting:
        return services.meeting_create(actor=actor, **data)

    def update(self, actor: Member, stored: Meeting, changes: dict[str, Any]) -> None:
        details = {k: v for k, v in changes.items() if k in MEETING_DETAILS}
        voting = {k: v for k, v in changes.items() if k in MEETING_VOTING}
        presence = {k: v for k, v in changes.items() if k in MEETING_ATTENDANCE}
        if details:
            services.meeting_update(actor=actor, meeting=stored, **details)
        if voting:
            services.meeting_voting_settings_update(actor=actor, meeting=stored, **voting)
        if presence:
            attendance.attendance_settings_update(actor=actor, meeting=stored, **presence)


@admin.register(Participant)
class ParticipantAdmin(ServiceAdmin):
    """Roster places: added, changed (role, weight) and removed through the
    roster services. Presence changes at the door (the clerk's page)."""

    list_display = ["member", "meeting", "role", "vote_weight", "presence"]
    list_filter = ["meeting", "role", "presence"]
    search_fields = ["member__full_name", "member__member_number"]
    autocomplete_fields = ["member", "meeting"]
    fields = ("meeting", "member", "role", "vote_weight", "presence", "presence_changed_at")
    add_fields = ("meeting", "member", "role", "vote_weight")
    change_fields = ("role", "vote_weight")
    deletes = True

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None:  # as in the API: no weight given, the member's weight in the union
            weight = form.base_fields["vote_weight"]
            weight.required = False
            weight.initial = None
            weight.help_text = _("Leave empty for the member's vote weight in the union.")
        return form

    def create(self, actor: Member, data: dict[str, Any]) -> Participant:
        return services.participant_add(actor=actor, **data)

    def update(self, actor: Member, stored: Participant, changes: dict[str, Any]) -> None:
        services.participant_update(
            actor=actor,
            participant=stored,
            role=changes.get("role"),
            vote_weight=changes.get("vote_weight"),
        )

    def delete(self, actor: Member, obj: Participant) -> None:
        services.participant_remove(actor=actor, participant=obj)


@admin.register(AgendaItem)
class AgendaItemAdmin(ServiceAdmin):
    """Items are added, edited and deleted through the agenda services; their
    order and which one is current are the chair console's."""

    list_display = ["title", "meeting", "position", "state"]
    list_filter = ["meeting", "state"]
    search_fields = ["title"]
    fields = ("meeting", "position", "title", "description", "state")
    add_fields = ("meeting", "title", "description")
    change_fields = ("title", "description")
    deletes = True

    def create(self, actor: Member, data: dict[str, Any]) -> AgendaItem:
        return services.agenda_item_add(actor=actor, **data)

    def update(self, actor: Member, stored: AgendaItem, changes: dict[str, Any]) -> None:
        services.agenda_item_update(actor=actor, item=stored, **changes)

    def delete(self, actor: Member, obj: AgendaItem) -> None:
        services.agenda_item_delete(actor=actor, item=obj)


@admin.register(Proxy)
class ProxyAdmin(ReadOnlyAdmin):
    """Proxies are given and revoked through the services (the API), which
    check the limit and who may; here they are listed, and can be revoked."""

    list_display = ["delegator", "delegate", "meeting", "created_at", "created_by", "revoked_at"]
    list_filter = ["meeting", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["delegator__member__full_name", "delegate__member__full_name"]
    list_select_related = ["meeting", "delegator__member", "delegate__member", "created_by"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected proxies"), permissions=["view"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Proxy]) -> None:
        actor = acting_member(request)
        revoked = 0
        for proxy in queryset.filter(revoked_at__isnull=True):
            try:
                services.proxy_revoke(actor=actor, proxy=proxy)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                revoked += 1
        self.message_user(
            request,
            ngettext("%d proxy revoked.", "%d proxies revoked.", revoked) % revoked,
            messages.SUCCESS,
        )


@admin.register(AttendanceLog)
class AttendanceLogAdmin(ReadOnlyAdmin):
    """Every presence change (check-in, check-out, remote), by whom and how."""

    list_display = ["at", "participant", "meeting", "action", "presence", "method", "actor"]
    list_filter = ["meeting", "action", "method", "presence"]
    search_fields = ["participant__member__full_name", "participant__member__member_number"]
    list_select_related = ["participant__member", "meeting", "actor"]
    date_hierarchy = "at"


@admin.register(LoginToken)
class LoginTokenAdmin(ReadOnlyAdmin):
    """One-time login links (only their hashes are stored): who, until when,
    used or revoked. Unused ones can be revoked."""

    list_display = [
        "participant",
        "meeting",
        "created_at",
        "created_by",
        "expires_at",
        "used_at",
        "revoked_at",
    ]
    list_filter = [
        "meeting",
        ("used_at", admin.EmptyFieldListFilter),
        ("revoked_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["participant__member__full_name", "participant__member__member_number"]
    list_select_related = ["participant__member", "meeting", "created_by"]
    exclude = ["token_hash"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected login links"), permissions=["view"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[LoginToken]) -> None:
        actor = acting_member(request)
        revoked = 0
        for row in queryset.filter(used_at__isnull=True, revoked_at__isnull=True):
            try:
                attendance.login_invitation_revoke(actor=actor, login_token=row)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                revoked += 1
        self.message_user(
            request,
            ngettext("%d login link revoked.", "%d login links revoked.", revoked) % revoked,
            messages.SUCCESS,
        )


@admin.register(MeetingEvent)
class MeetingEventAdmin(ReadOnlyAdmin):
    """The hash-chained log of administrative acts."""

    list_display = ["meeting", "number", "action", "actor_name", "at"]
    list_filter = ["meeting", "action"]
    search_fields = ["action", "actor_name"]
    list_select_related = ["meeting"]
