"""Helpers for the demo's tests: DEBUG on, fast password hashing, a seeding run."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def demo_settings(settings: Any) -> None:
    settings.DEBUG = True
    # The demo hashes 32 passwords; the tests do not need them to be slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def seed(*args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(run("--json", *args))
    return data
