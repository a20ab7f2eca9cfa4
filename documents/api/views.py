"""REST endpoints for documents: list, upload, delete, versions, files, page
images and text, private notes, the meeting pack and the presenter.

Thin: parse, call one service or selector, answer. Files leave only through
these views, after an access check; their URLs hold the version's random
key. Page images and downloads never change once made, so they carry
long-lived cache headers and an ETag from the file's SHA-256.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.authentication import SessionAuthentication
from core.api.base import ApiView, errors, parse
from core.exceptions import InvalidInput, NotFound, NotLoggedIn
from core.projector_cookie import PROJECTOR_COOKIE, projector_cookie
from documents import pack, selectors, services
from documents.api import serializers as s
from documents.models import Document, DocumentVersion
from documents.rendering import IMAGE_MEDIA_TYPE, ImageSize
from meetings import selectors as meeting_selectors
from meetings.api.common import caller
from meetings.models import Meeting

# Files never change under their URL (a new upload is a new version, a new key).
IMMUTABLE = "private, max-age=31536000, immutable"
# A multipart body carries a little more than the file itself.
MULTIPART_OVERHEAD = 64 * 1024

PROJECTOR_PARAMETER = OpenApiParameter(
    PROJECTOR_COOKIE,
    OpenApiTypes.STR,
    OpenApiParameter.COOKIE,
    description=(
        "The projector cookie (set when a projector link is opened): opens the pages "
        "of the version on show, without login. Never a query parameter: URLs are logged."
    ),
)


def _meeting(request: Request, meeting_id: int) -> Meeting:
    return selectors.meeting_for_reader(meeting_id=meeting_id, member=caller(request))


def _document(request: Request, document_id: int) -> Document:
    return selectors.document_for_reader(document_id=document_id, member=caller(request))


def _version(request: Request, key: str, *, projector: bool = False) -> DocumentVersion:
    """The version if the reader may read it. Anonymous readers of a private
    document get 401 with a WWW-Authenticate header."""
    # A projector's key is its cookie (core.projector_cookie), never the URL.
    token = projector_cookie(request.COOKIES) if projector else None
    try:
        return selectors.version_for_reader(key=key, member=request.user, projector_token=token)
    except NotLoggedIn as exc:
        raise exceptions.NotAuthenticated(exc.message) from exc


def _refuse_big_body(request: Request) -> None:
    """Refuse an oversized upload from its Content-Length, before reading it."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > int(settings.DOCUMENT_MAX_BYTES) + MULTIPART_OVERHEAD:
        raise services.too_large()


def _not_modified(request: Request, etag: str) -> bool:
    match = request.META.get("HTTP_IF_NONE_MATCH", "")
    return match.strip() == "*" or etag in [part.strip() for part in match.split(",")]


def _cached(response: HttpResponseBase, etag: str) -> HttpResponseBase:
    response["ETag"] = etag
    response["Cache-Control"] = IMMUTABLE
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _detail(document: Document) -> dict[str, Any]:
    return dict(s.DocumentSerializer(selectors.document_detail(document)).data)


# Session if there is one; anonymous readers reach public documents and
# projector links reach the page on show. (No docstring: drf-spectacular
# would show it as every endpoint's description.)
class FileView(APIView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]


# --- documents of a meeting -----------------------------------------------------


