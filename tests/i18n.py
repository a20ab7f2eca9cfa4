"""Compiled translation catalogues for tests that check translated text.

`make install` compiles them; a test run straight after editing a .po file
gets them compiled here, and this process's translation caches dropped.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils.translation import gettext, override
from django.utils.translation.reloader import translation_file_changed


@pytest.fixture(scope="session")
def catalogues() -> Iterator[None]:
    out = io.StringIO()
    call_command("compile_catalogues", stdout=out)
    if out.getvalue().strip():
        translation_file_changed(sender=None, file_path=Path("catalogue.mo"))
    yield


def in_language(text: str, language: str) -> str:
    """`text` as the catalogue of `language` has it (itself while untranslated)."""
    with override(language):
        return gettext(text)


def translated(text: str, language: str) -> str:
    """`text` in `language`, checked to be a real translation."""
    result = in_language(text, language)
    assert result != text, f"{text!r} has no {language} translation in the catalogue"
    return result
