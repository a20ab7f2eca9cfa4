"""The room's screen: which scene it shows, and the projector links (signed,
revocable tokens for a room PC without an account), paired by a short code."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import ratelimit
from core.exceptions import InvalidInput, NotFound
from live import events
from meetings import permissions
from meetings.events import PROJECTOR_CHANGED
from meetings.models import (
    Meeting,
    Member,
    ProjectorLink,
    ProjectorPairing,
)
from meetings.projector_scenes import (
    SCENES,
    moving_on_shows_something_new,
    projector_payload,
    take_down_others,
)
from meetings.services.common import (
    lock_meeting,
    log_act,
)

PROJECTOR_SALT = "meetings.projector"
# No 0/O, 1/I/L: read off a laptop and typed on a room PC's keyboard.
PAIRING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PAIRING_LENGTH = 6
PAIRING_MINUTES = 10


def _token(link: ProjectorLink, meeting: Meeting) -> str:
    return signing.dumps(
        {"m": meeting.pk, "v": meeting.projector_key_version, "l": link.pk},
        salt=PROJECTOR_SALT,
        compress=True,
    )


def projector_token_for(meeting: Meeting, *, actor: Member | None = None, label: str = "") -> str:
    """A new link's token. Callers check permission (or pair by code)."""
    link = ProjectorLink.objects.create(meeting=meeting, label=label[:80], created_by=actor)
    return _token(link, meeting)


@transaction.atomic
def projector_link_create(*, actor: Member, meeting: Meeting, label: str = "") -> str:
    """Return the signed token of a new projector link.

    Valid until the chair revokes it or every link; no member account needed.
    """
    permissions.require(actor=actor, meeting=meeting, action=permissions.PROJECTOR_LINKS)
    meeting = lock_meeting(meeting)
    return projector_token_for(meeting, actor=actor, label=label.strip() or _("Room screen"))


def projector_links_list(*, actor: Member, meeting: Meeting) -> list[ProjectorLink]:
    """The meeting's projector links still valid, oldest first (chair or clerk)."""
    permissions.require(actor=actor, meeting=meeting, action=permissions.PROJECTOR_LINKS)
    return list(
        ProjectorLink.objects.filter(meeting=meeting, revoked_at=None).select_related("created_by")
    )


@transaction.atomic
def projector_link_revoke(*, actor: Member, meeting: Meeting, link_id: int) -> None:
    """Revoke one projector link: its screen disconnects on its next check."""
    permissions.require(actor=actor, meeting=meeting, action=permissions.PROJECTOR_LINKS)
    meeting = lock_meeting(meeting)
    link = ProjectorLink.objects.filter(meeting=meeting, pk=link_id, revoked_at=None).first()
    if link is None:
        raise NotFound(_("No such projector link in this meeting."))
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    log_act(meeting, actor, "projector.link_revoked", link=link.pk)


