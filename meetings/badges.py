"""The printable badge sheet: A4, eight badges a page (name, member number,
meeting, QR code of the badge URL), cut lines between them.

Names need a Unicode font (Vietnamese, Arabic): the first TrueType font found
in FONT_CANDIDATES is embedded; without one, letters outside Latin-1 lose
their accents (a warning is logged). Arabic letters are joined only where
uharfbuzz is installed (fpdf2's text shaping).
"""

from __future__ import annotations

import importlib.util
import io
import logging
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from fpdf import FPDF

from meetings import checkin
from meetings.attendance_selectors import BadgeRow
from meetings.models import Meeting

logger = logging.getLogger(__name__)
# fontTools logs every glyph it keeps when fpdf2 subsets the font, at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
)
COLUMNS, ROWS = 2, 4
MARGIN = 10.0
QR_MM = 38.0


def _font_path(paths: Sequence[str]) -> Path | None:
    return next((Path(p) for p in paths if p and Path(p).is_file()), None)


def _latin1(text: str) -> str:
    """Best effort without a Unicode font: drop accents, keep the letters."""
    text = text.replace("đ", "d").replace("Đ", "D")
    folded = unicodedata.normalize("NFKD", text)
    return (
        "".join(c for c in folded if not unicodedata.combining(c))
        .encode("latin-1", "replace")
        .decode("latin-1")
    )


def badges_pdf(
    *,
    meeting: Meeting,
    rows: Sequence[BadgeRow],
    url_for: Callable[[str], str],
    font_paths: Sequence[str] = FONT_CANDIDATES,
) -> bytes:
    """The sheet for `rows`; `url_for(token)` gives the URL each QR code holds."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_title(f"{meeting.title}: badges")
    font = _font_path(font_paths)
    if font is not None:
        pdf.add_font("badge", "", str(font))
        family, clean = "badge", (lambda text: text)
        if importlib.util.find_spec("uharfbuzz") is not None:
            pdf.set_text_shaping(True)  # joined Arabic letters, right to left
    else:
        logger.warning("No Unicode font found for badges; accents are dropped")
        family, clean = "helvetica", _latin1
    width = (pdf.w - 2 * MARGIN) / COLUMNS
    height = (pdf.h - 2 * MARGIN) / ROWS
    if not rows:
        pdf.add_page()
        pdf.set_font(family, size=14)
        pdf.cell(0, 10, clean(meeting.title))
    for index, row in enumerate(rows):
        slot = index % (COLUMNS * ROWS)
        if slot == 0:
            pdf.add_page()
        x = MARGIN + (slot % COLUMNS) * width
        y = MARGIN + (slot // COLUMNS) * height
        pdf.set_draw_color(180, 180, 180)
        pdf.set_dash_pattern(dash=1, gap=1)
        pdf.rect(x, y, width, height)
        pdf.set_dash_pattern()
        png = checkin.qr_png(url_for(row.token), box_size=6)
        pdf.image(io.BytesIO(png), x=x + width - QR_MM - 4, y=y + (height - QR_MM) / 2, w=QR_MM)
        text_width = width - QR_MM - 12
        pdf.set_xy(x + 5, y + 8)
        pdf.set_font(family, size=8)
        pdf.set_text_color(90, 90, 90)
        pdf.multi_cell(text_width, 4, clean(meeting.title), align="L")
        pdf.set_xy(x + 5, y + 24)
        pdf.set_font(family, size=15)
        pdf.set_text_color(0, 0, 0)
        pdf.multi_cell(text_width, 7, clean(row.participant.member.full_name), align="L")
        pdf.set_x(x + 5)
        pdf.set_font(family, size=11)
        number = row.participant.member.member_number
        if number:
            pdf.multi_cell(text_width, 6, clean(number), align="L")
    return bytes(pdf.output())
