"""The check-in tokens on their own: badges, the room code's time windows,
login token hashes (meetings.checkin, no database)."""

from __future__ import annotations

import pytest
from django.core import signing

from meetings import checkin
from meetings.checkin import BadToken, TokenFault
from tests.meetings.attendance_helpers import START

W = checkin.ROOM_WINDOW_SECONDS


def test_badge_token_round_trip() -> None:
    token = checkin.badge_token(meeting_id=7, participant_id=42, key="k3y-Abc_9")
    claim = checkin.badge_parse(token)
    assert (claim.meeting_id, claim.participant_id, claim.key) == (7, 42, "k3y-Abc_9")


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t.replace("7.42.", "7.43.", 1),  # another participant, same signature
        lambda t: t.replace("7.42.", "8.42.", 1),  # another meeting
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
        lambda t: t.split(":")[0],  # no signature
        lambda t: signing.Signer(salt="other").sign("7.42.key"),  # signed for something else
        lambda t: "",
        lambda t: "x" * 500,
    ],
)
def test_forged_badges_are_refused(forge) -> None:  # type: ignore[no-untyped-def]
    token = checkin.badge_token(meeting_id=7, participant_id=42, key="key")
    with pytest.raises(BadToken) as refused:
        checkin.badge_parse(forge(token))
    assert refused.value.fault in (TokenFault.FORGED, TokenFault.MALFORMED)


def test_room_code_is_accepted_in_its_window_and_the_next_only() -> None:
    window = checkin.room_window(START)
    token = checkin.room_token(meeting_id=3, window=window)
    # Valid now (its own window), from the first to the last instant.
    for at in (window * W, START, window * W + W - 0.001):
        assert checkin.room_token_check(meeting_id=3, token=token, at=at) == window
    # Valid in the previous-window role: the whole next window.
    for at in ((window + 1) * W, (window + 1) * W + W - 0.001):
        assert checkin.room_token_check(meeting_id=3, token=token, at=at) == window
    # Two windows on: refused as expired.
    for at in ((window + 2) * W, (window + 5) * W):
        with pytest.raises(BadToken) as refused:
            checkin.room_token_check(meeting_id=3, token=token, at=at)
        assert refused.value.fault is TokenFault.EXPIRED


def test_room_code_of_the_future_another_meeting_or_forged_is_refused() -> None:
    window = checkin.room_window(START)
    future = checkin.room_token(meeting_id=3, window=window + 1)
    other = checkin.room_token(meeting_id=4, window=window)
    guessed = f"{window}.{'A' * 16}"
    for token in (future, other, guessed):
        with pytest.raises(BadToken) as refused:
            checkin.room_token_check(meeting_id=3, token=token, at=START)
        assert refused.value.fault is TokenFault.FORGED
    for token in ("", "abc", f"{window}", f"-1.{'A' * 16}", f"{window}."):
        with pytest.raises(BadToken) as refused:
            checkin.room_token_check(meeting_id=3, token=token, at=START)
        assert refused.value.fault is TokenFault.MALFORMED


def test_room_code_depends_on_the_secret_key(settings) -> None:  # type: ignore[no-untyped-def]
    window = checkin.room_window(START)
    token = checkin.room_token(meeting_id=3, window=window)
    settings.SECRET_KEY = "another key entirely, for another installation"
    with pytest.raises(BadToken):
        checkin.room_token_check(meeting_id=3, token=token, at=START)


def test_login_tokens_are_random_and_stored_as_hashes() -> None:
    first, first_hash = checkin.login_token_new()
    second, _ = checkin.login_token_new()
    assert first != second and len(first) >= 40
    assert first_hash == checkin.login_token_hash(first)
    assert first not in first_hash and len(first_hash) == 64


def test_qr_images() -> None:
    svg = checkin.qr_svg("http://127.0.0.1/checkin/room/1/123.abc/")
    assert svg.startswith("<svg") and "<path" in svg
    assert checkin.qr_png("hello").startswith(b"\x89PNG")
