"""Majority judgment against its published definition.

The reference below is Balinski and Laraki's procedure as they state it (*Majority
Judgment*, 2011, ch. 13; also Wikipedia « Jugement majoritaire »): two options with the
same number of grades are compared on their majority grades (lower medians); while
those are equal, one copy of the majority grade is removed from each and the majority
grades are compared again. ``workshop.majority`` reads majority values by index
instead; the two must agree on every ranking.
"""

from __future__ import annotations

import statistics
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workshop.majority import (
    SCALE,
    distribution,
    gauge,
    majority_grade,
    majority_value,
    merit,
    rank,
)

grades = st.integers(min_value=0, max_value=6)


def reference_compare(a: list[int], b: list[int]) -> int:
    """+1 when ``a`` beats ``b``, -1 when ``b`` beats ``a``, 0 for a tie: the
    remove-the-medians procedure, literally, on two lists of the same length."""
    a, b = sorted(a), sorted(b)
    while a:
        median_a = a[(len(a) - 1) // 2]
        median_b = b[(len(b) - 1) // 2]
        if median_a != median_b:
            return 1 if median_a > median_b else -1
        a.remove(median_a)
        b.remove(median_b)
    return 0


@st.composite
def ballots(draw: st.DrawFn) -> dict[str, list[int]]:
    """Several options graded by the same number of judges."""
    judges = draw(st.integers(min_value=1, max_value=9))
    count = draw(st.integers(min_value=1, max_value=6))
    return {
        f"option-{i}": draw(st.lists(grades, min_size=judges, max_size=judges))
        for i in range(count)
    }


@settings(max_examples=300)
@given(ballots())
def test_ranking_agrees_with_the_remove_medians_procedure(options: dict[str, list[int]]) -> None:
    ranked = rank(options)
    position = {m.option: m.rank for m in ranked}
    assert sorted(position) == sorted(options)
    for a in options:
        for b in options:
            expected = reference_compare(options[a], options[b])
            got = (position[a] < position[b]) - (position[a] > position[b])
            assert got == expected, (a, b, options[a], options[b])
    # Best first, and ties (« 1, 1, 3 ») share a rank and skip the next.
    ranks = [m.rank for m in ranked]
    assert ranks == sorted(ranks)
    for index, m in enumerate(ranked):
        assert m.rank == 1 + sum(1 for other in ranked if other.value > m.value)
        assert index + 1 >= m.rank


@given(st.lists(grades, min_size=1, max_size=30))
def test_majority_grade_is_the_lower_median(listed: list[int]) -> None:
    assert majority_grade(listed) == statistics.median_low(listed)
    # At least half the judges give it that grade or better, and that grade or worse.
    alpha = majority_grade(listed)
    assert alpha is not None
    assert 2 * sum(1 for g in listed if g >= alpha) > len(listed)
    assert 2 * sum(1 for g in listed if g <= alpha) >= len(listed)


@given(st.lists(grades, max_size=30))
def test_majority_value_is_the_sequence_of_removed_medians(listed: list[int]) -> None:
    remaining = sorted(listed)
    expected = []
    while remaining:
        median = remaining[(len(remaining) - 1) // 2]
        expected.append(median)
        remaining.remove(median)
    assert majority_value(listed) == tuple(expected)


@given(st.lists(grades, max_size=30))
def test_distribution_and_merit(listed: list[int]) -> None:
    counts = distribution(listed)
    assert len(counts) == len(SCALE)
    assert sum(counts) == len(listed)
    assert all(counts[g] == listed.count(g) for g in SCALE)
    m = merit("x", listed)
    assert m.graders == len(listed)
    if listed:
        assert m.lowest == min(listed) and m.highest == max(listed)
        assert m.gauge is not None
        assert m.gauge.p + m.gauge.q < 1  # the majority grade itself is in neither share
    else:
        assert m.majority is None and m.gauge is None and m.value == ()


def test_a_worked_example() -> None:
    """Three projects, five judges: B and A share « bien », B wins the tie-break."""
    options = {
        "A": [6, 4, 4, 2, 1],  # majority value 4, 2, 4, 1, 6
        "B": [5, 4, 4, 3, 0],  # 4, 3, 4, 0, 5
        "C": [3, 3, 3, 3, 3],
        "D": [],
    }
    ranked = rank(options)
    assert [(m.option, m.rank, m.majority) for m in ranked] == [
        ("B", 1, 4),
        ("A", 2, 4),
        ("C", 3, 3),
        ("D", 4, None),
    ]
    a = gauge(options["A"])
    assert a is not None and (a.p, a.alpha, a.q) == (Fraction(1, 5), 4, Fraction(2, 5))
    assert a.leaning == -1


def test_equal_grades_tie_and_keep_their_order() -> None:
    ranked = rank({"first": [2, 5], "second": [5, 2], "third": [0, 6]})
    assert [(m.option, m.rank) for m in ranked] == [("first", 1), ("second", 1), ("third", 3)]


@pytest.mark.parametrize("bad", [[7], [-1], [True], [2.5]])
def test_grades_off_the_scale_are_refused(bad: list[int]) -> None:
    with pytest.raises(ValueError):
        distribution(bad)
