"""Writes for documents: uploads, versions and deletion, page images, presenting,
notes.

Every function checks the actor, validates, writes in one transaction and
queues its events for after commit. REST views, the socket consumer, commands
and tests call these.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePath
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from core.commit import after_commit
from core.exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from documents import events, permissions, rendering
from documents.exceptions import FileRefused, FileTooLarge, PageNotRendered
from documents.models import Document, DocumentPage, DocumentVersion, PageNote, Presentation
from documents.rendering import ImageSize
from documents.selectors import may_present
from meetings.models import AgendaItem, Meeting, Member, Participant
from meetings.services.common import lock_meeting, log_act
from meetings.services.projector import projector_put_up

logger = logging.getLogger(__name__)

NOTE_MAX_CHARS = 10_000
TITLE_MAX_CHARS = 300


class Upload(Protocol):
    """What an upload needs: Django's UploadedFile and File both fit."""

    @property
    def name(self) -> str | None: ...

    @property
    def size(self) -> int | None: ...

    def read(self, size: int = -1) -> bytes: ...


def storage() -> Storage:
    return DocumentVersion._meta.get_field("file").storage  # type: ignore[attr-defined,no-any-return]


def max_bytes() -> int:
    return int(settings.DOCUMENT_MAX_BYTES)


def too_large() -> FileTooLarge:
    megabytes = max_bytes() / (1024 * 1024)
    return FileTooLarge(
        _("The file is larger than the limit of %(size)s MB.") % {"size": f"{megabytes:g}"}
    )


def _read(upload: Upload) -> bytes:
    """The upload's bytes, refusing it before reading if it is over the limit."""
    limit = max_bytes()
    if upload.size is not None and upload.size > limit:
        raise too_large()
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_large()
    return data


def _title(title: str, upload: Upload) -> str:
    title = (title or "").strip() or PurePath(upload.name or "").stem.strip()
    if not title:
        raise InvalidInput(_("A title is required."))
    return title[:TITLE_MAX_CHARS]


def _agenda_item(meeting: Meeting, agenda_item_id: int | None) -> AgendaItem | None:
    if agenda_item_id is None:
        return None
    item = AgendaItem.objects.filter(meeting=meeting, pk=agenda_item_id).first()
    if item is None:
        raise NotFound(_("No such agenda item in this meeting."))
    return item


def document_upload(
    *,
    actor: Member,
    meeting: Meeting,
    upload: Upload,
    title: str = "",
    agenda_item_id: int | None = None,
    public: bool = False,
    document: Document | None = None,
) -> DocumentVersion:
    """Store an uploaded PDF as a new document of the meeting, or, with
    `document`, as that document's next version (which becomes current; the
    older versions stay). The chair or an officer (meetings.permissions).

    The content is checked, not the name: PDF signature, a real parse, not
    encrypted, at least one page, at most DOCUMENT_MAX_BYTES. A refused
    upload leaves nothing behind: no row, no file. Each page's text and size
    are read now; page images are rendered on first request. If the new
    version's document is on show, the projector moves to the new version.
    Publishes `documents.changed`.
    """
    permissions.require(actor=actor, meeting=meeting, action=permissions.DOCUMENT_UPLOAD)
    if document is not None and document.meeting_id != meeting.pk:
        raise NotFound(_("No such document in this meeting."))
    item = _agenda_item(meeting, agenda_item_id) if document is None else None
    name_for_title = _title(title, upload) if document is None else ""
    return document_version_store(
        actor=actor,
        meeting=meeting,
        data=_read(upload),
        original_name=upload.name or "",
        title=name_for_title,
        agenda_item=item,
        public=public,
        document=document,
    )


