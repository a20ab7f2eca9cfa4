"""Driving the Django admin as a browser does, and recording what a change
leaves behind: the meeting log's new acts and the socket frames sent."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import Max
from django.test import Client

from meetings.models import MeetingEvent, Member
from tests.factories import MemberFactory


@pytest.fixture
def superuser(db: None) -> Member:
    return MemberFactory.create(full_name="Admin Lê", is_staff=True, is_superuser=True)


@pytest.fixture
def admin(superuser: Member) -> Client:
    """The test client, signed in to the admin as a superuser."""
    client = Client()
    client.force_login(superuser)
    return client


class _FormFields(HTMLParser):
    """The name/value pairs a browser submits from the form with `form_id`."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.pairs: list[tuple[str, str]] = []
        self.select: tuple[str, bool] | None = None
        self.options: list[str] = []
        self.chosen: list[str] = []
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        if not self.inside or "disabled" in a:
            return
        name = a.get("name") or ""
        if tag == "input" and name:
            kind = a.get("type") or "text"
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.pairs.append((name, a.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self.select, self.options, self.chosen = (name, "multiple" in a), [], []
        elif tag == "option" and self.select is not None:
            value = a.get("value") or ""
            self.options.append(value)
            if "selected" in a:
                self.chosen.append(value)
        elif tag == "textarea" and name:
            self.textarea, self.text = name, ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            name, multiple = self.select
            values = self.chosen or ([] if multiple or not self.options else self.options[:1])
            self.pairs.extend((name, value) for value in values)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.pairs.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None


def form_data(client: Client, url: str) -> dict[str, Any]:
    """What the admin page at `url` would post if saved unchanged."""
    response = client.get(url)
    assert response.status_code == 200, url
    opts = response.context["opts"]
    parser = _FormFields(f"{opts.model_name}_form")
    parser.feed(response.content.decode())
    data: dict[str, Any] = {}
    for name, value in parser.pairs:
        data.setdefault(name, []).append(value)
    return {name: values[0] if len(values) == 1 else values for name, values in data.items()}


@dataclass
class Trace:
    """What one change left: new log acts (action, actor's name, data) and the
    frames sent (group, decoded message), in order."""

    acts: list[tuple[str, str, dict[str, Any]]]
    frames: list[tuple[str, dict[str, Any]]]


class Recorder:
    """Records the frames every channel layer send carries, and the meeting
    log's new acts, around a change."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capture: Any) -> None:
        self.capture = capture
        self.frames: list[tuple[str, dict[str, Any]]] = []
        layer = get_channel_layer()

        async def group_send(group: str, message: dict[str, Any]) -> None:
            self.frames.append((group, json.loads(message["text"])))

        monkeypatch.setattr(layer, "group_send", group_send)

    def trace(self, change: Callable[[], Any]) -> Trace:
        """Run `change` and send what it queued for after commit."""
        last = MeetingEvent.objects.aggregate(n=Max("pk"))["n"] or 0
        self.frames.clear()
        with self.capture(execute=True):
            change()
        acts = [
            (event.action, event.actor_name, event.data)
            for event in MeetingEvent.objects.filter(pk__gt=last).order_by("pk")
        ]
        return Trace(acts, list(self.frames))

    def trace_undone(self, change: Callable[[], Any]) -> Trace:
        """As trace(), then roll the change back: what calling the service
        directly leaves, with the database as it was before."""
        with transaction.atomic():
            trace = self.trace(change)
            transaction.set_rollback(True)
        return trace


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any) -> Recorder:
    return Recorder(monkeypatch, django_capture_on_commit_callbacks)
