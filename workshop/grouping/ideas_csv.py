"""Read ideas collected before a session from a CSV file with ``id`` and ``text`` columns."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

# Spreadsheets in France write ";"; others write ","; a tab-separated export also happens.
_DELIMITERS = ",;\t"


class IdeasFileError(ValueError):
    """The file cannot be read as ideas; the message says why, in plain words."""


@dataclass(frozen=True)
class IdeaRow:
    id: str
    text: str


def read_ideas(data: bytes, name: str = "the file") -> list[IdeaRow]:
    """Parse ``data`` (UTF-8, with or without a BOM) into ideas, in file order.

    The header row must name an ``id`` and a ``text`` column (any case, any order, other
    columns ignored); the delimiter is a comma, a semicolon or a tab.  Raises
    :class:`IdeasFileError` for a file that is empty, not UTF-8, or lacks those columns.
    """
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise IdeasFileError(
            f"{name} is not UTF-8 text (byte {error.start}); save it as CSV UTF-8"
        ) from None
    if not content.strip():
        raise IdeasFileError(f"{name} is empty")
    first_line = content.lstrip().splitlines()[0]
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(content.lstrip(), newline=""), delimiter=delimiter)
    try:
        header = [cell.strip().lower() for cell in next(reader)]
        if "id" not in header or "text" not in header:
            raise IdeasFileError(
                f"{name} needs a header row with 'id' and 'text' columns "
                f"(found: {', '.join(repr(cell) for cell in header) or 'nothing'})"
            )
        id_column, text_column = header.index("id"), header.index("text")
        rows = []
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # Blank line.
            if len(cells) <= max(id_column, text_column):
                raise IdeasFileError(f"{name}, line {number}: missing 'id' or 'text' value")
            rows.append(IdeaRow(cells[id_column].strip(), cells[text_column].strip()))
    except csv.Error as error:
        raise IdeasFileError(f"{name} is not a readable CSV file: {error}") from None
    if not rows:
        raise IdeasFileError(f"{name} has a header but no ideas")
    return rows