def document_version_store(
    *,
    actor: Member | None,
    meeting: Meeting,
    data: bytes,
    original_name: str,
    title: str = "",
    agenda_item: AgendaItem | None = None,
    public: bool = False,
    document: Document | None = None,
) -> DocumentVersion:
    """Store PDF bytes as a new document (titled `title`) or as `document`'s
    next version: what document_upload does after its checks, also for PDFs
    the server makes (the minutes). The caller has checked the actor's right.
    Refused content (not a PDF, no page) leaves nothing behind."""
    try:
        info = rendering.inspect_pdf(data)
    except rendering.PdfProblem as exc:
        raise FileRefused(exc.message, code=exc.code) from exc
    digest = hashlib.sha256(data).hexdigest()

    store = storage()
    saved = store.save(f"documents/{meeting.pk}/{secrets.token_hex(16)}.pdf", ContentFile(data))
    try:
        with transaction.atomic():
            lock_meeting(meeting)
            if document is None:
                document = Document.objects.create(
                    meeting=meeting,
                    agenda_item=agenda_item,
                    title=title,
                    public=public,
                    created_by=actor,
                )
            else:
                document = Document.objects.select_for_update().get(pk=document.pk)
            latest = document.versions.aggregate(n=Max("number"))["n"] or 0
            version = DocumentVersion.objects.create(
                document=document,
                number=latest + 1,
                key=secrets.token_urlsafe(24),
                file=saved,
                original_name=PurePath(original_name).name[:255],
                sha256=digest,
                size=len(data),
                page_count=info.page_count,
                uploaded_by=actor,
            )
            DocumentPage.objects.bulk_create(
                [
                    DocumentPage(
                        version=version,
                        number=number,
                        text=page.text,
                        width=page.width,
                        height=page.height,
                    )
                    for number, page in enumerate(info.pages, start=1)
                ],
                batch_size=500,
            )
            document.current_version = version
            document.save(update_fields=["current_version"])
            shown = Presentation.objects.filter(meeting=meeting, version__document=document).first()
            if shown is not None:
                shown.version = version
                shown.page = min(shown.page, version.page_count)
                shown.save(update_fields=["version", "page", "updated_at"])
                events.presentation_changed(meeting.pk)
            events.publish_documents(meeting.pk)
    except BaseException:
        store.delete(saved)
        raise
    return version


@transaction.atomic
def document_delete(*, actor: Member, document: Document) -> None:
    """Delete a document uploaded by mistake: every version, its pages and
    everyone's notes on them. Chair and clerks only; refused while a page of
    it is on show. Logged as `document.deleted` with the versions' hashes;
    publishes `documents.changed`.

    The rows go in this transaction, the stored files (PDFs and rendered
    pages) only after it commits: a rollback keeps them, and a file that
    cannot be removed is logged, not raised, since the delete has happened.
    """
    meeting = document.meeting
    permissions.require(actor=actor, meeting=meeting, action=permissions.DOCUMENT_DELETE)
    meeting = lock_meeting(meeting)
    found = Document.objects.filter(pk=document.pk, meeting=meeting).first()
    if found is None:
        raise NotFound(_("No such document in this meeting."))
    if Presentation.objects.filter(meeting=meeting, version__document=found).exists():
        raise Conflict(_("This document is on the projector. Stop presenting this document first."))
    versions = list(
        DocumentVersion.objects.select_for_update()
        .filter(document=found)
        .order_by("number")
        .values_list("number", "sha256", "file")
    )
    # Locked, so a page image rendered meanwhile finds its row gone and
    # deletes its own file (see page_image) instead of being missed here.
    pages = DocumentPage.objects.select_for_update().filter(version__document=found)
    names = [name for _number, _sha, name in versions if name]
    for phone, projector in pages.values_list("phone_image", "projector_image"):
        names.extend(name for name in (phone, projector) if name)
    found.delete()  # versions, pages and notes cascade
    log_act(
        meeting,
        actor,
        "document.deleted",
        document=document.pk,
        title=found.title,
        versions=[{"number": number, "sha256": sha} for number, sha, _name in versions],
    )
    events.publish_documents(meeting.pk)
    after_commit(_remove_files, names)


