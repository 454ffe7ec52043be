"""Merging: a défi into another, a duplicate idea into another, deleting a défi, and
taking a merge or a split back (:func:`undo_grouping_change`).

A composition of the features: a merge moves ideas (:mod:`.challenges`), carries
the dots of open votes over without exceeding anyone's cap (:mod:`.votes`), and the
follow-up (the qualification sheet, :mod:`.qualification`, and the volunteer offers,
:mod:`.volunteers`), all in one transaction under the workshop's lock.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..errors import Conflict, MergeCycle, NotFound, ValidationError
from ..extensions import db
from ..models import Challenge, Facilitator, Idea, IdeaStatus, Phase, Workshop
from ..realtime import Facts
from ..roles import Role
from ..schemas import (
    ChallengeMerge,
    DuplicateMerge,
    GroupingChange,
    GroupingUndo,
    IdeaMerge,
    TargetRef,
    serialize_idea,
)
from ..wire import DuplicatesMerged, DuplicatesUnmerged, IdeaChanged, IdeasMerged
from . import challenges, event_log, lookup, qualification, seating, volunteers, votes


def _fold_challenge(workshop: Workshop, absorbed: Challenge, into: Challenge) -> None:
    """Give ``into`` what hangs on ``absorbed`` (its dots in open votes, its sheet, its
    offers), recording the changes, and delete ``absorbed``. The caller holds the lock
    and has moved the ideas."""
    for phase in votes.fold_votes(workshop, absorbed, into):
        votes.record_change(workshop, phase, into.id)
        votes.record_change(workshop, phase, absorbed.id)
    _fold_follow_up(workshop, TargetRef("challenge", absorbed.id), TargetRef("challenge", into.id))
    seating.carry_tables(workshop, absorbed.id, into.id)  # its défi tables work on ``into``
    db.session.delete(absorbed)


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
    seating.drop_tables_of(workshop, challenge.id)  # its défi tables go with it
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
    challenges.journal(
        workshop,
        GroupingChange.CHALLENGES_MERGED,
        source.id,
        {
            "target_id": target.id,
            "title": source.title,
            "description": source.description,
            "position": source.position,
            "idea_ids": [idea.id for idea in ideas if idea.challenge_id == source.id],
        },
    )
    for idea in ideas:
        idea.challenge_id = target.id
    challenges.renumber(ideas)
    _fold_challenge(workshop, source, target)
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
    challenges.journal(
        workshop, GroupingChange.IDEAS_MERGED, absorbed.id, _place_of(absorbed, into)
    )
    changed_phases = _absorb(workshop, absorbed, into)
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
    _after_absorb(workshop, absorbed, into, changed_phases)
    db.session.commit()
    return into


def _place_of(absorbed: Idea, into: Idea) -> dict[str, Any]:
    """What undoing the merge of ``absorbed`` into ``into`` puts back."""
    return {
        "into_id": into.id,
        "status": str(absorbed.status),
        "challenge_id": absorbed.challenge_id,
        "position": absorbed.position,
    }


def _absorb(workshop: Workshop, absorbed: Idea, into: Idea) -> list[Phase]:
    """``absorbed`` becomes ``merged`` into ``into`` (its text stays, traceable), its
    dots in open votes move over; its défi is renumbered. Returns the vote phases changed;
    the caller records the fact, then :func:`_after_absorb`."""
    changed_phases = votes.fold_votes(workshop, absorbed, into)
    absorbed.status = IdeaStatus.MERGED
    absorbed.merged_into_id = into.id
    container = [
        i for i in challenges.container(workshop, absorbed.challenge_id) if i.id != absorbed.id
    ]
    challenges.renumber(container)
    return changed_phases


def _after_absorb(workshop: Workshop, absorbed: Idea, into: Idea, phases: list[Phase]) -> None:
    """After the merge's fact: the votes changed, and the follow-up carried over."""
    for phase in phases:
        votes.record_change(workshop, phase, into.id)
        votes.record_change(workshop, phase, absorbed.id)
    _fold_follow_up(workshop, TargetRef("idea", absorbed.id), TargetRef("idea", into.id))


