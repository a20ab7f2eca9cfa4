"""Majority rules: who carried, who was elected, and a sentence saying why.

Pure standard library (no Django), so that the stand-alone verifier can
recount a poll with exactly the rules the server used. Numbers are Decimal
weights throughout, compared exactly (no floats, no rounding in decisions).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum

ZERO = Decimal(0)
STEP = Decimal("0.0001")  # weights carry at most four decimals


class Kind(StrEnum):
    MOTION = "motion"  # yes / no / abstain
    SINGLE = "single"  # one of several options
    MULTIPLE = "multiple"  # between min and max of several options
    ELECTION = "election"  # up to N of several candidates


class Majority(StrEnum):
    SIMPLE = "simple"  # more yes than no; plurality among options
    ABSOLUTE = "absolute"  # more than half of the base
    TWO_THIRDS = "two_thirds"  # at least two-thirds of the base
    THREE_QUARTERS = "three_quarters"  # at least three-quarters of the base


class Base(StrEnum):
    VALID = "valid"  # votes cast, abstentions excluded
    CAST = "cast"  # votes cast, abstentions included
    PRESENT = "present"  # weight present when the poll opened
    ENTITLED = "entitled"  # weight of the frozen roll


class TieRule(StrEnum):
    FAILS = "fails"
    CHAIR = "chair"
    LOT = "lot"


class Role(StrEnum):
    """What an option stands for."""

    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"
    OPTION = "option"
    CANDIDATE = "candidate"


@dataclass(frozen=True)
class Option:
    id: int
    role: Role
    label: str


@dataclass(frozen=True)
class Rule:
    majority: Majority = Majority.SIMPLE
    base: Base = Base.VALID
    tie: TieRule = TieRule.FAILS


@dataclass(frozen=True)
class Totals:
    """The counted weights of a closed poll."""

    by_option: dict[int, Decimal]  # option id -> weight of ballots marking it
    cast: Decimal  # weight of all ballots, abstentions included
    abstain: Decimal  # weight of ballots that abstained
    present: Decimal  # weight present at opening
    entitled: Decimal  # weight of the roll


@dataclass
class Outcome:
    """What a rule decided. `winners` are option ids (the yes option when a
    motion carried). `tied` is non-empty when a tie is left for the chair."""

    base: Decimal
    required: Decimal | None  # least weight that meets the rule, when it has one
    winners: list[int] = field(default_factory=list)
    tied: list[int] = field(default_factory=list)
    seats_open: int = 0  # seats the tie leaves for the chair or unfilled
    carried: bool | None = None  # motions and single-candidate elections
    lot_draw: list[int] = field(default_factory=list)  # order drawn by lot, if any
    sentence: str = ""

    @property
    def awaiting_chair(self) -> bool:
        return bool(self.tied)


def identity(text: str) -> str:
    return text


def english_plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


Translate = Callable[[str], str]
# ngettext(singular, plural, n): the form of the reader's language for n.
Plural = Callable[[str, str, int], str]

# Unicode isolates (FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE) around
# what people typed (option labels, candidates' names) inside a sentence: a
# Latin or Vietnamese name in an Arabic sentence keeps its own direction, and
# the punctuation and numbers after it stay where the sentence puts them.
FSI, PDI = "\u2068", "\u2069"


def isolate(text: str) -> str:
    return f"{FSI}{text}{PDI}"


# --- numbers -----------------------------------------------------------------


def fmt(value: Decimal) -> str:
    """A weight as people write it: 57, 2.5, 0.3333."""
    text = format(value.quantize(STEP) if value != value.to_integral() else value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def base_value(totals: Totals, base: Base) -> Decimal:
    valid = totals.cast - totals.abstain
    return {
        Base.VALID: valid,
        Base.CAST: totals.cast,
        Base.PRESENT: totals.present,
        Base.ENTITLED: totals.entitled,
    }[base]


def meets(votes: Decimal, base: Decimal, majority: Majority, against: Decimal) -> bool:
    """Does `votes` meet the rule? `against` is what simple majority must beat."""
    if votes <= 0:
        return False
    if majority is Majority.SIMPLE:
        return votes > against
    if majority is Majority.ABSOLUTE:
        return votes * 2 > base
    if majority is Majority.TWO_THIRDS:
        return votes * 3 >= base * 2
    return votes * 4 >= base * 3


def required_for(base: Decimal, majority: Majority, step: Decimal) -> Decimal | None:
    """The least multiple of `step` that meets a rule of the base."""
    if majority is Majority.SIMPLE:
        return None
    if majority is Majority.ABSOLUTE:
        return (base / 2 / step).to_integral_value(ROUND_FLOOR) * step + step
    share = Decimal(2) / 3 if majority is Majority.TWO_THIRDS else Decimal(3) / 4
    need = (base * share / step).to_integral_value(ROUND_CEILING) * step
    # base * share is inexact for thirds; settle with the exact test.
    while need > step and meets(need - step, base, majority, ZERO):
        need -= step
    while not meets(need, base, majority, ZERO):
        need += step
    return max(need, step)


def step_of(*values: Decimal) -> Decimal:
    """1 when every weight involved is whole (then counts read as counts)."""
    return Decimal(1) if all(v == v.to_integral_value() for v in values) else STEP


def lot_order(seed: str, option_ids: Sequence[int]) -> list[int]:
    """Order options by SHA-256(seed ':' id): anyone with the seed can redo it."""
    return sorted(option_ids, key=lambda oid: hashlib.sha256(f"{seed}:{oid}".encode()).hexdigest())


# --- sentences ----------------------------------------------------------------


def gettext_noop(text: str) -> str:
    """Marks words for the translation catalogues (makemessages knows this name)
    without importing Django; the server translates them when it words a result."""
    return text


MAJORITY_WORDS = {
    Majority.SIMPLE: gettext_noop("more yes than no"),
    Majority.ABSOLUTE: gettext_noop("more than half"),
    Majority.TWO_THIRDS: gettext_noop("two-thirds"),
    Majority.THREE_QUARTERS: gettext_noop("three-quarters"),
}
BASE_WORDS = {
    Base.VALID: gettext_noop("valid votes"),
    Base.CAST: gettext_noop("votes cast"),
    Base.PRESENT: gettext_noop("present"),
    Base.ENTITLED: gettext_noop("entitled"),
}


def _list(_: Translate) -> str:
    """What goes between names in a list, in the reader's language (", ")."""
    # Translators: between names in a list of a result ("Elected: A, B").
    return _(", ")


