"""Page images, text, downloads and the meeting pack: rendering, caching and
who may read what."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from core.projector_cookie import PROJECTOR_COOKIE
from documents import rendering, services
from documents.models import DocumentPage
from documents.rendering import ImageSize
from meetings import services as meeting_services
from tests.api import client_for
from tests.conftest import World
from tests.documents.conftest import UploadFn, pdf_upload, stored_files
from tests.documents.pdfs import make_pdf
from tests.factories import MeetingFactory, MemberFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def image_url(key: str, page: int, size: str = "phone") -> str:
    return f"/api/document-versions/{key}/pages/{page}/image/{size}/"


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- rendering ----------------------------------------------------------------


def test_inspect_reads_page_count_sizes_and_text() -> None:
    info = rendering.inspect_pdf(make_pdf(5, title="Minutes"))
    assert info.page_count == 5
    assert all(round(p.width) == 595 and round(p.height) == 842 for p in info.pages)
    assert info.pages[4].text.splitlines()[0] == "Minutes page 5"


@pytest.mark.parametrize(
    ("orientation", "size", "expected"),
    [
        ("portrait", ImageSize.PHONE, (720, 1018)),
        ("portrait", ImageSize.PROJECTOR, (764, 1080)),
        ("landscape", ImageSize.PHONE, (720, 509)),
        ("landscape", ImageSize.PROJECTOR, (1527, 1080)),
    ],
)
def test_rendered_image_sizes(orientation: str, size: ImageSize, expected: tuple[int, int]) -> None:
    rendered = rendering.render_page(make_pdf(2, orientation=orientation), 2, size)
    image = Image.open(io.BytesIO(rendered.data))
    assert image.format == "WEBP"
    assert image.size == expected == (rendered.width, rendered.height)


def test_page_image_is_rendered_once_and_cached(
    world: World, upload: UploadFn, media_root: Path
) -> None:
    version = upload(make_pdf(3))
    client = client_for(world.voters[0])
    assert len(stored_files(media_root)) == 1  # only the PDF: images on demand

    first = client.get(image_url(version.key, 3))
    assert first.status_code == 200
    assert first["Content-Type"] == "image/webp"
    assert "immutable" in first["Cache-Control"] and "max-age=31536000" in first["Cache-Control"]
    assert version.sha256[:40] in first["ETag"]
    first_bytes = body(first)
    assert Image.open(io.BytesIO(first_bytes)).size == (720, 1018)
    page = DocumentPage.objects.get(version=version, number=3)
    assert page.phone_image.name and not page.projector_image.name
    assert len(stored_files(media_root)) == 2

    again = client.get(image_url(version.key, 3))
    assert body(again) == first_bytes
    assert len(stored_files(media_root)) == 2  # not rendered twice

    not_modified = client.get(image_url(version.key, 3), HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304

    projector = client.get(image_url(version.key, 1, "projector"))
    assert Image.open(io.BytesIO(body(projector))).size == (764, 1080)
    assert projector["ETag"] != first["ETag"]


def test_page_image_errors(world: World, upload: UploadFn) -> None:
    version = upload(make_pdf(2))
    client = client_for(world.voters[0])
    assert client.get(image_url(version.key, 3)).status_code == 404
    assert client.get(image_url(version.key, 1, "poster")).status_code == 404
    assert client.get(image_url("not-a-key", 1)).status_code == 404


def test_page_text(world: World, upload: UploadFn) -> None:
    version = upload(make_pdf(2))
    response = client_for(world.voters[0]).get(
        f"/api/document-versions/{version.key}/pages/2/text/"
    )
    assert response.status_code == 200
    assert response.json()["page"] == 2
    assert response.json()["page_count"] == 2
    assert response.json()["text"].startswith("Agenda page 2")


def test_download(world: World, upload: UploadFn) -> None:
    data = make_pdf(2)
    version = upload(data, title="Budget 2025")
    response = client_for(world.voters[0]).get(f"/api/document-versions/{version.key}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="budget-2025-v1.pdf"' in response["Content-Disposition"]
    assert response["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert body(response) == data


# --- access ---------------------------------------------------------------------


def file_urls(key: str) -> list[str]:
    return [
        f"/api/document-versions/{key}/download/",
        image_url(key, 1),
        f"/api/document-versions/{key}/pages/1/text/",
        f"/api/document-versions/{key}/pages/1/note/",
    ]


@pytest.mark.parametrize("who", ["chair", "voter", "clerk"])
def test_participants_read_everything(world: World, upload: UploadFn, who: str) -> None:
    version = upload()
    member = {"chair": world.chair, "voter": world.voters[1], "clerk": world.clerk}[who]
    client = client_for(member)
    for url in file_urls(version.key):
        assert client.get(url).status_code == 200, url
    listing = client.get(f"/api/meetings/{world.meeting.pk}/documents/")
    assert [d["id"] for d in listing.json()] == [version.document_id]
    assert client.get(f"/api/documents/{version.document_id}/").status_code == 200
    assert client.get(f"/api/meetings/{world.meeting.pk}/documents/pack.zip").status_code == 200


def test_outsiders_and_other_meetings_get_404(world: World, upload: UploadFn) -> None:
    version = upload()
    other_meeting_member = MemberFactory.create()
    ParticipantFactory.create(
        meeting=MeetingFactory.create(union=world.union), member=other_meeting_member
    )
    for member in (world.outsider, other_meeting_member):
        client = client_for(member)
        for url in [
            *file_urls(version.key),
            f"/api/meetings/{world.meeting.pk}/documents/",
            f"/api/documents/{version.document_id}/",
            f"/api/meetings/{world.meeting.pk}/documents/pack.zip",
            f"/api/meetings/{world.meeting.pk}/presentation/",
        ]:
            response = client.get(url)
            assert response.status_code == 404, (member, url)
            assert response.json()["code"] == "not_found"


def test_anonymous_gets_401_for_private_documents(world: World, upload: UploadFn) -> None:
    version = upload()
    client = APIClient()
    for url in [*file_urls(version.key), f"/api/meetings/{world.meeting.pk}/documents/"]:
        response = client.get(url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"]


def test_public_documents_are_readable_by_anyone(world: World, upload: UploadFn) -> None:
    version = upload(public=True)
    for member in (None, world.outsider):
        client = client_for(member)
        for url in file_urls(version.key)[:3]:
            assert client.get(url).status_code == 200, url
    # Notes need a login even on public documents.
    assert APIClient().get(file_urls(version.key)[3]).status_code == 401


def test_projector_token_opens_only_the_version_on_show(world: World, upload: UploadFn) -> None:
    shown = upload(make_pdf(3))
    hidden = upload(make_pdf(2), title="Confidential")
    token = meeting_services.projector_link_create(actor=world.chair, meeting=world.meeting)
    client = Client()
    client.cookies[PROJECTOR_COOKIE] = token
    assert client.get(image_url(shown.key, 1)).status_code == 404

    services.presenter_show(
        actor=world.chair, meeting=world.meeting, document=shown.document, page=2
    )
    for page in (1, 2, 3):
        response = client.get(image_url(shown.key, page, "projector"))
        assert response.status_code == 200
    assert client.get(image_url(hidden.key, 1)).status_code == 404
    # The token in a URL (access logs) opens nothing: only the cookie does.
    assert Client().get(image_url(shown.key, 1), {"projector": token}).status_code == 401
    # The token opens page images and text, not downloads.
    download = client.get(f"/api/document-versions/{shown.key}/download/")
    assert download.status_code == 401
    # Another meeting's token, a forged token, a revoked token: refused.
    other = MeetingFactory.create(union=world.union)
    for wrong in (meeting_services.projector_token_for(other), token + "x"):
        client.cookies[PROJECTOR_COOKIE] = wrong
        assert client.get(image_url(shown.key, 1)).status_code == 404
    client.cookies[PROJECTOR_COOKIE] = token
    meeting_services.projector_links_revoke(actor=world.chair, meeting=world.meeting)
    assert client.get(image_url(shown.key, 1)).status_code == 404


def test_version_keys_are_random_and_long(world: World, upload: UploadFn) -> None:
    keys = {upload().key for _ in range(3)}
    assert len(keys) == 3
    assert all(len(key) >= 32 for key in keys)


# --- notes ------------------------------------------------------------------------


def test_notes_are_private(world: World, upload: UploadFn) -> None:
    version = upload(make_pdf(2))
    url = f"/api/document-versions/{version.key}/pages/2/note/"
    alice, bob = client_for(world.voters[0]), client_for(world.voters[1])
    assert alice.get(url).json() == {"page": 2, "text": "", "updated_at": None}

    saved = alice.put(url, {"text": "Ask about the strike fund"}, format="json")
    assert saved.status_code == 200
    assert saved.json()["text"] == "Ask about the strike fund"
    assert alice.get(url).json()["text"] == "Ask about the strike fund"
    assert bob.get(url).json()["text"] == ""
    assert client_for(world.chair).get(url).json()["text"] == ""

    bob.put(url, {"text": "Bob's own"}, format="json")
    assert alice.get(url).json()["text"] == "Ask about the strike fund"
    assert client_for(world.outsider).get(url).status_code == 404
    assert alice.put(url.replace("/2/", "/3/"), {"text": "x"}, format="json").status_code == 404

    assert alice.put(url, {"text": "  "}, format="json").json()["text"] == ""
    assert alice.get(url).json()["text"] == ""


# --- pack ---------------------------------------------------------------------------


def test_pack_zip_manifest_hashes_match(world: World, upload: UploadFn) -> None:
    first = upload(make_pdf(2), title="Agenda", agenda_item_id=world.items[0].pk)
    upload(make_pdf(3), title="Financial report", agenda_item_id=world.items[2].pk)
    services.document_upload(
        actor=world.chair,
        meeting=world.meeting,
        upload=pdf_upload(make_pdf(4)),
        document=first.document,
    )
    response = client_for(world.voters[0]).get(
        f"/api/meetings/{world.meeting.pk}/documents/pack.zip"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["meeting"]["id"] == world.meeting.pk
    entries = manifest["documents"]
    assert [(e["title"], e["version"], e["page_count"]) for e in entries] == [
        ("Agenda", 2, 4),
        ("Financial report", 1, 3),
    ]
    for entry in entries:
        assert hashlib.sha256(archive.read(entry["file"])).hexdigest() == entry["sha256"]
    sums = archive.read("SHA256SUMS").decode().splitlines()
    assert sums == [f"{e['sha256']}  {e['file']}" for e in entries]
