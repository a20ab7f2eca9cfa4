"""Events replayed onto a snapshot give the fresh snapshot, in the manner of
Zulip's test_events: a client that starts from its snapshot and applies every
frame it receives must hold, after each action, what a client connecting
then would get.

A scripted meeting runs through the services. Three pages follow it: the
chair's console, a member's phone and the projector. Each starts from the
snapshot for its viewer and applies every frame its audience receives:
sequenced events as they leave on commit (live.events._send), and coalesced
updates as the server sends them once writes settle (the last requested
build per key, run after each step). The page's reducer does what the
scripts in frontend/static do with each message; most messages carry whole
slices of the state. After every step each page must equal a fresh snapshot
for its viewer, and the sequence numbers must run without a gap.

The two things a page learns from its own requests rather than from the
socket are applied as the page applies them: the receipt of its own ballot
(phone-voting.js onAck) and the answer to its own presence change
(attendance.js MemberAttendance.send). No event tells a member about their
own presence or ballots changed by a clerk (events go to role groups, never
per person), so the script has clerks act only on other participants.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from documents import services as document_services
from documents.models import Document
from live import catalogue, coalesce, events, personal
from live.coalesce import Build
from live.events import encode
from live.groups import EVERYONE, Audience, group_name
from live.snapshot import compose_snapshot
from meetings import attendance
from meetings import services as meeting_services
from meetings.models import Participant
from meetings.selectors import PROJECTOR_VIEWER, Viewer
from motions import services as motion_services
from speakers import services as speaker_services
from tests.conftest import World
from tests.documents.pdfs import make_pdf
from tests.factories import MemberFactory, MembershipFactory
from tests.voting.conftest import receipt
from voting import services as voting_services
from voting.models import Poll, RollEntry

Frame = dict[str, Any]
# The wire's mark on a personal frame: whose pages it is for (live.personal).
TO = "(to)"
DECLARED = {event.name: event for event in catalogue.declared()}
VOTING_ROLES = {Participant.Role.VOTER, Participant.Role.CHAIR}


# --- the wire -----------------------------------------------------------------------


@dataclass
class Wire:
    """What the server sends, per audience, until the pages take it."""

    meeting_id: int
    frames: dict[Audience, list[Frame]] = field(
        default_factory=lambda: {audience: [] for audience in EVERYONE}
    )
    # Coalesced: the latest build asked for per key, run when writes settle.
    pending: dict[str, Build] = field(default_factory=dict)
    # For the tests that show a broken event is caught: frame -> frame or None (lost).
    tamper: Callable[[Frame], Frame | None] = lambda frame: frame

    def send(self, meeting_id: int, audiences: tuple[Audience, ...], text: str) -> None:
        """Stands in for live.events._send (sequenced events, on commit)."""
        assert meeting_id == self.meeting_id
        for audience in audiences:
            self.deliver(audience, text)

    def deliver(self, audience: Audience, text: str, to: int | None = None) -> None:
        frame = self.tamper(json.loads(text))
        if frame is not None:
            self.frames[audience].append({**frame, TO: to} if to is not None else frame)

    def send_personal(self, meeting_id: int, audience: Audience, to: int, text: str) -> None:
        """Stands in for live.personal._deliver: one participant's pages only."""
        assert meeting_id == self.meeting_id
        self.deliver(audience, text, to)

    def request(self, key: str, interval: float, build: Build, *, spread: float = 0.0) -> None:
        """Stands in for live.coalesce.request: what the server loop would run."""
        self.pending[key] = build

    def settle(self) -> None:
        """Send each coalesced update once, built from the database as it is now."""
        groups = {group_name(self.meeting_id, audience): audience for audience in EVERYONE}
        builds, self.pending = self.pending, {}
        for build in builds.values():
            for group, text in build():
                self.deliver(groups[group], text)

    def take(self, audience: Audience) -> list[Frame]:
        frames, self.frames[audience] = self.frames[audience], []
        return frames


