"""The layers' import rules (docs/architecture.md), read from the source.

Every import counts, also one inside a function: a lazy import is still a
dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_APPS = {"meetings", "voting", "documents", "demo", "speakers", "motions", "minutes"}
PROJECT = {"config", "core", "live", "frontend", *DOMAIN_APPS}


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for alias in node.names:  # `from live import consumer` names a module too
                yield node.lineno, f"{node.module}.{alias.name}"


def project_modules() -> Iterator[tuple[str, Path]]:
    for top in sorted(PROJECT):
        folder = ROOT / top
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            yield module, path


def package(module: str) -> str:
    return module.split(".", 1)[0]


def broken_rules(module: str, imported: str) -> list[str]:
    """The rules that one import breaks (empty when it is allowed)."""
    mine, theirs = package(module), package(imported)
    if theirs not in PROJECT or (mine == theirs and not imported.startswith("live.consumer")):
        return []
    broken = []
    if mine == "core" and theirs != "core":
        broken.append("core imports no app")
    if mine == "live" and theirs in DOMAIN_APPS | {"frontend"}:
        broken.append("live imports no domain app")
    if mine == "meetings" and theirs in DOMAIN_APPS - {"meetings"}:
        broken.append("meetings imports no other domain app")
    if theirs == "frontend" and module != "config.urls":
        broken.append("nothing imports frontend but config.urls")
    if (imported == "live.consumer" or imported.startswith("live.consumer.")) and module not in (
        "config.routing",
        "live.consumer",
    ):
        broken.append("only config.routing imports the socket module")
    return broken


def violations() -> list[str]:
    found = []
    for module, path in project_modules():
        for line, imported in imports_of(path):
            for rule in broken_rules(module, imported):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {imported}: {rule}")
    return found


def test_the_layers_import_only_what_they_may() -> None:
    assert violations() == []


def test_the_walk_sees_every_layer() -> None:
    """Guard against a walk that finds nothing and so passes."""
    modules = {module for module, _path in project_modules()}
    for expected in ("core.exceptions", "live.consumer", "meetings.live", "voting.live"):
        assert expected in modules


@pytest.mark.parametrize(
    ("module", "imported", "rule"),
    [
        ("meetings.selectors", "voting.models", "meetings imports no other domain app"),
        ("meetings.live", "documents", "meetings imports no other domain app"),
        ("core.api.base", "meetings.models", "core imports no app"),
        ("core.ratelimit", "live.events", "core imports no app"),
        ("live.snapshot", "voting.selectors", "live imports no domain app"),
        ("frontend.views", "live.consumer", "only config.routing imports the socket module"),
        ("voting.api.views", "frontend.views", "nothing imports frontend but config.urls"),
    ],
)
def test_each_rule_catches_its_break(module: str, imported: str, rule: str) -> None:
    assert rule in broken_rules(module, imported)


@pytest.mark.parametrize(
    ("module", "imported"),
    [
        ("voting.services.ballots", "meetings.models"),
        ("documents.live", "live.registry"),
        ("frontend.views", "live.snapshot"),
        ("live.consumer", "core.exceptions"),
        ("config.routing", "live.consumer"),
        ("config.urls", "frontend.urls"),
    ],
)
def test_allowed_imports_pass(module: str, imported: str) -> None:
    assert broken_rules(module, imported) == []


def test_a_lazy_import_counts(tmp_path: Path) -> None:
    source = tmp_path / "lazy.py"
    source.write_text("def f():\n    from voting import services\n")
    assert (2, "voting.services") in set(imports_of(source))
