"""Reads: who may read which document, the payloads of the snapshot and events."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import F, Prefetch, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from core.exceptions import NotFound, NotLoggedIn
from documents.models import Document, DocumentPage, DocumentVersion, PageNote, Presentation
from documents.permissions import DOCUMENT_PRESENT
from documents.rendering import ImageSize
from meetings import permissions
from meetings import services as meeting_services
from meetings.models import Meeting, Member
from meetings.selectors import participant_for

ALT_MAX = 200
# The meeting's own documents first, then by agenda position, then by age.
LIST_ORDER = (F("agenda_item__position").asc(nulls_first=True), "created_at", "pk")

Reader = Member | AnonymousUser


# --- access -------------------------------------------------------------------


def may_read_meeting_documents(meeting: Meeting, member: Reader) -> bool:
    """Participants of the meeting (and superusers) read all its documents."""
    if not member.is_authenticated:
        return False
    assert isinstance(member, Member)
    return member.is_superuser or participant_for(meeting.pk, member) is not None


def _projector_sees(version: DocumentVersion, projector_token: str) -> bool:
    """A projector link of the meeting sees the pages of the version on show."""
    try:
        meeting = meeting_services.projector_meeting(projector_token)
    except NotFound:
        return False
    return (
        meeting.pk == version.document.meeting_id
        and Presentation.objects.filter(meeting_id=meeting.pk, version_id=version.pk).exists()
    )


def version_for_reader(
    *, key: str, member: Reader, projector_token: str | None = None
) -> DocumentVersion:
    """The version with this URL key, if the reader may read it.

    Public documents: anyone. Others: the meeting's participants; and with a
    projector token, the version on show (for its page images). NotLoggedIn
    for an anonymous reader of a non-public document; NotFound for everyone
    else, as if the document did not exist.
    """
    version = (
        DocumentVersion.objects.select_related("document__meeting").filter(key=key).first()
        if key
        else None
    )
    if version is not None:
        document = version.document
        if document.public or may_read_meeting_documents(document.meeting, member):
            return version
        if projector_token and _projector_sees(version, projector_token):
            return version
    if not member.is_authenticated and not projector_token:
        raise NotLoggedIn(_("Log in first."))
    raise NotFound(_("No such document."))


def document_for_reader(*, document_id: int, member: Member) -> Document:
    """A document the member may read (see version_for_reader), else NotFound."""
    document = (
        Document.objects.select_related("meeting", "current_version").filter(pk=document_id).first()
    )
    if document is None or not (
        document.public or may_read_meeting_documents(document.meeting, member)
    ):
        raise NotFound(_("No such document."))
    return document


def meeting_for_reader(*, meeting_id: int, member: Member) -> Meeting:
    """The meeting if the member may read its documents, else NotFound."""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None or not may_read_meeting_documents(meeting, member):
        raise NotFound(_("No such meeting."))
    return meeting


def document_in_meeting(*, meeting: Meeting, document_id: int) -> Document:
    document = Document.objects.filter(pk=document_id, meeting=meeting).first()
    if document is None:
        raise NotFound(_("No such document in this meeting."))
    return document


def page_get(*, version: DocumentVersion, number: int) -> DocumentPage:
    page = (
        DocumentPage.objects.select_related("version__document")
        .filter(version=version, number=number)
        .first()
    )
    if page is None:
        raise NotFound(_("This document has pages 1 to %(count)d.") % {"count": version.page_count})
    return page


def note_get(*, member: Member, version: DocumentVersion, page_number: int) -> PageNote | None:
    """The member's own note on the page; nobody else's, ever."""
    return PageNote.objects.filter(member=member, version=version, page_number=page_number).first()


# --- payloads -------------------------------------------------------------------


def download_url(version: DocumentVersion) -> str:
    return reverse("documents_api:version-download", kwargs={"key": version.key})


def image_url(version_key: str, page: int, size: ImageSize) -> str:
    return reverse(
        "documents_api:page-image",
        kwargs={"key": version_key, "number": page, "size": size.value},
    )


def text_url(version_key: str, page: int) -> str:
    return reverse("documents_api:page-text", kwargs={"key": version_key, "number": page})


def version_payload(version: DocumentVersion) -> dict[str, Any]:
    return {
        "id": version.pk,
        "key": version.key,
        "number": version.number,
        "sha256": version.sha256,
        "size": version.size,
        "page_count": version.page_count,
        "uploaded_at": version.uploaded_at,
        "download_url": download_url(version),
    }


def document_payload(document: Document, versions: list[DocumentVersion]) -> dict[str, Any]:
    """A document with its versions, newest first; `versions` is its history."""
    current = next((v for v in versions if v.pk == document.current_version_id), None)
    return {
        "id": document.pk,
        "meeting_id": document.meeting_id,
        "title": document.title,
        "agenda_item_id": document.agenda_item_id,
        "public": document.public,
        "current_version": version_payload(current) if current else None,
        "versions": [version_payload(v) for v in versions],
    }


def meeting_documents(meeting_id: int, agenda_item_id: int | None = None) -> QuerySet[Document]:
    documents = Document.objects.filter(meeting_id=meeting_id)
    if agenda_item_id is not None:
        documents = documents.filter(agenda_item_id=agenda_item_id)
    return documents.order_by(*LIST_ORDER).prefetch_related(
        Prefetch("versions", queryset=DocumentVersion.objects.order_by("-number"))
    )


def documents_payload(meeting_id: int, agenda_item_id: int | None = None) -> list[dict[str, Any]]:
    """Every document of the meeting (documents of the meeting itself first,
    then by agenda position). Two queries."""
    return [
        document_payload(d, list(d.versions.all()))
        for d in meeting_documents(meeting_id, agenda_item_id)
    ]


def document_detail(document: Document) -> dict[str, Any]:
    return document_payload(document, list(document.versions.order_by("-number")))


def first_line(text: str) -> str:
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line[: ALT_MAX - 1] + "…" if len(line) > ALT_MAX else line


def _presentation(meeting_id: int) -> Presentation | None:
    return (
        Presentation.objects.select_related("version__document", "presenter__member")
        .filter(meeting_id=meeting_id)
        .first()
    )


def _shown(presentation: Presentation | None) -> dict[str, Any] | None:
    """The page on show (one query, for its text), or None."""
    if presentation is None or presentation.version is None:
        return None
    version = presentation.version
    page = presentation.page
    text = (
        DocumentPage.objects.filter(version=version, number=page)
        .values_list("text", flat=True)
        .first()
    )
    return {
        "document_id": version.document_id,
        "version_id": version.pk,
        "version_key": version.key,
        "version": version.number,
        "title": version.document.title,
        "page": page,
        "page_count": version.page_count,
        "alt": first_line(text or ""),
        "images": {size.value: image_url(version.key, page, size) for size in ImageSize},
        "text_url": text_url(version.key, page),
    }


def _presenter(presentation: Presentation | None) -> dict[str, Any] | None:
    if presentation is None or presentation.presenter is None:
        return None
    presenter = presentation.presenter
    return {"participant_id": presenter.pk, "name": presenter.member.full_name}


def presentation_payload(meeting_id: int) -> dict[str, Any] | None:
    """The page on show, for the snapshot and `document.presented`; None when
    nothing is shown. Image URLs carry no projector token: the projector adds
    its own."""
    return _shown(_presentation(meeting_id))


def presenter_payload(meeting_id: int) -> dict[str, Any] | None:
    """The participant the chair named to present, if any."""
    return _presenter(_presentation(meeting_id))


def documents_snapshot(*, meeting_id: int) -> dict[str, Any]:
    """The documents part of the meeting snapshot. At most four queries,
    whatever the number of documents and versions: documents, their versions
    (none without documents), the presentation, the text of the page on show
    (none when nothing is shown)."""
    presentation = _presentation(meeting_id)
    return {
        "documents": documents_payload(meeting_id),
        "presentation": _shown(presentation),
        "presenter": _presenter(presentation),
    }


def may_present(meeting: Meeting, member: Member) -> bool:
    """Whom the permission table lets present (the chair, a superuser), or the
    participant named presenter."""
    if permissions.allowed(actor=member, meeting=meeting, action=DOCUMENT_PRESENT):
        return True
    participant = participant_for(meeting.pk, member)
    if participant is None:
        return False
    return Presentation.objects.filter(meeting=meeting, presenter=participant).exists()


def pack_documents(meeting: Meeting) -> list[tuple[Document, DocumentVersion]]:
    """Every document of the meeting with its current version, in list order."""
    documents = (
        Document.objects.filter(meeting=meeting, current_version__isnull=False)
        .select_related("current_version", "agenda_item")
        .order_by(*LIST_ORDER)
    )
    return [(d, d.current_version) for d in documents if d.current_version is not None]
