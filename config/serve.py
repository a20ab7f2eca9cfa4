"""Run daphne with secrets masked in its access log.

    python -m config.serve [daphne's options] config.asgi:application

The same options as `daphne`; the only difference is that every access log
line passes through core.logmask.mask first (daphne writes the log itself,
not through Python logging, so the LOGGING filter cannot reach it). The
deployment files (deploy/) and hall mode run the server this way.
"""

from __future__ import annotations

import sys
from typing import Any

from daphne.access import AccessLogGenerator
from daphne.cli import CommandLineInterface
from daphne.server import Server

from core.logmask import mask


class MaskedAccessLog(AccessLogGenerator):
    """daphne's NCSA-style access log, with the request line masked."""

    def write_entry(self, host: Any, date: Any, request: Any, *args: Any, **kwargs: Any) -> None:
        super().write_entry(host, date, mask(str(request)), *args, **kwargs)


class MaskingServer(Server):
    def __init__(self, *args: Any, action_logger: Any = None, **kwargs: Any) -> None:
        if isinstance(action_logger, AccessLogGenerator):
            action_logger = MaskedAccessLog(action_logger.stream)
        super().__init__(*args, action_logger=action_logger, **kwargs)


class MaskingCommandLine(CommandLineInterface):
    server_class = MaskingServer


def main(argv: list[str] | None = None) -> None:
    MaskingCommandLine().run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
