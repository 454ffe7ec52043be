"""The défi tables in every export (format 1.1): the JSON (validated by the published
schema), the CSV and XLSX tables, the « synthèse par défi »; who sat where only as counts
by profile; a 1.0 export (before tables) still validates and imports."""

from __future__ import annotations

import copy
import csv
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flask import Flask
from openpyxl import load_workbook

from tests.exports.conftest import FORMULA, HTML
from tests.factories import client_id, join_with_token, make_challenge, make_workshop
from workshop import exports
from workshop.errors import ValidationError
from workshop.exports import tables as export_tables
from workshop.exports.validation import SCHEMA_PATH
from workshop.extensions import db
from workshop.models import Workshop
from workshop.phases import PhaseKind
from workshop.schemas import NewFabrique, PhaseTarget, parse_volunteer_offer
from workshop.schemas.tables import (
    ContributionFlag,
    HostChange,
    NewContribution,
    NewTables,
    SeatChange,
    SynthesisEdit,
)
from workshop.services import agenda, fabriques, portfolio, volunteers
from workshop.services import tables as table_service
from workshop.services.tables import Actor

OLDER_EXPORT = Path(__file__).parent / "data" / "export-1.0.json"
# Seated at table 1, never writes anything: this name must appear in no export.
SILENT = "Sidonie Silencieuse"
ON_BEHALF = "Mme Lebrun"
SYNTHESIS = "Une légumerie partagée pour les cantines,\navec les fermes du plateau."


@dataclass(frozen=True)
class Evening:
    id: int
    uid: str
    food: int
    mobility: int
    first: int  # table 1 (food)
    second: int  # table 2 (mobility)
    kept: tuple[int, ...]
    hidden: int
    on_behalf: int


def build_evening(app: Flask, *, anonymous: bool = False) -> Evening:
    """A « Soirée défis » at work: two défis, a table each, a host, five people of four
    profiles, contributions of several kinds (one hidden, one typed for someone without
    a phone), table votes, two kept, a synthesis, offers to carry."""
    with app.app_context():
        workshop = make_workshop(
            format="challenges_evening", status="draft", phase=None, anonymous=anonymous
        )
        owner = workshop.owner
        food = make_challenge(workshop, title="Comment pourrions-nous manger local ?")
        mobility = make_challenge(workshop, title="Comment pourrions-nous nous déplacer ?")
        agenda.open_workshop(workshop.id, owner)
        step = next(p for p in workshop.phases if p.kind == PhaseKind.TABLES)
        agenda.advance_phase(workshop.id, owner, PhaseTarget(phase_id=step.id))
        first, second = table_service.create_tables(workshop.id, owner, NewTables(capacity=6))
        people = {
            name: join_with_token(workshop, display_name=name, profile=profile)[0]
            for name, profile in (
                ("Camille", "citizen"),
                ("Zoé", "elected"),
                ("Léon", "association"),
                (SILENT, "business"),
                ("Inès", "citizen"),
            )
        }
        table_service.set_table_host(workshop.id, owner, HostChange(first.id, people["Camille"].id))
        for name, table in (("Zoé", first), ("Léon", first), (SILENT, first), ("Inès", second)):
            table_service.seat_participant(
                workshop.id, owner, SeatChange(people[name].id, table.id)
            )

        def post(name: str, kind: str, text: str, table: Any = first, **extra: Any) -> int:
            new = NewContribution(table.id, kind, text, client_id(), **extra)
            actor = Actor(participant_id=people[name].id)
            contribution, _created = table_service.post_contribution(workshop.id, actor, new)
            return contribution.id

        need = post("Camille", "needs", FORMULA)
        solution = post("Zoé", "solutions", f"Une légumerie {HTML}")
        behalf = post("Camille", "actors", "La chambre d'agriculture", on_behalf=ON_BEHALF)
        obstacle = post("Léon", "obstacles", "Le coût du foncier")
        post("Inès", "needs", "Des bus le dimanche", table=second)
        for name, voted in (("Zoé", need), ("Zoé", solution), ("Léon", solution)):
            table_service.vote_contribution(
                workshop.id, people[name].id, ContributionFlag(voted, True)
            )
        host = Actor(participant_id=people["Camille"].id)
        for kept in (need, solution):
            table_service.keep_contribution(workshop.id, host, ContributionFlag(kept, True))
        table_service.moderate_contribution(workshop.id, host, ContributionFlag(obstacle, True))
        table_service.save_synthesis(workshop.id, host, SynthesisEdit(first.id, SYNTHESIS, True, 1))
        for name, consent in (("Zoé", False), ("Léon", True)):
            offer = {
                "target": "challenge",
                "target_id": food.id,
                "kind": "hold",
                "consent_contact": consent,
            }
            if consent:
                offer |= {"contact_name": "Léon A.", "contact_email": "leon@example.org"}
            volunteers.offer_help(workshop.id, people[name].id, parse_volunteer_offer(offer))
        return Evening(
            id=workshop.id,
            uid=workshop.uid,
            food=food.id,
            mobility=mobility.id,
            first=first.id,
            second=second.id,
            kept=(need, solution),
            hidden=obstacle,
            on_behalf=behalf,
        )


