"""services.merging.undo_grouping_change: a merge of ideas, a merge of défis and a split
taken back, once; refused without half doing anything when what it needs is gone; and
kept apart from the suggested groupings that ``undo_grouping`` undoes."""

from __future__ import annotations

from flask import Flask

from tests.factories import (
    make_challenge,
    make_grouping_workshop,
    placements,
    recorded,
)
from tests.services.grouping_support import Emitted, by_room, refused
from workshop.errors import Conflict, NothingToUndo, WrongWorkshop
from workshop.extensions import db
from workshop.models import Challenge, Idea, IdeaStatus
from workshop.schemas import (
    ChallengeMerge,
    ChallengeSplit,
    GroupingChange,
    GroupingUndo,
    IdeaMerge,
    IdeaMove,
    NewChallenge,
    SuggestedGroup,
)
from workshop.services import challenges, ideas, merging, suggestions


def _undo(workshop_id: int, owner: object, kind: GroupingChange, target: int) -> None:
    merging.undo_grouping_change(workshop_id, owner, GroupingUndo(kind, target))  # type: ignore[arg-type]


def _move(workshop_id: int, owner: object, idea: Idea, challenge: Challenge | None) -> None:
    move = IdeaMove(idea.id, None if challenge is None else challenge.id, None)
    challenges.move_idea(workshop_id, owner, move)  # type: ignore[arg-type]


def test_an_undone_merge_brings_the_idea_back_with_its_status_and_place(
    app: Flask, emitted: Emitted
) -> None:
    with app.app_context():
        workshop, (a, b, c, d) = make_grouping_workshop(ideas=4)
        owner = workshop.owner
        defi = make_challenge(workshop)
        for idea in (a, b, c):
            _move(workshop.id, owner, idea, defi)
        ideas.hide_idea(workshop.id, owner, b.id)
        before = placements(workshop.id)
        assert before[defi.id] == [a.id, b.id, c.id]
        merging.merge_ideas(workshop.id, owner, IdeaMerge(b.id, d.id))
        assert placements(workshop.id)[defi.id] == [a.id, c.id]
        emitted.clear()

        _undo(workshop.id, owner, GroupingChange.IDEAS_MERGED, b.id)
        db.session.expire_all()
        back = db.session.get_one(Idea, b.id)
        assert (back.status, back.merged_into_id) == (IdeaStatus.HIDDEN, None)
        assert placements(workshop.id) == before
        assert [name for _seq, name in recorded(workshop.id)[-2:]] == [
            "idea_restored",
            "grouping_changed",
        ]
        b_id = b.id
        # Taken back once: a second undo has nothing left to take back.
        refused(
            workshop.id,
            NothingToUndo,
            lambda: _undo(workshop.id, owner, GroupingChange.IDEAS_MERGED, b_id),
        )
    restored = by_room(emitted, "idea_restored")
    assert restored["facilitators"]["idea"]["status"] == "hidden"
    assert restored["facilitators"]["idea"]["title"]  # the facilitators see it in full
    assert restored[""]["idea"] == {"id": b_id, "status": "hidden"}  # the public: a stub
    assert by_room(emitted, "grouping_changed")["facilitators"]["reason"] == "merge_undone"


def test_an_idea_whose_defi_went_since_comes_back_unclassified(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, c) = make_grouping_workshop(ideas=3)
        owner = workshop.owner
        defi = make_challenge(workshop)
        _move(workshop.id, owner, a, defi)
        merging.merge_ideas(workshop.id, owner, IdeaMerge(a.id, b.id))
        merging.delete_challenge(workshop.id, owner, defi.id)
        _undo(workshop.id, owner, GroupingChange.IDEAS_MERGED, a.id)
        db.session.expire_all()
        assert db.session.get_one(Idea, a.id).status == IdeaStatus.VISIBLE
        assert placements(workshop.id) == {None: [b.id, c.id, a.id]}


def test_an_undone_merge_of_defis_brings_the_absorbed_one_back(
    app: Flask, emitted: Emitted
) -> None:
    with app.app_context():
        workshop, (a, b, c, d) = make_grouping_workshop(ideas=4)
        owner = workshop.owner
        first = make_challenge(workshop, title="Comment pourrions-nous manger local ?")
        source = make_challenge(workshop, title="Comment pourrions-nous composter ?")
        target = make_challenge(workshop, title="Comment pourrions-nous réduire nos déchets ?")
        for idea, defi in ((a, source), (b, source), (c, target), (d, first)):
            _move(workshop.id, owner, idea, defi)
        merging.merge_challenges(workshop.id, owner, ChallengeMerge(source.id, target.id))
        source_id = source.id
        assert placements(workshop.id)[target.id] == [c.id, a.id, b.id]

        _undo(workshop.id, owner, GroupingChange.CHALLENGES_MERGED, source_id)
        db.session.expire_all()
        defis = challenges.challenges_of(workshop)
        assert [x.title for x in defis] == [
            "Comment pourrions-nous manger local ?",
            "Comment pourrions-nous composter ?",
            "Comment pourrions-nous réduire nos déchets ?",
        ]
        restored = defis[1]
        assert restored.id == source_id  # its id was free: the same défi, words and place
        assert placements(workshop.id) == {
            first.id: [d.id],
            restored.id: [a.id, b.id],
            target.id: [c.id],
        }
        refused(
            workshop.id,
            NothingToUndo,
            lambda: _undo(workshop.id, owner, GroupingChange.CHALLENGES_MERGED, source_id),
        )
    assert by_room(emitted, "grouping_changed")[""]["reason"] == "challenges_merge_undone"


