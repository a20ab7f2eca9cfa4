"""Motion events on the meeting socket (see live.catalogue and
docs/protocol.md). Each carries a whole slice of the state: the motions
with their amendments, the resolution, or what the projector shows."""

from __future__ import annotations

from typing import TypedDict

from live import catalogue, events
from motions import selectors


class ChangePayload(TypedDict):
    action: str  # replace | insert | delete
    paragraph: int
    before: str | None  # the paragraph struck (replace, delete)
    after: str | None  # the text added (replace, insert)


class AmendmentPayload(TypedDict):
    id: int
    number: int
    motion_id: int
    proposer: str
    proposer_id: int
    reasons: str
    state: str
    change: ChangePayload
    poll_id: int | None  # the linked poll (its result is in the polls slice)


class SupporterPayload(TypedDict):
    participant_id: int
    name: str


class FinalText(TypedDict):
    text: str
    sha256: str


class MotionPayload(TypedDict):
    id: int
    number: int
    title: str
    text: str
    paragraphs: list[str]
    current_text: str
    reasons: str
    submitter: str
    submitter_id: int
    supporters: list[SupporterPayload]
    admissible: bool
    agenda_item_id: int | None
    state: str
    referred_to: str
    poll_id: int | None  # the linked poll (its result is in the polls slice)
    final: FinalText | None
    amendments: list[AmendmentPayload]


class MotionSettingsPayload(TypedDict):
    min_supporters: int
    majority: str
    base: str
    tie_rule: str
    secrecy: str


class MotionsChanged(TypedDict):
    motions: list[MotionPayload]
    motion_settings: MotionSettingsPayload


class ResolutionPayload(TypedDict):
    id: int
    title: str
    text: str
    sha256: str
    motion_ids: list[int]
    state: str
    poll_id: int | None  # the linked poll (its result is in the polls slice)


class ResolutionChanged(TypedDict):
    resolution: ResolutionPayload | None


class ProjectionPayload(TypedDict):
    motion_id: int
    amendment_id: int | None


class MotionProjected(TypedDict):
    motion_projection: ProjectionPayload | None


MOTIONS_CHANGED = catalogue.declare("motions.changed", MotionsChanged, sequenced=True)
RESOLUTION_CHANGED = catalogue.declare("resolution.changed", ResolutionChanged, sequenced=True)
MOTION_PROJECTED = catalogue.declare("motion.projected", MotionProjected, sequenced=True)


def publish_motions(meeting_id: int) -> None:
    """Queue `motions.changed` (every motion, with its amendments) for after commit."""
    events.publish(
        meeting_id,
        MOTIONS_CHANGED,
        {
            "motions": selectors.motions_payload(meeting_id),
            "motion_settings": selectors.settings_payload(selectors.settings_for(meeting_id)),
        },
    )


def publish_resolution(meeting_id: int) -> None:
    events.publish(
        meeting_id, RESOLUTION_CHANGED, {"resolution": selectors.resolution_payload(meeting_id)}
    )


def publish_projection(meeting_id: int) -> None:
    events.publish(
        meeting_id,
        MOTION_PROJECTED,
        {"motion_projection": selectors.projection_payload(meeting_id)},
    )
