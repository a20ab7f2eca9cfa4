from django.contrib import admin

from documents.models import Document, DocumentPage, DocumentVersion, PageNote, Presentation


class DocumentVersionInline(admin.TabularInline):
    model = DocumentVersion
    fk_name = "document"
    extra = 0
    can_delete = False
    fields = ["number", "original_name", "sha256", "size", "page_count", "uploaded_by"]
    readonly_fields = ["number", "original_name", "sha256", "size", "page_count", "uploaded_by"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # uploads go through the upload service (checks, rendering)


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "meeting", "agenda_item", "public", "current_version"]
    list_filter = ["public", "meeting"]
    search_fields = ["title", "meeting__title"]
    raw_id_fields = ["meeting", "agenda_item", "current_version", "created_by"]
    inlines = [DocumentVersionInline]


@admin.register(DocumentVersion)
class DocumentVersionAdmin(admin.ModelAdmin):
    list_display = ["document", "number", "sha256", "size", "page_count", "uploaded_at"]
    search_fields = ["document__title", "sha256", "original_name"]
    readonly_fields = ["key", "file", "sha256", "size", "page_count", "uploaded_at"]
    raw_id_fields = ["document", "uploaded_by"]


@admin.register(DocumentPage)
class DocumentPageAdmin(admin.ModelAdmin):
    list_display = ["version", "number", "width", "height"]
    search_fields = ["text", "version__document__title"]
    raw_id_fields = ["version"]


@admin.register(PageNote)
class PageNoteAdmin(admin.ModelAdmin):
    """Notes are private: the admin lists them (to delete, say) but never shows
    their text."""

    list_display = ["member", "version", "page_number", "updated_at"]
    raw_id_fields = ["member", "version"]
    exclude = ["text"]


@admin.register(Presentation)
class PresentationAdmin(admin.ModelAdmin):
    list_display = ["meeting", "version", "page", "presenter", "updated_at"]
    raw_id_fields = ["meeting", "version", "presenter", "updated_by"]
