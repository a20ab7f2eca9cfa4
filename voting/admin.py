"""Admin for polls and their records.

Polls are created, worded and moved through their states by the services
(the chair console and the API), which log and publish each act; no service
edits a draft's wording in place, so the admin shows polls read-only. Roll
entries, roll marks and ballots are the record of a vote: viewable, never
editable or deletable here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from meetings.admin import ReadOnlyAdmin
from voting.models import Ballot, Poll, PollOption, PollSeal, RollEntry, RollMark


class PollOptionInline(admin.TabularInline):
    model = PollOption
    extra = 0
    fields = ["position", "role", "label"]
    readonly_fields = ["position", "role", "label"]
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Poll)
class PollAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "meeting",
        "kind",
        "secrecy",
        "state",
        "majority",
        "base",
        "opened_at",
        "closed_at",
    ]
    list_filter = ["state", "kind", "secrecy", "majority", "meeting"]
    search_fields = ["title", "description", "meeting__title"]
    list_select_related = ["meeting"]
    date_hierarchy = "created_at"
    inlines = [PollOptionInline]
    fieldsets = (
        (None, {"fields": ("meeting", "agenda_item", "title", "description", "state")}),
        (
            _("Rules"),
            {
                "fields": (
                    "kind",
                    "secrecy",
                    "results_visibility",
                    "allow_remote",
                    ("min_choices", "max_choices", "seats"),
                    ("majority", "base", "tie_rule"),
                    "close_when_all_voted",
                )
            },
        ),
        (
            _("Record"),
            {
                "fields": (
                    ("created_by", "created_at"),
                    ("opened_at", "closes_at", "closed_at", "published_at"),
                    "quorum",
                    "quorum_override_reason",
                    ("entitled_weight", "present_weight"),
                    "result",
                    "lot_seed",
                    ("tie_decision", "tie_decided_by"),
                    "cancel_reason",
                )
            },
        ),
    )


@admin.register(RollEntry)
class RollEntryAdmin(ReadOnlyAdmin):
    list_display = ["member", "poll", "caster", "weight", "remote", "voted"]
    list_filter = ["remote", "poll__meeting", "poll"]
    search_fields = ["member__member__full_name", "member__member__member_number", "poll__title"]
    list_select_related = ["poll", "member__member", "caster__member", "mark"]

    @admin.display(boolean=True, description=_("voted"))
    def voted(self, entry: RollEntry) -> bool:
        return getattr(entry, "mark", None) is not None


@admin.register(RollMark)
class RollMarkAdmin(ReadOnlyAdmin):
    list_display = ["roll_entry", "poll", "method", "entered_by"]
    list_filter = ["method", "roll_entry__poll__meeting", "roll_entry__poll"]
    search_fields = ["roll_entry__member__member__full_name", "roll_entry__poll__title"]
    list_select_related = ["roll_entry__poll", "roll_entry__member__member", "entered_by"]

    @admin.display(description=_("poll"), ordering="roll_entry__poll")
    def poll(self, mark: RollMark) -> Poll:
        return mark.roll_entry.poll


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    """Ballots as cast. A secret poll's ballots carry no voter: nothing here
    pairs a member with a choice."""

    list_display = ["receipt_code", "poll", "choices", "weight", "roll_entry"]
    list_filter = ["poll__meeting", "poll"]
    search_fields = ["receipt_code", "poll__title"]
    list_select_related = ["poll", "roll_entry__member__member"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ballot]:
        return super().get_queryset(request).order_by("poll", "receipt_code")


@admin.register(PollSeal)
class PollSealAdmin(ReadOnlyAdmin):
    """Signed tree heads of closed polls, chained per meeting."""

    list_display = ["poll", "head_hash", "sealed_at"]
    list_filter = ["poll__meeting"]
    list_select_related = ["poll"]
