"""The jury's parsers on any input: a grade is on the 7-grade scale or refused, a grid
keeps its keys and its limits, a decision is one of three and a declined one says why,
the grading switch is open or closed; anything else raises ValidationError naming a
field, never another exception."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workshop.errors import ValidationError
from workshop.schemas.cycles import default_criteria
from workshop.schemas.jury import (
    COMMENT_MAX,
    CRITERIA_MAX,
    REASON_MAX,
    parse_decision,
    parse_juror_form,
    parse_jury_criteria,
    parse_jury_grading,
    parse_open,
)

KEYS = ["besoin", "innovation", "faisabilite"]
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10, max_value=10),
    st.text(max_size=30),
    st.sampled_from(["0", "1", "3", "6", "7", "-1", " 4", "", "1.5", "declined", "kept"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
FAST = settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def _request(app: Flask) -> Any:
    with app.test_request_context():
        yield


@FAST
@given(
    st.dictionaries(st.sampled_from([f"grade-{k}" for k in KEYS] + ["comment", "other"]), anything)
)
def test_grades_are_on_the_scale_or_refused(payload: dict[str, Any]) -> None:
    try:
        grading = parse_jury_grading(payload, KEYS)
    except ValidationError as error:
        assert error.details["field"] in {f"grade-{k}" for k in KEYS} | {"comment"}
        return
    assert set(grading.grades) == set(KEYS)
    for key, grade in grading.grades.items():
        raw = payload.get(f"grade-{key}")
        if grade is None:
            assert raw in (None, "")
        else:
            assert not isinstance(grade, bool) and 0 <= grade <= 6
            assert str(raw) == str(grade)
    assert len(grading.comment) <= COMMENT_MAX


@FAST
@given(st.integers(min_value=0, max_value=6), st.sampled_from(KEYS))
def test_every_grade_of_the_scale_is_read(grade: int, key: str) -> None:
    grading = parse_jury_grading({f"grade-{key}": str(grade)}, KEYS)
    assert grading.grades[key] == grade


row = st.fixed_dictionaries(
    {
        "key": st.one_of(st.just(""), st.sampled_from(["besoin", "innovation", "inconnu"])),
        "label": st.one_of(st.text(max_size=100), st.sampled_from(["Besoin", "besoin", " "])),
        "description": st.text(max_size=320),
        "remove": st.booleans(),
    }
)


@FAST
@given(st.lists(row, max_size=15))
def test_a_parsed_grid_keeps_its_keys(rows: list[dict[str, Any]]) -> None:
    existing = default_criteria()
    try:
        criteria = parse_jury_criteria(rows, existing)
    except ValidationError as error:
        assert error.details.get("field")
        return
    assert 1 <= len(criteria) <= CRITERIA_MAX
    keys = [c.key for c in criteria]
    assert len(set(keys)) == len(keys) and all(keys)
    known = {c["key"] for c in existing}
    sent = {r["key"] for r in rows if r["key"]}
    assert sent <= known  # an unknown key was refused above
    # A kept row keeps its key; a new row never takes the key of one sent.
    assert all(k in known or k not in sent for k in keys)
    removed = {r["key"] for r in rows if r["key"] and r["remove"]}
    assert not removed & set(keys)
    labels = [c.label.casefold() for c in criteria]
    assert len(set(labels)) == len(labels) and all(labels)


@FAST
@given(st.dictionaries(st.sampled_from(["decision", "reason", "stage"]), anything))
def test_decisions(payload: dict[str, Any]) -> None:
    try:
        form = parse_decision(payload)
    except ValidationError as error:
        assert error.details["field"] in {"decision", "reason"}
        return
    assert form.decision in {"kept", "rework", "declined"}
    assert form.decision == payload["decision"]
    assert len(form.reason) <= REASON_MAX
    if form.decision == "declined":
        assert form.reason.strip()


@pytest.mark.parametrize(
    ("payload", "ok"),
    [
        ({"decision": "declined", "reason": "Pas de besoin"}, True),
        ({"decision": "declined", "reason": "   "}, False),
        ({"decision": "declined"}, False),
        ({"decision": "rework"}, True),
        ({"decision": "kept", "reason": "Bravo"}, True),
        ({"decision": "dropped", "reason": "x"}, False),
        ({"decision": ""}, False),
    ],
)
def test_decision_examples(payload: dict[str, Any], ok: bool) -> None:
    if ok:
        assert parse_decision(payload).decision == payload["decision"]
    else:
        with pytest.raises(ValidationError):
            parse_decision(payload)


@FAST
@given(st.dictionaries(st.sampled_from(["open", "other"]), anything))
def test_the_grading_switch(payload: dict[str, Any]) -> None:
    try:
        value = parse_open(payload)
    except ValidationError as error:
        assert error.details["field"] == "open"
        assert payload.get("open") not in ("0", "1")
        return
    assert value is (payload["open"] == "1")


@FAST
@given(st.dictionaries(st.sampled_from(["name", "email", "role"]), anything))
def test_the_juror_form(payload: dict[str, Any]) -> None:
    try:
        new = parse_juror_form(payload)
    except ValidationError as error:
        assert error.details["field"] in {"name", "email", "role"}
        return
    assert 0 < len(new.name) <= 80 and len(new.role) <= 80
    assert new.email is None or "@" in new.email


def test_a_criterion_named_again_gets_a_key_of_its_own() -> None:
    rows = [
        {"key": "besoin", "label": "Besoin", "description": "", "remove": True},
        {"key": "", "label": "Besoin", "description": "", "remove": False},
    ]
    criteria = parse_jury_criteria(rows, default_criteria())
    assert [c.label for c in criteria] == ["Besoin"]
    assert criteria[0].key not in {c["key"] for c in default_criteria()}
