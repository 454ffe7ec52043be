"""Majority judgment (jugement majoritaire): grades on a scale, the majority grade of each
option and the standard tie-break.

Each judge gives each option one grade of an ordered scale (here 0 « à rejeter » … 6
« excellent », :data:`SCALE`, in words :data:`GRADE_LABELS`). An option's
**majority grade** is the lower median of its grades: the best grade that a majority of
its judges gives it or better.

Ties are broken by Balinski and Laraki's rule (*Majority Judgment*, MIT Press, 2011):
options with the same majority grade are compared on their **majority value**, the
sequence of grades read by repeatedly taking the (lower) median and removing one copy of
it. Comparing majority values lexicographically is the same as « remove one median grade
from each tied option and compare again », and it is what :func:`rank` does; it is not the
(p, α, q) « majority gauge », which only approximates it. :func:`gauge` is still given,
for the words a deliberation shows (« plutôt plus » / « plutôt moins »).

When options have different numbers of grades (a member did not grade one), their
majority values are compared the same way; a majority value that is a beginning of a
longer one ranks below it (the longer one had, at that point, one more grade to tell).

Options are any hashable ids: agenda items, a cohort's candidates, a room's proposals.
Nothing here imports the application.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Generic, TypeVar

from flask_babel import lazy_gettext as _l

K = TypeVar("K", bound=Hashable)

#: The grades, worst first: 0 « à rejeter », 1 « insuffisant », 2 « passable »,
#: 3 « assez bien », 4 « bien », 5 « très bien », 6 « excellent ».
SCALE: tuple[int, ...] = tuple(range(7))
#: The grades in words, worst first: what every page, script, export and report says.
GRADE_LABELS = (
    _l("to reject"),
    _l("insufficient"),
    _l("fair"),
    _l("fairly good"),
    _l("good"),
    _l("very good"),
    _l("excellent"),
)


def check_grades(grades: Iterable[int], scale: Sequence[int] = SCALE) -> list[int]:
    """``grades`` as a list, each checked to be on ``scale`` (``ValueError`` else)."""
    allowed = set(scale)
    listed = list(grades)
    for grade in listed:
        if isinstance(grade, bool) or grade not in allowed:
            raise ValueError(f"{grade!r} is not a grade of the scale")
    return listed


def distribution(grades: Iterable[int], scale: Sequence[int] = SCALE) -> tuple[int, ...]:
    """How many of ``grades`` each grade of ``scale`` got, worst first: the segments of
    a stacked bar."""
    counts = dict.fromkeys(scale, 0)
    for grade in check_grades(grades, scale):
        counts[grade] += 1
    return tuple(counts[grade] for grade in scale)


def majority_grade(grades: Iterable[int]) -> int | None:
    """The lower median of ``grades`` (``None`` without any grade)."""
    ordered = sorted(grades)
    if not ordered:
        return None
    return ordered[(len(ordered) - 1) // 2]


def majority_value(grades: Iterable[int]) -> tuple[int, ...]:
    """The grades in the order the remove-the-median procedure reads them.

    On the sorted grades the lower median sits at ``m = (n - 1) // 2``; taking it out
    and taking the next lower median walks outwards from ``m``: downwards first when
    ``n`` is odd (``m, m-1, m+1, m-2, …``), upwards first when ``n`` is even
    (``m, m+1, m-1, m+2, …``).
    """
    ordered = sorted(grades)
    n = len(ordered)
    if n == 0:
        return ()
    m = (n - 1) // 2
    value = [ordered[m]]
    first, second = (-1, 1) if n % 2 else (1, -1)
    for step in range(1, n):
        offset = (step + 1) // 2
        sign = first if step % 2 else second
        value.append(ordered[m + sign * offset])
    return tuple(value)


@dataclass(frozen=True)
class Gauge:
    """Balinski and Laraki's majority gauge: ``p`` the share of grades above the majority
    grade ``alpha``, ``q`` the share below it."""

    p: Fraction
    alpha: int
    q: Fraction

    @property
    def leaning(self) -> int:
        """+1 when more grades are above the majority grade than below, -1 when fewer,
        0 when as many."""
        return (self.p > self.q) - (self.p < self.q)


def gauge(grades: Iterable[int]) -> Gauge | None:
    """The majority gauge (p, α, q) of ``grades`` (``None`` without any grade)."""
    listed = list(grades)
    alpha = majority_grade(listed)
    if alpha is None:
        return None
    n = len(listed)
    above = sum(1 for grade in listed if grade > alpha)
    below = sum(1 for grade in listed if grade < alpha)
    return Gauge(Fraction(above, n), alpha, Fraction(below, n))


@dataclass(frozen=True)
class Merit(Generic[K]):
    """What a deliberation shows of one option: its grades' distribution (``counts``,
    worst grade first), how many graded it, its majority grade, lowest and highest
    grade, its gauge, and its rank (1 = best; tied options share a rank)."""

    option: K
    counts: tuple[int, ...]
    graders: int
    majority: int | None
    lowest: int | None
    highest: int | None
    gauge: Gauge | None
    value: tuple[int, ...]
    rank: int


def merit(
    option: K, grades: Iterable[int], scale: Sequence[int] = SCALE, rank: int = 1
) -> Merit[K]:
    """The :class:`Merit` of one option from its grades."""
    listed = check_grades(grades, scale)
    return Merit(
        option=option,
        counts=distribution(listed, scale),
        graders=len(listed),
        majority=majority_grade(listed),
        lowest=min(listed) if listed else None,
        highest=max(listed) if listed else None,
        gauge=gauge(listed),
        value=majority_value(listed),
        rank=rank,
    )


def rank(options: Mapping[K, Iterable[int]], scale: Sequence[int] = SCALE) -> list[Merit[K]]:
    """``options`` (id → grades) best first by majority judgment, each with its rank.

    Options whose majority values are equal (the same grades) share a rank and the next
    rank skips (« 1, 1, 3 »); among them the order of ``options`` is kept. An option
    without any grade ranks last.
    """
    merits = [merit(option, grades, scale) for option, grades in options.items()]
    ordered = sorted(merits, key=lambda m: m.value, reverse=True)  # stable: keeps ties' order
    ranked: list[Merit[K]] = []
    for index, item in enumerate(ordered):
        if ranked and ranked[-1].value == item.value:
            position = ranked[-1].rank
        else:
            position = index + 1
        ranked.append(replace(item, rank=position))
    return ranked
