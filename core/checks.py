"""The packages whose internals the server relies on, and the versions it was
tested with.

Several speed-ups reach past these packages' documented behaviour (each is
named below). A version outside the tested range may break them quietly or
fail every request, so start-up (manage.py migrate, check, runserver) stops
with an error instead. pyproject.toml pins the same ranges; a test keeps the
two equal.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata
from typing import Any

from django.core import checks
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

# Distribution name -> (tested range, what of it the server relies on).
TESTED: dict[str, tuple[str, str]] = {
    "Django": (
        ">=5.2,<5.3",
        "config.http restates ASGIHandler.handle; core.sessions overrides SessionStore's reads",
    ),
    "asgiref": (
        ">=3.13,<3.14",
        "config.http enters ThreadSensitiveContext(executor=...), new in 3.13",
    ),
    "channels": (
        ">=4.3,<4.4",
        "live.consumer replaces AsyncConsumer.dispatch and websocket_disconnect",
    ),
    "daphne": (
        ">=4.2,<4.3",
        "live.clients expects autobahn's Disconnected on a send to a closed socket",
    ),
    "channels-redis": (
        ">=4.3,<4.4",
        "config.settings passes max_connections through the layer's host config",
    ),
    "autobahn": (
        ">=26.11,<26.12",
        "live.clients catches autobahn.exception.Disconnected",
    ),
}

# The metadata lookup, replaceable by tests.
installed_version: Callable[[str], str] = metadata.version


def _problem(name: str, tested: str, reason: str) -> str | None:
    """Why the installed `name` is unfit, as a sentence, or None."""
    try:
        found = installed_version(name)
    except metadata.PackageNotFoundError:
        return f"{name} is not installed; this server is tested with {name}{tested} ({reason})."
    try:
        fits = Version(found) in SpecifierSet(tested)
    except InvalidVersion:
        fits = False
    if fits:
        return None
    return (
        f"{name} {found} is installed, but this server is tested only with {name}{tested}"
        f" ({reason}); install a version in that range."
    )


def tested_versions(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """An Error for each package outside its tested range."""
    return [
        checks.Error(problem, id="core.E001")
        for name, (tested, reason) in TESTED.items()
        if (problem := _problem(name, tested, reason)) is not None
    ]