# --- deciding -----------------------------------------------------------------


def decide(
    kind: Kind,
    options: Sequence[Option],
    totals: Totals,
    rule: Rule,
    *,
    seats: int = 1,
    seed: str = "",
    _: Translate = identity,
    ngettext: Plural = english_plural,
) -> Outcome:
    """Apply the rule to the totals of a closed poll. `_` and `ngettext`
    word the sentence in the reader's language; labels in it are isolated."""
    by_role = {o.role: o for o in options}
    choices = [o for o in options if o.role in (Role.OPTION, Role.CANDIDATE)]
    if kind is Kind.MOTION or (kind is Kind.ELECTION and Role.NO in by_role):
        yes = by_role.get(Role.YES) or by_role[Role.CANDIDATE]
        return _decide_yes_no(yes.id, by_role[Role.NO].id, totals, rule, seed, _)
    if kind is Kind.MULTIPLE:
        return _decide_each(choices, totals, rule, _)
    seats = 1 if kind is Kind.SINGLE else seats
    return _decide_seats(choices, totals, rule, seats, seed, _, ngettext)


def _decide_yes_no(
    yes_id: int, no_id: int, totals: Totals, rule: Rule, seed: str, _: Translate
) -> Outcome:
    yes = totals.by_option.get(yes_id, ZERO)
    no = totals.by_option.get(no_id, ZERO)
    base = base_value(totals, rule.base)
    step = step_of(yes, no, base)
    required = required_for(base, rule.majority, step)
    outcome = Outcome(base=base, required=required)
    numbers = {
        "yes": fmt(yes),
        "no": fmt(no),
        "base": fmt(base),
        "base_words": _(BASE_WORDS[rule.base]),
        "rule": _(MAJORITY_WORDS[rule.majority]),
        "required": fmt(required) if required is not None else "",
    }
    if rule.majority is Majority.SIMPLE:
        detail = _("%(yes)s yes, %(no)s no; more yes than no required") % numbers
    else:
        detail = _("%(yes)s of %(base)s %(base_words)s; %(rule)s required %(required)s") % numbers

    if base <= 0 or yes + no <= 0:
        outcome.carried = False
        outcome.sentence = _("Not carried: no valid votes.")
        return outcome
    if rule.majority is Majority.SIMPLE and yes == no:
        return _tie_yes_no(outcome, yes_id, rule, seed, detail, _)
    outcome.carried = meets(yes, base, rule.majority, no)
    if outcome.carried:
        outcome.winners = [yes_id]
        outcome.sentence = _("Carried: %s.") % detail
    else:
        outcome.sentence = _("Not carried: %s.") % detail
    return outcome


def _tie_yes_no(
    outcome: Outcome, yes_id: int, rule: Rule, seed: str, detail: str, _: Translate
) -> Outcome:
    if rule.tie is TieRule.CHAIR:
        outcome.tied = [yes_id]
        outcome.seats_open = 1
        outcome.sentence = _("Tied: %s; the chair decides.") % detail
    elif rule.tie is TieRule.LOT:
        outcome.carried = hashlib.sha256(f"{seed}:motion".encode()).digest()[0] % 2 == 0
        outcome.winners = [yes_id] if outcome.carried else []
        word = _("carried") if outcome.carried else _("not carried")
        outcome.sentence = _("Tied: %(detail)s; %(word)s by lot (seed %(seed)s).") % {
            "detail": detail,
            "word": word,
            "seed": seed,
        }
    else:
        outcome.carried = False
        outcome.sentence = _("Not carried: %s; a tie fails.") % detail
    return outcome


