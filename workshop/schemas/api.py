"""What the Fabrique's tools send to ``/api/v1/``: the filters of a project list, the
changes of a project (``PATCH /projects/{id}``) and of a candidate, a committee's
decision, checked before any service runs.

Every refusal is a :class:`~workshop.errors.ValidationError` naming the field (``sheet.<key>``
inside the sheet), so a tool can tell its user what to fix; an unknown field is refused
rather than ignored, since a misspelt field silently ignored would be a lost change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from ..errors import ValidationError
from ..models import Maturity
from ..stages import STAGES, abandon_reason_for
from .candidates import MetCandidate, parse_met_candidate
from .committees import DecisionForm, parse_decision
from .fields import TERRITORY_MAX, boolean, integer, optional_choice, require_mapping, text
from .follow_up import QUALIFICATION_TEXTS, parse_insee_code
from .projects import HolderEntry, parse_holder, parse_note

PER_PAGE_DEFAULT = 100
PER_PAGE_MAX = 500
PAGE_MAX = 1_000_000
PROJECT_KINDS = ("challenge", "idea", "box", "relayed")
ABANDON_REASON_MAX = 2000
# What a tool may change of a project's qualification sheet (its stage and the reason to
# abandon it are the project's own fields, at the top of the payload).
SHEET_TEXTS = {key: limit for key, limit in QUALIFICATION_TEXTS.items() if key != "abandon_reason"}
SHEET_FIELDS = (*SHEET_TEXTS, "territory", "insee_code", "maturity")
PATCH_FIELDS = ("version", "stage", "abandon_reason", "sheet")


@dataclass(frozen=True)
class Page:
    """Which page of a list: ``offset`` and ``limit`` for the query."""

    page: int = 1
    per_page: int = PER_PAGE_DEFAULT

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class ProjectQuery:
    """The filters of ``GET /projects``: ``None`` leaves a criterion out; projects no
    longer in their session's export and projects merged into another are left out
    unless asked for."""

    stage: str | None = None
    territory: str | None = None
    session_uid: str | None = None
    kind: str | None = None
    updated_since: dt.datetime | None = None
    include_absent: bool = False
    include_merged: bool = False
    page: Page = field(default_factory=Page)


@dataclass(frozen=True)
class ProjectPatch:
    """A tool's change of a project, made from ``version``: a new ``stage`` (with its
    ``abandon_reason`` when abandoned) and/or the ``sheet`` fields given (the others
    keep their value)."""

    version: int
    stage: str | None = None
    abandon_reason: str = ""
    sheet: dict[str, Any] = field(default_factory=dict)


def _only(data: dict[str, Any], known: tuple[str, ...]) -> dict[str, Any]:
    """``data`` when each of its fields is one of ``known``; else the first unknown one
    is refused by name."""
    for key in data:
        if key not in known:
            raise ValidationError(
                _("This field is not known here."), field=str(key), reason="unknown"
            )
    return data


def _whole_number(data: dict[str, Any], name: str) -> int:
    """A required JSON integer of at least 1 (not a string of digits: a tool sends
    numbers as numbers)."""
    value = data.get(name)
    if value is not None and not isinstance(value, int):
        raise ValidationError(_("This field must be a whole number."), field=name, reason="type")
    number = integer(data, name, minimum=1)
    assert number is not None  # noqa: S101 - required by integer()
    return number


def _choice_of(data: dict[str, Any], name: str, options: tuple[str, ...]) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if value not in options:
        raise ValidationError(_("Please choose one of the options."), field=name, reason="choice")
    return str(value)


def parse_page(args: dict[str, Any]) -> Page:
    """``page`` (from 1) and ``per_page`` (1 to 500, 100 when absent) of a list."""
    page = integer(args, "page", minimum=1, maximum=PAGE_MAX, required=False)
    per_page = integer(args, "per_page", minimum=1, maximum=PER_PAGE_MAX, required=False)
    return Page(page or 1, per_page or PER_PAGE_DEFAULT)


def parse_since(args: dict[str, Any], name: str) -> dt.datetime | None:
    """An RFC 3339 time (``2026-12-01T09:00:00Z``) or a date (from its midnight, UTC);
    a time without an offset is read as UTC."""
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    value = None
    if isinstance(raw, str) and len(raw) <= 40:
        try:
            value = dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            value = None
    if value is None:
        raise ValidationError(
            _("Give a date and time such as 2026-12-01T09:00:00Z."), field=name, reason="format"
        )
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _flag(args: dict[str, Any], name: str) -> bool:
    return bool(boolean(args, name))


def parse_project_query(args: dict[str, Any]) -> ProjectQuery:
    """The query string of ``GET /projects`` (``request.args``, one value per name)."""
    territory = args.get("territory")
    session = args.get("session")
    return ProjectQuery(
        stage=_choice_of(args, "stage", STAGES),
        territory=None if territory is None else text(args, "territory", max_len=TERRITORY_MAX),
        session_uid=None if not session else text(args, "session", max_len=64),
        kind=_choice_of(args, "kind", PROJECT_KINDS),
        updated_since=parse_since(args, "updated_since"),
        include_absent=_flag(args, "include_absent"),
        include_merged=_flag(args, "include_merged"),
        page=parse_page(args),
    )


def _parse_sheet(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValidationError(_("This field must be an object."), field="sheet", reason="type")
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        name = f"sheet.{key}"
        if key in SHEET_TEXTS:
            changes[key] = text({name: value}, name, max_len=SHEET_TEXTS[key], multiline=True)
        elif key == "territory":
            changes[key] = text({name: value}, name, max_len=TERRITORY_MAX)
        elif key == "insee_code":
            try:
                changes[key] = parse_insee_code(value)
            except ValidationError as error:
                error.details["field"] = name
                raise
        elif key == "maturity":
            changes[key] = optional_choice({name: value}, name, Maturity)
        else:
            raise ValidationError(_("This field is not known here."), field=name, reason="unknown")
    return changes


def parse_project_patch(payload: Any) -> ProjectPatch:
    """``{"version", "stage"?, "abandon_reason"?, "sheet"?: {<sheet field>: value}}``.

    ``version`` is the project's version the change was made from (the service answers
    ``conflict`` when someone changed it meanwhile). An abandoned stage needs its reason;
    a reason alone (without the stage) is refused, as is a change of nothing.
    """
    data = _only(require_mapping(payload), PATCH_FIELDS)
    version = _whole_number(data, "version")
    stage = _choice_of(data, "stage", STAGES)
    reason = text(data, "abandon_reason", max_len=ABANDON_REASON_MAX, multiline=True)
    if stage is None and "abandon_reason" in data:
        raise ValidationError(
            _("Send the stage with the reason to abandon."), field="stage", reason="required"
        )
    sheet = _parse_sheet(data["sheet"]) if "sheet" in data else {}
    if stage is None and not sheet:
        raise ValidationError(
            _("Nothing to change: give a stage or fields of the sheet."),
            field="stage",
            reason="required",
        )
    return ProjectPatch(
        version=version,
        stage=stage,
        abandon_reason=abandon_reason_for(stage, reason or None) if stage else "",
        sheet=sheet,
    )


CANDIDATE_STATUSES = ("received", "met", "selected", "not_selected")
CANDIDATE_FIELDS = ("status", "notes")
CANDIDATE_NOTES_MAX = 4000


@dataclass(frozen=True)
class CandidatePatch:
    """A tool's change of a candidate: a new ``status`` (``selected`` is the choice of
    the holder) and/or new ``notes``; ``None`` keeps what is there."""

    status: str | None = None
    notes: str | None = None


def parse_candidate_patch(payload: Any) -> CandidatePatch:
    """``{"status"?, "notes"?}``, at least one of them."""
    data = _only(require_mapping(payload), CANDIDATE_FIELDS)
    status = _choice_of(data, "status", CANDIDATE_STATUSES)
    notes = (
        text(data, "notes", max_len=CANDIDATE_NOTES_MAX, multiline=True)
        if "notes" in data
        else None
    )
    if status is None and notes is None:
        raise ValidationError(
            _("Nothing to change: give a status or notes."), field="status", reason="required"
        )
    return CandidatePatch(status, notes)


DECISION_FIELDS = ("item_id", "decision", "reason", "stage")


@dataclass(frozen=True)
class ItemDecision:
    """A committee's decision a tool records on an agenda item of a project."""

    item_id: int
    form: DecisionForm


