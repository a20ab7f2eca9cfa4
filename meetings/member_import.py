"""Parsing and checking a member CSV file. Writing is `services.members_import`."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

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
            "preview": [
                {**asdict(row), "weight": str(row.weight)} for row in self.rows[:50]
            ],
        }


def decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(_("The file is not UTF-8 text.")) from exc


def parse(text: str, *, existing_numbers: set[str], report: ImportReport) -> None:
    """Read every row into `report.rows`, and every fault into `report.errors`."""
    reader = csv.DictReader(io.StringIO(text))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [col for col in REQUIRED_COLUMNS if col not in header]
    if missing:
        report.errors.append(
            RowError(1, ",".join(missing), _("Missing column(s): %s. Expected columns: %s")
                     % (", ".join(missing), ", ".join(COLUMNS)))
        )
        return
    reader.fieldnames = header
    languages = {code for code, _name in settings.LANGUAGES}
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if len(report.rows) >= MAX_ROWS:
            report.errors.append(RowError(line, "", _("At most %d rows per file.") % MAX_ROWS))
            return
        values = {col: (record.get(col) or "").strip() for col in COLUMNS}
        if not any(values.values()):
            continue  # blank line
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
        if values["email"]:
            try:
                validate_email(values["email"])
            except ValidationError:
                fault("email", _("%s is not a valid email address.") % values["email"])
        language = values["language"].lower() or settings.LANGUAGE_CODE
        if language not in languages:
            fault("language", _("Unknown language %(lang)s; use one of %(all)s.")
                  % {"lang": values["language"], "all": ", ".join(sorted(languages))})
        weight = Decimal(1)
        if values["weight"]:
            try:
                weight = Decimal(values["weight"])
                if not weight.is_finite() or weight < 0 or weight != weight.quantize(
                    Decimal("0.0001")
                ) or weight >= Decimal(10) ** 8:
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                fault("weight", _("%s is not a valid weight (a number of zero or more, "
                                  "at most 4 decimals).") % values["weight"])
        if len(report.errors) == errors_before:
            report.rows.append(
                ImportRow(line, number, values["full_name"], values["phone"],
                          values["email"], language, weight)
            )
