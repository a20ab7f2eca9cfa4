"""Helpers the voting services share: the poll's row lock, and announcing a
change (logged and published)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from live import events
from meetings import log
from meetings.models import Member
from voting.events import POLL_CHANGED
from voting.exceptions import NotFound
from voting.models import Poll
from voting.selectors import poll_payload


def publish_poll(
    poll: Poll, action: str, actor: Member | None, data: dict[str, Any], *, logged: bool = False
) -> None:
    """Log the act (unless the caller has: `logged`), and send poll.changed
    to everyone; a poll members never saw opened (a draft, or a draft
    cancelled) reaches them only as its id and state."""
    if not logged:
        log.log_append(
            meeting_id=poll.meeting_id, action=action, actor=actor, data={"poll": poll.pk, **data}
        )
    public = None
    if poll.opened_at is None:
        public = {"poll": {"id": poll.pk, "state": poll.state}}
    events.publish(
        poll.meeting_id, POLL_CHANGED, {"poll": poll_payload(poll)}, public_payload=public
    )


def lock_poll(poll_id: int) -> Poll:
    poll = Poll.objects.select_for_update().select_related("meeting").filter(pk=poll_id).first()
    if poll is None:
        raise NotFound(_("No such poll."))
    return poll
