"""Document events on the meeting socket: their types (see live.catalogue
and docs/protocol.md), with payloads as clients receive them (JSON: datetimes
are strings), and the calls that send them.

`documents.changed` and `presenter.changed` are ordinary sequenced events.
`document.presented` is sequenced too, but coalesced: a chair flicking
through pages sends at most one event per meeting every PRESENT_INTERVAL
seconds (the first flip at once, then the page the chair stopped on), however
fast the flips come, and across server processes (see live.coalesce). The
event is built from the database when it is sent, so the last one always
shows the page the chair ended on; its sequence number is taken at that
moment, so clients keep their gap detection.
"""

from __future__ import annotations

from typing import Any, TypedDict

from documents import selectors
from live import catalogue, coalesce, events
from live.events import EVERYONE, Audience

PRESENT_INTERVAL = 0.25


class VersionPayload(TypedDict):
    id: int
    key: str
    number: int
    sha256: str
    size: int
    page_count: int
    uploaded_at: str
    download_url: str


class DocumentPayload(TypedDict):
    id: int
    meeting_id: int
    title: str
    agenda_item_id: int | None
    public: bool
    current_version: VersionPayload | None
    versions: list[VersionPayload]  # newest first


class DocumentsChanged(TypedDict):
    documents: list[DocumentPayload]


class PresentationPayload(TypedDict):
    document_id: int
    version_id: int
    version_key: str
    version: int
    title: str
    page: int
    page_count: int
    alt: str
    images: dict[str, str]  # image URL per size: phone, projector
    text_url: str


class DocumentPresented(TypedDict):
    presentation: PresentationPayload | None


class PresenterPayload(TypedDict):
    participant_id: int
    name: str


class PresenterChanged(TypedDict):
    presenter: PresenterPayload | None


DOCUMENTS_CHANGED = catalogue.declare("documents.changed", DocumentsChanged, sequenced=True)
PRESENTER_CHANGED = catalogue.declare("presenter.changed", PresenterChanged, sequenced=True)
DOCUMENT_PRESENTED = catalogue.declare(
    "document.presented", DocumentPresented, sequenced=True, coalesced=True
)


def publish_documents(meeting_id: int) -> None:
    """Queue `documents.changed` (the whole list) for after commit."""
    events.publish(
        meeting_id, DOCUMENTS_CHANGED, {"documents": selectors.documents_payload(meeting_id)}
    )


def publish_presenter(meeting_id: int) -> None:
    events.publish(
        meeting_id, PRESENTER_CHANGED, {"presenter": selectors.presenter_payload(meeting_id)}
    )


def build_presented(
    meeting_id: int, _subject: int, _audiences: tuple[Audience, ...]
) -> tuple[dict[str, Any], int]:
    """The page on show now (the stream numbers the event)."""
    return {"presentation": selectors.presentation_payload(meeting_id)}, 0


PRESENTED = coalesce.Stream(
    DOCUMENT_PRESENTED,
    "presentation",
    build_presented,
    (coalesce.Pace("all", EVERYONE, PRESENT_INTERVAL),),
)


def presentation_changed(meeting_id: int) -> None:
    """After the presentation changed: ask for a (coalesced) `document.presented`
    once the current transaction commits."""
    PRESENTED.changed_on_commit(meeting_id, meeting_id)