# --- a page -------------------------------------------------------------------------


@dataclass
class Page:
    """A client's state: the snapshot, updated by each frame as the page does."""

    audience: Audience
    state: dict[str, Any]
    # voting.js TurnoutBook: per poll, the update with the most ballots.
    turnouts: dict[int, Frame] = field(default_factory=dict)

    @classmethod
    def open(cls, snapshot: dict[str, Any], audience: Audience) -> Page:
        page = cls(audience, copy.deepcopy(snapshot))
        if snapshot["turnout"]:
            page.turnouts[snapshot["turnout"]["poll_id"]] = snapshot["turnout"]
        return page

    @property
    def participant_id(self) -> int | None:
        viewer = self.state["viewer"]
        return viewer["participant_id"] if viewer else None

    def receive(self, frame: Frame) -> None:
        if "seq" in frame:  # meeting-socket.js: apply only the next number
            assert frame["seq"] == self.state["seq"] + 1, f"gap before {frame}"
            self.state["seq"] = frame["seq"]
        REDUCERS[frame["type"]](self, frame)
        self.state["turnout"] = self.shown_turnout()

    def shown_turnout(self) -> Frame | None:
        """The pages show the turnout of the open poll (the snapshot holds only that)."""
        open_poll = next((p for p in self.state["polls"] if p["state"] == "open"), None)
        update = self.turnouts.get(open_poll["id"]) if open_poll else None
        if update is None:
            return None
        return {k: v for k, v in update.items() if k not in ("type", "state")}

    # What the page learns from its own requests:

    def ballot_counted(self, poll_id: int, on_behalf_of: int | None = None) -> None:
        for entry in self.state["my_votes"].get(str(poll_id), []):
            if entry["on_behalf_of"] == on_behalf_of:
                entry["voted"] = True

    def presence_answered(self, presence: str) -> None:
        self.state["my_presence"] = presence

    def seen(self) -> dict[str, Any]:
        """The state as compared: roll entry ids are the server's, and no page
        reads them (a phone derives its entries when a poll opens)."""
        state = copy.deepcopy(self.state)
        for entries in state["my_votes"].values():
            for entry in entries:
                entry.pop("roll_entry_id", None)
        return state


def replace(*keys: str) -> Callable[[Page, Frame], None]:
    """meeting-state.js applyEvent: the event's slices replace the page's."""

    def apply(page: Page, frame: Frame) -> None:
        for key in keys:
            page.state[key] = frame[key]

    return apply


def poll_changed(page: Page, frame: Frame) -> None:
    poll = frame["poll"]
    if "title" not in poll and poll["state"] == Poll.State.DRAFT:
        # A draft's bare id (members, projector). meeting-state.js keeps it in
        # its list, but no page shows a draft (phone-voting.js render, voting.js
        # pollToShow), as their snapshot holds none.
        return
    polls = page.state["polls"]
    before = next((p for p in polls if p["id"] == poll["id"]), None)
    # meeting-state.js upsertPoll: replaced in place, or added in id order.
    if before is None:
        polls.append(poll)
        polls.sort(key=lambda p: p["id"])
    else:
        polls[polls.index(before)] = poll
    # phone-voting.js onEvent derives the entries of a poll that opens after
    # the snapshot. (It tells such polls by their absence from the snapshot's
    # polls, which for chair and clerks hold the drafts too; here, by the
    # absence of entries.)
    opened = poll["state"] == Poll.State.OPEN and (
        before is None or before["state"] != Poll.State.OPEN
    )
    if opened and str(poll["id"]) not in page.state["my_votes"]:
        derive_entries(page, poll["id"])


