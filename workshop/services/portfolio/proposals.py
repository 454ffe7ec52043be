"""Merge proposals: ideas of different sessions that look alike.

Each import proposes merging the ideas it added or reworded with look-alike ideas of
the Fabrique's other sessions (:func:`propose_merges`); a member accepts or dismisses
each proposal (:mod:`.follow_up`).

The comparison is CPU work (a session of 1,000 ideas against five others: about half a
second, most of it numpy): it runs after the import has committed, through
:func:`workshop.offload.run_blocking` (off the event loop), with no transaction open, so
neither the phones of a live workshop nor another import wait for it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, or_, select

from ...extensions import db
from ...grouping import nearby
from ...models import MergeStatus, PortfolioIdea, PortfolioMergeProposal
from ...offload import run_blocking
from ..fabriques import lock_fabrique

# Cosine similarity (character n-grams, workshop.grouping.nearby) from which two ideas
# of different sessions are proposed for merging; the hint on phones starts at 0.3.
MERGE_MIN_SCORE = 0.5
MERGE_CANDIDATES = 3
# Enough of a description to tell ideas apart; long ones would only slow imports down.
_COMPARED_BODY = 160


def _idea_text(title: str, body: str) -> str:
    """What two ideas are compared on: the title and the start of the description."""
    return f"{title}\n{body[:_COMPARED_BODY]}" if body else title


def look_alikes(others: list[str], mine: list[str], lang: str) -> list[list[nearby.Match]]:
    """For each of ``mine``, the (at most :data:`MERGE_CANDIDATES`) texts of ``others``
    scoring at least :data:`MERGE_MIN_SCORE`, best first. Computes only (no database):
    :func:`propose_merges` runs it off the event loop."""
    if not others or not mine:
        return [[] for _ in mine]
    index = nearby.SimilarityIndex(others, lang)
    return index.query_many(mine, MERGE_CANDIDATES, MERGE_MIN_SCORE)


def propose_merges(fabrique_id: int, session_id: int, idea_ids: list[int], language: str) -> int:
    """Propose merging ``idea_ids`` (of session ``session_id``) with look-alike ideas of
    the Fabrique's other sessions; the number of proposals made. Commits.

    Called by the import once its own transaction is committed, so that no write lock is
    held while the texts are compared: the reads end their transaction, the comparison
    (:func:`look_alikes`) runs off the event loop, and only the insert takes the
    Fabrique's write lock, after checking again which ideas are still there and unmerged.
    A pair already proposed, accepted or dismissed (either way round) is never proposed
    again.
    """
    if not idea_ids:
        return 0
    others = _unmerged(
        PortfolioIdea.fabrique_id == fabrique_id, PortfolioIdea.session_id != session_id
    )
    mine = _unmerged(PortfolioIdea.id.in_(idea_ids)) if others else []
    db.session.commit()  # ends the read: writers are not kept waiting meanwhile
    if not others or not mine:
        return 0
    matches = run_blocking(
        look_alikes,
        [_idea_text(o.title, o.body) for o in others],
        [_idea_text(i.title, i.body) for i in mine],
        language if language in ("fr", "en") else "fr",
    )
    lock_fabrique(fabrique_id)
    compared = [i.id for i in mine] + [o.id for o in others]
    still = set(
        db.session.scalars(
            select(PortfolioIdea.id).where(
                PortfolioIdea.id.in_(compared), PortfolioIdea.merged_into_id.is_(None)
            )
        )
    )
    known = {
        frozenset(pair)
        for pair in db.session.execute(
            select(PortfolioMergeProposal.idea_id, PortfolioMergeProposal.keep_id).where(
                or_(
                    PortfolioMergeProposal.idea_id.in_(idea_ids),
                    PortfolioMergeProposal.keep_id.in_(idea_ids),
                )
            )
        ).all()
    }
    rows = []
    for idea, found in zip(mine, matches, strict=True):
        for match in found:
            other = others[match.index].id
            pair = frozenset((idea.id, other))
            if pair in known or idea.id not in still or other not in still:
                continue
            known.add(pair)
            # The later import is merged into the earlier one.
            later, earlier = max(idea.id, other), min(idea.id, other)
            rows.append(
                {
                    "fabrique_id": fabrique_id,
                    "idea_id": later,
                    "keep_id": earlier,
                    "score": match.score,
                    "status": MergeStatus.PROPOSED.value,
                }
            )
    if rows:
        db.session.execute(insert(PortfolioMergeProposal), rows)
    db.session.commit()
    return len(rows)


def _unmerged(*where: Any) -> list[Any]:
    """Id, title and description of the unmerged ideas matching ``where``, by id."""
    return list(
        db.session.execute(
            select(PortfolioIdea.id, PortfolioIdea.title, PortfolioIdea.body)
            .where(*where, PortfolioIdea.merged_into_id.is_(None))
            .order_by(PortfolioIdea.id)
        ).all()
    )
