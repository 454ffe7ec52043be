"""CSV exports: the two dialects, the Table Schemas they follow, formula escaping."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flask import Flask

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
from workshop.exports import TABLE_NAMES, tables
from workshop.exports.csv_files import csv_zip, table_csv

DOCS = Path(__file__).resolve().parent.parent.parent / "docs"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def read_csv(data: bytes, dialect: str) -> list[list[str]]:
    if dialect == "excel":
        assert data.startswith(b"\xef\xbb\xbf"), "French Excel needs the BOM"
        text = data[3:].decode("utf-8")
        delimiter = ";"
    else:
        assert not data.startswith(b"\xef\xbb\xbf")
        text = data.decode("utf-8")
        delimiter = ","
    # Every record ends with CRLF (RFC 4180), including the last one.
    assert text.endswith("\r\n")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))


def docs_schema(name: str) -> dict[str, Any]:
    return json.loads((DOCS / "tableschema" / f"{name}.json").read_text(encoding="utf-8"))


def check_cell(field: dict[str, Any], value: str) -> None:
    """``value`` as written in a CSV cell conforms to Table Schema ``field``."""
    constraints = field.get("constraints", {})
    if value == "":
        assert not constraints.get("required"), f"{field['name']} is required"
        return
    kind = field["type"]
    if kind == "integer":
        assert re.fullmatch(r"-?\d+", value), (field["name"], value)
        if "minimum" in constraints:
            assert int(value) >= constraints["minimum"]
        if "maximum" in constraints:
            assert int(value) <= constraints["maximum"]
    elif kind == "boolean":
        assert value in ("true", "false")
    elif kind == "datetime":
        dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    else:
        assert kind == "string"
        if "enum" in constraints:
            assert value in constraints["enum"], (field["name"], value)
        if "pattern" in constraints:
            assert re.fullmatch(constraints["pattern"], value)
    if value.startswith(TRIGGERS):
        pytest.fail(f"{field['name']}: a cell starts with a formula trigger: {value[:20]!r}")


def test_the_published_table_schemas_are_up_to_date_and_valid(tmp_path: Path) -> None:
    tables.write_docs(tmp_path)
    for name in TABLE_NAMES:
        path = f"tableschema/{name}.json"
        assert (DOCS / path).read_text() == (tmp_path / path).read_text(), f"rewrite {path}"
    assert (DOCS / "datapackage.json").read_text() == (tmp_path / "datapackage.json").read_text()
    # The documents follow the Table Schema and Data Package shapes (required keys,
    # known types); checked with a JSON Schema of our own, the frictionless package
    # being too heavy a dependency for this.
    field_schema = {
        "type": "object",
        "required": ["name", "type"],
        "properties": {
            "name": {"type": "string", "pattern": "^[a-z_]+$"},
            "type": {"enum": ["string", "integer", "number", "boolean", "datetime", "date"]},
            "constraints": {"type": "object"},
        },
    }
    table_schema = {
        "type": "object",
        "required": ["fields"],
        "properties": {"fields": {"type": "array", "minItems": 1, "items": field_schema}},
    }
    for name in TABLE_NAMES:
        schema = docs_schema(name)
        jsonschema.validate(schema, table_schema)
        names = [f["name"] for f in schema["fields"]]
        assert len(names) == len(set(names))
        assert set(schema.get("primaryKey", [])) <= set(names)
    package = json.loads((DOCS / "datapackage.json").read_text())
    assert [r["name"] for r in package["resources"]] == list(TABLE_NAMES)
    for resource in package["resources"]:
        assert (DOCS / resource["schema"]).exists()


@pytest.mark.parametrize("dialect", ["open"])  # the Excel flavour: test_export_french.py
def test_each_table_matches_its_table_schema(app: Flask, session: Session, dialect: str) -> None:
    doc = export(app, session.id)
    counts = {}
    for name in TABLE_NAMES:
        records = read_csv(table_csv(doc, name, dialect), dialect)
        schema = docs_schema(name)
        assert records[0] == [f["name"] for f in schema["fields"]]
        for record in records[1:]:
            assert len(record) == len(schema["fields"])
            for field, value in zip(schema["fields"], record, strict=True):
                check_cell(field, value)
        counts[name] = len(records) - 1
    assert counts == {
        "phases": 6,
        "challenges": 3,
        "ideas": 5,
        "votes": 3,
        "grades": 0,  # no vote by majority judgment here: tests/mjvote
        "qualifications": 2,
        "volunteers": 3,
        "tables": 0,
        "contributions": 0,
    }


def unescape(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(TRIGGERS) else cell


@pytest.mark.parametrize("dialect", ["excel", "open"])
def test_hostile_text_is_escaped_only_where_a_spreadsheet_would_run_it(
    app: Flask, session: Session, dialect: str
) -> None:
    doc = export(app, session.id)
    records = read_csv(table_csv(doc, "ideas", dialect), dialect)
    header = tables.field_names("ideas")  # the Excel flavour's headers are words, same order
    assert len(records[0]) == len(header)
    rows = {int(r[0]): dict(zip(header, r, strict=True)) for r in records[1:]}
    hostile = rows[session.hostile_idea_id]
    assert hostile["title"] == "'" + FORMULA
    assert hostile["need"] == "'" + MULTILINE  # the line breaks stay inside the cell
    assert hostile["body"] == LONG and len(hostile["body"]) == 2000
    html = rows[session.idea_ids[1]]
    assert (html["title"], html["body"], html["author_name"]) == (HTML, BIDI, "<b>Zoé</b>")
    assert rows[session.idea_ids[2]]["title"] == "'" + PLUS
    assert rows[session.idea_ids[2]]["body"] == "'" + AT
    assert rows[session.idea_ids[3]]["title"] == "'" + MINUS
    assert rows[session.idea_ids[0]]["challenge_title"] == "'" + DDE
    # Removing the apostrophe gives the original text back, as the JSON has it.
    by_id = {i["id"]: i for i in doc["ideas"]}
    for idea_id, row in rows.items():
        assert unescape(row["title"]) == by_id[idea_id]["title"]
        assert unescape(row["need"]) == by_id[idea_id]["need"]


def test_the_zips_carry_every_table_and_their_own_description(app: Flask, session: Session) -> None:
    doc = export(app, session.id)
    for dialect in ("excel", "open"):
        with zipfile.ZipFile(io.BytesIO(csv_zip(doc, dialect))) as archive:
            names = set(archive.namelist())
            assert {f"{t}.csv" for t in TABLE_NAMES} <= names
            if dialect == "excel":  # for people, in words: no schema describes it
                assert names == {f"{t}.csv" for t in TABLE_NAMES}
                assert archive.read("ideas.csv") == table_csv(doc, "ideas", dialect)
                continue
            assert {f"tableschema/{t}.json" for t in TABLE_NAMES} <= names
            package = json.loads(archive.read("datapackage.json"))
            for resource in package["resources"]:
                assert resource["dialect"]["delimiter"] == (";" if dialect == "excel" else ",")
                assert resource["encoding"] == "utf-8"
                read_csv(archive.read(resource["path"]), dialect)
                assert resource["schema"] in names
            assert archive.read("ideas.csv") == table_csv(doc, "ideas", dialect)