@transaction.atomic
def projector_links_revoke(*, actor: Member, meeting: Meeting) -> str:
    """Revoke every projector link of the meeting and return a fresh token."""
    permissions.require(actor=actor, meeting=meeting, action=permissions.PROJECTOR_LINKS)
    meeting = lock_meeting(meeting)
    meeting.projector_key_version += 1
    ProjectorLink.objects.filter(meeting=meeting, revoked_at=None).update(revoked_at=timezone.now())
    log_act(meeting, actor, "projector.links_revoked")
    meeting.save(update_fields=["projector_key_version"])
    return projector_token_for(meeting, actor=actor, label=_("Room screen"))


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalise_code(code: str) -> str:
    """What the room PC typed, as issued: case, spaces and dashes ignored."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


@transaction.atomic
def projector_pairing_create(*, actor: Member, meeting: Meeting) -> tuple[str, int]:
    """A fresh pairing code for the console to show, and its lifetime in
    seconds. Codes still unused expire; each pairs one screen."""
    permissions.require(actor=actor, meeting=meeting, action=permissions.PROJECTOR_LINKS)
    meeting = lock_meeting(meeting)
    code = "".join(secrets.choice(PAIRING_ALPHABET) for _i in range(PAIRING_LENGTH))
    ProjectorPairing.objects.create(
        meeting=meeting,
        code_hash=_code_hash(code),
        created_by=actor,
        expires_at=timezone.now() + timedelta(minutes=PAIRING_MINUTES),
    )
    return code, PAIRING_MINUTES * 60


@transaction.atomic
def projector_pair(*, code: str, label: str = "", client: str = "") -> tuple[Meeting, str]:
    """Trade a pairing code for a projector link: the meeting and the token.

    Refuses a wrong, used or expired code with InvalidInput; tries are rate
    limited per client so codes cannot be guessed.
    """
    ratelimit.hit("projector.pair", client or "anyone", limit=10, period=60)
    cleaned = normalise_code(code)
    if len(cleaned) != PAIRING_LENGTH:
        raise InvalidInput(_("A pairing code has six letters and digits."))
    pairing = (
        ProjectorPairing.objects.select_for_update()
        .filter(code_hash=_code_hash(cleaned), used_at=None, expires_at__gt=timezone.now())
        .first()
    )
    if pairing is None:
        raise InvalidInput(_("This pairing code is not valid or has expired. Ask for a new one."))
    pairing.used_at = timezone.now()
    pairing.save(update_fields=["used_at"])
    meeting = lock_meeting(pairing.meeting)
    token = projector_token_for(
        meeting, actor=pairing.created_by, label=label.strip() or _("Room screen")
    )
    return meeting, token


def projector_meeting(token: str) -> Meeting:
    """The meeting a projector token opens. NotFound for a forged or revoked token."""
    try:
        data = signing.loads(token, salt=PROJECTOR_SALT)
        meeting_id, version, link_id = int(data["m"]), int(data["v"]), int(data["l"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise NotFound(_("This projector link is not valid.")) from exc
    meeting = Meeting.objects.select_related("union").filter(pk=meeting_id).first()
    revoked = not ProjectorLink.objects.filter(
        pk=link_id, meeting_id=meeting_id, revoked_at=None
    ).exists()
    if meeting is None or meeting.projector_key_version != version or revoked:
        raise NotFound(_("This projector link has been revoked."))
    return meeting


def publish_projector(meeting: Meeting) -> None:
    events.publish(meeting.pk, PROJECTOR_CHANGED, {"projector": projector_payload(meeting)})


def projector_put_up(meeting: Meeting, app: str) -> None:
    """`app` puts something on the room's screen (a document, a motion):
    what other apps had up comes down, and the screen moves on to it."""
    take_down_others(meeting, app)
    projector_moved_on(meeting)


def projector_moved_on(meeting: Meeting) -> None:
    """The chair moved on (another agenda item, a document shown): the screen
    follows the meeting again and a shown result clears. Call inside the
    writing transaction, with the meeting locked. Sends projector.changed
    only when that changes what the screen shows."""
    if not moving_on_shows_something_new(meeting):
        return
    meeting.projector_scene = "follow"
    meeting.projector_since = timezone.now()
    meeting.save(update_fields=["projector_scene", "projector_since"])
    publish_projector(meeting)


@transaction.atomic
def projector_scene_set(*, actor: Member, meeting: Meeting, scene: str) -> Meeting:
    """Show a scene on every projector of the meeting ("follow" lets the
    meeting's state choose). Choosing a scene, even the same one, starts it
    afresh: a result closed before it no longer shows when following."""
    if scene not in SCENES:
        raise InvalidInput(
            _("Unknown scene. Choose one of: %(scenes)s.") % {"scenes": ", ".join(SCENES)}
        )
    permissions.require(actor=actor, meeting=meeting, action=permissions.PROJECTOR_LINKS)
    meeting = lock_meeting(meeting)
    meeting.projector_scene = scene
    meeting.projector_since = timezone.now()
    meeting.save(update_fields=["projector_scene", "projector_since"])
    publish_projector(meeting)
    return meeting
