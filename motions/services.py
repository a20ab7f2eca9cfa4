"""Writes for motions, amendments and the resolution: every rule lives here.

REST views and socket commands call these functions and nothing else. Each
state change is appended to the meeting's hash-chained log and announced as
`motions.changed` (or `resolution.changed`) after commit. Putting a motion or
an amendment to the vote creates and opens a linked poll with the meeting's
rule for motions; its result comes back through voting's hooks
(motions.outcomes).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from meetings import log
from meetings.models import Meeting, Member
from meetings.services.common import lock_meeting
from meetings.services.projector import projector_put_up
from motions import events, permissions, selectors, texts
from motions.models import Amendment, Motion, MotionSettings, Resolution, Support, TextVersion
from voting import rules
from voting import services as voting_services
from voting.models import Poll

MAX_TITLE = 300
MAX_TEXT = 20_000
OPEN_STATES = (Motion.State.SUBMITTED, Motion.State.ADMITTED)


def _log(motion_or_meeting_id: int, action: str, actor: Member | None, **data: Any) -> None:
    log.log_append(meeting_id=motion_or_meeting_id, action=action, actor=actor, data=data)


def _lock_motion(motion: Motion) -> Motion:
    locked = (
        Motion.objects.select_for_update().select_related("meeting").filter(pk=motion.pk).first()
    )
    if locked is None:
        raise NotFound(_("No such motion."))
    return locked


def _open_meeting(meeting: Meeting) -> Meeting:
    meeting = lock_meeting(meeting)
    if meeting.status == Meeting.Status.CLOSED:
        raise Conflict(_("The meeting is closed."))
    return meeting


def _clean_text(
    value: str, field: str, *, required: bool, limit: int, one_line: bool = False
) -> str:
    """Paragraphs cleaned (texts.clean), or a one-line value trimmed; `field`
    names it in the refusal, in the reader's language."""
    text = (value or "").strip() if one_line else texts.clean(value)
    if required and not text:
        raise InvalidInput(_("%(field)s is required.") % {"field": field})
    if len(text) > limit:
        raise InvalidInput(
            _("%(field)s is too long (at most %(n)d characters).") % {"field": field, "n": limit}
        )
    return text


def _set_state(obj: Motion | Amendment, state: str) -> None:
    obj.state = state
    obj.state_changed_at = timezone.now()
    obj.save(update_fields=["state", "state_changed_at"])


# --- settings --------------------------------------------------------------------


@transaction.atomic
def motion_settings_update(
    *,
    actor: Member,
    meeting: Meeting,
    min_supporters: int | None = None,
    majority: str | None = None,
    base: str | None = None,
    tie_rule: str | None = None,
    secrecy: str | None = None,
) -> MotionSettings:
    """The chair sets how many supporters make a motion admissible and the
    rule motions and amendments are voted with. Fields left None keep their value."""
    permissions.require(actor=actor, meeting=meeting, action=permissions.MOTION_SETTINGS)
    meeting = _open_meeting(meeting)
    settings, _created = MotionSettings.objects.get_or_create(meeting=meeting)
    if min_supporters is not None:
        if not 0 <= min_supporters <= 1000:
            raise InvalidInput(_("Supporters needed must be between 0 and 1000."))
        settings.min_supporters = min_supporters
    try:
        if majority is not None:
            settings.majority = rules.Majority(majority).value
        if base is not None:
            settings.base = rules.Base(base).value
        if tie_rule is not None:
            settings.tie_rule = rules.TieRule(tie_rule).value
    except ValueError as exc:
        raise InvalidInput(_("Unknown poll setting: %s") % exc) from exc
    if secrecy is not None:
        if secrecy not in Poll.Secrecy.values:
            raise InvalidInput(_("Secrecy must be named or secret."))
        settings.secrecy = secrecy
    settings.save()
    _log(meeting.pk, "motions.settings", actor, **selectors.settings_payload(settings))
    events.publish_motions(meeting.pk)
    return settings


# --- motions -----------------------------------------------------------------------