def test_a_merge_of_defis_cannot_be_undone_once_its_target_is_gone(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b) = make_grouping_workshop(ideas=2)
        owner = workshop.owner
        source, target, third = (make_challenge(workshop) for _ in range(3))
        _move(workshop.id, owner, a, source)
        merging.merge_challenges(workshop.id, owner, ChallengeMerge(source.id, target.id))
        merging.merge_challenges(workshop.id, owner, ChallengeMerge(target.id, third.id))
        source_id = source.id
        error = refused(
            workshop.id,
            Conflict,
            lambda: _undo(workshop.id, owner, GroupingChange.CHALLENGES_MERGED, source_id),
        )
        # Its own message (in the app's language), not the generic conflict one.
        assert error.message and error.message != Conflict().message
        # The later merge can still be taken back, then the first one.
        _undo(workshop.id, owner, GroupingChange.CHALLENGES_MERGED, target.id)
        _undo(workshop.id, owner, GroupingChange.CHALLENGES_MERGED, source_id)
        assert sorted(placements(workshop.id).values()) == [[a.id], [b.id]]


def test_an_undone_split_puts_the_ideas_back_in_their_order(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, c, d) = make_grouping_workshop(ideas=4)
        owner = workshop.owner
        defi, after = make_challenge(workshop), make_challenge(workshop)
        for idea in (a, b, c, d):
            _move(workshop.id, owner, idea, defi)
        before = placements(workshop.id)
        created = challenges.split_challenge(
            workshop.id, owner, ChallengeSplit(defi.id, [b.id, d.id], NewChallenge("Deux"))
        )
        assert placements(workshop.id)[created.id] == [b.id, d.id]
        _undo(workshop.id, owner, GroupingChange.CHALLENGE_SPLIT, defi.id)
        db.session.expire_all()
        assert db.session.get(Challenge, created.id) is None
        assert placements(workshop.id) == before
        assert [x.id for x in challenges.challenges_of(workshop)] == [defi.id, after.id]


def test_a_split_cannot_be_undone_once_its_new_defi_is_gone(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b) = make_grouping_workshop(ideas=2)
        owner = workshop.owner
        defi = make_challenge(workshop)
        _move(workshop.id, owner, a, defi)
        _move(workshop.id, owner, b, defi)
        created = challenges.split_challenge(
            workshop.id, owner, ChallengeSplit(defi.id, [b.id], NewChallenge("Deux"))
        )
        merging.delete_challenge(workshop.id, owner, created.id)
        defi_id = defi.id
        refused(
            workshop.id,
            Conflict,
            lambda: _undo(workshop.id, owner, GroupingChange.CHALLENGE_SPLIT, defi_id),
        )


def test_another_workshops_idea_is_refused(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b) = make_grouping_workshop(ideas=2)
        other, _ideas = make_grouping_workshop(ideas=1, owner=workshop.owner)
        merging.merge_ideas(workshop.id, workshop.owner, IdeaMerge(a.id, b.id))
        a_id = a.id
        refused(
            other.id,
            WrongWorkshop,
            lambda: _undo(other.id, workshop.owner, GroupingChange.IDEAS_MERGED, a_id),
        )


def test_suggested_groupings_and_merges_are_undone_apart(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, c) = make_grouping_workshop(ideas=3)
        owner = workshop.owner
        merging.merge_ideas(workshop.id, owner, IdeaMerge(a.id, b.id))
        # A merge is not a suggested grouping: undo_grouping has nothing to undo.
        refused(workshop.id, NothingToUndo, lambda: suggestions.undo_grouping(workshop.id, owner))
        suggestions.apply_grouping(workshop.id, owner, [SuggestedGroup("Un", [b.id, c.id])])
        suggestions.undo_grouping(workshop.id, owner)
        assert placements(workshop.id) == {None: [b.id, c.id]}
        _undo(workshop.id, owner, GroupingChange.IDEAS_MERGED, a.id)
        assert placements(workshop.id) == {None: [a.id, b.id, c.id]}
