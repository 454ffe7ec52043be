"""A cycle's jury payloads: its grid of criteria, a juror invited by link, a juror's
grades of one project, the decision on a project.

The grid, the juror's form and the grades read as a Fabrique committee's do (the same
scale, the same stable keys, the same limits): they are parsed by the committees'
readers, under the names the jury's views and tests use. The decision is the cycle's
own: kept, to rework, or declined (with its reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ..errors import ValidationError
from ..models import ProjectDecision
from .committees import (
    COMMENT_MAX,
    CRITERIA_MAX,
    Criterion,
    Grading,
    NewMember,
    criteria_rows,
    criterion_key,
    parse_criteria,
    parse_grading,
    parse_member_form,
)
from .fields import choice, require_mapping, text

__all__ = [
    "COMMENT_MAX",
    "CRITERIA_MAX",
    "REASON_MAX",
    "Criterion",
    "DecisionForm",
    "Grading",
    "NewJuror",
    "jury_criteria_rows",
    "parse_decision",
    "parse_jury_criteria",
    "parse_juror_form",
    "parse_jury_grading",
    "parse_open",
]

REASON_MAX = 2000

#: A juror is invited like a committee member: a name, an optional email, a role.
NewJuror = NewMember


@dataclass(frozen=True)
class DecisionForm:
    """The decision on a project: ``kept``, ``rework`` or ``declined``; a declined
    project always says why."""

    decision: str
    reason: str


def jury_criteria_rows(form: Any) -> list[dict[str, Any]]:
    """The grid's rows from the posted form (``key``, ``label``, ``description`` repeated
    in order; ``remove`` names the keys ticked to remove)."""
    return criteria_rows(form)


def parse_jury_criteria(rows: Any, existing: list[dict[str, Any]] | None) -> list[Criterion]:
    """The grid to save: a kept row keeps its key (grades refer to it), a new row gets a
    key made from its label, a removed row is dropped; at least one criterion, at most
    :data:`CRITERIA_MAX`, no name twice.

    A new row never takes the key of a criterion of ``existing`` (one removed in the
    same save, say, and named again): its grades would count for the new one.
    """
    criteria = parse_criteria(rows, existing)
    known = {str(c.get("key")) for c in existing or []}
    kept = {
        str(row.get("key"))
        for row in rows
        if isinstance(row, dict) and row.get("key") and row.get("remove") not in ("1", "on", True)
    }
    taken = known | {c.key for c in criteria}
    renamed = []
    for criterion in criteria:
        if criterion.key in known and criterion.key not in kept:
            key = criterion_key(criterion.label, taken)
            taken.add(key)
            criterion = Criterion(key, criterion.label, criterion.description)
        renamed.append(criterion)
    return renamed


def parse_juror_form(payload: Any) -> NewJuror:
    """``{"name", "email", "role"}``: a name; an email (optional) is for the
    facilitators' records, nothing is sent to it."""
    return parse_member_form(payload)


def parse_jury_grading(payload: Any, keys: list[str]) -> Grading:
    """A juror's form for one project: ``grade-<key>`` per criterion, ``"0"`` (« à
    rejeter ») … ``"6"`` (« excellent ») or empty (not graded), and ``comment``."""
    return parse_grading(payload, keys)


def parse_decision(payload: Any) -> DecisionForm:
    """``{"decision", "reason"}``: ``decision`` one of :class:`ProjectDecision`; a
    declined project needs its reason (it is told to its holder)."""
    data = require_mapping(payload)
    decision = choice(data, "decision", ProjectDecision)
    reason = text(data, "reason", max_len=REASON_MAX, multiline=True)
    if decision == ProjectDecision.DECLINED and not reason:
        raise ValidationError(
            _("Say why the project is declined: its holder will read it."),
            field="reason",
            reason="required",
        )
    return DecisionForm(decision=decision, reason=reason)


def parse_open(payload: Any) -> bool:
    """``{"open": "1" | "0"}``: whether jurors may grade."""
    data = require_mapping(payload)
    value = data.get("open")
    if value not in ("0", "1"):
        raise ValidationError(_("Please choose one of the options."), field="open", reason="choice")
    return bool(value == "1")
