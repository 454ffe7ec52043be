"""Reading a CSV file of ideas collected before a session: the one reader of that file.

The file has a header row naming an ``id`` column and a ``text`` column, any delimiter
among ``,`` ``;`` and tab, UTF-8 with or without a BOM. Optional columns: ``description``
and ``need``. Every other column (source, commune, date, the author's profile…) is kept
with the idea, in its ``details`` (column name → value), for the facilitators and the
exports: a collection made before the session carries what the organisers will want to
find again.

Ideas collected beforehand are often paragraphs, not titles. A text longer than a title
is never refused for that: in :data:`SPLIT` mode (the default) the idea's title is the
text's first sentence (cut on a word with « … » when still too long) and the whole text
is its description; in :data:`WHOLE` mode the title is the text's first words and the
whole text its description. A line's own ``description`` follows the text there.

The ``ideas.csv`` of an export is accepted too (``title`` stands for ``text``, ``body``
for ``description``, its ``details`` give their entries back), the Excel one with its
French headers as well (``N°``, ``Titre``, ``Description``, ``Besoin``; headers are read
in any case). Blank lines are skipped; a record is named by the line it starts on (a
quoted cell may span lines).

Two readings of it. :func:`parse_ideas_csv`, to import the ideas into a workshop, checks
every line as a posted idea is checked (:func:`workshop.schemas.parse_new_idea`) and
reports every faulty line at once, with translated messages, so that a facilitator can
fix the file in one go; the ``id`` of a line gives the idea a stable ``client_id``:
importing the same file again adds nothing. :func:`read_ideas`, for ``flask --app
workshop ideas suggest-groups``, only takes each line's id and text.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from typing import Final, Literal

from flask_babel import gettext as _

from ..errors import ValidationError
from ..headline import first_words, headline, is_whole
from ..schemas import DESCRIPTION_MAX, TITLE_MAX, NewIdea, parse_new_idea
from ..schemas.fields import text as clean_text

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_ID_LENGTH = 200
# Extra columns kept with an idea: one value, and all of them (as JSON), at most; a
# column's name at most (longer names are cut).
MAX_DETAIL_CHARS = 1000
MAX_DETAILS_CHARS = 4000
MAX_DETAIL_NAME = 60
# The two ways of importing a text longer than a title (see the module's docstring).
SPLIT: Final = "split"
WHOLE: Final = "whole"
LongTexts = Literal["split", "whole"]
LONG_TEXT_MODES: tuple[LongTexts, ...] = (SPLIT, WHOLE)
# The title of a text kept whole: its first words, short enough to read on a card.
WHOLE_TITLE_CHARS = 80
# A text read before it is cut into a title and a description, at most (a line holds
# fewer characters: services.idea_import bounds them).
_RAW_TEXT_MAX = 100_000
# Lines reported in one error at most (the count of faulty lines is always given).
MAX_REPORTED = 50
# Spreadsheets in France write ";"; others write ","; a tab-separated export also happens.
_DELIMITERS = ",;\t"
# The names a column goes by: its own, and those the export's ideas.csv gives it (open
# data, then the Excel flavour in English and in French: see exports/localized.py).
_ALIASES = {
    "id": ("id", "no.", "n°"),
    "text": ("text", "title", "titre"),
    "description": ("description", "body"),
    "need": ("need", "besoin"),
}


@dataclass(frozen=True)
class _Record:
    """One non-blank record of the file: the line it starts on and its cells."""

    line: int
    cells: list[str]

    def get(self, column: int | None) -> str:
        """The cell in ``column``; empty when the file has no such column or the record
        is short."""
        return self.cells[column] if column is not None and column < len(self.cells) else ""


def _decode(data: bytes) -> str:
    """The text of the file, without its BOM and leading blank lines."""
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
    for alias in _ALIASES[name]:
        if alias in header:
            return header.index(alias)
    return None


@dataclass(frozen=True)
class _Columns:
    """Where the known columns are (``id``, ``text``, ``description``, ``need`` → index
    or ``None``), and the others' names (index → name, as the file spells it)."""

    known: dict[str, int | None]
    extra: dict[int, str]

    def __getitem__(self, name: str) -> int | None:
        return self.known[name]


def _extra_columns(raw: list[str], known: dict[str, int | None]) -> dict[int, str]:
    """The columns the import does not read into the idea itself, by index: named as in
    the file (« column 7 » when unnamed), each name once."""
    taken = {index for index in known.values() if index is not None}
    names: dict[int, str] = {}
    for index, cell in enumerate(raw):
        if index in taken:
            continue
        base = " ".join(cell.split())[:MAX_DETAIL_NAME] or _("column %(number)d", number=index + 1)
        name, suffix = base, 2
        while name in names.values():
            name, suffix = f"{base} ({suffix})", suffix + 1
        names[index] = name
    return names


