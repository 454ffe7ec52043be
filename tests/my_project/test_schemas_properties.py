"""The « mon projet » forms' parsers on any input: they return what the limits allow or
raise ValidationError naming a field; nothing else gets through."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workshop.errors import ValidationError
from workshop.schemas.cycle_projects import (
    LOGBOOK_MAX,
    PITCH_MAX,
    SECTION_MAX,
    Direction,
    LogbookKind,
    parse_direction,
    parse_logbook_entry,
    parse_project_for,
    parse_project_form,
    parse_section,
)
from workshop.schemas.fields import TITLE_MAX

KEYS = ["besoin", "modele-economique", "gouvernance", "impact"]
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=2**40),
    st.text(max_size=30),
    st.text(min_size=590, max_size=700),
    st.sampled_from(["1", "yes", "on", "no", "", " 3", "up", "down", "decided", "next_step"]),
    st.lists(st.integers(), max_size=2),
)
payloads = st.one_of(
    st.dictionaries(
        st.sampled_from(
            [
                "title",
                "pitch",
                "show_name",
                "share_feedback",
                "version",
                "text",
                "kind",
                "direction",
                "enrolment_id",
            ]
        ),
        anything,
    ),
    anything,
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def _request(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


def refused_or(parse: Any, payload: Any) -> Any:
    try:
        return parse(payload)
    except ValidationError as error:
        assert error.details.get("field") is not None or not isinstance(payload, dict)
        return None


@SETTINGS
@given(payload=payloads, creating=st.booleans())
def test_project_form(payload: Any, creating: bool) -> None:
    form = refused_or(lambda p: parse_project_form(p, creating=creating), payload)
    if form is None:
        return
    assert 0 < len(form.title) <= TITLE_MAX and "\n" not in form.title
    assert len(form.pitch) <= PITCH_MAX
    assert isinstance(form.show_name, bool) and isinstance(form.share_feedback, bool)
    assert (form.version is None) == creating
    if form.version is not None:
        assert form.version >= 1


@SETTINGS
@given(payload=payloads, key=st.one_of(st.sampled_from(KEYS), st.text(max_size=12)))
def test_section(payload: Any, key: str) -> None:
    edit = refused_or(lambda p: parse_section(p, key, KEYS), payload)
    if edit is None:
        return
    assert edit.key in KEYS and edit.key == key
    assert len(edit.text) <= SECTION_MAX and edit.version >= 1


@SETTINGS
@given(payload=payloads)
def test_logbook_entry(payload: Any) -> None:
    entry = refused_or(parse_logbook_entry, payload)
    if entry is None:
        return
    assert entry.kind in {k.value for k in LogbookKind}
    assert 0 < len(entry.text) <= LOGBOOK_MAX and entry.text == entry.text.strip()


@SETTINGS
@given(payload=payloads)
def test_direction_and_project_for(payload: Any) -> None:
    direction = refused_or(parse_direction, payload)
    assert direction is None or direction in (Direction.UP, Direction.DOWN)
    new = refused_or(parse_project_for, payload)
    if new is not None:
        assert new.enrolment_id >= 1 and new.project.version is None


def test_the_limits_are_the_forms() -> None:
    ok = {"title": "Épicerie", "pitch": "é" * PITCH_MAX, "version": "2", "show_name": "yes"}
    form = parse_project_form(ok, creating=False)
    assert (form.version, form.show_name, form.share_feedback) == (2, True, False)
    with pytest.raises(ValidationError) as too_long:
        parse_project_form({**ok, "pitch": "é" * (PITCH_MAX + 1)}, creating=False)
    assert too_long.value.details["field"] == "pitch"
    with pytest.raises(ValidationError) as unknown:
        parse_section({"text": "x", "version": "1"}, "autre", KEYS)
    assert unknown.value.details["field"] == "key"
    with pytest.raises(ValidationError) as empty:
        parse_logbook_entry({"kind": "note", "text": "  \n "})
    assert empty.value.details["field"] == "text"
