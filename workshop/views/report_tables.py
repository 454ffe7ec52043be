"""A funder report as labelled tables, in the reader's language: one source for the
printable page and the workbook, so both always say the same thing.

openpyxl is imported when a workbook is built, not with the app.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..exports.localized import timezone
from ..exports.tables import FORMULA_TRIGGERS
from ..models import Decision, HolderKind
from ..phases import FORMAT_LABELS
from ..services.reports import NOT_GIVEN, FunderReport
from ..stages import STAGE_LABELS
from .js_strings import profile_labels

SOURCE_LABELS = {
    "session": _l("Ideas from sessions"),
    "box": _l("Ideas posted in idea boxes"),
    "relayed": _l("Needs relayed by partners"),
}

HOLDER_KIND_LABELS = {
    HolderKind.PERSON.value: _l("of which people"),
    HolderKind.COLLECTIVE.value: _l("of which collectives"),
    HolderKind.STRUCTURE.value: _l("of which existing structures"),
}

DECISION_LABELS = {
    Decision.PRIORITISED.value: _l("Prioritised projects"),
    Decision.STUDY_FURTHER.value: _l("Projects to study further"),
    Decision.POSTPONED.value: _l("Projects postponed"),
    Decision.DROPPED.value: _l("Projects dropped"),
}


_FORMATS: dict[str, Any] = {str(key): label for key, label in FORMAT_LABELS.items()}


@dataclass(frozen=True)
class ReportTable:
    """One table of the report: ``key`` (stable, for tests and anchors), a caption, a
    sheet name (31 characters at most), column headers and rows; the last row is a
    total when ``total`` is set."""

    key: str
    caption: str
    sheet: str
    headers: list[str]
    rows: list[list[Any]]
    total: bool = False
    note: str = ""


def _day(value: dt.date | None) -> str:
    return format_date(value, format="short") if value is not None else ""


def period_text(report: FunderReport) -> str:
    """« du 01/01/2026 au 31/12/2026 »."""
    text: str = _(
        "from %(start)s to %(end)s",
        start=format_date(report.query.start, format="short"),
        end=format_date(report.query.end, format="short"),
    )
    return text


def generated_text(report: FunderReport) -> str:
    moment = report.generated_at.astimezone(timezone())
    text: str = _("Generated on %(date)s", date=format_date(moment.date(), format="long"))
    return text


def report_tables(report: FunderReport) -> list[ReportTable]:
    """The tables of ``report``, in the order the page and the workbook show them."""
    profiles = profile_labels()
    tables = [
        ReportTable(
            key="sessions",
            caption=_("Sessions held in the period"),
            sheet=_("Sessions held"),
            headers=[_("Session"), _("Date"), _("Territory"), _("Format"), _("Participants")],
            rows=[
                [
                    line.title,
                    _day(line.date),
                    line.territory,
                    str(_FORMATS.get(line.format, line.format)),
                    line.participants,
                ]
                for line in report.sessions
            ]
            + [[_("Total"), "", "", "", report.participants]],
            total=True,
        ),
        ReportTable(
            key="profiles",
            caption=_("Participants by profile"),
            sheet=_("Participants by profile"),
            headers=[_("Participant profile"), _("Participants")],
            rows=[
                [str(profiles.get(key, key)) if key != NOT_GIVEN else _("Profile not given"), count]
                for key, count in report.participants_by_profile.items()
            ]
            + [[_("Total"), report.participants]],
            total=True,
            note=ngettext(
                "Profile not given: people of %(num)d session exported before the profiles "
                "were counted, and people who erased their data.",
                "Profile not given: people of %(num)d sessions exported before the profiles "
                "were counted, and people who erased their data.",
                report.sessions_without_profiles,
            ),
        ),
        ReportTable(
            key="ideas",
            caption=_("Ideas collected by source"),
            sheet=_("Ideas by source"),
            headers=[_("Where the ideas come from"), _("Ideas")],
            rows=[[str(SOURCE_LABELS[k]), n] for k, n in report.ideas_by_source.items()]
            + [[_("Total"), report.ideas]],
            total=True,
        ),
        ReportTable(
            key="stages",
            caption=_("Projects at each stage (today)"),
            sheet=_("Projects by stage"),
            headers=[_("Stage"), _("Projects")],
            rows=[[str(STAGE_LABELS[s]), n] for s, n in report.projects_by_stage.items()]
            + [[_("Total"), report.projects]],
            total=True,
        ),
        ReportTable(
            key="holders",
            caption=_("Holders found"),
            sheet=_("Holders found"),
            headers=[_("What is counted"), _("How many")],
            rows=[
                [_("Projects with at least one holder (today)"), report.projects_with_holder],
                [_("Holders who joined a project in the period"), report.holders_added],
            ]
            + [[str(HOLDER_KIND_LABELS[k]), n] for k, n in report.holders_added_by_kind.items()],
        ),
        ReportTable(
            key="launched",
            caption=_("Projects launched"),
            sheet=_("Projects launched"),
            headers=[_("What is counted"), _("Projects")],
            rows=[
                [_("Launched in the period"), report.launched_in_period],
                [_("Launched in all (today)"), report.launched_total],
            ],
        ),
    ]
    if report.decisions:
        tables.append(
            ReportTable(
                key="decisions",
                caption=_("Decisions of committees in the period"),
                sheet=_("Committee decisions"),
                headers=[_("Committee decision"), _("Projects")],
                rows=[[str(DECISION_LABELS[d]), n] for d, n in report.decisions.items()],
            )
        )
    return tables


def _cell(sheet: Any, value: Any) -> Any:
    """A cell that is never a formula: text a spreadsheet would read as one (a session
    titled « =HYPERLINK(…) ») is stored as text with Excel's quote prefix."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if not text.startswith(FORMULA_TRIGGERS):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def workbook_of(tables: list[ReportTable], report: FunderReport) -> bytes:
    """The report as XLSX bytes: one sheet per table, a title line (the Fabrique, the
    period, the filters, the day it was made), bold headers."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    title = f"{report.fabrique_name} · {period_text(report)}"
    filters = [
        _("Territory: %(territory)s", territory=report.query.territory)
        if report.query.territory
        else "",
        _("Campaign: %(campaign)s", campaign=report.query.campaign)
        if report.query.campaign
        else "",
    ]
    for table in tables:
        sheet = book.create_sheet(table.sheet[:31])
        sheet.column_dimensions["A"].width = 48
        for letter in "BCDE":
            sheet.column_dimensions[letter].width = 18
        heading = WriteOnlyCell(sheet, value=table.caption)
        heading.font = Font(bold=True, size=13)
        sheet.append([heading])
        sheet.append([_cell(sheet, title)])
        sheet.append([_cell(sheet, " · ".join(f for f in filters if f) or generated_text(report))])
        if any(filters):
            sheet.append([_cell(sheet, generated_text(report))])
        sheet.append([])
        header = []
        for label in table.headers:
            cell = WriteOnlyCell(sheet, value=label)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for index, row in enumerate(table.rows):
            if table.total and index == len(table.rows) - 1:
                cells = []
                for value in row:
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.font = bold
                    cells.append(cell)
                sheet.append(cells)
            else:
                sheet.append([_cell(sheet, value) for value in row])
        if table.note:
            sheet.append([])
            sheet.append([_cell(sheet, table.note)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
