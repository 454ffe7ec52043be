"""The committee forms' parsers, on any input: they return what the limits allow or
raise ValidationError naming a field; nothing else gets through."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workshop.errors import ValidationError
from workshop.schemas.committees import (
    CRITERIA_MAX,
    CRITERION_DESCRIPTION_MAX,
    CRITERION_LABEL_MAX,
    criterion_key,
    default_criteria,
    parse_criteria,
    parse_decision,
    parse_grading,
    parse_meeting_form,
    parse_member_form,
)

KEYS = ["besoin-social", "faisabilite"]
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10, max_value=10),
    st.text(max_size=20),
    st.sampled_from(["0", "3", "6", "7", "-1", " 4", "", "1.5"]),
    st.lists(st.integers(), max_size=2),
)


@pytest.fixture(autouse=True)
def _request(app: Flask) -> Any:
    with app.test_request_context():
        yield


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from([f"grade-{k}" for k in KEYS] + ["comment", "x"]), anything))
def test_grades_are_on_the_scale_or_refused(payload: dict[str, Any]) -> None:
    try:
        grading = parse_grading(payload, KEYS)
    except ValidationError as error:
        assert error.details["field"] in {f"grade-{k}" for k in KEYS} | {"comment"}
        return
    assert set(grading.grades) == set(KEYS)
    for key, grade in grading.grades.items():
        raw = payload.get(f"grade-{key}")
        if grade is None:
            assert raw in (None, "")
        else:
            assert 0 <= grade <= 6 and not isinstance(grade, bool)
            assert str(raw) == str(grade)
    assert len(grading.comment) <= 2000


row = st.fixed_dictionaries(
    {
        "key": st.one_of(st.just(""), st.sampled_from(["besoin-social", "faisabilite", "inconnu"])),
        "label": st.one_of(st.text(max_size=100), st.sampled_from(["Besoin", "besoin", " "])),
        "description": st.text(max_size=320),
        "remove": st.booleans(),
    }
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(row, max_size=15))
def test_a_parsed_grid_is_valid(rows: list[dict[str, Any]]) -> None:
    existing = default_criteria()
    try:
        criteria = parse_criteria(rows, existing)
    except ValidationError as error:
        assert error.details.get("field")
        return
    assert 1 <= len(criteria) <= CRITERIA_MAX
    keys = [c.key for c in criteria]
    assert len(set(keys)) == len(keys) and all(keys)
    assert all(
        k in {c["key"] for c in existing} or k not in {r["key"] for r in rows if r["key"]}
        for k in keys
    )
    labels = [c.label.casefold() for c in criteria]
    assert len(set(labels)) == len(labels)
    for criterion in criteria:
        assert 0 < len(criterion.label) <= CRITERION_LABEL_MAX
        assert len(criterion.description) <= CRITERION_DESCRIPTION_MAX
    # Kept rows keep their keys; removed rows are gone.
    removed = {r["key"] for r in rows if r["key"] and r["remove"]}
    assert not removed & set(keys)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["decision", "reason", "stage"]), anything))
def test_decisions(payload: dict[str, Any]) -> None:
    try:
        form = parse_decision(payload)
    except ValidationError as error:
        assert error.details["field"] in {"decision", "reason", "stage"}
        return
    assert form.decision in {"prioritised", "study_further", "postponed", "dropped"}
    if form.decision == "dropped":
        assert form.reason and form.stage is None
    assert form.stage != "abandoned"


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(st.sampled_from(["title", "date", "place", "name", "email", "role"]), anything)
)
def test_meeting_and_member_forms(payload: dict[str, Any]) -> None:
    for parse in (parse_meeting_form, parse_member_form):
        try:
            parse(payload)
        except ValidationError as error:
            assert error.details["field"] in payload or error.details["field"] in {
                "title",
                "date",
                "name",
            }


@pytest.mark.parametrize(
    ("raw", "ok"),
    [("2027-01-14", True), ("2027-02-30", False), ("14/01/2027", False), ("", False)],
)
def test_meeting_dates(raw: str, ok: bool) -> None:
    payload = {"title": "Comité", "date": raw}
    if ok:
        assert parse_meeting_form(payload).date.isoformat() == raw
    else:
        with pytest.raises(ValidationError):
            parse_meeting_form(payload)


def test_a_new_criterion_never_takes_the_key_of_one_removed_with_it() -> None:
    """Removing « Besoin social » and adding a criterion of the same name in one save
    must not give the new one the old key: the old grades would count for it."""
    existing = default_criteria()
    old = existing[0]
    rows = [
        {"key": c["key"], "label": c["label"], "description": "", "remove": c is old}
        for c in existing
    ] + [{"key": "", "label": "Besoin social", "description": "", "remove": False}]
    assert criterion_key("Besoin social", set()) == old["key"]  # the key it would take
    criteria = parse_criteria(rows, existing)
    assert old["key"] not in {c.key for c in criteria}
    assert "Besoin social" in {c.label for c in criteria}
