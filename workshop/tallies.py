"""The rules of dot tallies that every reader of votes shares: when the room may see
them, and how items rank (ties share a rank, « 1, 1, 3 »).

Kept apart from the services so that the serialisers, the vote service's fast path
and the exports read the same rule; ``static/js/results.js`` mirrors :func:`ranks`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any


def tallies_public(
    settings: Mapping[str, Any], revealed_at: dt.datetime | None, frozen_at: dt.datetime | None
) -> bool:
    """Whether participants and screens may see a vote's tallies now: the vote is not
    hidden, or it was revealed, or its results are frozen."""
    return not settings["hidden"] or revealed_at is not None or frozen_at is not None


def ranks(votes: Mapping[int, int]) -> dict[int, int]:
    """The rank of each item by dots, most first, ties sharing a rank (« 1, 1, 3 »);
    equal items are listed by id, so the order is stable. Items without dots get no
    rank."""
    ordered = sorted((item for item, n in votes.items() if n > 0), key=lambda i: (-votes[i], i))
    result: dict[int, int] = {}
    previous: int | None = None
    for position, item in enumerate(ordered, start=1):
        if previous is not None and votes[item] == votes[previous]:
            result[item] = result[previous]
        else:
            result[item] = position
        previous = item
    return result
