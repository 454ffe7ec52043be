"""Reading a CSV of ideas collected before a session, to import them into a workshop.

The file is the one ``flask --app workshop ideas suggest-groups`` reads (see
:mod:`workshop.grouping.ideas_csv`): a header row naming an ``id`` column and a ``text``
column, any delimiter among ``,`` ``;`` and tab, UTF-8 with or without a BOM. Optional
columns: ``description`` and ``need``. The ``ideas.csv`` of an export is accepted too
(``title`` stands for ``text``, ``body`` for ``description``).

Unlike the grouping reader this one checks every line as a posted idea is checked
(:func:`workshop.schemas.parse_new_idea`) and reports every faulty line at once, with
translated messages, so that a facilitator can fix the file in one go. The ``id`` of a
line gives the idea a stable ``client_id``: importing the same file again adds nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass

from flask_babel import gettext as _

from ..errors import ValidationError
from ..schemas import NewIdea, parse_new_idea

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_ID_LENGTH = 200
# Lines reported in one error at most (the count of faulty lines is always given).
MAX_REPORTED = 50
_DELIMITERS = ",;\t"
_ALIASES = {"text": ("text", "title"), "description": ("description", "body"), "need": ("need",)}


@dataclass(frozen=True)
class ImportRow:
    line: int
    row_id: str
    idea: NewIdea


def client_id_for(row_id: str) -> str:
    """The idempotency key of the idea imported from a line with id ``row_id``."""
    return "csv-" + hashlib.sha256(row_id.encode("utf-8")).hexdigest()[:40]


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ValidationError(
            _("This file is too large (%(max)d MB at most).", max=MAX_BYTES // (1024 * 1024)),
            field="file",
            reason="too_large",
        )
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            _(
                "This file is not in UTF-8 (byte %(byte)d). In your spreadsheet, save it as "
                "« CSV UTF-8 ».",
                byte=error.start,
            ),
            field="file",
            reason="encoding",
            byte=error.start,
        ) from None
    if not content.strip():
        raise ValidationError(_("This file is empty."), field="file", reason="empty")
    return content.lstrip()


def _column(header: list[str], name: str) -> int | None:
    for alias in _ALIASES.get(name, (name,)):
        if alias in header:
            return header.index(alias)
    return None


def parse_ideas_csv(data: bytes) -> list[ImportRow]:
    """The ideas of a CSV file, checked line by line.

    Raises :class:`ValidationError` (``details.reason``: ``encoding``, ``empty``,
    ``too_large``, ``not_csv``, ``missing_column``, ``too_many_rows``, ``no_rows`` or
    ``lines``, the last with ``details.errors``: one ``{"line", "column", "reason",
    "message"}`` per faulty line, and ``details.count``).
    """
    content = _decode(data)
    try:
        delimiter = csv.Sniffer().sniff(content.splitlines()[0], delimiters=_DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [cell.strip().lower() for cell in next(reader)]
        id_col, text_col = _column(header, "id"), _column(header, "text")
        for name, found in (("id", id_col), ("text", text_col)):
            if found is None:
                raise ValidationError(
                    _(
                        "The file has no « %(column)s » column. The first line must name "
                        "the columns: id and text (description and need are optional).",
                        column=name,
                    ),
                    field="file",
                    reason="missing_column",
                    column=name,
                )
        assert id_col is not None and text_col is not None  # noqa: S101 - checked above
        description_col, need_col = _column(header, "description"), _column(header, "need")
        rows: list[ImportRow] = []
        errors: list[dict[str, object]] = []
        seen: dict[str, int] = {}
        count = 0
        last_line = reader.line_num
        for cells in reader:
            # A quoted cell may span lines: a record is named by the line it starts on.
            line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            count += 1
            if count > MAX_ROWS:
                raise ValidationError(
                    _("This file has more than %(max)d ideas. Split it.", max=MAX_ROWS),
                    field="file",
                    reason="too_many_rows",
                    max=MAX_ROWS,
                )

            def get(index: int | None, cells: list[str] = cells) -> str:
                return cells[index] if index is not None and index < len(cells) else ""

            row_id = get(id_col).strip()
            problem: tuple[str, str, str] | None = None
            if not row_id:
                problem = ("id", "required", _("The id is empty."))
            elif len(row_id) > MAX_ID_LENGTH:
                problem = (
                    "id",
                    "too_long",
                    _("The id is too long (%(max)d characters at most).", max=MAX_ID_LENGTH),
                )
            elif row_id in seen:
                problem = (
                    "id",
                    "duplicate_id",
                    _(
                        "The id « %(id)s » is already used on line %(line)d.",
                        id=row_id[:40],
                        line=seen[row_id],
                    ),
                )
            else:
                seen[row_id] = line
                try:
                    idea = parse_new_idea(
                        {
                            "client_id": client_id_for(row_id),
                            "title": get(text_col),
                            "description": get(description_col),
                            "need": get(need_col),
                        }
                    )
                except ValidationError as error:
                    field = str(error.details.get("field") or "")
                    column = {"title": "text"}.get(field, field)
                    problem = (column, str(error.details.get("reason", "")), str(error.message))
                else:
                    rows.append(ImportRow(line, row_id, idea))
            if problem is not None:
                column, reason, message = problem
                errors.append(
                    {
                        "line": line,
                        "column": column,
                        "reason": reason,
                        "message": _(
                            "Line %(line)d, column « %(column)s »: %(message)s",
                            line=line,
                            column=column,
                            message=message,
                        ),
                    }
                )
    except csv.Error as error:
        raise ValidationError(
            _("This file cannot be read as CSV (%(problem)s).", problem=str(error)),
            field="file",
            reason="not_csv",
        ) from None
    if errors:
        shown = errors[:MAX_REPORTED]
        raise ValidationError(
            _(
                "%(count)d lines cannot be imported; nothing was imported. %(first)s",
                count=len(errors),
                first=" ".join(str(e["message"]) for e in shown[:3]),
            )
            if len(errors) > 1
            else _(
                "This line cannot be imported; nothing was imported. %(first)s",
                first=str(errors[0]["message"]),
            ),
            field="file",
            reason="lines",
            count=len(errors),
            errors=shown,
        )
    if not rows:
        raise ValidationError(
            _("This file has a header line but no ideas."), field="file", reason="no_rows"
        )
    return rows
