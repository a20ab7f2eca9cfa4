"""The admin deletes documents and names the presenter only through the
documents services; everything else about documents is read-only there."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from documents import services
from documents.models import Document, DocumentPage, DocumentVersion, PageNote, Presentation
from meetings.models import Member, Participant
from tests.admin_pages import Recorder, Trace, admin, form_data, recorder, superuser
from tests.conftest import World
from tests.documents.conftest import UploadFn
from tests.factories import MeetingFactory, ParticipantFactory

__all__ = ["admin", "recorder", "superuser"]  # fixtures

pytestmark = pytest.mark.django_db


def url(name: str, obj: Any) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=[obj.pk])


def test_deleting_a_document_is_document_delete(
    world: World, upload: UploadFn, admin: Client, superuser: Member, recorder: Recorder
) -> None:
    version = upload(title="Budget")
    document = version.document
    services.page_note_save(actor=world.voters[0], version=version, page_number=1, text="Typo")
    delete = url("delete", document)
    # The service's own run also removes the stored files after its commit;
    # its rows come back with the rollback, which is all the admin's run needs.
    expected = recorder.trace_undone(
        lambda: services.document_delete(actor=superuser, document=document)
    )
    assert [act[0] for act in expected.acts] == ["document.deleted"]
    assert {frame["type"] for _group, frame in expected.frames} == {"documents.changed"}

    # Versions, pages and notes go with it (the service's rule), though
    # their own admins are read-only.
    assert admin.get(delete).context["perms_lacking"] == set()
    trace = recorder.trace(lambda: admin.post(delete, {"post": "yes"}))
    assert trace == expected
    assert not Document.objects.exists()
    assert not PageNote.objects.exists()


def test_a_document_on_show_is_not_deleted(
    world: World, upload: UploadFn, admin: Client, recorder: Recorder
) -> None:
    document = upload().document
    services.presenter_show(actor=world.chair, meeting=world.meeting, document=document, page=1)
    responses: list[Any] = []
    trace = recorder.trace(
        lambda: responses.append(admin.post(url("delete", document), {"post": "yes"}, follow=True))
    )
    assert trace == Trace([], [])
    assert Document.objects.filter(pk=document.pk).exists()
    shown = [str(message) for message in responses[0].context["messages"]]
    assert shown == ["This document is on the projector. Stop presenting this document first."]


def test_documents_versions_pages_and_notes_are_read_only(
    world: World, upload: UploadFn, admin: Client
) -> None:
    version = upload(title="Budget")
    document = version.document
    page = DocumentPage.objects.filter(version=version).first()
    note = services.page_note_save(
        actor=world.voters[0], version=version, page_number=1, text="Typo"
    )
    assert page is not None and note is not None
    # The document page shows no form to save; a forged post is refused.
    assert b'name="_save"' not in admin.get(url("change", document)).content
    forged = {"title": "Forged", "public": "on", "meeting": str(MeetingFactory.create().pk)}
    assert admin.post(url("change", document), forged).status_code == 403
    document.refresh_from_db()
    assert (document.title, document.public) == ("Budget", False)

    for row, changes in (
        (version, {"original_name": "forged.pdf", "number": "9"}),
        (page, {"text": "Forged", "width": "1"}),
        (note, {"page_number": "2", "text": "Forged"}),
    ):
        assert admin.post(url("change", row), changes).status_code == 403
        assert admin.post(url("delete", row), {"post": "yes"}).status_code == 403
    assert DocumentVersion.objects.get(pk=version.pk).original_name == "agenda.pdf"
    assert DocumentPage.objects.get(pk=page.pk).text == page.text
    assert PageNote.objects.get(pk=note.pk).text == "Typo"
    for model in ("document", "documentversion", "documentpage", "pagenote", "presentation"):
        assert admin.get(reverse(f"admin:documents_{model}_add")).status_code == 403


def test_naming_the_presenter_is_presenter_assign(
    world: World, upload: UploadFn, admin: Client, superuser: Member, recorder: Recorder
) -> None:
    document = upload(title="Budget").document
    presentation = services.presenter_show(
        actor=world.chair, meeting=world.meeting, document=document, page=1
    )
    voter = world.participant(world.voters[0])
    expected = recorder.trace_undone(
        lambda: services.presenter_assign(actor=superuser, meeting=world.meeting, participant=voter)
    )
    assert {frame["type"] for _group, frame in expected.frames} == {"presenter.changed"}

    change = url("change", presentation)
    data = form_data(admin, change)
    # The page on show and its version are the presenter's: read-only here.
    data.update(presenter=str(voter.pk), page="2", version="")
    trace = recorder.trace(lambda: admin.post(change, data))
    assert trace == expected
    presentation.refresh_from_db()
    assert presentation.presenter == voter
    assert (presentation.page, presentation.version_id) == (1, document.current_version_id)


def test_a_presenter_from_another_meeting_is_refused(
    world: World, upload: UploadFn, admin: Client, recorder: Recorder
) -> None:
    document = upload().document
    presentation = services.presenter_show(
        actor=world.chair, meeting=world.meeting, document=document, page=1
    )
    stranger = ParticipantFactory.create(role=Participant.Role.VOTER)
    change = url("change", presentation)
    data = form_data(admin, change)
    data["presenter"] = str(stranger.pk)
    responses: list[Any] = []
    trace = recorder.trace(lambda: responses.append(admin.post(change, data)))
    assert trace == Trace([], [])
    assert responses[0].status_code == 200
    errors = responses[0].context["adminform"].form.non_field_errors()
    assert list(errors) == ["No such participant in this meeting."]
    assert Presentation.objects.get(pk=presentation.pk).presenter is None
