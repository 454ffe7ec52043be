"""The XLSX workbook of an export: one sheet per table, the same columns as the CSV files,
for people as the Excel CSV files are (:mod:`.localized`): headers and values in the
current language, times as real date cells in local time (« 21/03/2026 14:05 »).

Text cells are always typed as text, never as formulas; those a spreadsheet would read
as a formula (starting with ``= + - @``, a tab or a line break) also carry Excel's
"quote prefix" style, the stored form of a typed leading apostrophe: the text stays
exactly as written and stays text when the cell is edited.

openpyxl (about 22 MB) is imported when a workbook is built, not with the app: a server
that never exports one never loads it.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _

from .localized import DATETIME_NUMBER_FORMAT, headers, localized_rows
from .tables import FORMULA_TRIGGERS, TABLE_NAMES, field_names

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet


def sheet_titles() -> dict[str, str]:
    """Sheet names, in the current language (31 characters at most, Excel's limit)."""
    return {
        "challenges": _("Challenges"),
        "ideas": _("Ideas"),
        "votes": _("Votes"),
        "grades": _("Majority judgment"),
        "qualifications": _("Qualifications"),
        "volunteers": _("Volunteers"),
        "phases": _("Agenda"),
        "tables": _("Tables"),
        "contributions": _("Contributions"),
    }


def _cell(sheet: Worksheet, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_NUMBER_FORMAT
        return cell
    if not isinstance(value, str):
        return value
    # XML 1.0 cannot hold most control characters; stored text has none (they are
    # removed at input), this only keeps a stray one from breaking the workbook.
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if not text.startswith(FORMULA_TRIGGERS):
        return text  # openpyxl types it as text (only a leading "=" makes a formula)
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # never a formula, whatever the text starts with
    cell.quotePrefix = True
    return cell


def workbook(document: dict[str, Any]) -> bytes:
    """The workbook of ``document`` as XLSX bytes."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    titles = sheet_titles()
    order = (
        "challenges",
        "ideas",
        "votes",
        "grades",
        "qualifications",
        "volunteers",
        "tables",
        "contributions",
        "phases",
    )
    assert set(order) == set(TABLE_NAMES)  # noqa: S101 - a new table needs a sheet
    bold = Font(bold=True)
    for name in order:
        sheet = book.create_sheet(titles[name][:31])
        columns = field_names(name)
        sheet.freeze_panes = "A2"
        for index, column in enumerate(columns, start=1):
            wide = column in (
                "title",
                "body",
                "need",
                "challenge_title",
                "item_title",
                "synthesis",
                "text",
            )
            width = 40 if wide else 17 if column.endswith("_at") else 14
            sheet.column_dimensions[get_column_letter(index)].width = width
        header = []
        for label in headers(name):
            cell = WriteOnlyCell(sheet, value=label)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for values in localized_rows(document, name):
            sheet.append([_cell(sheet, value) for value in values])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
