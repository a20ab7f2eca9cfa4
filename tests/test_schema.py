"""The OpenAPI schema generates without warnings, and the docs are served."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient


def test_schema_generates_without_warnings(tmp_path: Path) -> None:
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))
    text = target.read_text(encoding="utf-8")
    for path in [
        "/api/auth/login/",
        "/api/unions/{union_id}/members/import/",
        "/api/meetings/{meeting_id}/agenda/advance/",
        "/api/meetings/{meeting_id}/projector-link/",
    ]:
        assert f"{path}:" in text


@pytest.mark.django_db
def test_schema_and_docs_are_public() -> None:
    client = APIClient()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/meetings/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
