"""services.suggestions: suggested défis from the engine, applied and undone, and close
ideas for a participant typing."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.factories import (
    enter_grouping,
    make_challenge,
    make_grouping_workshop,
    make_idea,
    make_workshop,
    place,
    placements,
    recorded,
)
from tests.services.grouping_support import (
    Emitted,
    by_room,
    move,
    orders,
    refused,
    state_of,
    to_step,
)
from workshop import grouping
from workshop.errors import (
    NothingToUndo,
    SuggestionsUnavailable,
)
from workshop.extensions import db
from workshop.models import (
    Challenge,
    GroupingSnapshot,
    Vote,
)
from workshop.schemas import (
    SuggestedGroup,
)
from workshop.services import (
    challenges,
    ideas,
    suggestions,
)


def test_suggestions_come_from_the_engine_and_write_nothing(
    app: Flask, emitted: Emitted, fake_engine: list[tuple[Any, ...]]
) -> None:
    with app.app_context():
        workshop = make_workshop()
        a, b = make_idea(workshop, title="Compost"), make_idea(workshop, title="Jardins")
        hidden, placed = make_idea(workshop), make_idea(workshop)
        c = make_idea(workshop, title="Vélos", description="")
        ideas.hide_idea(workshop.id, workshop.owner, hidden.id)
        enter_grouping(workshop)
        place(workshop, placed, make_challenge(workshop))
        before = state_of(workshop.id)
        emitted.clear()
        groups = suggestions.suggest_groups(workshop.id, workshop.owner, 2)
        assert groups == [
            {"label": "Group 0", "idea_ids": [a.id, b.id]},
            {"label": "Group 1", "idea_ids": [c.id]},
        ]
        # Only the unclassified visible ideas, title and description together.
        [(texts, k, lang, _timeout)] = fake_engine
        assert texts == [
            "Compost. A shared fridge near the town hall.",
            "Jardins. A shared fridge near the town hall.",
            "Vélos",
        ]
        assert (k, lang) == (2, "fr")
        assert state_of(workshop.id) == before
    assert emitted == []


def test_too_few_ideas_need_no_engine(app: Flask, fake_engine: list[Any]) -> None:
    with app.app_context():
        workshop, _none = make_grouping_workshop(ideas=0)
        assert suggestions.suggest_groups(workshop.id, workshop.owner, None) == []
        workshop, (only,) = make_grouping_workshop(ideas=1)
        assert suggestions.suggest_groups(workshop.id, workshop.owner, None) == [
            {
                "label": f"{only.title}. A shared fridge near the town hall."[:60],
                "idea_ids": [only.id],
            }
        ]
    assert fake_engine == []


def test_a_failing_engine_answers_suggestions_unavailable(
    app: Flask, emitted: Emitted, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise grouping.GroupingError("the worker timed out")

    monkeypatch.setattr(grouping, "suggest_groups_in_worker", broken)
    with app.app_context():
        workshop, _ideas = make_grouping_workshop(ideas=3)
        before = state_of(workshop.id)
        emitted.clear()
        with pytest.raises(SuggestionsUnavailable) as raised:
            suggestions.suggest_groups(workshop.id, workshop.owner, None)
        assert raised.value.code == "suggestions_unavailable" and raised.value.status == 503
        assert state_of(workshop.id) == before
    assert emitted == []


def test_apply_then_undo_restores_the_grouping_exactly(app: Flask, emitted: Emitted) -> None:
    with app.app_context():
        workshop, (a, b, c, d, e, f) = make_grouping_workshop(ideas=6)
        kept = make_challenge(workshop, title="Kept")
        place(workshop, a, kept)
        place(workshop, b, kept)
        place(workshop, f, kept)
        move(workshop, e.id, None, 0)
        before = placements(workshop.id)
        assert before == {None: [e.id, c.id, d.id], kept.id: [a.id, b.id, f.id]}
        challenges_before = [
            (x.id, x.title, x.position) for x in challenges.challenges_of(workshop)
        ]
        emitted.clear()

        suggestions.apply_grouping(
            workshop.id,
            workshop.owner,
            [SuggestedGroup("Food", [d.id, c.id]), SuggestedGroup("Mixed", [b.id])],
        )
        food, mixed = challenges.challenges_of(workshop)[1:]
        assert [(x.title, x.position) for x in (food, mixed)] == [("Food", 1), ("Mixed", 2)]
        # An idea taken from an existing défi leaves it renumbered.
        assert placements(workshop.id) == {
            None: [e.id],
            kept.id: [a.id, f.id],
            food.id: [d.id, c.id],
            mixed.id: [b.id],
        }
        assert recorded(workshop.id)[-1][1] == "grouping_changed"
        assert by_room(emitted, "grouping_changed")["facilitators"]["reason"] == "grouping_applied"
        assert orders(workshop) == placements(workshop.id)

        # Meanwhile: a move, and a new idea posted (back in the ideas step).
        move(workshop, a.id, food.id, 0)
        to_step("ideas")(workshop)
        late = make_idea(workshop)
        enter_grouping(workshop)
        food_id, mixed_id = food.id, mixed.id
        emitted.clear()

        suggestions.undo_grouping(workshop.id, workshop.owner)
        assert db.session.get(Challenge, food_id) is None
        assert db.session.get(Challenge, mixed_id) is None
        assert [(x.id, x.title, x.position) for x in challenges.challenges_of(workshop)] == (
            challenges_before
        )
        # Every idea is back where it was; the late one stays, at the end.
        assert placements(workshop.id) == {**before, None: [*before[None], late.id]}
        assert orders(workshop) == placements(workshop.id)
        assert by_room(emitted, "grouping_changed")["facilitators"]["reason"] == "grouping_undone"
        assert db.session.scalar(select(func.count()).select_from(GroupingSnapshot)) == 0

        refused(
            workshop.id,
            NothingToUndo,
            lambda: suggestions.undo_grouping(workshop.id, workshop.owner),
        )


def test_an_idea_moved_into_a_suggested_defi_goes_back_when_it_is_undone(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        a, b = make_idea(workshop), make_idea(workshop)
        enter_grouping(workshop)
        suggestions.apply_grouping(workshop.id, workshop.owner, [SuggestedGroup("G", [a.id])])
        [suggested] = challenges.challenges_of(workshop)
        to_step("ideas")(workshop)
        late = make_idea(workshop)
        enter_grouping(workshop)
        move(workshop, late.id, suggested.id)
        suggestions.undo_grouping(workshop.id, workshop.owner)
        assert placements(workshop.id) == {None: [a.id, b.id, late.id]}


def test_undo_takes_back_the_last_grouping_first(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, c) = make_grouping_workshop(ideas=3)
        suggestions.apply_grouping(workshop.id, workshop.owner, [SuggestedGroup("One", [a.id])])
        first = placements(workshop.id)
        suggestions.apply_grouping(
            workshop.id, workshop.owner, [SuggestedGroup("Two", [b.id, c.id])]
        )
        suggestions.undo_grouping(workshop.id, workshop.owner)
        assert placements(workshop.id) == first
        assert [x.title for x in challenges.challenges_of(workshop)] == ["One"]
        suggestions.undo_grouping(workshop.id, workshop.owner)
        assert placements(workshop.id) == {None: [a.id, b.id, c.id]}
        assert challenges.challenges_of(workshop) == []


def test_find_similar_gives_at_most_three_visible_ideas(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        compost = [
            make_idea(workshop, title=title, description="Composteur partagé au jardin")
            for title in (
                "Composteur de quartier",
                "Un composteur collectif",
                "Composteur dans la cour",
                "Compost pour le jardin partagé",
            )
        ]
        hidden = make_idea(workshop, title="Composteur caché", description="Composteur partagé")
        ideas.hide_idea(workshop.id, workshop.owner, hidden.id)
        make_idea(workshop, title="Navette vers la gare", description="Un minibus le matin")
        found = suggestions.find_similar(workshop.id, "un composteur partagé pour le quartier")
        assert 1 <= len(found) <= 3
        assert {f["id"] for f in found} <= {i.id for i in compost}
        assert all(set(f) == {"id", "title", "score"} for f in found)
        assert [f["score"] for f in found] == sorted((f["score"] for f in found), reverse=True)
        assert suggestions.find_similar(workshop.id, "com") == []
        # Read-only, and no other workshop's ideas.
        other = make_workshop()
        assert suggestions.find_similar(other.id, "un composteur partagé pour le quartier") == []
        assert db.session.scalar(select(func.count()).select_from(Vote)) == 0
