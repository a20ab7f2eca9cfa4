"""Masking secrets in log lines.

Projector, badge, room and one-time login links carry their token in the
URL the first time they are opened (a QR code can hold nothing else); the
server swaps it for a cookie or the session at once and redirects to a clean
address (frontend views). That first request still reaches the access log
and, on a refusal, Django's request log. So every log line passes through
`mask`: the known secret places (the path segment after `/projector/`,
`/login/link/`, `/checkin/badge/`, `/checkin/room/<id>/`, and secret query
parameters), and, as a net for what a new route might add, any long run of
token characters mixing letters and digits.
"""

from __future__ import annotations

import logging
import re

MASK = "[masked]"

# The path segment that holds a token, after a known prefix.
_SECRET_SEGMENT = re.compile(
    r"(?P<prefix>/(?:projector|login/link|checkin/badge|checkin/room/[0-9]+)/)"
    r"(?P<secret>[^/?#\s\"']+)"
)
# Query parameters whose value is a secret (receipts, tokens, codes).
_SECRET_PARAMETER = re.compile(
    r"(?P<prefix>[?&;](?:receipt|receipt_code|token|projector|badge|code|key|session|sessionid)=)"
    r"(?P<secret>[^&;#\s\"']+)",
    re.IGNORECASE,
)
# Token-shaped: 20 or more URL-safe/base64/signing characters in one run.
_TOKEN_RUN = re.compile(r"[A-Za-z0-9_\-.:~%+]{20,}")
# Not secrets: IPv6 addresses (with a port), as access logs show clients.
_IPV6 = re.compile(r"[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,8}(?:[.:][0-9]+)*")


def _token_shaped(run: str) -> bool:
    """A run that mixes letters and digits, or upper and lower case: random,
    not a file, module or route name."""
    if _IPV6.fullmatch(run):
        return False
    letters = sum(c.isalpha() for c in run)
    digits = sum(c.isdigit() for c in run)
    mixed_case = any(c.isupper() for c in run) and any(c.islower() for c in run)
    return letters >= 4 and (digits >= 3 or mixed_case)


def _mask_run(match: re.Match[str]) -> str:
    run = match.group(0)
    return MASK if _token_shaped(run) else run


def mask(text: str) -> str:
    """`text` with every token-shaped secret replaced by `[masked]`."""
    if not text:
        return text
    text = _SECRET_SEGMENT.sub(lambda m: m["prefix"] + MASK, text)
    text = _SECRET_PARAMETER.sub(lambda m: m["prefix"] + MASK, text)
    return _TOKEN_RUN.sub(_mask_run, text)


class MaskSecrets(logging.Filter):
    """A handler filter (settings.LOGGING): the formatted message, masked.

    The record keeps no arguments afterwards, so no later formatting can put
    the secret back; exception text is masked as well.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format: leave it for the handler to report
            return True
        record.msg, record.args = mask(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True
