"""Committee payloads: a committee, its grid of criteria, a member invited by link, a
meeting and its agenda, a member's grades, a decision."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..errors import ValidationError
from ..majority import SCALE
from ..models import CommitteeKind, Decision
from ..stages import STAGES
from .fields import choice, identifier, parse_email, require_mapping, text

NAME_MAX = 140
MEMBER_NAME_MAX = 80
ROLE_MAX = 80
PLACE_MAX = 200
CRITERION_LABEL_MAX = 80
CRITERION_DESCRIPTION_MAX = 300
CRITERIA_MAX = 12
COMMENT_MAX = 2000
REASON_MAX = 2000
KEY_MAX = 40

#: The grid a new committee starts from: (key, label, description).
DEFAULT_CRITERIA: tuple[tuple[str, Any, Any], ...] = (
    ("besoin-social", _l("Social need"), _l("Is there a real, documented need on the territory?")),
    (
        "potentiel-economique",
        _l("Economic potential"),
        _l("Can the activity find a model that makes it last?"),
    ),
    (
        "ancrage-territorial",
        _l("Territorial roots"),
        _l("Does it rely on local resources, people and partners?"),
    ),
    ("faisabilite", _l("Feasibility"), _l("Can it be done with reasonable means and time?")),
    (
        "engagement-partenaires",
        _l("Partners' commitment"),
        _l("Are partners ready to commit (collectivités, associations, companies)?"),
    ),
)

#: The roles offered when a member is added (free text is accepted too).
MEMBER_ROLES = (
    _l("Elected representative"),
    _l("Expert"),
    _l("Partner"),
    _l("Funder"),
    _l("Fabrique staff"),
)


@dataclass(frozen=True)
class NewCommittee:
    name: str
    kind: str
    project_id: int | None


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    description: str

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "label": self.label, "description": self.description}


@dataclass(frozen=True)
class NewMember:
    name: str
    email: str | None
    role: str


@dataclass(frozen=True)
class MeetingForm:
    title: str
    date: dt.date
    place: str


@dataclass(frozen=True)
class Grading:
    """A member's grades of one agenda item (criterion key → grade; a criterion left
    empty is not graded) and their comment on it."""

    grades: dict[str, int | None]
    comment: str


@dataclass(frozen=True)
class DecisionForm:
    decision: str
    reason: str
    stage: str | None


def default_criteria() -> list[dict[str, str]]:
    """The default grid, its labels in the current language (stored as typed: a
    committee's grid is its own words from then on)."""
    return [
        Criterion(key, str(label), str(description)).as_dict()
        for key, label, description in DEFAULT_CRITERIA
    ]


def parse_committee_form(payload: Any) -> NewCommittee:
    """``{"name", "kind", "project_id"}``: a per-project committee names its project."""
    data = require_mapping(payload)
    name = text(data, "name", max_len=NAME_MAX, required=True)
    kind = choice(data, "kind", CommitteeKind)
    project_id = identifier(data, "project_id", required=kind == CommitteeKind.PROJECT)
    return NewCommittee(name=name, kind=kind, project_id=project_id)


def criterion_key(label: str, taken: set[str]) -> str:
    """A stable key for a new criterion made from its ``label`` (« Faisabilité » gives
    ``faisabilite``), not one of ``taken``."""
    plain = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[: KEY_MAX - 4] or "critere"
    key, number = base, 2
    while key in taken:
        key = f"{base}-{number}"
        number += 1
    return key


def parse_criteria(rows: Any, existing: list[dict[str, Any]] | None = None) -> list[Criterion]:
    """The grid as the form sends it: a list of ``{"key", "label", "description",
    "remove"}`` rows. A row keeps its key (grades refer to it) when that key is one of
    ``existing``; a new row (no key) gets one made from its label; an empty new row is
    ignored; a removed row is dropped. At least one criterion, at most
    :data:`CRITERIA_MAX`, no label twice."""
    if not isinstance(rows, list):
        raise ValidationError(_("The request is not in the expected format."), field="criteria")
    known = {str(c.get("key")) for c in existing or []}
    kept: list[tuple[str | None, str, str]] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ValidationError(_("The request is not in the expected format."), field="criteria")
        field = f"label-{index}"
        label = text({field: row.get("label")}, field, max_len=CRITERION_LABEL_MAX)
        description = text(
            {f"description-{index}": row.get("description")},
            f"description-{index}",
            max_len=CRITERION_DESCRIPTION_MAX,
        )
        key = row.get("key") or None
        if key is not None and (not isinstance(key, str) or key not in known or key in seen):
            raise ValidationError(_("The request is not in the expected format."), field="criteria")
        if key is not None:
            seen.add(key)
        if row.get("remove") in ("1", "on", True):
            continue
        if not label:
            if key is None and not description:
                continue  # the empty line offered to add one
            raise ValidationError(
                _("Give each criterion a name (or tick « remove »)."),
                field=field,
                reason="required",
            )
        kept.append((key, label, description))
    if not kept:
        raise ValidationError(
            _("The grid needs at least one criterion."), field="criteria", reason="empty"
        )
    if len(kept) > CRITERIA_MAX:
        raise ValidationError(
            _("A grid has %(max)d criteria at most.", max=CRITERIA_MAX),
            field="criteria",
            reason="too_many",
        )
    labels = [label.casefold() for _key, label, _description in kept]
    if len(set(labels)) != len(labels):
        raise ValidationError(
            _("Two criteria have the same name."), field="criteria", reason="duplicate"
        )
    # A new row never takes the key of a criterion of ``existing``, kept or removed now:
    # the grades given on a removed one would count for the new one.
    taken = known | {key for key, _label, _description in kept if key}
    criteria = []
    for key, label, description in kept:
        if key is None:
            key = criterion_key(label, taken)
            taken.add(key)
        criteria.append(Criterion(key, label, description))
    return criteria


def criteria_rows(form: Any) -> list[dict[str, Any]]:
    """The grid's rows from a posted form (``key``, ``label``, ``description`` repeated
    in order, ``remove`` naming the keys ticked to remove)."""
    keys = form.getlist("key")
    labels = form.getlist("label")
    descriptions = form.getlist("description")
    removed = set(form.getlist("remove"))
    if not len(keys) == len(labels) == len(descriptions):
        raise ValidationError(_("The request is not in the expected format."), field="criteria")
    return [
        {
            "key": key,
            "label": label,
            "description": description,
            "remove": bool(key) and key in removed,
        }
        for key, label, description in zip(keys, labels, descriptions, strict=True)
    ]


def parse_agenda_item(payload: Any) -> int:
    """``{"project_id"}``: the project put on a meeting's agenda."""
    data = require_mapping(payload)
    project_id = identifier(data, "project_id")
    assert project_id is not None  # noqa: S101 - required above
    return project_id


def parse_member_form(payload: Any) -> NewMember:
    """``{"name", "email", "role"}``: a name; an email is optional (nothing is sent)."""
    data = require_mapping(payload)
    name = text(data, "name", max_len=MEMBER_NAME_MAX, required=True)
    raw_email = text(data, "email", max_len=254)
    email = parse_email(raw_email) if raw_email else None
    role = text(data, "role", max_len=ROLE_MAX)
    return NewMember(name=name, email=email, role=role)


def parse_meeting_form(payload: Any) -> MeetingForm:
    """``{"title", "date", "place"}``: a date as the date field sends it (YYYY-MM-DD)."""
    data = require_mapping(payload)
    title = text(data, "title", max_len=NAME_MAX, required=True)
    raw = text(data, "date", max_len=10, required=True)
    try:
        date = dt.date.fromisoformat(raw) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw) else None
    except ValueError:
        date = None
    if date is None:
        raise ValidationError(
            _("Give a date as day, month and year (for example 2027-01-14)."),
            field="date",
            reason="format",
        )
    place = text(data, "place", max_len=PLACE_MAX)
    return MeetingForm(title=title, date=date, place=place)