def derive_entries(page: Page, poll_id: int) -> None:
    """phone-voting.js deriveEntries: the viewer's own vote and each proxy
    they carry, from the snapshot's my_weight and my_proxies."""
    viewer = page.state["viewer"]
    entries = []
    if viewer["role"] in VOTING_ROLES:
        entries.append(
            {
                "on_behalf_of": None,
                "name": viewer["name"],
                "weight": page.state["my_weight"],
                "voted": False,
            }
        )
    for proxy in page.state["my_proxies"]:
        entries.append(
            {
                "on_behalf_of": proxy["participant_id"],
                "name": proxy["name"],
                "weight": proxy["weight"],
                "voted": False,
            }
        )
    if entries:
        page.state["my_votes"][str(poll_id)] = entries


def poll_turnout(page: Page, frame: Frame) -> None:
    known = page.turnouts.get(frame["poll_id"])
    if known is None or frame["ballots"] >= known["ballots"]:
        page.turnouts[frame["poll_id"]] = frame


def attendance_changed(page: Page, frame: Frame) -> None:
    """chair.js / projector.js, and attendance.js for the meeting's switches."""
    page.state["attendance"] = frame["attendance"]
    page.state["quorum"] = frame["quorum"]
    page.state["meeting"] = {
        **page.state["meeting"],
        "room_checkin_enabled": frame["room_checkin_enabled"],
        "allow_remote_participation": frame["allow_remote_participation"],
    }


def speakers_changed(page: Page, frame: Frame) -> None:
    """speakers.js: the item's list replaces the page's copy of it."""
    page.state["speakers"]["lists"][str(frame["agenda_item_id"])] = frame["list"]


def speakers_settings_changed(page: Page, frame: Frame) -> None:
    page.state["speakers"]["settings"] = frame["settings"]


def me_changed(page: Page, frame: Frame) -> None:
    """member.js: the page's own presence, weight and proxies; phone-voting.js
    keeps the roll entries it has (an open poll's roll does not change)."""
    for key in ("viewer", "my_presence", "my_weight", "my_proxies"):
        page.state[key] = frame["me"][key]


def nothing(page: Page, frame: Frame) -> None:
    """The chair console re-reads the roll over HTTP; no snapshot state changes."""


REDUCERS: dict[str, Callable[[Page, Frame], None]] = {
    "agenda.changed": replace("agenda", "current_item_id"),
    "meeting.changed": replace("meeting"),
    "roster.changed": replace("roster"),
    "quorum.changed": replace("quorum"),
    "attendance.changed": attendance_changed,
    "poll.changed": poll_changed,
    "poll.paper_ballot": nothing,
    "poll.turnout": poll_turnout,
    "documents.changed": replace("documents"),
    "document.presented": replace("presentation"),
    "presenter.changed": replace("presenter"),
    "projector.changed": replace("projector"),
    "speakers.changed": speakers_changed,
    "speakers.settings_changed": speakers_settings_changed,
    # motions.js: each event replaces its slices.
    "motions.changed": replace("motions", "motion_settings"),
    "resolution.changed": replace("resolution"),
    "motion.projected": replace("motion_projection"),
    "me.changed": me_changed,
}


# --- the run ----------------------------------------------------------------------


def fresh_viewer(viewer: Viewer) -> Viewer:
    if viewer.participant is None:
        return viewer
    participant = Participant.objects.select_related("member").get(pk=viewer.participant.pk)
    return Viewer(role=participant.role, participant=participant)


def snapshot_for(meeting_id: int, viewer: Viewer) -> dict[str, Any]:
    """As the socket sends it (JSON), built afresh (uncached)."""
    loaded: dict[str, Any] = json.loads(encode(compose_snapshot(meeting_id, fresh_viewer(viewer))))
    return loaded


