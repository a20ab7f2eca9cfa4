"""The demo meeting's agenda pack: a generated five-page PDF (for seed_demo).

English text in fpdf2's core font (Latin-1), so no font file is needed.
"""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from fpdf import FPDF

from documents import services
from documents.models import Document, DocumentVersion
from meetings.models import Meeting, Member

DEMO_TITLE = "Agenda pack"


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def agenda_pdf(meeting: Meeting) -> bytes:
    """Cover, agenda, and one page each for three items: five pages."""
    items = list(meeting.agenda_items.order_by("position", "pk"))
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_title(_latin1(f"{meeting.title}: {DEMO_TITLE}"))

    def page(heading: str, paragraphs: list[str]) -> None:
        pdf.add_page()
        pdf.set_font("helvetica", "B", 24)
        pdf.multi_cell(w=0, h=12, text=_latin1(heading))
        pdf.ln(6)
        pdf.set_font("helvetica", size=13)
        for paragraph in paragraphs:
            pdf.multi_cell(w=0, h=7, text=_latin1(paragraph))
            pdf.ln(4)

    page(
        f"{meeting.title}",
        [
            meeting.union.name,
            f"{meeting.starts_at:%d %B %Y, %H:%M} ({meeting.starts_at:%Z})",
            meeting.location,
            "Agenda pack for members. Check the SHA-256 shown in the app to be sure "
            "you hold the same text as everyone else.",
        ],
    )
    page("Agenda", [f"{item.position}. {item.title}" for item in items] or ["(empty)"])
    details = [
        (
            "Report of the executive committee",
            [
                "Bargaining: two rounds with management; the night-shift allowance "
                "rose from 30% to 35%.",
                "Grievances: 41 handled, 33 resolved at the first step.",
                "Training: 6 courses on health and safety, 118 members attended.",
            ],
        ),
        (
            "Financial report",
            [
                "Income from dues: 412,500,000 VND (2025: 388,000,000).",
                "Spending: 301,200,000 VND, of which 95,000,000 on member support.",
                "Strike fund at year end: 610,000,000 VND.",
                "The auditors found the accounts true and fair.",
            ],
        ),
        (
            "Bargaining priorities",
            [
                "1. Wages: at least the regional minimum plus 12%.",
                "2. Overtime paid at 150% on weekdays, 200% on rest days.",
                "3. Shift allowances for every night shift, not only full weeks.",
                "4. A joint health and safety committee with elected members.",
            ],
        ),
    ]
    for heading, paragraphs in details:
        page(heading, paragraphs)
    out = io.BytesIO()
    pdf.output(out)
    return out.getvalue()


def attach_demo_agenda(*, actor: Member, meeting: Meeting) -> DocumentVersion:
    """Upload the agenda pack to the meeting (first agenda item), through the
    upload service, unless the meeting has it already."""
    existing = (
        Document.objects.filter(meeting=meeting, title=DEMO_TITLE)
        .select_related("current_version")
        .first()
    )
    if existing is not None and existing.current_version is not None:
        return existing.current_version
    first_item = meeting.agenda_items.order_by("position", "pk").first()
    upload = SimpleUploadedFile("agenda-pack.pdf", agenda_pdf(meeting), "application/pdf")
    return services.document_upload(
        actor=actor,
        meeting=meeting,
        upload=upload,
        title=DEMO_TITLE,
        agenda_item_id=first_item.pk if first_item else None,
        document=existing,
    )
