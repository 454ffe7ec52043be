"""A Fabrique's follow-up work on its portfolio: stages, and duplicates across sessions.

A member moves an idea from stage to stage (:func:`change_stage`); their choice outlives
later exports of its session. Each import proposes merging the ideas it added or
reworded with look-alike ideas of the Fabrique's other sessions
(:mod:`.proposals`); a member accepts or dismisses each proposal. Every write here
takes the Fabrique's write lock first, as imports do.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from ...errors import Conflict, MergeCycle, NotFound
from ...extensions import db
from ...models import (
    Fabrique,
    Facilitator,
    MergeStatus,
    PortfolioIdea,
    PortfolioMergeProposal,
    Project,
    ProjectKind,
    utcnow,
)
from ...schemas.portfolio import StageChange
from ..fabriques import lock_fabrique
from .projects import project_in, record, set_stage
from .queries import idea as idea_in


def change_stage(
    fabrique: Fabrique, change: StageChange, by: Facilitator | None = None
) -> PortfolioIdea:
    """Move an idea's project to another follow-up stage (the idea page's form): a
    member's choice, kept over new exports, in the project's history.

    The caller has checked membership. Raises :class:`NotFound`, and
    :class:`Conflict` when ``change.version`` is not the idea's current version.
    """
    lock_fabrique(fabrique.id)
    idea = idea_in(fabrique, change.idea_id)
    if idea.version != change.version:
        raise Conflict()
    if idea.project_id is None:  # not imported since projects exist: on its own
        idea.stage = change.stage
        idea.abandon_reason = change.abandon_reason
        idea.stage_source = "fabrique"
        idea.version += 1
    else:
        set_stage(
            fabrique,
            idea.project_id,
            change.stage,
            reason=change.abandon_reason or None,
            by=by,
            extra={"idea_id": idea.id},
        )
    db.session.commit()
    return idea


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
    """Merge the proposal's later idea into the earlier one (ideas merged into it follow),
    and the later idea's project into the kept idea's (:func:`_merge_projects`).

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
    _merge_projects(fabrique, proposal.idea, target, by)
    return _decide(proposal, MergeStatus.ACCEPTED, by)


def _root(fabrique: Fabrique, project: Project) -> Project:
    """The project ``project`` ended up in, following merges."""
    seen = {project.id}
    while project.merged_into_id is not None and project.merged_into_id not in seen:
        project = project_in(fabrique, project.merged_into_id)
        seen.add(project.id)
    return project


def _merge_projects(
    fabrique: Fabrique, later: PortfolioIdea, kept: PortfolioIdea, by: Facilitator
) -> None:
    """Merge ``later``'s project into ``kept``'s, keeping its lineage: the merged
    project gets ``merged_into_id`` (and so do the projects merged into it before), both
    histories say "merged", and the merged project's ideas count for the kept one.

    A défi's project holds several ideas: one duplicate idea does not make the whole
    défi the same project. So when ``later`` belongs to a défi's project that holds other
    ideas still in it, the projects stay apart and both histories record the duplicate
    ("duplicate_linked"); a défi's project whose only idea is ``later`` is merged like an
    idea's. Ideas not imported since projects exist (no project) change nothing here."""
    if later.project_id is None or kept.project_id is None:
        return
    source = project_in(fabrique, later.project_id)
    into = _root(fabrique, project_in(fabrique, kept.project_id))
    if _root(fabrique, source).id == into.id:
        return
    link = {"idea_id": later.id, "idea_title": later.title, "kept_idea_id": kept.id}
    others = db.session.scalar(
        select(func.count(PortfolioIdea.id)).where(
            PortfolioIdea.project_id == source.id,
            PortfolioIdea.id != later.id,
            PortfolioIdea.merged_into_id.is_(None),
            PortfolioIdea.absent_since.is_(None),
        )
    )
    if source.kind == ProjectKind.CHALLENGE and others:
        record(
            source, "duplicate_linked", {**link, "project_id": into.id, "title": into.title}, by=by
        )
        record(
            into,
            "duplicate_linked",
            {**link, "project_id": source.id, "title": source.title},
            by=by,
        )
        return
    now = utcnow()
    db.session.execute(
        update(Project)
        .where(Project.merged_into_id == source.id)
        .values(merged_into_id=into.id, updated_at=now)
    )
    source.merged_into_id = into.id
    source.updated_at = into.updated_at = now
    record(
        source,
        "merged",
        {**link, "into": into.id, "title": into.title, "stage": source.stage},
        by=by,
    )
    record(
        into,
        "merged",
        {**link, "from": source.id, "title": source.title, "stage": source.stage},
        by=by,
    )


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