@dataclass
class Replay:
    """The pages of one meeting, following it step by step."""

    world: World
    wire: Wire
    capture: Callable[..., AbstractContextManager[Any]]
    viewers: dict[str, Viewer]
    pages: dict[str, Page] = field(default_factory=dict)
    # Every frame type delivered: proof that the run covered them all.
    seen_types: set[str] = field(default_factory=set)

    def start(self) -> None:
        for name, viewer in self.viewers.items():
            snapshot = snapshot_for(self.world.meeting.pk, viewer)
            self.pages[name] = Page.open(snapshot, viewer.audience)

    def step(self, action: Callable[[], Any]) -> Any:
        with self.capture(execute=True):
            result = action()
        self.wire.settle()
        for page in self.pages.values():
            for frame in self.wire.take(page.audience):
                if frame.get(TO, page.participant_id) != page.participant_id:
                    continue  # another member's own state: their socket drops it
                frame = {k: v for k, v in frame.items() if k != TO}
                self.seen_types.add(frame["type"])
                payload = {k: v for k, v in frame.items() if k not in ("type", "seq")}
                errors = shape_errors(payload, DECLARED[frame["type"]].payload)
                assert not errors, f"{frame['type']} does not fit its declaration: {errors}"
                page.receive(frame)
        return result

    def check(self, label: str) -> None:
        for name, page in self.pages.items():
            fresh = snapshot_for(self.world.meeting.pk, self.viewers[name])
            diff = differences(page.seen(), Page.open(fresh, page.audience).seen())
            assert not diff, f"after {label!r}, the {name}'s page differs: {diff}"


@functools.cache
def fields_of(shape: Any) -> dict[str, Any]:
    return get_type_hints(shape)


def shape_errors(value: Any, shape: Any, path: str = "") -> list[str]:
    """Where a JSON value does not fit a declared shape (a TypedDict, and the
    types within it)."""
    if shape is Any:  # me.changed's `me`: the snapshot's personal fields (test_payloads)
        return []
    if is_typeddict(shape):
        if not isinstance(value, dict):
            return [f"{path}: {value!r} is no object"]
        fields = fields_of(shape)
        errors = [f"{path}.{key}: missing" for key in shape.__required_keys__ - value.keys()]
        errors += [f"{path}.{key}: not declared" for key in value.keys() - fields.keys()]
        for key in value.keys() & fields.keys():
            errors += shape_errors(value[key], fields[key], f"{path}.{key}")
        return errors
    origin, args = get_origin(shape), get_args(shape)
    if origin is UnionType or origin is Union:
        tries = [shape_errors(value, arg, path) for arg in args]
        return [] if [] in tries else [f"{path}: {value!r} fits no part of {shape}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{path}: {value!r} is no list"]
        return [
            e for i, item in enumerate(value) for e in shape_errors(item, args[0], f"{path}[{i}]")
        ]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{path}: {value!r} is no object"]
        return [e for k, item in value.items() for e in shape_errors(item, args[1], f"{path}.{k}")]
    if shape is type(None):
        return [] if value is None else [f"{path}: {value!r} is not null"]
    if shape is int and isinstance(value, bool):
        return [f"{path}: {value!r} is no number"]
    return [] if isinstance(value, shape) else [f"{path}: {value!r} is no {shape.__name__}"]


def differences(replayed: Any, fresh: Any, path: str = "") -> list[str]:
    """Where two JSON values differ, as "path: replayed != fresh"."""
    if isinstance(replayed, dict) and isinstance(fresh, dict):
        return [
            line
            for key in sorted(replayed.keys() | fresh.keys())
            for line in differences(
                replayed.get(key, "<absent>"), fresh.get(key, "<absent>"), f"{path}.{key}"
            )
        ]
    if isinstance(replayed, list) and isinstance(fresh, list) and len(replayed) == len(fresh):
        return [
            line
            for index, (a, b) in enumerate(zip(replayed, fresh, strict=True))
            for line in differences(a, b, f"{path}[{index}]")
        ]
    return [] if replayed == fresh else [f"{path}: {replayed!r} != {fresh!r}"]


