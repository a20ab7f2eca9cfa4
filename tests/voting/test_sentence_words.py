"""How a result sentence is worded: candidates' names isolated (FSI ... PDI)
so that a Latin or Vietnamese name inside an Arabic sentence keeps the
sentence's punctuation and numbers in place; counts of seats in each
language's plural forms (Arabic has six); and the stand-alone verifier words
every stored sentence exactly as the server did."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext

from tests.conftest import World
from tests.voting.conftest import option_id, receipt
from voting import audit, keys, rules, services, verify
from voting.rules import Kind, Option, Role, Rule, TieRule, Totals

D = Decimal
LOCALE = Path(__file__).resolve().parents[2] / "locale"
HUE, LAN, MINH = 1, 2, 3
CANDIDATES = [
    Option(HUE, Role.CANDIDATE, "Huế"),
    Option(LAN, Role.CANDIDATE, "Lan"),
    Option(MINH, Role.CANDIDATE, "Minh"),
    Option(9, Role.ABSTAIN, "Abstain"),
]


def totals(hue: str, lan: str, minh: str) -> Totals:
    by = {HUE: D(hue), LAN: D(lan), MINH: D(minh)}
    cast = sum(by.values(), D(0))
    return Totals(by_option=by, cast=cast, abstain=D(0), present=cast, entitled=cast)


def test_every_label_in_a_sentence_is_isolated() -> None:
    outcome = rules.decide(
        Kind.ELECTION, CANDIDATES, totals("6", "2", "2"), Rule(tie=TieRule.CHAIR), seats=2
    )
    hue, lan, minh = (rules.isolate(name) for name in ("Huế", "Lan", "Minh"))
    assert outcome.sentence == (
        f"Elected: {hue}. Votes: {hue} 6; {lan} 2; {minh} 2. "
        f"Tied for 1 seat: {lan}, {minh}; the chair decides."
    )
    # Nothing a person typed stands outside its isolate.
    bare = outcome.sentence.replace(hue, "").replace(lan, "").replace(minh, "")
    assert "Huế" not in bare and "Lan" not in bare
    assert hue == "\u2068Huế\u2069"


def test_an_arabic_result_keeps_a_vietnamese_name_apart_from_its_number() -> None:
    with translation.override("ar"):
        outcome = rules.decide(
            Kind.SINGLE,
            CANDIDATES[:2] + CANDIDATES[3:],
            totals("2", "1", "0"),
            Rule(),
            _=gettext,
            ngettext=ngettext,
        )
    # The name is isolated, the number follows it outside: no ".Huế 2" on screen.
    assert "\u2068Huế\u2069 2" in outcome.sentence
    # Between the numbers, the Arabic semicolon.
    assert "\u2068Huế\u2069 2؛ \u2068Lan\u2069 1" in outcome.sentence
    assert not outcome.sentence.isascii() and "Chosen" not in outcome.sentence


def seats_left(n: int, words: verify.Words | None = None) -> str:
    """The sentence of a 3-seat election where a tie leaves `n` seats open."""
    options = [Option(i, Role.CANDIDATE, f"C{i}") for i in range(1, 8)]
    by = {i: D(1) for i in range(1, 8)}
    tied = Totals(by_option=by, cast=D(7), abstain=D(0), present=D(7), entitled=D(7))
    if words is None:
        return rules.decide(
            Kind.ELECTION, options, tied, Rule(), seats=n, _=gettext, ngettext=ngettext
        ).sentence
    return rules.decide(
        Kind.ELECTION, options, tied, Rule(), seats=n, _=words.gettext, ngettext=words.ngettext
    ).sentence


def test_seats_are_counted_in_each_languages_plural_forms() -> None:
    assert seats_left(1).endswith("1 seat left unfilled by a tie.")
    assert seats_left(3).endswith("3 seats left unfilled by a tie.")
    with translation.override("ar"):
        arabic = {n: seats_left(n) for n in (1, 2, 3, 7)}
    # Arabic words one, two and three-to-ten differently; none falls back to English.
    assert len({sentence.split(".")[-2] for sentence in arabic.values()}) >= 3
    assert all("seat" not in sentence for sentence in arabic.values())
    with translation.override("vi"):
        assert "seat" not in seats_left(2)


@pytest.mark.parametrize("language", ["en", "vi", "ar"])
def test_the_verifier_words_plurals_as_the_server_does(language: str) -> None:
    words = verify.translator(language, LOCALE)
    assert words is not None
    for n in (1, 2, 3, 7):
        with translation.override(language):
            assert seats_left(n, words) == seats_left(n)


def test_the_verifier_reads_every_plural_form_of_the_catalogue() -> None:
    catalogue = verify.read_catalogue(LOCALE / "ar" / "LC_MESSAGES" / "django.po")
    assert catalogue.plural_forms.startswith("nplurals=6;")
    forms = catalogue.plural[
        ("%(n)d seat left unfilled by a tie.", "%(n)d seats left unfilled by a tie.")
    ]
    assert len(forms) == 6 and len(set(forms)) >= 4
    with translation.override("ar"):
        for n in (0, 1, 2, 5, 11, 100, 102):
            assert catalogue.ngettext(
                "%(n)d seat left unfilled by a tie.", "%(n)d seats left unfilled by a tie.", n
            ) == ngettext(
                "%(n)d seat left unfilled by a tie.", "%(n)d seats left unfilled by a tie.", n
            )


@pytest.mark.django_db
def test_a_tied_election_with_vietnamese_names_verifies_in_every_language(
    live_world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = live_world
    poll = services.poll_create(
        actor=world.chair,
        meeting=world.meeting,
        title="Bầu ban chấp hành",
        kind="election",
        options=["Huế", "Lan", "Minh"],
        seats=2,
        secrecy="named",
    )
    poll = services.poll_open(actor=world.chair, poll=poll)
    for voter, name in ((world.chair, "Huế"), (world.voters[0], "Lan"), (world.voters[1], "Minh")):
        services.ballot_cast(
            voter=voter, poll_id=poll.pk, choices=[option_id(poll, name)], nonce=receipt()
        )
    poll = services.poll_close(actor=world.chair, poll=poll)
    assert poll.result is not None
    sentences = poll.result["sentences"]
    assert sentences["en"].endswith("2 seats left unfilled by a tie.")
    assert "\u2068Huế\u2069 1" in sentences["ar"] and "seat" not in sentences["ar"]
    path = tmp_path / "export.json"

    path.write_text(audit.export_text(poll), encoding="utf-8")
    code = verify.main([str(path), "--public-key", keys.public_key_b64()])
    out = capsys.readouterr()
    assert (code, out.err) == (0, ""), out
    assert json.loads(path.read_text())["result"]["sentences"] == sentences
