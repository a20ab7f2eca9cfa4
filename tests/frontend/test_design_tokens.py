"""The design tokens (frontend/static/frontend/tokens.css): text colours keep
their contrast (4.5:1 on the page, 7:1 on the projector), and the other
stylesheets take their colours from the tokens instead of writing their own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "frontend" / "static" / "frontend"
TOKENS = STATIC / "tokens.css"
COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?)\(")

# (text token, background token, least ratio)
PAIRS = [
    *[(ink, "paper", 4.5) for ink in ("ink", "muted", "brand", "danger", "now", "warn")],
    *[(ink, "paper", 4.5) for ink in ("insert", "delete")],
    ("muted", "wash", 4.5),
    ("brand", "brand-wash", 4.5),
    ("danger", "danger-wash", 4.5),
    ("now", "now-wash", 4.5),
    ("ink", "warn-wash", 4.5),
    ("brand-ink", "brand", 4.5),
    ("paper", "now", 4.5),
    *[
        (ink, "stage-paper", 7.0)
        for ink in (
            "stage-ink",
            "stage-soft",
            "stage-accent",
            "stage-warn",
            "stage-bad",
            "stage-insert",
            "stage-delete",
        )
    ],
    ("stage-soft", "stage-bar", 7.0),
]


def tokens() -> dict[str, str]:
    text = TOKENS.read_text()
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", text))


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize(("ink", "paper", "least"), PAIRS)
def test_text_tokens_keep_their_contrast(ink: str, paper: str, least: float) -> None:
    colours = tokens()
    ratio = contrast(colours[ink], colours[paper])
    assert ratio >= least, f"--{ink} on --{paper}: {ratio:.2f}:1, below {least}:1"


def test_stylesheets_take_colours_from_the_tokens() -> None:
    written = {
        sheet.name: COLOUR.findall(sheet.read_text())
        for sheet in STATIC.glob("*.css")
        if sheet != TOKENS
    }
    assert {name: found for name, found in written.items() if found} == {}


def test_every_page_loads_the_tokens_first() -> None:
    base = (STATIC.parents[1] / "templates" / "frontend" / "base.html").read_text()
    assert base.index("frontend/tokens.css") < base.index("frontend/app.css")
