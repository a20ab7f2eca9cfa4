"""Production settings: `check --deploy` is clean, a missing SECRET_KEY is refused,
and REDIS_URL gives a Redis channel layer sized for 1,000 sockets at once.

Each case loads the settings in a fresh process with its own environment.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Variables the settings read; cleared so that the developer's shell or CI
# (which sets DATABASE_URL and REDIS_URL) does not leak into a case.
SETTINGS_VARIABLES = (
    "DEBUG",
    "HALL_MODE",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "REDIS_URL",
    "REDIS_MAX_CONNECTIONS",
    "DB_POOL_SIZE",
    "SERVE_STATIC",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "STATIC_ROOT",
    "VAR_DIR",
)

PRINT_CHANNEL_LAYER = """
import json
import django
django.setup()
from django.conf import settings
from channels_redis.utils import create_pool
layer = settings.CHANNEL_LAYERS["default"]
hosts = layer.get("CONFIG", {}).get("hosts", [])
print(json.dumps({
    "backend": layer["BACKEND"],
    "pool_max_connections": [create_pool(host).max_connections for host in hosts],
}))
"""


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    base.update(DJANGO_SETTINGS_MODULE="config.settings", VAR_DIR=str(tmp_path / "var"))
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_env() -> dict[str, str]:
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "meet.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://meet.example.org",
    }


def test_check_deploy_passes_with_no_warnings(tmp_path: Path) -> None:
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        **production_env(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_fails_on_a_weak_key(tmp_path: Path) -> None:
    """The check itself works: a short key is flagged (so a pass means something)."""
    env = {**production_env(), "SECRET_KEY": "short"}
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **env)
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_production_without_a_secret_key_refuses_to_start(tmp_path: Path) -> None:
    env = production_env()
    del env["SECRET_KEY"]
    result = run(["manage.py", "check"], tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


def test_development_key_is_generated_once_into_var(tmp_path: Path) -> None:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SECRET_KEY)"
    )
    first = run(["-c", code], tmp_path, DEBUG="1")
    second = run(["-c", code], tmp_path, DEBUG="1")
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50
    assert second.stdout.strip() == key
    assert (tmp_path / "var" / "secret_key").read_text().strip() == key


@pytest.mark.parametrize(
    "env,backend",
    [
        ({}, "channels.layers.InMemoryChannelLayer"),
        (
            {"REDIS_URL": "redis://127.0.0.1:6379/0"},
            "channels_redis.pubsub.RedisPubSubChannelLayer",
        ),
    ],
)
def test_channel_layer_follows_redis_url(tmp_path: Path, env: dict[str, str], backend: str) -> None:
    result = run(["-c", PRINT_CHANNEL_LAYER], tmp_path, **production_env(), **env)
    assert result.returncode == 0, result.stderr
    layer = json.loads(result.stdout)
    assert layer["backend"] == backend
    if "REDIS_URL" in env:
        # redis-py's pool defaults to 100: 1,000 sockets connecting at once must fit.
        assert layer["pool_max_connections"]
        assert min(layer["pool_max_connections"]) >= 1000


PRINT_DATABASE = """
import json
import django
django.setup()
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({"engine": db["ENGINE"], "options": db.get("OPTIONS", {})}))
"""


@pytest.mark.parametrize("url", ["", "sqlite:///{var}/other.sqlite3"])
def test_every_sqlite_database_takes_the_write_lock_when_a_transaction_begins(
    tmp_path: Path, url: str
) -> None:
    """The embedded file and a sqlite:// DATABASE_URL alike (test servers use
    the latter): a transaction begun as a read that then writes would fail at
    once with "database is locked" beside another writer."""
    env = {"DATABASE_URL": url.format(var=tmp_path)} if url else {}
    result = run(["-c", PRINT_DATABASE], tmp_path, DEBUG="1", **env)
    assert result.returncode == 0, result.stderr
    database = json.loads(result.stdout)
    assert database["engine"] == "django.db.backends.sqlite3"
    assert database["options"] == {"transaction_mode": "IMMEDIATE", "timeout": 20}
