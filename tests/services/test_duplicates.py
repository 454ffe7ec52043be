"""The duplicate review's services: clusters among a workshop's ideas (services.duplicates),
a cluster merged in one action and one fact, undone as one (services.merging), a cluster
dismissed and remembered; on crafted ideas and on a workshop of 1,000 imported real ideas.
Every refusal changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.factories import (
    cast,
    enter_grouping,
    make_challenge,
    make_idea,
    make_participant,
    make_vote_workshop,
    make_workshop,
    place,
    placements,
    recorded,
    vote_phase,
    vote_rows,
)
from tests.grouping.test_duplicates_engine import KNOWN_DIFFERENT, KNOWN_DUPLICATES
from tests.services.grouping_support import refused, state_of
from workshop.errors import (
    NotFound,
    NothingToUndo,
    ValidationError,
    WorkshopClosed,
    WrongPhase,
    WrongWorkshop,
)
from workshop.exports.ideas_import import parse_ideas_csv
from workshop.extensions import db
from workshop.models import Idea, IdeaStatus, Workshop
from workshop.schemas import (
    DuplicateDismissal,
    DuplicateMerge,
    GroupingChange,
    GroupingUndo,
    parse_duplicate_dismissal,
    parse_duplicate_merge,
)
from workshop.services import agenda, duplicates, idea_import, ideas, merging

PARIS = Path(__file__).parent.parent / "data" / "duplicates" / "paris_bp_1000.csv"

COMPOST = ["Un composteur partagé dans le quartier", "Composteur partagé de quartier"]
CYCLE = ["Une piste cyclable rue de la Gare", "Piste cyclable sur la rue de la Gare"]


def crafted(workshop: Workshop) -> dict[str, int]:
    """Ideas by title: two pairs of duplicates, a third compost idea and one alone."""
    titles = [*COMPOST, "Un composteur partagé pour le quartier !", *CYCLE, "La fête des voisins"]
    return {title: make_idea(workshop, title=title, description="").id for title in titles}


def clusters_by_title(workshop: Workshop) -> list[set[str]]:
    found = duplicates.find_duplicates(workshop.id, workshop.owner)
    titles = {i.id: i.title for i in db.session.scalars(select(Idea))}
    return [{titles[i] for i in c["idea_ids"]} for c in found["clusters"]]


def test_clusters_among_visible_ideas(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        ids = crafted(workshop)
        found = duplicates.find_duplicates(workshop.id, workshop.owner)
        assert found["compared"] == 6
        compost = {ids[t] for t in (*COMPOST, "Un composteur partagé pour le quartier !")}
        assert [set(c["idea_ids"]) for c in found["clusters"]] == [
            compost,
            {ids[t] for t in CYCLE},
        ]
        first = found["clusters"][0]
        assert first["keep_id"] in first["idea_ids"]
        assert first["idea_ids"] == sorted(first["idea_ids"])
        assert 0.6 <= first["lowest"] <= first["highest"] <= 1.0
        # Hidden and withdrawn ideas are not compared.
        third = ids["Un composteur partagé pour le quartier !"]
        ideas.hide_idea(workshop.id, workshop.owner, third)
        assert clusters_by_title(workshop) == [set(COMPOST), set(CYCLE)]
        # Read-only: nothing recorded.
        seq = workshop.seq
        duplicates.find_duplicates(workshop.id, workshop.owner)
        assert db.session.get_one(Workshop, workshop.id).seq == seq


def test_only_the_workshops_facilitators_look(app: Flask) -> None:
    from workshop.errors import Forbidden

    with app.app_context():
        workshop, other = make_workshop(), make_workshop()
        crafted(workshop)
        with pytest.raises(Forbidden):
            duplicates.find_duplicates(workshop.id, other.owner)


def test_a_dismissed_cluster_is_remembered(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        ids = crafted(workshop)
        cycle = sorted(ids[t] for t in CYCLE)
        seq = workshop.seq
        duplicates.dismiss_duplicates(workshop.id, workshop.owner, DuplicateDismissal(cycle[::-1]))
        assert recorded(workshop.id)[-1] == (seq + 1, "duplicates_dismissed")
        assert set(CYCLE) not in clusters_by_title(workshop)
        # Again: nothing more is recorded.
        duplicates.dismiss_duplicates(workshop.id, workshop.owner, DuplicateDismissal(cycle))
        assert recorded(workshop.id)[-1] == (seq + 1, "duplicates_dismissed")
        # Dismissing one pair of a cluster of three leaves the others proposed.
        compost = [ids[t] for t in COMPOST]
        duplicates.dismiss_duplicates(workshop.id, workshop.owner, DuplicateDismissal(compost))
        [left] = clusters_by_title(workshop)
        assert len(left) == 2 and "Un composteur partagé pour le quartier !" in left
        assert not set(COMPOST) <= left


def test_dismissal_refusals_change_nothing(app: Flask) -> None:
    with app.app_context():
        workshop, other = make_workshop(), make_workshop()
        ids = list(crafted(workshop).values())
        theirs = make_idea(other).id
        owner = workshop.owner
        refused(
            workshop.id,
            WrongWorkshop,
            lambda: duplicates.dismiss_duplicates(
                workshop.id, owner, DuplicateDismissal([ids[0], theirs])
            ),
        )
        refused(
            workshop.id,
            NotFound,
            lambda: duplicates.dismiss_duplicates(
                workshop.id, owner, DuplicateDismissal([ids[0], 10**6])
            ),
        )
        enter_grouping(workshop)
        merging.merge_duplicates(workshop.id, owner, DuplicateMerge(ids[0], [ids[1]]))
        refused(
            workshop.id,
            NotFound,  # merged: no longer an idea of its own
            lambda: duplicates.dismiss_duplicates(
                workshop.id, owner, DuplicateDismissal([ids[0], ids[1]])
            ),
        )
        agenda.close_workshop(workshop.id, owner)
        refused(
            workshop.id,
            WorkshopClosed,
            lambda: duplicates.dismiss_duplicates(
                workshop.id, owner, DuplicateDismissal([ids[3], ids[4]])
            ),
        )


def test_a_cluster_is_merged_in_one_action_and_undone_as_one(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        ids = crafted(workshop)
        enter_grouping(workshop)
        defi = make_challenge(workshop)
        keep, a, b = (ids[t] for t in (*COMPOST, "Un composteur partagé pour le quartier !"))
        place(workshop, db.session.get_one(Idea, a), defi)
        before = placements(workshop.id)
        seq = db.session.get_one(Workshop, workshop.id).seq
        into = merging.merge_duplicates(workshop.id, workshop.owner, DuplicateMerge(keep, [b, a]))
        assert into.id == keep
        assert recorded(workshop.id)[seq:] == [(seq + 1, "duplicates_merged")]
        for absorbed in (a, b):
            idea = db.session.get_one(Idea, absorbed)
            assert (idea.status, idea.merged_into_id) == (IdeaStatus.MERGED, keep)
            assert idea.title  # kept, traceable
        after = placements(workshop.id)
        assert a not in after.get(defi.id, []) and b not in after[None]
        # Its cluster is gone from the review; the other one stays.
        assert clusters_by_title(workshop) == [set(CYCLE)]

        undo = GroupingUndo(GroupingChange.DUPLICATES_MERGED, keep)
        merging.undo_grouping_change(workshop.id, workshop.owner, undo)
        assert recorded(workshop.id)[-1] == (seq + 2, "duplicates_unmerged")
        assert placements(workshop.id) == before
        for absorbed in (a, b):
            idea = db.session.get_one(Idea, absorbed)
            assert (idea.status, idea.merged_into_id) == (IdeaStatus.VISIBLE, None)
        assert len(clusters_by_title(workshop)) == 2
        refused(
            workshop.id,
            NothingToUndo,
            lambda: merging.undo_grouping_change(workshop.id, workshop.owner, undo),
        )


def test_a_cluster_merge_carries_the_dots_over(app: Flask) -> None:
    with app.app_context():
        workshop, [keep, other, third] = make_vote_workshop(ideas=3)
        voter = make_participant(workshop)
        cast(workshop, voter, other, 1)
        cast(workshop, voter, third, 1)
        phase = vote_phase(workshop)
        enter_grouping(workshop)
        # Leaving the vote step froze it; reopened behind the services' back, as
        # test_merging does, so that the fold has an open vote to work on.
        phase.frozen_at = None
        phase.frozen_ranking = None
        db.session.commit()
        merging.merge_duplicates(
            workshop.id, workshop.owner, DuplicateMerge(keep.id, [other.id, third.id])
        )
        # One dot each on two absorbed ideas, capped at one per item on the idea kept.
        assert vote_rows(workshop.id) == [(phase.id, voter.id, keep.id, 1)]
        assert recorded(workshop.id)[-5][1] == "duplicates_merged"


def test_merge_refusals_change_nothing(app: Flask) -> None:
    with app.app_context():
        workshop, other = make_workshop(), make_workshop()
        ids = list(crafted(workshop).values())
        theirs = make_idea(other).id
        owner = workshop.owner
        refused(  # not while the ideas are posted: in a grouping step or a draft
            workshop.id,
            WrongPhase,
            lambda: merging.merge_duplicates(workshop.id, owner, DuplicateMerge(ids[0], [ids[1]])),
        )
        enter_grouping(workshop)
        merging.merge_duplicates(workshop.id, owner, DuplicateMerge(ids[0], [ids[1]]))
        for into, absorbed, error in (
            (ids[2], [ids[3], ids[1]], NotFound),  # one of them is merged already
            (ids[1], [ids[3]], NotFound),  # the idea kept is merged
            (ids[2], [ids[3], theirs], WrongWorkshop),
            (ids[2], [10**6], NotFound),
        ):
            refused(
                workshop.id,
                error,
                lambda into=into, absorbed=absorbed: merging.merge_duplicates(
                    workshop.id, owner, DuplicateMerge(into, absorbed)
                ),
            )
        assert state_of(workshop.id)  # the world is still readable


def test_an_undo_whose_ideas_changed_since_is_refused(app: Flask) -> None:
    from workshop.errors import Conflict

    with app.app_context():
        workshop = make_workshop()
        ids = list(crafted(workshop).values())
        enter_grouping(workshop)
        owner = workshop.owner
        merging.merge_duplicates(workshop.id, owner, DuplicateMerge(ids[0], [ids[1], ids[2]]))
        # One absorbed idea is brought back through its own way (as if restored by hand).
        idea = db.session.get_one(Idea, ids[2])
        idea.status, idea.merged_into_id = IdeaStatus.VISIBLE, None
        db.session.commit()
        undo = GroupingUndo(GroupingChange.DUPLICATES_MERGED, ids[0])
        refused(
            workshop.id, Conflict, lambda: merging.undo_grouping_change(workshop.id, owner, undo)
        )
        assert db.session.get_one(Idea, ids[1]).status == IdeaStatus.MERGED


def test_a_workshop_of_1000_imported_real_ideas(app: Flask) -> None:
    """The review as the evening needs it: 1,000 ideas imported from a real file, the
    known duplicates proposed, the known different kept apart; a cluster merged, undone."""
    with app.app_context():
        workshop = make_workshop(status="draft")  # preparing the evening
        rows = parse_ideas_csv(PARIS.read_bytes())
        assert idea_import.import_ideas(workshop.id, workshop.owner, rows).created == 1000
        found = duplicates.find_duplicates(workshop.id, workshop.owner)
        assert found["compared"] == 1000
        by_id = {i.id: i.title for i in db.session.scalars(select(Idea))}
        groups = [{by_id[i] for i in c["idea_ids"]} for c in found["clusters"]]
        assert all(any(set(pair) <= g for g in groups) for pair in KNOWN_DUPLICATES)
        assert not any(any(set(pair) <= g for g in groups) for pair in KNOWN_DIFFERENT)
        assert 10 <= len(groups) <= 60
        # Merge the largest cluster, then undo it.
        biggest = max(found["clusters"], key=lambda c: len(c["idea_ids"]))
        keep = biggest["keep_id"]
        others = [i for i in biggest["idea_ids"] if i != keep]
        merging.merge_duplicates(workshop.id, workshop.owner, DuplicateMerge(keep, others))
        after = duplicates.find_duplicates(workshop.id, workshop.owner)
        assert after["compared"] == 1000 - len(others)
        assert biggest["idea_ids"] not in [c["idea_ids"] for c in after["clusters"]]
        merging.undo_grouping_change(
            workshop.id, workshop.owner, GroupingUndo(GroupingChange.DUPLICATES_MERGED, keep)
        )
        assert duplicates.find_duplicates(workshop.id, workshop.owner) == found


ID = st.one_of(st.integers(-5, 60), st.integers(), st.text(max_size=3), st.none(), st.booleans())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    payload=st.one_of(
        st.none(),
        st.lists(ID, max_size=3),
        st.fixed_dictionaries(
            {"into_id": ID, "idea_ids": st.one_of(ID, st.lists(ID, max_size=60))},
            optional={"extra": ID},
        ),
        st.dictionaries(st.sampled_from(["into_id", "idea_ids"]), ID),
    )
)
def test_merge_and_dismissal_payloads(payload: object) -> None:
    """Any payload: a parsed command whose rules hold, or invalid_input; nothing else."""
    try:
        merge = parse_duplicate_merge(payload)
    except ValidationError:
        pass
    else:
        assert 1 <= len(merge.idea_ids) <= 50
        assert merge.into_id not in merge.idea_ids
        assert len(set(merge.idea_ids)) == len(merge.idea_ids)
        assert all(isinstance(i, int) and i >= 1 for i in [merge.into_id, *merge.idea_ids])
    try:
        dismissal = parse_duplicate_dismissal(payload)
    except ValidationError:
        pass
    else:
        assert 2 <= len(dismissal.idea_ids) <= 50
        assert len(set(dismissal.idea_ids)) == len(dismissal.idea_ids)
