from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from meetings.models import AgendaItem, Meeting, Member, Membership, Participant, Union


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
