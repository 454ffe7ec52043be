"""The members' report page, its XLSX, the carnet's settings: HTTP, in French."""

from __future__ import annotations

import datetime as dt
import io
import re

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from tests.conftest import as_facilitator
from tests.reports.conftest import (
    EXPECTED,
    PERSON,
    PERSON_EMAIL,
    TERRITORY,
    Portfolio,
    session,
)
from workshop.extensions import db
from workshop.models import Fabrique, Project, ProjectEvent

PERIOD = {"start": "2026-01-01", "end": "2026-06-30", "territory": TERRITORY}


def _cells(html: str, key: str) -> list[str]:
    """The text of the cells of the report's table ``key``."""
    table = html.split(f'data-report="{key}"', 1)[1].split("</table>", 1)[0]
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", table, re.S)
    ]


def test_the_report_page_shows_the_figures_in_french(client: FlaskClient, built: Portfolio) -> None:
    as_facilitator(client, built.member_email)
    response = client.get(f"/fabriques/{built.slug}/rapport", query_string=PERIOD)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "Rapport d’activité" in html
    assert "du 01/01/2026 au 30/06/2026" in html
    assert "Fabrique-Nord" in html
    assert "Généré le" in html
    profiles = _cells(html, "profiles")
    assert profiles[profiles.index("Citoyen ou citoyenne") + 1] == "6"
    assert profiles[profiles.index("Non renseigné") + 1] == str(EXPECTED["by_profile"]["not_given"])
    stages = _cells(html, "stages")
    assert stages[-2:] == ["Total", str(EXPECTED["projects"])]
    ideas = _cells(html, "ideas")
    assert ideas[-2:] == ["Total", "9"]
    assert "Décisions des comités" in html
    # Counts only: no person's name, email or relaying partner.
    for personal in (PERSON, PERSON_EMAIL, "Mairie d&#39;Annonay", "Ruche"):
        assert personal not in html


def test_the_current_year_is_the_default_period(client: FlaskClient, built: Portfolio) -> None:
    as_facilitator(client, built.member_email)
    html = client.get(f"/fabriques/{built.slug}/rapport").get_data(as_text=True)
    assert 'value="2026-01-01"' in html and 'value="2026-12-31"' in html
    assert 'value="Nord Ardèche"' in html  # the known territories, as choices


def test_a_wrong_period_is_said_and_the_form_kept(client: FlaskClient, built: Portfolio) -> None:
    as_facilitator(client, built.member_email)
    backwards = client.get(
        f"/fabriques/{built.slug}/rapport",
        query_string={"start": "2026-06-30", "end": "2026-01-01", "territory": "Vercors"},
    )
    assert backwards.status_code == 400
    html = backwards.get_data(as_text=True)
    assert "La fin de la période vient avant son début." in html
    assert 'value="Vercors"' in html and 'value="2026-06-30"' in html
    assert 'id="report"' not in html
    not_a_date = client.get(
        f"/fabriques/{built.slug}/rapport.xlsx", query_string={"start": "31/02/2026"}
    )
    assert not_a_date.status_code == 400
    assert "Ce n’est pas une date" in not_a_date.get_data(as_text=True)


def test_the_xlsx_has_one_sheet_per_table_with_bold_french_headers(
    client: FlaskClient, built: Portfolio
) -> None:
    as_facilitator(client, built.member_email)
    response = client.get(f"/fabriques/{built.slug}/rapport.xlsx", query_string=PERIOD)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert (
        'filename="rapport-fabrique-nord-2026-01-01-2026-06-30.xlsx"'
        in response.headers["Content-Disposition"]
    )
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [
        "Séances tenues",
        "Participants par profil",
        "Idées par origine",
        "Projets par étape",
        "Porteurs trouvés",
        "Projets lancés",
        "Décisions des comités",
    ]
    stages = book["Projets par étape"]
    rows = [row for row in stages.iter_rows(values_only=True) if any(row)]
    assert rows[0][0] == "Projets à chaque étape (aujourd’hui)"
    header_row = next(r for r in stages.iter_rows() if r[0].value == "Étape")
    assert all(cell.font.bold for cell in header_row if cell.value)
    counts = {row[0]: row[1] for row in rows if isinstance(row[1], int)}
    assert counts["Lancée"] == EXPECTED["stages"]["launched"]
    assert counts["Total"] == EXPECTED["projects"]
    profiles = {
        row[0]: row[1]
        for row in book["Participants par profil"].iter_rows(values_only=True)
        if len(row) > 1 and isinstance(row[1], int)
    }
    assert profiles["Non renseigné"] == 9 and profiles["Total"] == 20
    text = " ".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    assert "Fabrique-Nord" in text and "01/01/2026" in text
    assert PERSON not in text and PERSON_EMAIL not in text