@pytest.fixture
def replay(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]],
) -> Replay:
    wire = Wire(world.meeting.pk)
    monkeypatch.setattr(events, "_send", wire.send)
    monkeypatch.setattr(personal, "_deliver", wire.send_personal)
    monkeypatch.setattr(coalesce, "request", wire.request)
    member = world.participant(world.voters[0])
    viewers = {
        "chair": Viewer(role=Participant.Role.CHAIR, participant=world.participant(world.chair)),
        "member": Viewer(role=member.role, participant=member),
        "projector": PROJECTOR_VIEWER,
    }
    run = Replay(world, wire, django_capture_on_commit_callbacks, viewers)
    run.start()
    return run


def noop(_result: Any) -> None:
    pass


def options(poll: Poll) -> dict[str, int]:
    return {option.label: option.pk for option in poll.options.all()}


def pdf(pages: int, title: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{title}.pdf", make_pdf(pages, title=title), "application/pdf")


def run_meeting(run: Replay) -> None:
    """The scripted meeting, checking every page after each step."""
    world = run.world
    chair, clerk, voters = world.chair, world.clerk, world.voters
    meeting = world.meeting
    member = voters[0]

    def step(label: str, action: Callable[[], Any], then: Callable[[Any], None] = noop) -> Any:
        """Run the action, deliver what it sent, let the acting page take in
        its own answer (`then`), and check."""
        result = run.step(action)
        then(result)
        run.check(label)
        return result

    def presence_answer(change: attendance.PresenceChange) -> None:
        run.pages["member"].presence_answered(change.participant.presence)

    step(
        "agenda item added",
        partial(
            meeting_services.agenda_item_add,
            actor=chair,
            meeting=meeting,
            title="Any other business",
            description="Questions from the floor.",
        ),
    )
    step(
        "agenda item edited",
        partial(
            meeting_services.agenda_item_update,
            actor=chair,
            item=world.items[1],
            title="Budget 2027",
            description="The treasurer presents.",
        ),
    )
    step("meeting started", partial(meeting_services.meeting_start, actor=chair, meeting=meeting))
    step(
        "agenda advanced",
        partial(meeting_services.agenda_advance, actor=chair, meeting=meeting, direction="next"),
    )
    step(
        "remote participation allowed",
        partial(
            attendance.attendance_settings_update,
            actor=chair,
            meeting=meeting,
            allow_remote_participation=True,
        ),
    )
    step(
        "quorum set",
        partial(
            meeting_services.meeting_voting_settings_update,
            actor=chair,
            meeting=meeting,
            quorum_kind="count",
            quorum_count=2,
        ),
    )
    step(
        "a voter checked in at the door",
        partial(
            attendance.participant_check_in, actor=clerk, participant=world.participant(voters[1])
        ),
    )
    step(
        "the member present remotely",
        partial(attendance.remote_presence_confirm, actor=member, meeting=meeting),
        then=presence_answer,
    )

    run_speakers(run, step)

    newcomer = MemberFactory.create(full_name="Newcomer Lê")
    MembershipFactory.create(member=newcomer, union=world.union)
    step(
        "roster: a voter added",
        partial(meeting_services.participant_add, actor=chair, meeting=meeting, member=newcomer),
    )
    step(
        "roster: a weight changed",
        partial(
            meeting_services.participant_update,
            actor=chair,
            participant=world.participant(voters[2]),
            vote_weight="2.5",
        ),
    )

    # A named poll with live results: chair and projector follow the tally.
    poll = step(
        "poll created",
        partial(
            voting_services.poll_create,
            actor=chair,
            meeting=meeting,
            title="Adopt the budget?",
            kind="motion",
            secrecy=Poll.Secrecy.NAMED,
            results_visibility=Poll.Results.LIVE,
        ),
    )
    step("poll opened", partial(voting_services.poll_open, actor=chair, poll=poll))
    yes, no = options(poll)["Yes"], options(poll)["No"]
    step(
        "the member votes",
        partial(
            voting_services.ballot_cast,
            voter=member,
            poll_id=poll.pk,
            choices=[yes],
            nonce=receipt(),
        ),
        then=lambda _receipt: run.pages["member"].ballot_counted(poll.pk),
    )

    def two_ballots() -> None:
        """Within one flush: the turnout updates coalesce into one."""
        for voter, choice in ((chair, yes), (voters[1], no)):
            voting_services.ballot_cast(
                voter=voter, poll_id=poll.pk, choices=[choice], nonce=receipt()
            )

    step("two more ballots", two_ballots, then=lambda _: run.pages["chair"].ballot_counted(poll.pk))
    entry = RollEntry.objects.get(poll=poll, member=world.participant(voters[2]))
    step(
        "a paper ballot",
        partial(
            voting_services.paper_ballot_enter,
            actor=clerk,
            poll=poll,
            roll_entry_id=entry.pk,
            choices=[yes],
        ),
    )
    step("poll closed", partial(voting_services.poll_close, actor=chair, poll=poll))

    # A secret poll: members and the projector see the draft only as it opens.
    secret = step(
        "secret poll created",
        partial(
            voting_services.poll_create,
            actor=chair,
            meeting=meeting,
            title="Elect the treasurer",
            kind="single",
            options=["Ana", "Bảo"],
        ),
    )
    step("secret poll opened", partial(voting_services.poll_open, actor=chair, poll=secret))
    step(
        "a secret ballot",
        partial(
            voting_services.ballot_cast,
            voter=voters[1],
            poll_id=secret.pk,
            choices=[options(secret)["Ana"]],
            nonce=receipt(),
        ),
    )
    step("secret poll closed", partial(voting_services.poll_close, actor=chair, poll=secret))
    step(
        "the chair puts the agenda on the screen",
        partial(meeting_services.projector_scene_set, actor=chair, meeting=meeting, scene="agenda"),
    )
    run_motions(run, step)

    version = step(
        "document uploaded",
        partial(
            document_services.document_upload,
            actor=chair,
            meeting=meeting,
            upload=pdf(4, "Budget"),
            title="Budget",
            agenda_item_id=world.items[1].pk,
        ),
    )
    document = Document.objects.get(pk=version.document_id)
    step(
        "presenter named",
        partial(
            document_services.presenter_assign,
            actor=chair,
            meeting=meeting,
            participant=world.participant(member),
        ),
    )

    def flick_through() -> None:
        """Pages 1 to 3 within one flush: one document.presented, of page 3."""
        for page in (1, 2, 3):
            document_services.presenter_show(
                actor=member, meeting=meeting, document=document, page=page
            )

    step("pages flicked through", flick_through)
    step(
        "a new version while shown",
        partial(
            document_services.document_upload,
            actor=chair,
            meeting=meeting,
            upload=pdf(2, "Budget v2"),
            document=document,
        ),
    )
    step(
        "presenting stopped",
        partial(document_services.presenter_stop, actor=chair, meeting=meeting),
    )
    step(
        "document deleted",
        partial(document_services.document_delete, actor=chair, document=document),
    )
    step(
        "a voter checked out",
        partial(
            attendance.participant_check_out, actor=clerk, participant=world.participant(voters[1])
        ),
    )
    step(
        "the member leaves",
        partial(
            attendance.participant_check_out, actor=member, participant=world.participant(member)
        ),
        then=presence_answer,
    )
    # Nothing on the member's own page asked: only me.changed tells it.
    step(
        "the clerk checks the member in",
        partial(
            attendance.participant_check_in, actor=clerk, participant=world.participant(member)
        ),
    )
    step(
        "the member's weight changed",
        lambda: meeting_services.participant_update(
            actor=chair, participant=world.participant(member), vote_weight=Decimal("1.5")
        ),
    )
    step("meeting closed", partial(meeting_services.meeting_close, actor=chair, meeting=meeting))


def run_motions(run: Replay, step: Callable[..., Any]) -> None:
    """A motion supported, admitted, amended (shown on the projector as a
    change), the amendment and then the motion carried, and the resolution
    adopted: the results come back through voting's poll-closed hook."""
    world = run.world
    chair, member, meeting = world.chair, world.voters[0], world.meeting

    def carry(poll_id: int) -> None:
        """The member and the chair vote yes; the chair closes."""
        poll = Poll.objects.get(pk=poll_id)
        yes = options(poll)["Yes"]

        def ballots() -> None:
            for voter in (member, chair):
                voting_services.ballot_cast(
                    voter=voter, poll_id=poll_id, choices=[yes], nonce=receipt()
                )

        def counted(_result: Any) -> None:
            run.pages["member"].ballot_counted(poll_id)
            run.pages["chair"].ballot_counted(poll_id)

        step(f"ballots on poll {poll_id}", ballots, then=counted)
        step(f"poll {poll_id} closed", partial(voting_services.poll_close, actor=chair, poll=poll))

    step(
        "motion settings",
        partial(
            motion_services.motion_settings_update, actor=chair, meeting=meeting, secrecy="named"
        ),
    )
    motion = step(
        "motion submitted",
        partial(
            motion_services.motion_submit,
            actor=member,
            meeting=meeting,
            title="Living wage",
            text="We demand a living wage.\n\nReport by June.",
        ),
    )
    step(
        "motion supported",
        partial(motion_services.motion_support, actor=world.voters[1], motion=motion),
    )
    step(
        "motion admitted",
        partial(
            motion_services.motion_admit,
            actor=chair,
            motion=motion,
            agenda_item_id=world.items[1].pk,
        ),
    )
    amendment = step(
        "amendment submitted",
        partial(
            motion_services.amendment_submit,
            actor=world.voters[2],
            motion=motion,
            action="replace",
            paragraph=2,
            text="Report by May.",
        ),
    )
    step(
        "amendment on the projector",
        partial(
            motion_services.motion_project,
            actor=chair,
            meeting=meeting,
            motion_id=motion.pk,
            amendment_id=amendment.pk,
        ),
    )
    amendment = step(
        "amendment put to the vote",
        partial(motion_services.amendment_put_to_vote, actor=chair, amendment=amendment),
    )
    carry(amendment.poll_id)
    motion = step(
        "motion put to the vote",
        partial(motion_services.motion_put_to_vote, actor=chair, motion=motion),
    )
    carry(motion.poll_id)
    step(
        "resolution composed",
        partial(
            motion_services.resolution_compose, actor=chair, meeting=meeting, title="Resolution"
        ),
    )
    resolution = step(
        "resolution put to the vote",
        partial(motion_services.resolution_put_to_vote, actor=chair, meeting=meeting),
    )
    carry(resolution.poll_id)
    step(
        "projector cleared",
        partial(motion_services.motion_project, actor=chair, meeting=meeting, motion_id=None),
    )


def run_speakers(run: Replay, step: Callable[..., Any]) -> None:
    """The speakers' list of the current item, through every kind of change."""
    world = run.world
    chair, clerk, voters, meeting = world.chair, world.clerk, world.voters, world.meeting

    def two_requests() -> None:
        """Within one flush: one speakers.changed with both."""
        for voter in (chair, voters[1]):
            speaker_services.speech_request(actor=voter, meeting=meeting)

    step(
        "speakers: the member asks to speak",
        partial(speaker_services.speech_request, actor=voters[0], meeting=meeting, kind="question"),
    )
    step("speakers: two more ask", two_requests)
    step(
        "speakers: a point of order",
        partial(
            speaker_services.speech_request,
            actor=clerk,
            meeting=meeting,
            kind="point_of_order",
            participant_id=world.participant(voters[2]).pk,
        ),
    )
    step(
        "speakers: meeting settings",
        partial(
            speaker_services.speakers_settings_update,
            actor=chair,
            meeting=meeting,
            speaking_time=120,
            max_speeches=3,
        ),
    )
    step(
        "speakers: the item's own time",
        partial(
            speaker_services.speakers_settings_update,
            actor=clerk,
            meeting=meeting,
            agenda_item_id=world.items[1].pk,
            speaking_time=60,
        ),
    )
    item = world.items[1].pk

    def waiting_ids() -> list[int]:
        return [
            s["id"] for s in run.pages["chair"].state["speakers"]["lists"][str(item)]["waiting"]
        ]

    step(
        "speakers: reordered",
        lambda: speaker_services.speakers_reorder(
            actor=chair, meeting=meeting, speech_ids=list(reversed(waiting_ids()))
        ),
    )
    step("speakers: called", partial(speaker_services.speaker_call, actor=chair, meeting=meeting))
    step("speakers: started", partial(speaker_services.speaker_start, actor=chair, meeting=meeting))
    step("speakers: paused", partial(speaker_services.speaker_pause, actor=chair, meeting=meeting))
    step("speakers: resumed", partial(speaker_services.speaker_start, actor=chair, meeting=meeting))
    step(
        "speakers: next called",
        partial(speaker_services.speaker_call, actor=chair, meeting=meeting),
    )
    step("speakers: stopped", partial(speaker_services.speaker_stop, actor=chair, meeting=meeting))
    step(
        "speakers: withdrawn",
        lambda: speaker_services.speech_withdraw(
            actor=chair, meeting=meeting, speech_id=waiting_ids()[0]
        ),
    )
    step(
        "speakers: list closed",
        partial(speaker_services.speakers_list_close, actor=chair, meeting=meeting, closed=True),
    )


def test_every_page_replays_to_the_fresh_snapshot(replay: Replay) -> None:
    run_meeting(replay)
    assert replay.seen_types == {event.name for event in catalogue.declared()}


def test_the_reducer_knows_every_declared_event_type() -> None:
    assert set(REDUCERS) == {event.name for event in catalogue.declared()}


def lose(kind: str) -> Callable[[Frame], Frame | None]:
    return lambda frame: None if frame["type"] == kind else frame


def blank(kind: str, key: str) -> Callable[[Frame], Frame | None]:
    return lambda frame: {**frame, key: None} if frame["type"] == kind else frame


def without(kind: str, key: str) -> Callable[[Frame], Frame | None]:
    return lambda frame: {k: v for k, v in frame.items() if k != key or frame["type"] != kind}


@pytest.mark.parametrize(
    ("tamper", "found"),
    [
        # A lost sequenced event: the pages keep the old totals.
        (lose("roster.changed"), "after 'roster: a voter added', the chair's page differs"),
        # Lost coalesced updates (no number shows them missing).
        (lose("poll.turnout"), "after 'poll opened', the chair's page differs"),
        (lose("attendance.changed"), "after 'a voter checked in at the door'"),
        # A field emptied: the page shows nothing where the snapshot has the page on show.
        (blank("document.presented", "presentation"), "after 'pages flicked through'"),
        # A field missing: the payload no longer fits its declared shape.
        (without("agenda.changed", "current_item_id"), ".current_item_id: missing"),
        # A lost speakers' list update: the phone misses its place in the queue.
        (lose("speakers.changed"), "after 'speakers: the member asks to speak'"),
        # The member's own presence, changed by the clerk, never reaches the phone.
        (lose("me.changed"), "after 'the clerk checks the member in'"),
    ],
    ids=[
        "lost roster.changed",
        "lost poll.turnout",
        "lost attendance.changed",
        "blank presentation",
        "no current_item_id",
        "lost speakers.changed",
        "lost me.changed",
    ],
)
def test_a_broken_event_is_caught(
    replay: Replay, tamper: Callable[[Frame], Frame | None], found: str
) -> None:
    """The replay can fail: each of these breaks it at the step that needs the event."""
    replay.wire.tamper = tamper
    with pytest.raises(AssertionError, match=re.escape(found)):
        run_meeting(replay)