def _remove_files(names: list[str]) -> None:
    store = storage()
    for name in names:
        try:
            store.delete(name)
        except Exception:
            logger.exception("Could not remove the stored file %s of a deleted document", name)


# --- page images --------------------------------------------------------------


# A page that failed to render is not tried again for this long (the file
# never changes; a newer server version may manage it after a restart).
RENDER_FAILURE_SECONDS = 6 * 60 * 60

# One lock per page and size being rendered in this process, so a crowd asking
# for the same new page waits for one render instead of each rendering it.
_page_locks: dict[tuple[int, str], threading.Lock] = {}
_page_locks_guard = threading.Lock()


@contextmanager
def _rendering(key: tuple[int, str]) -> Iterator[None]:
    with _page_locks_guard:
        lock = _page_locks.setdefault(key, threading.Lock())
    try:
        with lock:
            yield
    finally:
        with _page_locks_guard:
            if not lock.locked():
                _page_locks.pop(key, None)


def _failure_key(page: DocumentPage, size: ImageSize) -> str:
    return f"documents:render-failed:{page.pk}:{size.value}"


def _render_failed(page: DocumentPage, size: ImageSize) -> bool:
    try:
        return bool(cache.get(_failure_key(page, size)))
    except Exception:  # the cache is only a shortcut; rendering decides
        logger.warning("Could not read the render-failure cache", exc_info=True)
        return False


def _remember_failure(page: DocumentPage, size: ImageSize) -> None:
    try:
        cache.set(_failure_key(page, size), 1, timeout=RENDER_FAILURE_SECONDS)
    except Exception:
        logger.warning("Could not write the render-failure cache", exc_info=True)


def _not_rendered() -> PageNotRendered:
    return PageNotRendered(
        _(
            "This page cannot be shown as an image. Download the PDF to read it, "
            "or upload a copy exported again."
        )
    )


def page_image(*, page: DocumentPage, size: ImageSize) -> str:
    """The storage name of the page's image at `size`, rendering it the first
    time anyone asks. Readers were checked by the caller.

    A page that cannot be rendered raises PageNotRendered, and the failure is
    remembered (the shared cache) so that asking again costs nothing. Only
    PDFium's own calls hold the process-wide rendering.LOCK; a request for
    another page never waits for this page's encoding or failure. Two
    processes asking at once may both render; the first to record its file
    wins and the other's copy is deleted.
    """
    field = "phone_image" if size is ImageSize.PHONE else "projector_image"
    existing: str = getattr(page, field).name or ""
    if existing:
        return existing
    if _render_failed(page, size):
        raise _not_rendered()
    with _rendering((page.pk, size.value)):
        fresh = DocumentPage.objects.filter(pk=page.pk).values_list(field, flat=True).get()
        if fresh:
            return str(fresh)
        if _render_failed(page, size):
            raise _not_rendered()
        version = page.version
        with version.file.open("rb") as handle:
            data = handle.read()
        try:
            image = rendering.render_page(data, page.number, size)
        except rendering.RenderFailed as exc:
            logger.warning("Page %s of version %s not rendered: %s", page.number, version.pk, exc)
            _remember_failure(page, size)
            raise _not_rendered() from exc
        store = storage()
        name = store.save(
            f"documents/{page.version.document.meeting_id}/pages/"
            f"{secrets.token_hex(16)}-{page.number}-{size.value}.webp",
            ContentFile(image.data),
        )
        won = DocumentPage.objects.filter(pk=page.pk, **{field: ""}).update(**{field: name}) == 1
        if not won:
            store.delete(name)
            return str(DocumentPage.objects.filter(pk=page.pk).values_list(field, flat=True).get())
        return name


# --- presenting -----------------------------------------------------------------


