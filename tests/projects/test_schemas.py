"""The project forms' parsing: what members type, and the list's filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workshop.errors import InvalidInseeCode, ValidationError, WorkshopError
from workshop.schemas.projects import (
    HOLDER_NAME_MAX,
    NOTE_MAX,
    SHEET_FIELDS,
    parse_holder,
    parse_note,
    parse_project_filter,
    parse_project_sheet,
    parse_project_stage,
)

anything = st.one_of(
    st.none(),
    st.text(max_size=50),
    st.integers(),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


@given(st.dictionaries(st.sampled_from([*SHEET_FIELDS, "version", "other"]), anything))
def test_the_sheet_form_gives_a_whole_sheet_or_a_clear_error(payload: dict[str, Any]) -> None:
    try:
        edit = parse_project_sheet(payload)
    except WorkshopError as error:
        assert error.code in ("invalid_input", "invalid_insee_code")
        return
    assert set(edit.sheet) == set(SHEET_FIELDS) and edit.version >= 1
    assert all(isinstance(edit.sheet[f], str) for f in SHEET_FIELDS[:-2])


@given(st.dictionaries(st.sampled_from(["stage", "abandon_reason", "version"]), anything))
def test_a_stage_change_is_valid_or_refused(payload: dict[str, Any]) -> None:
    try:
        change = parse_project_stage(payload)
    except WorkshopError:
        return
    assert change.version >= 1
    assert (change.stage == "abandoned") == bool(change.abandon_reason)


@given(
    st.dictionaries(
        st.sampled_from(["kind", "name", "contact_email", "contact_phone", "note"]), anything
    )
)
def test_a_holder_is_valid_or_refused(payload: dict[str, Any]) -> None:
    try:
        holder = parse_holder(payload)
    except ValidationError:
        return
    assert holder.kind in ("person", "collective", "structure")
    assert 0 < len(holder.name) <= HOLDER_NAME_MAX


@given(anything)
def test_a_note_is_text_or_refused(value: Any) -> None:
    try:
        note = parse_note({"text": value})
    except ValidationError:
        return
    assert 0 < len(note) <= NOTE_MAX


@given(
    st.dictionaries(
        st.sampled_from(
            ["stage", "territory", "session", "kind", "start", "end", "absent", "merged"]
        ),
        st.text(max_size=20),
    )
)
def test_list_filters_never_fail_but_on_a_bad_date(args: dict[str, str]) -> None:
    try:
        where = parse_project_filter(args)
    except ValidationError as error:
        assert error.details["field"] in ("start", "end")
        return
    assert where.stage is None or where.stage in args["stage"]


def test_examples() -> None:
    with pytest.raises(InvalidInseeCode):
        parse_project_sheet({"version": "1", "insee_code": "00123"})
    with pytest.raises(ValidationError):
        parse_holder({"name": "Léa", "contact_email": "pas un courriel"})
    with pytest.raises(ValidationError):
        parse_project_filter({"start": "2026-12-07", "end": "2026-01-01"})
    where = parse_project_filter({"start": "2026-01-01", "absent": "on", "kind": "box"})
    assert (where.start, where.include_absent, where.kind) == (dt.date(2026, 1, 1), True, "box")
    assert parse_project_filter({"stage": "sold", "session": "x"}).stage is None
