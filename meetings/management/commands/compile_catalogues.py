"""Compile the translation catalogues (locale/*/LC_MESSAGES/*.po) into .mo files.

Django's own `compilemessages` needs GNU gettext's msgfmt, which a fresh
machine may lack; polib writes the same .mo files in pure Python. A catalogue
whose .mo is newer than its .po is left alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def catalogues() -> list[Path]:
    return sorted(
        po for folder in settings.LOCALE_PATHS for po in Path(folder).glob("*/LC_MESSAGES/*.po")
    )


def compile_catalogue(po_path: Path) -> Path:
    """Write `po_path`'s .mo beside it; fuzzy entries are left out, as msgfmt does."""
    mo_path = po_path.with_suffix(".mo")
    catalogue = polib.pofile(str(po_path))
    for entry in catalogue.fuzzy_entries():
        entry.obsolete = True  # save_as_mofile skips obsolete entries
    catalogue.save_as_mofile(str(mo_path))
    return mo_path


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po into .mo files (no gettext tools needed)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="compile even if up to date")

    def handle(self, *args: Any, **options: Any) -> None:
        found = catalogues()
        if not found:
            raise CommandError("No catalogues found under LOCALE_PATHS.")
        for po_path in found:
            mo_path = po_path.with_suffix(".mo")
            if (
                not options["force"]
                and mo_path.exists()
                and mo_path.stat().st_mtime >= po_path.stat().st_mtime
            ):
                continue
            try:
                compile_catalogue(po_path)
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot compile {po_path}: {exc}") from exc
            self.stdout.write(f"compiled {po_path.relative_to(settings.BASE_DIR)}")