def _read(data: bytes, max_rows: int | None = None) -> tuple[_Columns, list[_Record]]:
    """The columns (``id``, ``text``, ``description``, ``need`` → index or ``None``, and
    the other ones) and the non-blank records of an ideas file.

    Raises :class:`ValidationError` (``details.reason``: ``encoding``, ``empty``,
    ``missing_column``, ``not_csv``, ``too_many_rows`` past ``max_rows``, or
    ``no_rows``).
    """
    content = _decode(data)
    try:
        delimiter = csv.Sniffer().sniff(content.splitlines()[0], delimiters=_DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True)
    records: list[_Record] = []
    try:
        raw_header = next(reader)
        header = [cell.strip().lower() for cell in raw_header]
        columns = {name: _column(header, name) for name in _ALIASES}
        for name in ("id", "text"):
            if columns[name] is None:
                raise ValidationError(
                    _(
                        "The file has no « %(column)s » column. The first line must name "
                        "the columns: id and text (description and need are optional).",
                        column=name,
                    ),
                    field="file",
                    reason="missing_column",
                    column=name,
                    header=header,
                )
        last_line = reader.line_num
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if max_rows is not None and len(records) == max_rows:
                raise ValidationError(
                    _("This file has more than %(max)d ideas. Split it.", max=max_rows),
                    field="file",
                    reason="too_many_rows",
                    max=max_rows,
                )
            records.append(_Record(line, cells))
    except csv.Error as error:
        raise ValidationError(
            _("This file cannot be read as CSV (%(problem)s).", problem=str(error)),
            field="file",
            reason="not_csv",
            problem=str(error),
        ) from None
    if not records:
        raise ValidationError(
            _("This file has a header line but no ideas."), field="file", reason="no_rows"
        )
    return _Columns(columns, _extra_columns(raw_header, columns)), records


# ------------------------------------------------------------- importing the ideas


@dataclass(frozen=True)
class ImportRow:
    """A line of the file, checked as a posted idea."""

    line: int
    row_id: str
    idea: NewIdea
    #: The line's other columns (name → value, the empty ones left out).
    details: dict[str, str] | None = None


def client_id_for(row_id: str) -> str:
    """The idempotency key of the idea imported from a line with id ``row_id``."""
    return "csv-" + hashlib.sha256(row_id.encode("utf-8")).hexdigest()[:40]


def _details(record: _Record, columns: _Columns) -> dict[str, str] | tuple[str, str, str]:
    """The line's other columns (name → value, the empty ones left out), or what is
    wrong with them: ``(column, reason, message)``."""
    details: dict[str, str] = {}
    for index, name in columns.extra.items():
        value = clean_text({"v": record.get(index)}, "v", max_len=_RAW_TEXT_MAX, multiline=True)
        if not value:
            continue
        if name.lower() == "details" and _merge_exported(details, value):
            continue
        if len(value) > MAX_DETAIL_CHARS:
            return (
                name,
                "too_long",
                _(
                    "This field is too long (%(max)d characters at most).",
                    max=MAX_DETAIL_CHARS,
                ),
            )
        details[name] = value
    if len(json.dumps(details, ensure_ascii=False)) > MAX_DETAILS_CHARS:
        return (
            "details",
            "too_long",
            _(
                "The other columns of this line hold too much text (%(max)d characters "
                "at most, together).",
                max=MAX_DETAILS_CHARS,
            ),
        )
    return details


def _merge_exported(details: dict[str, str], value: str) -> bool:
    """Add the entries of an export's ``details`` cell (a JSON object) to ``details``;
    False when ``value`` is not such an object (then it is kept as it is)."""
    try:
        found = json.loads(value)
    except (ValueError, RecursionError):  # not JSON, or nested too deep to read
        return False
    if not isinstance(found, dict) or not all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in found.values()
    ):
        return False
    for key, item in found.items():
        name = " ".join(str(key).split())[:MAX_DETAIL_NAME]
        text = clean_text({"v": str(item)}, "v", max_len=_RAW_TEXT_MAX, multiline=True)
        if name and text:
            details[name] = text[:MAX_DETAIL_CHARS]
    return True


def split_text(raw: str, description: str, mode: LongTexts) -> tuple[str, str]:
    """The title and description of an idea whose text is ``raw``: the text itself and
    ``description`` when it is one sentence fitting in a title (any text in ``WHOLE``
    mode that fits), else a title made from it and the whole text followed by
    ``description``."""
    text = clean_text({"v": raw}, "v", max_len=_RAW_TEXT_MAX, multiline=True)
    flat = " ".join(text.split())
    if mode == WHOLE:
        if len(flat) <= TITLE_MAX:
            return flat, description
        title = first_words(text, WHOLE_TITLE_CHARS)
    else:
        if is_whole(text, TITLE_MAX):
            return flat, description
        title = headline(text, TITLE_MAX)
    return title, "\n\n".join(part for part in (text, description.strip()) if part)


