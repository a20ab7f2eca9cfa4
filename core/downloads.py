"""Files the API hands out: CSV built spreadsheet-safe, and the download
response every app uses.

CSV files are UTF-8 with a byte order mark, so that Excel shows Vietnamese
and Arabic names right, and cells a spreadsheet would run as a formula are
defused with a leading quote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CsvFile:
    filename: str
    content: bytes


def cell(value: Any) -> str:
    """A value as spreadsheet-safe text: a name such as "=HYPERLINK(...)" is
    not run as a formula."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def local_time(value: Any, zone: tzinfo | None = None) -> str:
    """A time for a CSV cell: ISO 8601 in `zone` (the meeting's), with its UTC
    offset, so a spreadsheet read anywhere means the same instant."""
    return timezone.localtime(value, zone).isoformat(timespec="seconds") if value else ""


def render_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([cell(h) for h in header])
    writer.writerows([cell(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def download(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    """An attachment that no cache keeps."""
    return HttpResponse(
        content,
        content_type=content_type,
        headers={
            "Content-Disposition": content_disposition_header(
                as_attachment=True, filename=filename
            ),
            "Cache-Control": "no-store",
        },
    )


def csv_download(csv_file: CsvFile) -> HttpResponse:
    return download(
        csv_file.content, filename=csv_file.filename, content_type="text/csv; charset=utf-8"
    )
