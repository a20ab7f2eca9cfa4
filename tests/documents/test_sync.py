"""Presenter sync over the meeting socket (real ASGI stack; Redis layer when
REDIS_URL is set and always under CI=true)."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from documents import events as document_events
from documents import services
from documents.models import DocumentVersion
from documents.selectors import documents_snapshot
from meetings import services as meeting_services
from tests.conftest import World
from tests.documents.conftest import pdf_upload
from tests.documents.pdfs import make_pdf
from tests.live.test_consumer import member_socket, open_socket, socket_test


def _upload(world: World, pages: int = 5, title: str = "Agenda") -> DocumentVersion:
    return services.document_upload(
        actor=world.chair,
        meeting=world.meeting,
        upload=pdf_upload(make_pdf(pages, title=title)),
        title=title,
        agenda_item_id=world.items[0].pk,
    )


upload = sync_to_async(_upload)
present = sync_to_async(services.presenter_show)


@pytest.fixture(autouse=True)
def _media(media_root: Any) -> None:
    """Every test here stores files under the test's MEDIA_ROOT."""


@socket_test
async def test_late_joiner_gets_the_live_page_in_the_snapshot(live_world: World) -> None:
    world = live_world
    version = await upload(world)
    await present(actor=world.chair, meeting=world.meeting, document=version.document, page=2)
    async with await member_socket(world, world.voters[0]) as socket:
        snapshot = await socket.receive()
    assert snapshot["type"] == "snapshot"
    shown = snapshot["presentation"]
    assert shown["document_id"] == version.document_id
    assert shown["version_key"] == version.key
    assert (shown["page"], shown["page_count"]) == (2, 5)
    assert shown["alt"] == "Agenda page 2"
    assert shown["images"]["phone"].endswith(f"/{version.key}/pages/2/image/phone/")
    assert shown["images"]["projector"].endswith(f"/{version.key}/pages/2/image/projector/")
    assert [d["title"] for d in snapshot["documents"]] == ["Agenda"]
    assert snapshot["documents"][0]["current_version"]["sha256"] == version.sha256
    assert snapshot["documents"][0]["agenda_item_id"] == world.items[0].pk
    assert snapshot["presenter"] is None


@socket_test
async def test_the_chair_presents_and_every_audience_follows(live_world: World) -> None:
    world = live_world
    version = await upload(world)
    token = await sync_to_async(meeting_services.projector_link_create)(
        actor=world.chair, meeting=world.meeting
    )
    async with (
        await member_socket(world, world.chair) as chair,
        await member_socket(world, world.voters[0]) as phone,
        open_socket(world.meeting.pk, projector=token) as projector,
    ):
        seqs = [(await s.receive())["seq"] for s in (chair, phone, projector)]
        assert len(set(seqs)) == 1
        await chair.send(
            {"type": "document.present", "document_id": version.document_id, "page": 3, "ref": 1}
        )
        frames = [await chair.receive(), await chair.receive()]
        ack = next(f for f in frames if f["type"] == "ack")
        assert ack == {
            "type": "ack",
            "for": "document.present",
            "ref": 1,
            "document_id": version.document_id,
            "page": 3,
        }
        event = next(f for f in frames if f["type"] == "document.presented")
        for socket in (phone, projector):
            assert await socket.receive() == event
        assert event["seq"] == seqs[0] + 1
        assert event["presentation"]["page"] == 3
        assert event["presentation"]["alt"] == "Agenda page 3"

        await chair.send({"type": "document.stop", "ref": 2})
        frames = [await chair.receive(), await chair.receive()]
        stopped = next(f for f in frames if f["type"] == "document.presented")
        assert stopped["presentation"] is None
        assert (await phone.receive())["presentation"] is None


