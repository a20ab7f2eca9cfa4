"""Polls are read-only in the admin, drafts included: no service edits a
draft's wording in place, and a draft is cancelled (logged), not deleted."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from meetings.models import MeetingEvent
from tests.admin_pages import admin, superuser
from tests.conftest import World
from tests.voting.conftest import PollMaker
from voting.models import Poll

__all__ = ["admin", "superuser"]  # fixtures

pytestmark = pytest.mark.django_db


def test_a_draft_poll_cannot_be_reworded_or_deleted(
    live_world: World, make_poll: PollMaker, admin: Client
) -> None:
    draft = make_poll(open_=False, description="As proposed")
    acts = MeetingEvent.objects.count()
    change = reverse("admin:voting_poll_change", args=[draft.pk])
    page = admin.get(change)
    assert page.status_code == 200
    assert b'name="title"' not in page.content and b'name="_save"' not in page.content

    forged = {"title": "Another question", "description": "Changed", "state": "open"}
    assert admin.post(change, forged).status_code == 403
    delete = reverse("admin:voting_poll_delete", args=[draft.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 403
    draft.refresh_from_db()
    assert (draft.title, draft.description, draft.state) == (
        "Adopt the budget?",
        "As proposed",
        Poll.State.DRAFT,
    )
    assert MeetingEvent.objects.count() == acts
