"""Project payloads: a member's stage change, qualification sheet, holder and note, and
the filters of the projects list.

The sheet has the workshop's qualification fields, parsed the same way
(:mod:`.follow_up`); the stage and its reason are the project's own, changed apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ..errors import ValidationError
from ..models import HolderKind, Maturity, ProjectKind
from ..stages import STAGES, abandon_reason_for
from .fields import (
    TERRITORY_MAX,
    boolean,
    integer,
    optional_choice,
    parse_email,
    require_mapping,
    text,
)
from .follow_up import (
    CONTACT_EMAIL_MAX,
    CONTACT_PHONE_MAX,
    PHONE_RE,
    QUALIFICATION_TEXTS,
    parse_insee_code,
)
from .portfolio import ABANDON_REASON_MAX

HOLDER_NAME_MAX = 140
HOLDER_NOTE_MAX = 2000
NOTE_MAX = 4000

#: The sheet's free texts (the workshop's, without the abandon reason: the project's).
SHEET_TEXTS = tuple(field for field in QUALIFICATION_TEXTS if field != "abandon_reason")
#: Every field of a project's sheet, in the form's order.
SHEET_FIELDS = (*SHEET_TEXTS, "territory", "insee_code", "maturity")


@dataclass(frozen=True)
class ProjectStageChange:
    stage: str
    abandon_reason: str
    version: int


@dataclass(frozen=True)
class SheetEdit:
    """A whole sheet as a member saved it, and the project version it was made from."""

    version: int
    sheet: dict[str, Any]


@dataclass(frozen=True)
class HolderEntry:
    kind: str
    name: str
    contact_email: str | None
    contact_phone: str | None
    note: str


@dataclass(frozen=True)
class ProjectFilter:
    """Which projects to list; ``None`` leaves a criterion out. ``start``/``end``: the
    project's origin date (its session's, else when it entered the portfolio), both
    included. Absent and merged projects only on request."""

    stage: str | None = None
    territory: str | None = None
    session_id: int | None = None
    kind: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    include_absent: bool = False
    include_merged: bool = False
    #: Only the projects changed at or after this time (the API's sync).
    updated_since: dt.datetime | None = None


def _version(data: dict[str, Any]) -> int:
    version = integer(data, "version", minimum=1)
    assert version is not None  # noqa: S101 - required
    return version


def parse_project_stage(payload: Any) -> ProjectStageChange:
    """``{"stage", "abandon_reason"?, "version"}``: abandoning needs a reason."""
    data = require_mapping(payload)
    stage = data.get("stage")
    if stage not in STAGES:
        raise ValidationError(
            _("Please choose one of the options."), field="stage", reason="choice"
        )
    reason = text(data, "abandon_reason", max_len=ABANDON_REASON_MAX, multiline=True)
    return ProjectStageChange(
        stage=stage, abandon_reason=abandon_reason_for(stage, reason), version=_version(data)
    )


def parse_project_sheet(payload: Any) -> SheetEdit:
    """The whole sheet form: the workshop's qualification fields (texts, territory, its
    INSEE or SIREN code, maturity), each as the workshop parses it, and ``version``."""
    data = require_mapping(payload)
    sheet: dict[str, Any] = {
        field: text(data, field, max_len=QUALIFICATION_TEXTS[field], multiline=True)
        for field in SHEET_TEXTS
    }
    sheet["territory"] = text(data, "territory", max_len=TERRITORY_MAX)
    sheet["insee_code"] = parse_insee_code(data.get("insee_code"))
    sheet["maturity"] = optional_choice(data, "maturity", Maturity)
    return SheetEdit(version=_version(data), sheet=sheet)


def parse_holder(payload: Any) -> HolderEntry:
    """``{"kind", "name", "contact_email"?, "contact_phone"?, "note"?}``: a person, a
    collective or an existing structure, with optional contact details."""
    data = require_mapping(payload)
    kind = data.get("kind") or HolderKind.PERSON.value
    if not isinstance(kind, str) or kind not in {k.value for k in HolderKind}:
        raise ValidationError(_("Please choose one of the options."), field="kind", reason="choice")
    name = text(data, "name", max_len=HOLDER_NAME_MAX, required=True)
    email = text(data, "contact_email", max_len=CONTACT_EMAIL_MAX)
    if email:
        try:
            email = parse_email(email)
        except ValidationError as error:
            raise ValidationError(error.message, field="contact_email", reason="format") from None
    phone = text(data, "contact_phone", max_len=CONTACT_PHONE_MAX)
    if phone and not PHONE_RE.match(phone):
        raise ValidationError(
            _("This phone number is not valid."), field="contact_phone", reason="format"
        )
    note = text(data, "note", max_len=HOLDER_NOTE_MAX, multiline=True)
    return HolderEntry(kind, name, email or None, phone or None, note)


def parse_note(payload: Any) -> str:
    """``{"text"}``: a free note in the project's history."""
    return text(require_mapping(payload), "text", max_len=NOTE_MAX, required=True, multiline=True)


def _date(data: dict[str, Any], field: str) -> dt.date | None:
    value = data.get(field)
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(
            _("Enter a date as YYYY-MM-DD (for example 2026-12-07)."), field=field, reason="format"
        ) from None


def parse_project_filter(args: Any) -> ProjectFilter:
    """The projects list's query: ``stage``, ``territory``, ``session``, ``kind``,
    ``start``/``end`` (dates), ``absent`` and ``merged`` (shown when on). An unknown
    stage, kind or session is left out, like a link gone stale; a date that is not one,
    or a period that ends before it starts, is refused."""
    data = require_mapping(args)
    stage = data.get("stage")
    kind = data.get("kind")
    session = str(data.get("session") or "")
    territory = data.get("territory")
    start, end = _date(data, "start"), _date(data, "end")
    if start and end and end < start:
        raise ValidationError(
            _("The end of the period is before its start."), field="end", reason="range"
        )

    def flag(field: str) -> bool:
        try:
            return bool(boolean(data, field))
        except ValidationError:
            return False

    return ProjectFilter(
        stage=stage if stage in STAGES else None,
        territory=territory[:TERRITORY_MAX] if isinstance(territory, str) else None,
        session_id=int(session) if session.isdigit() and len(session) < 10 else None,
        kind=kind if isinstance(kind, str) and kind in {k.value for k in ProjectKind} else None,
        start=start,
        end=end,
        include_absent=flag("absent"),
        include_merged=flag("merged"),
    )
