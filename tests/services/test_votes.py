"""services.votes: budgets and caps, every guard, hidden tallies, reveal, freeze, reopen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.factories import (
    cast,
    configure_vote,
    enter_vote,
    make_facilitator,
    make_idea,
    make_participant,
    make_vote_workshop,
    make_workshop,
    recorded,
    vote_phase,
    vote_rows,
)
from workshop.errors import (
    Forbidden,
    ItemNotVotable,
    NotFound,
    NoVoteToWithdraw,
    OwnIdeaVote,
    ValidationError,
    VoteBudgetExhausted,
    VoteCapReached,
    VoteClosed,
    WorkshopClosed,
    WorkshopError,
    WorkshopNotOpen,
    WrongPhase,
    WrongWorkshop,
)
from workshop.extensions import db
from workshop.models import Event, IdeaStatus, Participant, Phase, Workshop
from workshop.phases import VOTE_DEFAULTS, PhaseKind
from workshop.schemas import AgendaItem, PhaseTarget, Role, VoteSettingsChange, VoteTarget
from workshop.services import agenda, ideas, snapshot, votes, workshops

Emitted = list[tuple[str, dict[str, Any], str]]


def target(idea_id: int, count: int = 1) -> VoteTarget:
    return VoteTarget(item_id=idea_id, count=count)


def state_of(workshop_id: int) -> tuple[Any, ...]:
    """Everything a refused command must leave as it was."""
    seq = db.session.scalar(select(Workshop.seq).where(Workshop.id == workshop_id))
    phases = db.session.execute(
        select(Phase.id, Phase.settings, Phase.revealed_at, Phase.frozen_at, Phase.frozen_ranking)
        .where(Phase.workshop_id == workshop_id)
        .order_by(Phase.id)
    ).all()
    return seq, recorded(workshop_id), vote_rows(workshop_id), [tuple(p) for p in phases]


def by_room(emitted: Emitted, name: str) -> dict[str, dict[str, Any]]:
    """The last ``name`` payload each room received, by room suffix ("", facilitators, screens)."""
    return {room.partition(":")[2].partition(":")[2]: p for n, p, room in emitted if n == name}


# ------------------------------------------------------------------ casting and withdrawing


def test_cast_answers_with_the_participants_votes_and_what_is_left(
    app: Flask, emitted: Emitted
) -> None:
    with app.app_context():
        workshop, (first, second, _third) = make_vote_workshop()
        voter = make_participant(workshop)
        phase_id = workshop.current_phase_id

        assert cast(workshop, voter, first) == {
            "phase_id": phase_id,
            "target": "ideas",
            "votes": {str(first.id): 1},
            "remaining": VOTE_DEFAULTS["votes_per_participant"] - 1,
        }
        emitted.clear()
        answer = cast(workshop, voter, second)
        assert answer == {
            "phase_id": phase_id,
            "target": "ideas",
            "votes": {str(first.id): 1, str(second.id): 1},
            "remaining": VOTE_DEFAULTS["votes_per_participant"] - 2,
        }
        assert vote_rows(workshop.id) == [
            (phase_id, voter.id, first.id, 1),
            (phase_id, voter.id, second.id, 1),
        ]
        assert recorded(workshop.id)[-1] == (workshop.seq, "votes_changed")
        workshop_id, seq, second_id = workshop.id, workshop.seq, second.id
    rooms = by_room(emitted, "votes_changed")
    assert set(rooms) == {"", "facilitators", "screens"}
    # The tally of the item that changed, absolute, and the phase's totals.
    assert rooms["facilitators"] == {
        "workshop_id": workshop_id,
        "seq": seq,
        "phase_id": phase_id,
        "target": "ideas",
        "tallies": {str(second_id): 1},
        "voters": 1,
        "votes_cast": 2,
    }


def test_cumulative_votes_up_to_the_cap_and_the_budget(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, c) = make_vote_workshop(
            vote={"votes_per_participant": 5, "max_per_item": 3}
        )
        voter = make_participant(workshop)
        assert cast(workshop, voter, a, 2)["votes"] == {str(a.id): 2}
        answer = cast(workshop, voter, a)
        assert answer["votes"] == {str(a.id): 3} and answer["remaining"] == 2
        with pytest.raises(VoteCapReached):
            cast(workshop, voter, a)
        db.session.rollback()
        answer = cast(workshop, voter, b, 2)
        assert answer["votes"] == {str(a.id): 3, str(b.id): 2} and answer["remaining"] == 0
        with pytest.raises(VoteBudgetExhausted):
            cast(workshop, voter, c)
        db.session.rollback()

        answer = votes.withdraw_vote(workshop.id, voter.id, target(a.id, 2))
        assert answer["votes"] == {str(a.id): 1, str(b.id): 2} and answer["remaining"] == 2
        # Withdrawing the last dot of an item removes its row.
        answer = votes.withdraw_vote(workshop.id, voter.id, target(a.id))
        assert answer["votes"] == {str(b.id): 2} and answer["remaining"] == 3
        phase = vote_phase(workshop)
        assert vote_rows(workshop.id) == [(phase.id, voter.id, b.id, 2)]
        assert votes.tallies(phase) == {b.id: 2}
        assert votes.totals(phase) == {"voters": 1, "votes_cast": 2}
        # The freed dots can go elsewhere.
        assert cast(workshop, voter, c, 3)["remaining"] == 0


def test_taking_back_the_last_dot_announces_a_zero_tally(app: Flask, emitted: Emitted) -> None:
    with app.app_context():
        workshop, (a, *_rest) = make_vote_workshop()
        voter = make_participant(workshop)
        cast(workshop, voter, a)
        emitted.clear()
        votes.withdraw_vote(workshop.id, voter.id, target(a.id))
        assert recorded(workshop.id)[-1] == (workshop.seq, "votes_changed")
        workshop_id, phase_id, a_id = workshop.id, workshop.current_phase_id, a.id
    rooms = by_room(emitted, "votes_changed")
    assert {k: v for k, v in rooms["facilitators"].items() if k != "seq"} == {
        "workshop_id": workshop_id,
        "phase_id": phase_id,
        "target": "ideas",
        "tallies": {str(a_id): 0},
        "voters": 0,
        "votes_cast": 0,
    }
    assert "tallies" not in rooms[""] and "tallies" not in rooms["screens"]


def test_tallies_and_totals_count_every_participant(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, _c) = make_vote_workshop(vote={"max_per_item": 2})
        one, two = make_participant(workshop), make_participant(workshop)
        cast(workshop, one, a, 2)
        cast(workshop, two, a)
        cast(workshop, two, b)
        phase = vote_phase(workshop)
        assert votes.tallies(phase) == {a.id: 3, b.id: 1}
        assert votes.totals(phase) == {"voters": 2, "votes_cast": 4}
        assert votes.my_votes(two) == {phase.id: {a.id: 1, b.id: 1}}


@pytest.mark.parametrize("how", ["hidden", "withdrawn"])
def test_an_idea_leaving_an_open_vote_gives_its_dots_back(
    app: Flask, emitted: Emitted, how: str
) -> None:
    with app.app_context():
        workshop, (a, b, c) = make_vote_workshop(vote={"votes_per_participant": 2})
        one, two = make_participant(workshop), make_participant(workshop)
        cast(workshop, one, a)
        cast(workshop, one, b)
        cast(workshop, two, a)
        emitted.clear()
        if how == "hidden":
            ideas.hide_idea(workshop.id, workshop.owner, a.id)
        else:
            assert a.participant_id is not None
            ideas.withdraw_idea(workshop.id, a.participant_id, a.id)
        phase = vote_phase(workshop)
        assert vote_rows(workshop.id) == [(phase.id, one.id, b.id, 1)]
        assert recorded(workshop.id)[-1][1] == "votes_changed"
        a_id = a.id
        changed = by_room(emitted, "votes_changed")["facilitators"]
        # The dot given back can be spent again.
        assert cast(workshop, one, c)["remaining"] == 0
    assert changed["tallies"] == {str(a_id): 0}
    assert (changed["voters"], changed["votes_cast"]) == (1, 1)


def test_a_frozen_vote_keeps_the_dots_of_an_idea_hidden_later(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, _c) = make_vote_workshop(vote={"votes_per_participant": 2})
        voter = make_participant(workshop)
        cast(workshop, voter, a)
        cast(workshop, voter, b)
        phase = votes.freeze_results(workshop.id, workshop.owner)
        ranking = phase.frozen_ranking
        ideas.hide_idea(workshop.id, workshop.owner, a.id)
        assert vote_rows(workshop.id) == [
            (phase.id, voter.id, a.id, 1),
            (phase.id, voter.id, b.id, 1),
        ]
        assert phase.frozen_ranking == ranking and len(ranking or []) == 2

        # Reopened, the vote gives them back, as an open vote does at once: a dot left
        # on an idea nobody can see any more would be lost to its participant.
        votes.reopen_vote(workshop.id, workshop.owner)
        assert [name for _seq, name in recorded(workshop.id)[-2:]] == [
            "vote_reopened",
            "votes_changed",
        ]
        assert vote_rows(workshop.id) == [(phase.id, voter.id, b.id, 1)]
        answer = votes.withdraw_vote(workshop.id, voter.id, target(b.id))
        assert answer["remaining"] == 2


# ------------------------------------------------------------------ guards


# Each arrangement returns (workshop, act); act must raise and change nothing.
Arranged = tuple[Workshop, Callable[[], Any]]


def _cast_in(workshop: Workshop, idea_id: int, count: int = 1) -> Callable[[], Any]:
    voter = make_participant(workshop)
    return lambda: votes.cast_vote(workshop.id, voter.id, target(idea_id, count))


def cast_outside_a_vote() -> Arranged:
    workshop = make_workshop()
    return workshop, _cast_in(workshop, make_idea(workshop).id)


def cast_in_a_closed_workshop() -> Arranged:
    workshop, (idea, *_rest) = make_vote_workshop()
    act = _cast_in(workshop, idea.id)
    agenda.close_workshop(workshop.id, workshop.owner)
    return workshop, act


def cast_in_a_draft_workshop() -> Arranged:
    workshop = make_workshop(status="draft")
    # Nobody can join a draft; a row put there directly shows the guard holds anyway.
    voter = Participant(
        workshop_id=workshop.id, display_name="Early", profile="citizen", token_hash="x" * 64
    )
    db.session.add(voter)
    db.session.commit()
    return workshop, lambda: votes.cast_vote(workshop.id, voter.id, target(999_999))


def cast_after_the_freeze() -> Arranged:
    workshop, (idea, *_rest) = make_vote_workshop()
    act = _cast_in(workshop, idea.id)
    votes.freeze_results(workshop.id, workshop.owner)
    return workshop, act


def cast_on_an_unknown_idea() -> Arranged:
    workshop, _ideas = make_vote_workshop()
    return workshop, _cast_in(workshop, 999_999)


def cast_on_an_idea_of_another_workshop() -> Arranged:
    workshop, _ideas = make_vote_workshop()
    _other, (elsewhere, *_rest) = make_vote_workshop()
    return workshop, _cast_in(workshop, elsewhere.id)


def cast_as_a_participant_of_another_workshop() -> Arranged:
    workshop, (idea, *_rest) = make_vote_workshop()
    other, _ideas = make_vote_workshop()
    stranger = make_participant(other)
    return workshop, lambda: votes.cast_vote(workshop.id, stranger.id, target(idea.id))


def cast_on_a_hidden_idea() -> Arranged:
    workshop, (idea, *_rest) = make_vote_workshop()
    ideas.hide_idea(workshop.id, workshop.owner, idea.id)
    return workshop, _cast_in(workshop, idea.id)


def cast_on_a_pending_idea() -> Arranged:
    workshop, (idea, *_rest) = make_vote_workshop(moderation=True)
    return workshop, _cast_in(workshop, idea.id)


def cast_on_a_withdrawn_idea() -> Arranged:
    workshop, (idea, *_rest) = make_vote_workshop()
    assert idea.participant_id is not None
    ideas.withdraw_idea(workshop.id, idea.participant_id, idea.id)
    return workshop, _cast_in(workshop, idea.id)


def cast_on_ones_own_idea() -> Arranged:
    workshop = make_workshop()
    author = make_participant(workshop)
    idea = make_idea(workshop, author)
    enter_vote(workshop)
    configure_vote(workshop, allow_own=False)
    return workshop, lambda: votes.cast_vote(workshop.id, author.id, target(idea.id))


def cast_beyond_the_budget() -> Arranged:
    workshop, (a, b, c) = make_vote_workshop(vote={"votes_per_participant": 2})
    voter = make_participant(workshop)
    cast(workshop, voter, a)
    cast(workshop, voter, b)
    return workshop, lambda: cast(workshop, voter, c)


def cast_more_at_once_than_the_budget() -> Arranged:
    workshop, (a, *_rest) = make_vote_workshop(vote={"votes_per_participant": 3, "max_per_item": 3})
    return workshop, _cast_in(workshop, a.id, 4)


def cast_beyond_the_cap() -> Arranged:
    workshop, (a, *_rest) = make_vote_workshop(vote={"max_per_item": 2})
    voter = make_participant(workshop)
    cast(workshop, voter, a, 2)
    return workshop, lambda: cast(workshop, voter, a)


def cast_more_at_once_than_the_cap() -> Arranged:
    workshop, (a, *_rest) = make_vote_workshop(vote={"max_per_item": 2})
    return workshop, _cast_in(workshop, a.id, 3)


def _withdraw_in(workshop: Workshop, idea_id: int, count: int = 1, placed: int = 0) -> Any:
    voter = make_participant(workshop)
    if placed:
        votes.cast_vote(workshop.id, voter.id, target(idea_id, placed))
    return lambda: votes.withdraw_vote(workshop.id, voter.id, target(idea_id, count))


def withdraw_without_a_vote() -> Arranged:
    workshop, (a, b, _c) = make_vote_workshop()
    voter = make_participant(workshop)
    cast(workshop, voter, b)
    return workshop, lambda: votes.withdraw_vote(workshop.id, voter.id, target(a.id))


def withdraw_more_than_placed() -> Arranged:
    workshop, (a, *_rest) = make_vote_workshop(vote={"max_per_item": 3})
    return workshop, _withdraw_in(workshop, a.id, count=3, placed=2)


def withdraw_someone_elses_vote() -> Arranged:
    workshop, (a, *_rest) = make_vote_workshop()
    cast(workshop, make_participant(workshop), a)
    return workshop, _withdraw_in(workshop, a.id)


def withdraw_from_an_unknown_idea() -> Arranged:
    workshop, _ideas = make_vote_workshop()
    return workshop, _withdraw_in(workshop, 999_999)


def withdraw_from_an_idea_of_another_workshop() -> Arranged:
    workshop, _ideas = make_vote_workshop()
    _other, (elsewhere, *_rest) = make_vote_workshop()
    return workshop, _withdraw_in(workshop, elsewhere.id)


def withdraw_after_the_freeze() -> Arranged:
    workshop, (a, *_rest) = make_vote_workshop()
    act = _withdraw_in(workshop, a.id, placed=1)
    votes.freeze_results(workshop.id, workshop.owner)
    return workshop, act


def withdraw_after_the_vote_step() -> Arranged:
    workshop, (a, *_rest) = make_vote_workshop()
    act = _withdraw_in(workshop, a.id, placed=1)
    agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(direction="next"))
    return workshop, act


def withdraw_in_a_closed_workshop() -> Arranged:
    workshop, (a, *_rest) = make_vote_workshop()
    act = _withdraw_in(workshop, a.id, placed=1)
    agenda.close_workshop(workshop.id, workshop.owner)
    return workshop, act


GUARDS: dict[str, tuple[Callable[[], Arranged], type[WorkshopError], str]] = {
    "cast_outside_a_vote": (cast_outside_a_vote, WrongPhase, "wrong_phase"),
    "cast_in_a_closed_workshop": (cast_in_a_closed_workshop, WorkshopClosed, "workshop_closed"),
    "cast_in_a_draft_workshop": (cast_in_a_draft_workshop, WorkshopNotOpen, "workshop_not_open"),
    "cast_after_the_freeze": (cast_after_the_freeze, VoteClosed, "vote_closed"),
    "cast_on_an_unknown_idea": (cast_on_an_unknown_idea, NotFound, "not_found"),
    "cast_on_an_idea_of_another_workshop": (
        cast_on_an_idea_of_another_workshop,
        WrongWorkshop,
        "wrong_workshop",
    ),
    "cast_as_a_participant_of_another_workshop": (
        cast_as_a_participant_of_another_workshop,
        WrongWorkshop,
        "wrong_workshop",
    ),
    "cast_on_a_hidden_idea": (cast_on_a_hidden_idea, ItemNotVotable, "item_not_votable"),
    "cast_on_a_pending_idea": (cast_on_a_pending_idea, ItemNotVotable, "item_not_votable"),
    "cast_on_a_withdrawn_idea": (cast_on_a_withdrawn_idea, ItemNotVotable, "item_not_votable"),
    "cast_on_ones_own_idea": (cast_on_ones_own_idea, OwnIdeaVote, "own_idea_vote"),
    "cast_beyond_the_budget": (
        cast_beyond_the_budget,
        VoteBudgetExhausted,
        "vote_budget_exhausted",
    ),
    "cast_more_at_once_than_the_budget": (
        cast_more_at_once_than_the_budget,
        VoteBudgetExhausted,
        "vote_budget_exhausted",
    ),
    "cast_beyond_the_cap": (cast_beyond_the_cap, VoteCapReached, "vote_cap_reached"),
    "cast_more_at_once_than_the_cap": (
        cast_more_at_once_than_the_cap,
        VoteCapReached,
        "vote_cap_reached",
    ),
    "withdraw_without_a_vote": (withdraw_without_a_vote, NoVoteToWithdraw, "no_vote_to_withdraw"),
    "withdraw_more_than_placed": (
        withdraw_more_than_placed,
        NoVoteToWithdraw,
        "no_vote_to_withdraw",
    ),
    "withdraw_someone_elses_vote": (
        withdraw_someone_elses_vote,
        NoVoteToWithdraw,
        "no_vote_to_withdraw",
    ),
    "withdraw_from_an_unknown_idea": (withdraw_from_an_unknown_idea, NotFound, "not_found"),
    "withdraw_from_an_idea_of_another_workshop": (
        withdraw_from_an_idea_of_another_workshop,
        WrongWorkshop,
        "wrong_workshop",
    ),
    "withdraw_after_the_freeze": (withdraw_after_the_freeze, VoteClosed, "vote_closed"),
    "withdraw_after_the_vote_step": (withdraw_after_the_vote_step, WrongPhase, "wrong_phase"),
    "withdraw_in_a_closed_workshop": (
        withdraw_in_a_closed_workshop,
        WorkshopClosed,
        "workshop_closed",
    ),
}


@pytest.mark.parametrize("case", list(GUARDS))
def test_each_guard_raises_its_error_and_changes_nothing(
    app: Flask, emitted: Emitted, case: str
) -> None:
    arrange, error, code = GUARDS[case]
    with app.app_context():
        workshop, act = arrange()
        before = state_of(workshop.id)
        emitted.clear()
        with pytest.raises(error) as raised:
            act()
        # What the socket layer does with any error (events.on_error).
        db.session.rollback()
        assert type(raised.value) is error and raised.value.code == code
        assert state_of(workshop.id) == before
    assert emitted == []


# ------------------------------------------------------------------ configure_vote


def test_configure_changes_only_what_is_given(app: Flask) -> None:
    with app.app_context():
        workshop, _ideas = make_vote_workshop()
        phase = configure_vote(workshop, votes_per_participant=7, max_per_item=2)
        configure_vote(workshop, hidden=False)
        phase = configure_vote(workshop, allow_own=False)
        expected = {
            "votes_per_participant": 7,
            "max_per_item": 2,
            "target": "ideas",
            "allow_own": False,
            "hidden": False,
            "method": "dots",  # the default, written with the rest
        }
        assert phase.settings == expected
        event = db.session.scalars(select(Event).order_by(Event.id.desc())).first()
        assert event is not None
        assert event.name == "vote_configured"
        assert event.data["phase"]["vote"]["settings"] == expected
        assert event.data["phase"]["id"] == phase.id


def test_configure_a_vote_step_before_it_starts(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        phase = vote_phase(workshop)
        votes.configure_vote(
            workshop.id,
            workshop.owner,
            VoteSettingsChange(phase_id=phase.id, votes_per_participant=3),
        )
        assert phase.settings["votes_per_participant"] == 3
        # Without phase_id it means the current step, which is no vote here.
        with pytest.raises(WrongPhase):
            configure_vote(workshop, votes_per_participant=3)


def _nothing(_workshop: Workshop) -> None:
    return None


def _lower_the_budget_below_the_cap(workshop: Workshop) -> None:
    configure_vote(workshop, max_per_item=3)


def _freeze(workshop: Workshop) -> None:
    votes.freeze_results(workshop.id, workshop.owner)


# (arrange, act, error): act is the one call that must be refused.
CONFIGURE_GUARDS: dict[
    str, tuple[Callable[[Workshop], None], Callable[[Workshop], Any], type[WorkshopError]]
] = {
    "cap_above_budget": (
        _nothing,
        lambda w: configure_vote(w, votes_per_participant=3, max_per_item=4),
        ValidationError,
    ),
    "budget_below_cap": (
        _lower_the_budget_below_the_cap,
        lambda w: configure_vote(w, votes_per_participant=2),
        ValidationError,
    ),
    "after_freeze": (_freeze, lambda w: configure_vote(w, votes_per_participant=9), VoteClosed),
    "not_a_vote_step": (
        _nothing,
        lambda w: votes.configure_vote(
            w.id, w.owner, VoteSettingsChange(phase_id=w.phases[0].id, hidden=False)
        ),
        WrongPhase,
    ),
    "unknown_step": (
        _nothing,
        lambda w: votes.configure_vote(w.id, w.owner, VoteSettingsChange(phase_id=999_999)),
        NotFound,
    ),
}


@pytest.mark.parametrize("case", list(CONFIGURE_GUARDS))
def test_configure_guards(app: Flask, emitted: Emitted, case: str) -> None:
    arrange, act, error = CONFIGURE_GUARDS[case]
    with app.app_context():
        workshop, (idea, *_rest) = make_vote_workshop()
        cast(workshop, make_participant(workshop), idea)
        arrange(workshop)
        before = state_of(workshop.id)
        emitted.clear()
        with pytest.raises(error):
            act(workshop)
        db.session.rollback()
        assert state_of(workshop.id) == before
    assert emitted == []


def test_a_refused_range_names_the_field(app: Flask) -> None:
    with app.app_context():
        workshop, _ideas = make_vote_workshop()
        with pytest.raises(ValidationError) as raised:
            configure_vote(workshop, votes_per_participant=2, max_per_item=3)
        assert raised.value.code == "invalid_input"
        assert raised.value.to_dict()["details"] == {
            "field": "max_per_item",
            "reason": "range",
            "max": 2,
        }


FACILITATOR_ONLY: dict[str, Callable[[Workshop, Any], Any]] = {
    "configure_vote": lambda w, f: votes.configure_vote(w.id, f, VoteSettingsChange(hidden=False)),
    "reveal_votes": lambda w, f: votes.reveal_votes(w.id, f),
    "freeze_results": lambda w, f: votes.freeze_results(w.id, f),
    "reopen_vote": lambda w, f: votes.reopen_vote(w.id, f),
}


@pytest.mark.parametrize("command", list(FACILITATOR_ONLY))
@pytest.mark.parametrize("who", ["another_facilitator", "nobody"])
def test_vote_commands_are_for_the_workshops_facilitators(
    app: Flask, emitted: Emitted, command: str, who: str
) -> None:
    with app.app_context():
        workshop, (idea, *_rest) = make_vote_workshop()
        cast(workshop, make_participant(workshop), idea)
        if command == "reopen_vote":
            votes.freeze_results(workshop.id, workshop.owner)
        intruder = make_facilitator() if who == "another_facilitator" else None
        before = state_of(workshop.id)
        emitted.clear()
        with pytest.raises(Forbidden):
            FACILITATOR_ONLY[command](workshop, intruder)
        db.session.rollback()
        assert state_of(workshop.id) == before
    assert emitted == []


def test_going_live_reveals_the_tallies_so_far(app: Flask, emitted: Emitted) -> None:
    with app.app_context():
        workshop, (a, b, _c) = make_vote_workshop(vote={"max_per_item": 2})
        cast(workshop, make_participant(workshop), a, 2)
        cast(workshop, make_participant(workshop), b)
        a_id, b_id = a.id, b.id
        emitted.clear()
        phase = configure_vote(workshop, hidden=False)
        assert [name for _seq, name in recorded(workshop.id)[-2:]] == [
            "vote_configured",
            "votes_revealed",
        ]
        assert votes.tallies_public(phase) and phase.revealed_at is None
        phase_id = phase.id
    # Every room gets the tallies: they are public now.
    for payload in by_room(emitted, "votes_revealed").values():
        assert payload["phase"]["id"] == phase_id
        assert payload["votes"] == {
            "phase_id": phase_id,
            "target": "ideas",
            "voters": 2,
            "votes_cast": 3,
            "tallies": {str(a_id): 2, str(b_id): 1},
        }
    assert len(by_room(emitted, "votes_revealed")) == 3


def test_a_change_that_keeps_the_tallies_public_reveals_nothing_again(app: Flask) -> None:
    with app.app_context():
        workshop, _ideas = make_vote_workshop(vote={"hidden": False})
        before = len(recorded(workshop.id))
        configure_vote(workshop, votes_per_participant=8)
        configure_vote(workshop, hidden=True)  # going back to hidden reveals nothing either
        assert [name for _seq, name in recorded(workshop.id)[before:]] == [
            "vote_configured",
            "vote_configured",
        ]


# ------------------------------------------------------------------ hidden vote, reveal


def test_a_hidden_vote_keeps_tallies_from_phones_and_screens(app: Flask, emitted: Emitted) -> None:
    with app.app_context():
        workshop, (a, b, _c) = make_vote_workshop()
        cast(workshop, make_participant(workshop), a)
        emitted.clear()
        cast(workshop, make_participant(workshop), b)
        workshop_id, phase_id, a_id, b_id = workshop.id, workshop.current_phase_id, a.id, b.id
    hidden = by_room(emitted, "votes_changed")
    assert hidden[""] == hidden["screens"]
    assert hidden[""] == {
        "workshop_id": workshop_id,
        "seq": hidden["facilitators"]["seq"],
        "phase_id": phase_id,
        "target": "ideas",
        "voters": 2,
        "votes_cast": 2,
    }
    assert hidden["facilitators"]["tallies"] == {str(b_id): 1}

    with app.app_context():
        emitted.clear()
        workshop = db.session.get(Workshop, workshop_id)
        phase = votes.reveal_votes(workshop_id, workshop.owner)
        assert phase.revealed_at is not None
        revealed = by_room(emitted, "votes_revealed")
        assert len(revealed) == 3
        assert {p["votes"]["tallies"][str(a_id)] for p in revealed.values()} == {1}
        seq = db.session.get(Workshop, workshop_id).seq
        # Revealing twice records nothing more.
        votes.reveal_votes(workshop_id, workshop.owner)
        assert db.session.get(Workshop, workshop_id).seq == seq
        emitted.clear()
        votes.cast_vote(workshop_id, make_participant(workshop).id, target(a_id))
    after = by_room(emitted, "votes_changed")
    assert len(after) == 3
    for payload in after.values():
        assert payload["tallies"] == {str(a_id): 2}
        assert payload["voters"] == 3 and payload["votes_cast"] == 3


def test_a_live_vote_shows_tallies_to_everybody(app: Flask, emitted: Emitted) -> None:
    with app.app_context():
        workshop, (a, *_rest) = make_vote_workshop(vote={"hidden": False})
        emitted.clear()
        cast(workshop, make_participant(workshop), a)
        a_id = a.id
    rooms = by_room(emitted, "votes_changed")
    assert len(rooms) == 3
    assert [p["tallies"] for p in rooms.values()] == [{str(a_id): 1}] * 3


def test_the_snapshot_holds_each_vote_step(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, _c) = make_vote_workshop(vote={"max_per_item": 2})
        first = vote_phase(workshop)
        # A second vote step later in the agenda.
        items = [AgendaItem(p.kind, p.title, p.duration_s, p.id) for p in workshop.phases]
        workshops.update_agenda(
            workshop.id, workshop.owner, [*items, AgendaItem(PhaseKind.VOTE, "Again", 60)]
        )
        second = workshop.phases[-1]
        voter, other = make_participant(workshop), make_participant(workshop)
        cast(workshop, voter, a, 2)
        cast(workshop, other, b)

        public = snapshot.build_state(workshop, Role.PARTICIPANT, voter)
        screen = snapshot.build_state(workshop, Role.SCREEN)
        host = snapshot.build_state(workshop, Role.FACILITATOR)
        assert set(host["votes"]) == {str(first.id), str(second.id)}
        assert host["votes"][str(first.id)] == {
            "phase_id": first.id,
            "target": "ideas",
            "voters": 2,
            "votes_cast": 3,
            "tallies": {str(a.id): 2, str(b.id): 1},
        }
        assert host["votes"][str(second.id)] == {
            "phase_id": second.id,
            "target": "ideas",
            "voters": 0,
            "votes_cast": 0,
            "tallies": {},
        }
        for state in (public, screen):
            assert state["votes"][str(first.id)] == {
                "phase_id": first.id,
                "target": "ideas",
                "voters": 2,
                "votes_cast": 3,
            }
        assert public["me"]["votes"] == {str(first.id): {str(a.id): 2}}
        assert "me" not in screen and "me" not in host
        vote_block = next(p for p in public["phases"] if p["id"] == first.id)["vote"]
        assert vote_block == {
            "settings": {**VOTE_DEFAULTS, "max_per_item": 2},
            "revealed": False,
            "frozen": False,
            "ranking": None,
        }

        votes.reveal_votes(workshop.id, workshop.owner)
        public = snapshot.build_state(workshop, Role.PARTICIPANT, voter)
        assert public["votes"][str(first.id)]["tallies"] == {str(a.id): 2, str(b.id): 1}
        assert "tallies" not in public["votes"][str(second.id)]  # still hidden


# ------------------------------------------------------------------ freeze, reopen


def _ranked_workshop() -> tuple[Workshop, list[Any]]:
    """Ideas a and b with 2 dots each, c with 1, d none, e hidden with 3."""
    workshop, posted = make_vote_workshop(ideas=5, vote={"max_per_item": 3})
    a, b, c, _d, e = posted
    one, two, three = (make_participant(workshop) for _ in range(3))
    cast(workshop, one, b, 2)
    cast(workshop, two, a)
    cast(workshop, three, a)
    cast(workshop, three, c)
    cast(workshop, one, e, 3)
    # Hidden behind the services' back: hiding through them gives the dots back, and
    # the ranking must leave out a hidden idea whatever its dots.
    e.status = IdeaStatus.HIDDEN
    db.session.commit()
    return workshop, posted


def test_freeze_ranks_ties_together_and_leaves_hidden_ideas_out(
    app: Flask, emitted: Emitted
) -> None:
    with app.app_context():
        workshop, (a, b, c, _d, e) = _ranked_workshop()
        a_id, b_id, c_id, e_id = a.id, b.id, c.id, e.id
        emitted.clear()
        phase = votes.freeze_results(workshop.id, workshop.owner)
        expected = [
            {"idea_id": a.id, "title": a.title, "votes": 2, "rank": 1},
            {"idea_id": b.id, "title": b.title, "votes": 2, "rank": 1},
            {"idea_id": c.id, "title": c.title, "votes": 1, "rank": 3},
        ]
        assert phase.frozen_at is not None and phase.frozen_ranking == expected
        assert recorded(workshop.id)[-1][1] == "results_frozen"
        seq = workshop.seq
        votes.freeze_results(workshop.id, workshop.owner)  # frozen already: nothing
        assert db.session.get(Workshop, workshop.id).seq == seq
        phase_id = phase.id
    rooms = by_room(emitted, "results_frozen")
    assert set(rooms) == {"", "facilitators", "screens"}
    for payload in rooms.values():
        assert payload["phase"]["id"] == phase_id
        assert payload["phase"]["vote"]["frozen"] and payload["phase"]["vote"]["revealed"]
        assert payload["phase"]["vote"]["ranking"] == expected
        # The tallies come too (the hidden idea's dots are still counted there).
        assert payload["votes"]["tallies"] == {
            str(a_id): 2,
            str(b_id): 2,
            str(c_id): 1,
            str(e_id): 3,
        }


def test_frozen_results_are_public_in_the_snapshot(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, c, _d, _e) = _ranked_workshop()
        phase = votes.freeze_results(workshop.id, workshop.owner)
        state = snapshot.build_state(workshop, Role.SCREEN)
        assert "tallies" in state["votes"][str(phase.id)]
        assert [r["idea_id"] for r in phase.frozen_ranking or []] == [a.id, b.id, c.id]


def test_leaving_the_vote_step_freezes_it(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, c, _d, _e) = _ranked_workshop()
        phase = vote_phase(workshop)
        agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(direction="next"))
        assert phase.frozen_at is not None
        assert [(r["idea_id"], r["rank"]) for r in phase.frozen_ranking or []] == [
            (a.id, 1),
            (b.id, 1),
            (c.id, 3),
        ]
        assert [name for _seq, name in recorded(workshop.id)[-2:]] == [
            "results_frozen",
            "phase_changed",
        ]
        # Coming back does not reopen it by itself.
        enter_vote(workshop)
        with pytest.raises(VoteClosed):
            cast(workshop, make_participant(workshop), c)
        db.session.rollback()


def test_closing_the_workshop_freezes_its_vote(app: Flask) -> None:
    with app.app_context():
        workshop, (a, *_rest) = make_vote_workshop()
        cast(workshop, make_participant(workshop), a)
        agenda.close_workshop(workshop.id, workshop.owner)
        phase = vote_phase(workshop)
        assert phase.frozen_at is not None
        assert phase.frozen_ranking == [{"idea_id": a.id, "title": a.title, "votes": 1, "rank": 1}]
        assert "results_frozen" in {name for _seq, name in recorded(workshop.id)[-3:]}


def test_reopen_lets_votes_in_again(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, _c) = make_vote_workshop()
        voter = make_participant(workshop)
        cast(workshop, voter, a)
        votes.freeze_results(workshop.id, workshop.owner)
        phase = votes.reopen_vote(workshop.id, workshop.owner)
        assert phase.frozen_at is None and phase.frozen_ranking is None
        assert recorded(workshop.id)[-1][1] == "vote_reopened"
        seq = workshop.seq
        votes.reopen_vote(workshop.id, workshop.owner)  # open already: nothing
        assert db.session.get(Workshop, workshop.id).seq == seq
        assert cast(workshop, voter, b)["votes"] == {str(a.id): 1, str(b.id): 1}
        votes.withdraw_vote(workshop.id, voter.id, target(a.id))
        # Freezing again ranks what is there now.
        assert votes.freeze_results(workshop.id, workshop.owner).frozen_ranking == [
            {"idea_id": b.id, "title": b.title, "votes": 1, "rank": 1}
        ]


def _leave_the_vote(workshop: Workshop) -> None:
    agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(direction="next"))


def _close(workshop: Workshop) -> None:
    agenda.close_workshop(workshop.id, workshop.owner)


@pytest.mark.parametrize("arrange", [_leave_the_vote, _close])
def test_a_vote_reopens_only_on_its_current_step_of_an_open_workshop(
    app: Flask, emitted: Emitted, arrange: Callable[[Workshop], None]
) -> None:
    # Reopened anywhere else, nothing would freeze it again: its ranking would be lost.
    with app.app_context():
        workshop, (a, *_rest) = make_vote_workshop()
        cast(workshop, make_participant(workshop), a)
        arrange(workshop)  # both freeze the vote
        phase = vote_phase(workshop)
        before = state_of(workshop.id)
        emitted.clear()
        with pytest.raises(WrongPhase):
            votes.reopen_vote(workshop.id, workshop.owner, phase.id)
        db.session.rollback()
        assert state_of(workshop.id) == before
    assert emitted == []


def test_a_configuration_that_changes_nothing_records_nothing(app: Flask) -> None:
    with app.app_context():
        workshop, _ideas = make_vote_workshop(vote={"votes_per_participant": 4})
        before = state_of(workshop.id)
        configure_vote(workshop, votes_per_participant=4, hidden=True)
        configure_vote(workshop)
        assert state_of(workshop.id) == before


def test_dots_placed_in_a_step_no_longer_current_are_refused(app: Flask) -> None:
    """What the phone's offline outbox sends: the step the dots were placed in. A
    ``set_vote`` (or a cast, a withdrawal) naming an ended step is refused as closed,
    never applied to the step current now, and writes nothing; one naming the current
    step is applied."""
    with app.app_context():
        workshop, (a, b, _c) = make_vote_workshop()
        voter = make_participant(workshop)
        current = workshop.current_phase_id
        assert current is not None
        ended = next(p.id for p in workshop.phases if p.id != current)
        votes.set_vote(workshop.id, voter.id, VoteTarget(a.id, 1, phase_id=current))
        before = state_of(workshop.id)
        for command, wanted in (
            (votes.set_vote, VoteTarget(b.id, 1, phase_id=ended)),
            (votes.set_vote, VoteTarget(a.id, 0, phase_id=ended)),
            (votes.cast_vote, VoteTarget(b.id, 1, phase_id=ended)),
            (votes.withdraw_vote, VoteTarget(a.id, 1, phase_id=ended)),
        ):
            with pytest.raises(VoteClosed):
                command(workshop.id, voter.id, wanted)
        assert state_of(workshop.id) == before
        assert [(p, v, i, n) for p, v, i, n in vote_rows(workshop.id) if v == voter.id] == [
            (current, voter.id, a.id, 1)
        ]


def test_the_vote_payloads_phase_id_is_optional_and_bounded() -> None:
    from workshop.schemas.votes import parse_vote_set, parse_vote_target

    assert parse_vote_set({"idea_id": 3, "count": 2}).phase_id is None
    assert parse_vote_set({"challenge_id": 3, "count": 0, "phase_id": 8}) == VoteTarget(
        3, 0, "challenges", phase_id=8
    )
    assert parse_vote_target({"idea_id": 3, "phase_id": 8}) == VoteTarget(3, 1, phase_id=8)
    for bad in (0, -1, "x", 2**31):
        with pytest.raises(ValidationError):
            parse_vote_set({"idea_id": 3, "count": 1, "phase_id": bad})
        with pytest.raises(ValidationError):
            parse_vote_target({"idea_id": 3, "phase_id": bad})
