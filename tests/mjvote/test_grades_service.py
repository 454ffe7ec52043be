"""services.votes.grades: a vote step by majority judgment (grades stored, overwritten,
taken back; every refusal; hidden results; reveal, freeze, the frozen ranking; the
snapshot), and the dots vote refusing and being refused next to it."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.factories import (
    configure_vote,
    enter_vote,
    make_challenge,
    make_idea,
    make_participant,
    make_vote_workshop,
    make_workshop,
    vote_phase,
)
from workshop import majority
from workshop.errors import (
    ItemNotVotable,
    NotFound,
    OwnIdeaVote,
    ValidationError,
    VoteClosed,
    WorkshopClosed,
    WrongPhase,
    WrongWorkshop,
)
from workshop.extensions import db
from workshop.models import Event, GradeVote, IdeaStatus, Phase, Workshop
from workshop.phases import PhaseKind
from workshop.roles import Role
from workshop.schemas import PhaseTarget, VoteTarget
from workshop.schemas.votes import GradeChoice, parse_grade, parse_grade_ref
from workshop.services import agenda, ideas, privacy, snapshot, votes
from workshop.services.votes import grades


def grade(workshop: Workshop, participant_id: int, item_id: int, value: int | None) -> Any:
    target = vote_phase(workshop).settings.get("target", "ideas")
    kind = "ideas" if target == "ideas" else "challenges"
    return grades.grade_item(workshop.id, participant_id, GradeChoice(item_id, kind, value))


def majority_workshop(n_ideas: int = 3, **vote: Any) -> tuple[Workshop, list[Any]]:
    return make_vote_workshop(ideas=n_ideas, vote={"method": "majority", **vote})


def stored(workshop_id: int) -> list[tuple[int, int, str, int]]:
    return [
        (p, i, k, g)
        for p, i, k, g in db.session.execute(
            select(
                GradeVote.participant_id, GradeVote.item_id, GradeVote.item_kind, GradeVote.grade
            )
            .where(GradeVote.workshop_id == workshop_id)
            .order_by(GradeVote.participant_id, GradeVote.item_id)
        )
    ]


def last_event(workshop_id: int) -> Event:
    event = db.session.scalars(
        select(Event).where(Event.workshop_id == workshop_id).order_by(Event.seq.desc())
    ).first()
    assert event is not None
    return event


# ------------------------------------------------------------------ grading


def test_grades_are_stored_overwritten_and_taken_back(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, _c) = majority_workshop()
        voter = make_participant(workshop)
        ack = grade(workshop, voter.id, a.id, 6)
        phase = vote_phase(workshop)
        assert ack == {"phase_id": phase.id, "target": "ideas", "grades": {str(a.id): 6}}
        grade(workshop, voter.id, b.id, 2)
        ack = grade(workshop, voter.id, a.id, 4)  # changed while the step is open
        assert ack["grades"] == {str(a.id): 4, str(b.id): 2}
        assert stored(workshop.id) == [(voter.id, a.id, "idea", 4), (voter.id, b.id, "idea", 2)]
        ack = grade(workshop, voter.id, b.id, None)
        assert ack["grades"] == {str(a.id): 4}
        assert stored(workshop.id) == [(voter.id, a.id, "idea", 4)]


def test_each_change_records_one_grades_changed_and_repeats_record_nothing(app: Flask) -> None:
    with app.app_context():
        workshop, (a, _b, _c) = majority_workshop(hidden=False)
        voter = make_participant(workshop)
        seq = workshop.seq
        grade(workshop, voter.id, a.id, 5)
        event = last_event(workshop.id)
        assert (event.seq, event.name) == (seq + 1, "grades_changed")
        assert event.data["voters"] == 1 and event.data["grades_cast"] == 1
        assert event.public_data is None  # public results: everybody gets the same
        grade(workshop, voter.id, a.id, 5)
        grade(workshop, voter.id, _b.id, None)  # never given: nothing to take back
        db.session.refresh(workshop)
        assert workshop.seq == seq + 1


def test_hidden_results_reach_facilitators_only(app: Flask) -> None:
    with app.app_context():
        workshop, (a, _b, _c) = majority_workshop()  # hidden by default
        voter = make_participant(workshop)
        grade(workshop, voter.id, a.id, 5)
        event = last_event(workshop.id)
        assert "results" in event.data
        assert event.public_data == {
            "phase_id": vote_phase(workshop).id,
            "target": "ideas",
            "voters": 1,
            "grades_cast": 1,
        }
        public = snapshot.build_state(workshop, Role.SCREEN)["grades"][str(vote_phase(workshop).id)]
        assert "results" not in public
        full = snapshot.build_state(workshop, Role.FACILITATOR)["grades"]
        assert full[str(vote_phase(workshop).id)]["results"][0]["item_id"] == a.id


def test_ungraded_options_count_as_to_reject_for_each_voter(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, c) = majority_workshop(hidden=False)
        one, two = make_participant(workshop), make_participant(workshop)
        grade(workshop, one.id, a.id, 6)
        grade(workshop, two.id, b.id, 3)
        grade(workshop, two.id, a.id, 1)
        state = grades.grade_state(vote_phase(workshop), public=True)
        by_item = {row["item_id"]: row for row in state["results"]}
        assert by_item[a.id]["counts"] == [0, 1, 0, 0, 0, 0, 1]
        assert by_item[b.id]["counts"] == [1, 0, 0, 1, 0, 0, 0]  # one did not grade b
        assert by_item[c.id]["counts"] == [2, 0, 0, 0, 0, 0, 0]  # nobody graded c
        assert [row["item_id"] for row in state["results"]] == [a.id, b.id, c.id]
        assert state["voters"] == 2 and state["grades_cast"] == 3


@pytest.mark.parametrize("value", [-1, 7, 99])
def test_a_grade_off_the_scale_is_refused(app: Flask, value: int) -> None:
    with app.app_context():
        workshop, (a, _b, _c) = majority_workshop()
        voter = make_participant(workshop)
        with pytest.raises(ValidationError):
            grade(workshop, voter.id, a.id, value)
        assert stored(workshop.id) == []


def test_refused_outside_a_majority_vote_step(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()  # ideas step
        idea = make_idea(workshop)
        voter = make_participant(workshop)
        with pytest.raises(WrongPhase):
            grades.grade_item(workshop.id, voter.id, GradeChoice(idea.id, "ideas", 3))
        dots, (d_idea, *_rest) = make_vote_workshop()  # a vote by dots
        dots_voter = make_participant(dots)
        with pytest.raises(WrongPhase):
            grades.grade_item(dots.id, dots_voter.id, GradeChoice(d_idea.id, "ideas", 3))
        assert stored(workshop.id) == [] and stored(dots.id) == []


def test_refused_once_frozen_or_closed(app: Flask) -> None:
    with app.app_context():
        workshop, (a, _b, _c) = majority_workshop()
        voter = make_participant(workshop)
        votes.freeze_results(workshop.id, workshop.owner)
        with pytest.raises(VoteClosed):
            grade(workshop, voter.id, a.id, 3)
        agenda.close_workshop(workshop.id, workshop.owner)
        with pytest.raises(WorkshopClosed):
            grade(workshop, voter.id, a.id, 3)
        assert stored(workshop.id) == []


def test_unknown_or_other_workshops_items_and_people_are_refused(app: Flask) -> None:
    with app.app_context():
        workshop, (a, _b, _c) = majority_workshop()
        other, (elsewhere, *_x) = majority_workshop()
        voter = make_participant(workshop)
        stranger = make_participant(other)
        with pytest.raises(NotFound):
            grade(workshop, voter.id, 10**6, 3)
        with pytest.raises(WrongWorkshop):
            grade(workshop, voter.id, elsewhere.id, 3)
        with pytest.raises(WrongWorkshop):
            grade(workshop, stranger.id, a.id, 3)
        with pytest.raises(WrongWorkshop):  # nor take back a grade there
            grade(workshop, voter.id, elsewhere.id, None)
        with pytest.raises(ValidationError):  # a défi in a vote on ideas
            grades.grade_item(workshop.id, voter.id, GradeChoice(a.id, "challenges", 3))
        assert stored(workshop.id) == [] and stored(other.id) == []


def test_hidden_ideas_and_own_ideas_when_forbidden_are_refused(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, _c) = majority_workshop(allow_own=False)
        author = a.author
        with pytest.raises(OwnIdeaVote):
            grade(workshop, author.id, a.id, 6)
        ideas.hide_idea(workshop.id, workshop.owner, b.id)
        with pytest.raises(ItemNotVotable):
            grade(workshop, author.id, b.id, 6)
        assert stored(workshop.id) == []


def test_an_authors_own_idea_is_left_out_not_rejected_when_forbidden(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, _c) = majority_workshop(allow_own=False, hidden=False)
        grade(workshop, a.author.id, b.id, 5)  # the author of a grades b only
        state = grades.grade_state(vote_phase(workshop), public=True)
        by_item = {r["item_id"]: r for r in state["results"]}
        assert by_item[a.id]["graders"] == 0 and by_item[a.id]["majority"] is None
        assert by_item[b.id]["counts"] == [0, 0, 0, 0, 0, 1, 0]


def test_an_erased_participant_no_longer_grades_but_their_grades_count(app: Flask) -> None:
    with app.app_context():
        workshop, (a, _b, _c) = majority_workshop(hidden=False)
        voter = make_participant(workshop)
        grade(workshop, voter.id, a.id, 6)
        privacy.erase_participant(workshop.id, voter.id, workshop.owner)
        with pytest.raises(NotFound):
            grade(workshop, voter.id, a.id, 2)
        assert stored(workshop.id) == [(voter.id, a.id, "idea", 6)]


def test_a_vote_on_challenges_grades_challenges(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop(phase=PhaseKind.GROUPING)
        first, second = make_challenge(workshop), make_challenge(workshop)
        enter_vote(workshop)
        configure_vote(workshop, method="majority", target="challenges", hidden=False)
        voter = make_participant(workshop)
        ack = grade(workshop, voter.id, second.id, 6)
        assert ack["target"] == "challenges"
        grade(workshop, voter.id, first.id, 2)
        assert stored(workshop.id) == [
            (voter.id, first.id, "challenge", 2),
            (voter.id, second.id, "challenge", 6),
        ]
        results = grades.grade_state(vote_phase(workshop), public=True)["results"]
        assert [r["item_id"] for r in results] == [second.id, first.id]


# ------------------------------------------------------------------ dots next to grades


def test_dots_are_refused_in_a_majority_vote_and_method_is_fixed_once_graded(app: Flask) -> None:
    with app.app_context():
        workshop, (a, _b, _c) = majority_workshop()
        voter = make_participant(workshop)
        with pytest.raises(WrongPhase):
            votes.cast_vote(workshop.id, voter.id, VoteTarget(item_id=a.id))
        grade(workshop, voter.id, a.id, 3)
        for change in ({"method": "dots"}, {"target": "challenges"}):
            with pytest.raises(ValidationError) as refused:
                configure_vote(workshop, **change)
            assert refused.value.to_dict()["details"]["reason"] == "votes_cast"
        assert vote_phase(workshop).settings["method"] == "majority"


# ------------------------------------------------------------------ reveal, freeze


def test_reveal_and_freeze_carry_the_results_and_keep_the_ranking(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, c) = majority_workshop()
        people = [make_participant(workshop) for _ in range(3)]
        given = {a.id: [2, 3, 3], b.id: [5, 5, 0], c.id: [4, 1, 6]}
        for item_id, values in given.items():
            for person, value in zip(people, values, strict=True):
                grade(workshop, person.id, item_id, value)
        votes.reveal_votes(workshop.id, workshop.owner)
        revealed = last_event(workshop.id)
        assert revealed.name == "votes_revealed"
        assert revealed.data["grades"]["results"][0]["item_id"] == b.id
        votes.freeze_results(workshop.id, workshop.owner)
        frozen = last_event(workshop.id)
        assert frozen.name == "results_frozen" and "results" in frozen.data["grades"]
        phase = db.session.get(Phase, vote_phase(workshop).id)
        expected = majority.rank(given)
        assert phase.frozen_ranking == [
            {
                "idea_id": m.option,
                "title": {a.id: a.title, b.id: b.title, c.id: c.title}[m.option],
                "votes": 3,
                "rank": m.rank,
                "majority_grade": m.majority,
                "grades": list(m.counts),
            }
            for m in expected
        ]
        # The public snapshot shows them now: frozen results are public.
        public = snapshot.build_state(workshop, Role.PARTICIPANT)["grades"][str(phase.id)]
        assert [r["item_id"] for r in public["results"]] == [m.option for m in expected]


def test_leaving_the_step_freezes_it(app: Flask) -> None:
    with app.app_context():
        workshop, (a, _b, _c) = majority_workshop()
        voter = make_participant(workshop)
        grade(workshop, voter.id, a.id, 6)
        phase = vote_phase(workshop)
        after = next(p for p in workshop.phases if p.position == phase.position + 1)
        agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(phase_id=after.id))
        db.session.refresh(phase)
        assert phase.frozen_at is not None
        assert phase.frozen_ranking is not None
        assert phase.frozen_ranking[0]["idea_id"] == a.id
        assert phase.frozen_ranking[0]["majority_grade"] == 6


def test_the_snapshot_gives_a_phone_its_own_grades(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, _c) = majority_workshop()
        voter = make_participant(workshop)
        grade(workshop, voter.id, a.id, 1)
        grade(workshop, voter.id, b.id, 4)
        state = snapshot.build_state(workshop, Role.PARTICIPANT, voter)
        phase_id = str(vote_phase(workshop).id)
        assert state["me"]["grades"] == {phase_id: {str(a.id): 1, str(b.id): 4}}
        assert state["phases"][vote_phase(workshop).position]["vote"]["settings"]["method"] == (
            "majority"
        )


def test_a_hidden_idea_leaves_the_ballot_and_a_workshop_with_grades_deletes(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, _c) = majority_workshop(hidden=False)
        voter = make_participant(workshop)
        grade(workshop, voter.id, a.id, 6)
        ideas.hide_idea(workshop.id, workshop.owner, a.id)
        assert db.session.get(type(a), a.id).status == IdeaStatus.HIDDEN
        results = grades.grade_state(vote_phase(workshop), public=True)["results"]
        assert a.id not in {r["item_id"] for r in results}
        assert results == [] or all(r["graders"] == 0 for r in results)  # no voter left
        privacy.delete_workshop(workshop.id, workshop.owner)
        assert stored(workshop.id) == []


def test_a_choice_made_in_a_step_no_longer_current_is_refused(app: Flask) -> None:
    """What the phone's offline outbox sends: the step the choice was made in. A grade
    (or a withdrawal) queued in an ended step is refused as closed, never applied to the
    step current now; one naming the current step is applied."""
    with app.app_context():
        workshop, (a, _b, _c) = majority_workshop()
        voter = make_participant(workshop)
        current = workshop.current_phase_id
        assert current is not None
        ended = next(p.id for p in workshop.phases if p.id != current)
        grades.grade_item(workshop.id, voter.id, GradeChoice(a.id, "ideas", 4, phase_id=current))
        for grade_value in (2, None):
            with pytest.raises(VoteClosed):
                grades.grade_item(
                    workshop.id, voter.id, GradeChoice(a.id, "ideas", grade_value, phase_id=ended)
                )
        assert stored(workshop.id) == [(voter.id, a.id, "idea", 4)]


def test_the_payloads_phase_id_is_optional_and_bounded() -> None:
    assert parse_grade({"idea_id": 3, "grade": 5}).phase_id is None
    assert parse_grade({"idea_id": 3, "grade": 5, "phase_id": 8}).phase_id == 8
    assert parse_grade_ref({"challenge_id": 3, "phase_id": 8}) == GradeChoice(
        3, "challenges", None, phase_id=8
    )
    for bad in (0, -1, "x", 2**31):
        with pytest.raises(ValidationError):
            parse_grade({"idea_id": 3, "grade": 5, "phase_id": bad})
        with pytest.raises(ValidationError):
            parse_grade_ref({"idea_id": 3, "phase_id": bad})
