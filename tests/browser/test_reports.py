"""A member's activity report in a real browser: a session imported, the report for a
territory typed in another case, a wrong period said with the form kept, the workbook
downloaded, the page printed without its navigation; then the public carnet."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_live_session import set_up_facilitator
from tests.portfolio.conftest import build_document, challenge, idea

pytestmark = pytest.mark.browser


def test_a_member_makes_a_report_and_writes_the_carnet(fresh_server: Any, new_page: Any) -> None:
    page: Page = new_page()
    set_up_facilitator(page, fresh_server)
    fresh_server.flask(
        "fabriques", "create", "fab-nord", "--name", "Fabrique du Nord",
        "--member", "camille@example.org",
    )  # fmt: skip
    document = build_document(
        title="Soirée manger local",
        territory="Nord Ardèche",
        challenges=[challenge(1, "Comment pourrions-nous manger local ?")],
        ideas=[idea(1, "Une épicerie itinérante", 1), idea(2, "Un marché", 1)],
    )
    page.goto(fresh_server.url + "/fabriques/fab-nord/")
    page.set_input_files(
        "#import-file",
        files=[
            {
                "name": "soiree.json",
                "mimeType": "application/json",
                "buffer": json.dumps(document).encode(),
            }
        ],
    )
    page.click("main form[enctype] button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("Soirée manger local")

    page.goto(fresh_server.url + "/fabriques/fab-nord/rapport")
    page.fill("#report-start", "2026-01-01")
    page.fill("#report-end", "2026-12-31")
    page.fill("#report-territory", "NORD ardèche")
    page.click("#report-form button.button--primary")
    report = page.locator("#report")
    expect(report.locator("h2")).to_have_text("Fabrique du Nord")
    expect(report.locator("[data-report=sessions]")).to_contain_text("Soirée manger local")
    profiles = report.locator("[data-report=profiles] tr", has_text="Non renseigné")
    expect(profiles.locator("td")).to_have_text("12")
    check_a11y(page, "report", sizes=["phone"])

    # Printed: the report alone, without the navigation and the forms.
    page.emulate_media(media="print")
    expect(page.locator(".portfolio-nav")).to_be_hidden()
    expect(page.locator("#report-form")).to_be_hidden()
    expect(report.locator("h2")).to_be_visible()
    page.emulate_media(media="screen")

    with page.expect_download() as pending:
        page.click("#report-form button[formaction]")
    book = load_workbook(io.BytesIO(Path(pending.value.path()).read_bytes()))
    assert book.sheetnames[0] == "Séances tenues"
    assert re.fullmatch(
        r"rapport-fab-nord-2026-01-01-2026-12-31\.xlsx", pending.value.suggested_filename
    )

    # A period the wrong way round: said, the form kept.
    page.fill("#report-start", "2026-12-31")
    page.fill("#report-end", "2026-01-01")
    page.click("#report-form button.button--primary")
    expect(page.locator("#form-error")).to_contain_text(
        "La fin de la période vient avant son début"
    )
    expect(page.locator("#report-territory")).to_have_value("NORD ardèche")
    expect(page.locator("#report-end")).to_have_attribute("aria-invalid", "true")
    check_a11y(page, "report-wrong-period")

    page.fill("#carnet-intro", "Les projets que nous accompagnons dans le Nord Ardèche.")
    page.click("#carnet-intro-form button")
    expect(page.locator(".flash")).to_contain_text(
        "L’introduction du carnet de projets est enregistrée"
    )

    visitor: Page = new_page(phone=True)
    visitor.goto(fresh_server.url + "/p/fab-nord/carnet")
    expect(visitor.locator("h1")).to_have_text("Fabrique du Nord")
    expect(visitor.locator(".carnet__intro")).to_contain_text("Nord Ardèche")
    expect(visitor.locator(".empty")).to_have_text("Aucun projet n’est encore montré ici.")
    check_a11y(visitor, "carnet-phone")
