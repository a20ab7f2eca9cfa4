"""`manage.py seed_demo` answers a refusal with one line on stderr and exit
status 1, never a traceback, and writes nothing."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import base

from demo.management.commands.seed_demo import Command
from meetings.models import Meeting, Member, Union
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


class KeepConnections:
    """The command line closes every database connection when done; the test
    database must stay open."""

    def close_all(self) -> None:
        pass


def from_command_line(monkeypatch: Any, *args: str) -> tuple[int, str, str]:
    """Run the command as manage.py does: exit status, stdout, stderr."""
    monkeypatch.setattr(base, "connections", KeepConnections())
    out, err = StringIO(), StringIO()
    command = Command(stdout=out, stderr=err, no_color=True)
    with pytest.raises(SystemExit) as exit_:
        command.run_from_argv(["manage.py", "seed_demo", "--skip-checks", *args])
        raise SystemExit(0)
    assert isinstance(exit_.value.code, int)
    return exit_.value.code, out.getvalue(), err.getvalue()


def test_a_service_refusal_is_one_line_and_exit_status_1(monkeypatch: Any, settings: Any) -> None:
    settings.DOCUMENT_MAX_BYTES = 1000  # the agenda pack is refused as too large
    status, out, err = from_command_line(monkeypatch)
    assert status == 1
    assert out == ""
    assert err.startswith("CommandError: The demo was not seeded: The file is larger than")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not Union.objects.exists() and not Meeting.objects.exists()


def test_an_account_the_demo_did_not_create_is_left_alone(monkeypatch: Any) -> None:
    someone = MemberFactory.create(username="chair", email="chair@union.example")
    status, _out, err = from_command_line(monkeypatch)
    assert status == 1
    assert err.startswith("CommandError: The demo was not seeded: The username chair belongs")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert list(Member.objects.all()) == [someone]
    assert not Union.objects.exists()


def test_success_exits_0(monkeypatch: Any) -> None:
    status, out, err = from_command_line(monkeypatch)
    assert (status, err) == (0, "")
    assert "DEMO ACCOUNTS" in out
