"""Properties of the CSV and XLSX writers: any text comes back exactly (after removing the
documented apostrophe in CSV), and no cell ever starts with a formula trigger."""

from __future__ import annotations

import csv
import io
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from workshop.exports.csv_files import table_csv
from workshop.exports.tables import FORMULA_TRIGGERS, field_names
from workshop.exports.xlsx import workbook

# What stored text can hold: no control characters but line feeds and tabs (schemas.py
# removes the others, and turns CR into LF), no surrogates.
TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs"), whitelist_characters="\n\t=+-@\u202e"
    ),
    max_size=300,
)


def document(title: str, body: str) -> dict[str, Any]:
    """The smallest export document with one idea (the rows need nothing else)."""
    return {
        "phases": [],
        "challenges": [],
        "votes": [],
        "rankings": [],
        "ideas": [
            {
                "id": 1,
                "reference": "0" * 32 + "/idea/1",
                "title": title,
                "body": body,
                "need": "",
                "state": "visible",
                "challenge_id": None,
                "merged_into_id": None,
                "author": {"name": body[:40]},
                "votes": 0,
                "published_at": "2026-01-01T00:00:00Z",
                "qualification": None,
                "volunteers": [],
            }
        ],
    }


def unescape(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_TRIGGERS) else cell


@settings(max_examples=60, deadline=None)
@given(title=TEXT, body=TEXT, dialect=st.sampled_from(["excel", "open"]))
def test_csv_cells_round_trip_and_never_start_a_formula(
    title: str, body: str, dialect: str
) -> None:
    data = table_csv(document(title, body), "ideas", dialect)
    text = data.decode("utf-8-sig" if dialect == "excel" else "utf-8")
    delimiter = ";" if dialect == "excel" else ","
    header, row = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if dialect == "open":
        assert header == field_names("ideas")
    # The Excel flavour names the same columns, in the same order, in words.
    cells = dict(zip(field_names("ideas"), row, strict=True))
    for cell in row:
        assert not cell.startswith(FORMULA_TRIGGERS)
    assert unescape(cells["title"]) == title
    assert unescape(cells["body"]) == body
    assert unescape(cells["author_name"]) == body[:40]


@settings(max_examples=25, deadline=None)
@given(title=TEXT, body=TEXT)
def test_xlsx_cells_are_text_and_round_trip(title: str, body: str) -> None:
    book = load_workbook(io.BytesIO(workbook(document(title, body))))
    sheet = book.worksheets[1]
    cells = {name: cell for name, cell in zip(field_names("ideas"), sheet[2], strict=True)}
    for name, expected in (("title", title), ("body", body)):
        cell = cells[name]
        # openpyxl reads an empty string back as an empty cell.
        assert (cell.value or "") == expected
        if expected:
            assert cell.data_type == "s"
            assert bool(cell.quotePrefix) == expected.startswith(FORMULA_TRIGGERS)
