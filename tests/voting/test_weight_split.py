"""The verifier's pure parts for weight classes, against brute force: which
weights are shown, and whether the merged class's weights can be split
among its ballots as a result says."""

from __future__ import annotations

import itertools
from collections import Counter
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from voting import verify

WEIGHTS = st.sampled_from([Decimal(w) for w in ("1", "1", "2.5", "0.75", "3", "1.3333", "0")])
CHOICES = st.sampled_from([(1,), (2,), (3,), (1, 2), (2, 3), ()])


def brute_force(
    weights: list[Decimal], ballots: list[tuple[int, ...]], targets: dict[int, Decimal]
) -> bool:
    for order in set(itertools.permutations(weights)):
        sums: dict[int, Decimal] = {}
        for w, choices in zip(order, ballots, strict=True):
            for c in choices:
                sums[c] = sums.get(c, Decimal(0)) + w
        if all(sums.get(o, Decimal(0)) == t for o, t in targets.items()) and all(
            o in targets for o in sums if sums[o]
        ):
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(
    weights=st.lists(WEIGHTS, min_size=0, max_size=6),
    choices=st.lists(CHOICES, min_size=6, max_size=6),
    nudge=st.sampled_from([Decimal(0), Decimal("0.25"), Decimal("-1.75"), Decimal("1.5")]),
    option=st.sampled_from([1, 2, 3]),
)
def test_split_possible_agrees_with_brute_force(
    weights: list[Decimal], choices: list[tuple[int, ...]], nudge: Decimal, option: int
) -> None:
    ballots = choices[: len(weights)]
    targets = dict.fromkeys((1, 2, 3), Decimal(0))
    for w, chosen in zip(weights, ballots, strict=True):  # the true split
        for c in chosen:
            targets[c] += w
    assert verify.split_possible(weights, Counter(ballots), targets) is True
    targets[option] += nudge  # a stated result, maybe impossible
    expected = brute_force(weights, ballots, targets)
    assert verify.split_possible(weights, Counter(ballots), targets) is expected


def test_the_search_gives_up_rather_than_hang() -> None:
    weights = [Decimal(i) / 7 for i in range(1, 41)]  # 40 distinct weights, 2 options
    ballots: Counter[tuple[int, ...]] = Counter({(1,): 20, (2,): 20})
    targets = {1: sum(weights[::2], Decimal(0)) + Decimal("0.0001"), 2: Decimal(0)}
    targets[2] = sum(weights, Decimal(0)) - targets[1]
    assert verify.split_possible(weights, ballots, targets, budget=5_000) is None


@given(st.lists(WEIGHTS, min_size=0, max_size=9))
def test_weight_classes_show_no_weight_of_fewer_than_three(weights: list[Decimal]) -> None:
    classes = verify.weight_classes(weights)
    counts = Counter(weights)
    shown = {Decimal(c["weight"]): c["ballots"] for c in classes["classes"]}
    assert all(counts[w] == n >= 3 for w, n in shown.items())
    merged = [w for w in weights if w not in shown]
    assert classes["other"]["ballots"] == len(merged)
    assert Decimal(classes["other"]["weight"]) == sum(merged, Decimal(0))
    assert len(merged) == 0 or len(merged) >= 3 or not shown
