"""PDFs made in the test, with fpdf2 and pypdf."""

from __future__ import annotations

import io

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter


def make_pdf(pages: int = 3, *, orientation: str = "portrait", title: str = "Agenda") -> bytes:
    """A PDF of `pages` A4 pages; page N reads "<title> page N" on its first line."""
    pdf = FPDF(orientation="L" if orientation == "landscape" else "P", format="A4")
    pdf.set_font("helvetica", size=28)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(text=f"{title} page {number}")
        pdf.ln(20)
        pdf.set_font("helvetica", size=14)
        pdf.multi_cell(w=0, text=f"Body text of page {number}.")
        pdf.set_font("helvetica", size=28)
    return bytes(pdf.output())


def encrypt(data: bytes, *, user_password: str = "secret", owner_password: str = "") -> bytes:
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password, owner_password=owner_password or None)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def one_page_pdf(width: float, height: float) -> bytes:
    """A minimal hand-written PDF (a few hundred bytes): one page of `width` x
    `height` points, filled with a colour. A 24 x 14,400 point page like this
    is how 455 bytes once took the server to 10 GB."""
    content = f"0 0 1 rg 0 0 {width:g} {height:g} re f".encode()
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        f"<</Type/Page/Parent 2 0 R/MediaBox[0 0 {width:g} {height:g}]/Contents 4 0 R>>".encode(),
        b"<</Length %d>>stream\n" % len(content) + content + b"\nendstream\n",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj" % number + body + b"endobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
