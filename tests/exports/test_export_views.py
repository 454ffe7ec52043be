"""The console's exports page, downloads, published schemas and the CSV upload."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.conftest import as_facilitator
from tests.exports.conftest import HIDDEN_EMAIL, HTML, Session
from tests.factories import make_facilitator
from workshop.extensions import db
from workshop.models import Idea

DOCS = Path(__file__).resolve().parent.parent.parent / "docs"
FORMATS = {
    "json": "application/json",
    "csv": "application/zip",
    "csv-excel": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "report": "text/html; charset=utf-8",
}


@pytest.fixture
def owner(client: FlaskClient, session: Session) -> FlaskClient:
    as_facilitator(client, session.owner_email)
    return client


def idea_count(app: Flask, workshop_id: int) -> int:
    with app.app_context():
        return int(
            db.session.scalar(
                select(func.count()).select_from(Idea).where(Idea.workshop_id == workshop_id)
            )
            or 0
        )


def test_the_console_links_to_the_exports_page(owner: FlaskClient, session: Session) -> None:
    console = owner.get(f"/f/w/{session.id}").get_data(as_text=True)
    assert f'href="/f/w/{session.id}/exports"' in console
    page = owner.get(f"/f/w/{session.id}/exports")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for fmt in FORMATS:
        assert f"/f/w/{session.id}/export/{fmt}" in html
    assert 'name="csrf_token"' in html and 'enctype="multipart/form-data"' in html


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_downloads(owner: FlaskClient, session: Session, fmt: str) -> None:
    response = owner.get(f"/f/w/{session.id}/export/{fmt}")
    assert response.status_code == 200
    assert response.content_type == FORMATS[fmt]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"semis-{session.code}" in disposition
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_data()
    if fmt == "json":
        document = json.loads(data)
        schema = json.loads((DOCS / "export.schema.json").read_text())
        jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
            document
        )
        assert HIDDEN_EMAIL not in data.decode()
    elif fmt in ("csv", "csv-excel"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            ideas = archive.read("ideas.csv")
        assert ideas.startswith(b"\xef\xbb\xbf") == (fmt == "csv-excel")
    elif fmt == "xlsx":
        assert "Idées" in load_workbook(io.BytesIO(data)).sheetnames
    else:
        assert "&lt;script&gt;" in data.decode()


def test_the_report_opens_under_a_policy_that_allows_only_its_style(
    owner: FlaskClient, session: Session
) -> None:
    response = owner.get(f"/f/w/{session.id}/export/report?view=1")
    assert response.headers["Content-Disposition"].startswith("inline;")
    html = response.get_data(as_text=True)
    policy = response.headers["Content-Security-Policy"]
    (style,) = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy
    assert "<script" not in html


def test_one_table_downloads_in_either_dialect(owner: FlaskClient, session: Session) -> None:
    excel = owner.get(f"/f/w/{session.id}/tables/ideas.csv")
    assert excel.status_code == 200 and excel.content_type == "text/csv; charset=utf-8"
    assert excel.get_data().decode("utf-8").startswith("\ufeffN°;Référence;Titre;")
    open_data = owner.get(f"/f/w/{session.id}/tables/votes.csv?dialect=open")
    assert open_data.get_data().startswith(b"phase_id,phase_title,target,")
    assert owner.get(f"/f/w/{session.id}/tables/participants.csv").status_code == 404
    assert owner.get(f"/f/w/{session.id}/tables/ideas.csv?dialect=tsv").status_code == 404
    assert owner.get(f"/f/w/{session.id}/export/pdf").status_code == 404


def test_only_the_workshops_facilitators_export(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    for path in (
        f"/f/w/{session.id}/exports",
        f"/f/w/{session.id}/export/json",
        f"/f/w/{session.id}/tables/ideas.csv",
    ):
        assert client.get(path).status_code == 302  # to the sign-in page
    with app.app_context():
        stranger = make_facilitator().email
    as_facilitator(client, stranger)
    for path in (
        f"/f/w/{session.id}/exports",
        f"/f/w/{session.id}/export/json",
        f"/f/w/{session.id}/export/report",
        f"/f/w/{session.id}/tables/ideas.csv",
    ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert HTML not in response.get_data(as_text=True)
    upload = client.post(
        f"/f/w/{session.id}/ideas/import",
        data={"file": (io.BytesIO(b"id,text\n1,Intrus\n"), "ideas.csv")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 403
    assert idea_count(app, session.id) == 5


def test_the_schemas_are_published(client: FlaskClient) -> None:
    schema = client.get("/schemas/export.schema.json")
    assert schema.status_code == 200 and schema.content_type == "application/schema+json"
    assert schema.get_json(force=True) == json.loads((DOCS / "export.schema.json").read_text())
    for name in ("ideas", "challenges", "volunteers", "votes", "qualifications", "phases"):
        table = client.get(f"/schemas/tableschema/{name}.json")
        assert table.get_json() == json.loads((DOCS / "tableschema" / f"{name}.json").read_text())
    package = client.get("/schemas/datapackage.json")
    assert package.get_json() == json.loads((DOCS / "datapackage.json").read_text())
    assert client.get("/schemas/tableschema/secrets.json").status_code == 404


def upload(client: FlaskClient, workshop_id: int, data: bytes, **extra: str) -> object:
    return client.post(
        f"/f/w/{workshop_id}/ideas/import",
        data={"file": (io.BytesIO(data), "avant.csv"), **extra},
        content_type="multipart/form-data",
    )


def test_uploading_a_csv_imports_its_ideas_once(
    app: Flask, owner: FlaskClient, session: Session
) -> None:
    data = "id;text\r\nP1;Une navette solidaire\r\nP2;Un atelier vélo\r\n".encode()
    response = upload(owner, session.id, data)
    assert response.status_code == 302
    page = owner.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 idées importées, 0 étaient déjà là." in page
    assert idea_count(app, session.id) == 7
    again = upload(owner, session.id, data)
    assert again.status_code == 302
    assert "0 idées importées, 2 étaient déjà là." in owner.get(again.headers["Location"]).get_data(
        as_text=True
    )
    assert idea_count(app, session.id) == 7


def test_a_bad_upload_lists_its_lines_and_imports_nothing(
    app: Flask, owner: FlaskClient, session: Session
) -> None:
    # A text longer than a title is split, not refused; longer than a description, it is.
    data = b"id;text\r\nP1;Bonne\r\nP2;\r\nP3;<b>ok</b>\r\nP4;" + b"x" * 2001 + b"\r\n"
    response = upload(owner, session.id, data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="import-line-errors"' in html
    assert "Ligne 3" in html and "Ligne 5" in html
    assert idea_count(app, session.id) == 5
    latin1 = upload(owner, session.id, "id;text\n1;Idée\n".encode("latin-1"))
    assert latin1.status_code == 400 and "UTF-8" in latin1.get_data(as_text=True)
    missing = owner.post(f"/f/w/{session.id}/ideas/import", data={})
    assert missing.status_code == 400
    assert idea_count(app, session.id) == 5


def test_the_upload_needs_the_form_token(app: Flask, owner: FlaskClient, session: Session) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    data = b"id;text\r\nP1;Une navette solidaire\r\n"
    assert upload(owner, session.id, data).status_code == 400
    assert idea_count(app, session.id) == 5
    page = owner.get(f"/f/w/{session.id}/exports").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    assert upload(owner, session.id, data, csrf_token=token.group(1)).status_code == 302
    assert idea_count(app, session.id) == 6