@transaction.atomic
def motion_submit(
    *, actor: Member, meeting: Meeting, title: str, text: str, reasons: str = ""
) -> Motion:
    """A member on the roster (not an observer or guest) submits a motion.
    It is numbered in the meeting, and its text is kept as submitted."""
    participant = permissions.require(
        actor=actor, meeting=meeting, action=permissions.MOTION_SUBMIT
    )
    if participant is None:
        raise NotAllowed(_("You are not on this meeting's roster."))
    meeting = _open_meeting(meeting)
    title = _clean_text(title, _("The title"), required=True, limit=MAX_TITLE, one_line=True)
    body = _clean_text(text, _("The text"), required=True, limit=MAX_TEXT)
    why = _clean_text(reasons, _("The reasons"), required=False, limit=MAX_TEXT)
    last = Motion.objects.filter(meeting=meeting).aggregate(n=Max("number"))["n"] or 0
    motion = Motion.objects.create(
        meeting=meeting,
        number=last + 1,
        title=title,
        text=body,
        reasons=why,
        submitter=participant,
        state_changed_at=timezone.now(),
    )
    TextVersion.objects.create(
        motion=motion, kind=TextVersion.Kind.SUBMITTED, text=body, sha256=texts.sha256(body)
    )
    _log(
        meeting.pk,
        "motion.submitted",
        actor,
        motion=motion.pk,
        number=motion.number,
        title=title,
        sha256=texts.sha256(body),
    )
    events.publish_motions(meeting.pk)
    return motion


@transaction.atomic
def motion_support(*, actor: Member, motion: Motion, support: bool = True) -> Motion:
    """Another member supports a submitted motion (or takes their support
    back). The submitter's own support does not count."""
    motion = _lock_motion(motion)
    participant = permissions.require(
        actor=actor, meeting=motion.meeting, action=permissions.MOTION_SUPPORT
    )
    if participant is None:
        raise NotAllowed(_("You are not on this meeting's roster."))
    if motion.state != Motion.State.SUBMITTED:
        raise Conflict(_("Only a motion not yet admitted can be supported."))
    if participant.pk == motion.submitter_id:
        raise Conflict(_("The submitter cannot support their own motion."))
    existing = Support.objects.filter(motion=motion, participant=participant)
    if support:
        if existing.exists():
            return motion  # sent twice: one support
        Support.objects.create(motion=motion, participant=participant)
    else:
        if not existing.exists():
            return motion
        existing.delete()
    _log(
        motion.meeting_id,
        "motion.supported" if support else "motion.unsupported",
        actor,
        motion=motion.pk,
        supporters=Support.objects.filter(motion=motion).count(),
    )
    events.publish_motions(motion.meeting_id)
    return motion


@transaction.atomic
def motion_admit(*, actor: Member, motion: Motion, agenda_item_id: int) -> Motion:
    """The chair admits a motion that has enough supporters to an agenda item."""
    motion = _lock_motion(motion)
    permissions.require(actor=actor, meeting=motion.meeting, action=permissions.MOTION_ADMIT)
    _open_meeting(motion.meeting)
    if motion.state != Motion.State.SUBMITTED:
        raise Conflict(_("Only a submitted motion can be admitted."))
    needed = selectors.settings_for(motion.meeting_id).min_supporters
    have = Support.objects.filter(motion=motion).count()
    if have < needed:
        raise Conflict(
            ngettext(
                "The motion needs %(needed)d supporter; it has %(have)d.",
                "The motion needs %(needed)d supporters; it has %(have)d.",
                needed,
            )
            % {"have": have, "needed": needed},
            code="not_admissible",
        )
    item = motion.meeting.agenda_items.filter(pk=agenda_item_id).first()
    if item is None:
        raise NotFound(_("No such agenda item in this meeting."))
    motion.agenda_item = item
    motion.save(update_fields=["agenda_item"])
    _set_state(motion, Motion.State.ADMITTED)
    _log(motion.meeting_id, "motion.admitted", actor, motion=motion.pk, agenda_item=item.pk)
    events.publish_motions(motion.meeting_id)
    return motion


@transaction.atomic
def motion_withdraw(*, actor: Member, motion: Motion) -> Motion:
    """The submitter (or the chair) withdraws a motion not yet put to the vote."""
    motion = _lock_motion(motion)
    participant = permissions.require(
        actor=actor, meeting=motion.meeting, action=permissions.MOTION_SUBMIT
    )
    is_submitter = participant is not None and participant.pk == motion.submitter_id
    if not is_submitter:
        permissions.require(actor=actor, meeting=motion.meeting, action=permissions.MOTION_REFER)
    if motion.state not in OPEN_STATES:
        raise Conflict(_("Only a motion not yet put to the vote can be withdrawn."))
    _set_state(motion, Motion.State.WITHDRAWN)
    _log(motion.meeting_id, "motion.withdrawn", actor, motion=motion.pk)
    events.publish_motions(motion.meeting_id)
    return motion


