"""Unions, members, meetings, their rosters and agendas."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

WEIGHT_FIELD: dict[str, Any] = {
    "max_digits": 12,
    "decimal_places": 4,
    "validators": [MinValueValidator(0)],
}


class Union(models.Model):
    """A union; a local union may sit under a provincial federation."""

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent union"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("union")
        verbose_name_plural = _("unions")

    def __str__(self) -> str:
        return self.name


class Member(AbstractUser):
    """A person who signs in. `username` is the login; the rest is the member card."""

    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    full_name = models.CharField(_("full name"), max_length=200)
    member_number = models.CharField(_("member number"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )

    REQUIRED_FIELDS = ["email", "full_name"]

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("member")
        verbose_name_plural = _("members")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        OFFICER = "officer", _("Officer")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="memberships")
    union = models.ForeignKey(Union, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    vote_weight = models.DecimalField(_("vote weight"), default=Decimal(1), **WEIGHT_FIELD)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["union", "member__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["member", "union"], name="membership_unique"),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.member} in {self.union} ({self.role})"


class QuorumKind(models.TextChoices):
    NONE = "none", _("No quorum")
    COUNT = "count", _("Voters present")
    SHARE = "share", _("Share of voting weight")


class Meeting(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live")
        CLOSED = "closed", _("Closed")

    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    livestream_url = models.URLField(_("livestream URL"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED
    )
    # Last event sequence number; bumped in the same transaction as each change,
    # so it stays exact whichever server process made the change.
    event_seq = models.BigIntegerField(default=0, editable=False)
    # Bumping this revokes every projector link handed out so far.
    projector_key_version = models.PositiveIntegerField(default=0, editable=False)
    # Voting settings.
    quorum_kind = models.CharField(
        _("quorum"), max_length=16, choices=QuorumKind.choices, default=QuorumKind.NONE
    )
    quorum_count = models.PositiveIntegerField(
        _("quorum: participants present"),
        default=0,
        help_text=_("With a count quorum: at least this many voters present."),
    )
    quorum_share = models.DecimalField(
        _("quorum: share of weight"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.5"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("With a share quorum: more than this share of the roster's voting weight."),
    )
    requires_presence = models.BooleanField(
        _("only present voters may vote"),
        default=False,
        help_text=_("Polls entitle only voters checked in (in the room or remotely)."),
    )
    proxy_limit = models.PositiveSmallIntegerField(_("proxies one delegate may carry"), default=1)
    created_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return self.title


class Participant(models.Model):
    """A member on a meeting's roster."""

    class Role(models.TextChoices):
        CHAIR = "chair", _("Chair")
        CLERK = "clerk", _("Clerk")
        VOTER = "voter", _("Voter")
        OBSERVER = "observer", _("Observer")

    class Presence(models.TextChoices):
        ABSENT = "absent", _("Absent")
        ROOM = "room", _("Present in the room")
        REMOTE = "remote", _("Present remotely")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="participations")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VOTER)
    vote_weight = models.DecimalField(_("vote weight"), default=Decimal(1), **WEIGHT_FIELD)
    # Filled by check-in; every change also goes to the attendance log.
    presence = models.CharField(
        _("presence"), max_length=16, choices=Presence.choices, default=Presence.ABSENT
    )
    presence_changed_at = models.DateTimeField(null=True, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "member__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="participant_unique"),
        ]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return f"{self.member} ({self.role})"

    @property
    def controls_meeting(self) -> bool:
        return self.role in (self.Role.CHAIR, self.Role.CLERK)


class AgendaItem(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        CURRENT = "current", _("Current")
        DONE = "done", _("Done")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )

    class Meta:
        ordering = ["meeting", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting"],
                condition=Q(state="current"),
                name="agenda_one_current_item",
            ),
        ]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class Proxy(models.Model):
    """A participant's vote delegated to another voter for the meeting.

    Void while the delegator is present; revoked rows are kept for the record.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="proxies")
    delegator = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="proxies_given"
    )
    delegate = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="proxies_carried"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["meeting", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["delegator"],
                condition=Q(revoked_at__isnull=True),
                name="proxy_one_active_per_delegator",
            ),
            models.CheckConstraint(
                condition=~Q(delegator=models.F("delegate")), name="proxy_not_to_self"
            ),
        ]
        verbose_name = _("proxy")
        verbose_name_plural = _("proxies")

    def __str__(self) -> str:
        return f"{self.delegator} -> {self.delegate}"
