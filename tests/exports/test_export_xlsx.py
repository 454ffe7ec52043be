"""The XLSX workbook: one sheet per table, text never a formula, hostile text intact."""

from __future__ import annotations

import io
import zipfile

from flask import Flask
from openpyxl import load_workbook

from tests.exports.conftest import (
    AT,
    BIDI,
    DDE,
    FORMULA,
    HTML,
    LONG,
    MINUS,
    MULTILINE,
    PLUS,
    Session,
)
from tests.exports.test_export_json import export
from workshop.exports import localized, tables
from workshop.exports.xlsx import workbook


def test_one_sheet_per_table_with_the_table_schema_columns(app: Flask, session: Session) -> None:
    doc = export(app, session.id)
    with app.app_context():
        data = workbook(doc)
    book = load_workbook(io.BytesIO(data))
    # French by default.
    assert book.sheetnames == [
        "Défis",
        "Idées",
        "Votes",
        "Jugement majoritaire",
        "Qualifications",
        "Volontaires",
        "Tables",
        "Contributions",
        "Programme",
    ]
    order = ["challenges", "ideas", "votes", "grades", "qualifications", "volunteers", "tables"]
    order += ["contributions", "phases"]
    for sheet_name, table in zip(book.sheetnames, order, strict=True):
        sheet = book[sheet_name]
        values = list(sheet.iter_rows(values_only=True))
        with app.test_request_context():
            assert list(values[0]) == localized.headers(table)
        assert len(values) - 1 == len(list(tables.rows(doc, table)))
    ideas = book["Idées"]
    header = tables.field_names("ideas")
    votes = {
        row[0]: row[header.index("votes")] for row in ideas.iter_rows(min_row=2, values_only=True)
    }
    assert votes[session.idea_ids[0]] == 3  # numbers stay numbers
    volunteers = book["Volontaires"]
    consent = [row[5] for row in volunteers.iter_rows(min_row=2, values_only=True)]
    assert sorted(consent) == ["non", "oui", "oui"]


def test_no_cell_is_a_formula_and_text_stays_intact(app: Flask, session: Session) -> None:
    doc = export(app, session.id)
    with app.app_context():
        data = workbook(doc)
    # No formula anywhere in the file: not one <f> element in any sheet.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
    book = load_workbook(io.BytesIO(data))
    sheet = book["Idées"]
    header = tables.field_names("ideas")
    cells = {
        row[0].value: {name: cell for name, cell in zip(header, row, strict=True)}
        for row in sheet.iter_rows(min_row=2)
    }
    hostile = cells[session.hostile_idea_id]
    for column, expected in (("title", FORMULA), ("need", MULTILINE), ("challenge_title", DDE)):
        cell = hostile[column]
        assert cell.value == expected and cell.data_type == "s"
        assert cell.quotePrefix, f"{column} must carry the quote prefix"
    assert hostile["body"].value == LONG and not hostile["body"].quotePrefix
    for idea_id, column, expected in (
        (session.idea_ids[1], "title", HTML),
        (session.idea_ids[1], "body", BIDI),
        (session.idea_ids[2], "title", PLUS),
        (session.idea_ids[2], "body", AT),
        (session.idea_ids[3], "title", MINUS),
    ):
        cell = cells[idea_id][column]
        assert cell.value == expected and cell.data_type == "s"
        assert cell.quotePrefix == expected.startswith(("=", "+", "-", "@"))
    challenges = book["Défis"]
    titles = [row[2] for row in challenges.iter_rows(min_row=2)]
    assert titles[0].value == DDE and titles[0].data_type == "s" and titles[0].quotePrefix
