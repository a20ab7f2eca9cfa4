"""Unions, members, meetings, their rosters and agendas."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from meetings.timezones import validate_time_zone

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
    # Meetings take it by default; an IANA name (meetings.timezones).
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
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
    # Where the meeting takes place: every time it shows is read in this zone.
    # Left blank, it is the union's (filled in on save).
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_time_zone]
    )
    # What is printed for the whole room (badges) is in this language, not
    # in the language of whoever downloads it.
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    livestream_url = models.URLField(_("livestream URL"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED
    )
    # Last event sequence number; bumped in the same transaction as each change,
    # so it stays exact whichever server process made the change.
    event_seq = models.BigIntegerField(default=0, editable=False)
    # Bumping this revokes every projector link handed out so far.
    projector_key_version = models.PositiveIntegerField(default=0, editable=False)
    # What the room's screen shows (meetings.projector_scenes). "follow" picks
    # from the meeting's state; a poll's result shows only if it closed after
    # projector_since, so moving on clears it.
    projector_scene = models.CharField(max_length=16, default="follow", editable=False)
    projector_since = models.DateTimeField(null=True, blank=True, editable=False)
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
    # Attendance settings.
    room_checkin_enabled = models.BooleanField(
        _("room self check-in"),
        default=True,
        help_text=_(
            "Members may check themselves in by scanning the rotating QR code on the projector."
        ),
    )
    allow_remote_participation = models.BooleanField(
        _("remote participation"),
        default=False,
        help_text=_("Members following the livestream may confirm their presence remotely."),
    )
    # Audit settings.
    board_public = models.BooleanField(
        _("public bulletin board"),
        default=False,
        help_text=_(
            "Anyone, without logging in, may see the bulletin board of this meeting's "
            "closed polls. Otherwise only members of the union may."
        ),
    )
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

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.time_zone:
            self.time_zone = self.union.time_zone
        super().save(*args, **kwargs)

    @property
    def zone(self) -> ZoneInfo:
        """The meeting's time zone (the union's when none was set)."""
        return ZoneInfo(self.time_zone or self.union.time_zone)


def new_badge_key() -> str:
    """A fresh random badge key (64 bits, URL-safe)."""
    return secrets.token_urlsafe(8)


class Participant(models.Model):
    """A member on a meeting's roster."""

    class Role(models.TextChoices):
        CHAIR = "chair", _("Chair")
        CLERK = "clerk", _("Clerk")
        VOTER = "voter", _("Voter")
        OBSERVER = "observer", _("Observer")
        GUEST = "guest", _("Guest")

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
    # Part of the participant's signed badge token; a new key revokes the badge.
    badge_key = models.CharField(
        _("badge key"), max_length=32, default=new_badge_key, editable=False
    )
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
    # When the item first became current in the live meeting (the minutes
    # print it); going back to it later keeps the first time.
    started_at = models.DateTimeField(_("started at"), null=True, blank=True, editable=False)

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


class MeetingEvent(models.Model):
    """One administrative act, appended to the meeting's hash-chained log.

    `hash` is SHA-256 over the RFC 8785 encoding of the other fields as
    `meetings.log.event_body` lays them out, `previous` is the hash before it.
    Rows are never changed or deleted; a verifier recomputes the chain.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="log")
    number = models.PositiveIntegerField()
    action = models.CharField(max_length=64)
    actor = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()
    data = models.JSONField(default=dict)
    previous = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="meeting_event_number"),
        ]
        verbose_name = _("meeting log event")
        verbose_name_plural = _("meeting log")

    def __str__(self) -> str:
        return f"{self.number}. {self.action}"


class AttendanceLog(models.Model):
    """One presence change of a participant: who, when, how, and by whom.

    Written by meetings.attendance only, in the same transaction as the change.
    """

    class Action(models.TextChoices):
        CHECK_IN = "check_in", _("Checked in")
        CHECK_OUT = "check_out", _("Checked out")

    class Method(models.TextChoices):
        BADGE = "badge", _("Badge scanned by a clerk")
        MEMBER_NUMBER = "member_number", _("Member number entered by a clerk")
        MANUAL = "manual", _("By a clerk")
        ROOM_QR = "room_qr", _("Room QR code")
        REMOTE = "remote", _("Confirmed remotely")
        SELF = "self", _("By the member")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance_log")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="attendance_log"
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    presence = models.CharField(
        _("presence after"), max_length=16, choices=Participant.Presence.choices
    )
    previous = models.CharField(
        _("presence before"), max_length=16, choices=Participant.Presence.choices
    )
    actor = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["meeting", "-at", "-id"]
        indexes = [models.Index(fields=["meeting", "-at"], name="attendance_meeting_at")]
        verbose_name = _("attendance log entry")
        verbose_name_plural = _("attendance log")

    def __str__(self) -> str:
        return f"{self.participant}: {self.action} ({self.method})"


class LoginToken(models.Model):
    """A one-time login link for a participant who cannot type a password.

    Only the SHA-256 of the token is stored; the token itself is shown once,
    on the printed invitation. Single use, short-lived, revocable.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="login_tokens")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="login_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["meeting", "-created_at", "-id"]
        verbose_name = _("login invitation")
        verbose_name_plural = _("login invitations")

    def __str__(self) -> str:
        return f"{self.participant} ({self.created_at:%Y-%m-%d %H:%M})"


class ProjectorLink(models.Model):
    """A room screen paired with a meeting: its token opens the projector page
    until the chair revokes this link (or every link)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="projector_links")
    label = models.CharField(_("label"), max_length=80, blank=True)
    created_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("projector link")
        verbose_name_plural = _("projector links")

    def __str__(self) -> str:
        return self.label or f"#{self.pk}"


class ProjectorPairing(models.Model):
    """A short code shown in the console that a room PC types (or scans) once
    to become a projector. Only its hash is kept; it expires in minutes."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"pairing #{self.pk} for meeting {self.meeting_id}"