@pytest.fixture
def evening(app: Flask) -> Evening:
    return build_evening(app)


def export(app: Flask, workshop_id: int) -> dict[str, Any]:
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        assert workshop is not None
        document = exports.build_json(workshop)
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
        document
    )
    with app.app_context():
        exports.validate(document)
    return document


def every_format(app: Flask, document: dict[str, Any]) -> dict[str, str]:
    """Every export of ``document`` as text (the ZIPs and the workbook unpacked)."""
    texts: dict[str, str] = {}
    with app.test_request_context():
        for fmt in exports.FORMATS:
            data, _mime, _name = exports.render_document(document, fmt, "semis-test")
            if fmt in ("csv", "csv-excel"):
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    texts[fmt] = "\n".join(
                        archive.read(name).decode("utf-8-sig") for name in archive.namelist()
                    )
            elif fmt == "xlsx":
                book = load_workbook(io.BytesIO(data))
                texts[fmt] = "\n".join(
                    str(value)
                    for sheet in book.worksheets
                    for row in sheet.iter_rows(values_only=True)
                    for value in row
                    if value is not None
                )
            else:
                texts[fmt] = data.decode("utf-8")
    return texts


def test_the_json_carries_each_table_with_counts_by_profile(app: Flask, evening: Evening) -> None:
    doc = export(app, evening.id)
    assert doc["version"] == "1.3"
    assert [k["key"] for k in doc["contribution_kinds"]] == [
        "needs",
        "solutions",
        "actors",
        "obstacles",
        "holders",
    ]
    # Default labels, in the instance's language.
    assert doc["contribution_kinds"][0]["label"] == "Besoins et publics"
    first, second = doc["tables"]
    assert (first["id"], first["number"], first["challenge_id"]) == (evening.first, 1, evening.food)
    assert (second["number"], second["challenge_id"]) == (2, evening.mobility)
    assert first["capacity"] == 6 and first["has_host"] and not second["has_host"]
    assert first["seated"]["total"] == 4
    assert first["seated"]["by_profile"] == {
        "citizen": 1,
        "elected": 1,
        "association": 1,
        "business": 1,
        "project_holder": 0,
        "other": 0,
    }
    assert first["seated"]["rounds"] == [
        {"round": 1, "total": 4, "by_profile": first["seated"]["by_profile"]}
    ]
    assert second["seated"]["total"] == 1 and second["seated"]["by_profile"]["citizen"] == 1
    assert (first["synthesis"], first["synthesis_done"]) == (SYNTHESIS, True)
    assert (second["synthesis"], second["synthesis_done"]) == ("", False)
    contributions = {c["id"]: c for c in first["contributions"]}
    assert len(contributions) == 4 and len(second["contributions"]) == 1
    need, solution = (contributions[i] for i in evening.kept)
    assert (need["kind"], need["text"], need["votes"], need["kept"]) == ("needs", FORMULA, 1, True)
    assert (solution["votes"], solution["kept"], solution["round"]) == (2, True, 1)
    assert need["author"] == {"name": "Camille"} and not need["on_behalf"]
    hidden = contributions[evening.hidden]
    assert hidden["hidden"] and not hidden["kept"]
    behalf = contributions[evening.on_behalf]
    assert behalf["on_behalf"] and behalf["author"] == {"name": ON_BEHALF}
    # The offers to carry a défi are its volunteers of kind hold.
    food = next(c for c in doc["challenges"] if c["id"] == evening.food)
    assert [o["kind"] for o in food["volunteers"]] == ["hold", "hold"]
    # The synthesis pre-filled the défi's sheet.
    assert food["qualification"]["solution"].startswith(SYNTHESIS.strip())


