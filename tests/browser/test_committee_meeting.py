"""A committee meeting in real browsers, on the real eventlet server: a Fabrique member
imports a session (two défis become two projects), sets up a committee with two members
and a meeting with both projects on its agenda and opens it; the two members open their
personal links, one on a 360 px phone, and grade with the keyboard and the mouse; the
deliberation, open meanwhile, follows the grades without a reload (a decision being
typed left alone), shows the ranking and the grades in words, and records a decision
that drops a project « faute de potentiel »."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_live_session import set_up_facilitator
from tests.portfolio.conftest import build_document, challenge, idea, qualification

pytestmark = pytest.mark.browser

MARKET = "Un marché de producteurs"
GARAGE = "Un garage solidaire"
CRITERIA = 5


def export() -> bytes:
    document = build_document(
        title="Soirée défis de Privas",
        challenges=[
            challenge(1, MARKET, qualification=qualification("to_study")),
            challenge(2, GARAGE, qualification=qualification("to_study")),
        ],
        ideas=[idea(1, "Marché le samedi", 1, votes=7), idea(2, "Atelier vélo", 2, votes=3)],
    )
    return json.dumps(document).encode()


def add_member(page: Page, name: str, role: str) -> str:
    page.fill("#member-name", name)
    page.fill("#member-role", role)
    page.click("#add-member button[type=submit]")
    expect(page.locator("#issued-title")).to_contain_text(name)
    link = page.input_value("#issued-url")
    assert "/comite/" in link
    return link


def grade(page: Page, title: str, grade_label: str) -> None:
    """Give every criterion of ``title`` the grade ``grade_label`` and save."""
    item = page.locator("article.member-item", has=page.locator("h3", has_text=title))
    for number in range(CRITERIA):
        item.locator("fieldset.grades").nth(number).get_by_label(grade_label, exact=True).check()
    item.get_by_role("button", name=re.compile("Enregistrer mes notes")).click()
    expect(page.locator(".flash")).to_contain_text(f"Vos notes pour « {title} » sont enregistrées.")


def test_a_committee_grades_and_decides(fresh_server: Any, new_page: Any) -> None:
    # The deliberation page brings itself up to date every 2 s instead of 15 s.
    fresh_server.stop()
    fresh_server.settings["WORKSHOP_RESULTS_REFRESH_SECONDS"] = "2"
    fresh_server.start()
    chair: Page = new_page()
    set_up_facilitator(chair, fresh_server)
    fresh_server.flask(
        "fabriques",
        "create",
        "fab-privas",
        "--name",
        "Fabrique de Privas",
        "--member",
        "camille@example.org",
    )
    chair.goto(fresh_server.url + "/fabriques/fab-privas/")
    chair.set_input_files(
        "#import-file",
        files=[{"name": "soiree.json", "mimeType": "application/json", "buffer": export()}],
    )
    chair.click("main form[enctype] button[type=submit]")
    expect(chair.locator(".flash")).to_contain_text("importée")

    # The committee, its two members and their links.
    chair.goto(fresh_server.url + "/fabriques/fab-privas/comites")
    chair.fill("#committee-name", "Comité de pilotage")
    chair.click("#new-committee button[type=submit]")
    expect(chair.locator("h1")).to_have_text("Comité de pilotage")
    ines_link = add_member(chair, "Inès Martin", "Personne élue")
    check_a11y(chair, "committee-link-issued")
    paul_link = add_member(chair, "Paul Roux", "Expert")

    # A meeting with both projects, opened.
    chair.fill("#meeting-title", "Comité de janvier")
    chair.fill("#meeting-date", "2027-01-14")
    chair.fill("#meeting-place", "Mairie de Privas")
    chair.click("#new-meeting button[type=submit]")
    expect(chair.locator("h1")).to_have_text("Comité de janvier")
    for title in (GARAGE, MARKET):
        value = chair.locator("#agenda-project option", has_text=title).get_attribute("value")
        chair.select_option("#agenda-project", value=value)
        chair.click("#add-item button[type=submit]")
        expect(chair.locator("#agenda-items li", has_text=title)).to_be_visible()
    chair.click("#status-open")
    expect(chair.locator("#meeting-status")).to_have_text("Ouverte : les membres notent")

    # Inès grades on her phone, with the keyboard for the first criterion.
    ines: Page = new_page(phone=True)
    ines.goto(ines_link)
    expect(ines.locator("h1")).to_have_text("Comité de pilotage")
    expect(ines.locator("article.member-item")).to_have_count(2)
    expect(ines.locator("article.member-item").first).to_contain_text("Familles")
    check_a11y(ines, "member-page-phone")
    market = ines.locator("article.member-item", has=ines.locator("h3", has_text=MARKET))
    first = market.locator("fieldset.grades").first
    first.get_by_label("à rejeter", exact=True).focus()
    for _ in range(5):
        ines.keyboard.press("ArrowRight")
    expect(first.get_by_label("très bien", exact=True)).to_be_checked()
    for number in range(1, CRITERIA):
        market.locator("fieldset.grades").nth(number).get_by_label("très bien", exact=True).check()
    market.locator("textarea").fill("Un vrai besoin, des producteurs prêts.")
    market.get_by_role("button", name=re.compile("Enregistrer mes notes")).click()
    expect(ines.locator(".flash")).to_contain_text(
        f"Vos notes pour « {MARKET} » sont enregistrées."
    )
    grade(ines, GARAGE, "insuffisant")

    # The chair opens the deliberation: Inès's grades are there.
    chair.click("#to-deliberation")
    results = chair.locator("#results > li")
    expect(results).to_have_count(2)
    expect(results.first).to_contain_text("1 membre a noté")
    # The chair starts typing a decision while Paul grades on his laptop.
    garage = results.nth(1)
    garage.locator("textarea").fill("faute de")

    paul: Page = new_page()
    paul.goto(paul_link)
    grade(paul, MARKET, "bien")
    grade(paul, GARAGE, "passable")
    check_a11y(paul, "member-page-laptop")

    # Without a reload, the deliberation follows: the market first, the grades in words
    # too; the decision being typed is left as it was.
    expect(chair.locator("[data-live-status]")).to_contain_text("Résultats mis à jour à")
    expect(results.first.locator("h2")).to_contain_text(MARKET)
    expect(results.first).to_contain_text("2 membres ont noté")
    expect(results.first.locator(".grade-bar__text").first).to_have_text("bien : 1, très bien : 1")
    expect(results.first).to_contain_text("Un vrai besoin, des producteurs prêts.")
    expect(results.nth(1).locator(".majority")).to_have_text("insuffisant")
    check_a11y(chair, "deliberation")

    # The garage is dropped, with its reason.
    expect(garage.locator("textarea")).to_have_value("faute de")
    garage.get_by_label("Abandonné", exact=True).check()
    garage.locator("textarea").fill("faute de potentiel")
    garage.get_by_role("button", name=re.compile("Enregistrer la décision")).click()
    expect(chair.locator(".flash")).to_contain_text(
        f"Décision enregistrée pour « {GARAGE} » : Abandonné."
    )
    decided = chair.locator("#results > li", has=chair.locator("h2", has_text=GARAGE))
    expect(decided.locator(".decision")).to_contain_text("faute de potentiel")
    chair.goto(chair.url.split("/reunions/")[0].rsplit("/comites", 1)[0] + "/comites")
    check_a11y(chair, "committees-index")
