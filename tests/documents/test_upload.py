"""Uploads: checked by content, refused files leave nothing behind, versions."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from documents.models import Document, DocumentPage, DocumentVersion
from tests.api import client_for
from tests.conftest import World
from tests.documents.conftest import UploadFn, pdf_upload, row_counts, stored_files
from tests.documents.pdfs import encrypt, make_pdf

pytestmark = pytest.mark.django_db


def post_file(
    client: APIClient, world: World, data: bytes, name: str = "agenda.pdf", **fields: Any
) -> Any:
    return client.post(
        f"/api/meetings/{world.meeting.pk}/documents/",
        {"file": SimpleUploadedFile(name, data, "application/pdf"), **fields},
        format="multipart",
    )


def test_chair_uploads_a_pdf(world: World, media_root: Path) -> None:
    data = make_pdf(3)
    response = post_file(
        client_for(world.chair),
        world,
        data,
        title="Financial report",
        agenda_item_id=world.items[1].pk,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == "Financial report"
    assert body["agenda_item_id"] == world.items[1].pk
    current = body["current_version"]
    assert current["number"] == 1
    assert current["page_count"] == 3
    assert current["size"] == len(data)
    assert current["sha256"] == hashlib.sha256(data).hexdigest()
    assert [v["number"] for v in body["versions"]] == [1]

    version = DocumentVersion.objects.get()
    assert version.file.read() == data
    assert len(stored_files(media_root)) == 1
    texts = list(DocumentPage.objects.order_by("number").values_list("text", flat=True))
    assert texts[2].splitlines()[0] == "Agenda page 3"


def test_title_defaults_to_the_file_name(world: World) -> None:
    response = post_file(client_for(world.chair), world, make_pdf(1), name="Budget 2025.pdf")
    assert response.status_code == 201
    assert response.json()["title"] == "Budget 2025"


REFUSED = [
    pytest.param(b"", "empty", "The file is empty.", id="empty-file"),
    pytest.param(
        b"Minutes of the meeting\nnot a PDF at all\n", "not_pdf", "not a PDF", id="text-as-pdf"
    ),
    pytest.param(b"%PDF-1.4\nthis is not a real PDF\n%%EOF", "broken", "damaged", id="broken"),
    pytest.param(encrypt(make_pdf(2)), "encrypted", "password", id="encrypted"),
    pytest.param(
        encrypt(make_pdf(2), user_password="", owner_password="owner"),
        "encrypted",
        "encrypted",
        id="owner-password-only",
    ),
    pytest.param(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF",
        None,
        None,
        id="no-pages",
    ),
]


@pytest.mark.parametrize(("data", "code", "message"), REFUSED)
def test_refused_files_store_nothing(
    world: World, media_root: Path, data: bytes, code: str | None, message: str | None
) -> None:
    before = row_counts()
    response = post_file(client_for(world.chair), world, data)
    assert response.status_code == 400
    body = response.json()
    if code is not None:
        assert body["code"] == code
        assert message in body["detail"]
    else:  # PDFium calls a page-less PDF damaged, or we say it has no pages
        assert body["code"] in {"broken", "no_pages"}
    assert row_counts() == before
    assert stored_files(media_root) == []


def test_a_file_over_the_limit_is_refused(world: World, media_root: Path, settings: Any) -> None:
    data = make_pdf(2)
    settings.DOCUMENT_MAX_BYTES = len(data) - 1
    response = post_file(client_for(world.chair), world, data)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "limit" in response.json()["detail"]
    assert row_counts() == {k: 0 for k in row_counts()}
    assert stored_files(media_root) == []


def test_an_oversized_body_is_refused_before_it_is_read(
    world: World, media_root: Path, settings: Any
) -> None:
    settings.DOCUMENT_MAX_BYTES = 1000
    response = post_file(client_for(world.chair), world, make_pdf(1) + b"\n" * 200_000)
    assert response.status_code == 413
    assert stored_files(media_root) == []


def test_a_file_at_the_limit_is_accepted(world: World, settings: Any) -> None:
    data = make_pdf(1)
    settings.DOCUMENT_MAX_BYTES = len(data)
    assert post_file(client_for(world.chair), world, data).status_code == 201


@pytest.mark.parametrize("who", ["clerk", "voter", "outsider", "anonymous"])
def test_only_the_chair_or_an_officer_uploads(world: World, media_root: Path, who: str) -> None:
    member = {
        "clerk": world.clerk,
        "voter": world.voters[0],
        "outsider": world.outsider,
        "anonymous": None,
    }[who]
    response = post_file(client_for(member), world, make_pdf(1))
    assert (
        response.status_code == {"clerk": 403, "voter": 403, "outsider": 404, "anonymous": 401}[who]
    )
    assert Document.objects.count() == 0
    assert stored_files(media_root) == []


def test_agenda_item_of_another_meeting_is_refused(world: World, media_root: Path) -> None:
    from tests.factories import AgendaItemFactory

    foreign = AgendaItemFactory.create()
    response = post_file(client_for(world.chair), world, make_pdf(1), agenda_item_id=foreign.pk)
    assert response.status_code == 404
    assert stored_files(media_root) == []


def test_a_new_upload_is_a_new_version_and_history_stays(
    world: World, upload: UploadFn, media_root: Path
) -> None:
    first = upload(make_pdf(2, title="Draft"))
    client = client_for(world.chair)
    data = make_pdf(4, title="Final")
    response = client.post(
        f"/api/documents/{first.document_id}/versions/",
        {"file": SimpleUploadedFile("final.pdf", data, "application/pdf")},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["current_version"]["number"] == 2
    assert body["current_version"]["page_count"] == 4
    assert [(v["number"], v["page_count"]) for v in body["versions"]] == [(2, 4), (1, 2)]
    assert body["versions"][1]["sha256"] == first.sha256
    assert len(stored_files(media_root)) == 2

    # The old version stays downloadable.
    old = client.get(body["versions"][1]["download_url"])
    assert old.status_code == 200
    assert old.getvalue() == first.file.open("rb").read()


def test_a_refused_new_version_keeps_the_current_one(
    world: World, upload: UploadFn, media_root: Path
) -> None:
    first = upload()
    response = client_for(world.chair).post(
        f"/api/documents/{first.document_id}/versions/",
        {"file": pdf_upload(b"not a pdf")},
        format="multipart",
    )
    assert response.status_code == 400
    document = Document.objects.get()
    assert document.current_version_id == first.pk
    assert DocumentVersion.objects.count() == 1
    assert len(stored_files(media_root)) == 1
