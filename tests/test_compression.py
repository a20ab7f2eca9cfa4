"""Fewer bytes for weak networks (config/compression.py): gzip for pages,
JSON and the static files the app serves itself, never for images or PDFs;
static files revalidate cheaply."""

from __future__ import annotations

import gzip
from typing import Any

from django.contrib.staticfiles import finders
from django.core.handlers.asgi import ASGIHandler
from django.test import Client, RequestFactory
from django.utils.http import http_date

from config.compression import StaticFilesHandler
from tests.conftest import World


def static(path: str, **headers: str) -> Any:
    request = RequestFactory().get(f"/static/{path}", headers=headers)
    return StaticFilesHandler(ASGIHandler()).serve(request)


def test_static_text_is_gzipped_when_the_browser_takes_it() -> None:
    source = finders.find("frontend/app.css")
    assert isinstance(source, str)
    with open(source, "rb") as handle:
        original = handle.read()

    response = static("frontend/app.css", accept_encoding="gzip, deflate, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert response["Content-Type"].startswith("text/css")
    assert "Accept-Encoding" in response["Vary"]
    assert response["Cache-Control"] == "no-cache"
    assert gzip.decompress(response.content) == original
    assert len(response.content) < len(original) / 2

    plain = static("frontend/app.css")
    assert not plain.has_header("Content-Encoding")
    assert b"".join(plain.streaming_content) == original
    plain.file_to_stream.close()

    script = static("frontend/meeting-socket.js", accept_encoding="gzip")
    assert script["Content-Encoding"] == "gzip"
    assert "javascript" in script["Content-Type"]


def test_static_files_revalidate_with_a_304() -> None:
    first = static("frontend/app.css", accept_encoding="gzip")
    again = static(
        "frontend/app.css",
        accept_encoding="gzip",
        if_modified_since=first["Last-Modified"],
    )
    assert again.status_code == 304
    assert again["Cache-Control"] == "no-cache"
    stale = static("frontend/app.css", accept_encoding="gzip", if_modified_since=http_date(0))
    assert stale.status_code == 200


def test_pages_and_json_are_gzipped_pdfs_are_not(world: World) -> None:
    client = Client(headers={"accept-encoding": "gzip"})
    page = client.get("/login/")
    assert page["Content-Encoding"] == "gzip"
    assert b"<html" in gzip.decompress(page.content)

    client.force_login(world.chair)
    api = client.get(f"/api/meetings/{world.meeting.pk}/agenda/")
    assert api.status_code == 200 and api["Content-Type"] == "application/json"
    assert api["Content-Encoding"] == "gzip"

    pdf = client.get(f"/meetings/{world.meeting.pk}/badges.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert not pdf.has_header("Content-Encoding")
    assert pdf.content.startswith(b"%PDF")
