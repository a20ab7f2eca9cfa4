"""The deployment files (deploy/, docs/deploy.md): the documented production
settings pass `check --deploy`, the systemd units pass `systemd-analyze
verify`, the Compose file is valid and wired as documented, and nginx accepts
its configuration (the host's nginx, or the offline image's). Tools this
machine lacks (docker compose, nginx, systemd-analyze) skip their case,
saying so. With DEPLOY_TRIAL=1 and Docker, the stack itself comes up and
passes deploy/offline/smoke.py."""

from __future__ import annotations

import datetime
import os
import re
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.test_settings import run

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
DOCS = ROOT / "docs" / "deploy.md"
UNITS = ["meetings@.service", "meetings-setup.service", "meetings.target"]
SETTINGS_SOURCE = (ROOT / "config" / "settings.py").read_text()


def documented_environment() -> dict[str, str]:
    """The /etc/meetings.env block of docs/deploy.md, placeholders filled in."""
    text = DOCS.read_text()
    start = text.index("Put the environment in `/etc/meetings.env`")
    block = re.search(r"```sh\n(.*?)```", text[start:], re.S)
    assert block is not None
    env: dict[str, str] = {}
    for line in block.group(1).splitlines():
        if "=" in line and not line.startswith("#"):
            name, value = line.split("=", 1)
            env[name] = value
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    env["DATABASE_URL"] = env["DATABASE_URL"].replace("<password>", "pw")
    return env


def test_check_deploy_is_clean_with_the_documented_settings(tmp_path: Path) -> None:
    env = documented_environment()
    assert env["DEBUG"] == "0" and env["DATABASE_URL"].startswith("postgres://")
    assert env["REDIS_URL"].startswith("redis://")
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# --- Docker Compose ------------------------------------------------------------------


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"] or ""
        if name in env and env[name] != "":
            return env[name]
        if op == ":?":
            raise KeyError(f"{name}: {arg}")
        return arg if op == ":-" else ""

    return re.sub(r"\$\{(?P<name>\w+)(?:(?P<op>:[-?])(?P<arg>[^}]*))?\}", one, value)


def compose_env() -> dict[str, str]:
    return {
        "MEETINGS_HOST": "meet.example.org",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "POSTGRES_PASSWORD": secrets.token_urlsafe(24),
    }