def merge_duplicates(workshop_id: int, facilitator: Facilitator, merge: DuplicateMerge) -> Idea:
    """A cluster of duplicates in one action (the duplicate review's « Fusionner »): each
    idea of ``merge.idea_ids`` is absorbed by ``merge.into_id`` as :func:`merge_ideas`
    does (text kept and traceable, authors kept, dots, sheets and offers carried over),
    in one transaction and one fact. Facilitators, while grouping. All or nothing:
    an idea already merged or withdrawn (:class:`NotFound`), of another workshop
    (``wrong_workshop``) refuses the whole merge. Undone as one by
    :func:`undo_grouping_change` (kind ``duplicates_merged``, id: the idea kept).
    Emits ``duplicates_merged`` (then ``votes_changed`` for the votes concerned)."""
    workshop = challenges.grouping_workshop(workshop_id, facilitator)
    into = challenges.idea_in(workshop, merge.into_id)
    absorbed = [challenges.idea_in(workshop, idea_id) for idea_id in merge.idea_ids]
    challenges.journal(
        workshop,
        GroupingChange.DUPLICATES_MERGED,
        into.id,
        {"ideas": [{"id": idea.id, **_place_of(idea, into)} for idea in absorbed]},
    )
    changed = [(idea, _absorb(workshop, idea, into)) for idea in absorbed]
    db.session.flush()
    data: DuplicatesMerged = {
        "idea": serialize_idea(into, Role.FACILITATOR, anonymous=False),
        "merged": [serialize_idea(i, Role.FACILITATOR, anonymous=False) for i in absorbed],
    }
    public: DuplicatesMerged = {
        "idea": serialize_idea(into, Role.PARTICIPANT, anonymous=workshop.anonymous),
        "merged": [
            serialize_idea(i, Role.PARTICIPANT, anonymous=workshop.anonymous) for i in absorbed
        ],
    }
    event_log.record(workshop, Facts.DUPLICATES_MERGED, data, public)
    for idea, phases in changed:
        _after_absorb(workshop, idea, into, phases)
    db.session.commit()
    return into


def _gone() -> Conflict:
    return Conflict(_("This change can no longer be undone: the grouping changed since."))


def undo_grouping_change(workshop_id: int, facilitator: Facilitator, undo: GroupingUndo) -> None:
    """Take back a merge of ideas, a merge of défis or a split, named by the idea or
    défi it was about (the console offers it for a few seconds after the change).

    What comes back is the grouping: the absorbed idea with its status, défi and place;
    the absorbed défi (same id when still free, title, description and place) with those of its
    ideas still in the défi that absorbed them, in their order; the ideas of a split
    back in their défi, in their former order, the new défi gone. What a merge carried
    over stays where it went: dots in open votes, qualification sheets and volunteer
    offers are not split again (the absorbing idea or défi keeps them). Undoing a split
    carries those of the new défi back, as a merge would.

    Refuses with ``nothing_to_undo`` when the change was already taken back (or never
    made), and with ``conflict`` when what it needs is gone (the absorbing défi was
    merged or deleted since): nothing is half done. Emits ``idea_restored`` (an idea)
    then ``grouping_changed`` (``reason``: ``merge_undone``, ``challenges_merge_undone``
    or ``split_undone``)."""
    workshop = challenges.grouping_workshop(workshop_id, facilitator)
    if undo.kind is GroupingChange.DUPLICATES_MERGED:
        _unmerge_duplicates(workshop, undo.id)
        db.session.commit()
        return
    if undo.kind is GroupingChange.IDEAS_MERGED:
        _unmerge_idea(workshop, undo.id)
        reason = "merge_undone"
    elif undo.kind is GroupingChange.CHALLENGES_MERGED:
        _unmerge_challenges(workshop, undo.id)
        reason = "challenges_merge_undone"
    else:
        _unsplit(workshop, undo.id)
        reason = "split_undone"
    db.session.flush()
    challenges.record_grouping(workshop, Facts.GROUPING_CHANGED, {"reason": reason})
    db.session.commit()


def _challenge_still_in(workshop: Workshop, challenge_id: int | None) -> Challenge | None:
    challenge = None if challenge_id is None else db.session.get(Challenge, challenge_id)
    return challenge if challenge is not None and challenge.workshop_id == workshop.id else None


def _unmerge_idea(workshop: Workshop, idea_id: int) -> None:
    absorbed = lookup.in_workshop(workshop, Idea, idea_id)
    entry = challenges.journal_entry(workshop, GroupingChange.IDEAS_MERGED, absorbed.id)
    _check_still_merged(absorbed, entry.data)
    _put_back(workshop, absorbed, entry.data)
    db.session.delete(entry)
    db.session.flush()
    views: IdeaChanged = {
        "idea": serialize_idea(absorbed, Role.FACILITATOR, anonymous=workshop.anonymous)
    }
    public: IdeaChanged = {
        "idea": serialize_idea(absorbed, Role.PARTICIPANT, anonymous=workshop.anonymous)
    }
    event_log.record(workshop, Facts.IDEA_RESTORED, views, public)


def _check_still_merged(absorbed: Idea, data: dict[str, Any]) -> None:
    if absorbed.status != IdeaStatus.MERGED or absorbed.merged_into_id != data["into_id"]:
        raise _gone()


