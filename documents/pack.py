"""The meeting pack: every document's current version in one ZIP, with a
manifest of titles, versions and SHA-256 hashes (JSON, and SHA256SUMS for
`sha256sum -c`)."""

from __future__ import annotations

import json
import tempfile
import zipfile
from typing import IO, Any

from django.utils import timezone
from django.utils.text import slugify

from documents.selectors import pack_documents
from meetings.models import Meeting

IN_MEMORY_UP_TO = 16 * 1024 * 1024


def file_name(title: str, number: int) -> str:
    return f"{slugify(title)[:80] or 'document'}-v{number}.pdf"


def build(meeting: Meeting) -> IO[bytes]:
    """The ZIP, rewound, in memory up to 16 MB and in a temporary file beyond.
    The caller checked the reader may read the meeting's documents."""
    entries: list[dict[str, Any]] = []
    used: set[str] = set()
    buffer: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_UP_TO)  # noqa: SIM115
    # PDFs are compressed already: stored, not deflated.
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for index, (document, version) in enumerate(pack_documents(meeting), start=1):
            name = f"{index:02d}-{file_name(document.title, version.number)}"
            while name in used:
                name = f"{index:02d}-{name}"
            used.add(name)
            with version.file.open("rb") as handle:
                archive.writestr(name, handle.read())
            entries.append(
                {
                    "file": name,
                    "title": document.title,
                    "document_id": document.pk,
                    "agenda_item": document.agenda_item.title if document.agenda_item else None,
                    "version": version.number,
                    "sha256": version.sha256,
                    "size": version.size,
                    "page_count": version.page_count,
                    "uploaded_at": version.uploaded_at.isoformat(),
                }
            )
        manifest = {
            "meeting": {"id": meeting.pk, "title": meeting.title},
            "generated_at": timezone.now().isoformat(),
            "documents": entries,
        }
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        archive.writestr("SHA256SUMS", "".join(f"{e['sha256']}  {e['file']}\n" for e in entries))
    buffer.seek(0)
    return buffer
