"""voting.rules.decide, table-driven: majorities, bases, abstentions, weights, ties.

Every expected value below was worked out by hand from the rule's definition
(the arithmetic is in the comment of each case), never by calling the code
under test. Lot orders were computed once with SHA-256("<seed>:<option id>")
and written down, as a member would redo them from the published seed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from voting import rules
from voting.rules import Base, Kind, Majority, Option, Role, Rule, TieRule, Totals

D = Decimal

# Motions (and one-candidate elections): yes 1, no 2, abstain 3.
YES, NO, ABSTAIN = 1, 2, 3
MOTION = [
    Option(YES, Role.YES, "Yes"),
    Option(NO, Role.NO, "No"),
    Option(ABSTAIN, Role.ABSTAIN, "Abstain"),
]
# Choice polls: A 10, B 11, C 12, D 13, abstain 19.
A, B, C, D_ = 10, 11, 12, 13
CHOICES = [
    Option(A, Role.OPTION, "A"),
    Option(B, Role.OPTION, "B"),
    Option(C, Role.OPTION, "C"),
    Option(D_, Role.OPTION, "D"),
    Option(19, Role.ABSTAIN, "Abstain"),
]
# Elections: P 20, Q 21, R 22, S 23, abstain 29.
P, Q, R, S = 20, 21, 22, 23
CANDIDATES = [
    Option(P, Role.CANDIDATE, "P"),
    Option(Q, Role.CANDIDATE, "Q"),
    Option(R, Role.CANDIDATE, "R"),
    Option(S, Role.CANDIDATE, "S"),
    Option(29, Role.ABSTAIN, "Abstain"),
]
# An election with one candidate: P / No / Abstain.
ONE_CANDIDATE = [
    Option(P, Role.CANDIDATE, "P"),
    Option(24, Role.NO, "No"),
    Option(29, Role.ABSTAIN, "Abstain"),
]


def motion_totals(
    yes: str, no: str, abstain: str = "0", *, present: str = "0", entitled: str = "0"
) -> Totals:
    """Totals of a motion: every ballot marks exactly one of yes / no / abstain."""
    y, n, a = D(yes), D(no), D(abstain)
    return Totals(
        by_option={YES: y, NO: n, ABSTAIN: a},
        cast=y + n + a,
        abstain=a,
        present=D(present),
        entitled=D(entitled),
    )


def one_candidate_totals(yes: str, no: str, abstain: str = "0") -> Totals:
    y, n, a = D(yes), D(no), D(abstain)
    return Totals(
        by_option={P: y, 24: n, 29: a}, cast=y + n + a, abstain=a, present=D(0), entitled=D(0)
    )


def choice_totals(
    by_option: dict[int, str], *, cast: str, abstain: str = "0", present: str = "0"
) -> Totals:
    """Totals of a choice poll: `cast` is the weight of all ballots (a ballot
    may mark several options, so it is not the sum of the options)."""
    return Totals(
        by_option={k: D(v) for k, v in by_option.items()},
        cast=D(cast),
        abstain=D(abstain),
        present=D(present),
        entitled=D(0),
    )


@dataclass(frozen=True)
class Case:
    id: str
    kind: Kind
    options: list[Option]
    totals: Totals
    rule: Rule
    carried: bool | None
    winners: list[int]
    required: Decimal | None
    tied: list[int] = field(default_factory=list)
    seats: int = 1
    seed: str = ""
    seats_open: int = 0
    lot_draw: list[int] = field(default_factory=list)
    sentence: str | None = None
    base: Decimal | None = None


def rule(
    majority: Majority = Majority.SIMPLE, base: Base = Base.VALID, tie: TieRule = TieRule.FAILS
) -> Rule:
    return Rule(majority, base, tie)


# One case per block; kept compact by hand, hence no autoformat here.
# fmt: off
CASES = [
    # --- motions: simple majority ------------------------------------------------
    Case(  # 57 > 23
        "motion-simple-carried",
        Kind.MOTION, MOTION, motion_totals("57", "23"), rule(),
        carried=True, winners=[YES], required=None, base=D(80),
        sentence="Carried: 57 yes, 23 no; more yes than no required.",
    ),
    Case(  # 23 > 57 is false
        "motion-simple-rejected",
        Kind.MOTION, MOTION, motion_totals("23", "57", "10"), rule(),
        carried=False, winners=[], required=None,
        sentence="Not carried: 23 yes, 57 no; more yes than no required.",
    ),
    Case(  # no ballot at all
        "motion-zero-valid-votes",
        Kind.MOTION, MOTION, motion_totals("0", "0"), rule(),
        carried=False, winners=[], required=None, base=D(0),
        sentence="Not carried: no valid votes.",
    ),
    Case(  # all abstain: valid base 0
        "motion-all-abstain",
        Kind.MOTION, MOTION, motion_totals("0", "0", "7"), rule(),
        carried=False, winners=[], required=None, base=D(0),
        sentence="Not carried: no valid votes.",
    ),
    Case(  # all abstain, base cast = 5 > 0 but no yes or no: still no valid votes;
        # more than half of 5 is 3
        "motion-all-abstain-base-cast",
        Kind.MOTION, MOTION, motion_totals("0", "0", "5"), rule(Majority.ABSOLUTE, Base.CAST),
        carried=False, winners=[], required=D(3), base=D(5),
        sentence="Not carried: no valid votes.",
    ),
    # --- motions: two-thirds -----------------------------------------------------
    Case(  # base 80; 2/3 of 80 = 53.3, so 54; 57 >= 54
        "motion-two-thirds-issue-example",
        Kind.MOTION, MOTION, motion_totals("57", "23", "12"), rule(Majority.TWO_THIRDS),
        carried=True, winners=[YES], required=D(54), base=D(80),
        sentence="Carried: 57 of 80 valid votes; two-thirds required 54.",
    ),
    Case(  # base 60; 40 * 3 = 120 = 60 * 2: exactly two-thirds carries
        "motion-exactly-two-thirds",
        Kind.MOTION, MOTION, motion_totals("40", "20"), rule(Majority.TWO_THIRDS),
        carried=True, winners=[YES], required=D(40), base=D(60),
        sentence="Carried: 40 of 60 valid votes; two-thirds required 40.",
    ),
    Case(  # base 59; 2/3 of 59 = 39.33, so 40; 39 falls short
        "motion-just-under-two-thirds",
        Kind.MOTION, MOTION, motion_totals("39", "20"), rule(Majority.TWO_THIRDS),
        carried=False, winners=[], required=D(40), base=D(59),
        sentence="Not carried: 39 of 59 valid votes; two-thirds required 40.",
    ),
    Case(  # weights: base 1.5; 1 * 3 = 3 = 1.5 * 2: exactly two-thirds with fractions
        "motion-exactly-two-thirds-fractional",
        Kind.MOTION, MOTION, motion_totals("1", "0.5"), rule(Majority.TWO_THIRDS),
        carried=True, winners=[YES], required=D(1), base=D("1.5"),
        sentence="Carried: 1 of 1.5 valid votes; two-thirds required 1.",
    ),
    Case(  # yes 2.5 + 0.3333 = 2.8333, no 1.5, base 4.3333; 2/3 of it = 2.88886..,
        # least 0.0001 step meeting it is 2.8889 (2.8888 * 3 = 8.6664 < 8.6666)
        "motion-two-thirds-thirds-weights",
        Kind.MOTION, MOTION, motion_totals("2.8333", "1.5"), rule(Majority.TWO_THIRDS),
        carried=False, winners=[], required=D("2.8889"), base=D("4.3333"),
        sentence="Not carried: 2.8333 of 4.3333 valid votes; two-thirds required 2.8889.",
    ),
    # --- motions: absolute ------------------------------------------------------
    Case(  # base 60; half is 30; 30 is not more than half; 31 required
        "motion-exactly-half-absolute-fails",
        Kind.MOTION, MOTION, motion_totals("30", "30"), rule(Majority.ABSOLUTE),
        carried=False, winners=[], required=D(31), base=D(60),
        sentence="Not carried: 30 of 60 valid votes; more than half required 31.",
    ),
    Case(  # base 60; 31 > 30
        "motion-just-over-half-absolute",
        Kind.MOTION, MOTION, motion_totals("31", "29"), rule(Majority.ABSOLUTE),
        carried=True, winners=[YES], required=D(31), base=D(60),
        sentence="Carried: 31 of 60 valid votes; more than half required 31.",
    ),
    Case(  # base 5 (valid); 0 yes never carries; more than half of 5 is 3
        "motion-absolute-no-yes",
        Kind.MOTION, MOTION, motion_totals("0", "5"), rule(Majority.ABSOLUTE),
        carried=False, winners=[], required=D(3), base=D(5),
        sentence="Not carried: 0 of 5 valid votes; more than half required 3.",
    ),
    Case(  # weights: base 4.5; half is 2.25, next step up 2.2501; 2.5 carries
        "motion-absolute-fractional",
        Kind.MOTION, MOTION, motion_totals("2.5", "2"), rule(Majority.ABSOLUTE),
        carried=True, winners=[YES], required=D("2.2501"), base=D("4.5"),
        sentence="Carried: 2.5 of 4.5 valid votes; more than half required 2.2501.",
    ),
    # --- motions: three-quarters ------------------------------------------------------
    Case(  # base 100; 75 * 4 = 300 = 100 * 3
        "motion-exactly-three-quarters",
        Kind.MOTION, MOTION, motion_totals("75", "25", "40"), rule(Majority.THREE_QUARTERS),
        carried=True, winners=[YES], required=D(75), base=D(100),
        sentence="Carried: 75 of 100 valid votes; three-quarters required 75.",
    ),
    Case(  # base 99; 3/4 of 99 = 74.25, so 75; 74 falls short
        "motion-just-under-three-quarters",
        Kind.MOTION, MOTION, motion_totals("74", "25"), rule(Majority.THREE_QUARTERS),
        carried=False, winners=[], required=D(75), base=D(99),
        sentence="Not carried: 74 of 99 valid votes; three-quarters required 75.",
    ),
    # --- motions: every base ------------------------------------------------------
    Case(  # base valid = 80 (abstentions excluded); 50 * 2 = 100 > 80
        "motion-base-valid-excludes-abstentions",
        Kind.MOTION, MOTION, motion_totals("50", "30", "20"), rule(Majority.ABSOLUTE, Base.VALID),
        carried=True, winners=[YES], required=D(41), base=D(80),
        sentence="Carried: 50 of 80 valid votes; more than half required 41.",
    ),
    Case(  # base cast = 100 (abstentions included); 50 is not more than half
        "motion-base-cast-includes-abstentions",
        Kind.MOTION, MOTION, motion_totals("50", "30", "20"), rule(Majority.ABSOLUTE, Base.CAST),
        carried=False, winners=[], required=D(51), base=D(100),
        sentence="Not carried: 50 of 100 votes cast; more than half required 51.",
    ),
    Case(  # base present = 120; more than half is 61
        "motion-base-present",
        Kind.MOTION, MOTION, motion_totals("50", "10", present="120"),
        rule(Majority.ABSOLUTE, Base.PRESENT),
        carried=False, winners=[], required=D(61), base=D(120),
        sentence="Not carried: 50 of 120 present; more than half required 61.",
    ),
    Case(  # base entitled = 90; two-thirds is exactly 60
        "motion-base-entitled",
        Kind.MOTION, MOTION, motion_totals("60", "5", present="70", entitled="90"),
        rule(Majority.TWO_THIRDS, Base.ENTITLED),
        carried=True, winners=[YES], required=D(60), base=D(90),
        sentence="Carried: 60 of 90 entitled; two-thirds required 60.",
    ),
    Case(  # weights: base cast 4; 2/3 of 4 = 2.6666.., so 2.6667; 2.5 falls short
        "motion-base-cast-fractional",
        Kind.MOTION, MOTION, motion_totals("2.5", "1", "0.5"), rule(Majority.TWO_THIRDS, Base.CAST),
        carried=False, winners=[], required=D("2.6667"), base=D(4),
        sentence="Not carried: 2.5 of 4 votes cast; two-thirds required 2.6667.",
    ),
    Case(  # weights that are not whole: 2.5 yes against 0.3333 + 1 = 1.3333 no
        "motion-simple-fractional-weights",
        Kind.MOTION, MOTION, motion_totals("2.5", "1.3333"), rule(),
        carried=True, winners=[YES], required=None, base=D("3.8333"),
        sentence="Carried: 2.5 yes, 1.3333 no; more yes than no required.",
    ),
    # --- motions: ties --------------------------------------------------------------
    Case(
        "motion-tie-fails",
        Kind.MOTION, MOTION, motion_totals("10", "10", "3"), rule(tie=TieRule.FAILS),
        carried=False, winners=[], required=None,
        sentence="Not carried: 10 yes, 10 no; more yes than no required; a tie fails.",
    ),
    Case(
        "motion-tie-chair",
        Kind.MOTION, MOTION, motion_totals("10", "10"), rule(tie=TieRule.CHAIR),
        carried=None, winners=[], required=None, tied=[YES], seats_open=1,
        sentence="Tied: 10 yes, 10 no; more yes than no required; the chair decides.",
    ),
    Case(  # SHA-256("seed-a:motion") starts with an even byte: carried
        "motion-tie-lot-carried",
        Kind.MOTION, MOTION, motion_totals("2.5", "2.5"), rule(tie=TieRule.LOT), seed="seed-a",
        carried=True, winners=[YES], required=None,
        sentence="Tied: 2.5 yes, 2.5 no; more yes than no required; carried by lot (seed seed-a).",
    ),
    Case(  # SHA-256("seed-d:motion") starts with an odd byte: not carried
        "motion-tie-lot-not-carried",
        Kind.MOTION, MOTION, motion_totals("4", "4"), rule(tie=TieRule.LOT), seed="seed-d",
        carried=False, winners=[], required=None,
        sentence="Tied: 4 yes, 4 no; more yes than no required; not carried by lot (seed seed-d).",
    ),
    Case(  # a tie only matters under simple majority: 10 of 20 is not more than half
        "motion-tie-under-absolute-just-fails",
        Kind.MOTION, MOTION, motion_totals("10", "10"), rule(Majority.ABSOLUTE, tie=TieRule.CHAIR),
        carried=False, winners=[], required=D(11),
        sentence="Not carried: 10 of 20 valid votes; more than half required 11.",
    ),
    # --- single choice ------------------------------------------------------------------
    Case(  # plurality: A has most
        "single-plurality",
        Kind.SINGLE, CHOICES, choice_totals({A: "5", B: "3", C: "2"}, cast="12", abstain="2"),
        rule(),
        carried=None, winners=[A], required=None,
        sentence="Chosen: A. Votes: A 5; B 3; C 2.",
    ),
    Case(  # absolute threshold: valid 10, more than half is 6; A's 5 is not enough
        "single-absolute-threshold-unmet",
        Kind.SINGLE, CHOICES, choice_totals({A: "5", B: "3", C: "2"}, cast="10"),
        rule(Majority.ABSOLUTE),
        carried=None, winners=[], required=D(6),
        sentence=(
            "No one reached the required votes. Votes: A 5; B 3; C 2. "
            "Threshold: more than half of 10 valid votes, 6."
        ),
    ),
    Case(  # absolute threshold met: 6 > 5
        "single-absolute-threshold-met",
        Kind.SINGLE, CHOICES, choice_totals({A: "6", B: "3", C: "1"}, cast="10"),
        rule(Majority.ABSOLUTE),
        carried=None, winners=[A], required=D(6),
        sentence="Chosen: A. Votes: A 6; B 3; C 1. Threshold: more than half of 10 valid votes, 6.",
    ),
    Case(  # a tie for the one seat fails: nobody chosen, the seat is left open
        "single-tie-fails",
        Kind.SINGLE, CHOICES, choice_totals({A: "4", B: "4", C: "2"}, cast="10"), rule(),
        carried=None, winners=[], required=None, seats_open=1,
        sentence="Votes: A 4; B 4; C 2. 1 seat left unfilled by a tie.",
    ),
    Case(
        "single-tie-chair",
        Kind.SINGLE, CHOICES, choice_totals({A: "4", B: "4", C: "2"}, cast="10"),
        rule(tie=TieRule.CHAIR),
        carried=None, winners=[], required=None, tied=[A, B], seats_open=1,
        sentence="Votes: A 4; B 4; C 2. Tied for 1 seat: A, B; the chair decides.",
    ),
    Case(  # lot order for seed-a over [10, 11] is [11, 10]: B is chosen
        "single-tie-lot",
        Kind.SINGLE, CHOICES, choice_totals({A: "4", B: "4", C: "2"}, cast="10"),
        rule(tie=TieRule.LOT), seed="seed-a",
        carried=None, winners=[B], required=None, lot_draw=[B, A],
        sentence="Chosen: B. Votes: A 4; B 4; C 2. Tie broken by lot (seed seed-a).",
    ),
    Case(  # lot order for seed-c over [10, 11] is [10, 11]: A is chosen
        "single-tie-lot-other-seed",
        Kind.SINGLE, CHOICES, choice_totals({A: "4", B: "4", C: "2"}, cast="10"),
        rule(tie=TieRule.LOT), seed="seed-c",
        carried=None, winners=[A], required=None, lot_draw=[A, B],
    ),
    # --- multiple choice ------------------------------------------------------------------
    Case(  # 10 ballots; A marked by 7 (7 > 3) adopted; B 5 (5 > 5 no); C 3 no
        "multiple-simple-adoption",
        Kind.MULTIPLE, CHOICES, choice_totals({A: "7", B: "5", C: "3"}, cast="10"), rule(),
        carried=None, winners=[A], required=None,
        sentence="Adopted: A (more for than not of 10 valid votes).",
    ),
    Case(  # base cast 12; more than half is 7: A 7 yes, B 6 no
        "multiple-absolute-base-cast",
        Kind.MULTIPLE, CHOICES,
        choice_totals({A: "7", B: "6", C: "3"}, cast="12", abstain="2"),
        rule(Majority.ABSOLUTE, Base.CAST),
        carried=None, winners=[A], required=D(7),
        sentence="Adopted: A (more than half of 12 votes cast).",
    ),
    Case(  # base 9; two-thirds is 6; none reaches it
        "multiple-two-thirds-none",
        Kind.MULTIPLE, CHOICES, choice_totals({A: "5", B: "4"}, cast="9"),
        rule(Majority.TWO_THIRDS),
        carried=None, winners=[], required=D(6),
        sentence="No option reached the required majority.",
    ),
    Case(  # approval with weights: 2.5 + 2 = 4.5 cast; A 4.5 > 0, B 2.5 > 2, C 2 > 2.5 no
        "multiple-approval-fractional",
        Kind.MULTIPLE, CHOICES, choice_totals({A: "4.5", B: "2.5", C: "2"}, cast="4.5"), rule(),
        carried=None, winners=[A, B], required=None,
        sentence="Adopted: A, B (more for than not of 4.5 valid votes).",
    ),
    Case(
        "multiple-all-abstain",
        Kind.MULTIPLE, CHOICES, choice_totals({19: "3"}, cast="3", abstain="3"), rule(),
        carried=None, winners=[], required=None, base=D(0),
        sentence="No option reached the required majority.",
    ),
    # --- elections ------------------------------------------------------------------------
    Case(  # two seats: the two with most votes
        "election-two-seats",
        Kind.ELECTION, CANDIDATES, choice_totals({P: "10", Q: "8", R: "5"}, cast="12"), rule(),
        seats=2, carried=None, winners=[P, Q], required=None,
        sentence="Elected: P, Q. Votes: P 10; Q 8; R 5.",
    ),
    Case(  # three seats, three candidates with votes: all elected, even tied ones
        "election-tie-within-seats",
        Kind.ELECTION, CANDIDATES, choice_totals({P: "10", Q: "8", R: "8"}, cast="12"), rule(),
        seats=3, carried=None, winners=[P, Q, R], required=None,
        sentence="Elected: P, Q, R. Votes: P 10; Q 8; R 8.",
    ),
    Case(  # boundary tie for seat 2 under "fails": P elected, one seat left empty
        "election-boundary-tie-fails",
        Kind.ELECTION, CANDIDATES, choice_totals({P: "10", Q: "8", R: "8"}, cast="12"), rule(),
        seats=2, carried=None, winners=[P], required=None, seats_open=1,
        sentence="Elected: P. Votes: P 10; Q 8; R 8. 1 seat left unfilled by a tie.",
    ),
    Case(
        "election-boundary-tie-chair",
        Kind.ELECTION, CANDIDATES, choice_totals({P: "10", Q: "8", R: "8"}, cast="12"),
        rule(tie=TieRule.CHAIR),
        seats=2, carried=None, winners=[P], required=None, tied=[Q, R], seats_open=1,
        sentence="Elected: P. Votes: P 10; Q 8; R 8. Tied for 1 seat: Q, R; the chair decides.",
    ),
    Case(  # lot order for seed-a over [21, 22] is [21, 22]: Q takes the seat
        "election-boundary-tie-lot",
        Kind.ELECTION, CANDIDATES, choice_totals({P: "10", Q: "8", R: "8"}, cast="12"),
        rule(tie=TieRule.LOT), seed="seed-a",
        seats=2, carried=None, winners=[P, Q], required=None, lot_draw=[Q, R],
        sentence="Elected: P, Q. Votes: P 10; Q 8; R 8. Tie broken by lot (seed seed-a).",
    ),
    Case(  # lot order for seed-b over [21, 22] is [22, 21]: R takes the seat
        "election-boundary-tie-lot-other-seed",
        Kind.ELECTION, CANDIDATES, choice_totals({P: "10", Q: "8", R: "8"}, cast="12"),
        rule(tie=TieRule.LOT), seed="seed-b",
        seats=2, carried=None, winners=[P, R], required=None, lot_draw=[R, Q],
    ),
    Case(  # lot for 1 seat among 3 tied; seed-d order over [20, 21, 22] is [20, 21, 22]
        "election-three-way-tie-lot",
        Kind.ELECTION, CANDIDATES, choice_totals({P: "3", Q: "3", R: "3"}, cast="9"),
        rule(tie=TieRule.LOT), seed="seed-d",
        seats=1, carried=None, winners=[P], required=None, lot_draw=[P, Q, R],
    ),
    Case(  # threshold: 10 ballots, more than half is 6: P 8 and Q 6 qualify, R 5 not
        "election-threshold",
        Kind.ELECTION, CANDIDATES, choice_totals({P: "8", Q: "6", R: "5", S: "1"}, cast="10"),
        rule(Majority.ABSOLUTE),
        seats=2, carried=None, winners=[P, Q], required=D(6),
        sentence=(
            "Elected: P, Q. Votes: P 8; Q 6; R 5; S 1. "
            "Threshold: more than half of 10 valid votes, 6."
        ),
    ),
    Case(  # threshold leaves the second seat empty; Q and R tie below it, no tie to break
        "election-threshold-fills-one-seat",
        Kind.ELECTION, CANDIDATES, choice_totals({P: "8", Q: "5", R: "5"}, cast="10"),
        rule(Majority.ABSOLUTE, tie=TieRule.CHAIR),
        seats=2, carried=None, winners=[P], required=D(6),
    ),
    Case(  # weights that are not whole
        "election-fractional-weights",
        Kind.ELECTION, CANDIDATES,
        choice_totals({P: "2.5", Q: "0.3333", R: "1.3333"}, cast="3.8333"), rule(),
        seats=2, carried=None, winners=[P, R], required=None,
        sentence="Elected: P, R. Votes: P 2.5; R 1.3333; Q 0.3333.",
    ),
    Case(
        "election-zero-votes",
        Kind.ELECTION, CANDIDATES, choice_totals({}, cast="0"), rule(),
        seats=2, carried=None, winners=[], required=None, base=D(0),
        sentence="No valid votes. Votes: none.",
    ),
    Case(
        "election-all-abstain",
        Kind.ELECTION, CANDIDATES, choice_totals({29: "4"}, cast="4", abstain="4"), rule(),
        seats=2, carried=None, winners=[], required=None, base=D(0),
        sentence="No valid votes. Votes: none.",
    ),
    # --- election with one candidate: yes / no / abstain on them --------------------------
    Case(
        "one-candidate-elected",
        Kind.ELECTION, ONE_CANDIDATE, one_candidate_totals("7", "3", "2"), rule(),
        carried=True, winners=[P], required=None,
        sentence="Carried: 7 yes, 3 no; more yes than no required.",
    ),
    Case(  # base cast 10 including 3 abstentions; 5 is not more than half
        "one-candidate-absolute-base-cast",
        Kind.ELECTION, ONE_CANDIDATE, one_candidate_totals("5", "2", "3"),
        rule(Majority.ABSOLUTE, Base.CAST),
        carried=False, winners=[], required=D(6),
        sentence="Not carried: 5 of 10 votes cast; more than half required 6.",
    ),
    Case(
        "one-candidate-tie-chair",
        Kind.ELECTION, ONE_CANDIDATE, one_candidate_totals("3", "3"), rule(tie=TieRule.CHAIR),
        carried=None, winners=[], required=None, tied=[P], seats_open=1,
    ),
]
# fmt: on


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 30
    assert len({case.id for case in CASES}) == len(CASES)


def plain(sentence: str) -> str:
    """The sentence without the isolates around labels (tested on their own)."""
    return sentence.replace(rules.FSI, "").replace(rules.PDI, "")


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_decide(case: Case) -> None:
    outcome = rules.decide(
        case.kind, case.options, case.totals, case.rule, seats=case.seats, seed=case.seed
    )
    assert outcome.carried is case.carried
    assert outcome.winners == case.winners
    assert outcome.tied == case.tied
    assert outcome.awaiting_chair is bool(case.tied)
    assert outcome.required == case.required
    assert outcome.seats_open == case.seats_open
    assert outcome.lot_draw == case.lot_draw
    if case.base is not None:
        assert outcome.base == case.base
    if case.sentence is not None:
        assert plain(outcome.sentence) == case.sentence


def test_lot_is_deterministic_and_reproducible_from_the_seed() -> None:
    """The same seed always draws the same order, and anyone can redo it with
    SHA-256 alone (what lot_order documents) or with lot_order itself."""
    totals = choice_totals({P: "5", Q: "5", R: "5", S: "5"}, cast="10")
    lot = rule(tie=TieRule.LOT)
    first = rules.decide(Kind.ELECTION, CANDIDATES, totals, lot, seats=2, seed="published-seed-2")
    again = rules.decide(Kind.ELECTION, CANDIDATES, totals, lot, seats=2, seed="published-seed-2")
    assert first.lot_draw == again.lot_draw
    assert first.winners == again.winners == first.lot_draw[:2]

    def by_hand(seed: str, ids: list[int]) -> list[int]:
        return sorted(ids, key=lambda i: hashlib.sha256(f"{seed}:{i}".encode()).hexdigest())

    assert first.lot_draw == by_hand("published-seed-2", [P, Q, R, S])
    assert first.lot_draw == rules.lot_order("published-seed-2", [P, Q, R, S])
    assert sorted(first.lot_draw) == [P, Q, R, S]
    # Another seed may draw another order; it is still a permutation of the tied.
    other = rules.decide(Kind.ELECTION, CANDIDATES, totals, lot, seats=2, seed="seed-b")
    assert other.lot_draw == by_hand("seed-b", [P, Q, R, S])


def test_motion_lot_is_reproducible() -> None:
    totals = motion_totals("3", "3")
    for seed in ("seed-a", "seed-d", "published-seed-1"):
        outcome = rules.decide(Kind.MOTION, MOTION, totals, rule(tie=TieRule.LOT), seed=seed)
        even = hashlib.sha256(f"{seed}:motion".encode()).digest()[0] % 2 == 0
        assert outcome.carried is even
        assert outcome.winners == ([YES] if even else [])


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D(57), "57"),
        (D("57.0000"), "57"),
        (D("2.5000"), "2.5"),
        (D("0.3333"), "0.3333"),
        (D(0), "0"),
        (D("1.0001"), "1.0001"),
    ],
)
def test_weights_read_as_people_write_them(value: Decimal, text: str) -> None:
    assert rules.fmt(value) == text


def test_sentence_goes_through_the_translate_function() -> None:
    """The sentence is built through the given translate function, so a
    meeting held in Vietnamese gets its result in Vietnamese."""
    words = {"valid votes": "phiếu hợp lệ", "two-thirds": "hai phần ba"}

    def translate(text: str) -> str:
        return words.get(text, text)

    outcome = rules.decide(
        Kind.MOTION, MOTION, motion_totals("57", "23"), rule(Majority.TWO_THIRDS), _=translate
    )
    assert outcome.sentence == "Carried: 57 of 80 phiếu hợp lệ; hai phần ba required 54."