@transaction.atomic
def motion_refer(*, actor: Member, motion: Motion, referred_to: str) -> Motion:
    """The chair refers a motion (to a committee, the executive, a later meeting)."""
    motion = _lock_motion(motion)
    permissions.require(actor=actor, meeting=motion.meeting, action=permissions.MOTION_REFER)
    to = (referred_to or "").strip()
    if not to:
        raise InvalidInput(_("Say to whom the motion is referred."))
    if len(to) > MAX_TITLE:
        raise InvalidInput(
            _("%(field)s is too long (at most %(n)d characters).")
            % {"field": _("Referred to"), "n": MAX_TITLE}
        )
    if motion.state not in OPEN_STATES:
        raise Conflict(_("Only a motion not yet put to the vote can be referred."))
    motion.referred_to = to
    motion.save(update_fields=["referred_to"])
    _set_state(motion, Motion.State.REFERRED)
    _log(motion.meeting_id, "motion.referred", actor, motion=motion.pk, referred_to=to)
    events.publish_motions(motion.meeting_id)
    return motion


def _open_poll(
    *,
    actor: Member,
    meeting: Meeting,
    title: str,
    description: str,
    agenda_item_id: int | None,
    reason: str,
) -> Poll:
    """A yes/no/abstain poll with the meeting's rule for motions, opened at once."""
    settings = selectors.settings_for(meeting.pk)
    poll = voting_services.poll_create(
        actor=actor,
        meeting=meeting,
        title=title[:300],
        kind=rules.Kind.MOTION.value,
        description=description,
        secrecy=settings.secrecy,
        majority=settings.majority,
        base=settings.base,
        tie_rule=settings.tie_rule,
        agenda_item_id=agenda_item_id,
    )
    return voting_services.poll_open(actor=actor, poll=poll, quorum_override_reason=reason)


@transaction.atomic
def motion_put_to_vote(
    *, actor: Member, motion: Motion, quorum_override_reason: str = ""
) -> Motion:
    """The chair puts an admitted motion to the vote, once every amendment to
    it is decided or withdrawn: amendments are voted before their motion."""
    motion = _lock_motion(motion)
    permissions.require(actor=actor, meeting=motion.meeting, action=permissions.MOTION_VOTE)
    if motion.state != Motion.State.ADMITTED:
        raise Conflict(_("Only an admitted motion can be put to the vote."))
    pending = motion.amendments.filter(
        state__in=(Amendment.State.SUBMITTED, Amendment.State.VOTING)
    ).count()
    if pending:
        raise Conflict(
            ngettext(
                "Amendments are voted before their motion: %(n)d is still open.",
                "Amendments are voted before their motion: %(n)d are still open.",
                pending,
            )
            % {"n": pending},
            code="amendments_pending",
        )
    poll = _open_poll(
        actor=actor,
        meeting=motion.meeting,
        title=_("Motion %(number)d: %(title)s") % {"number": motion.number, "title": motion.title},
        description=selectors.current_text(motion),
        agenda_item_id=motion.agenda_item_id,
        reason=quorum_override_reason,
    )
    motion.poll = poll
    motion.save(update_fields=["poll"])
    _set_state(motion, Motion.State.VOTING)
    _log(motion.meeting_id, "motion.put_to_vote", actor, motion=motion.pk, poll=poll.pk)
    events.publish_motions(motion.meeting_id)
    return motion


# --- amendments ------------------------------------------------------------------


