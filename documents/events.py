"""Document events on the meeting socket.

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

from django.db import transaction

from documents import selectors
from live import coalesce, events
from live.events import EVERYONE, Audience, encode

PRESENT_INTERVAL = 0.25


def publish_documents(meeting_id: int) -> None:
    """Queue `documents.changed` (the whole list) for after commit."""
    events.publish(
        meeting_id, "documents.changed", {"documents": selectors.documents_payload(meeting_id)}
    )


def publish_presenter(meeting_id: int) -> None:
    events.publish(
        meeting_id, "presenter.changed", {"presenter": selectors.presenter_payload(meeting_id)}
    )


def build_presented(
    meeting_id: int, _subject: int, _audiences: tuple[Audience, ...]
) -> tuple[str, int]:
    """One `document.presented` with the page on show now; its sequence
    number is taken as it is built."""
    with transaction.atomic():
        seq = events.next_seq(meeting_id)
        payload = selectors.presentation_payload(meeting_id)
    text = encode({"type": "document.presented", "seq": seq, "presentation": payload})
    return text, 0


PRESENTED = coalesce.Stream(
    "presentation", build_presented, (coalesce.Pace("all", EVERYONE, PRESENT_INTERVAL),)
)


def presentation_changed(meeting_id: int) -> None:
    """After the presentation changed: ask for a (coalesced) `document.presented`
    once the current transaction commits."""
    PRESENTED.changed_on_commit(meeting_id, meeting_id)