def test_compose_has_the_documented_services() -> None:
    data = compose()
    services = data["services"]
    assert set(services) == {"postgres", "redis", "setup", "app", "nginx"}
    app = services["app"]
    assert app["deploy"]["replicas"] == "${APP_REPLICAS:-2}"
    assert app["restart"] == "unless-stopped" and "healthcheck" in app
    assert app["depends_on"]["setup"]["condition"] == "service_completed_successfully"
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    # The server runs as config.serve (daphne, access log masked), behind the
    # proxy, believing X-Forwarded-For only from the compose network's nginx.
    assert '"-m", "config.serve"' in dockerfile and '"--proxy-headers"' not in dockerfile
    subnet = data["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert app["environment"]["TRUSTED_PROXIES"] == subnet
    nginx = services["nginx"]
    assert "${HTTPS_PORT:-443}:443" in nginx["ports"]
    template = (DEPLOY / "nginx" / "meetings.conf.template").read_text()
    assert "listen 443 ssl http2;" in template and "server app:8000;" in template
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in template
    # nginx serves the static files the setup job collects; never the media.
    assert "static:/srv/meetings/static:ro" in nginx["volumes"]
    assert not any("media" in volume for volume in nginx["volumes"])
    assert services["setup"]["command"][-1].count("check --deploy") == 1


def test_compose_environment_passes_check_deploy(tmp_path: Path) -> None:
    """The environment every app process gets, as Compose fills it in."""
    environment = compose()["x-app"]["environment"]
    env = {name: interpolate(str(value), compose_env()) for name, value in environment.items()}
    for name in env:
        assert f'"{name}"' in SETTINGS_SOURCE, f"{name} is read by no setting"
    env["STATIC_ROOT"] = str(tmp_path / "static")
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    with pytest.raises(KeyError, match="SECRET_KEY"):
        interpolate(str(environment["SECRET_KEY"]), {})


def compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_compose_config_is_valid(tmp_path: Path) -> None:
    """`docker compose config` (or docker-compose 1.29) validates the file
    against the Compose schema and fills in deploy/.env; no image is pulled."""
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor docker-compose is installed")
    env = {**os.environ, **compose_env(), "APP_REPLICAS": "3"}
    result = subprocess.run(
        [*command, "-f", str(DEPLOY / "compose.yaml"), "config"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(result.stdout)
    assert rendered["services"]["app"]["deploy"]["replicas"] == 3
    app_env = rendered["services"]["app"]["environment"]
    assert app_env["ALLOWED_HOSTS"] == "meet.example.org"
    assert app_env["CSRF_TRUSTED_ORIGINS"] == "https://meet.example.org"
    # Without the secrets, Compose refuses with the sentence the file gives.
    bare = {k: v for k, v in os.environ.items() if k not in compose_env()}
    refused = subprocess.run(
        [*command, "-f", str(DEPLOY / "compose.yaml"), "config"],
        capture_output=True,
        text=True,
        env=bare,
        timeout=60,
        check=False,
    )
    assert refused.returncode != 0
    assert "set SECRET_KEY in deploy/.env" in refused.stderr or "in deploy/.env" in refused.stderr


# --- nginx ------------------------------------------------------------------------------


def offline_nginx_image() -> str | None:
    image = os.environ.get("NGINX_IMAGE", "union-meetings/nginx:1.22")
    found = subprocess.run(["docker", "image", "inspect", image], capture_output=True, timeout=30)
    return image if found.returncode == 0 else None


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    nginx: list[str] | None = None
    if host_nginx := shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    ):
        nginx = [host_nginx]
    elif docker_unreachable() is None and (image := offline_nginx_image()):
        # The nginx of deploy/offline/build-images.sh, tmp_path at the same path.
        nginx = ["docker", "run", "--rm", "-v", f"{tmp_path}:{tmp_path}", image, "nginx"]
    if nginx is None:
        pytest.skip("nginx is not installed, nor an nginx image built by deploy/offline")

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "meet.example.org")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    certs = tmp_path / "certs"
    certs.mkdir()
    (certs / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (certs / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    # As the nginx image does: ${MEETINGS_HOST} filled in, the file included
    # in the http block. Paths point into tmp_path; `app` (Docker's DNS name)
    # becomes a local address, as `nginx -t` resolves upstream names.
    site = (DEPLOY / "nginx" / "meetings.conf.template").read_text()
    site = site.replace("${MEETINGS_HOST}", "meet.example.org")
    site = site.replace("server app:8000;", "server 127.0.0.1:8000;")
    site = site.replace("/etc/nginx/certs/", f"{certs}/")
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{\n  access_log {tmp_path}/access.log;\n"
        f"  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  fastcgi_temp_path {tmp_path}/fastcgi;\n  uwsgi_temp_path {tmp_path}/uwsgi;\n"
        f"  scgi_temp_path {tmp_path}/scgi;\n"
        f"  include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(
        [*nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


# --- systemd ----------------------------------------------------------------------------


def test_systemd_units_pass_verify(tmp_path: Path) -> None:
    """`systemd-analyze verify` in a root of its own: the system's units, the
    project's units, and the interpreter path the units name (a stand-in:
    verify checks that the command exists and is executable)."""
    analyze = shutil.which("systemd-analyze")
    system_units = Path("/usr/lib/systemd/system")
    if analyze is None or not system_units.is_dir():
        pytest.skip("systemd-analyze is not installed")
    root = tmp_path / "root"
    shutil.copytree(system_units, root / "usr" / "lib" / "systemd" / "system", symlinks=True)
    units = root / "etc" / "systemd" / "system"
    units.mkdir(parents=True)
    for name in UNITS:
        shutil.copy(DEPLOY / "systemd" / name, units / name)
    python = root / "srv" / "meetings" / "app" / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)

    def verify(*names: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [analyze, "verify", f"--root={root}", *names],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    result = verify("meetings@8001.service", "meetings-setup.service", "meetings.target")
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), (
        result.stdout + result.stderr
    )
    # The check can fail: a misspelt key is reported.
    broken = (units / "meetings@.service").read_text().replace("Restart=always", "Restat=always")
    (units / "meetings@.service").write_text(broken)
    assert "Unknown key" in verify("meetings@8001.service").stderr


def test_systemd_units_run_the_masked_server_and_restart_it() -> None:
    unit = (DEPLOY / "systemd" / "meetings@.service").read_text()
    assert "-m config.serve -b 127.0.0.1 -p %i config.asgi:application" in unit
    assert "--proxy-headers" not in unit
    assert "Restart=always" in unit and "EnvironmentFile=/etc/meetings.env" in unit
    assert "ReadWritePaths=/srv/meetings/media" in unit


# --- The stack itself (opt-in) ----------------------------------------------------------


def docker_unreachable() -> str | None:
    """Why the trial cannot run here, or None."""
    docker = shutil.which("docker")
    if docker is None:
        return "docker is not installed"
    try:
        answered = subprocess.run([docker, "info"], capture_output=True, timeout=30).returncode
    except subprocess.TimeoutExpired:
        answered = -1
    if answered != 0:
        return "no Docker daemon answers `docker info`"
    if compose_command() is None:
        return "neither `docker compose` nor docker-compose is installed"
    return None


def test_offline_image_builds_are_wired_to_compose() -> None:
    """Every image Compose runs can be named in deploy/.env, the official one
    by default; build-images.sh builds one of each and prints the names."""
    services = compose()["services"]
    assert services["postgres"]["image"] == "${POSTGRES_IMAGE:-postgres:16-bookworm}"
    assert services["redis"]["image"] == "${REDIS_IMAGE:-redis:7-bookworm}"
    assert services["nginx"]["image"] == "${NGINX_IMAGE:-nginx:1.27-bookworm}"
    assert compose()["x-app"]["image"] == "${APP_IMAGE:-union-meetings:latest}"
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "ARG BASE_IMAGE=python:3.12-slim-bookworm\nFROM ${BASE_IMAGE}" in dockerfile
    script = (DEPLOY / "offline" / "build-images.sh").read_text()
    assert "debootstrap --variant=minbase bookworm" in script and "docker import" in script
    for line in ("POSTGRES_IMAGE=", "REDIS_IMAGE=", "NGINX_IMAGE=", "APP_IMAGE="):
        assert line in script
    for name in ("python", "postgres", "redis", "nginx"):
        assert (DEPLOY / "offline" / name / "Dockerfile").is_file()
    # The postgres entrypoint reads the variables Compose passes.
    entrypoint = (DEPLOY / "offline" / "postgres" / "entrypoint.sh").read_text()
    for name in services["postgres"]["environment"]:
        assert name in entrypoint


@pytest.mark.skipif(
    os.environ.get("DEPLOY_TRIAL") != "1",
    reason="the compose trial takes minutes and needs Docker: set DEPLOY_TRIAL=1 to run it",
)
def test_compose_stack_comes_up_and_passes_the_smoke_test() -> None:
    """deploy/offline/trial.sh: the stack up from the images build-images.sh
    made, smoke.py through nginx (TLS, static files, API, login, WebSocket,
    every app replica), then down with its volumes."""
    if reason := docker_unreachable():
        pytest.skip(reason)
    result = subprocess.run(
        ["sh", str(DEPLOY / "offline" / "trial.sh")],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=ROOT,
    )
    output = result.stdout + result.stderr
    if result.returncode == 2 and "build-images.sh first" in output:
        pytest.skip(output.strip().splitlines()[-1])
    assert result.returncode == 0, output
    assert "smoke test passed" in result.stdout
    assert "FAIL" not in result.stdout
