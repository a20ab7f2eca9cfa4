"""Check-in tokens: personal badges, the projector's rotating room code, and
one-time login links. Pure helpers (no database); meetings.attendance uses
them and decides what a token may do.

- Badge: `"<meeting>.<participant>.<badge key>:<signature>"`, signed with
  SECRET_KEY (django.core.signing). Unguessable and unforgeable; bound to one
  meeting; a new badge key (stored on the participant) revokes it.
- Room code: `"<window>.<mac>"`, mac = HMAC-SHA256 (key derived from
  SECRET_KEY) over the meeting id and the 30-second time window. The current
  and the previous window are accepted, so a photo of the code stops working
  within a minute.
- Login token: 32 random bytes; only its SHA-256 is stored.
"""

from __future__ import annotations

import base64
import hashlib
import io
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

import qrcode
import qrcode.image.svg
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

BADGE_SALT = "meetings.checkin.badge"
ROOM_SALT = "meetings.checkin.room"
ROOM_WINDOW_SECONDS = 30
ROOM_MAC_BYTES = 12  # 96 bits: plenty for a code that lives a minute and is rate limited


def clock() -> float:
    """Seconds since the epoch. Tests replace it to control the room windows."""
    return time.time()


class TokenFault(StrEnum):
    """Why a token was refused (logged; never the token itself)."""

    MALFORMED = "malformed"
    FORGED = "forged"
    EXPIRED = "expired"
    OTHER_MEETING = "other_meeting"
    REVOKED = "revoked"
    USED = "used"
    UNKNOWN = "unknown"


class BadToken(Exception):
    def __init__(self, fault: TokenFault) -> None:
        super().__init__(fault.value)
        self.fault = fault


# --- badges ---------------------------------------------------------------------


@dataclass(frozen=True)
class BadgeClaim:
    meeting_id: int
    participant_id: int
    key: str


def badge_token(*, meeting_id: int, participant_id: int, key: str) -> str:
    return signing.Signer(salt=BADGE_SALT).sign(f"{meeting_id}.{participant_id}.{key}")


def badge_parse(token: str) -> BadgeClaim:
    """The claim a badge token makes, if its signature is ours. BadToken otherwise.
    Whether the key is still the participant's is for the caller to check."""
    if not token or len(token) > 200:
        raise BadToken(TokenFault.MALFORMED)
    try:
        value = signing.Signer(salt=BADGE_SALT).unsign(token.strip())
    except signing.BadSignature as exc:
        raise BadToken(TokenFault.FORGED) from exc
    parts = value.split(".", 2)
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise BadToken(TokenFault.MALFORMED)
    return BadgeClaim(int(parts[0]), int(parts[1]), parts[2])


# --- the room code --------------------------------------------------------------


def room_window(at: float) -> int:
    return int(at // ROOM_WINDOW_SECONDS)


def window_ends(window: int) -> float:
    return float((window + 1) * ROOM_WINDOW_SECONDS)


def _room_mac(meeting_id: int, window: int) -> str:
    digest = salted_hmac(ROOM_SALT, f"{meeting_id}:{window}", algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest[:ROOM_MAC_BYTES]).decode().rstrip("=")


def room_token(*, meeting_id: int, window: int) -> str:
    return f"{window}.{_room_mac(meeting_id, window)}"


def room_token_check(*, meeting_id: int, token: str, at: float) -> int:
    """The window of a valid room code for this meeting, accepted at time `at`
    (the current or the previous window). BadToken otherwise: FORGED for a
    code that is not ours (or of another meeting), EXPIRED for an old one."""
    window_text, _, mac = (token or "").strip().partition(".")
    if not window_text.isdigit() or not mac or len(window_text) > 12 or len(mac) > 64:
        raise BadToken(TokenFault.MALFORMED)
    window = int(window_text)
    if not constant_time_compare(mac, _room_mac(meeting_id, window)):
        raise BadToken(TokenFault.FORGED)
    current = room_window(at)
    if window > current:
        raise BadToken(TokenFault.FORGED)  # minted for the future: never by us
    if window < current - 1:
        raise BadToken(TokenFault.EXPIRED)
    return window


# --- login tokens ---------------------------------------------------------------


def login_token_new() -> tuple[str, str]:
    """A fresh login token and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, login_token_hash(token)


def login_token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


# --- QR images ------------------------------------------------------------------


def qr_svg(data: str) -> str:
    """An SVG QR code (one path, scalable, black on white), without the fixed
    id qrcode gives its path: a page may show several codes inline."""
    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
    )
    return image.to_string(encoding="unicode").replace(' id="qr-path"', "", 1)


def qr_png(data: str, *, box_size: int = 8) -> bytes:
    """A PNG QR code, for the printed badges."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=2
    )
    code.add_data(data)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()