def _put_back(workshop: Workshop, absorbed: Idea, data: dict[str, Any]) -> None:
    """``absorbed`` with its status again, in its défi at its place, or at the end of the
    unclassified ideas if that défi went since."""
    home = _challenge_still_in(workshop, data["challenge_id"])
    home_id = home.id if home is not None else None
    ideas = challenges.container(workshop, home_id)
    moved_out = home is None and data["challenge_id"] is not None  # its défi went: at the end
    index = len(ideas) if moved_out else max(0, min(int(data["position"]), len(ideas)))
    absorbed.status = IdeaStatus(data["status"])
    absorbed.merged_into_id = None
    absorbed.challenge_id = home_id
    ideas.insert(index, absorbed)
    challenges.renumber(ideas)


def _unmerge_duplicates(workshop: Workshop, into_id: int) -> None:
    """Take back the latest cluster merge into ``into_id``: every idea it absorbed comes
    back (or none: ``conflict`` if one of them changed since). Records
    ``duplicates_unmerged``."""
    into = lookup.in_workshop(workshop, Idea, into_id)
    entry = challenges.journal_entry(workshop, GroupingChange.DUPLICATES_MERGED, into.id)
    places = entry.data["ideas"]
    absorbed = {place["id"]: db.session.get(Idea, place["id"]) for place in places}
    for place in places:
        idea = absorbed[place["id"]]
        if idea is None or idea.workshop_id != workshop.id:
            raise _gone()
        _check_still_merged(idea, place)
    # Lowest places first: each goes back to the index it had before any of them left.
    restored: list[Idea] = []
    for place in sorted(places, key=lambda p: (int(p["position"]), p["id"])):
        idea = absorbed[place["id"]]
        assert idea is not None  # noqa: S101 - checked above
        _put_back(workshop, idea, place)
        restored.append(idea)
    db.session.delete(entry)
    db.session.flush()
    order = {place["id"]: n for n, place in enumerate(places)}
    restored.sort(key=lambda idea: order[idea.id])
    views: DuplicatesUnmerged = {
        "ideas": [serialize_idea(i, Role.FACILITATOR, anonymous=False) for i in restored],
        "grouping": challenges.grouping_state(workshop, Role.FACILITATOR),
    }
    public: DuplicatesUnmerged = {
        "ideas": [
            serialize_idea(i, Role.PARTICIPANT, anonymous=workshop.anonymous) for i in restored
        ],
        "grouping": challenges.grouping_state(workshop, Role.PARTICIPANT),
    }
    event_log.record(workshop, Facts.DUPLICATES_UNMERGED, views, public)


def _unmerge_challenges(workshop: Workshop, source_id: int) -> None:
    entry = challenges.journal_entry(workshop, GroupingChange.CHALLENGES_MERGED, source_id)
    data = entry.data
    target = _challenge_still_in(workshop, data["target_id"])
    if target is None:
        raise _gone()
    others = challenges.challenges_of(workshop)
    restored = Challenge(
        workshop_id=workshop.id,
        title=data["title"],
        description=data["description"],
        position=0,
    )
    if db.session.get(Challenge, source_id) is None:
        # Same id as before, when free: the undo of an earlier merge into it still works,
        # and clients find the défi they knew.
        restored.id = source_id
    # Back at its place in the list: before the défis that came after it.
    index = sum(1 for other in others if other.position < int(data["position"]))
    _number([*others[:index], restored, *others[index:]])
    db.session.add(restored)
    db.session.flush()
    rank = {idea_id: n for n, idea_id in enumerate(data["idea_ids"])}
    staying = challenges.container(workshop, target.id)
    leaving = sorted((i for i in staying if i.id in rank), key=lambda i: rank[i.id])
    for idea in leaving:
        idea.challenge_id = restored.id
    challenges.renumber(leaving)
    challenges.renumber([i for i in staying if i.id not in rank])
    db.session.delete(entry)


def _unsplit(workshop: Workshop, challenge_id: int) -> None:
    try:
        origin = challenges.challenge_in(workshop, challenge_id)
    except NotFound as error:  # deleted or merged since (another workshop's: WrongWorkshop)
        raise _gone() from error
    entry = challenges.journal_entry(workshop, GroupingChange.CHALLENGE_SPLIT, origin.id)
    data = entry.data
    created = _challenge_still_in(workshop, data["created_id"])
    if created is None:
        raise _gone()
    rank = {idea_id: n for n, idea_id in enumerate(data["order"])}
    ideas = challenges.container(workshop, origin.id) + challenges.container(workshop, created.id)
    ideas.sort(key=lambda i: rank.get(i.id, len(rank)))  # ideas added since: at the end
    for idea in ideas:
        idea.challenge_id = origin.id
    challenges.renumber(ideas)
    _fold_challenge(workshop, created, origin)
    db.session.delete(entry)
    _number([c for c in challenges.challenges_of(workshop) if c.id != created.id])


def _number(defis: list[Challenge]) -> None:
    for position, challenge in enumerate(defis):
        if challenge.position != position:
            challenge.position = position
