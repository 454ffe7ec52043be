"""The duplicate review of a workshop: likely duplicates among its ideas, in clusters, and
the clusters facilitators say are not duplicates (« Pas des doublons »), remembered.

Ideas collected before an evening (a thousand, imported) repeat themselves; the review
lists the clusters of near-identical ideas (:mod:`workshop.grouping.duplicates`) so that
a facilitator merges each cluster in one action (:func:`.merging.merge_duplicates`,
undone by :func:`.merging.undo_grouping_change`) or dismisses it. A dismissal is a
journal entry of the workshop (a :class:`~workshop.models.GroupingSnapshot` row of kind
``duplicates_dismissed`` listing the ideas): no pair of those ideas is proposed again.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from flask_babel import get_locale
from sqlalchemy import select

from ..extensions import db
from ..grouping import duplicates as engine
from ..models import Facilitator, GroupingSnapshot, Idea, IdeaStatus, Workshop
from ..offload import run_blocking
from ..realtime import Facts
from ..schemas import DuplicateDismissal
from ..wire import DuplicatesDismissed
from . import challenges, event_log, lookup
from .guards import require_facilitator, require_not_closed

#: The journal kind of a dismissal (not a grouping change: nothing to undo in the grouping).
DISMISSED = "duplicates_dismissed"
# Enough of an idea to tell it from another: its title and the start of its text.
_COMPARED_CHARS = 600


def _reviewed(workshop: Workshop) -> list[Idea]:
    """The ideas the review compares: those the room sees (visible), by id."""
    return list(
        db.session.scalars(
            select(Idea)
            .where(Idea.workshop_id == workshop.id, Idea.status == IdeaStatus.VISIBLE)
            .order_by(Idea.id)
        )
    )


def _text(idea: Idea) -> str:
    return ". ".join(part for part in (idea.title, idea.description) if part)[:_COMPARED_CHARS]


def dismissed_pairs(workshop: Workshop) -> set[tuple[int, int]]:
    """Every pair of idea ids (smaller first) a facilitator said are not duplicates."""
    pairs: set[tuple[int, int]] = set()
    for data in db.session.scalars(
        select(GroupingSnapshot.data).where(GroupingSnapshot.workshop_id == workshop.id)
    ):
        if data.get("kind") == DISMISSED:
            pairs.update(combinations(sorted(data.get("idea_ids", [])), 2))
    return pairs


def find_duplicates(workshop_id: int, facilitator: Facilitator) -> dict[str, Any]:
    """The clusters of likely duplicates among the workshop's visible ideas, closest
    first: ``{"clusters": [{"idea_ids", "keep_id", "lowest", "highest"}], "compared"}``.

    ``keep_id`` is the most central idea, the one suggested to keep. Read-only; any
    facilitator of the workshop, at any time. The comparison runs off the event loop
    (:func:`~workshop.offload.run_blocking`) with no transaction open."""
    workshop = lookup.get_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    ideas = _reviewed(workshop)
    ids = [idea.id for idea in ideas]
    texts = [_text(idea) for idea in ideas]
    position = {idea_id: n for n, idea_id in enumerate(ids)}
    apart = [
        (position[a], position[b])
        for a, b in dismissed_pairs(workshop)
        if a in position and b in position
    ]
    db.session.rollback()  # no transaction stays open while the texts are compared
    clusters = run_blocking(engine.find_clusters, texts, _language(), apart)
    return {
        "clusters": [
            {
                "idea_ids": [ids[m] for m in cluster.members],
                "keep_id": ids[cluster.central],
                "lowest": cluster.lowest,
                "highest": cluster.highest,
            }
            for cluster in clusters
        ],
        "compared": len(ids),
    }


def dismiss_duplicates(
    workshop_id: int, facilitator: Facilitator, dismissal: DuplicateDismissal
) -> None:
    """« Pas des doublons »: these ideas are not duplicates of one another; no pair of
    them is proposed again. Facilitators, while the workshop is not closed. Dismissing
    ideas already kept apart records nothing. Emits ``duplicates_dismissed``."""
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    require_not_closed(workshop)
    ideas = [lookup.live_idea(workshop, idea_id) for idea_id in dismissal.idea_ids]
    ids = sorted(idea.id for idea in ideas)
    if set(combinations(ids, 2)) <= dismissed_pairs(workshop):
        return
    challenges.journal(workshop, DISMISSED, ids[0], {"idea_ids": ids})
    dismissed: DuplicatesDismissed = {"idea_ids": ids}
    event_log.record(workshop, Facts.DUPLICATES_DISMISSED, dismissed)
    db.session.commit()


def _language() -> str:
    return "en" if str(get_locale() or "fr").startswith("en") else "fr"
