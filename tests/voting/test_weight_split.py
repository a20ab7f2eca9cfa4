"""The verifier's pure parts for weight classes, against brute force: which
weights are shown, and whether the merged class's weights can be split
among its ballots as a result says."""

from __future__ import annotations

import itertools
from collections import Counter
from decimal import Decimal
from typing import Any

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


@given(st.lists(WEIGHTS, min_size=0, max_size=12), st.randoms())
def test_weight_classes_show_no_weight_of_fewer_than_three(
    weights: list[Decimal], rnd: Any
) -> None:
    classes = verify.weight_classes(weights)
    counts = Counter(weights)
    shown = {Decimal(c["weight"]): c["ballots"] for c in classes["classes"]}
    assert all(3 <= n <= counts[w] for w, n in shown.items())
    merged = Counter(weights) - Counter({w: n for w, n in shown.items()})
    assert classes["other"]["ballots"] == sum(merged.values())
    assert Decimal(classes["other"]["weight"]) == sum(merged.elements(), Decimal(0))
    assert sum(merged.values()) == 0 or sum(merged.values()) >= 3 or not shown
    # The labels, in any (receipt) order, give each class its count.
    rnd.shuffle(weights)
    labels = Counter(verify.class_labels(weights, classes))
    assert labels == Counter({verify.weight_text(w): n for w, n in shown.items()}) + Counter(
        {verify.OTHER: classes["other"]["ballots"]}
    )


def test_a_lone_weight_is_topped_up_from_the_largest_class() -> None:
    """One delegate of 2.5 among nine members of weight 1: two ballots of
    weight 1 join hers in "other", seven still show their weight."""
    weights = [Decimal(1)] * 9 + [Decimal("2.5")]
    assert verify.weight_classes(weights) == {
        "smallest": 3,
        "classes": [{"weight": "1.0000", "ballots": 7}],
        "other": {"ballots": 3, "weight": "4.5000"},
    }
    # When no class can give two and keep three, the smallest joins whole.
    assert verify.weight_classes([Decimal(1)] * 4 + [Decimal(3)] * 3 + [Decimal("2.5")]) == {
        "smallest": 3,
        "classes": [{"weight": "1.0000", "ballots": 4}],
        "other": {"ballots": 4, "weight": "11.5000"},
    }