@socket_test
async def test_voters_cannot_present_unless_named(live_world: World) -> None:
    world = live_world
    version = await upload(world)
    voter = world.voters[0]
    participant = await sync_to_async(world.participant)(voter)
    message = {"type": "document.present", "document_id": version.document_id, "page": 2}
    async with await member_socket(world, voter) as phone:
        seq = (await phone.receive())["seq"]
        await phone.send({**message, "ref": "a"})
        error = await phone.receive()
        assert (error["type"], error["code"], error["ref"]) == ("error", "forbidden", "a")

        await sync_to_async(services.presenter_assign)(
            actor=world.chair, meeting=world.meeting, participant=participant
        )
        named = await phone.receive()
        assert named == {
            "type": "presenter.changed",
            "seq": seq + 1,
            "presenter": {"participant_id": participant.pk, "name": voter.full_name},
        }
        await phone.send({**message, "ref": "b"})
        frames = [await phone.receive(), await phone.receive()]
        assert {f["type"] for f in frames} == {"ack", "document.presented"}


@socket_test
async def test_bad_present_commands_are_refused(live_world: World) -> None:
    world = live_world
    version = await upload(world, pages=2)
    async with await member_socket(world, world.chair) as chair:
        await chair.receive()
        refusals: list[tuple[dict[str, Any], str]] = [
            ({"document_id": version.document_id, "page": 3}, "invalid"),
            ({"document_id": version.document_id, "page": "2"}, "invalid"),
            ({"document_id": version.document_id + 999, "page": 1}, "not_found"),
        ]
        for message, code in refusals:
            await chair.send({"type": "document.present", **message})
            error = await chair.receive()
            assert (error["type"], error["code"]) == ("error", code), message


@socket_test
async def test_an_upload_announces_the_new_list(live_world: World) -> None:
    world = live_world
    async with await member_socket(world, world.voters[1]) as phone:
        seq = (await phone.receive())["seq"]
        version = await upload(world, title="Budget")
        event = await phone.receive()
    assert event["type"] == "documents.changed"
    assert event["seq"] == seq + 1
    assert [d["current_version"]["key"] for d in event["documents"]] == [version.key]


@socket_test
async def test_rapid_flips_are_coalesced(live_world: World, monkeypatch: Any) -> None:
    """The first flip goes out at once; the flips during the interval after it
    become one event with the page the chair stopped on."""
    # Long enough that the next flips surely land inside the interval.
    monkeypatch.setattr(document_events, "PRESENT_INTERVAL", 2.0)
    world = live_world
    version = await upload(world, pages=6)
    document = version.document
    async with await member_socket(world, world.voters[0]) as phone:
        seq = (await phone.receive())["seq"]
        await present(actor=world.chair, meeting=world.meeting, document=document, page=2)
        first = await phone.receive()
        assert (first["seq"], first["presentation"]["page"]) == (seq + 1, 2)
        for page in (3, 4, 5, 6, 4):
            await present(actor=world.chair, meeting=world.meeting, document=document, page=page)
        last = await phone.receive()
        assert last["type"] == "document.presented"
        assert (last["seq"], last["presentation"]["page"]) == (seq + 2, 4)
        await phone.assert_open()  # and nothing else was queued before the pong


@pytest.mark.parametrize("documents", [0, 1, 5])
@pytest.mark.django_db
def test_snapshot_query_count_is_pinned(
    world: World, documents: int, django_assert_num_queries: Any
) -> None:
    """Constant, whatever the number of documents and versions."""
    for _ in range(documents):
        version = _upload(world, pages=2)
        services.document_upload(
            actor=world.chair, meeting=world.meeting, upload=pdf_upload(), document=version.document
        )
    expected = 2  # documents, the presentation row
    if documents:
        expected += 1  # the versions
        services.presenter_show(
            actor=world.chair, meeting=world.meeting, document=version.document, page=2
        )
        expected += 1  # the text of the page on show
    with django_assert_num_queries(expected):
        part = documents_snapshot(meeting_id=world.meeting.pk)
    assert len(part["documents"]) == documents
    assert all(len(d["versions"]) == 2 for d in part["documents"])
    assert (part["presentation"] is None) == (documents == 0)
