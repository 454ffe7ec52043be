"""Merge proposals: ideas of different sessions that look alike.

Each import proposes merging the ideas it added or reworded with look-alike ideas of
the Fabrique's other sessions (:func:`propose_merges`); a member accepts or dismisses
each proposal (:mod:`.follow_up`).

The comparison is CPU work (a session of 1,000 ideas against five others: about half a
second, most of it numpy): it runs through :func:`workshop.offload.run_blocking`, off the
event loop, between the reads and the writes it needs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, or_, select

from ...extensions import db
from ...grouping import nearby
from ...models import MergeStatus, PortfolioIdea, PortfolioMergeProposal, PortfolioSession
from ...offload import run_blocking

# Cosine similarity (character n-grams, workshop.grouping.nearby) from which two ideas
# of different sessions are proposed for merging; the hint on phones starts at 0.3.
MERGE_MIN_SCORE = 0.5
MERGE_CANDIDATES = 3
# Enough of a description to tell ideas apart; long ones would only slow imports down.
_COMPARED_BODY = 160


def _idea_text(title: str, body: str) -> str:
    """What two ideas are compared on: the title and the start of the description."""
    return f"{title}\n{body[:_COMPARED_BODY]}" if body else title


def _language(document: dict[str, Any]) -> str:
    """The language the export's ideas are written in, as the similarity index reads it."""
    language = (document["workshop"].get("language") or "fr")[:2]
    return language if language in ("fr", "en") else "fr"


def look_alikes(others: list[str], mine: list[str], lang: str) -> list[list[nearby.Match]]:
    """For each of ``mine``, the (at most :data:`MERGE_CANDIDATES`) texts of ``others``
    scoring at least :data:`MERGE_MIN_SCORE`, best first. Computes only (no database):
    :func:`propose_merges` runs it off the event loop."""
    if not others or not mine:
        return [[] for _ in mine]
    index = nearby.SimilarityIndex(others, lang)
    return index.query_many(mine, MERGE_CANDIDATES, MERGE_MIN_SCORE)


def propose_merges(
    fabrique_id: int, session: PortfolioSession, idea_ids: list[int], document: dict[str, Any]
) -> int:
    """Propose merging ``idea_ids`` with look-alike ideas of the Fabrique's other sessions.

    Called by the import, inside its transaction (it does not commit); the number of
    proposals made. Uses the character n-gram similarity of
    :mod:`workshop.grouping.nearby` (:func:`look_alikes`, off the event loop); a pair
    already proposed, accepted or dismissed (either way round) is never proposed again.
    """
    if not idea_ids:
        return 0
    others = db.session.execute(
        select(PortfolioIdea.id, PortfolioIdea.title, PortfolioIdea.body)
        .where(
            PortfolioIdea.fabrique_id == fabrique_id,
            PortfolioIdea.session_id != session.id,
            PortfolioIdea.merged_into_id.is_(None),
        )
        .order_by(PortfolioIdea.id)
    ).all()
    if not others:
        return 0
    mine = db.session.execute(
        select(PortfolioIdea.id, PortfolioIdea.title, PortfolioIdea.body).where(
            PortfolioIdea.id.in_(idea_ids)
        )
    ).all()
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
    matches = run_blocking(
        look_alikes,
        [_idea_text(o.title, o.body) for o in others],
        [_idea_text(i.title, i.body) for i in mine],
        _language(document),
    )
    rows = []
    for idea, found in zip(mine, matches, strict=True):
        for match in found:
            other = others[match.index].id
            pair = frozenset((idea.id, other))
            if pair in known:
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
    return len(rows)
