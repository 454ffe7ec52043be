"""Property tests of the qualification and volunteer parsers.

Whatever a client sends, ``parse_qualification``, ``parse_volunteer_offer`` and
``parse_volunteer_ref`` return a value within the limits or raise a
``ValidationError`` (or one of its precise subclasses); an INSEE code is accepted
exactly when it has the shape of one; contact details never survive without consent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workshop import schemas
from workshop.errors import (
    AbandonReasonRequired,
    ContactRequired,
    InvalidInseeCode,
    ValidationError,
)
from workshop.models import Maturity, Stage, VolunteerKind

PROPERTIES = settings(max_examples=200, deadline=None)

any_text = st.one_of(
    st.text(max_size=30),
    st.text(st.characters(codec=None, categories=["Cc", "Cs", "Zs", "Nd", "Lu"]), max_size=12),
    st.sampled_from(["", " ", "\x00", "\ud800", "2A004", "07186", "00123", "x" * 2001]),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), any_text)
json_like = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(any_text, children, max_size=3)
    ),
    max_leaves=8,
)
plausible = st.one_of(
    json_like,
    st.sampled_from(
        [
            "idea",
            "challenge",
            1,
            2**31,
            *[s.value for s in Stage],
            *[m.value for m in Maturity],
            *[k.value for k in VolunteerKind],
            "73010",
            "2b123",
            "a@b.fr",
            "+33 6 12 34 56 78",
            True,
            "on",
        ]
    ),
)

PARSERS: dict[str, tuple[Callable[[Any], Any], list[str]]] = {
    "parse_qualification": (
        schemas.parse_qualification,
        ["target", "target_id", "version", *schemas.QUALIFICATION_FIELDS],
    ),
    "parse_volunteer_offer": (
        schemas.parse_volunteer_offer,
        [
            "target",
            "target_id",
            "kind",
            "consent_contact",
            "contact_name",
            "contact_email",
            "contact_phone",
        ],
    ),
    "parse_volunteer_ref": (schemas.parse_volunteer_ref, ["target", "target_id", "kind"]),
    "parse_insee_code": (schemas.parse_insee_code, []),
}
PRECISE = (InvalidInseeCode, AbandonReasonRequired, ContactRequired)


def clean(value: str, *, multiline: bool) -> bool:
    allowed = {"\n"} if multiline else set()
    return all(ch in allowed or unicodedata.category(ch) not in ("Cc", "Cs") for ch in value)


@pytest.mark.parametrize("name", list(PARSERS))
@PROPERTIES
@given(data=st.data())
def test_parsers_only_raise_validation_errors(name: str, data: st.DataObject) -> None:
    parse, fields = PARSERS[name]
    strategy = (
        st.one_of(json_like, st.fixed_dictionaries({}, optional=dict.fromkeys(fields, plausible)))
        if fields
        else st.one_of(scalars, plausible)
    )
    payload = data.draw(strategy)
    try:
        result = parse(payload)
    except ValidationError as error:
        expected = {"invalid_input", *(cls.code for cls in PRECISE)}
        assert error.to_dict()["code"] in expected
        assert type(error) is ValidationError or isinstance(error, PRECISE)
        return
    if isinstance(result, schemas.QualificationEdit):
        assert result.target.kind in schemas.TARGETS and result.target.id >= 1
        assert result.version >= 0
        for field, value in result.changes.items():
            if field in schemas.QUALIFICATION_TEXTS:
                assert len(value) <= schemas.QUALIFICATION_TEXTS[field]
                assert clean(value, multiline=True) and value == value.strip()
            elif field == "territory":
                assert len(value) <= schemas.TERRITORY_MAX and clean(value, multiline=False)
            elif field == "insee_code":
                assert value is None or schemas.INSEE_RE.match(value)
        if result.changes.get("stage") == Stage.ABANDONED and "abandon_reason" in result.changes:
            assert result.changes["abandon_reason"]
    elif isinstance(result, schemas.VolunteerOffer):
        assert result.kind in {k.value for k in VolunteerKind}
        if not result.consent_contact:
            assert (result.contact_name, result.contact_email, result.contact_phone) == (
                None,
                None,
                None,
            )
        else:
            assert result.contact_email or result.contact_phone
            assert len(result.contact_name or "") <= schemas.CONTACT_NAME_MAX
            assert len(result.contact_phone or "") <= schemas.CONTACT_PHONE_MAX


@PROPERTIES
@given(code=st.text(alphabet="0123456789ABab -\u0663", max_size=8))
def test_insee_codes_are_accepted_exactly_when_well_formed(code: str) -> None:
    normalised = code.replace(" ", "").upper()
    shaped = re.fullmatch(r"[0-9]{5}|2[AB][0-9]{3}", normalised) and not normalised.startswith("00")
    if not normalised:
        assert schemas.parse_insee_code(code) is None
    elif shaped:
        assert schemas.parse_insee_code(code) == normalised
    else:
        with pytest.raises(InvalidInseeCode):
            schemas.parse_insee_code(code)


@PROPERTIES
@given(name=any_text, email=any_text, phone=any_text)
def test_no_contact_detail_survives_without_consent(name: str, email: str, phone: str) -> None:
    offer = schemas.parse_volunteer_offer(
        {
            "target": "idea",
            "target_id": 3,
            "kind": "follow",
            "consent_contact": False,
            "contact_name": name,
            "contact_email": email,
            "contact_phone": phone,
        }
    )
    assert (offer.contact_name, offer.contact_email, offer.contact_phone) == (None, None, None)