class MeetingDocumentsView(ApiView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="The meeting's documents with their versions and SHA-256 hashes",
        parameters=[
            OpenApiParameter(
                "agenda_item", OpenApiTypes.INT, description="Only this agenda item's documents."
            )
        ],
        responses={200: s.DocumentSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting = _meeting(request, meeting_id)
        raw = request.query_params.get("agenda_item")
        try:
            item = int(raw) if raw else None
        except ValueError as exc:
            raise InvalidInput(_("agenda_item must be a number.")) from exc
        payload = selectors.documents_payload(meeting.pk, agenda_item_id=item)
        return Response(s.DocumentSerializer(payload, many=True).data)

    @extend_schema(
        summary="Upload a PDF as a new document (chair or clerk)",
        description=(
            "Checked by content: a PDF signature, a real parse, no encryption, at least "
            "one page, at most DOCUMENT_MAX_BYTES (default 50 MB). A refused file is not "
            "stored. Error codes: empty, not_pdf, broken, encrypted, no_pages, too_large."
        ),
        request={"multipart/form-data": s.UploadSerializer},
        responses={201: s.DocumentSerializer, **errors(400, 403, 404, 413)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = _meeting(request, meeting_id)
        _refuse_big_body(request)
        data = parse(s.UploadSerializer, request.data)
        version = services.document_upload(
            actor=caller(request),
            meeting=meeting,
            upload=data["file"],
            title=data.get("title", ""),
            agenda_item_id=data.get("agenda_item_id"),
            public=data["public"],
        )
        return Response(_detail(version.document), status=status.HTTP_201_CREATED)


class DocumentDetailView(ApiView):
    @extend_schema(
        summary="A document with every version and its SHA-256",
        responses={200: s.DocumentSerializer, **errors(404)},
    )
    def get(self, request: Request, document_id: int) -> Response:
        return Response(_detail(_document(request, document_id)))

    @extend_schema(
        summary="Delete a document with all its versions, pages and notes (chair or clerk)",
        description=(
            "For a document uploaded by mistake. Refused with `conflict` while a page of "
            "it is on the projector. Everyone gets `documents.changed` on the socket."
        ),
        responses={204: None, **errors(403, 404, 409)},
    )
    def delete(self, request: Request, document_id: int) -> Response:
        services.document_delete(actor=caller(request), document=_document(request, document_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentVersionsView(ApiView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Upload a new version; it becomes current, the old ones stay (chair or clerk)",
        request={"multipart/form-data": s.VersionUploadSerializer},
        responses={201: s.DocumentSerializer, **errors(400, 403, 404, 413)},
    )
    def post(self, request: Request, document_id: int) -> Response:
        document = _document(request, document_id)
        _refuse_big_body(request)
        data = parse(s.VersionUploadSerializer, request.data)
        version = services.document_upload(
            actor=caller(request),
            meeting=document.meeting,
            upload=data["file"],
            document=document,
        )
        return Response(_detail(version.document), status=status.HTTP_201_CREATED)


# --- files ------------------------------------------------------------------------


class VersionDownloadView(FileView):
    @extend_schema(
        summary="Download a version's PDF",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 304: None, **errors(404)},
    )
    def get(self, request: Request, key: str) -> HttpResponseBase:
        version = _version(request, key)
        etag = f'"{version.sha256}"'
        if _not_modified(request, etag):
            return _cached(HttpResponse(status=304), etag)
        response = FileResponse(
            version.file.open("rb"),
            as_attachment=True,
            filename=pack.file_name(version.document.title, version.number),
            content_type="application/pdf",
        )
        return _cached(response, etag)


class PageImageView(FileView):
    @extend_schema(
        summary="A page as a WebP image, at phone width (720 px) or projector size (1920x1080)",
        parameters=[
            OpenApiParameter(
                "size", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["phone", "projector"]
            ),
            PROJECTOR_PARAMETER,
        ],
        responses={(200, IMAGE_MEDIA_TYPE): OpenApiTypes.BINARY, 304: None, **errors(404, 409)},
    )
    def get(self, request: Request, key: str, number: int, size: str) -> HttpResponseBase:
        try:
            image_size = ImageSize(size)
        except ValueError as exc:
            raise NotFound(_("Unknown image size.")) from exc
        version = _version(request, key, projector=True)
        etag = f'"{version.sha256[:40]}-{number}-{image_size.value}"'
        if _not_modified(request, etag):
            return _cached(HttpResponse(status=304), etag)
        page = selectors.page_get(version=version, number=number)
        name = services.page_image(page=page, size=image_size)
        response = FileResponse(services.storage().open(name, "rb"), content_type=IMAGE_MEDIA_TYPE)
        return _cached(response, etag)


class PageTextView(FileView):
    @extend_schema(
        summary="A page's text (for search and screen readers)",
        parameters=[PROJECTOR_PARAMETER],
        responses={200: s.PageTextSerializer, **errors(404)},
    )
    def get(self, request: Request, key: str, number: int) -> Response:
        version = _version(request, key, projector=True)
        page = selectors.page_get(version=version, number=number)
        return Response({"page": page.number, "page_count": version.page_count, "text": page.text})


class PageNoteView(ApiView):
    def _version(self, request: Request, key: str) -> DocumentVersion:
        return _version(request, key)

    @extend_schema(
        summary="My private note on a page (only I can read it)",
        responses={200: s.NoteSerializer, **errors(404)},
    )
    def get(self, request: Request, key: str, number: int) -> Response:
        version = self._version(request, key)
        selectors.page_get(version=version, number=number)
        note = selectors.note_get(member=caller(request), version=version, page_number=number)
        return Response(
            {
                "page": number,
                "text": note.text if note else "",
                "updated_at": note.updated_at if note else None,
            }
        )

    @extend_schema(
        summary="Save my private note on a page (empty text deletes it)",
        request=s.NoteSerializer,
        responses={200: s.NoteSerializer, **errors(400, 404)},
    )
    def put(self, request: Request, key: str, number: int) -> Response:
        version = self._version(request, key)
        data = parse(s.NoteSerializer, request.data)
        note = services.page_note_save(
            actor=caller(request), version=version, page_number=number, text=data["text"]
        )
        return Response(
            {
                "page": number,
                "text": note.text if note else "",
                "updated_at": note.updated_at if note else None,
            }
        )


class MeetingPackView(ApiView):
    @extend_schema(
        summary="Every document's current version in one ZIP, with a manifest of hashes",
        description=(
            "The ZIP holds the PDFs, manifest.json (titles, versions, sizes, SHA-256) "
            "and SHA256SUMS (for `sha256sum -c`)."
        ),
        responses={(200, "application/zip"): OpenApiTypes.BINARY, **errors(404)},
    )
    def get(self, request: Request, meeting_id: int) -> HttpResponseBase:
        meeting = _meeting(request, meeting_id)
        buffer = pack.build(meeting)
        response = FileResponse(
            buffer,
            as_attachment=True,
            filename=f"meeting-{meeting.pk}-documents.zip",
            content_type="application/zip",
        )
        response["Cache-Control"] = "private, no-store"
        return response


# --- presenter ------------------------------------------------------------------------


def _presentation_state(meeting: Meeting) -> dict[str, Any]:
    return {
        "presentation": selectors.presentation_payload(meeting.pk),
        "presenter": selectors.presenter_payload(meeting.pk),
    }


class PresentationView(ApiView):
    @extend_schema(
        summary="The document page on show, and the named presenter",
        responses={200: s.PresentationStateSerializer, **errors(404)},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        return Response(_presentation_state(_meeting(request, meeting_id)))

    @extend_schema(
        summary="Show a document page to the room (chair, clerk or named presenter)",
        description="Followers get `document.presented` on the socket; rapid flips are coalesced.",
        request=s.PresentSerializer,
        responses={200: s.PresentationStateSerializer, **errors(400, 403, 404)},
    )
    def put(self, request: Request, meeting_id: int) -> Response:
        meeting = _meeting(request, meeting_id)
        data = parse(s.PresentSerializer, request.data)
        document = selectors.document_in_meeting(meeting=meeting, document_id=data["document_id"])
        services.presenter_show(
            actor=caller(request), meeting=meeting, document=document, page=data["page"]
        )
        return Response(_presentation_state(meeting))

    @extend_schema(
        summary="Stop showing a document (chair, clerk or named presenter)",
        responses={200: s.PresentationStateSerializer, **errors(403, 404)},
    )
    def delete(self, request: Request, meeting_id: int) -> Response:
        meeting = _meeting(request, meeting_id)
        services.presenter_stop(actor=caller(request), meeting=meeting)
        return Response(_presentation_state(meeting))


class PresenterView(ApiView):
    @extend_schema(
        summary="Name the participant who may present besides chair and clerks (chair or clerk)",
        request=s.PresenterAssignSerializer,
        responses={200: s.PresentationStateSerializer, **errors(400, 403, 404)},
    )
    def put(self, request: Request, meeting_id: int) -> Response:
        meeting = _meeting(request, meeting_id)
        data = parse(s.PresenterAssignSerializer, request.data)
        participant = None
        if data["participant_id"] is not None:
            participant = meeting_selectors.participant_get(
                meeting=meeting, participant_id=data["participant_id"]
            )
        services.presenter_assign(actor=caller(request), meeting=meeting, participant=participant)
        return Response(_presentation_state(meeting))
