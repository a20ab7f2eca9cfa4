"""Motion texts as paragraphs, amendments applied to them, and hashes.

Pure functions (no database): the final text is a function of the submitted
text and the carried amendments, so anyone can recompute it and its SHA-256.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

_BLANK_LINES = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Change:
    """One paragraph change. Replace/delete name a paragraph (1-based) of the
    submitted text; insert puts its text after paragraph `paragraph` (0: first)."""

    action: str  # "replace" | "insert" | "delete"
    paragraph: int
    text: str = ""


def clean(text: str) -> str:
    """Line endings unified, paragraphs trimmed and separated by one blank line."""
    return "\n\n".join(paragraphs(text))


def paragraphs(text: str) -> list[str]:
    unified = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return [part.strip() for part in _BLANK_LINES.split(unified) if part.strip()]


def apply(text: str, changes: Iterable[Change]) -> str:
    """The text with the changes applied, in the order given. Two changes of
    the same paragraph are refused before they get here (services)."""
    original = paragraphs(text)
    replaced: dict[int, str | None] = {}
    inserted: dict[int, list[str]] = {}
    for change in changes:
        if change.action == "insert":
            inserted.setdefault(change.paragraph, []).append(change.text.strip())
        elif change.action == "delete":
            replaced[change.paragraph] = None
        else:
            replaced[change.paragraph] = change.text.strip()
    out = list(inserted.get(0, []))
    for number, paragraph in enumerate(original, start=1):
        new = replaced.get(number, paragraph)
        if new is not None:
            out.append(new)
        out.extend(inserted.get(number, []))
    return "\n\n".join(out)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
