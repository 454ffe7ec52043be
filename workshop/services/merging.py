"""Merging: a défi into another, a duplicate idea into another, and deleting a défi.

A composition of the features: a merge moves ideas (:mod:`.challenges`), carries
the dots of open votes over without exceeding anyone's cap (:mod:`.votes`), and the
follow-up (the qualification sheet, :mod:`.qualification`, and the volunteer offers,
:mod:`.volunteers`), all in one transaction under the workshop's lock.
"""

from __future__ import annotations

from flask_babel import gettext as _

from ..errors import MergeCycle, NotFound, ValidationError
from ..extensions import db
from ..models import Facilitator, Idea, IdeaStatus, Workshop
from ..realtime import Facts
from ..roles import Role
from ..schemas import ChallengeMerge, IdeaMerge, TargetRef, serialize_idea
from ..wire import IdeasMerged
from . import challenges, event_log, lookup, qualification, volunteers, votes


def _fold_follow_up(workshop: Workshop, absorbed: TargetRef, into: TargetRef) -> None:
    """Carry the follow-up of what disappears into what absorbs it: the sheet, then the
    offers."""
    qualification.fold_sheet(workshop, absorbed, into)
    volunteers.fold_offers(workshop, absorbed, into)


def delete_challenge(workshop_id: int, facilitator: Facilitator, challenge_id: int) -> None:
    """Delete a défi; its ideas go back to the unclassified ones, at the end.

    Emits ``grouping_changed``."""
    workshop = challenges.grouping_workshop(workshop_id, facilitator)
    challenge = challenges.challenge_in(workshop, challenge_id)
    unclassified = challenges.container(workshop, None)
    moved = challenges.container(workshop, challenge.id)
    for idea in moved:
        idea.challenge_id = None
    challenges.renumber(unclassified + moved)
    votes.give_back_challenge(workshop, challenge)  # dots on it in open votes
    db.session.delete(challenge)
    db.session.flush()
    challenges.record_grouping(workshop, Facts.GROUPING_CHANGED, {"reason": "challenge_deleted"})
    db.session.commit()


def merge_challenges(workshop_id: int, facilitator: Facilitator, merge: ChallengeMerge) -> None:
    """Merge défi ``source`` into ``target``: its ideas follow the target's, the source
    disappears. Emits ``grouping_changed``."""
    workshop = challenges.grouping_workshop(workshop_id, facilitator)
    source_id, target_id = merge.source_id, merge.target_id
    if source_id == target_id:
        raise ValidationError(
            _("Choose two different challenges."), field="target_id", reason="same"
        )
    source = challenges.challenge_in(workshop, source_id)
    target = challenges.challenge_in(workshop, target_id)
    ideas = challenges.container(workshop, target.id) + challenges.container(workshop, source.id)
    for idea in ideas:
        idea.challenge_id = target.id
    challenges.renumber(ideas)
    for phase in votes.fold_votes(workshop, source, target):
        votes.record_change(workshop, phase, target.id)
        votes.record_change(workshop, phase, source.id)
    _fold_follow_up(workshop, TargetRef("challenge", source.id), TargetRef("challenge", target.id))
    db.session.delete(source)
    db.session.flush()
    challenges.record_grouping(workshop, Facts.GROUPING_CHANGED, {"reason": "challenges_merged"})
    db.session.commit()


def merge_ideas(workshop_id: int, facilitator: Facilitator, merge: IdeaMerge) -> Idea:
    """Idea ``idea_id`` is absorbed by ``into_id``: it stays traceable (status
    ``merged``, ``merged_into_id``), both authors are kept, and its dots in open votes
    move to the absorbing idea without exceeding anyone's cap (the excess is given
    back). Facilitators, while grouping. Raises :class:`MergeCycle` for an idea merged
    into itself or into an idea merged into it. Emits ``ideas_merged`` (then
    ``votes_changed`` for the votes concerned)."""
    workshop = challenges.grouping_workshop(workshop_id, facilitator)
    idea_id, into_id = merge.idea_id, merge.into_id
    if idea_id == into_id:
        raise MergeCycle()
    absorbed = challenges.idea_in(workshop, idea_id)
    into = lookup.in_workshop(workshop, Idea, into_id)
    if into.status == IdeaStatus.MERGED:
        seen: set[int] = set()
        chain: Idea | None = into
        while chain is not None and chain.merged_into_id and chain.id not in seen:
            seen.add(chain.id)
            if chain.merged_into_id == absorbed.id:
                raise MergeCycle()
            chain = db.session.get(Idea, chain.merged_into_id)
        raise NotFound()
    into = challenges.idea_in(workshop, into_id)
    changed_phases = votes.fold_votes(workshop, absorbed, into)
    absorbed.status = IdeaStatus.MERGED
    absorbed.merged_into_id = into.id
    container = [
        i for i in challenges.container(workshop, absorbed.challenge_id) if i.id != absorbed.id
    ]
    challenges.renumber(container)
    db.session.flush()
    data: IdeasMerged = {
        "idea": serialize_idea(into, Role.FACILITATOR, anonymous=False),
        "merged": serialize_idea(absorbed, Role.FACILITATOR, anonymous=False),
    }
    public: IdeasMerged = {
        "idea": serialize_idea(into, Role.PARTICIPANT, anonymous=workshop.anonymous),
        "merged": serialize_idea(absorbed, Role.PARTICIPANT, anonymous=workshop.anonymous),
    }
    event_log.record(
        workshop,
        Facts.IDEAS_MERGED,
        data,
        public,
    )
    for phase in changed_phases:
        votes.record_change(workshop, phase, into.id)
        votes.record_change(workshop, phase, absorbed.id)
    _fold_follow_up(workshop, TargetRef("idea", absorbed.id), TargetRef("idea", into.id))
    db.session.commit()
    return into