@transaction.atomic
def presenter_show(
    *, actor: Member, meeting: Meeting, document: Document, page: int
) -> Presentation:
    """Show `page` of the document's current version to the room: the projector
    and every phone that follows the presenter.

    The chair, a clerk, or the participant the chair named presenter. The
    broadcast (`document.presented`) is coalesced: see documents.events.
    """
    if not may_present(meeting, actor):
        raise NotAllowed(_("Only the chair or the named presenter may present."))
    if document.meeting_id != meeting.pk:
        raise NotFound(_("No such document in this meeting."))
    meeting = lock_meeting(meeting)
    version = (
        DocumentVersion.objects.filter(pk=document.current_version_id).first()
        if document.current_version_id
        else None
    )
    if version is None:
        raise InvalidInput(_("This document has no file yet."))
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= version.page_count:
        raise InvalidInput(
            _("This document has pages 1 to %(count)d.") % {"count": version.page_count}
        )
    presentation, _created = Presentation.objects.select_for_update().get_or_create(meeting=meeting)
    if presentation.version_id != version.pk:
        # A document put up (not a page turned): the room's screen moves on
        # to it, and a motion shown there comes down.
        projector_put_up(meeting, "documents")
    presentation.version = version
    presentation.page = page
    presentation.updated_by = actor
    presentation.save()
    events.presentation_changed(meeting.pk)
    return presentation


@transaction.atomic
def presenter_stop(*, actor: Member, meeting: Meeting) -> None:
    """Show no document any more."""
    if not may_present(meeting, actor):
        raise NotAllowed(_("Only the chair or the named presenter may present."))
    lock_meeting(meeting)
    _take_down(meeting, updated_by=actor)


def _take_down(meeting: Meeting, updated_by: Member | None = None) -> None:
    """No page on show; `document.presented` if one was. The meeting is locked."""
    fields: dict[str, Any] = {"version": None, "page": 1}
    if updated_by is not None:
        fields["updated_by"] = updated_by
    changed = Presentation.objects.filter(meeting=meeting, version__isnull=False).update(**fields)
    if changed:
        events.presentation_changed(meeting.pk)


def take_down(meeting: Meeting) -> None:
    """Something else went up on the room's screen (meetings.projector_scenes)."""
    _take_down(meeting)


@transaction.atomic
def presenter_assign(
    *, actor: Member, meeting: Meeting, participant: Participant | None
) -> Presentation:
    """Name the participant who may present besides the chair and clerks
    (None: nobody). Chair and clerks only. Publishes `presenter.changed`."""
    permissions.require(actor=actor, meeting=meeting, action=permissions.PRESENTER_ASSIGN)
    if participant is not None and participant.meeting_id != meeting.pk:
        raise NotFound(_("No such participant in this meeting."))
    lock_meeting(meeting)
    presentation, _created = Presentation.objects.select_for_update().get_or_create(meeting=meeting)
    presentation.presenter = participant
    presentation.updated_by = actor
    presentation.save()
    events.publish_presenter(meeting.pk)
    return presentation


# --- notes ------------------------------------------------------------------------


@transaction.atomic
def page_note_save(
    *, actor: Member, version: DocumentVersion, page_number: int, text: str
) -> PageNote | None:
    """Save the actor's private note on a page (empty text deletes it). Only
    the actor ever reads it back. The caller checked the actor may read the
    version."""
    if not actor.is_authenticated:
        raise NotAllowed(_("Log in first."))
    if not 1 <= page_number <= version.page_count:
        raise NotFound(_("This document has pages 1 to %(count)d.") % {"count": version.page_count})
    text = (text or "").replace("\x00", "").strip()
    if len(text) > NOTE_MAX_CHARS:
        raise InvalidInput(
            _("A note may be at most %(n)d characters long.") % {"n": NOTE_MAX_CHARS}
        )
    notes = PageNote.objects.filter(member=actor, version=version, page_number=page_number)
    if not text:
        notes.delete()
        return None
    note, _created = PageNote.objects.update_or_create(
        member=actor, version=version, page_number=page_number, defaults={"text": text}
    )
    return note