def parse_item_decision(payload: Any) -> ItemDecision:
    """``{"item_id", "decision", "reason"?, "stage"?}``: the agenda item (one of the
    project's, listed as ``pending``), then the decision as a member records it."""
    data = _only(require_mapping(payload), DECISION_FIELDS)
    return ItemDecision(_whole_number(data, "item_id"), parse_decision(data))


NEW_CANDIDATE_FIELDS = ("name", "email", "phone", "structure", "notes")


def parse_new_candidate(payload: Any) -> MetCandidate:
    """``{"name", "email"?, "phone"?, "structure"?, "notes"?}``: a candidate met
    elsewhere, as a member enters one (:func:`.candidates.parse_met_candidate`)."""
    return parse_met_candidate(_only(require_mapping(payload), NEW_CANDIDATE_FIELDS))


NEW_HOLDER_FIELDS = ("name", "kind", "contact_email", "contact_phone", "note")


def parse_new_holder(payload: Any) -> HolderEntry:
    """``{"name", "kind"?, "contact_email"?, "contact_phone"?, "note"?}``: a holder as a
    member enters one (:func:`.projects.parse_holder`)."""
    return parse_holder(_only(require_mapping(payload), NEW_HOLDER_FIELDS))


def parse_new_note(payload: Any) -> str:
    """``{"text"}``: a note in the project's history (:func:`.projects.parse_note`)."""
    return parse_note(_only(require_mapping(payload), ("text",)))
