"""Agenda documents, their versions and pages, private page notes, and what
the presenter shows right now.

Files live in Django's storage under MEDIA_ROOT with random names; nothing
serves that directory. Every file leaves through a view that checks access.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from meetings.models import AgendaItem, Meeting, Member, Participant


class Document(models.Model):
    """A document of a meeting (optionally of one agenda item). Its content is
    its versions; `current_version` is the one members read."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="documents")
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
    )
    title = models.CharField(_("title"), max_length=300)
    public = models.BooleanField(
        _("public"),
        default=False,
        help_text=_("Anyone with the link may read a public document, without logging in."),
    )
    current_version = models.ForeignKey(
        "DocumentVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "created_at", "id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title


class DocumentVersion(models.Model):
    """One uploaded PDF. Kept when a newer version replaces it.

    `key` is random and appears in every file URL; the SHA-256 lets members
    check they hold the right text.
    """

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    key = models.CharField(max_length=64, unique=True, editable=False)
    file = models.FileField(_("file"), upload_to="documents/", max_length=300)
    original_name = models.CharField(_("uploaded file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    page_count = models.PositiveIntegerField(_("pages"))
    uploaded_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="document_version_unique"),
        ]
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"


class DocumentPage(models.Model):
    """A page of a version: its text (for search and screen readers), its size
    in PDF points, and its rendered images once someone asked for them."""

    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveIntegerField(_("page"))
    text = models.TextField(_("text"), blank=True)
    width = models.FloatField(_("width (points)"))
    height = models.FloatField(_("height (points)"))
    phone_image = models.FileField(upload_to="documents/pages/", max_length=300, blank=True)
    projector_image = models.FileField(upload_to="documents/pages/", max_length=300, blank=True)

    class Meta:
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="document_page_unique"),
        ]
        verbose_name = _("document page")
        verbose_name_plural = _("document pages")

    def __str__(self) -> str:
        return f"{self.version} p{self.number}"


class PageNote(models.Model):
    """A member's private note on a page of a version. Only that member reads it."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="page_notes")
    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="notes")
    page_number = models.PositiveIntegerField(_("page"))
    text = models.TextField(_("note"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["member", "version", "page_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "version", "page_number"], name="page_note_unique"
            ),
        ]
        verbose_name = _("page note")
        verbose_name_plural = _("page notes")

    def __str__(self) -> str:
        return f"{self.member} on {self.version} p{self.page_number}"


class Presentation(models.Model):
    """What the room sees: the document page on show (none: nothing shown),
    and the participant the chair named to present, if any."""

    meeting = models.OneToOneField(
        Meeting, on_delete=models.CASCADE, primary_key=True, related_name="presentation"
    )
    version = models.ForeignKey(
        DocumentVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    page = models.PositiveIntegerField(default=1)
    presenter = models.ForeignKey(
        Participant,
        verbose_name=_("named presenter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("presentation")
        verbose_name_plural = _("presentations")

    def __str__(self) -> str:
        return f"{self.meeting}: {self.version} p{self.page}"