def _decide_each(choices: Sequence[Option], totals: Totals, rule: Rule, _: Translate) -> Outcome:
    """Multiple choice: each option is adopted if it meets the rule on its own
    (simple: marked by more ballots than not)."""
    base = base_value(totals, rule.base)
    valid = totals.cast - totals.abstain
    weights = [totals.by_option.get(o.id, ZERO) for o in choices]
    required = required_for(base, rule.majority, step_of(base, *weights))
    outcome = Outcome(base=base, required=required)
    outcome.winners = [
        o.id
        for o, w in zip(choices, weights, strict=True)
        if base > 0 and meets(w, base, rule.majority, valid - w)
    ]
    labels = _list(_).join(isolate(o.label) for o in choices if o.id in outcome.winners)
    if outcome.winners:
        outcome.sentence = _("Adopted: %(labels)s (%(rule)s of %(base)s %(base_words)s).") % {
            "labels": labels,
            "rule": _(MAJORITY_WORDS[rule.majority])
            if rule.majority != Majority.SIMPLE
            else _("more for than not"),
            "base": fmt(base),
            "base_words": _(BASE_WORDS[rule.base]),
        }
    else:
        outcome.sentence = _("No option reached the required majority.")
    return outcome


def _decide_seats(
    choices: Sequence[Option],
    totals: Totals,
    rule: Rule,
    seats: int,
    seed: str,
    _: Translate,
    ngettext: Plural,
) -> Outcome:
    """Single choice (one seat) and elections: the options with most votes
    win, each subject to the rule as a threshold (simple: none)."""
    base = base_value(totals, rule.base)
    weights = {o.id: totals.by_option.get(o.id, ZERO) for o in choices}
    required = required_for(base, rule.majority, step_of(base, *weights.values()))
    outcome = Outcome(base=base, required=required)
    qualifying = [
        o
        for o in choices
        if weights[o.id] > 0
        and (rule.majority is Majority.SIMPLE or meets(weights[o.id], base, rule.majority, ZERO))
    ]
    qualifying.sort(key=lambda o: (-weights[o.id], o.id))
    labels = {o.id: isolate(o.label) for o in choices}
    if len(qualifying) <= seats:
        outcome.winners = [o.id for o in qualifying]
    else:
        cut = weights[qualifying[seats - 1].id]
        above = [o.id for o in qualifying if weights[o.id] > cut]
        at_cut = [o.id for o in qualifying if weights[o.id] == cut]
        free = seats - len(above)
        outcome.winners = above
        if len(at_cut) <= free:
            outcome.winners += at_cut
        elif rule.tie is TieRule.LOT:
            outcome.lot_draw = lot_order(seed, at_cut)
            outcome.winners += outcome.lot_draw[:free]
        elif rule.tie is TieRule.CHAIR:
            outcome.tied = at_cut
            outcome.seats_open = free
        else:
            outcome.seats_open = free

    # Every option that got votes, not only those over the threshold: a member
    # must see the numbers behind "no one reached the required votes".
    voted = sorted((o for o in choices if weights[o.id] > 0), key=lambda o: (-weights[o.id], o.id))
    # Translators: between the options' numbers in a result ("A 4; B 2").
    between = _("; ")
    numbers = between.join(f"{labels[o.id]} {fmt(weights[o.id])}" for o in voted) or _("none")
    parts = [_("Votes: %s.") % numbers]
    if rule.majority is not Majority.SIMPLE and required is not None:
        parts.append(
            _("Threshold: %(rule)s of %(base)s %(base_words)s, %(required)s.")
            % {
                "rule": _(MAJORITY_WORDS[rule.majority]),
                "base": fmt(base),
                "base_words": _(BASE_WORDS[rule.base]),
                "required": fmt(required),
            }
        )
    if outcome.winners:
        names = _list(_).join(labels[w] for w in outcome.winners)
        parts.insert(0, _("Elected: %s.") % names if seats > 1 else _("Chosen: %s.") % names)
    if outcome.lot_draw:
        parts.append(_("Tie broken by lot (seed %s).") % seed)
    if outcome.tied:
        parts.append(
            ngettext(
                "Tied for %(n)d seat: %(names)s; the chair decides.",
                "Tied for %(n)d seats: %(names)s; the chair decides.",
                outcome.seats_open,
            )
            % {"n": outcome.seats_open, "names": _list(_).join(labels[t] for t in outcome.tied)}
        )
    elif outcome.seats_open:
        parts.append(
            ngettext(
                "%(n)d seat left unfilled by a tie.",
                "%(n)d seats left unfilled by a tie.",
                outcome.seats_open,
            )
            % {"n": outcome.seats_open}
        )
    if not outcome.winners and not outcome.tied and not outcome.seats_open:
        parts.insert(
            0,
            _("No one reached the required votes.")
            if qualifying or base > 0
            else _("No valid votes."),
        )
    outcome.sentence = " ".join(parts)
    return outcome
