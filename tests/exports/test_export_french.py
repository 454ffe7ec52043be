"""Exports for French users: the Excel flavour (csv-excel, xlsx) and the report speak
French and local time; the JSON and the open-data CSV keep English keys and UTC."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook

from tests.exports.conftest import Session
from tests.exports.test_export_json import export
from workshop.exports import TABLE_NAMES, localized, render_document, tables
from workshop.exports.csv_files import table_csv
from workshop.exports.ideas_import import read_ideas
from workshop.exports.report import render_report
from workshop.exports.xlsx import workbook
from workshop.extensions import db
from workshop.models import Participant


def excel_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def as_dicts(name: str, records: list[list[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(tables.field_names(name), r, strict=True)) for r in records]


def utc(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def test_excel_csv_headers_and_values_are_french(app: Flask, session: Session) -> None:
    doc = export(app, session.id)
    with app.test_request_context():
        records = {name: excel_rows(table_csv(doc, name, "excel")) for name in TABLE_NAMES}
    assert records["ideas"][0][:6] == ["N°", "Référence", "Titre", "Description", "Besoin", "État"]
    assert records["phases"][0] == ["N°", "Position", "Type d’étape", "Titre"]
    assert records["volunteers"][0][4:6] == ["Proposition", "Accepte d’être contacté·e"]
    ideas = as_dicts("ideas", records["ideas"][1:])
    assert {row["state"] for row in ideas} == {"Visible"}
    stages = {row["stage"] for row in as_dicts("challenges", records["challenges"][1:])}
    assert "Recherche de porteur" in stages and "holder_search" not in stages
    kinds = [row["kind"] for row in as_dicts("phases", records["phases"][1:])]
    assert kinds[:2] == ["Bienvenue", "Idées"]
    volunteers = as_dicts("volunteers", records["volunteers"][1:])
    assert sorted(row["consent_contact"] for row in volunteers) == ["non", "oui", "oui"]
    assert {row["target"] for row in volunteers} <= {"Défi", "Idée"}
    assert "pourrait porter ce projet" in {row["kind"] for row in volunteers}
    qualifications = as_dicts("qualifications", records["qualifications"][1:])
    assert "Projet" in {row["maturity"] for row in qualifications}
    assert "73006" in {row["insee_code"] for row in qualifications}  # text, zero kept


def test_excel_times_are_local_and_french(app: Flask, session: Session) -> None:
    doc = export(app, session.id)
    with app.test_request_context():
        rows = as_dicts("ideas", excel_rows(table_csv(doc, "ideas", "excel"))[1:])
    by_id = {row["id"]: row for row in rows}
    for idea in doc["ideas"]:
        shown = dt.datetime.strptime(by_id[str(idea["id"])]["published_at"], "%d/%m/%Y %H:%M")
        moment = utc(idea["published_at"])
        offset = shown - moment.replace(tzinfo=None, second=0)
        # Paris: UTC+1 in winter, UTC+2 in summer.
        assert offset in (dt.timedelta(hours=1), dt.timedelta(hours=2)), (shown, moment)


@pytest.mark.parametrize("app_config", [{"TIMEZONE": "America/Cayenne"}])
def test_the_time_zone_is_a_setting(app: Flask) -> None:
    with app.app_context():
        assert localized.local_time("2026-03-21T13:05:00Z") == dt.datetime(2026, 3, 21, 10, 5)


def test_the_default_time_zone_is_paris(app: Flask) -> None:
    with app.app_context():
        assert localized.local_time("2026-03-21T13:05:00Z") == dt.datetime(2026, 3, 21, 14, 5)
        assert localized.local_time("2026-07-14T13:05:00Z") == dt.datetime(2026, 7, 14, 15, 5)
        assert localized.local_time(None) is None


@pytest.mark.parametrize("app_config", [{"TIMEZONE": "Mars/Olympus_Mons"}])
def test_an_unknown_time_zone_falls_back_to_utc(app: Flask) -> None:
    with app.app_context():
        assert localized.local_time("2026-03-21T13:05:00Z") == dt.datetime(2026, 3, 21, 13, 5)


def test_xlsx_times_are_real_dates(app: Flask, session: Session) -> None:
    doc = export(app, session.id)
    with app.app_context():
        book = load_workbook(io.BytesIO(workbook(doc)))
    sheet = book["Idées"]
    assert [c.value for c in sheet[1]][:3] == ["N°", "Référence", "Titre"]
    column = tables.field_names("ideas").index("published_at")
    published = {i["id"]: i["published_at"] for i in doc["ideas"]}
    for row in sheet.iter_rows(min_row=2):
        cell = row[column]
        assert isinstance(cell.value, dt.datetime) and cell.number_format == "DD/MM/YYYY HH:MM"
        local = utc(published[row[0].value]).astimezone(localized.timezone()).replace(tzinfo=None)
        assert abs(cell.value - local) < dt.timedelta(seconds=1)


def test_json_and_open_csv_keep_english_keys_and_utc(app: Flask, session: Session) -> None:
    doc = export(app, session.id)
    iso_utc = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    assert all(iso_utc.fullmatch(i["published_at"]) for i in doc["ideas"])
    with app.test_request_context():
        data, _mime, _name = render_document(doc, "csv", "x")
        assert b"datapackage.json" in data  # the open ZIP describes itself
        open_ideas = table_csv(doc, "ideas", "open").decode("utf-8")
    header, first = list(csv.reader(io.StringIO(open_ideas, newline="")))[:2]
    assert header == tables.field_names("ideas")
    row = dict(zip(header, first, strict=True))
    assert row["state"] == "visible" and row["published_at"].endswith("Z")


def test_the_excel_ideas_file_can_be_imported_again(app: Flask, session: Session) -> None:
    doc = export(app, session.id)
    with app.test_request_context():
        data = table_csv(doc, "ideas", "excel")
        read = read_ideas(data, "ideas.csv")
    assert [row.id for row in read] == [str(i["id"]) for i in doc["ideas"]]


def test_the_report_writes_dates_in_french(app: Flask, session: Session) -> None:
    doc = export(app, session.id)
    doc["workshop"]["date"] = "2026-03-21"
    doc["exported_at"] = "2026-03-21T23:30:00Z"  # already Sunday in Paris (UTC+1)
    with app.test_request_context():
        html = render_report(doc)
    assert "samedi 21 mars 2026" in html
    assert "Fait avec Semis le dimanche 22 mars 2026" in html
    assert "2026-03-21" not in html


def test_a_merged_ideas_author_appears_in_the_report(app: Flask) -> None:
    from tests.factories import make_grouping_workshop
    from workshop.schemas import IdeaMerge
    from workshop.services import merging

    with app.app_context():
        workshop, posted = make_grouping_workshop(ideas=3)
        names = [db.session.get(Participant, i.participant_id).display_name for i in posted]
        merging.merge_ideas(workshop.id, workshop.owner, IdeaMerge(posted[1].id, posted[0].id))
        merging.merge_ideas(workshop.id, workshop.owner, IdeaMerge(posted[0].id, posted[2].id))
        workshop_id = workshop.id
    doc = export(app, workshop_id)
    with app.test_request_context():
        html = render_report(doc)
    # The idea left holds every author: its own, then those of the ideas merged into it.
    line = re.search(r"— (<bdi>[^\n]*</bdi>)</div>", html)
    assert line is not None
    shown = re.findall(r"<bdi>(.*?)</bdi>", line.group(1))
    assert sorted(shown) == sorted(set(names)), (shown, names)
