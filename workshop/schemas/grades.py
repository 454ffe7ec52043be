"""The results of a room's majority-judgment vote, from its stored grades: who counts
as a voter, what an option a voter left ungraded counts as, and each option's view.

The rule, read by the vote service (live results, the frozen ranking) and by the
exports alike, so both say the same:

- A **voter** is a participant who graded at least one of the vote's options.
- Majority judgment's published definition has every voter grade every option. An
  option a voter left ungraded therefore counts as the lowest grade, « à rejeter »
  (0), for that voter, as Mieux Voter's own ballots do: one enthusiast alone cannot
  carry an option nobody else graded. The phones say so above the options.
- The one exception: when a vote does not let people vote for their own idea, an
  idea's author is not counted on it at all (they could not grade it).

Each option then has one grade per counted voter, and :func:`workshop.majority.rank`
orders them (majority grade, Balinski and Laraki's tie-break).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypedDict

from ..majority import SCALE, Merit, rank

#: The grade an option a voter left ungraded counts as: « à rejeter ».
UNGRADED = SCALE[0]


class GradeResult(TypedDict):
    """One option's result: its grades' distribution (worst first: the stacked bar),
    how many grades count, its majority grade (``None`` without any), its rank (ties
    share one) and which way its grades lean from the majority grade (+1 more above,
    -1 more below, 0 as many)."""

    item_id: int
    counts: list[int]
    graders: int
    majority: int | None
    rank: int
    leaning: int


def merits(
    options: Sequence[int],
    grades: Iterable[tuple[int, int, int]],
    authors: Mapping[int, int | None] | None = None,
) -> list[Merit[int]]:
    """The options ranked by majority judgment, best first.

    ``options``: the ids of the items on the ballot, in a stable order (ties keep it);
    ``grades``: the stored ``(participant_id, item_id, grade)`` rows (rows on other
    items are ignored); ``authors``: item id → author's participant id, given when the
    vote does not let people vote for their own idea (their own idea is left out for
    them, not counted « à rejeter »).
    """
    on_ballot = set(options)
    given: dict[int, dict[int, int]] = defaultdict(dict)  # item → participant → grade
    voters: set[int] = set()
    for participant_id, item_id, grade in grades:
        if item_id in on_ballot:
            given[item_id][participant_id] = grade
            voters.add(participant_id)
    excluded = authors or {}
    ballot: dict[int, list[int]] = {}
    for item_id in options:
        mine = given.get(item_id, {})
        author = excluded.get(item_id)
        ballot[item_id] = [
            mine.get(voter, UNGRADED) for voter in voters if voter in mine or voter != author
        ]
    return rank(ballot)


def results(merits_: Iterable[Merit[int]]) -> list[GradeResult]:
    """The wire view of ranked merits (see :class:`GradeResult`)."""
    return [
        {
            "item_id": merit.option,
            "counts": list(merit.counts),
            "graders": merit.graders,
            "majority": merit.majority,
            "rank": merit.rank,
            "leaning": merit.gauge.leaning if merit.gauge is not None else 0,
        }
        for merit in merits_
    ]


def ranking_rows(
    merits_: Iterable[Merit[int]], key: str, titles: Mapping[int, str]
) -> list[dict[str, Any]]:
    """A frozen majority-judgment ranking as stored in ``Phase.frozen_ranking``: the
    dot ranking's row (``key`` "idea_id" or "challenge_id", ``title``, ``rank``,
    ``votes``: the grades counted) plus ``majority_grade`` and ``grades`` (the
    distribution, worst first). Options without any grade are left out."""
    return [
        {
            key: merit.option,
            "title": titles.get(merit.option, ""),
            "votes": merit.graders,
            "rank": merit.rank,
            "majority_grade": merit.majority,
            "grades": list(merit.counts),
        }
        for merit in merits_
        if merit.graders
    ]
