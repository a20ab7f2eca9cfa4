"""Documents fixtures: a private MEDIA_ROOT per test, helpers to upload."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from documents import services
from documents.models import Document, DocumentPage, DocumentVersion, PageNote, Presentation
from meetings.models import Member
from tests.conftest import World
from tests.documents.pdfs import make_pdf

# The socket tests' fixtures (Redis layer under CI, a live meeting).
from tests.live.test_consumer import live_world, socket_layer  # noqa: F401


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def row_counts() -> dict[str, int]:
    models = (Document, DocumentVersion, DocumentPage, PageNote, Presentation)
    return {model.__name__: model.objects.count() for model in models}


def pdf_upload(data: bytes | None = None, name: str = "agenda.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_pdf() if data is None else data, "application/pdf")


UploadFn = Callable[..., DocumentVersion]


@pytest.fixture
def upload(world: World) -> UploadFn:
    """Upload a PDF to the world's meeting as its chair."""

    def run(
        data: bytes | None = None,
        *,
        actor: Member | None = None,
        title: str = "Agenda",
        public: bool = False,
        **kwargs: Any,
    ) -> DocumentVersion:
        return services.document_upload(
            actor=actor or world.chair,
            meeting=world.meeting,
            upload=pdf_upload(data),
            title=title,
            public=public,
            **kwargs,
        )

    return run
