"""PDF checks, text extraction and page rendering with pypdfium2.

PDFium is not thread-safe: every call into it holds one process-wide lock.
Nothing here touches the database or the storage.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from django.utils.translation import gettext as _
from PIL import Image

PDF_SIGNATURE = b"%PDF-"
# The signature may follow a little junk (some generators write a BOM or
# whitespace first); PDF readers look in the first 1024 bytes.
SIGNATURE_WINDOW = 1024
IMAGE_FORMAT = "WEBP"
IMAGE_MEDIA_TYPE = "image/webp"
IMAGE_QUALITY = 80

# Held around every PDFium call; also serialises page renders (services).
LOCK = threading.RLock()


class ImageSize(StrEnum):
    """Rendered widths: a phone screen, and a 1920x1080 projector."""

    PHONE = "phone"
    PROJECTOR = "projector"


# (maximum width, maximum height) in pixels; None: no limit.
BOXES: dict[ImageSize, tuple[int, int | None]] = {
    ImageSize.PHONE: (720, None),
    ImageSize.PROJECTOR: (1920, 1080),
}


class PdfProblem(Exception):
    """The upload is not a PDF we accept. `code` for machines, str() for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class PageInfo:
    width: float  # PDF points
    height: float
    text: str


@dataclass(frozen=True)
class PdfInfo:
    pages: list[PageInfo]

    @property
    def page_count(self) -> int:
        return len(self.pages)


@dataclass(frozen=True)
class RenderedPage:
    data: bytes
    width: int
    height: int


@contextmanager
def _open(data: bytes) -> Iterator[pdfium.PdfDocument]:
    with LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
                raise PdfProblem(
                    "encrypted",
                    _("This PDF is protected by a password. Upload it without encryption."),
                ) from exc
            raise PdfProblem(
                "broken", _("This PDF is damaged and cannot be read. Export it again.")
            ) from exc
        try:
            yield document
        finally:
            document.close()


def clean_text(text: str) -> str:
    """Page text as stored: Unix line ends, no NUL (PostgreSQL refuses it)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()


def inspect_pdf(data: bytes) -> PdfInfo:
    """Check the bytes are a readable, unencrypted PDF with pages, and read
    each page's size and text. Raises PdfProblem with a message for people."""
    if not data:
        raise PdfProblem("empty", _("The file is empty."))
    if PDF_SIGNATURE not in data[:SIGNATURE_WINDOW]:
        raise PdfProblem(
            "not_pdf", _("This file is not a PDF (whatever its name says). Upload a PDF file.")
        )
    with _open(data) as document:
        # Owner-password PDFs open without a password but still restrict
        # copying and printing: refused too, as the members get full copies.
        if pdfium_c.FPDF_GetSecurityHandlerRevision(document.raw) != -1:
            raise PdfProblem(
                "encrypted",
                _("This PDF is encrypted. Upload a copy saved without encryption or restrictions."),
            )
        pages = []
        for index in range(len(document)):
            page = document[index]
            try:
                width, height = page.get_size()
                textpage = page.get_textpage()
                try:
                    text = clean_text(textpage.get_text_range())
                finally:
                    textpage.close()
            finally:
                page.close()
            pages.append(PageInfo(width=float(width), height=float(height), text=text))
    if not pages:
        raise PdfProblem("no_pages", _("This PDF has no pages."))
    return PdfInfo(pages=pages)


def target_size(width: float, height: float, size: ImageSize) -> tuple[int, int]:
    """The pixel size of a page of `width` x `height` points rendered at `size`:
    as wide as the box allows, and no taller than its height limit."""
    max_width, max_height = BOXES[size]
    scale = max_width / width
    if max_height is not None and height * scale > max_height:
        scale = max_height / height
    return max(1, round(width * scale)), max(1, round(height * scale))


def render_page(data: bytes, number: int, size: ImageSize) -> RenderedPage:
    """Render page `number` (from 1) as a WebP image for `size`."""
    with _open(data) as document:
        page = document[number - 1]
        try:
            width, height = page.get_size()
            wanted = target_size(width, height, size)
            bitmap = page.render(scale=wanted[0] / width, may_draw_forms=True)
            image = bitmap.to_pil()
        finally:
            page.close()
    if image.size != wanted:  # PDFium rounds up; keep the promised size
        image = image.resize(wanted, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, IMAGE_FORMAT, quality=IMAGE_QUALITY, method=4)
    return RenderedPage(data=out.getvalue(), width=image.width, height=image.height)
