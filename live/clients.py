"""How the server learns that a client has gone.

Daphne (through autobahn) raises `Disconnected` when a frame is sent to a
socket that has closed meanwhile; its disconnect handler follows. This is the
one place that names autobahn: every send that may race a closing socket
wraps itself in `client_gone()`.
"""

from __future__ import annotations

import contextlib

from autobahn.exception import Disconnected

ClientGone = Disconnected


def client_gone() -> contextlib.suppress:
    """Ignore a send to a client that has gone; its disconnect follows."""
    return contextlib.suppress(Disconnected)