def test_another_fabriques_member_gets_nothing(client: FlaskClient, built: Portfolio) -> None:
    as_facilitator(client, built.other_email)
    assert client.get(f"/fabriques/{built.slug}/rapport").status_code == 403
    assert client.get(f"/fabriques/{built.slug}/rapport.xlsx").status_code == 403
    assert client.post(f"/fabriques/{built.slug}/carnet", data={"intro": "x"}).status_code == 403
    # Their own project id on the other Fabrique's address: not found.
    mine = built.other_projects["p1"]
    assert (
        client.post(
            f"/fabriques/{built.other_slug}/projets/{built.projects['p1']}/carnet",
            data={"published": "1"},
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/fabriques/{built.other_slug}/projets/{mine}/carnet", data={"published": "1"}
        ).status_code
        == 302
    )


def test_signed_out_people_are_sent_to_sign_in(client: FlaskClient, built: Portfolio) -> None:
    for page in ("rapport", "rapport.xlsx"):
        response = client.get(f"/fabriques/{built.slug}/{page}")
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_member_writes_the_carnets_introduction(
    app: Flask, client: FlaskClient, built: Portfolio
) -> None:
    as_facilitator(client, built.member_email)
    saved = client.post(f"/fabriques/{built.slug}/carnet", data={"intro": "Nos projets\nen cours."})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/rapport#carnet")
    too_long = client.post(f"/fabriques/{built.slug}/carnet", data={"intro": "x" * 4001})
    assert too_long.status_code == 400
    html = too_long.get_data(as_text=True)
    assert "Ce champ est trop long" in html and "x" * 4001 in html
    with app.app_context():
        fabrique = db.session.query(Fabrique).filter_by(slug=built.slug).one()
        assert fabrique.carnet_intro == "Nos projets\nen cours."


def test_a_member_shows_a_project_in_the_carnet_with_its_summary(
    app: Flask, client: FlaskClient, built: Portfolio
) -> None:
    as_facilitator(client, built.member_email)
    project_id = built.projects["p1"]
    page = f"/fabriques/{built.slug}/projets/{project_id}"
    shown = client.post(
        f"{page}/carnet",
        data={"published": "1", "public_summary": "Une épicerie mobile.", "next": page},
    )
    assert shown.status_code == 302 and shown.headers["Location"] == page
    # A link elsewhere is not followed.
    elsewhere = client.post(
        f"{page}/carnet",
        data={
            "published": "1",
            "public_summary": "Une épicerie mobile.",
            "next": "//evil.example/",
        },
    )
    assert elsewhere.headers["Location"].endswith(f"/fabriques/{built.slug}/rapport#carnet")
    too_long = client.post(f"{page}/carnet", data={"published": "1", "public_summary": "é" * 2001})
    assert too_long.status_code == 400
    assert "é" * 2001 in too_long.get_data(as_text=True)
    with app.app_context():
        project = db.session.get(Project, project_id)
        assert project is not None
        assert project.published and project.public_summary == "Une épicerie mobile."
        # Publishing is not a change of the follow-up: the sheet still follows the imports.
        assert project.follow_source == "import"
        kinds = [e.kind for e in db.session.query(ProjectEvent).filter_by(project_id=project_id)]
        assert kinds.count("published") == 1
    hidden = client.post(f"{page}/carnet", data={"public_summary": "Une épicerie mobile."})
    assert hidden.status_code == 302
    with app.app_context():
        project = db.session.get(Project, project_id)
        assert project is not None and not project.published
    report = client.get(f"/fabriques/{built.slug}/rapport").get_data(as_text=True)
    assert "0 projet montré" in report


def test_a_title_a_spreadsheet_would_run_stays_text_in_the_workbook(
    app: Flask, client: FlaskClient, built: Portfolio
) -> None:
    formula = '=HYPERLINK("http://evil.example","clic")'
    with app.app_context():
        fabrique = db.session.query(Fabrique).filter_by(slug=built.slug).one()
        session(fabrique, dt.date(2026, 2, 2), TERRITORY, title=formula)
        db.session.commit()
    as_facilitator(client, built.member_email)
    response = client.get(f"/fabriques/{built.slug}/rapport.xlsx", query_string=PERIOD)
    sheet = load_workbook(io.BytesIO(response.data))["Séances tenues"]
    [cell] = [c for row in sheet.iter_rows() for c in row if c.value == formula]
    assert cell.data_type == "s" and cell.quotePrefix
