"""`seed_demo` attaches a generated agenda pack, once."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from documents.demo import DEMO_TITLE
from documents.models import Document, DocumentPage, DocumentVersion
from tests.documents.conftest import stored_files

pytestmark = pytest.mark.django_db


def test_seed_demo_attaches_a_five_page_agenda_once(settings: Any, media_root: Path) -> None:
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=StringIO())
    document = Document.objects.get(title=DEMO_TITLE)
    assert document.agenda_item is not None and document.agenda_item.position == 1
    version = document.current_version
    assert version is not None and version.page_count == 5
    texts = list(
        DocumentPage.objects.filter(version=version)
        .order_by("number")
        .values_list("text", flat=True)
    )
    assert texts[1].startswith("Agenda")
    assert "Financial report" in texts[3]

    call_command("seed_demo", stdout=StringIO())
    assert DocumentVersion.objects.count() == 1
    assert len(stored_files(media_root)) == 1