def test_who_sat_where_is_never_exported_by_name(app: Flask, evening: Evening) -> None:
    doc = export(app, evening.id)
    for fmt, text in every_format(app, doc).items():
        assert SILENT not in text, fmt
    assert SILENT not in json.dumps(doc, ensure_ascii=False)


def test_an_anonymous_workshop_names_no_contributor(app: Flask) -> None:
    evening = build_evening(app, anonymous=True)
    doc = export(app, evening.id)
    contributions = [c for t in doc["tables"] for c in t["contributions"]]
    assert contributions and all(c["author"] is None for c in contributions)
    for fmt, text in every_format(app, doc).items():
        for name in ("Camille", "Zoé", "Léon", "Inès", SILENT, ON_BEHALF):
            assert name not in text.replace("Léon A.", ""), (fmt, name)


def test_a_workshop_without_tables_exports_empty_lists(app: Flask) -> None:
    with app.app_context():
        workshop_id = make_workshop().id
    doc = export(app, workshop_id)
    assert doc["tables"] == [] and len(doc["contribution_kinds"]) == 5


def _refused(app: Flask, document: Any) -> ValidationError:
    with app.app_context(), pytest.raises(ValidationError) as caught:
        exports.validate(document)
    return caught.value


def _resigned(document: dict[str, Any]) -> dict[str, Any]:
    document["integrity"]["digest"] = exports.digest(document)
    return document


def test_broken_table_references_are_refused(app: Flask, evening: Evening) -> None:
    doc = export(app, evening.id)
    foreign = copy.deepcopy(doc)
    foreign["tables"][0]["challenge_id"] = 9999
    error = _refused(app, _resigned(foreign))
    assert error.details["path"] == "/tables/0/challenge_id"
    unknown_kind = copy.deepcopy(doc)
    unknown_kind["tables"][0]["contributions"][0]["kind"] = "dreams"
    assert _refused(app, _resigned(unknown_kind)).details["path"] == (
        "/tables/0/contributions/0/kind"
    )
    twice = copy.deepcopy(doc)
    twice["tables"][1]["number"] = twice["tables"][0]["number"]
    assert _refused(app, _resigned(twice)).details["path"] == "/tables/1/number"
    named = copy.deepcopy(doc)
    named["tables"][0]["seated"]["names"] = [SILENT]
    assert _refused(app, _resigned(named)).details["reason"] == "schema"
    # 1.1 and later carry the tables; a 1.0 document never does.
    missing = copy.deepcopy(doc)
    del missing["tables"]
    assert _refused(app, _resigned(missing)).details["reason"] == "schema"
    older = copy.deepcopy(doc)
    older["version"] = "1.0"
    assert _refused(app, _resigned(older)).details["reason"] == "schema"


def import_into_a_portfolio(app: Flask, data: bytes) -> Any:
    with app.app_context():
        fabrique = fabriques.create_fabrique(NewFabrique(slug="fabrique-test", name="Fabrique"))
        return portfolio.import_export(fabrique, data)


def test_an_older_export_still_validates_and_imports(app: Flask) -> None:
    raw = OLDER_EXPORT.read_bytes()
    document = json.loads(raw)
    assert document["version"] == "1.0" and "tables" not in document
    with app.app_context():
        exports.validate(document)
    result = import_into_a_portfolio(app, raw)
    assert result.status == "created" and result.challenges == 4 and result.ideas == 16
    # Its CSV, XLSX and report still render, with no tables.
    with app.test_request_context():
        for fmt in exports.FORMATS:
            data, _mime, _name = exports.render_document(document, fmt, "older")
            assert data
        assert exports.table_csv(document, "tables", "open") == (
            ",".join(export_tables.field_names("tables")).encode() + b"\r\n"
        )


