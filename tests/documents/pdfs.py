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
