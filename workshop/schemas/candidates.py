"""The call for holders' payloads: a person's application on the public page, a
candidate a member met elsewhere, a candidate's status and notes, a project put into
(or out of) the call, the call's introduction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ..errors import ContactRequired, ValidationError
from ..models import CandidateStatus
from .fields import boolean, choice, integer, parse_email, require_mapping, text
from .follow_up import CONTACT_EMAIL_MAX, CONTACT_NAME_MAX, CONTACT_PHONE_MAX, PHONE_RE

STRUCTURE_MAX = 140
MESSAGE_MAX = 2000
NOTES_MAX = 4000
CALL_TEXT_MAX = 2000
CALL_INTRO_MAX = 4000

#: The form field a person never sees (hidden from screens and screen readers): only a
#: robot filling every field fills it.
HONEYPOT_FIELD = "website"

#: The statuses a member sets by hand; « selected » is the choice, its own action.
MANUAL_STATUSES = (
    CandidateStatus.RECEIVED.value,
    CandidateStatus.MET.value,
    CandidateStatus.NOT_SELECTED.value,
)


@dataclass(frozen=True)
class Application:
    """An application through the public call page, with consent to be contacted."""

    name: str
    email: str | None
    phone: str | None
    structure: str
    message: str
    follow: bool


@dataclass(frozen=True)
class MetCandidate:
    """A candidate a member met elsewhere (a meeting, a phone call, a partner's tip)."""

    name: str
    email: str | None
    phone: str | None
    structure: str
    notes: str


@dataclass(frozen=True)
class CandidateChange:
    status: str
    notes: str


@dataclass(frozen=True)
class CallSetting:
    """A project put into the call (with the text shown publicly) or taken out of it.

    ``version`` is the project's version the form was made from (``None``: unchecked)."""

    in_call: bool
    call_text: str
    version: int | None


def _ticked(data: dict[str, Any], field: str) -> bool:
    """A checkbox: absent or empty is not ticked; else yes/no as :func:`boolean` reads it."""
    if data.get(field) in (None, ""):
        return False
    return bool(boolean(data, field))


def honeypot_filled(payload: Any) -> bool:
    """Whether the hidden field a person never sees was filled (a robot sent the form)."""
    return isinstance(payload, dict) and bool(str(payload.get(HONEYPOT_FIELD) or "").strip())


def _contact(data: dict[str, Any], *, required: bool) -> tuple[str | None, str | None]:
    email = text(data, "email", max_len=CONTACT_EMAIL_MAX)
    if email:
        email = parse_email(email)
    phone = text(data, "phone", max_len=CONTACT_PHONE_MAX)
    if phone and not PHONE_RE.match(phone):
        raise ValidationError(_("This phone number is not valid."), field="phone", reason="format")
    if required and not email and not phone:
        raise ContactRequired(field="email", reason="required")
    return email or None, phone or None


def _structure(data: dict[str, Any]) -> str:
    """The structure's name when the person says they represent one (then required)."""
    if not _ticked(data, "represents_structure"):
        return ""
    structure = text(data, "structure", max_len=STRUCTURE_MAX)
    if not structure:
        raise ValidationError(
            _("Give the name of the structure you represent."),
            field="structure",
            reason="required",
        )
    return structure


def parse_application(payload: Any) -> Application:
    """The public form: ``{"name", "email"?, "phone"?, "represents_structure"?,
    "structure"?, "message", "consent", "follow"?}``. An email or a phone is needed;
    being kept informed needs an email; nothing is kept without ``consent``."""
    data = require_mapping(payload)
    name = text(data, "name", max_len=CONTACT_NAME_MAX, required=True)
    email, phone = _contact(data, required=True)
    structure = _structure(data)
    message = text(data, "message", max_len=MESSAGE_MAX, required=True, multiline=True)
    follow = _ticked(data, "follow")
    if follow and not email:
        raise ValidationError(
            _("To be kept informed by email, give an email address."),
            field="email",
            reason="required",
        )
    if not _ticked(data, "consent"):
        raise ValidationError(
            _(
                "Tick the box to agree to be contacted about this project: without it we "
                "cannot keep your application."
            ),
            field="consent",
            reason="required",
        )
    return Application(name, email, phone, structure, message, follow)


def parse_met_candidate(payload: Any) -> MetCandidate:
    """A member's « add a candidate met elsewhere »: ``{"name", "email"?, "phone"?,
    "structure"?, "notes"?}`` (the contact is optional: the member may know them)."""
    data = require_mapping(payload)
    name = text(data, "name", max_len=CONTACT_NAME_MAX, required=True)
    email, phone = _contact(data, required=False)
    structure = text(data, "structure", max_len=STRUCTURE_MAX)
    notes = text(data, "notes", max_len=NOTES_MAX, multiline=True)
    return MetCandidate(name, email, phone, structure, notes)


def parse_candidate_change(payload: Any) -> CandidateChange:
    """``{"status", "notes"}``: received, met or not selected (selecting is the choice)."""
    data = require_mapping(payload)
    status = choice(data, "status", CandidateStatus)
    if status not in MANUAL_STATUSES:
        raise ValidationError(
            _("To select a candidate, use the « Choose as holder » button."),
            field="status",
            reason="choice",
        )
    notes = text(data, "notes", max_len=NOTES_MAX, multiline=True)
    return CandidateChange(status, notes)


def parse_call_setting(payload: Any) -> CallSetting:
    """``{"in_call", "call_text"?, "version"?}``: the « in the call for holders » switch
    and the text the public page shows of the project."""
    data = require_mapping(payload)
    in_call = _ticked(data, "in_call")
    call_text = text(data, "call_text", max_len=CALL_TEXT_MAX, multiline=True)
    version = integer(data, "version", minimum=1, required=False)
    return CallSetting(in_call, call_text, version)


def parse_call_intro(payload: Any) -> str:
    """``{"call_intro"}``: the Fabrique's introduction of its public call page."""
    return text(require_mapping(payload), "call_intro", max_len=CALL_INTRO_MAX, multiline=True)
