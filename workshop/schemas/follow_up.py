"""Follow-up payloads: the qualification sheet and the volunteer offers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ..errors import ContactRequired, InvalidInseeCode, ValidationError
from ..models import (
    Maturity,
    Qualification,
    Stage,
    Volunteer,
    VolunteerKind,
)
from ..stages import abandon_reason_for
from ..wire import TargetKind
from .fields import (
    TERRITORY_MAX,
    boolean,
    choice,
    integer,
    optional_choice,
    parse_email,
    require_mapping,
    text,
)

QUALIFICATION_TEXT_MAX = 2000

CONTACT_NAME_MAX = 80

CONTACT_EMAIL_MAX = 254

CONTACT_PHONE_MAX = 30

# The territory's code: a commune's INSEE code, 5 digits (no department 00) or 2A/2B and
# 3 digits (Corsica); or the 9-digit SIREN number of an intercommunalité (whose last
# digit is a Luhn check digit: see `siren_checksum_ok`).
INSEE_RE = re.compile(r"^(?:(?!00)[0-9]{5}|2[AB][0-9]{3}|[0-9]{9})$")


def siren_checksum_ok(code: str) -> bool:
    """Whether a 9-digit SIREN number passes its Luhn check (a mistyped digit fails)."""
    total = 0
    for position, char in enumerate(reversed(code)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


PHONE_RE = re.compile(r"^\+?[0-9][0-9 .()-]{5,28}$")

TARGETS = ("challenge", "idea")

# The free-text fields of a qualification sheet, multi-line, and their limits.
QUALIFICATION_TEXTS: dict[str, int] = {
    "need_who": QUALIFICATION_TEXT_MAX,
    "need_where": QUALIFICATION_TEXT_MAX,
    "need_evidence": QUALIFICATION_TEXT_MAX,
    "target_public": QUALIFICATION_TEXT_MAX,
    "solution": QUALIFICATION_TEXT_MAX,
    "existing_offer": QUALIFICATION_TEXT_MAX,
    "partners": QUALIFICATION_TEXT_MAX,
    "economic_potential": QUALIFICATION_TEXT_MAX,
    "potential_holders": QUALIFICATION_TEXT_MAX,
    "next_step": QUALIFICATION_TEXT_MAX,
    "abandon_reason": QUALIFICATION_TEXT_MAX,
}

QUALIFICATION_FIELDS = (
    *QUALIFICATION_TEXTS,
    "territory",
    "insee_code",
    "maturity",
    "stage",
)


@dataclass(frozen=True)
class TargetRef:
    """A défi (``kind`` "challenge") or an idea (``kind`` "idea")."""

    kind: TargetKind
    id: int


@dataclass(frozen=True)
class QualificationEdit:
    """Changes to the sheet of ``target``: only the fields given are in ``changes``.

    ``version`` is the sheet's version the edit was made from (``0``: a new sheet).
    """

    target: TargetRef
    version: int
    changes: dict[str, Any]


@dataclass(frozen=True)
class VolunteerOffer:
    target: TargetRef
    kind: VolunteerKind
    consent_contact: bool
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None


@dataclass(frozen=True)
class VolunteerRef:
    target: TargetRef
    kind: VolunteerKind


def parse_target(data: dict[str, Any]) -> TargetRef:
    kind = data.get("target")
    if kind not in TARGETS:
        raise ValidationError(
            _("Please choose one of the options."), field="target", reason="choice"
        )
    target_id = integer(data, "target_id", minimum=1)
    assert target_id is not None  # noqa: S101
    return TargetRef(kind, target_id)


def parse_insee_code(value: Any) -> str | None:
    """A commune's INSEE code or an intercommunalité's SIREN number, upper-cased,
    without spaces; ``None`` for an empty value."""
    code = text({"insee_code": value}, "insee_code", max_len=20).replace(" ", "").upper()
    if not code:
        return None
    if not INSEE_RE.fullmatch(code) or (len(code) == 9 and not siren_checksum_ok(code)):
        raise InvalidInseeCode(field="insee_code", reason="format")
    return code


def parse_qualification(payload: Any) -> QualificationEdit:
    """``{"target", "target_id", "version"?, <sheet fields>?}``: the fields present
    change, the others keep their value. An abandoned stage needs a reason in the
    payload; the service checks it against the stored sheet too."""
    data = require_mapping(payload)
    target = parse_target(data)
    version = integer(data, "version", minimum=0, required=False) or 0
    changes: dict[str, Any] = {}
    for field, max_len in QUALIFICATION_TEXTS.items():
        if field in data:
            changes[field] = text(data, field, max_len=max_len, multiline=True)
    if "territory" in data:
        changes["territory"] = text(data, "territory", max_len=TERRITORY_MAX)
    if "insee_code" in data:
        changes["insee_code"] = parse_insee_code(data["insee_code"])
    if "maturity" in data:
        changes["maturity"] = optional_choice(data, "maturity", Maturity)
    if "stage" in data:
        changes["stage"] = choice(data, "stage", Stage)
        if "abandon_reason" in data:
            abandon_reason_for(changes["stage"], changes["abandon_reason"] or None)
    return QualificationEdit(target, version, changes)


def parse_volunteer_offer(payload: Any) -> VolunteerOffer:
    """``{"target", "target_id", "kind", "consent_contact"?, "contact_name"?,
    "contact_email"?, "contact_phone"?}``. Without consent, contact details are dropped:
    they are never stored."""
    data = require_mapping(payload)
    target = parse_target(data)
    kind = VolunteerKind(choice(data, "kind", VolunteerKind))
    consent = bool(boolean(data, "consent_contact"))
    if not consent:
        return VolunteerOffer(target, kind, False)
    name = text(data, "contact_name", max_len=CONTACT_NAME_MAX)
    email = text(data, "contact_email", max_len=CONTACT_EMAIL_MAX)
    if email:
        email = parse_email(email)
    phone = text(data, "contact_phone", max_len=CONTACT_PHONE_MAX)
    if phone and not PHONE_RE.match(phone):
        raise ValidationError(
            _("This phone number is not valid."), field="contact_phone", reason="format"
        )
    if not email and not phone:
        raise ContactRequired(field="contact_email", reason="required")
    return VolunteerOffer(target, kind, True, name or None, email or None, phone or None)


def parse_volunteer_ref(payload: Any) -> VolunteerRef:
    """``{"target", "target_id", "kind"}``: one of the caller's offers."""
    data = require_mapping(payload)
    return VolunteerRef(parse_target(data), VolunteerKind(choice(data, "kind", VolunteerKind)))


def target_of(item: Qualification | Volunteer) -> TargetRef:
    if item.challenge_id is not None:
        return TargetRef("challenge", item.challenge_id)
    assert item.idea_id is not None  # noqa: S101 - a CHECK constraint guarantees it
    return TargetRef("idea", item.idea_id)
