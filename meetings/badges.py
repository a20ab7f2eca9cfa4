"""The printable badge sheet: A4, eight badges a page (name, member number,
meeting, QR code of the badge URL), cut lines between them. Labels are in the
language of the request (the member's preference); for a right-to-left
language the badge is mirrored: QR code on the left, text aligned right.

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

from django.utils import translation
from django.utils.translation import gettext as _
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
    pdf.set_title(_("%(meeting)s: badges") % {"meeting": meeting.title})
    pdf.set_lang(translation.get_language() or "en")
    rtl = translation.get_language_bidi()
    align = "R" if rtl else "L"
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
        pdf.multi_cell(0, 10, clean(meeting.title), align=align)
        pdf.set_font(family, size=11)
        pdf.multi_cell(0, 8, clean(_("No participants: no badges to print.")), align=align)
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
        qr_x = x + 4 if rtl else x + width - QR_MM - 4
        qr_y = y + (height - QR_MM) / 2
        pdf.image(io.BytesIO(png), x=qr_x, y=qr_y, w=QR_MM)
        pdf.set_xy(qr_x, qr_y + QR_MM)
        pdf.set_font(family, size=7)
        pdf.set_text_color(90, 90, 90)
        pdf.multi_cell(QR_MM, 3.5, clean(_("Scan at the door to check in")), align="C")
        text_width = width - QR_MM - 12
        text_x = x + QR_MM + 7 if rtl else x + 5
        pdf.set_xy(text_x, y + 8)
        pdf.set_font(family, size=8)
        pdf.multi_cell(text_width, 4, clean(meeting.title), align=align)
        pdf.set_xy(text_x, y + 24)
        pdf.set_font(family, size=15)
        pdf.set_text_color(0, 0, 0)
        pdf.multi_cell(text_width, 7, clean(row.participant.member.full_name), align=align)
        number = row.participant.member.member_number
        if number:
            pdf.set_x(text_x)
            pdf.set_font(family, size=8)
            pdf.set_text_color(90, 90, 90)
            pdf.multi_cell(text_width, 5, clean(_("Member number")), align=align)
            pdf.set_x(text_x)
            pdf.set_font(family, size=11)
            pdf.set_text_color(0, 0, 0)
            pdf.multi_cell(text_width, 6, clean(number), align=align)
    return bytes(pdf.output())
