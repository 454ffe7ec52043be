"""Property tests of the qualification and volunteer parsers.

Whatever a client sends, ``parse_qualification``, ``parse_volunteer_offer`` and
``parse_volunteer_ref`` return a value within the limits or raise a
``ValidationError`` (or one of its precise subclasses); a territory code is accepted
exactly when it is a commune's INSEE code or an intercommunalité's SIREN number (9
digits whose Luhn check holds); contact details never survive without consent.
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
    st.sampled_from(
        ["", " ", "\x00", "\ud800", "2A004", "07186", "00123", "200054781", "200054782", "x" * 2001]
    ),
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


def luhn_ok(digits: str) -> bool:
    """The Luhn check, written another way than the code's: every second digit from the
    right doubled, the digits of all the results summed."""
    doubled = "".join(str(int(d) * 2) if i % 2 else d for i, d in enumerate(reversed(digits)))
    return sum(int(d) for d in doubled) % 10 == 0


def territory_code(normalised: str) -> bool:
    commune = re.fullmatch(r"[0-9]{5}|2[AB][0-9]{3}", normalised) and not normalised.startswith(
        "00"
    )
    siren = re.fullmatch(r"[0-9]{9}", normalised) and luhn_ok(normalised)
    return bool(commune or siren)


def with_check_digit(body: str) -> str:
    """The 9-digit SIREN number whose first 8 digits are ``body``."""
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


@PROPERTIES
@given(
    code=st.one_of(
        st.text(alphabet="0123456789ABab -\u0663", max_size=12),
        st.text(alphabet="0123456789", min_size=8, max_size=8).map(with_check_digit),
    )
)
def test_territory_codes_are_accepted_exactly_when_well_formed(code: str) -> None:
    normalised = code.replace(" ", "").upper()
    shaped = territory_code(normalised)
    if not normalised:
        assert schemas.parse_insee_code(code) is None
    elif shaped:
        assert schemas.parse_insee_code(code) == normalised
    else:
        with pytest.raises(InvalidInseeCode):
            schemas.parse_insee_code(code)


@PROPERTIES
@given(body=st.text(alphabet="0123456789", min_size=8, max_size=8), data=st.data())
def test_one_mistyped_digit_of_a_siren_number_is_refused(body: str, data: st.DataObject) -> None:
    siren = with_check_digit(body)
    assert schemas.parse_insee_code(" ".join([siren[:3], siren[3:6], siren[6:]])) == siren
    position = data.draw(st.integers(0, 8))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != siren[position]]))
    with pytest.raises(InvalidInseeCode):
        schemas.parse_insee_code(siren[:position] + digit + siren[position + 1 :])


def test_known_codes() -> None:
    # Communes (Ardèche, Corse-du-Sud, Savoie) and the Métropole du Grand Paris.
    for code in ("07186", "2A004", "73010", "200054781"):
        assert schemas.parse_insee_code(code) == code
    for code in ("00123", "2C123", "7301", "200054782", "2000547810", "20005478"):
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
