"""Deleting a document uploaded by mistake: the chair or an officer only, never while
it is on show; rows go at once, stored files after commit; logged and
published to every audience."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage

from core.exceptions import Conflict, NotAllowed
from documents import services
from documents.models import Document, DocumentPage, DocumentVersion, PageNote
from documents.rendering import ImageSize
from live import events
from meetings.models import MeetingEvent
from tests.api import assert_error, client_for
from tests.conftest import World
from tests.documents.conftest import UploadFn, pdf_upload, row_counts, stored_files
from tests.documents.pdfs import make_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every socket event sent, decoded."""
    out: list[dict[str, Any]] = []
    monkeypatch.setattr(
        events, "_send", lambda _meeting_id, _audiences, text: out.append(json.loads(text))
    )
    return out


def _with_everything(world: World, upload: UploadFn) -> Document:
    """A document with two versions, a rendered page image and a member's note."""
    first = upload(make_pdf(2))
    services.document_upload(
        actor=world.chair,
        meeting=world.meeting,
        upload=pdf_upload(make_pdf(3)),
        document=first.document,
    )
    document = Document.objects.get(pk=first.document_id)
    assert document.current_version is not None
    page = DocumentPage.objects.get(version=document.current_version, number=1)
    services.page_image(page=page, size=ImageSize.PHONE)
    services.page_note_save(
        actor=world.voters[0], version=document.current_version, page_number=1, text="Typo"
    )
    return document


def test_delete_removes_rows_then_files_after_commit(
    world: World,
    upload: UploadFn,
    media_root: Path,
    sent: list[dict[str, Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    keep = upload(make_pdf(1), title="Minutes")
    document = _with_everything(world, upload)
    assert len(stored_files(media_root)) == 4  # three PDFs and one page image

    with django_capture_on_commit_callbacks() as callbacks:
        services.document_delete(actor=world.chair, document=document)
        # Rows gone inside the transaction; files still there until commit.
        assert not Document.objects.filter(pk=document.pk).exists()
        assert len(stored_files(media_root)) == 4
    assert row_counts() == {
        "Document": 1,
        "DocumentVersion": 1,
        "DocumentPage": 1,
        "PageNote": 0,
        "Presentation": 0,
    }
    assert callbacks
    for callback in callbacks:
        callback()
    assert stored_files(media_root) == [media_root / str(keep.file.name)]

    changed = [e for e in sent if e["type"] == "documents.changed"]
    assert len(changed) == 1
    assert [d["title"] for d in changed[0]["documents"]] == ["Minutes"]

    act = MeetingEvent.objects.filter(meeting=world.meeting).order_by("-number").first()
    assert act is not None and act.action == "document.deleted"
    assert act.actor == world.chair
    assert act.data["document"] == document.pk and act.data["title"] == "Agenda"
    assert [v["number"] for v in act.data["versions"]] == [1, 2]
    assert all(len(v["sha256"]) == 64 for v in act.data["versions"])


def test_a_file_that_cannot_be_removed_is_logged_not_raised(
    world: World,
    upload: UploadFn,
    media_root: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    document = _with_everything(world, upload)
    real_delete = FileSystemStorage.delete

    def flaky(self: FileSystemStorage, name: str) -> None:
        if name.endswith(".webp"):
            raise OSError("disk says no")
        real_delete(self, name)

    monkeypatch.setattr(FileSystemStorage, "delete", flaky)
    with (
        caplog.at_level(logging.ERROR, logger="documents.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.document_delete(actor=world.chair, document=document)
    assert not Document.objects.exists()
    assert [p.suffix for p in stored_files(media_root)] == [".webp"]  # the PDFs went
    assert "Could not remove the stored file" in caplog.text


def test_refused_while_presented(world: World, upload: UploadFn, media_root: Path) -> None:
    shown = upload(make_pdf(2)).document
    other = upload(make_pdf(1), title="Minutes").document
    services.presenter_show(actor=world.chair, meeting=world.meeting, document=shown, page=2)
    before = row_counts()

    with pytest.raises(Conflict, match="Stop presenting this document first"):
        services.document_delete(actor=world.chair, document=shown)
    assert row_counts() == before
    assert len(stored_files(media_root)) == 2

    services.document_delete(actor=world.chair, document=other)  # not on show: fine
    services.presenter_stop(actor=world.chair, meeting=world.meeting)
    services.document_delete(actor=world.chair, document=shown)
    assert not Document.objects.exists()


@pytest.mark.parametrize("who", ["voter", "outsider"])
def test_refused_to_members_and_outsiders(world: World, upload: UploadFn, who: str) -> None:
    document = upload(make_pdf(1)).document
    actor = world.voters[0] if who == "voter" else world.outsider
    with pytest.raises(NotAllowed):
        services.document_delete(actor=actor, document=document)
    assert Document.objects.filter(pk=document.pk).exists()
    assert not MeetingEvent.objects.filter(action="document.deleted").exists()


# --- REST -------------------------------------------------------------------------


def url(document: Document | int) -> str:
    return f"/api/documents/{document if isinstance(document, int) else document.pk}/"


def test_api_delete_answers_204(world: World, upload: UploadFn) -> None:
    document = upload(make_pdf(1)).document
    response = client_for(world.chair).delete(url(document))
    assert response.status_code == 204
    assert response.content == b""
    assert not DocumentVersion.objects.exists()
    assert_error(client_for(world.chair).get(url(document)), 404, "not_found")


def test_api_delete_errors(world: World, upload: UploadFn) -> None:
    document = upload(make_pdf(2)).document
    public = upload(make_pdf(1), title="Public notice", public=True).document

    assert_error(client_for(None).delete(url(document)), 401)
    assert_error(client_for(world.voters[0]).delete(url(document)), 403, "forbidden")
    # Outsiders do not learn a private document exists; a public one they may read.
    assert_error(client_for(world.outsider).delete(url(document)), 404, "not_found")
    assert_error(client_for(world.outsider).delete(url(public)), 403, "forbidden")
    assert_error(client_for(world.chair).delete(url(999_999)), 404, "not_found")

    services.presenter_show(actor=world.chair, meeting=world.meeting, document=document, page=1)
    assert_error(client_for(world.clerk).delete(url(document)), 403, "forbidden")
    body = assert_error(client_for(world.chair).delete(url(document)), 409, "conflict")
    assert "Stop presenting this document first." in body["detail"]
    assert Document.objects.count() == 2
    assert PageNote.objects.count() == 0