def parse_grading(payload: Any, keys: list[str]) -> Grading:
    """A member's form for one project: ``grade-<key>`` for each criterion key, a grade
    of the scale (``"0"`` … ``"6"``) or nothing (not graded), and ``comment``."""
    data = require_mapping(payload)
    grades: dict[str, int | None] = {}
    allowed = {str(grade): grade for grade in SCALE}
    for key in keys:
        field = f"grade-{key}"
        value = data.get(field)
        if value in (None, ""):
            grades[key] = None
        elif isinstance(value, str) and value in allowed:
            grades[key] = allowed[value]
        elif isinstance(value, int) and not isinstance(value, bool) and value in SCALE:
            grades[key] = value
        else:
            raise ValidationError(
                _("Please choose one of the grades."), field=field, reason="choice"
            )
    comment = text(data, "comment", max_len=COMMENT_MAX, multiline=True)
    return Grading(grades=grades, comment=comment)


def parse_decision(payload: Any) -> DecisionForm:
    """``{"decision", "reason", "stage"}``: a dropped project says why; ``stage`` (a
    new follow-up stage, optional) is ignored when dropped (the project is abandoned)."""
    data = require_mapping(payload)
    decision = choice(data, "decision", Decision)
    reason = text(data, "reason", max_len=REASON_MAX, multiline=True)
    if decision == Decision.DROPPED and not reason:
        raise ValidationError(
            _("Say why the project is dropped (for example « faute de potentiel »)."),
            field="reason",
            reason="required",
        )
    stage = data.get("stage") or None
    if stage is not None and stage not in STAGES:
        raise ValidationError(
            _("Please choose one of the options."), field="stage", reason="choice"
        )
    if decision == Decision.DROPPED:
        stage = None
    elif stage == "abandoned":
        raise ValidationError(
            _("To abandon the project, choose the decision « dropped » with its reason."),
            field="stage",
            reason="choice",
        )
    return DecisionForm(decision=decision, reason=reason, stage=stage)