@transaction.atomic
def amendment_submit(
    *, actor: Member, motion: Motion, action: str, paragraph: int, text: str = "", reasons: str = ""
) -> Amendment:
    """A member proposes to replace, delete, or insert a paragraph of a motion
    not yet put to the vote. `paragraph` counts from 1 in the submitted text;
    an insertion goes after it (0: before the first)."""
    motion = _lock_motion(motion)
    participant = permissions.require(
        actor=actor, meeting=motion.meeting, action=permissions.AMENDMENT_SUBMIT
    )
    if participant is None:
        raise NotAllowed(_("You are not on this meeting's roster."))
    _open_meeting(motion.meeting)
    if motion.state not in OPEN_STATES:
        raise Conflict(_("Only a motion not yet put to the vote can be amended."))
    if action not in Amendment.Action.values:
        raise InvalidInput(_("The change must be replace, insert or delete."))
    count = len(texts.paragraphs(motion.text))
    low = 0 if action == Amendment.Action.INSERT else 1
    if not isinstance(paragraph, int) or not low <= paragraph <= count:
        raise InvalidInput(
            _("The paragraph must be between %(low)d and %(high)d.") % {"low": low, "high": count}
        )
    body = _clean_text(
        text, _("The new text"), required=action != Amendment.Action.DELETE, limit=MAX_TEXT
    )
    if action == Amendment.Action.DELETE:
        body = ""
    elif len(texts.paragraphs(body)) != 1:
        raise InvalidInput(_("An amendment changes one paragraph: no blank lines in its text."))
    why = _clean_text(reasons, _("The reasons"), required=False, limit=MAX_TEXT)
    last = motion.amendments.aggregate(n=Max("number"))["n"] or 0
    amendment = Amendment.objects.create(
        motion=motion,
        number=last + 1,
        proposer=participant,
        action=action,
        paragraph=paragraph,
        text=body,
        reasons=why,
        state_changed_at=timezone.now(),
    )
    _log(
        motion.meeting_id,
        "amendment.submitted",
        actor,
        motion=motion.pk,
        amendment=amendment.pk,
        change=action,
        paragraph=paragraph,
    )
    events.publish_motions(motion.meeting_id)
    return amendment


def _lock_amendment(amendment: Amendment) -> tuple[Motion, Amendment]:
    motion = _lock_motion(amendment.motion)
    locked = Amendment.objects.select_for_update().filter(pk=amendment.pk).first()
    if locked is None:
        raise NotFound(_("No such amendment."))
    locked.motion = motion
    return motion, locked


@transaction.atomic
def amendment_withdraw(*, actor: Member, amendment: Amendment) -> Amendment:
    motion, amendment = _lock_amendment(amendment)
    participant = permissions.require(
        actor=actor, meeting=motion.meeting, action=permissions.AMENDMENT_SUBMIT
    )
    if participant is None or participant.pk != amendment.proposer_id:
        permissions.require(actor=actor, meeting=motion.meeting, action=permissions.MOTION_REFER)
    if amendment.state != Amendment.State.SUBMITTED:
        raise Conflict(_("Only an amendment not yet put to the vote can be withdrawn."))
    _set_state(amendment, Amendment.State.WITHDRAWN)
    _log(motion.meeting_id, "amendment.withdrawn", actor, motion=motion.pk, amendment=amendment.pk)
    events.publish_motions(motion.meeting_id)
    return amendment


@transaction.atomic
def amendment_put_to_vote(
    *, actor: Member, amendment: Amendment, quorum_override_reason: str = ""
) -> Amendment:
    """The chair puts an amendment of an admitted motion to the vote. An
    amendment to a paragraph that a carried amendment already changed lapses:
    it is refused."""
    motion, amendment = _lock_amendment(amendment)
    permissions.require(actor=actor, meeting=motion.meeting, action=permissions.MOTION_VOTE)
    if motion.state != Motion.State.ADMITTED:
        raise Conflict(_("Amendments are voted once their motion is admitted, before it is voted."))
    if amendment.state != Amendment.State.SUBMITTED:
        raise Conflict(_("Only a submitted amendment can be put to the vote."))
    if (
        amendment.action != Amendment.Action.INSERT
        and motion.amendments.filter(
            state=Amendment.State.CARRIED,
            paragraph=amendment.paragraph,
            action__in=(Amendment.Action.REPLACE, Amendment.Action.DELETE),
        ).exists()
    ):
        raise Conflict(
            _("A carried amendment already changed paragraph %(n)d.") % {"n": amendment.paragraph},
            code="paragraph_changed",
        )
    change = selectors.change_payload(amendment, texts.paragraphs(motion.text))
    description = "\n\n".join(part for part in (change["before"], change["after"]) if part)
    poll = _open_poll(
        actor=actor,
        meeting=motion.meeting,
        title=_("Amendment %(number)d to motion %(motion)d: %(title)s")
        % {"number": amendment.number, "motion": motion.number, "title": motion.title},
        description=description,
        agenda_item_id=motion.agenda_item_id,
        reason=quorum_override_reason,
    )
    amendment.poll = poll
    amendment.save(update_fields=["poll"])
    _set_state(amendment, Amendment.State.VOTING)
    _log(
        motion.meeting_id,
        "amendment.put_to_vote",
        actor,
        motion=motion.pk,
        amendment=amendment.pk,
        poll=poll.pk,
    )
    events.publish_motions(motion.meeting_id)
    return amendment


# --- the projector -----------------------------------------------------------------


