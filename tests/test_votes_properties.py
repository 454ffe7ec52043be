"""Property test of the vote rules: random participants, ideas, settings and commands.

A state machine drives :mod:`workshop.services.votes` (and moderation, which makes
ideas unvotable mid-vote) with casts and withdrawals of 1 to 3 dots on any idea,
including unknown, foreign, hidden, pending and withdrawn ones, and with random
settings, freezes and reopenings. A plain model predicts each answer; after every
step the database must agree with the model and with the rules:

- no participant holds more dots than the budget (or than they held when a lower
  budget was set: dots already placed stay, none can be added);
- no participant holds more dots on one idea than the cap (same exception);
- ``tallies`` is the sum of the dots per idea, ``totals`` the voters and the sum;
- a refused command raised the predicted error and changed nothing: no vote, no
  event, no ``seq``, nothing broadcast.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from tests.factories import enter_vote, make_idea, make_participant, make_workshop, vote_rows
from workshop.errors import (
    ItemNotVotable,
    NotFound,
    NoVoteToWithdraw,
    OwnIdeaVote,
    ValidationError,
    VoteBudgetExhausted,
    VoteCapReached,
    VoteClosed,
    WorkshopError,
    WrongWorkshop,
)
from workshop.extensions import db
from workshop.models import Event, Participant, Phase, Workshop
from workshop.phases import VOTE_DEFAULTS
from workshop.schemas import SettingsChange, VoteSettingsChange, VoteTarget
from workshop.services import ideas, votes, workshops

MACHINE = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
VOTERS = 3
UNKNOWN = 2**31 - 1  # a valid id that no idea has

counts = st.integers(min_value=1, max_value=3)
voter_indexes = st.integers(min_value=0, max_value=VOTERS - 1)
maybe_budget = st.none() | st.integers(min_value=1, max_value=6)
maybe_cap = st.none() | st.integers(min_value=1, max_value=4)
maybe_flag = st.none() | st.booleans()


class VoteMachine(RuleBasedStateMachine):
    """One workshop in its vote step, three voters, ideas of every kind."""

    app: Flask
    sent: list[Any]

    def __init__(self) -> None:
        super().__init__()
        self.first_sent = len(self.sent)  # what earlier examples broadcast is not ours
        with self.app.app_context():
            workshop = make_workshop()
            voters = [make_participant(workshop) for _ in range(VOTERS)]
            # Voters 0 and 1 each wrote one idea; someone else wrote the others.
            own = [make_idea(workshop, voters[0]), make_idea(workshop, voters[1])]
            someone = make_participant(workshop)
            plain = [make_idea(workshop, someone), make_idea(workshop, someone)]
            withdrawn = make_idea(workshop, voters[2])
            ideas.withdraw_idea(workshop.id, voters[2].id, withdrawn.id)
            workshops.update_settings(workshop.id, workshop.owner, SettingsChange(moderation=True))
            pending = make_idea(workshop, someone)
            foreign = self.foreign_idea()
            self.phase_id = enter_vote(workshop).id
            self.workshop_id = workshop.id
            self.owner_id = workshop.owner.id
            self.voters = [v.id for v in voters]
            # idea id → [status as the model knows it, author]
            self.ideas: dict[int, list[Any]] = {
                **{i.id: ["visible", i.participant_id] for i in (*own, *plain)},
                withdrawn.id: ["withdrawn", voters[2].id],
                pending.id: ["pending", someone.id],
                foreign: ["foreign", None],
                UNKNOWN: ["unknown", None],
            }
        self.dots: Counter[tuple[int, int]] = Counter()  # (voter, idea) → dots
        self.settings = dict(VOTE_DEFAULTS)
        self.frozen = False
        self.revealed = False
        # What each voter, and each (voter, idea), may hold: the budget and the cap,
        # unless they held more when a lower one was set.
        self.budget_ceiling: dict[int, int] = {}
        self.cap_ceiling: dict[tuple[int, int], int] = {}

    # ------------------------------------------------------------------ helpers

    @classmethod
    def foreign_idea(cls) -> int:
        """An idea of another workshop (made once: nothing here changes it)."""
        if not hasattr(cls, "_foreign"):
            cls._foreign = make_idea(make_workshop()).id
        return cls._foreign

    def spent(self, voter: int) -> int:
        return sum(n for (v, _i), n in self.dots.items() if v == voter)

    def state(self) -> tuple[Any, ...]:
        """What a refused command must not change (inside an app context)."""
        return (
            db.session.scalar(select(Workshop.seq).where(Workshop.id == self.workshop_id)),
            db.session.scalar(
                select(func.count()).select_from(Event).where(Event.workshop_id == self.workshop_id)
            ),
            vote_rows(self.workshop_id),
            db.session.execute(
                select(Phase.settings, Phase.frozen_at).where(Phase.id == self.phase_id)
            ).one(),
        )

    def attempt(
        self, expected: type[WorkshopError] | None, act: Any, *, changes: bool = True
    ) -> Any:
        """Run ``act``: it must raise ``expected`` and change nothing, or succeed (and,
        unless ``changes`` is false, record and broadcast something)."""
        before, sent = self.state(), len(self.sent)
        try:
            result = act()
        except WorkshopError as error:
            db.session.rollback()
            assert type(error) is expected, f"raised {type(error).__name__}, not {expected}"
            assert self.state() == before
            assert len(self.sent) == sent
            return None
        assert expected is None, f"succeeded; the model expected {expected.__name__}"
        if changes:
            assert len(self.sent) > sent
            self.check_broadcast(self.sent[sent:])
        else:
            assert self.state() == before and len(self.sent) == sent
        return result

    def check_broadcast(self, sent: list[tuple[str, dict[str, Any], str]]) -> None:
        """Phones and screens get tallies only while they are public; facilitators always."""
        public = not self.settings["hidden"] or self.revealed or self.frozen
        for name, payload, room in sent:
            if name == "votes_changed":
                shown = room.endswith(":facilitators") or public
                assert ("tallies" in payload) is shown, (room, payload)

    def refit_ceilings(self) -> None:
        budget, cap = self.settings["votes_per_participant"], self.settings["max_per_item"]
        for voter in self.voters:
            self.budget_ceiling[voter] = max(budget, self.spent(voter))
        for key, n in self.dots.items():
            self.cap_ceiling[key] = max(cap, n)

    # ------------------------------------------------------------------ rules

    @initialize(budget=maybe_budget, cap=maybe_cap, allow_own=maybe_flag, hidden=maybe_flag)
    def first_settings(
        self, budget: int | None, cap: int | None, allow_own: bool | None, hidden: bool | None
    ) -> None:
        self.configure(budget, cap, allow_own, hidden)

    @rule(who=voter_indexes, count=counts, pick=st.integers(0, 100))
    def cast_anywhere(self, who: int, count: int, pick: int) -> None:
        self.cast(self.voters[who], self.pick_idea(pick), count)

    @rule(who=voter_indexes, count=counts, pick=st.integers(0, 100))
    def cast_on_a_visible_idea(self, who: int, count: int, pick: int) -> None:
        """Most casts go to ideas that can take them, to reach the budget and the cap."""
        visible = sorted(i for i, (status, _a) in self.ideas.items() if status == "visible")
        self.cast(self.voters[who], visible[pick % len(visible)] if visible else UNKNOWN, count)

    def cast(self, voter: int, idea_id: int, count: int) -> None:
        status, author = self.ideas[idea_id]
        budget, cap = self.settings["votes_per_participant"], self.settings["max_per_item"]
        expected: type[WorkshopError] | None = None
        if self.frozen:
            expected = VoteClosed
        elif status == "unknown":
            expected = NotFound
        elif status == "foreign":
            expected = WrongWorkshop
        elif status != "visible":
            expected = ItemNotVotable
        elif not self.settings["allow_own"] and author == voter:
            expected = OwnIdeaVote
        elif self.spent(voter) + count > budget:
            expected = VoteBudgetExhausted
        elif self.dots[voter, idea_id] + count > cap:
            expected = VoteCapReached
        with self.app.app_context():
            answer = self.attempt(
                expected,
                lambda: votes.cast_vote(self.workshop_id, voter, VoteTarget(idea_id, count)),
            )
        if answer is not None:
            self.dots[voter, idea_id] += count
            self.check_answer(voter, answer)

    @rule(who=voter_indexes, count=counts, pick=st.integers(0, 100))
    def withdraw(self, who: int, count: int, pick: int) -> None:
        voter, idea_id = self.voters[who], self.pick_idea(pick, prefer_voted_by=who)
        status = self.ideas[idea_id][0]
        held = self.dots[voter, idea_id]
        expected: type[WorkshopError] | None = None
        if self.frozen:
            expected = VoteClosed
        elif held == 0 and status == "unknown":
            expected = NotFound
        elif held == 0 and status == "foreign":
            expected = WrongWorkshop
        elif held < count:
            expected = NoVoteToWithdraw
        with self.app.app_context():
            answer = self.attempt(
                expected,
                lambda: votes.withdraw_vote(self.workshop_id, voter, VoteTarget(idea_id, count)),
            )
        if answer is not None:
            self.dots[voter, idea_id] -= count
            if not self.dots[voter, idea_id]:
                del self.dots[voter, idea_id]
            # Taking dots back lowers a grandfathered excess for good.
            self.refit_ceilings()
            self.check_answer(voter, answer)

    @rule(who=voter_indexes, count=st.integers(0, 4), pick=st.integers(0, 100))
    def set_exactly(self, who: int, count: int, pick: int) -> None:
        """``set_vote``: an absolute count, as a phone's outbox resends it. A repeat of
        the current count changes and announces nothing."""
        voter, idea_id = self.voters[who], self.pick_idea(pick, prefer_voted_by=who)
        status, author = self.ideas[idea_id]
        held = self.dots[voter, idea_id]
        budget, cap = self.settings["votes_per_participant"], self.settings["max_per_item"]
        expected: type[WorkshopError] | None = None
        if self.frozen:
            expected = VoteClosed
        elif held == 0 and status == "unknown":
            expected = NotFound
        elif held == 0 and status == "foreign":
            expected = WrongWorkshop
        elif count > held:
            if status != "visible":
                expected = ItemNotVotable
            elif not self.settings["allow_own"] and author == voter:
                expected = OwnIdeaVote
            elif self.spent(voter) + count - held > budget:
                expected = VoteBudgetExhausted
            elif count > cap:
                expected = VoteCapReached
        with self.app.app_context():
            answer = self.attempt(
                expected,
                lambda: votes.set_vote(self.workshop_id, voter, VoteTarget(idea_id, count)),
                changes=count != held,
            )
        if answer is not None:
            if count:
                self.dots[voter, idea_id] = count
            else:
                self.dots.pop((voter, idea_id), None)
            if count < held:
                self.refit_ceilings()
            self.check_answer(voter, answer)

    @rule(budget=maybe_budget, cap=maybe_cap, allow_own=maybe_flag, hidden=maybe_flag)
    def configure(
        self, budget: int | None, cap: int | None, allow_own: bool | None, hidden: bool | None
    ) -> None:
        change = VoteSettingsChange(
            votes_per_participant=budget, max_per_item=cap, allow_own=allow_own, hidden=hidden
        )
        after = self.settings | change.changes()
        expected: type[WorkshopError] | None = None
        if self.frozen:
            expected = VoteClosed
        elif after["max_per_item"] > after["votes_per_participant"]:
            expected = ValidationError
        with self.app.app_context():
            owner = db.session.get(Workshop, self.workshop_id).owner
            done = self.attempt(
                expected,
                lambda: votes.configure_vote(self.workshop_id, owner, change),
                changes=after != self.settings,  # nothing to announce otherwise
            )
        if done is not None:
            self.settings = after
            self.refit_ceilings()

    @rule(pick=st.integers(0, 100))
    def moderate(self, pick: int) -> None:
        """The facilitators hide a visible idea or restore a hidden one. Hiding gives
        the idea's dots back while the vote is open; a frozen vote keeps them."""
        idea_id = self.pick_idea(pick)
        status = self.ideas[idea_id][0]
        if status not in ("visible", "hidden"):
            return
        sent = len(self.sent)
        with self.app.app_context():
            owner = db.session.get(Workshop, self.workshop_id).owner
            act = ideas.hide_idea if status == "visible" else ideas.restore_idea
            act(self.workshop_id, owner, idea_id)
        self.ideas[idea_id][0] = "hidden" if status == "visible" else "visible"
        given_back = status == "visible" and not self.frozen
        if given_back and any(i == idea_id for _v, i in self.dots):
            for key in [k for k in self.dots if k[1] == idea_id]:
                del self.dots[key]
            self.refit_ceilings()
            [changed] = [
                payload
                for name, payload, room in self.sent[sent:]
                if name == "votes_changed" and room.endswith(":facilitators")
            ]
            assert changed["tallies"] == {str(idea_id): 0}
        self.check_broadcast(self.sent[sent:])

    @rule()
    def freeze(self) -> None:
        with self.app.app_context():
            owner = db.session.get(Workshop, self.workshop_id).owner
            phase = votes.freeze_results(self.workshop_id, owner)
            ranked = {r["idea_id"]: r["votes"] for r in phase.frozen_ranking or []}
        if not self.frozen:  # freezing again keeps the ranking of the first freeze
            visible = {i for i, (status, _a) in self.ideas.items() if status == "visible"}
            per_idea: Counter[int] = Counter()
            for (_v, idea_id), n in self.dots.items():
                per_idea[idea_id] += n
            assert ranked == {i: n for i, n in per_idea.items() if i in visible}
        self.frozen = True

    @rule()
    def reveal(self) -> None:
        with self.app.app_context():
            owner = db.session.get(Workshop, self.workshop_id).owner
            votes.reveal_votes(self.workshop_id, owner)
        self.revealed = True

    @rule()
    def reopen(self) -> None:
        """Reopening gives back the dots of ideas hidden while the vote was frozen."""
        sent = len(self.sent)
        with self.app.app_context():
            owner = db.session.get(Workshop, self.workshop_id).owner
            votes.reopen_vote(self.workshop_id, owner)
        if self.frozen:
            for key in [k for k in self.dots if self.ideas[k[1]][0] != "visible"]:
                del self.dots[key]
            self.frozen = False
            self.refit_ceilings()
        self.check_broadcast(self.sent[sent:])

    def pick_idea(self, pick: int, prefer_voted_by: int | None = None) -> int:
        """An idea, usually a voted one when withdrawing (else most would be refused)."""
        if prefer_voted_by is not None and pick % 4:
            voted = sorted(i for (v, i) in self.dots if v == self.voters[prefer_voted_by])
            if voted:
                return voted[pick % len(voted)]
        keys = sorted(self.ideas)
        return keys[pick % len(keys)]

    def check_answer(self, voter: int, answer: dict[str, Any]) -> None:
        mine = {str(i): n for (v, i), n in self.dots.items() if v == voter}
        assert answer == {
            "phase_id": self.phase_id,
            "target": "ideas",
            "votes": mine,
            "remaining": max(0, self.settings["votes_per_participant"] - self.spent(voter)),
        }

    # ------------------------------------------------------------------ invariants

    @invariant()
    def the_database_keeps_the_rules(self) -> None:
        with self.app.app_context():
            rows = vote_rows(self.workshop_id)
            phase = db.session.get(Phase, self.phase_id)
            tallies, totals = votes.tallies(phase), votes.totals(phase)
            mine = {
                voter: votes.my_votes(db.session.get(Participant, voter)) for voter in self.voters
            }
        assert all(phase_id == self.phase_id and n > 0 for phase_id, _v, _i, n in rows)
        stored = Counter({(v, i): n for _p, v, i, n in rows})
        assert stored == self.dots
        budget, cap = self.settings["votes_per_participant"], self.settings["max_per_item"]
        spent: Counter[int] = Counter()
        for (voter, idea_id), n in stored.items():
            spent[voter] += n
            assert n <= self.cap_ceiling.get((voter, idea_id), cap)
        for voter, n in spent.items():
            assert n <= self.budget_ceiling.get(voter, budget)
        per_idea: Counter[int] = Counter()
        for (_v, idea_id), n in stored.items():
            per_idea[idea_id] += n
        assert tallies == dict(per_idea)
        assert totals == {"voters": len(spent), "votes_cast": sum(spent.values())}
        announced = [
            payload
            for name, payload, room in self.sent[self.first_sent :]
            if name == "votes_changed" and room.endswith(":facilitators")
        ]
        if announced:  # the totals phones were last told (kept incrementally) are right
            last = announced[-1]
            assert (last["voters"], last["votes_cast"]) == (totals["voters"], totals["votes_cast"])
        for voter in self.voters:
            held = {i: n for (v, i), n in stored.items() if v == voter}
            assert mine[voter] == ({self.phase_id: held} if held else {})


def test_vote_rules_hold_whatever_happens(app: Flask, emitted: list[Any]) -> None:
    machine = type("BoundVoteMachine", (VoteMachine,), {"app": app, "sent": emitted})
    run_state_machine_as_test(machine, settings=MACHINE)
