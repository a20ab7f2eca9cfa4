"""Helpers for tests that call the REST API through DRF's test client."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from meetings.models import Member


def client_for(member: Member | None) -> APIClient:
    """A client logged in as `member` (anonymous for None)."""
    client = APIClient()
    if member is not None:
        client.force_login(member)
    return client


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is a JSON error with a human sentence (and the code)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["code"]
    if code is not None:
        assert body["code"] == code
    return body
