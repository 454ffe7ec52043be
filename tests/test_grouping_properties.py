"""Property test of grouping: random moves, new, deleted, merged and split défis.

A state machine drives :mod:`workshop.services.challenges` on a small workshop in its
grouping step (visible, hidden and pending ideas, plus a withdrawn and a merged one
that must never be placed). A plain model predicts every placement; after each step:

- every placeable idea is in exactly one container, and the positions of each
  container are exactly 0..n-1 (défis have distinct positions, in their order);
- the database agrees with the model, and ``grouping_state`` with the database;
- a facilitator's client that only applies the recorded ``idea_moved`` /
  ``grouping_changed`` (and ``challenge_created``) facts' absolute orders holds the
  database's placements, and a phone doing the same with the public facts holds the
  visible ones;
- a refused command raised the predicted error and changed nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from tests.factories import (
    GroupingModel,
    enter_grouping,
    facts_since,
    make_idea,
    make_participant,
    make_workshop,
    placements,
)
from workshop.errors import NotFound, ValidationError, WorkshopError
from workshop.extensions import db
from workshop.models import Challenge, Event, GroupingSnapshot, Idea, Workshop
from workshop.schemas import (
    ChallengeMerge,
    ChallengeSplit,
    IdeaMerge,
    IdeaMove,
    NewChallenge,
    Role,
    SettingsChange,
)
from workshop.services import challenges, ideas, merging, workshops

MACHINE = settings(
    max_examples=30,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
UNKNOWN = 2**31 - 1  # a valid id that no défi has

picks = st.integers(min_value=0, max_value=100)
positions = st.none() | st.integers(min_value=0, max_value=8)


class GroupingMachine(RuleBasedStateMachine):
    """One workshop in its grouping step, with seven placeable ideas."""

    app: Flask

    def __init__(self) -> None:
        super().__init__()
        with self.app.app_context():
            workshop = make_workshop()
            author = make_participant(workshop)
            visible = [make_idea(workshop, author) for _ in range(4)]
            hidden = make_idea(workshop, author)
            withdrawn = make_idea(workshop, author)
            absorbed = make_idea(workshop, author)
            ideas.hide_idea(workshop.id, workshop.owner, hidden.id)
            ideas.withdraw_idea(workshop.id, author.id, withdrawn.id)
            workshops.update_settings(workshop.id, workshop.owner, SettingsChange(moderation=True))
            pending = [make_idea(workshop, author), make_idea(workshop, author)]
            enter_grouping(workshop)
            merging.merge_ideas(workshop.id, workshop.owner, IdeaMerge(absorbed.id, visible[0].id))
            self.workshop_id = workshop.id
            self.placeable = [i.id for i in (*visible, hidden, *pending)]
            self.visible = {i.id for i in visible}
            self.gone = [withdrawn.id, absorbed.id]
            # What the clients start from: the snapshot of their role.
            self.seen = workshop.seq
            self.host = GroupingModel.from_state(
                challenges.grouping_state(workshop, Role.FACILITATOR)
            )
            self.phone = GroupingModel.from_state(
                challenges.grouping_state(workshop, Role.PARTICIPANT)
            )
        # The model: défis in order, and each container's ideas in order.
        self.defis: list[int] = []
        self.model: dict[int | None, list[int]] = {None: sorted(self.placeable)}

    # ------------------------------------------------------------------ helpers

    def state(self) -> tuple[Any, ...]:
        """What a refused command must not change (inside an app context)."""
        workshop_id = self.workshop_id
        return (
            db.session.scalar(select(Workshop.seq).where(Workshop.id == workshop_id)),
            db.session.scalar(
                select(func.count()).select_from(Event).where(Event.workshop_id == workshop_id)
            ),
            db.session.execute(
                select(Challenge.id, Challenge.title, Challenge.position, Challenge.version)
                .where(Challenge.workshop_id == workshop_id)
                .order_by(Challenge.id)
            ).all(),
            db.session.execute(
                select(Idea.id, Idea.status, Idea.challenge_id, Idea.position)
                .where(Idea.workshop_id == workshop_id)
                .order_by(Idea.id)
            ).all(),
            db.session.scalar(
                select(func.count())
                .select_from(GroupingSnapshot)
                .where(GroupingSnapshot.workshop_id == workshop_id)
            ),
        )

    def owner(self) -> Any:
        return db.session.get(Workshop, self.workshop_id).owner

    def attempt(self, expected: type[WorkshopError] | None, act: Any) -> Any:
        """Run ``act`` in an app context: it raises ``expected`` and changes nothing,
        or (``expected`` None) succeeds."""
        with self.app.app_context():
            before = self.state()
            try:
                result = act(self.owner())
            except WorkshopError as error:
                db.session.rollback()
                assert type(error) is expected, f"raised {type(error).__name__}, not {expected}"
                assert self.state() == before
                return None
            assert expected is None, f"succeeded; the model expected {expected.__name__}"
            return result

    def container_of(self, idea_id: int) -> int | None:
        [found] = [c for c, held in self.model.items() if idea_id in held]
        return found

    def pick_defi(self, pick: int) -> int | None:
        return self.defis[pick % len(self.defis)] if self.defis else None

    # ------------------------------------------------------------------ rules

    @rule(title=st.text(min_size=1, max_size=20).filter(str.strip))
    def create(self, title: str) -> None:
        created = self.attempt(
            None,
            lambda owner: (
                challenges.create_challenge(self.workshop_id, owner, NewChallenge(title.strip())).id
            ),
        )
        self.defis.append(created)
        self.model[created] = []

    @rule(idea=picks, where=picks, position=positions)
    def move(self, idea: int, where: int, position: int | None) -> None:
        idea_id = self.placeable[idea % len(self.placeable)]
        # Mostly into a défi, sometimes back among the unclassified.
        target = None if where % 4 == 0 else self.pick_defi(where)
        self.attempt(
            None,
            lambda owner: challenges.move_idea(
                self.workshop_id, owner, IdeaMove(idea_id, target, position)
            ),
        )
        self.model[self.container_of(idea_id)].remove(idea_id)
        held = self.model[target]
        held.insert(len(held) if position is None else min(position, len(held)), idea_id)

    @rule(idea=picks)
    def move_nowhere(self, idea: int) -> None:
        """Moves to an unknown défi, or of an idea that cannot be placed, are refused."""
        idea_id = self.placeable[idea % len(self.placeable)]
        self.attempt(
            NotFound,
            lambda owner: challenges.move_idea(
                self.workshop_id, owner, IdeaMove(idea_id, UNKNOWN, 0)
            ),
        )
        gone = self.gone[idea % len(self.gone)]
        self.attempt(
            NotFound,
            lambda owner: challenges.move_idea(self.workshop_id, owner, IdeaMove(gone, None)),
        )

    @rule(pick=picks)
    def delete(self, pick: int) -> None:
        defi = self.pick_defi(pick)
        if defi is None:
            self.attempt(
                NotFound,
                lambda owner: merging.delete_challenge(self.workshop_id, owner, UNKNOWN),
            )
            return
        self.attempt(None, lambda owner: merging.delete_challenge(self.workshop_id, owner, defi))
        self.model[None].extend(self.model.pop(defi))
        self.defis.remove(defi)

    @rule(source=picks, into=picks)
    def merge(self, source: int, into: int) -> None:
        source_id, target_id = self.pick_defi(source), self.pick_defi(into)
        if source_id is None or target_id is None:
            return
        expected = ValidationError if source_id == target_id else None
        self.attempt(
            expected,
            lambda owner: merging.merge_challenges(
                self.workshop_id, owner, ChallengeMerge(source_id, target_id)
            ),
        )
        if expected is None:
            self.model[target_id].extend(self.model.pop(source_id))
            self.defis.remove(source_id)

    @rule(pick=picks, mask=st.integers(min_value=0, max_value=255), stranger=st.booleans())
    def split(self, pick: int, mask: int, stranger: bool) -> None:
        defi = self.pick_defi(pick)
        if defi is None:
            return
        held = self.model[defi]
        chosen = [i for n, i in enumerate(held) if mask >> n & 1]
        if stranger:  # an idea that is not in this défi spoils the choice
            chosen.append(next((i for i in self.placeable if i not in held), UNKNOWN))
        expected = ValidationError if stranger or not chosen else None
        created = self.attempt(
            expected,
            lambda owner: (
                challenges.split_challenge(
                    # In any order: the new défi keeps the ideas' order in the old one.
                    self.workshop_id,
                    owner,
                    ChallengeSplit(defi, chosen[::-1], NewChallenge("Split")),
                ).id
            ),
        )
        if expected is None:
            self.model[defi] = [i for i in held if i not in chosen]
            self.model[created] = [i for i in held if i in chosen]
            self.defis.insert(self.defis.index(defi) + 1, created)

    # ------------------------------------------------------------------ invariants

    @invariant()
    def every_idea_has_one_place_and_everybody_agrees(self) -> None:
        with self.app.app_context():
            workshop = db.session.get(Workshop, self.workshop_id)
            stored = placements(self.workshop_id)  # asserts positions 0..n-1
            host = challenges.grouping_state(workshop, Role.FACILITATOR)
            public = challenges.grouping_state(workshop, Role.PARTICIPANT)
            defis = db.session.execute(
                select(Challenge.id, Challenge.position)
                .where(Challenge.workshop_id == self.workshop_id)
                .order_by(Challenge.position)
            ).all()
            facts = facts_since(self.workshop_id, self.seen)
            public_facts = facts_since(self.workshop_id, self.seen, public=True)
            self.seen = workshop.seq

        placed = [i for held in stored.values() for i in held]
        assert sorted(placed) == sorted(self.placeable)  # each exactly once, nothing else
        assert stored == {c: held for c, held in self.model.items() if held}
        assert [d for d, _p in defis] == self.defis
        # Défis are listed by position; gaps may follow a deletion (docs/protocol.md).
        assert len({p for _d, p in defis}) == len(defis)

        assert [c["id"] for c in host["challenges"]] == self.defis
        assert [o["challenge_id"] for o in host["orders"]] == [None, *self.defis]
        assert {o["challenge_id"]: o["idea_ids"] for o in host["orders"] if o["idea_ids"]} == (
            stored
        )
        visible = {c: [i for i in held if i in self.visible] for c, held in stored.items()}
        visible = {c: held for c, held in visible.items() if held}
        assert {
            o["challenge_id"]: o["idea_ids"] for o in public["orders"] if o["idea_ids"]
        } == visible

        for name, data in facts:
            self.host.apply(name, data)
        for name, data in public_facts:
            self.phone.apply(name, data)
        assert self.host.placed() == stored
        assert self.phone.placed() == visible
        assert set(self.host.containers) == {None, *self.defis}


def test_grouping_invariants_hold_whatever_happens(app: Flask) -> None:
    machine = type("BoundGroupingMachine", (GroupingMachine,), {"app": app})
    run_state_machine_as_test(machine, settings=MACHINE)
