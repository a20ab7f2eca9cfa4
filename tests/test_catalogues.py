"""The translation catalogues: complete, placeholders intact, compiled by setup."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from meetings.management.commands.compile_catalogues import catalogues, compile_catalogue

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}")
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_string_is_translated(language: str, domain: str) -> None:
    path = Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / f"{domain}.po"
    catalogue = polib.pofile(str(path))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, f"{path}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{path}: {len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_translations_keep_their_placeholders(language: str, domain: str) -> None:
    path = Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / f"{domain}.po"
    broken = []
    for entry in polib.pofile(str(path)).translated_entries():
        if entry.msgid_plural:
            expected = placeholders(entry.msgid_plural) | placeholders(entry.msgid)
            for form in entry.msgstr_plural.values():
                if not placeholders(form) <= expected:
                    broken.append((entry.msgid, form))
        elif placeholders(entry.msgstr) != placeholders(entry.msgid):
            broken.append((entry.msgid, entry.msgstr))
    assert not broken, f"{path}: placeholders differ in {broken[:5]}"


def test_compiled_catalogues_translate(tmp_path: Path) -> None:
    """What the setup command writes is what Django reads."""
    source = next(po for po in catalogues() if po.parent.parent.name == "vi")
    copy = tmp_path / source.name
    copy.write_bytes(source.read_bytes())
    mo = polib.mofile(str(compile_catalogue(copy)))
    translated = polib.pofile(str(source)).translated_entries()
    assert translated and mo.find(translated[0].msgid) is not None


def test_setup_compiles_every_catalogue_and_django_uses_them() -> None:
    call_command("compile_catalogues")
    for po in catalogues():
        assert po.with_suffix(".mo").stat().st_mtime >= po.stat().st_mtime
    with translation.override("vi"):
        assert translation.gettext("Log in") != "Log in"
    with translation.override("ar"):
        assert translation.gettext("Log in") != "Log in"
        assert translation.get_language_bidi()


SOURCE_IGNORED = (".git", ".venv", "node_modules", "var", "media", "staticfiles", "tests", "bench")


@pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="xgettext (GNU gettext) is not installed"
)
def test_every_marked_string_is_in_the_catalogues(tmp_path: Path) -> None:
    """makemessages over a copy of the sources finds no marked string the catalogues lack.

    The tests above only see what is already in a catalogue; a new gettext() call
    nobody added to the .po files would otherwise show English to every reader.
    """
    base = Path(settings.BASE_DIR)
    copy = tmp_path / "src"
    shutil.copytree(
        base, copy, ignore=shutil.ignore_patterns(*SOURCE_IGNORED, "*.mo", "__pycache__")
    )
    for domain in ("django", "djangojs"):
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "makemessages",
                "-d",
                domain,
                *(f"-l{code}" for code in LANGUAGES),
            ],
            cwd=copy,
            env={**os.environ, "DEBUG": "1"},
            check=True,
            capture_output=True,
        )
    missing = []
    for language in LANGUAGES:
        for domain in ("django", "djangojs"):
            relative = Path("locale") / language / "LC_MESSAGES" / f"{domain}.po"
            have = {
                (e.msgctxt, e.msgid) for e in polib.pofile(str(base / relative)) if not e.obsolete
            }
            for entry in polib.pofile(str(copy / relative)):
                if not entry.obsolete and (entry.msgctxt, entry.msgid) not in have:
                    missing.append(f"{relative}: {entry.msgid[:60]!r} ({entry.occurrences[0][0]})")
    assert not missing, (
        f"{len(missing)} marked strings missing from the catalogues, e.g. {missing[:8]}"
    )
