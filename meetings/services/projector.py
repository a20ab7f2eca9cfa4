"""Projector links: signed, revocable tokens for a room PC without an account."""

from __future__ import annotations

from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import NotFound
from meetings import permissions
from meetings.models import (
    Meeting,
    Member,
)
from meetings.services.common import (
    lock_meeting,
    log_act,
)

PROJECTOR_SALT = "meetings.projector"


def projector_token_for(meeting: Meeting) -> str:
    return signing.dumps(
        {"m": meeting.pk, "v": meeting.projector_key_version}, salt=PROJECTOR_SALT, compress=True
    )


@transaction.atomic
def projector_link_create(*, actor: Member, meeting: Meeting) -> str:
    """Return the signed token for the meeting's projector link.

    Valid until the chair revokes projector links; no member account needed.
    """
    permissions.require(actor=actor, meeting=meeting, action=permissions.PROJECTOR_LINKS)
    return projector_token_for(lock_meeting(meeting))


@transaction.atomic
def projector_links_revoke(*, actor: Member, meeting: Meeting) -> str:
    """Revoke every projector link of the meeting and return a fresh token."""
    permissions.require(actor=actor, meeting=meeting, action=permissions.PROJECTOR_LINKS)
    meeting = lock_meeting(meeting)
    meeting.projector_key_version += 1
    log_act(meeting, actor, "projector.links_revoked")
    meeting.save(update_fields=["projector_key_version"])
    return projector_token_for(meeting)


def projector_meeting(token: str) -> Meeting:
    """The meeting a projector token opens. NotFound for a forged or revoked token."""
    try:
        data = signing.loads(token, salt=PROJECTOR_SALT)
        meeting_id, version = int(data["m"]), int(data["v"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise NotFound(_("This projector link is not valid.")) from exc
    meeting = Meeting.objects.select_related("union").filter(pk=meeting_id).first()
    if meeting is None or meeting.projector_key_version != version:
        raise NotFound(_("This projector link has been revoked."))
    return meeting
