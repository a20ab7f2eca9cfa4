from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
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


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["member", "union", "role", "vote_weight"]
    list_filter = ["union", "role"]
    search_fields = ["member__full_name", "member__member_number"]
    autocomplete_fields = ["member", "union"]


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "union", "starts_at", "status", "location"]
    list_filter = ["status", "union"]
    search_fields = ["title", "location"]
    date_hierarchy = "starts_at"
    inlines = [AgendaItemInline]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["member", "meeting", "role", "vote_weight", "presence"]
    list_filter = ["meeting", "role", "presence"]
    search_fields = ["member__full_name", "member__member_number"]
    autocomplete_fields = ["member", "meeting"]


@admin.register(AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    list_display = ["title", "meeting", "position", "state"]
    list_filter = ["meeting", "state"]
    search_fields = ["title"]


@admin.register(Proxy)
class ProxyAdmin(admin.ModelAdmin):
    """Proxies are given and revoked through the services (the API), which
    check the limit and who may; here they are listed, and can be revoked."""

    list_display = ["delegator", "delegate", "meeting", "created_at", "created_by", "revoked_at"]
    list_filter = ["meeting", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["delegator__member__full_name", "delegate__member__full_name"]
    list_select_related = ["meeting", "delegator__member", "delegate__member", "created_by"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected proxies"), permissions=["view"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Proxy]) -> None:
        actor = request.user
        if not isinstance(actor, Member):
            return
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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the services only: listed and searchable, never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
        actor = request.user
        if not isinstance(actor, Member):
            return
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