@transaction.atomic
def motion_project(
    *, actor: Member, meeting: Meeting, motion_id: int | None, amendment_id: int | None = None
) -> MotionSettings:
    """Show a motion (or one of its amendments, as a change) on the projector;
    None hides it."""
    permissions.require(actor=actor, meeting=meeting, action=permissions.MOTION_PROJECT)
    meeting = lock_meeting(meeting)
    settings, _created = MotionSettings.objects.get_or_create(meeting=meeting)
    if motion_id is None:
        settings.projected_motion = None
        settings.projected_amendment = None
    else:
        motion = selectors.motion_in_meeting(meeting=meeting, motion_id=motion_id)
        amendment = None
        if amendment_id is not None:
            amendment = motion.amendments.filter(pk=amendment_id).first()
            if amendment is None:
                raise NotFound(_("No such amendment of this motion."))
        settings.projected_motion = motion
        settings.projected_amendment = amendment
        # The room's screen moves on to it; a document on show comes down.
        projector_put_up(meeting, "motions")
    settings.save(update_fields=["projected_motion", "projected_amendment"])
    events.publish_projection(meeting.pk)
    return settings


def take_down(meeting: Meeting) -> None:
    """Something else went up on the room's screen (meetings.projector_scenes)."""
    changed = MotionSettings.objects.filter(meeting=meeting, projected_motion__isnull=False).update(
        projected_motion=None, projected_amendment=None
    )
    if changed:
        events.publish_projection(meeting.pk)


# --- the resolution ----------------------------------------------------------------


def resolution_text(meeting: Meeting, title: str) -> tuple[str, list[int]]:
    """The title, then each carried motion's number, title and final text."""
    parts = [title]
    ids = []
    for motion in Motion.objects.filter(meeting=meeting, state=Motion.State.CARRIED).order_by(
        "number"
    ):
        final = motion.versions.filter(kind=TextVersion.Kind.FINAL).first()
        if final is None:
            continue
        parts.append(f"{motion.number}. {motion.title}\n\n{final.text}")
        ids.append(motion.pk)
    return "\n\n".join(parts), ids


@transaction.atomic
def resolution_compose(*, actor: Member, meeting: Meeting, title: str) -> Resolution:
    """The chair gathers the carried motions into the resolution (anew, until
    it is put to the vote). Its text is kept with its SHA-256."""
    permissions.require(actor=actor, meeting=meeting, action=permissions.RESOLUTION_MANAGE)
    meeting = _open_meeting(meeting)
    title = _clean_text(title, _("The title"), required=True, limit=MAX_TITLE, one_line=True)
    existing = Resolution.objects.select_for_update().filter(meeting=meeting).first()
    if existing is not None and existing.state != Resolution.State.DRAFT:
        raise Conflict(_("The resolution has been put to the vote; it can no longer change."))
    text, ids = resolution_text(meeting, title)
    if not ids:
        raise Conflict(_("No motion has been carried yet."), code="nothing_carried")
    resolution = existing or Resolution(meeting=meeting)
    resolution.title = title
    resolution.text = text
    resolution.sha256 = texts.sha256(text)
    resolution.motion_ids = ids
    resolution.composed_at = timezone.now()
    resolution.save()
    _log(meeting.pk, "resolution.composed", actor, motions=ids, sha256=resolution.sha256)
    events.publish_resolution(meeting.pk)
    return resolution


@transaction.atomic
def resolution_put_to_vote(
    *, actor: Member, meeting: Meeting, quorum_override_reason: str = ""
) -> Resolution:
    """The chair puts the composed resolution to a final vote."""
    permissions.require(actor=actor, meeting=meeting, action=permissions.RESOLUTION_MANAGE)
    resolution = Resolution.objects.select_for_update().filter(meeting=meeting).first()
    if resolution is None:
        raise Conflict(_("Compose the resolution first."))
    if resolution.state != Resolution.State.DRAFT:
        raise Conflict(_("The resolution has already been put to the vote."))
    poll = _open_poll(
        actor=actor,
        meeting=meeting,
        title=_("Resolution: %(title)s") % {"title": resolution.title},
        description=resolution.text,
        agenda_item_id=None,
        reason=quorum_override_reason,
    )
    resolution.poll = poll
    resolution.state = Resolution.State.VOTING
    resolution.save(update_fields=["poll", "state"])
    _log(meeting.pk, "resolution.put_to_vote", actor, poll=poll.pk, sha256=resolution.sha256)
    events.publish_resolution(meeting.pk)
    return resolution
