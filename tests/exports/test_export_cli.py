"""``flask --app workshop export`` and ``flask --app workshop ideas import``."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.exports.conftest import FORMULA, Session
from tests.factories import make_workshop
from workshop.exports.validation import SCHEMA_PATH
from workshop.extensions import db
from workshop.models import Idea


def validate(document: Any) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
        document
    )


@pytest.mark.parametrize("fmt", ["json", "csv", "csv-excel", "xlsx", "report"])
def test_export_every_format_by_code_or_id(
    runner: Any, session: Session, tmp_path: Path, fmt: str
) -> None:
    by_code = tmp_path / f"by-code.{fmt}"
    result = runner.invoke(
        args=["export", session.code.lower(), "--format", fmt, "-o", str(by_code)]
    )
    assert result.exit_code == 0, result.output
    by_id = tmp_path / f"by-id.{fmt}"
    result = runner.invoke(args=["export", str(session.id), "--format", fmt, "-o", str(by_id)])
    assert result.exit_code == 0, result.output
    data = by_code.read_bytes()
    if fmt == "json":
        document = json.loads(data)
        validate(document)
        again = json.loads(by_id.read_bytes())
        validate(again)
        assert document["workshop"]["uid"] == again["workshop"]["uid"] == session.uid
        assert {i["title"] for i in document["ideas"]} >= {FORMULA}
    elif fmt in ("csv", "csv-excel"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert ("datapackage.json" in archive.namelist()) == (fmt == "csv")
            ideas = archive.read("ideas.csv")
        assert ideas.startswith(b"\xef\xbb\xbf") == (fmt == "csv-excel")
    elif fmt == "xlsx":
        assert load_workbook(io.BytesIO(data)).sheetnames[1] == "Idées"
    else:
        assert data.startswith(b"<!doctype html>") and b"Synth\xc3\xa8se par d\xc3\xa9fi" in data


def test_export_to_stdout_and_one_table(runner: Any, session: Session, tmp_path: Path) -> None:
    result = runner.invoke(args=["export", session.code, "-o", "-"])
    assert result.exit_code == 0, result.output
    validate(json.loads(result.stdout_bytes))
    target = tmp_path / "ideas.csv"
    result = runner.invoke(
        args=["export", session.code, "--format", "csv", "--table", "ideas", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"), newline="")))
    assert rows[0][:3] == ["id", "reference", "title"] and len(rows) == 6
    wrong = runner.invoke(args=["export", session.code, "--format", "json", "--table", "ideas"])
    assert wrong.exit_code != 0


def test_export_of_an_unknown_workshop_fails_clearly(app: Flask, runner: Any) -> None:
    for name in ("ZZZZZZ", "999999", "0"):
        result = runner.invoke(args=["export", name, "-o", "-"])
        assert result.exit_code == 1
        assert "not_found" in result.output


def count(app: Flask, workshop_id: int) -> int:
    with app.app_context():
        return int(
            db.session.scalar(
                select(func.count()).select_from(Idea).where(Idea.workshop_id == workshop_id)
            )
            or 0
        )


def test_import_ideas_from_the_command_line_once(app: Flask, runner: Any, tmp_path: Path) -> None:
    with app.app_context():
        workshop = make_workshop(status="draft")
        workshop_id, code = workshop.id, workshop.code
    path = tmp_path / "avant.csv"
    lines = "".join(f"{n};Idée collectée numéro {n}\r\n" for n in range(1, 1001))
    path.write_bytes(("\ufeffid;text\r\n" + lines).encode("utf-8"))
    result = runner.invoke(args=["ideas", "import", code, str(path)])
    assert result.exit_code == 0, result.output
    assert "1000" in result.output
    assert count(app, workshop_id) == 1000
    result = runner.invoke(args=["ideas", "import", str(workshop_id), str(path)])
    assert result.exit_code == 0, result.output
    assert count(app, workshop_id) == 1000


def test_import_refuses_a_bad_file_naming_each_line(
    app: Flask, runner: Any, tmp_path: Path
) -> None:
    with app.app_context():
        workshop = make_workshop(status="draft")
        workshop_id, code = workshop.id, workshop.code
    path = tmp_path / "bad.csv"
    path.write_text("id,text\n1,Bonne\n2,\n3,\n", encoding="utf-8")
    result = runner.invoke(args=["ideas", "import", code, str(path)])
    assert result.exit_code == 1
    assert "invalid_input" in result.output
    assert "3" in result.output and "4" in result.output
    assert count(app, workshop_id) == 0
