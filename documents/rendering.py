"""PDF checks, text extraction and page rendering with pypdfium2.

PDFium is not thread-safe: every call into it holds one process-wide lock.
Nothing here touches the database or the storage.
"""

from __future__ import annotations

import io
import math
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

# Held around every PDFium call, and only there: never across the image's
# resizing and encoding, nor a failure after PDFium returned.
LOCK = threading.RLock()


class ImageSize(StrEnum):
    """Rendered widths: a phone screen, and a 1920x1080 projector."""

    PHONE = "phone"
    PROJECTOR = "projector"


# (maximum width, maximum height) in pixels. A phone scrolls down a page, so
# its box is tall; a page taller than that (a banner, a till roll: one of
# 24 x 14,400 points at phone width would be 720 x 432,000 px, 1.2 GB of
# bitmap) is scaled down to fit, however narrow it then gets.
BOXES: dict[ImageSize, tuple[int, int]] = {
    ImageSize.PHONE: (720, 4096),
    ImageSize.PROJECTOR: (1920, 1080),
}
# Whatever the box: no side beyond this (WebP's own limit is 16,383) and no
# image beyond this many pixels (about 12 MB of bitmap at 4 bytes a pixel).
MAX_SIDE = 4096
MAX_PIXELS = 3_000_000


class RenderFailed(Exception):
    """PDFium or the image encoder could not render a page."""


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


def target_scale(width: float, height: float, size: ImageSize) -> float:
    """Pixels per point for a page of `width` x `height` points at `size`: as
    wide as the box allows, scaled down until it fits the box's height, the
    longest side allowed and the pixel budget."""
    if not (width > 0 and height > 0 and math.isfinite(width) and math.isfinite(height)):
        raise RenderFailed(f"page size {width} x {height} points")
    max_width, max_height = BOXES[size]
    return min(
        max_width / width,
        min(max_height, MAX_SIDE) / height,
        MAX_SIDE / width,
        math.sqrt(MAX_PIXELS / (width * height)),
    )


def target_size(width: float, height: float, size: ImageSize) -> tuple[int, int]:
    """The pixel size of a page of `width` x `height` points rendered at `size`
    (never more than MAX_SIDE a side nor MAX_PIXELS in all)."""
    scale = target_scale(width, height, size)
    wanted_width = min(MAX_SIDE, max(1, round(width * scale)))
    wanted_height = min(MAX_SIDE, max(1, round(height * scale)))
    return wanted_width, wanted_height


def render_page(data: bytes, number: int, size: ImageSize) -> RenderedPage:
    """Render page `number` (from 1) as a WebP image for `size`.

    Raises RenderFailed when PDFium or the encoder cannot. PDFium runs under
    LOCK; the resizing and encoding (and any failure there) run after it is
    released."""
    try:
        with _open(data) as document:
            page = document[number - 1]
            try:
                width, height = page.get_size()
                wanted = target_size(width, height, size)
                scale = target_scale(width, height, size)
                bitmap = page.render(scale=scale, may_draw_forms=True)
                try:
                    image = bitmap.to_pil().copy()  # our own copy: the bitmap is freed now
                finally:
                    bitmap.close()
            finally:
                page.close()
    except (PdfProblem, pdfium.PdfiumError, IndexError) as exc:
        raise RenderFailed(str(exc)) from exc
    try:
        if image.size != wanted:  # PDFium rounds up; keep the promised size
            image = image.resize(wanted, Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, IMAGE_FORMAT, quality=IMAGE_QUALITY, method=4)
    except (OSError, ValueError) as exc:
        raise RenderFailed(str(exc)) from exc
    return RenderedPage(data=out.getvalue(), width=image.width, height=image.height)
