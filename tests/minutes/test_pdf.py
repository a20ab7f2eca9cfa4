"""The minutes PDF read back as text (pypdfium2): the results, the
fingerprints of the signed records, the attendance figures and the log's
head are on the page, in English and in Arabic (right to left)."""

from __future__ import annotations

import re
import unicodedata

import pypdfium2 as pdfium
import pytest
from django.utils import translation

from meetings.models import Meeting
from minutes import pdf, selectors
from tests.minutes.conftest import Held
from voting import keys

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    text = "\n".join(page.get_textpage().get_text_range() for page in document)
    # Arabic comes back in presentation forms: compare in the compatible
    # form, without the invisible bidi isolates around codes.
    text = re.sub("[\u2066-\u2069]", "", text)
    return unicodedata.normalize("NFKC", text)


def minutes_text(held: Held, language: str) -> str:
    Meeting.objects.filter(pk=held.world.meeting.pk).update(language=language)
    held.world.meeting.refresh_from_db()
    with translation.override(language):
        doc = selectors.minutes_compose(held.world.meeting)
        return pdf_text(pdf.minutes_pdf(doc))


def in_language(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def test_the_english_pdf_has_results_fingerprints_attendance_and_the_log(held: Held) -> None:
    text = minutes_text(held, "en")
    assert "Carried: 2 yes, 1 no; more yes than no required." in text
    assert "Carried: 5 yes, 0 no; more yes than no required." in text
    for poll in (held.motion_poll, held.budget_poll):
        digest = poll.seal.head_hash
        fingerprint = " ".join(digest[i : i + 4] for i in range(0, 16, 4))
        assert f"Record fingerprint: {fingerprint}" in text
        assert digest in text
    assert "Present in the room 2 2" in text
    assert "Present remotely 1 1" in text
    assert "Absent 2 2" in text
    assert "Proxies 1" in text
    assert "Chair Nguyễn" in text and "Clerk Trần" in text
    head = held.world.meeting.log.order_by("-number").first()
    assert head is not None and head.hash in text
    assert f"number {head.number}," in text
    assert f"Key fingerprint: {keys.fingerprint()}" in text
    assert "Draft" in text


def line_with(text: str, label: str) -> str:
    """The line of the extracted text that holds `label`."""
    return next(line for line in text.splitlines() if label in line)


def numbers(line: str) -> list[str]:
    return sorted(word for word in line.split() if word.isdigit())


def plain_words(sentence: str) -> list[str]:
    """Words that come back from the PDF as they were written: Arabic
    letters without vowel marks and without the lam-alef ligature."""
    return [
        w
        for w in unicodedata.normalize("NFKC", sentence).split()
        if w.isalpha() and "لا" not in w and not any(unicodedata.combining(c) for c in w)
    ]


def test_the_arabic_pdf_is_right_to_left_with_the_same_figures(held: Held) -> None:
    text = minutes_text(held, "ar")
    room = unicodedata.normalize("NFKC", in_language("ar", "Present in the room"))
    remote = unicodedata.normalize("NFKC", in_language("ar", "Present remotely"))
    absent = unicodedata.normalize("NFKC", in_language("ar", "Absent"))
    assert room != "Present in the room"
    # The summary rows: the label with its count and weight on one line.
    assert numbers(line_with(text, f"{room} ")) == ["2", "2"]
    assert numbers(line_with(text, f"{remote} ")) == ["1", "1"]
    assert numbers(line_with(text, f"{absent} ")) == ["2", "2"]
    for poll in (held.motion_poll, held.budget_poll):
        digest = poll.seal.head_hash
        assert digest in text
        fingerprint = " ".join(digest[i : i + 4] for i in range(0, 16, 4))
        assert fingerprint in text
        assert in_language("ar", "Record fingerprint") != "Record fingerprint"
    # The result sentence in Arabic, as the poll's record keeps it.
    result = held.budget_poll.result
    assert result is not None
    sentence = result["sentences"]["ar"]
    assert sentence != result["sentences"]["en"]
    words = plain_words(sentence)
    assert len(words) >= 3 and all(w in text for w in words)
    assert unicodedata.normalize("NFKC", in_language("ar", "Attendance")) in text
    assert "Draft" not in text


def test_codes_keep_their_order_in_a_right_to_left_page(held: Held) -> None:
    """Groups of digits between groups with letters would be reordered by
    the bidi algorithm in Arabic: the PDF isolates codes left to right."""
    Meeting.objects.filter(pk=held.world.meeting.pk).update(language="ar")
    held.world.meeting.refresh_from_db()
    with translation.override("ar"):
        doc = selectors.minutes_compose(held.world.meeting)
        poll = doc.items[1].polls[0]
        poll.fingerprint = "1596 e02a 883d 0182"
        poll.head_hash = "1596e02a883d0182" + "0" * 40 + "12ab34cd"
        doc.key_fingerprint = "8830 a1c6 9e48 0000 46b5 3d42 7abc 1234"
        text = pdf_text(pdf.minutes_pdf(doc))
    assert "1596 e02a 883d 0182" in text
    assert poll.head_hash in text
    assert doc.key_fingerprint in text
