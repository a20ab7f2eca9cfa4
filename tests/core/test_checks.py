"""The tested-versions check (core.checks): start-up refuses a package whose
internals the server relies on when its version is outside the tested range."""

from __future__ import annotations

import os
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from core import checks as version_checks

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def fake_installed(monkeypatch: pytest.MonkeyPatch, name: str, version: str | None) -> None:
    """`name` seen as installed at `version` (None: not installed); the rest as they are."""

    def lookup(distribution: str) -> str:
        if distribution != name:
            return metadata.version(distribution)
        if version is None:
            raise metadata.PackageNotFoundError(distribution)
        return version

    monkeypatch.setattr(version_checks, "installed_version", lookup)


def test_the_installed_versions_pass() -> None:
    assert version_checks.tested_versions() == []
    found = checks.run_checks(tags=[checks.Tags.compatibility])
    assert [m for m in found if m.id == "core.E001"] == []


def test_an_asgiref_older_than_tested_stops_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_installed(monkeypatch, "asgiref", "3.12.1")
    [error] = version_checks.tested_versions()
    assert error.level == checks.ERROR
    assert error.id == "core.E001"
    assert error.msg.startswith(
        "asgiref 3.12.1 is installed, but this server is tested only with asgiref>=3.13,<3.14"
    )
    assert "ThreadSensitiveContext(executor=...)" in error.msg
    # Registered: the start-up commands refuse to go on.
    with pytest.raises(SystemCheckError, match=r"asgiref 3\.12\.1 is installed"):
        call_command("check")


@pytest.mark.parametrize("version", ["4.4.0", "5.0", "4.3.0rc1", "not-a-version"])
def test_a_channels_outside_the_range_is_refused(
    monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    fake_installed(monkeypatch, "channels", version)
    [error] = version_checks.tested_versions()
    assert error.msg.startswith(f"channels {version} is installed")


def test_a_later_patch_release_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_installed(monkeypatch, "channels", "4.3.99")
    assert version_checks.tested_versions() == []


def test_a_missing_package_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_installed(monkeypatch, "autobahn", None)
    [error] = version_checks.tested_versions()
    assert error.msg.startswith("autobahn is not installed; this server is tested with autobahn>=")


def test_the_table_matches_the_pins_of_pyproject() -> None:
    """Each tested range is pinned exactly so in pyproject.toml: the two cannot drift."""
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    pins = {canonicalize_name(r.name): r.specifier for r in map(Requirement, dependencies)}
    for name, (tested, _reason) in version_checks.TESTED.items():
        assert pins.get(canonicalize_name(name)) == SpecifierSet(tested), name


def test_the_server_refuses_to_start_on_untested_versions() -> None:
    """daphne runs no system checks, so config.asgi checks the pins itself."""
    import subprocess
    import sys

    code = (
        "import core.checks as checks\n"
        "checks.installed_version = lambda name: '0.1'\n"
        "import config.asgi\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "DEBUG": "1"},
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "asgiref 0.1 is installed, but this server is tested only with asgiref" in result.stderr
