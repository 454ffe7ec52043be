"""Properties of majority judgment in a room: the grade payloads' parser on any input,
and the results the service computes from the stored grades equal workshop.majority's
ranking of the same ballots (every voter grading every option, ungraded = « à rejeter »)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_participant, make_vote_workshop, vote_phase
from workshop import majority
from workshop.errors import ValidationError
from workshop.extensions import db
from workshop.schemas.votes import GradeChoice, parse_grade, parse_grade_ref
from workshop.services import votes
from workshop.services.votes import grades

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
FIELD = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=12) | JSON
PAYLOADS = JSON | st.fixed_dictionaries(
    {},
    optional={"idea_id": FIELD, "challenge_id": FIELD, "grade": FIELD, "extra": FIELD},
)


@given(PAYLOADS)
@settings(max_examples=400, deadline=None)
def test_the_grade_parser_answers_a_grade_or_a_validation_error(payload: Any) -> None:
    for parse in (parse_grade, parse_grade_ref):
        try:
            choice = parse(payload)
        except ValidationError as error:
            assert error.to_dict()["code"] == "invalid_input"
            continue
        assert isinstance(choice, GradeChoice)
        assert choice.item_id >= 1 and choice.kind in ("ideas", "challenges")
        if parse is parse_grade:
            assert choice.grade in majority.SCALE
        else:
            assert choice.grade is None


@given(
    st.integers(1, 2**31 - 1),
    st.sampled_from(["idea_id", "challenge_id"]),
    st.integers(0, 6),
    st.booleans(),
)
def test_a_valid_grade_reads_back(item_id: int, key: str, grade: int, as_text: bool) -> None:
    payload = {key: str(item_id) if as_text else item_id, "grade": grade}
    choice = parse_grade(payload)
    assert (choice.item_id, choice.grade) == (item_id, grade)
    assert choice.kind == ("ideas" if key == "idea_id" else "challenges")


# A room: up to 4 voters × 4 options, each cell a grade or ungraded.
BALLOTS = st.lists(
    st.lists(st.none() | st.integers(0, 6), min_size=4, max_size=4), min_size=1, max_size=4
)


@given(BALLOTS)
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_results_are_majority_judgments_ranking_of_the_stored_grades(
    app: Flask, ballots: list[list[int | None]]
) -> None:
    with app.app_context():
        workshop, ideas = make_vote_workshop(ideas=4, vote={"method": "majority", "hidden": False})
        options = [idea.id for idea in ideas]
        people = [make_participant(workshop) for _ in ballots]
        for person, row in zip(people, ballots, strict=True):
            for option, value in zip(options, row, strict=True):
                if value is not None:
                    grades.grade_item(workshop.id, person.id, GradeChoice(option, "ideas", value))
        # The reference: voters are those who graded; an ungraded cell is « à rejeter ».
        voters = [row for row in ballots if any(v is not None for v in row)]
        filled = {
            option: [0 if row[i] is None else row[i] for row in voters]
            for i, option in enumerate(options)
        }
        expected = majority.rank(filled)
        results = grades.grade_state(vote_phase(workshop), public=True)["results"]
        assert [(r["item_id"], r["rank"], r["counts"], r["majority"]) for r in results] == [
            (m.option, m.rank, list(m.counts), m.majority) for m in expected
        ]
        votes.freeze_results(workshop.id, workshop.owner)
        frozen = db.session.get(type(vote_phase(workshop)), vote_phase(workshop).id)
        assert [(row["idea_id"], row["rank"]) for row in frozen.frozen_ranking or []] == [
            (m.option, m.rank) for m in expected if m.graders
        ]
