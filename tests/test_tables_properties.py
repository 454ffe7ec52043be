"""Property tests of the défi tables' payloads (workshop/schemas/tables.py).

Whatever a client sends, each parser returns a value within the limits or raises
``ValidationError`` naming a field, never anything else; at each limit, the value just
inside is accepted and the one just outside refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workshop.errors import ValidationError
from workshop.schemas import INT_MAX
from workshop.schemas import tables as s

PROPERTIES = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

any_text = st.one_of(
    st.text(max_size=30),
    st.text(st.characters(codec=None, categories=["Cc", "Cs", "Zs", "Lu", "Ll"]), max_size=30),
    st.sampled_from(["", " ", "\x00", "\ud800", "needs", "free", "rotate", "1", "true", "a" * 300]),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), any_text)
json_like = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=10,
)
plausible = st.one_of(
    json_like,
    st.sampled_from([0, 1, 2, 3, 5, 6, 50, 51, 999, 1000, INT_MAX, INT_MAX + 1, -1, "7"]),
    st.lists(st.integers(min_value=-1, max_value=9), max_size=6),
    st.dictionaries(st.sampled_from(["1", "2", "x", "0"]), st.integers(-1, 7), max_size=3),
    st.lists(
        st.fixed_dictionaries({"key": st.sampled_from(["needs", "Ideas", "a" * 21, "", "x_y"])}),
        max_size=10,
    ),
)

PARSERS: dict[str, tuple[Callable[[Any], Any], list[str]]] = {
    "parse_new_tables": (s.parse_new_tables, ["challenge_ids", "per_challenge", "capacity"]),
    "parse_table_edit": (s.parse_table_edit, ["table_id", "capacity", "challenge_id", "number"]),
    "parse_table_ref": (s.parse_table_ref, ["table_id"]),
    "parse_optional_table_ref": (s.parse_optional_table_ref, ["table_id"]),
    "parse_host_change": (s.parse_host_change, ["table_id", "participant_id"]),
    "parse_seat_change": (s.parse_seat_change, ["participant_id", "table_id"]),
    "parse_spotlight": (s.parse_spotlight, ["table_id"]),
    "parse_round_mode": (s.parse_round_mode, ["mode"]),
    "parse_empty": (s.parse_empty, []),
    "parse_contribution_kinds": (s.parse_contribution_kinds, ["kinds"]),
    "parse_new_contribution": (
        s.parse_new_contribution,
        ["table_id", "kind", "text", "client_id", "on_behalf"],
    ),
    "parse_contribution_vote": (s.parse_contribution_vote, ["contribution_id", "on"]),
    "parse_contribution_hidden": (s.parse_contribution_hidden, ["contribution_id", "hidden"]),
    "parse_contribution_kept": (s.parse_contribution_kept, ["contribution_id", "kept"]),
    "parse_synthesis": (s.parse_synthesis, ["table_id", "text", "done", "version"]),
}


def check_result(name: str, value: Any) -> None:
    """What a parser returns respects the limits."""
    if isinstance(value, s.NewTables):
        assert s.CAPACITY_MIN <= value.capacity <= s.CAPACITY_MAX
        assert all(1 <= n <= s.PER_CHALLENGE_MAX for n in value.per_challenge.values())
        assert value.challenge_ids is None or len(set(value.challenge_ids)) == len(
            value.challenge_ids
        )
    elif isinstance(value, s.TableEdit):
        assert value.capacity is None or s.CAPACITY_MIN <= value.capacity <= s.CAPACITY_MAX
        assert value.number is None or 1 <= value.number <= s.TABLE_NUMBER_MAX
    elif isinstance(value, s.NewContribution):
        assert 1 <= len(value.text) <= s.CONTRIBUTION_MAX
        assert len(value.on_behalf) <= s.ON_BEHALF_MAX
        assert s.KIND_KEY_RE.match(value.kind)
        assert "\x00" not in value.text + value.on_behalf
    elif isinstance(value, s.SynthesisEdit):
        assert len(value.text) <= s.SYNTHESIS_MAX and value.version >= 1
    elif isinstance(value, list):  # kinds
        assert 1 <= len(value) <= s.KINDS_MAX
        assert len({k.key for k in value}) == len(value)
        assert all(len(k.label) <= s.KIND_LABEL_MAX for k in value)
    elif name == "parse_round_mode":
        assert value in s.ROUND_MODES
    elif isinstance(value, int):
        assert 1 <= value <= INT_MAX


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_any_payload_parses_or_names_a_field(app: Flask, name: str) -> None:
    parse, fields = PARSERS[name]

    @PROPERTIES
    @given(
        payload=st.one_of(
            json_like,
            st.fixed_dictionaries({}, optional={field: plausible for field in fields}),
        )
    )
    def run(payload: Any) -> None:
        with app.test_request_context():
            try:
                value = parse(payload)
            except ValidationError as error:
                assert error.code in ("invalid_input",)
                assert "field" in error.details
                return
            check_result(name, value)

    run()


def _parses(app: Flask, parse: Callable[[Any], Any], payload: Any) -> bool:
    with app.test_request_context():
        try:
            parse(payload)
        except ValidationError:
            return False
        return True


def test_capacity_per_challenge_and_number_limits(app: Flask) -> None:
    new = s.parse_new_tables
    assert _parses(app, new, {"capacity": s.CAPACITY_MIN})
    assert _parses(app, new, {"capacity": s.CAPACITY_MAX})
    assert not _parses(app, new, {"capacity": s.CAPACITY_MIN - 1})
    assert not _parses(app, new, {"capacity": s.CAPACITY_MAX + 1})
    assert _parses(app, new, {"per_challenge": {"3": s.PER_CHALLENGE_MAX}})
    assert not _parses(app, new, {"per_challenge": {"3": s.PER_CHALLENGE_MAX + 1}})
    assert not _parses(app, new, {"per_challenge": {"3": 0}})
    assert not _parses(app, new, {"challenge_ids": [1, 1]})
    edit = s.parse_table_edit
    assert _parses(app, edit, {"table_id": 1, "number": s.TABLE_NUMBER_MAX})
    assert not _parses(app, edit, {"table_id": 1, "number": s.TABLE_NUMBER_MAX + 1})


@given(size=st.integers(min_value=0, max_value=400))
@PROPERTIES
def test_contribution_text_limit(app: Flask, size: int) -> None:
    payload = {"table_id": 1, "kind": "needs", "text": "a" * size, "client_id": "client-00001"}
    assert _parses(app, s.parse_new_contribution, payload) is (1 <= size <= s.CONTRIBUTION_MAX)


@given(size=st.integers(min_value=0, max_value=60))
@PROPERTIES
def test_on_behalf_limit(app: Flask, size: int) -> None:
    payload = {
        "table_id": 1,
        "kind": "needs",
        "text": "Un bus",
        "client_id": "client-00001",
        "on_behalf": "b" * size,
    }
    assert _parses(app, s.parse_new_contribution, payload) is (size <= s.ON_BEHALF_MAX)


@given(size=st.integers(min_value=0, max_value=2100))
@PROPERTIES
def test_synthesis_limit(app: Flask, size: int) -> None:
    payload = {"table_id": 1, "text": "s" * size, "done": False, "version": 1}
    assert _parses(app, s.parse_synthesis, payload) is (size <= s.SYNTHESIS_MAX)


@given(count=st.integers(min_value=0, max_value=12), label=st.integers(0, 45))
@PROPERTIES
def test_kinds_count_and_label_limits(app: Flask, count: int, label: int) -> None:
    kinds = [{"key": f"kind_{chr(97 + n)}", "label": "l" * label} for n in range(count)]
    expected = 1 <= count <= s.KINDS_MAX and label <= s.KIND_LABEL_MAX
    assert _parses(app, s.parse_contribution_kinds, {"kinds": kinds}) is expected


@given(key=st.text(max_size=25))
@PROPERTIES
def test_kind_keys(app: Flask, key: str) -> None:
    payload = {"kinds": [{"key": key, "label": ""}]}
    assert _parses(app, s.parse_contribution_kinds, payload) is bool(s.KIND_KEY_RE.match(key))


def test_duplicate_kinds_and_null_ids_and_flags(app: Flask) -> None:
    two = {"kinds": [{"key": "needs", "label": ""}, {"key": "needs", "label": "x"}]}
    assert not _parses(app, s.parse_contribution_kinds, two)
    with app.test_request_context():
        assert s.parse_spotlight({"table_id": None}) is None
        assert s.parse_host_change({"table_id": 2, "participant_id": None}).participant_id is None
        assert s.parse_seat_change({"participant_id": 3, "table_id": None}).table_id is None
        assert s.parse_contribution_vote({"contribution_id": "4", "on": "off"}).value is False
    assert not _parses(app, s.parse_spotlight, {})  # null must be said
    assert not _parses(app, s.parse_contribution_vote, {"contribution_id": 4})
    assert not _parses(app, s.parse_round_mode, {"mode": "shuffle"})
