"""Fuzzing the REST API from its own OpenAPI schema (schemathesis), as an
anonymous visitor, a member and the chair: no answer is a server error, and
every answer matches the schema. Bounded (three derandomised generated examples
per operation and role, path ids pointing at a real meeting and its real
documents, motions, amendments, speeches, proxies and projector links) so
that the file takes about two minutes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from documents import services as document_services
from meetings import attendance, services
from motions import services as motion_services
from speakers import services as speaker_services
from tests.conftest import World, build_world
from tests.documents.pdfs import make_pdf
from voting import services as voting_services

schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())

CSRF_TOKEN = "f" * 32
ROLES = ["anonymous", "member", "chair"]


@dataclass
class FuzzWorld:
    world: World
    ids: dict[str, int | str]

    def path_value(self, name: str) -> int | str | None:
        """A real object's id for path parameter `name`, made on first use
        (a document upload costs a PDF parse: only for the operations that
        name one)."""
        if name not in self.ids and name in MAKERS:
            self.ids.update(MAKERS[name](self.world))
        return self.ids.get(name)


def make_document(world: World) -> dict[str, int | str]:
    upload = SimpleUploadedFile("budget.pdf", make_pdf(2, title="Budget"), "application/pdf")
    version = document_services.document_upload(
        actor=world.chair, meeting=world.meeting, upload=upload, title="Budget", public=True
    )
    return {"document_id": version.document_id, "key": version.key, "number": 1}


def make_amendment(world: World) -> dict[str, int | str]:
    motion = motion_services.motion_submit(
        actor=world.voters[0], meeting=world.meeting, title="Amended", text="First.\n\nSecond."
    )
    amendment = motion_services.amendment_submit(
        actor=world.voters[1], motion=motion, action="replace", paragraph=1, text="New first."
    )
    return {"amendment_id": amendment.pk}


def make_link(world: World) -> dict[str, int | str]:
    services.projector_link_create(actor=world.chair, meeting=world.meeting, label="Hall")
    links = services.projector_links_list(actor=world.chair, meeting=world.meeting)
    return {"link_id": links[0].pk}


def make_login_link(world: World) -> dict[str, int | str]:
    invitations = attendance.login_invitations_create(
        actor=world.chair,
        meeting=world.meeting,
        participant_ids=[world.participant(world.voters[1]).pk],
    )
    return {"login_link_id": invitations[0].login_token.pk}


def make_proxy(world: World) -> dict[str, int | str]:
    proxy = services.proxy_create(
        actor=world.chair,
        meeting=world.meeting,
        delegator=world.participant(world.voters[1]),
        delegate=world.participant(world.voters[0]),
    )
    return {"proxy_id": proxy.pk}


def make_speech(world: World) -> dict[str, int | str]:
    speech = speaker_services.speech_request(actor=world.voters[0], meeting=world.meeting)
    return {"speech_id": speech.pk}


MAKERS: dict[str, Callable[[World], dict[str, int | str]]] = {
    "document_id": make_document,
    "key": make_document,
    "number": make_document,
    "amendment_id": make_amendment,
    "link_id": make_link,
    "login_link_id": make_login_link,
    "proxy_id": make_proxy,
    "speech_id": make_speech,
}


def role_cookies(world: World, role: str) -> dict[str, str]:
    """Cookies of a logged-in session and a CSRF token (which the header
    repeats), so that writes reach the services, not only the CSRF check."""
    cookies = {settings.CSRF_COOKIE_NAME: CSRF_TOKEN}
    member = {"member": world.voters[0], "chair": world.chair}.get(role)
    if member is not None:
        client = Client()
        client.force_login(member)
        cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies


@pytest.fixture
def fuzz_world(db: Any, private_cache: None, media_root: Any) -> Any:
    # As Django's test client does: the request must not close the test's
    # database connection (it holds the test's transaction).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    world = build_world(voters=2, items=2)
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    poll = voting_services.poll_create(
        actor=world.chair, meeting=world.meeting, title="Adopt the budget?", kind="motion"
    )
    # Open, so that a member reaches the ballot box, board and turnout too.
    poll = voting_services.poll_open(actor=world.chair, poll=poll)
    motion = motion_services.motion_submit(
        actor=world.voters[0], meeting=world.meeting, title="A motion", text="Be it resolved."
    )
    ids: dict[str, int | str] = {
        "meeting_id": world.meeting.pk,
        "union_id": world.union.pk,
        "item_id": world.items[0].pk,
        "participant_id": world.participant(world.voters[1]).pk,
        "poll_id": poll.pk,
        "motion_id": motion.pk,
    }
    yield FuzzWorld(world, ids)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@hypothesis_settings(
    max_examples=3,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_per_its_schema(case: Any, role: str, fuzz_world: FuzzWorld) -> None:
    # Random ids would only ever meet 404s: aim at the real meeting's objects.
    for name in case.path_parameters or {}:
        # Two kinds of link share the parameter's name.
        kind = "login_link_id" if name == "link_id" and "/login-links/" in case.path else name
        value = fuzz_world.path_value(kind)
        if value is not None:
            case.path_parameters[name] = value
    case.call_and_validate(
        # The WSGI transport does not undo the app's gzip; ask for plain bodies.
        headers={"X-CSRFToken": CSRF_TOKEN, "Accept-Encoding": "identity"},
        cookies=role_cookies(fuzz_world.world, role),
        checks=[not_a_server_error, response_schema_conformance],
    )