def test_a_new_export_imports_into_a_portfolio(app: Flask, evening: Evening) -> None:
    doc = export(app, evening.id)
    result = import_into_a_portfolio(app, json.dumps(doc).encode())
    assert result.status == "created" and result.challenges == 2


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_the_tables_and_contributions_csv(app: Flask, evening: Evening) -> None:
    doc = export(app, evening.id)
    with app.test_request_context():
        tables = read_csv(exports.table_csv(doc, "tables", "open"))
        contributions = read_csv(exports.table_csv(doc, "contributions", "open"))
    assert list(tables[0]) == export_tables.field_names("tables")
    first = tables[0]
    assert first["number"] == "1" and first["challenge_id"] == str(evening.food)
    assert first["challenge_title"] == "Comment pourrions-nous manger local ?"
    assert (first["seated"], first["seated_business"], first["seated_other"]) == ("4", "1", "0")
    assert (first["contributions"], first["kept"], first["rounds"]) == ("4", "2", "1")
    assert (first["has_host"], first["synthesis_done"], first["carry_offers"]) == (
        "true",
        "true",
        "2",
    )
    assert first["synthesis"] == SYNTHESIS
    assert tables[1]["carry_offers"] == "0" and tables[1]["has_host"] == "false"
    assert list(contributions[0]) == export_tables.field_names("contributions")
    by_id = {int(row["id"]): row for row in contributions}
    need = by_id[evening.kept[0]]
    # A formula never reaches a spreadsheet as one.
    assert need["text"] == "'" + FORMULA and need["kind_label"] == "Besoins et publics"
    assert (need["kept"], need["votes"], need["author_name"]) == ("true", "1", "Camille")
    assert by_id[evening.hidden]["hidden"] == "true"
    assert by_id[evening.on_behalf]["author_name"] == ON_BEHALF
    assert len(contributions) == 5


def test_the_open_csv_zip_describes_the_new_files(app: Flask, evening: Evening) -> None:
    doc = export(app, evening.id)
    with app.test_request_context():
        data, _mime, _name = exports.render_document(doc, "csv", "semis-test")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        package = json.loads(archive.read("datapackage.json"))
        names = set(archive.namelist())
    assert {"tables.csv", "contributions.csv"} <= names
    assert {"tableschema/tables.json", "tableschema/contributions.json"} <= names
    assert {r["name"] for r in package["resources"]} >= {"tables", "contributions"}


def test_the_workbook_has_french_tables_and_contributions_sheets(
    app: Flask, evening: Evening
) -> None:
    doc = export(app, evening.id)
    with app.test_request_context():
        data, _mime, _name = exports.render_document(doc, "xlsx", "semis-test")
    book = load_workbook(io.BytesIO(data))
    header = [cell.value for cell in book["Tables"][1]]
    assert header[:3] == ["N°", "N° de table", "N° du défi"]
    assert header[header.index("Personnes assises") + 2] == "dont élu·es et collectivités"
    rows = list(book["Contributions"].iter_rows(min_row=2, values_only=True))
    columns = export_tables.field_names("contributions")
    kept = {row[columns.index("id")]: row[columns.index("kept")] for row in rows}
    assert kept[evening.kept[0]] == "oui" and kept[evening.hidden] == "non"


def test_the_report_shows_each_challenges_tables(app: Flask, evening: Evening) -> None:
    doc = export(app, evening.id)
    with app.test_request_context():
        html = exports.render_document(doc, "report", "semis-test")[0].decode("utf-8")
    food = html[html.index(f'id="challenge-{evening.food}"') :]
    food = food[: food.index("</section>")]
    table = food[food.index(f'id="table-{evening.first}"') :]
    assert "Table 1" in table
    assert "4 personnes y étaient assises" in table
    assert "Citoyen ou citoyenne : 1" in table and "Personne élue ou collectivité : 1" in table
    assert "Une légumerie partagée pour les cantines" in table
    assert "Ce que la table a retenu" in table
    # Participants' text is escaped; the hidden contribution is left out.
    assert "&lt;script&gt;" in table and "<script>" not in html
    assert "Le coût du foncier" not in html
    assert "La chambre d&#39;agriculture" in table
    assert "2 personnes pourraient le porter" in food
    mobility = html[html.index(f'id="challenge-{evening.mobility}"') :]
    mobility = mobility[: mobility.index("</section>")]
    assert "Des bus le dimanche" in mobility and "Aucune synthèse" in mobility


def test_a_busy_table_imports_within_the_bounds(app: Flask, evening: Evening) -> None:
    """A table of 50 people may write hundreds of contributions: more than the 100
    items an import reads in a list it does not name."""
    doc = export(app, evening.id)
    contributions = doc["tables"][1]["contributions"]
    model = contributions[0]
    contributions.extend(
        model | {"id": 10_000 + n, "text": f"Contribution n° {n}"} for n in range(300)
    )
    result = import_into_a_portfolio(app, json.dumps(_resigned(doc)).encode())
    assert result.status == "created"
