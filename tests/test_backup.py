"""Backups as docs/deploy.md describes them: a pg_dump of the database and a
copy of the audit signing key, restored into a fresh database, give audit
exports that still verify with the stand-alone verifier, the same as
before. Without the key's copy, they do not."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from tests.conftest import World, build_world, need
from tests.voting.audit_helpers import closed_poll, weigh_and_delegate
from voting import audit, keys, verify
from voting.models import PollSeal

pytestmark = pytest.mark.usefixtures("require_postgres")


def exports() -> dict[int, dict[str, Any]]:
    """Every sealed poll's audit export, as the file people download."""
    return {
        seal.poll_id: json.loads(audit.export_text(seal.poll))
        for seal in PollSeal.objects.select_related("poll").order_by("id")
    }


def client_args() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432)]
    if db.get("USER"):
        args += ["-U", db["USER"]]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return args, env


def admin_connection() -> psycopg.Connection[Any]:
    db = connection.settings_dict
    return psycopg.connect(
        dbname="postgres",
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        autocommit=True,
    )


@contextmanager
def fresh_database(name: str) -> Iterator[str]:
    with admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def using_database(name: str) -> Iterator[None]:
    """Point the default connection (and its pool) at another database."""
    saved = copy.deepcopy(connection.settings_dict)

    def drop() -> None:
        connection.close()
        if hasattr(connection, "close_pool"):
            connection.close_pool()

    drop()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        drop()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@contextmanager
def signing_key_at(path: Path, settings: Any) -> Iterator[None]:
    saved = settings.AUDIT_KEY_PATH
    settings.AUDIT_KEY_PATH = path
    keys.signing_key.cache_clear()
    try:
        yield
    finally:
        settings.AUDIT_KEY_PATH = saved
        keys.signing_key.cache_clear()


@pytest.mark.django_db(transaction=True)
def test_a_restored_dump_gives_exports_that_still_verify(
    tmp_path: Path, settings: Any, audit_key: Path
) -> None:
    need(shutil.which("pg_dump") is not None, "pg_dump is not installed")
    world: World = build_world(voters=3)
    from meetings import services as meeting_services

    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    world.meeting.refresh_from_db()
    weigh_and_delegate(world)
    closed_poll(world, secrecy="secret", title="Budget")
    closed_poll(world, secrecy="named", title="Chair")
    before = exports()
    assert len(before) == 2
    public_key = keys.public_key_b64()

    # The backup: the database, and the key file copied somewhere safe.
    args, env = client_args()
    dump = tmp_path / "meetings.dump"
    subprocess.run(
        ["pg_dump", *args, "-Fc", "-f", str(dump), connection.settings_dict["NAME"]],
        env=env,
        check=True,
        capture_output=True,
    )
    key_copy = tmp_path / "key-backup" / "audit-signing-key.pem"
    key_copy.parent.mkdir()
    shutil.copy2(audit_key, key_copy)

    restored_name = f"{connection.settings_dict['NAME']}_restored"
    with fresh_database(restored_name):
        subprocess.run(
            ["pg_restore", *args, "--no-owner", "--exit-on-error", "-d", restored_name, str(dump)],
            env=env,
            check=True,
            capture_output=True,
        )
        with using_database(restored_name), signing_key_at(key_copy, settings):
            after = exports()
            for poll_id, export in after.items():
                summary = verify.verify(export, public_key=public_key)
                assert summary.startswith(f"OK: poll {poll_id} ")
            # Identical but for the log head, signed afresh (with its time) at
            # each export: its chain position must match.
            for export in (*before.values(), *after.values()):
                export["log_head"].pop("signature")
                export["log_head"].pop("signed_at")
            assert after == before

        # Restored without the key's backup (a new key made instead), the
        # exports no longer verify against the installation's key.
        other_key = tmp_path / "new-key.pem"
        keys.generate(other_key)
        with using_database(restored_name), signing_key_at(other_key, settings):
            export = next(iter(exports().values()))
            with pytest.raises(verify.Fault):
                verify.verify(export, public_key=public_key)
