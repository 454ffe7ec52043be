"""Property tests of the call for holders' parsers.

Whatever a visitor or a member sends, each parser returns a value within its limits or
raises a ``ValidationError`` (``ContactRequired`` for a missing contact): an application
always has consent, a name, a message and an email or a phone (an email when being kept
informed); a structure only when the person says they represent one; a member never sets
« selected » by hand.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workshop.errors import ContactRequired, ValidationError
from workshop.schemas import PHONE_RE
from workshop.schemas import candidates as schema

PROPERTIES = settings(max_examples=200, deadline=None)

any_text = st.one_of(
    st.text(max_size=30),
    st.text(st.characters(codec=None, categories=["Cc", "Cs", "Zs", "Nd", "Lu"]), max_size=12),
    st.sampled_from(["", " ", "\x00", "\ud800", "x" * 81, "x" * 2001, "y" * 4001]),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), any_text)
plausible = st.one_of(
    scalars,
    st.sampled_from(
        [
            "Dominique",
            "a@b.fr",
            "not-an-email",
            "+33 6 12 34 56 78",
            "06 12",
            "1",
            "on",
            "0",
            True,
            "received",
            "met",
            "selected",
            "not_selected",
            "7",
            "-1",
        ]
    ),
)

PARSERS: dict[str, tuple[Callable[[Any], Any], list[str]]] = {
    "parse_application": (
        schema.parse_application,
        [
            "name",
            "email",
            "phone",
            "represents_structure",
            "structure",
            "message",
            "consent",
            "follow",
        ],
    ),
    "parse_met_candidate": (
        schema.parse_met_candidate,
        ["name", "email", "phone", "structure", "notes"],
    ),
    "parse_candidate_change": (schema.parse_candidate_change, ["status", "notes"]),
    "parse_call_setting": (schema.parse_call_setting, ["in_call", "call_text", "version"]),
    "parse_call_intro": (schema.parse_call_intro, ["call_intro"]),
}


def clean(value: str) -> bool:
    return all(ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs") for ch in value)


def payloads(fields: list[str]) -> st.SearchStrategy[Any]:
    return st.one_of(scalars, st.fixed_dictionaries({}, optional=dict.fromkeys(fields, plausible)))


@pytest.mark.parametrize("name", list(PARSERS))
@PROPERTIES
@given(data=st.data())
def test_parsers_only_raise_validation_errors(name: str, data: st.DataObject) -> None:
    parse, fields = PARSERS[name]
    payload = data.draw(payloads(fields))
    try:
        result = parse(payload)
    except ValidationError as error:
        assert error.to_dict()["code"] in {"invalid_input", ContactRequired.code}
        return
    if isinstance(result, schema.Application):
        assert isinstance(payload, dict)
        assert result.name and len(result.name) <= 80 and clean(result.name)
        assert result.email or result.phone
        assert result.phone is None or PHONE_RE.match(result.phone)
        assert result.email is None or "@" in result.email
        assert result.message and len(result.message) <= schema.MESSAGE_MAX
        assert clean(result.message)
        assert not result.follow or result.email
        assert not result.structure or payload.get("represents_structure") not in (
            None,
            "",
            "0",
            False,
        )
        assert len(result.structure) <= schema.STRUCTURE_MAX
    elif isinstance(result, schema.MetCandidate):
        assert result.name and len(result.notes) <= schema.NOTES_MAX
    elif isinstance(result, schema.CandidateChange):
        assert result.status in schema.MANUAL_STATUSES and result.status != "selected"
    elif isinstance(result, schema.CallSetting):
        assert len(result.call_text) <= schema.CALL_TEXT_MAX and clean(result.call_text)
        assert result.version is None or result.version >= 1
    else:
        assert isinstance(result, str) and len(result) <= schema.CALL_INTRO_MAX


@PROPERTIES
@given(
    email=st.sampled_from(["", "a@b.fr"]),
    phone=st.sampled_from(["", "06 12 34 56 78"]),
    consent=st.sampled_from(["", "0", "1", "on", None]),
    follow=st.sampled_from(["", "1", None]),
)
def test_an_application_needs_consent_and_a_contact(
    email: str, phone: str, consent: Any, follow: Any
) -> None:
    payload = {
        "name": "Dominique",
        "email": email,
        "phone": phone,
        "message": "Pourquoi moi",
        "consent": consent,
        "follow": follow,
    }
    accepted = consent in ("1", "on") and bool(email or phone) and (follow != "1" or bool(email))
    try:
        application = schema.parse_application(payload)
    except ValidationError:
        assert not accepted
        return
    assert accepted
    assert application.follow == (follow == "1")


@PROPERTIES
@given(value=st.one_of(st.none(), any_text, st.sampled_from(["http://spam", " "])))
def test_the_honeypot_is_filled_by_any_visible_text(value: Any) -> None:
    assert schema.honeypot_filled({schema.HONEYPOT_FIELD: value}) == bool(str(value or "").strip())
    assert not schema.honeypot_filled({"name": value})
