"""The migration that brought audit format 3 leaves polls already opened in
format 2: their ballots were signed with their weights."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from tests.conftest import World
from tests.voting.conftest import PollMaker
from voting.models import Poll

pytestmark = pytest.mark.django_db

migration = importlib.import_module("voting.migrations.0004_poll_record_format")


def test_opened_polls_keep_format_2_and_drafts_open_in_format_3(
    live_world: World, make_poll: PollMaker
) -> None:
    opened = make_poll(title="Opened before the upgrade")
    draft = make_poll(open_=False, title="Still a draft")
    assert {opened.record_format, draft.record_format} == {3}
    migration.earlier_polls_keep_format_2(apps, None)
    assert Poll.objects.get(pk=opened.pk).record_format == 2
    assert Poll.objects.get(pk=draft.pk).record_format == 3
