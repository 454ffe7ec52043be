"""A Fabrique's follow-up work on its portfolio: stages, and duplicates across sessions.

A member moves an idea from stage to stage (:func:`change_stage`); their choice outlives
later exports of its session. Each import proposes merging the ideas it added or
reworded with look-alike ideas of the Fabrique's other sessions
(:func:`propose_merges`); a member accepts or dismisses each proposal. Every write here
takes the Fabrique's write lock first, as imports do.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import insert, or_, select, update

from ...errors import Conflict, MergeCycle, NotFound
from ...extensions import db
from ...grouping import nearby
from ...models import (
    Fabrique,
    Facilitator,
    MergeStatus,
    PortfolioIdea,
    PortfolioMergeProposal,
    PortfolioSession,
    utcnow,
)
from ...schemas.portfolio import StageChange
from ..fabriques import lock_fabrique
from .queries import idea as idea_in

# Cosine similarity (character n-grams, workshop.grouping.nearby) from which two ideas
# of different sessions are proposed for merging; the hint on phones starts at 0.3.
MERGE_MIN_SCORE = 0.5
MERGE_CANDIDATES = 3
# Enough of a description to tell ideas apart; long ones would only slow imports down.
_COMPARED_BODY = 160


def change_stage(fabrique: Fabrique, change: StageChange) -> PortfolioIdea:
    """Move an idea to another follow-up stage; a member's choice, kept over new exports.

    The caller has checked membership. Raises :class:`NotFound`, and
    :class:`Conflict` when ``change.version`` is not the idea's current version.
    """
    lock_fabrique(fabrique.id)
    idea = idea_in(fabrique, change.idea_id)
    if idea.version != change.version:
        raise Conflict()
    idea.stage = change.stage
    idea.abandon_reason = change.abandon_reason
    idea.stage_source = "fabrique"
    idea.version += 1
    db.session.commit()
    return idea


def _idea_text(title: str, body: str) -> str:
    """What two ideas are compared on: the title and the start of the description."""
    return f"{title}\n{body[:_COMPARED_BODY]}" if body else title


def _language(document: dict[str, Any]) -> str:
    """The language the export's ideas are written in, as the similarity index reads it."""
    language = (document["workshop"].get("language") or "fr")[:2]
    return language if language in ("fr", "en") else "fr"


def propose_merges(
    fabrique_id: int, session: PortfolioSession, idea_ids: list[int], document: dict[str, Any]
) -> int:
    """Propose merging ``idea_ids`` with look-alike ideas of the Fabrique's other sessions.

    Called by the import, inside its transaction (it does not commit); the number of
    proposals made. Uses the character n-gram similarity of
    :mod:`workshop.grouping.nearby`; a pair already proposed, accepted or dismissed
    (either way round) is never proposed again.
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
    index = nearby.SimilarityIndex(
        [_idea_text(o.title, o.body) for o in others], _language(document)
    )
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
    rows = []
    matches = index.query_many(
        [_idea_text(i.title, i.body) for i in mine], MERGE_CANDIDATES, MERGE_MIN_SCORE
    )
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


def _open_proposal(fabrique: Fabrique, proposal_id: int) -> PortfolioMergeProposal:
    """One of ``fabrique``'s proposals, still to decide: else :class:`NotFound` or
    :class:`Conflict`."""
    proposal = db.session.get(PortfolioMergeProposal, proposal_id)
    if proposal is None or proposal.fabrique_id != fabrique.id:
        raise NotFound()
    if proposal.status != MergeStatus.PROPOSED:
        raise Conflict(_("This proposal was already decided."))
    return proposal


def _decide(
    proposal: PortfolioMergeProposal, status: MergeStatus, by: Facilitator
) -> PortfolioMergeProposal:
    """Record who decided ``proposal`` and how, and commit."""
    proposal.status = status.value
    proposal.decided_at = utcnow()
    proposal.decided_by_id = by.id
    db.session.commit()
    return proposal


def accept_merge(fabrique: Fabrique, proposal_id: int, by: Facilitator) -> PortfolioMergeProposal:
    """Merge the proposal's later idea into the earlier one (ideas merged into it follow).

    Raises :class:`NotFound`, :class:`Conflict` (already decided) and
    :class:`MergeCycle` (the earlier idea was itself merged into the later one).
    """
    lock_fabrique(fabrique.id)
    proposal = _open_proposal(fabrique, proposal_id)
    target = proposal.keep
    seen = {proposal.idea_id}
    while target.merged_into_id is not None:
        if target.id in seen:
            raise MergeCycle()
        seen.add(target.id)
        target = idea_in(fabrique, target.merged_into_id)
    if target.id == proposal.idea_id:
        raise MergeCycle()
    db.session.execute(
        update(PortfolioIdea)
        .where(
            or_(
                PortfolioIdea.id == proposal.idea_id,
                PortfolioIdea.merged_into_id == proposal.idea_id,
            )
        )
        .values(merged_into_id=target.id, updated_at=utcnow())
    )
    return _decide(proposal, MergeStatus.ACCEPTED, by)


def dismiss_merge(fabrique: Fabrique, proposal_id: int, by: Facilitator) -> PortfolioMergeProposal:
    """Mark a proposal as not a duplicate; it is never proposed again.

    Raises :class:`NotFound` and :class:`Conflict` (already decided).
    """
    lock_fabrique(fabrique.id)
    return _decide(_open_proposal(fabrique, proposal_id), MergeStatus.DISMISSED, by)


def open_proposals(fabrique: Fabrique) -> list[PortfolioMergeProposal]:
    """Proposals still to decide whose two ideas are both unmerged, best score first."""
    kept = db.aliased(PortfolioIdea)
    merged = db.aliased(PortfolioIdea)
    return list(
        db.session.scalars(
            select(PortfolioMergeProposal)
            .join(merged, merged.id == PortfolioMergeProposal.idea_id)
            .join(kept, kept.id == PortfolioMergeProposal.keep_id)
            .where(
                PortfolioMergeProposal.fabrique_id == fabrique.id,
                PortfolioMergeProposal.status == MergeStatus.PROPOSED,
                merged.merged_into_id.is_(None),
                kept.merged_into_id.is_(None),
            )
            .order_by(PortfolioMergeProposal.score.desc(), PortfolioMergeProposal.id)
        )
    )
