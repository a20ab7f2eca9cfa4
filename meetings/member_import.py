"""Parsing and checking a member CSV file. Writing is `services.members_import`."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

COLUMNS = ("member_number", "full_name", "phone", "email", "language", "weight")
REQUIRED_COLUMNS = ("member_number", "full_name")
MAX_ROWS = 20_000


@dataclass
class RowError:
    line: int
    column: str
    message: str


@dataclass
class ImportRow:
    line: int
    member_number: str
    full_name: str
    phone: str
    email: str
    language: str
    weight: Decimal


@dataclass
class ImportReport:
    dry_run: bool
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    created: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "rows": len(self.rows),
            "created": self.created,
            "errors": [asdict(e) for e in self.errors],
            "preview": [{**asdict(row), "weight": str(row.weight)} for row in self.rows[:50]],
        }


def decode(data: bytes | str) -> str:
    """The file as text. ValueError unless it is UTF-8 (a BOM is allowed).

    NUL characters are refused too: they mark UTF-16 or binary files, and
    PostgreSQL cannot store them.
    """
    if isinstance(data, str):
        text = data
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValueError(_("The file is not UTF-8 text.")) from exc
    if "\x00" in text:
        raise ValueError(_("The file is not UTF-8 text: it contains NUL characters."))
    return text.removeprefix("\ufeff")


# Longest value each column may hold (the model fields' max_length).
MAX_LENGTHS = {"member_number": 40, "full_name": 200, "phone": 40, "email": 254}


def _column_name(name: str | None) -> str:
    """'Member Number', 'member-number' and 'member_number' name the same column."""
    return "_".join((name or "").strip().lower().replace("-", " ").replace("_", " ").split())


def _check_header(fieldnames: Sequence[str] | None, report: ImportReport) -> list[str] | None:
    """The normalised header, or None (with the fault reported) if it is unusable."""
    if not fieldnames:
        report.errors.append(RowError(1, "", _("The file is empty.")))
        return None
    header = [_column_name(name) for name in fieldnames]
    expected = ", ".join(COLUMNS)
    missing = [col for col in REQUIRED_COLUMNS if col not in header]
    if missing:
        report.errors.append(
            RowError(
                1,
                ",".join(missing),
                ngettext(
                    "Missing column: %(missing)s. Expected columns: %(expected)s",
                    "Missing columns: %(missing)s. Expected columns: %(expected)s",
                    len(missing),
                )
                % {"missing": ", ".join(missing), "expected": expected},
            )
        )
    # A misspelt column ("wieght") would otherwise be dropped without a word.
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        report.errors.append(
            RowError(
                1,
                ",".join(unknown),
                ngettext(
                    "Unknown column: %(unknown)s. Expected columns: %(expected)s",
                    "Unknown columns: %(unknown)s. Expected columns: %(expected)s",
                    len(unknown),
                )
                % {"unknown": ", ".join(unknown), "expected": expected},
            )
        )
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        report.errors.append(
            RowError(
                1,
                ",".join(repeated),
                ngettext(
                    "Column given more than once: %(names)s",
                    "Columns given more than once: %(names)s",
                    len(repeated),
                )
                % {"names": ", ".join(repeated)},
            )
        )
    return None if report.errors else header


def parse(text: str, *, existing_numbers: set[str], report: ImportReport) -> None:
    """Read every row into `report.rows`, and every fault into `report.errors`."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = _check_header(reader.fieldnames, report)
        if header is None:
            return
        reader.fieldnames = header
        _parse_rows(reader, existing_numbers=existing_numbers, report=report)
    except csv.Error as exc:  # a NUL byte, an oversized field, ...
        report.errors.append(
            RowError(reader.line_num, "", _("The file is not valid CSV: %s") % exc)
        )


def _parse_rows(
    reader: csv.DictReader[str], *, existing_numbers: set[str], report: ImportReport
) -> None:
    languages = {code for code, _name in settings.LANGUAGES}
    seen: dict[str, int] = {}
    count = 0
    for record in reader:
        line = reader.line_num
        values = {col: (record.get(col) or "").strip() for col in COLUMNS}
        if not any(values.values()):
            continue  # blank line
        count += 1
        if count > MAX_ROWS:
            report.errors.append(RowError(line, "", _("At most %d rows per file.") % MAX_ROWS))
            return
        errors_before = len(report.errors)

        def fault(column: str, message: str, line: int = line) -> None:
            report.errors.append(RowError(line, column, message))

        number = values["member_number"]
        if not number:
            fault("member_number", _("The member number is missing."))
        elif number in seen:
            fault(
                "member_number",
                _("Member number %(n)s is also on line %(l)d.") % {"n": number, "l": seen[number]},
            )
        elif number in existing_numbers:
            fault("member_number", _("Member number %s is already in this union.") % number)
        else:
            seen[number] = line
        if not values["full_name"]:
            fault("full_name", _("The full name is missing."))
        for column, limit in MAX_LENGTHS.items():
            if len(values[column]) > limit:
                fault(
                    column,
                    _("%(column)s is longer than %(limit)d characters.")
                    % {"column": column, "limit": limit},
                )
        if values["email"]:
            try:
                validate_email(values["email"])
            except ValidationError:
                fault("email", _("%s is not a valid email address.") % values["email"])
        language = values["language"].lower() or settings.LANGUAGE_CODE
        if language not in languages:
            fault(
                "language",
                _("Unknown language %(lang)s; use one of %(all)s.")
                % {"lang": values["language"], "all": ", ".join(sorted(languages))},
            )
        weight = Decimal(1)
        if values["weight"]:
            try:
                weight = Decimal(values["weight"])
                if (
                    not weight.is_finite()
                    or weight < 0
                    or weight != weight.quantize(Decimal("0.0001"))
                    or weight >= Decimal(10) ** 8
                ):
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                fault(
                    "weight",
                    _("%s is not a valid weight (a number of zero or more, at most 4 decimals).")
                    % values["weight"],
                )
        if len(report.errors) == errors_before:
            report.rows.append(
                ImportRow(
                    line,
                    number,
                    values["full_name"],
                    values["phone"],
                    values["email"],
                    language,
                    weight,
                )
            )
