"""The tables as people read them: the Excel flavour (``csv-excel``, ``xlsx``) and the report.

The open-data CSV (``csv``) and the JSON keep stable English column names and values and
UTC times, as their schemas say. The Excel flavour is for reading in a spreadsheet in
the current language (French by default): headers, states, stages, kinds and booleans go
through the catalogue, and times are local (``TIMEZONE``, Europe/Paris by default).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date
from flask import current_app, has_app_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..majority import GRADE_LABELS
from ..models import IdeaStatus, Profile
from ..phases import KIND_LABELS, PhaseKind
from ..stages import MATURITY_LABELS, STAGE_LABELS
from .tables import GRADE_KEYS, field_names, rows

DEFAULT_TIMEZONE = "Europe/Paris"
# A cell's local date and time in the Excel flavour, as French spreadsheets write it.
DATETIME_TEXT = "%d/%m/%Y %H:%M"
DATETIME_NUMBER_FORMAT = "DD/MM/YYYY HH:MM"

# Column headers; a table may name one of its columns its own way.
_COLUMNS: dict[str, Any] = {
    "id": _l("No."),
    "reference": _l("Reference"),
    "title": _l("Title"),
    "body": _l("Description"),
    "position": _l("Position"),
    "ideas_count": _l("Ideas"),
    "votes": _l("Votes"),
    "rank": _l("Rank"),
    "stage": _l("Follow-up stage"),
    "volunteers_count": _l("Volunteers"),
    "need": _l("Need"),
    "state": _l("State"),
    "challenge_id": _l("Challenge no."),
    "challenge_title": _l("Challenge"),
    "merged_into_id": _l("Merged into idea no."),
    "author_name": _l("Author"),
    "published_at": _l("Posted on"),
    "details": _l("Other columns of the imported file"),
    "phase_id": _l("Step no."),
    "phase_title": _l("Step"),
    "target": _l("Concerns"),
    "item_id": _l("No."),
    "item_title": _l("Title"),
    "voters": _l("Voters"),
    "frozen_at": _l("Frozen on"),
    "target_id": _l("No."),
    "need_who": _l("Social need: who"),
    "need_where": _l("Social need: where"),
    "need_evidence": _l("Social need: evidence"),
    "target_public": _l("Target public"),
    "territory": _l("Territory"),
    "insee_code": _l("INSEE code"),
    "solution": _l("Envisaged solution"),
    "existing_offer": _l("Existing offer nearby"),
    "partners": _l("Actors and partners to involve"),
    "economic_potential": _l("Economic potential"),
    "potential_holders": _l("Potential project holders"),
    "maturity": _l("Maturity"),
    "next_step": _l("Next step"),
    "abandon_reason": _l("Why it was abandoned"),
    "updated_at": _l("Last change"),
    "consent_contact": _l("Agrees to be contacted"),
    "contact_name": _l("Name"),
    "contact_email": _l("Email"),
    "contact_phone": _l("Phone"),
    "number": _l("Table number"),
    "capacity": _l("Seats"),
    "has_host": _l("Has a host"),
    "seated": _l("People seated"),
    "seated_citizen": _l("of whom citizens"),
    "seated_elected": _l("of whom elected officials"),
    "seated_association": _l("of whom associations"),
    "seated_business": _l("of whom businesses"),
    "seated_project_holder": _l("of whom project holders"),
    "seated_other": _l("of whom others"),
    "rounds": _l("Rounds"),
    "contributions": _l("Contributions"),
    "synthesis": _l("Synthesis"),
    "synthesis_done": _l("Synthesis done"),
    "carry_offers": _l("Offers to carry the challenge"),
    "table_id": _l("Table id"),
    "table_number": _l("Table number"),
    "kind_label": _l("Kind of contribution"),
    "text": _l("Contribution"),
    "round": _l("Round"),
    "hidden": _l("Hidden by the host"),
    "on_behalf": _l("Typed by the host for someone"),
    "majority_grade": _l("Majority grade"),
}
_TABLE_COLUMNS: dict[tuple[str, str], Any] = {
    ("phases", "kind"): _l("Kind of step"),
    ("volunteers", "kind"): _l("Offer"),
    ("tables", "kept"): _l("Contributions kept"),
    ("contributions", "kept"): _l("Kept by the table"),
    ("contributions", "kind"): _l("Kind (key)"),
}

# The grades sheet: one column per grade, headed by the grade in words.
_TABLE_COLUMNS |= {
    ("grades", f"grades_{key}"): label
    for (key, _words), label in zip(GRADE_KEYS, GRADE_LABELS, strict=True)
}

# What a volunteer offered, after their name (the report and the portfolio's idea pages).
VOLUNTEER_LABELS = {
    "hold": _l("could carry this project"),
    "contribute": _l("wants to contribute"),
    "follow": _l("wants to be kept informed"),
}
STATE_LABELS = {
    IdeaStatus.VISIBLE.value: _l("Visible"),
    IdeaStatus.PENDING.value: _l("Waiting for approval"),
    IdeaStatus.HIDDEN.value: _l("Hidden by moderation"),
    IdeaStatus.WITHDRAWN.value: _l("Withdrawn by its author"),
    IdeaStatus.MERGED.value: _l("Merged into another idea"),
}
TARGET_LABELS = {"challenge": _l("Challenge"), "idea": _l("Idea")}
_YES, _NO = _l("yes"), _l("no")
_KINDS = {kind.value: label for kind, label in KIND_LABELS.items()}
# Columns whose values are words of the domain, by table (None: every table).
_VALUES: dict[tuple[str | None, str], dict[Any, Any]] = {
    (None, "state"): STATE_LABELS,
    (None, "target"): TARGET_LABELS,
    (None, "stage"): STAGE_LABELS,
    (None, "maturity"): MATURITY_LABELS,
    ("phases", "kind"): _KINDS,
    ("volunteers", "kind"): VOLUNTEER_LABELS,
    ("grades", "majority_grade"): dict(enumerate(GRADE_LABELS)),
}
_DATETIMES = {"published_at", "frozen_at", "updated_at"}
assert {p.value for p in Profile} == {  # noqa: S101 - every profile has a column header
    c.removeprefix("seated_") for c in _COLUMNS if c.startswith("seated_")
}
assert {k.value for k in PhaseKind} == set(_KINDS)  # noqa: S101 - every kind has a label


@lru_cache(maxsize=8)
def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if has_app_context():
            current_app.logger.warning("Unknown WORKSHOP_TIMEZONE %r: exports use UTC", name)
        return dt.UTC


def timezone() -> dt.tzinfo:
    """The time zone of the people reading the exports (``TIMEZONE``)."""
    configured = current_app.config.get("TIMEZONE") if has_app_context() else None
    return _zone(str(configured or DEFAULT_TIMEZONE))


def local_time(value: str | None) -> dt.datetime | None:
    """An export's UTC time (``2026-03-21T13:05:00Z``) as a naive local date and time,
    as spreadsheets hold them (they have no time zones)."""
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(timezone()).replace(tzinfo=None)


def long_date(value: str | None) -> str:
    """A date (``2026-03-21``) or an export's time as people write it: « samedi 21 mars
    2026 » (in local time for a time)."""
    if not value:
        return ""
    locale = str(get_locale() or "fr")
    if len(value) == 10:
        return format_date(dt.date.fromisoformat(value), format="full", locale=locale)
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return format_date(moment.astimezone(timezone()).date(), format="full", locale=locale)


def headers(name: str) -> list[str]:
    """Table ``name``'s column headers in the current language."""
    return [str(_TABLE_COLUMNS.get((name, c)) or _COLUMNS[c]) for c in field_names(name)]


def _value(name: str, column: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(_YES if value else _NO)
    if column in _DATETIMES:
        return local_time(value)
    labels = _VALUES.get((name, column)) or _VALUES.get((None, column))
    if labels is not None and isinstance(value, str | int):
        return str(labels[value]) if value in labels else value
    return value


def localized_rows(document: dict[str, Any], name: str) -> Iterator[list[Any]]:
    """Table ``name``'s rows for people: words of the domain translated, booleans as
    yes/no, times as naive local :class:`~datetime.datetime` (text and numbers as they
    are)."""
    columns = field_names(name)
    for row in rows(document, name):
        yield [_value(name, column, row[column]) for column in columns]
