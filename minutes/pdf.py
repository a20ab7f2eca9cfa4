"""The minutes as an A4 PDF, with fpdf2 (as the badge sheet, meetings.badges).

Text is in the active language (the caller overrides it with the meeting's);
Vietnamese and Arabic need the Unicode font (DejaVu Sans, embedded, subset)
and Arabic needs uharfbuzz for joined letters. In a right-to-left language
the text is aligned right and table columns run from the right. Every page
carries the meeting, the page number, and (until finalised) "Draft".

Why fpdf2 and not an HTML-to-PDF library: docs/minutes.md.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence

from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from meetings.badges import FONT_CANDIDATES, _font_path, _latin1
from minutes.selectors import MinutesDoc, MotionLine, PollLine

MARGIN = 15.0
GREY = (90, 90, 90)


def _as_is(text: str) -> str:
    return text


class _Pdf(FPDF):
    footer_text = ""
    rtl = False
    family = "helvetica"

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, size=8)
        self.set_text_color(*GREY)
        page = _("Page %(number)s") % {"number": self.page_no()}
        # Page first in a right-to-left page: its words set the line's direction.
        line = f"{page} · {self.footer_text}" if self.rtl else f"{self.footer_text} · {page}"
        self.cell(0, 5, line, align="R" if self.rtl else "L")
        self.set_text_color(0, 0, 0)


class _Writer:
    def __init__(self, doc: MinutesDoc, font_paths: Sequence[str]) -> None:
        self.pdf = _Pdf(format="A4", unit="mm")
        self.rtl = translation.get_language_bidi()
        self.align = "R" if self.rtl else "L"
        pdf = self.pdf
        pdf.rtl = self.rtl
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(True, margin=18)
        pdf.set_title(_("Minutes: %(meeting)s") % {"meeting": doc.title})
        pdf.set_lang(translation.get_language() or "en")
        pdf.set_creator("Union meetings")
        font = _font_path(font_paths)
        self.clean = _latin1
        if font is not None:
            pdf.add_font("minutes", "", str(font))
            bold = font.with_name(font.stem + "-Bold" + font.suffix)
            pdf.add_font("minutes", "B", str(bold if bold.is_file() else font))
            pdf.family = "minutes"
            self.clean = _as_is
            if importlib.util.find_spec("uharfbuzz") is not None:
                pdf.set_text_shaping(True)
        draft = "" if doc.finalised else f" · {_('Draft')}"
        pdf.footer_text = self.clean(f"{doc.title}{draft}")
        pdf.add_page()

    # --- building blocks -----------------------------------------------------

    def ltr(self, text: str) -> str:
        """Codes and hashes read left to right in every language: in a
        right-to-left page they are isolated (LRI ... PDI), or the bidi
        algorithm would reorder groups of digits ("1596 e02a" as "e02a 1596")."""
        return f"\u2066{text}\u2069" if self.rtl and text else text

    def own(self, text: str) -> str:
        """Text as people typed it (titles), isolated in its own direction
        (FSI ... PDI), so "Adopt the budget?" keeps its question mark."""
        return f"\u2068{text}\u2069" if self.rtl and text else text

    def _text(self, height: float, text: str) -> None:
        """A paragraph across the page, then back to the start of a line."""
        self.pdf.set_x(self.pdf.l_margin)
        self.pdf.multi_cell(0, height, text, align=self.align, new_x="LMARGIN", new_y="NEXT")

    def font(self, size: float, style: str = "") -> None:
        self.pdf.set_font(self.pdf.family, style=style, size=size)

    def heading(self, text: str, size: float = 13) -> None:
        self.pdf.ln(2)
        self.font(size, "B")
        self._text(size * 0.5, self.clean(text))
        self.pdf.ln(1)

    def para(self, text: str, size: float = 10, grey: bool = False) -> None:
        if not text:
            return
        self.font(size)
        if grey:
            self.pdf.set_text_color(*GREY)
        self._text(size * 0.5, self.clean(text))
        self.pdf.set_text_color(0, 0, 0)

    def pair(self, label: str, value: str) -> None:
        if value:
            self.para(f"{label}: {value}")

    def table(
        self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]
    ) -> None:
        if not rows:
            return
        order = list(range(len(header)))
        if self.rtl:
            order.reverse()
        self.font(9)
        self.pdf.ln(1)
        with self.pdf.table(
            col_widths=tuple(widths[i] for i in order),
            text_align=self.align,
            headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
            line_height=4.6,
            padding=1,
        ) as table:
            for line in [header, *rows]:
                row = table.row()
                for i in order:
                    row.cell(self.clean(str(line[i])))
        self.pdf.ln(2)

    # --- the parts -------------------------------------------------------------

    def poll(self, poll: PollLine) -> None:
        self.font(10, "B")
        self._text(5, self.clean(f"{_('Poll')}: {self.own(poll.title)} ({poll.state})"))
        self.para(
            f"{poll.kind} · {poll.secrecy} · {_('Majority')}: {poll.majority} · "
            f"{_('Majority of')}: {poll.base} · {poll.tie}",
            size=9,
            grey=True,
        )
        if poll.cancel_reason:
            self.pair(_("Reason for cancelling"), poll.cancel_reason)
        self.table(
            [_("Option"), _("Ballots"), _("Weight")],
            [[o.label, str(o.ballots), o.weight] for o in poll.options],
            [60, 20, 20],
        )
        if poll.ballots is not None:
            self.para(
                _(
                    "Ballots: %(ballots)s · cast: %(cast)s · abstentions: %(abstain)s · "
                    "valid: %(valid)s · base: %(base)s · needed: %(required)s · "
                    "present: %(present)s · entitled: %(entitled)s"
                )
                % {
                    "ballots": poll.ballots,
                    "cast": poll.cast_weight,
                    "abstain": poll.abstain_weight,
                    "valid": poll.valid_weight,
                    "base": poll.base_weight,
                    "required": poll.required or "-",
                    "present": poll.present_weight,
                    "entitled": poll.entitled_weight,
                },
                size=9,
            )
        if poll.sentence:
            self.font(10, "B")
            self._text(5, self.clean(poll.sentence))
        if poll.fingerprint:
            self.para(f"{_('Record fingerprint')}: {self.ltr(poll.fingerprint)}", size=9)
            self.para(self.ltr(f"SHA-256: {poll.head_hash}"), size=7, grey=True)
        self.pdf.ln(2)

    def write(self, doc: MinutesDoc) -> bytes:
        pdf = self.pdf
        self.para(doc.union, size=11, grey=True)
        self.heading(_("Minutes: %(meeting)s") % {"meeting": self.own(doc.title)}, size=16)
        if not doc.finalised:
            self.para(_("Draft: these minutes are not finalised yet."), size=10, grey=True)
        self.pair(_("Date"), doc.date)
        self.pair(_("Place"), doc.place)
        self.pair(_("Opened"), doc.started_at)
        self.pair(_("Closed"), doc.closed_at)
        self.pair(_("Chair"), doc.chair)
        self.pair(_("Secretary"), doc.secretary)

        att = doc.attendance
        self.heading(_("Attendance"))
        self.table(
            [_("Presence"), _("Voters"), _("Weight")],
            [
                [_("Present in the room"), str(att.room), att.room_weight],
                [_("Present remotely"), str(att.remote), att.remote_weight],
                [_("Absent"), str(att.absent), att.absent_weight],
                [_("Proxies"), str(len(att.proxies)), ""],
            ],
            [60, 20, 20],
        )
        self.table(
            [_("Name"), _("Member number"), _("Role"), _("Presence"), _("Weight")],
            [[r.name, self.ltr(r.member_number), r.role, r.presence, r.weight] for r in att.rows],
            [34, 16, 14, 24, 12],
        )
        if att.proxies:
            self.font(10, "B")
            self._text(5, self.clean(_("Proxies")))
            self.table([_("Given by"), _("Carried by")], [list(p) for p in att.proxies], [50, 50])

        self.heading(_("Agenda"))
        self.table(
            [_("Item"), _("Started at")],
            [[f"{i.position}. {i.title}", i.started_at or "-"] for i in doc.items],
            [80, 20],
        )
        for item in doc.items:
            self.heading(f"{item.position}. {self.own(item.title)}", size=12)
            self.pair(_("Started at"), item.started_at)
            if item.speeches:
                self.table(
                    [_("Speaker"), _("Kind"), _("Started at"), _("Seconds spoken")],
                    [[s.name, s.kind, s.started_at, str(s.seconds)] for s in item.speeches],
                    [40, 25, 17, 18],
                )
            for motion in item.motions:
                self._motion(motion)
            for poll in item.polls:
                self.poll(poll)
            if item.note:
                self.font(10, "B")
                self._text(5, self.clean(_("Secretary's notes")))
                for paragraph in item.note.split("\n"):
                    self.para(paragraph.strip())
        if doc.other_motions:
            self.heading(_("Motions not on the agenda"))
            for motion in doc.other_motions:
                self._motion(motion)
        if doc.other_polls:
            self.heading(_("Polls not on the agenda"))
            for poll in doc.other_polls:
                self.poll(poll)

        if doc.resolution is not None:
            res = doc.resolution
            self.heading(_("Resolution"))
            self.font(10, "B")
            self._text(5, self.clean(f"{self.own(res.title)} ({res.state})"))
            for paragraph in res.text.split("\n\n"):
                self.para(paragraph.strip())
            self.para(f"SHA-256: {self.ltr(res.sha256)}", size=7, grey=True)
            if res.sentence:
                self.font(10, "B")
                self._text(5, self.clean(res.sentence))
        self.heading(_("Meeting log"))
        if doc.log_head is not None:
            self.para(
                _("Last entry of the meeting's log: number %(number)s, %(at)s")
                % {"number": doc.log_head.number, "at": doc.log_head.at}
            )
            self.para(self.ltr(f"SHA-256: {doc.log_head.hash}"), size=8)
        if doc.key_fingerprint:
            self.pair(_("Key fingerprint"), self.ltr(doc.key_fingerprint))
        if doc.finalised:
            self.pair(_("Finalised"), f"{doc.finalised_at} · {doc.finalised_by}")
        return bytes(pdf.output())

    def _motion(self, motion: MotionLine) -> None:
        self.font(10, "B")
        self._text(
            5,
            self.clean(f"{_('Motion')} {motion.number}: {self.own(motion.title)} ({motion.state})"),
        )
        self.para(f"{_('Submitted by')}: {motion.submitter}", size=9, grey=True)
        for paragraph in motion.text.split("\n\n"):
            self.para(paragraph.strip(), size=10)
        if motion.sha256:
            self.para(f"{_('Final text SHA-256')}: {self.ltr(motion.sha256)}", size=7, grey=True)
        for a in motion.amendments:
            self.para(f"{a.number} · {a.change} ({a.paragraph}) · {a.state}", size=9)
            self.para(a.text, size=9, grey=True)
            if a.sentence:
                self.para(a.sentence, size=9)
        if motion.sentence:
            self.font(10, "B")
            self._text(5, self.clean(motion.sentence))
        if motion.referred_to:
            self.pair(_("Referred to"), motion.referred_to)
        self.pdf.ln(2)


def minutes_pdf(doc: MinutesDoc, *, font_paths: Sequence[str] = FONT_CANDIDATES) -> bytes:
    """The minutes in the active language."""
    return _Writer(doc, font_paths).write(doc)