def _check_line(
    record: _Record, columns: _Columns, seen: dict[str, int], mode: LongTexts
) -> tuple[str, str, str] | ImportRow:
    """The line as an idea to import, or what is wrong with it: ``(column, reason,
    message)``. ``seen`` (id → line) gets the line's id."""
    row_id = record.get(columns["id"]).strip()
    if not row_id:
        return ("id", "required", _("The id is empty."))
    if len(row_id) > MAX_ID_LENGTH:
        return (
            "id",
            "too_long",
            _("The id is too long (%(max)d characters at most).", max=MAX_ID_LENGTH),
        )
    if row_id in seen:
        return (
            "id",
            "duplicate_id",
            _(
                "The id « %(id)s » is already used on line %(line)d.",
                id=row_id[:40],
                line=seen[row_id],
            ),
        )
    seen[row_id] = record.line
    title, description = split_text(
        record.get(columns["text"]), record.get(columns["description"]), mode
    )
    try:
        idea = parse_new_idea(
            {
                "client_id": client_id_for(row_id),
                "title": title,
                "description": description,
                "need": record.get(columns["need"]),
            }
        )
    except ValidationError as error:
        field = str(error.details.get("field") or "")
        column = {"title": "text"}.get(field, field)
        if column == "description" and len(record.get(columns["text"]).strip()) > DESCRIPTION_MAX:
            column = "text"  # the text went there, and it is what makes it too long
        return (column, str(error.details.get("reason", "")), str(error.message))
    details = _details(record, columns)
    if isinstance(details, tuple):
        return details
    return ImportRow(record.line, row_id, idea, details or None)


def parse_ideas_csv(data: bytes, long_texts: LongTexts = SPLIT) -> list[ImportRow]:
    """The ideas of a CSV file, checked line by line; a text longer than a title is
    split (``long_texts``: :data:`SPLIT` or :data:`WHOLE`, see the module's docstring).

    Raises :class:`ValidationError` (``details.reason``: ``encoding``, ``empty``,
    ``too_large``, ``not_csv``, ``missing_column``, ``too_many_rows``, ``no_rows`` or
    ``lines``, the last with ``details.errors``: one ``{"line", "column", "reason",
    "message"}`` per faulty line, and ``details.count``).
    """
    if len(data) > MAX_BYTES:
        raise ValidationError(
            _("This file is too large (%(max)d MB at most).", max=MAX_BYTES // (1024 * 1024)),
            field="file",
            reason="too_large",
        )
    columns, records = _read(data, MAX_ROWS)
    rows: list[ImportRow] = []
    errors: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for record in records:
        checked = _check_line(record, columns, seen, long_texts)
        if isinstance(checked, ImportRow):
            rows.append(checked)
            continue
        column, reason, message = checked
        errors.append(
            {
                "line": record.line,
                "column": column,
                "reason": reason,
                "message": _(
                    "Line %(line)d, column « %(column)s »: %(message)s",
                    line=record.line,
                    column=column,
                    message=message,
                ),
            }
        )
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
    return rows


# ----------------------------------------------------------- grouping suggestions


class IdeasFileError(ValueError):
    """The file cannot be read as ideas; the message says why, in plain words."""


@dataclass(frozen=True)
class IdeaRow:
    """A line's id and text, as the grouping engine reads them."""

    id: str
    text: str


# The grouping command speaks to whoever runs the server, in English, naming the file.
_PLAIN_MESSAGES = {
    "encoding": "{name} is not UTF-8 text (byte {byte}); save it as CSV UTF-8",
    "empty": "{name} is empty",
    "missing_column": "{name} needs a header row with 'id' and 'text' columns (found: {found})",
    "not_csv": "{name} is not a readable CSV file: {problem}",
    "no_rows": "{name} has a header but no ideas",
}


def read_ideas(data: bytes, name: str = "the file") -> list[IdeaRow]:
    """The id and text of each idea of the file, in file order (any id, any text).

    Raises :class:`IdeasFileError` for a file that is empty, not UTF-8, not CSV, lacks
    the two columns, holds no ideas, or has a line without them.
    """
    try:
        columns, records = _read(data)
    except ValidationError as error:
        details = error.details
        found = ", ".join(repr(cell) for cell in details.get("header", [])) or "nothing"
        raise IdeasFileError(
            _PLAIN_MESSAGES[details["reason"]].format(name=name, found=found, **details)
        ) from None
    id_column, text_column = columns["id"], columns["text"]
    assert id_column is not None and text_column is not None  # noqa: S101 - _read checks
    rows = []
    for record in records:
        if len(record.cells) <= max(id_column, text_column):
            raise IdeasFileError(f"{name}, line {record.line}: missing 'id' or 'text' value")
        rows.append(IdeaRow(record.get(id_column).strip(), record.get(text_column).strip()))
    return rows
