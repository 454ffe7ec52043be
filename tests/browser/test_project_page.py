"""A project's page in real browsers, on the real eventlet server: an imported défi is a
project in the list; a member opens it on a phone (360 px), moves it to « looking for a
holder », edits its qualification sheet, adds a holder and a note, and the dated history
says each of them. Checked with axe-core."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_live_session import set_up_facilitator
from tests.portfolio.conftest import build_document, challenge, idea, qualification

pytestmark = pytest.mark.browser

SLUG = "fab-bauges"
TITLE = "Comment pourrions-nous manger local sans voiture ?"


def test_a_member_follows_a_project_from_a_phone(
    fresh_server: Any, new_page: Any, tmp_path: Path
) -> None:
    phone: Page = new_page(phone=True)
    set_up_facilitator(phone, fresh_server)
    fresh_server.flask(
        "fabriques",
        "create",
        SLUG,
        "--name",
        "Fabrique des Bauges",
        "--member",
        "camille@example.org",
    )
    document = build_document(
        title="Soirée manger local",
        challenges=[challenge(1, TITLE, qualification=qualification("opportunity_study"))],
        ideas=[idea(1, "Une épicerie itinérante", 1), idea(2, "Un marché le samedi", None)],
    )
    export = tmp_path / "soiree.json"
    export.write_text(json.dumps(document), encoding="utf-8")
    fresh_server.flask("import", str(export), "--fabrique", SLUG)

    phone.goto(f"{fresh_server.url}/fabriques/{SLUG}/projets/")
    expect(phone.locator("h1")).to_have_text("Projets")
    expect(phone.locator("#projects tbody tr")).to_have_count(2)
    check_a11y(phone, "projects-list")
    phone.get_by_role("link", name=TITLE).click()
    expect(phone.locator("#project-title")).to_have_text(TITLE)
    expect(phone.locator("#project-ideas")).to_contain_text("Une épicerie itinérante")

    phone.select_option("#stage-select", "holder_search")
    phone.click("#stage button[type=submit]")
    expect(phone.locator(".flash")).to_contain_text("Étape enregistrée")
    expect(phone.locator("#project-stage")).to_have_text("Recherche de porteur")

    phone.fill("#sheet-solution", "Un camion qui passe dans les hameaux")
    phone.fill("#sheet-territory", "Aillon-le-Jeune")
    phone.click("#sheet-form button[type=submit]")
    expect(phone.locator(".flash")).to_contain_text("Fiche de qualification enregistrée")

    phone.select_option("#holder-kind", "structure")
    phone.fill("#holder-name", "Association Les Paniers")
    phone.click("#holders form.stack button[type=submit]")
    expect(phone.locator("#holder-list")).to_contain_text("Association Les Paniers")

    phone.fill("#note-text", "Rencontre avec la mairie le 12")
    phone.click("#history form button[type=submit]")
    history = phone.locator("#history-list > li")
    expect(history.first).to_contain_text("Rencontre avec la mairie le 12")
    expect(phone.locator("#history-list")).to_contain_text("Porteur ajouté")
    expect(phone.locator("#history-list")).to_contain_text("Un camion qui passe dans les hameaux")
    expect(phone.locator("#history-list")).to_contain_text(
        "Étude d'opportunité → Recherche de porteur"
    )
    check_a11y(phone, "project-page", sizes=["phone"])
