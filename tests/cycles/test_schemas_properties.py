"""The cycle forms' parsers, on any input: they return what the limits allow or raise
ValidationError naming a field; nothing else gets through."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workshop.errors import ValidationError
from workshop.schemas.cycles import (
    CHOICE_MAX,
    CHOICES_MAX,
    KINDS_MAX,
    QUESTIONS_MAX,
    SECTION_LABEL_MAX,
    SECTIONS_MAX,
    default_feedback_kinds,
    default_intention_template,
    parse_answers,
    parse_enrolment,
    parse_feedback_kinds,
    parse_intention_template,
    parse_new_cycle,
    parse_questions,
    parse_session,
)

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10, max_value=10**12),
    st.text(max_size=30),
    st.sampled_from(["", " ", "2027-03-01", "2027-02-30", "lance_toi", "custom", "3", "x@y.fr"]),
    st.lists(st.integers(), max_size=2),
)
FIELDS = [
    "title",
    "preset",
    "description",
    "territory",
    "start_date",
    "sessions",
    "organiser",
    "organiser_contact",
    "retention_days",
]
quick = settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def _request(app: Flask) -> Any:
    with app.test_request_context():
        yield


@quick
@given(st.dictionaries(st.sampled_from(FIELDS), anything))
def test_a_new_cycle_is_within_limits_or_refused(payload: dict[str, Any]) -> None:
    try:
        new = parse_new_cycle(payload)
    except ValidationError as error:
        assert error.details.get("field") in set(FIELDS) | {None}
        return
    assert 0 < len(new.title) <= 140
    assert new.preset in {"lance_toi", "ideateur", "jury", "custom"}
    assert new.preset == "custom" or new.start_date is not None
    assert new.sessions is None or 2 <= new.sessions <= 20
    assert new.retention_days is None or 1 <= new.retention_days <= 3650


@quick
@given(st.dictionaries(st.sampled_from(["display_name", "profile", "email", "x"]), anything))
def test_an_enrolment_is_within_limits_or_refused(payload: dict[str, Any]) -> None:
    try:
        new = parse_enrolment(payload)
    except ValidationError as error:
        assert error.details.get("field") in {"display_name", "profile", "email"}
        return
    assert 0 < len(new.display_name) <= 40
    assert new.email is None or "@" in new.email


@quick
@given(st.dictionaries(st.sampled_from(["title", "date", "territory", "theme"]), anything))
def test_a_session_is_within_limits_or_refused(payload: dict[str, Any]) -> None:
    try:
        form = parse_session(payload)
    except ValidationError as error:
        assert error.details.get("field") in {"title", "date", "territory", "theme"}
        return
    assert 0 < len(form.title) <= 140 and len(form.theme) <= 140


row = st.fixed_dictionaries(
    {},
    optional={
        "key": st.sampled_from(["", "besoin", "likes", "q1", "unknown"]),
        "label": anything,
        "prompt": anything,
        "kind": st.sampled_from(["scale", "text", "choice", "other"]),
        "choices": st.one_of(anything, st.just("Oui\nNon"), st.just("A\nA")),
        "remove": st.sampled_from(["", "1", True]),
    },
)


@quick
@given(st.lists(row, max_size=14))
def test_sections_keep_their_keys_or_are_refused(rows: list[dict[str, Any]]) -> None:
    existing = default_intention_template()
    try:
        sections = parse_intention_template(rows, existing)
    except ValidationError:
        return
    keys = [s["key"] for s in sections]
    assert 1 <= len(sections) <= SECTIONS_MAX and len(set(keys)) == len(keys)
    assert all(0 < len(s["label"]) <= SECTION_LABEL_MAX for s in sections)
    given_keys = {r.get("key") for r in rows if r.get("key")}
    assert given_keys <= {s["key"] for s in existing}
    labels = [s["label"].casefold() for s in sections]
    assert len(set(labels)) == len(labels)


@quick
@given(st.lists(row, max_size=10))
def test_feedback_kinds_keep_their_keys_or_are_refused(rows: list[dict[str, Any]]) -> None:
    try:
        kinds = parse_feedback_kinds(rows, default_feedback_kinds())
    except ValidationError:
        return
    keys = [k["key"] for k in kinds]
    assert 1 <= len(kinds) <= KINDS_MAX and len(set(keys)) == len(keys)


@quick
@given(st.lists(row, max_size=22))
def test_questions_are_well_formed_or_refused(rows: list[dict[str, Any]]) -> None:
    existing = [{"key": "q1", "label": "Envie", "kind": "scale"}]
    try:
        questions = parse_questions(rows, existing)
    except ValidationError:
        return
    assert len(questions) <= QUESTIONS_MAX
    for q in questions:
        assert q["kind"] in {"scale", "text", "choice"} and q["label"]
        if q["kind"] == "choice":
            assert 2 <= len(q["choices"]) <= CHOICES_MAX
            assert all(0 < len(c) <= CHOICE_MAX for c in q["choices"])
        else:
            assert "choices" not in q


QUESTIONS = [
    {"key": "envie", "label": "Envie", "kind": "scale"},
    {"key": "statut", "label": "Statut", "kind": "choice", "choices": ["Seul", "À deux"]},
    {"key": "attente", "label": "Attente", "kind": "text"},
]


@quick
@given(
    st.dictionaries(
        st.sampled_from(["q-envie", "q-statut", "q-attente", "q-autre"]),
        st.one_of(anything, st.sampled_from(["1", "5", "6", "Seul", "À deux"])),
    )
)
def test_answers_fit_their_questions_or_are_refused(payload: dict[str, Any]) -> None:
    try:
        answers = parse_answers(payload, QUESTIONS)
    except ValidationError as error:
        assert error.details.get("field") in {"q-envie", "q-statut", "q-attente"}
        return
    assert set(answers) <= {"envie", "statut", "attente"}
    if "envie" in answers:
        assert answers["envie"] in {1, 2, 3, 4, 5}
    if "statut" in answers:
        assert answers["statut"] in {"Seul", "À deux"}
    if "attente" in answers:
        assert 0 < len(answers["attente"]) <= 1000
