"""A motion, an amendment or the resolution follows its poll's result.

Registered on voting's hooks (voting.hooks) from MotionsConfig.ready(), so
that voting never imports motions. The hooks run inside the transaction that
closes the poll: the new state, its log entry and its event commit with the
result or not at all (voting/hooks.py says why).
"""

from __future__ import annotations

from django.utils import timezone

from meetings import log
from meetings.models import Member
from motions import events, selectors, texts
from motions.models import Amendment, Motion, Resolution, TextVersion
from voting import hooks
from voting.models import Poll


def _carried(poll: Poll) -> bool | None:
    """True or False once the result is settled; None while a tie waits for the chair."""
    result = poll.result or {}
    if result.get("tied"):
        return None
    return bool(result.get("carried"))


def poll_settled(poll: Poll, actor: Member | None) -> None:
    carried = _carried(poll)
    if carried is None:
        return
    meeting_id = poll.meeting_id
    now = timezone.now()
    changed = False
    for amendment in Amendment.objects.select_for_update().filter(
        poll=poll, state=Amendment.State.VOTING
    ):
        amendment.state = Amendment.State.CARRIED if carried else Amendment.State.REJECTED
        amendment.state_changed_at = now
        amendment.save(update_fields=["state", "state_changed_at"])
        log.log_append(
            meeting_id=meeting_id,
            action=f"amendment.{amendment.state}",
            actor=actor,
            data={"motion": amendment.motion_id, "amendment": amendment.pk, "poll": poll.pk},
        )
        changed = True
    for motion in Motion.objects.select_for_update().filter(poll=poll, state=Motion.State.VOTING):
        motion.state = Motion.State.CARRIED if carried else Motion.State.REJECTED
        motion.state_changed_at = now
        motion.save(update_fields=["state", "state_changed_at"])
        data: dict[str, object] = {"motion": motion.pk, "poll": poll.pk}
        if carried:
            # The final text: the submitted text with its carried amendments applied.
            final = selectors.current_text(motion)
            version = TextVersion.objects.create(
                motion=motion, kind=TextVersion.Kind.FINAL, text=final, sha256=texts.sha256(final)
            )
            data["sha256"] = version.sha256
        log.log_append(
            meeting_id=meeting_id, action=f"motion.{motion.state}", actor=actor, data=data
        )
        changed = True
    if changed:
        events.publish_motions(meeting_id)
    resolution = (
        Resolution.objects.select_for_update()
        .filter(poll=poll, state=Resolution.State.VOTING)
        .first()
    )
    if resolution is not None:
        resolution.state = Resolution.State.ADOPTED if carried else Resolution.State.REJECTED
        resolution.save(update_fields=["state"])
        log.log_append(
            meeting_id=meeting_id,
            action=f"resolution.{resolution.state}",
            actor=actor,
            data={"poll": poll.pk, "sha256": resolution.sha256},
        )
        events.publish_resolution(meeting_id)


def poll_cancelled(poll: Poll, actor: Member | None) -> None:
    """A cancelled poll decided nothing: what it was about goes back to be voted again."""
    meeting_id = poll.meeting_id
    now = timezone.now()
    amendments = Amendment.objects.filter(poll=poll, state=Amendment.State.VOTING)
    motions = Motion.objects.filter(poll=poll, state=Motion.State.VOTING)
    changed = bool(
        amendments.update(state=Amendment.State.SUBMITTED, poll=None, state_changed_at=now)
    )
    changed |= bool(motions.update(state=Motion.State.ADMITTED, poll=None, state_changed_at=now))
    if changed:
        log.log_append(
            meeting_id=meeting_id,
            action="motion.vote_cancelled",
            actor=actor,
            data={"poll": poll.pk},
        )
        events.publish_motions(meeting_id)
    if Resolution.objects.filter(poll=poll, state=Resolution.State.VOTING).update(
        state=Resolution.State.DRAFT, poll=None
    ):
        log.log_append(
            meeting_id=meeting_id,
            action="resolution.vote_cancelled",
            actor=actor,
            data={"poll": poll.pk},
        )
        events.publish_resolution(meeting_id)


def register() -> None:
    hooks.on_poll_settled(poll_settled)
    hooks.on_poll_cancelled(poll_cancelled)
