"""Admin for documents, their versions and pages, notes and the presenter.

Uploads (checks, page reading) and deletion go through documents.services,
which log and publish them; a document is deleted here through that service
and otherwise shown read-only, as are versions, pages and private notes. The
named presenter is changed through the service the chair console calls.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from documents import services
from documents.models import Document, DocumentPage, DocumentVersion, PageNote, Presentation
from meetings.admin import ReadOnlyAdmin, ServiceAdmin
from meetings.models import Member


class DocumentVersionInline(admin.TabularInline):
    model = DocumentVersion
    fk_name = "document"
    extra = 0
    can_delete = False
    fields = ["number", "original_name", "sha256", "size", "page_count", "uploaded_by"]
    readonly_fields = ["number", "original_name", "sha256", "size", "page_count", "uploaded_by"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # uploads go through the upload service (checks, rendering)


@admin.register(Document)
class DocumentAdmin(ServiceAdmin):
    list_display = ["title", "meeting", "agenda_item", "public", "current_version"]
    list_filter = ["public", "meeting"]
    search_fields = ["title", "meeting__title"]
    fields = (
        "meeting",
        "agenda_item",
        "title",
        "public",
        "current_version",
        "created_by",
        "created_at",
    )
    inlines = [DocumentVersionInline]
    deletes = True

    def delete(self, actor: Member, obj: Document) -> None:
        services.document_delete(actor=actor, document=obj)


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ReadOnlyAdmin):
    list_display = ["document", "number", "sha256", "size", "page_count", "uploaded_at"]
    search_fields = ["document__title", "sha256", "original_name"]


@admin.register(DocumentPage)
class DocumentPageAdmin(ReadOnlyAdmin):
    list_display = ["version", "number", "width", "height"]
    search_fields = ["text", "version__document__title"]


@admin.register(PageNote)
class PageNoteAdmin(ReadOnlyAdmin):
    """Notes are private: the admin lists them but never shows their text."""

    list_display = ["member", "version", "page_number", "updated_at"]
    exclude = ["text"]


@admin.register(Presentation)
class PresentationAdmin(ServiceAdmin):
    """What the room sees is the presenter's (the chair console); the admin
    may name who presents, through the same service."""

    list_display = ["meeting", "version", "page", "presenter", "updated_at"]
    fields = ("meeting", "version", "page", "presenter", "updated_by", "updated_at")
    raw_id_fields = ["presenter"]
    change_fields = ("presenter",)

    def update(self, actor: Member, stored: Presentation, changes: dict[str, Any]) -> None:
        services.presenter_assign(
            actor=actor, meeting=stored.meeting, participant=changes["presenter"]
        )
