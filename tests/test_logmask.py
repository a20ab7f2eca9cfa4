"""Secrets masked in log lines: Django's loggers and daphne's access log."""

from __future__ import annotations

import io
import logging
import secrets
from base64 import b32encode

import pytest
from daphne.access import AccessLogGenerator

from config.serve import MaskedAccessLog, MaskingServer
from core.logmask import MASK, MaskSecrets, mask
from meetings import checkin
from meetings.services.projector import projector_token_for
from tests.factories import MeetingFactory

# A projector token is a stored link's: the tests make real ones.
pytestmark = pytest.mark.django_db


def _tokens() -> dict[str, str]:
    login, _hash = checkin.login_token_new()
    return {
        "projector": projector_token_for(MeetingFactory.create()),
        "badge": checkin.badge_token(meeting_id=12, participant_id=345, key=secrets.token_hex(8)),
        "room": checkin.room_token(meeting_id=12, window=59_000_123),
        "login": login,
        "receipt": b32encode(secrets.token_bytes(10)).decode(),
    }


def test_every_secret_url_is_masked() -> None:
    t = _tokens()
    lines = [
        f"GET /projector/{t['projector']}/ 302",
        f"GET /projector/{t['projector']}/room-code/",
        f"POST /login/link/{t['login']}/",
        f"GET /checkin/badge/{t['badge']}/",
        f"GET /checkin/room/12/{t['room']}/",
        f"GET /meetings/12/board/?poll=4&receipt={t['receipt']}",
        f"WSCONNECT /ws/meetings/12/?projector={t['projector']}",
        f"GET /api/documents/1/pages/2/projector/?projector={t['projector']}",
        f"Not Found: /somewhere/{t['login']}",  # a route nobody listed: the net
    ]
    for line in lines:
        masked = mask(line)
        assert MASK in masked, line
        for token in t.values():
            assert token not in masked, (line, masked)


def test_ordinary_lines_are_kept() -> None:
    lines = [
        '127.0.0.1:50312 - - [07/Dec/2026:06:50:01] "GET /meetings/12/board/ HTTP/1.1" 200 5120',
        "[2001:db8:85a3::8a2e:370:7334]:443 GET /static/frontend/meeting-socket.js",
        "GET /api/polls/4/proof/ 404",
        "django.core.handlers.exception raised in frontend.attendance_views.login_link",
        "GET /live/meetings/12/follow/?after=1234&cursor=1796712345.123",
    ]
    for line in lines:
        assert mask(line) == line


def test_the_logging_filter_masks_message_and_arguments() -> None:
    t = _tokens()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskSecrets())
    logger = logging.getLogger("tests.logmask")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("Not Found: %s", f"/projector/{t['projector']}/")
        try:
            raise ValueError(f"bad token {t['login']}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "Not Found: /projector/[masked]/" in text
    assert t["projector"] not in text and t["login"] not in text
    assert "ValueError: bad token [masked]" in text


def test_the_settings_mask_djangos_request_log() -> None:
    """The configured handlers (settings.LOGGING) carry the filter, including
    the one Django's request logger writes to."""
    for name in ("django.request", "django.server", "daphne"):
        logger: logging.Logger | None = logging.getLogger(name)
        handlers = []
        while logger is not None:
            # pytest's own capture handlers aside
            handlers += [h for h in logger.handlers if not type(h).__module__.startswith("_pytest")]
            logger = logger.parent if logger.propagate else None
        assert handlers, name
        assert all(any(isinstance(f, MaskSecrets) for f in h.filters) for h in handlers), name


def test_daphnes_access_log_is_masked() -> None:
    t = _tokens()
    stream = io.StringIO()
    log = MaskedAccessLog(stream)
    log(
        "http",
        "complete",
        {
            "path": f"/projector/{t['projector']}/",
            "status": 302,
            "method": "GET",
            "client": "10.0.0.7:5123",
            "size": 0,
        },
    )
    log("websocket", "connecting", {"path": "/ws/meetings/12/", "client": "10.0.0.7:5124"})
    text = stream.getvalue()
    assert '"GET /projector/[masked]/" 302' in text
    assert "WSCONNECTING /ws/meetings/12/" in text
    assert t["projector"] not in text


def test_the_server_wraps_daphnes_own_access_log() -> None:
    stream = io.StringIO()
    server = MaskingServer(
        application=None, endpoints=["tcp:port=0"], action_logger=AccessLogGenerator(stream)
    )
    assert isinstance(server.action_logger, MaskedAccessLog)
    assert server.action_logger.stream is stream
