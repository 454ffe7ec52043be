"""Property tests of what a tool sends to /api/v1 (workshop/schemas/api.py).

Whatever the payload, a parser returns a value within the limits or raises a
``ValidationError`` naming a field, never anything else; a valid change round-trips.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workshop.errors import ValidationError
from workshop.schemas import api as s
from workshop.stages import STAGES

PROPERTIES = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

any_text = st.one_of(
    st.text(max_size=30),
    st.text(st.characters(codec=None, categories=["Cc", "Cs", "Zs", "Lu", "Ll"]), max_size=30),
    st.sampled_from(
        ["", " ", "\x00", "\ud800", "abandoned", "launched", "07186", "2A004", "x" * 2100]
    ),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), any_text)
json_like = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=10,
)
sheet_keys = st.sampled_from([*s.SHEET_FIELDS, "stage", "abandon_reason", "unknown"])
plausible_patch = st.fixed_dictionaries(
    {},
    optional={
        "version": st.one_of(st.integers(-1, 5), st.sampled_from(["3", "x", None, True])),
        "stage": st.one_of(st.sampled_from([*STAGES, "sold", ""]), scalars),
        "abandon_reason": st.one_of(any_text, st.none(), st.integers()),
        "sheet": st.one_of(st.dictionaries(sheet_keys, scalars, max_size=5), scalars),
        "other": scalars,
    },
)


def _parse(app: Flask, parse: Any, payload: Any) -> Any:
    with app.test_request_context():
        try:
            return parse(payload)
        except ValidationError as error:
            assert error.code in ("invalid_input", "abandon_reason_required", "invalid_insee_code")
            assert "field" in error.details
            return error


@PROPERTIES
@given(payload=st.one_of(json_like, plausible_patch))
def test_any_patch_parses_or_names_a_field(app: Flask, payload: Any) -> None:
    result = _parse(app, s.parse_project_patch, payload)
    if isinstance(result, ValidationError):
        return
    assert isinstance(result, s.ProjectPatch)
    assert result.version >= 1
    assert result.stage is not None or result.sheet
    assert result.stage is None or result.stage in STAGES
    assert (result.stage == "abandoned") == bool(result.abandon_reason)
    assert set(result.sheet) <= set(s.SHEET_FIELDS)
    for key, value in result.sheet.items():
        assert value is None or isinstance(value, str)
        assert "\x00" not in (value or "")
        if key in s.SHEET_TEXTS:
            assert len(value) <= s.SHEET_TEXTS[key]


@PROPERTIES
@given(
    stage=st.sampled_from(STAGES),
    reason=st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=50),
    need=st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=50),
    version=st.integers(1, 2**31 - 1),
)
def test_a_valid_patch_keeps_what_was_sent(
    app: Flask, stage: str, reason: str, need: str, version: int
) -> None:
    payload = {
        "version": version,
        "stage": stage,
        "abandon_reason": reason,
        "sheet": {"need_who": need},
    }
    result = _parse(app, s.parse_project_patch, payload)
    if stage == "abandoned" and not unicodedata.normalize("NFC", reason).strip():
        assert isinstance(result, ValidationError)
        assert result.details["field"] == "abandon_reason"
        return
    assert isinstance(result, s.ProjectPatch)
    assert (result.version, result.stage) == (version, stage)
    kept_reason = unicodedata.normalize("NFC", reason).strip()
    assert result.abandon_reason == (kept_reason if stage == "abandoned" else "")
    assert result.sheet == {"need_who": unicodedata.normalize("NFC", need).strip()}


def test_patch_refusals_name_the_field(app: Flask) -> None:
    cases: list[tuple[Any, str]] = [
        ([], "None"),
        ({"stage": "launched"}, "version"),
        ({"version": 0, "stage": "launched"}, "version"),
        ({"version": 1}, "stage"),
        ({"version": 1, "stage": "sold"}, "stage"),
        ({"version": 1, "stage": "abandoned"}, "abandon_reason"),
        ({"version": 1, "abandon_reason": "trop cher"}, "stage"),
        ({"version": 1, "sheet": {"colour": "blue"}}, "sheet.colour"),
        ({"version": 1, "sheet": {"insee_code": "123"}}, "sheet.insee_code"),
        ({"version": 1, "sheet": {"need_who": "x" * 2001}}, "sheet.need_who"),
        ({"version": 1, "sheet": {"maturity": "ripe"}}, "sheet.maturity"),
        ({"version": 1, "sheet": "need"}, "sheet"),
        ({"version": 1, "stage": "launched", "title": "x"}, "title"),
        ({"version": "1", "stage": "launched"}, "version"),
        ({"version": True, "stage": "launched"}, "version"),
    ]
    for payload, field in cases:
        error = _parse(app, s.parse_project_patch, payload)
        assert isinstance(error, ValidationError), payload
        assert str(error.details["field"]) == field, payload


@PROPERTIES
@given(
    args=st.fixed_dictionaries(
        {},
        optional={
            "stage": any_text,
            "kind": st.sampled_from([*s.PROJECT_KINDS, "x", ""]),
            "territory": any_text,
            "session": any_text,
            "updated_since": st.one_of(
                any_text,
                st.sampled_from(
                    ["2026-12-01", "2026-12-01T09:00:00Z", "2026-12-01T10:00:00+01:00"]
                ),
            ),
            "include_absent": st.sampled_from(["true", "false", "1", "x"]),
            "include_merged": st.sampled_from(["true", "false", "0", "maybe"]),
            "page": st.one_of(any_text, st.integers(-2, 3).map(str)),
            "per_page": st.one_of(st.integers(0, 501).map(str), any_text),
        },
    )
)
def test_any_query_parses_or_names_a_field(app: Flask, args: dict[str, str]) -> None:
    result = _parse(app, s.parse_project_query, args)
    if isinstance(result, ValidationError):
        return
    assert result.stage is None or result.stage in STAGES
    assert result.kind is None or result.kind in s.PROJECT_KINDS
    assert 1 <= result.page.per_page <= s.PER_PAGE_MAX and result.page.page >= 1
    assert result.updated_since is None or result.updated_since.tzinfo is not None


def test_since_reads_times_and_dates_in_utc(app: Flask) -> None:
    with app.test_request_context():
        one_hour_east = s.parse_since({"at": "2026-12-01T10:00:00+01:00"}, "at")
        assert one_hour_east == dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
        assert s.parse_since({"at": "2026-12-01"}, "at") == dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
        assert s.parse_since({}, "at") is None
    error = _parse(app, lambda a: s.parse_since(a, "at"), {"at": "hier"})
    assert isinstance(error, ValidationError) and error.details["field"] == "at"


@PROPERTIES
@given(
    payload=st.one_of(
        json_like,
        st.fixed_dictionaries(
            {},
            optional={
                "status": st.one_of(st.sampled_from([*s.CANDIDATE_STATUSES, "hired"]), scalars),
                "notes": st.one_of(any_text, scalars),
                "name": scalars,
            },
        ),
    )
)
def test_any_candidate_change_parses_or_names_a_field(app: Flask, payload: Any) -> None:
    result = _parse(app, s.parse_candidate_patch, payload)
    if isinstance(result, ValidationError):
        return
    assert result.status is not None or result.notes is not None
    assert result.status is None or result.status in s.CANDIDATE_STATUSES
    assert result.notes is None or len(result.notes) <= s.CANDIDATE_NOTES_MAX


@PROPERTIES
@given(
    payload=st.one_of(
        json_like,
        st.fixed_dictionaries(
            {},
            optional={
                "item_id": st.one_of(st.integers(-1, 3), scalars),
                "decision": st.one_of(
                    st.sampled_from(["prioritised", "study_further", "postponed", "dropped"]),
                    scalars,
                ),
                "reason": st.one_of(any_text, scalars),
                "stage": st.one_of(st.sampled_from([*STAGES, None, ""]), scalars),
            },
        ),
    )
)
def test_any_decision_parses_or_names_a_field(app: Flask, payload: Any) -> None:
    result = _parse(app, s.parse_item_decision, payload)
    if isinstance(result, ValidationError):
        return
    assert result.item_id >= 1
    assert result.form.decision != "dropped" or result.form.reason
    assert result.form.stage is None or result.form.stage in STAGES
    assert result.form.stage != "abandoned"


def test_other_refusals_name_the_field(app: Flask) -> None:
    cases: list[tuple[Any, Any, str]] = [
        (s.parse_new_candidate, {"name": "Léa", "mail": "lea@example.org"}, "mail"),
        (s.parse_new_candidate, {"email": "lea@example.org"}, "name"),
        (s.parse_item_decision, {"item_id": "3", "decision": "prioritised"}, "item_id"),
        (s.parse_item_decision, {"item_id": 3, "decision": "dropped"}, "reason"),
        (s.parse_item_decision, {"item_id": 3, "decision": "ok", "why": ""}, "why"),
        (s.parse_candidate_patch, {"status": "selected", "stage": "x"}, "stage"),
    ]
    for parse, payload, field in cases:
        error = _parse(app, parse, payload)
        assert isinstance(error, ValidationError), payload
        assert error.details["field"] == field, payload
