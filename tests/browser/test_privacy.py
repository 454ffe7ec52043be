"""Personal data through the real UI: the organiser fills the workshop's data page, a
phone reads it in the notice at join, erases its own data (« Supprimer mes données »),
and the facilitator erases another participant from the console's list; the console
and the screen follow live."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_live_session import join, open_at_ideas

pytestmark = pytest.mark.browser


def test_notice_erasure_from_the_phone_and_from_the_console(
    fresh_server: Any, new_page: Any
) -> None:
    console, join_url = open_at_ideas(new_page, fresh_server, "Soirée des solidarités")
    console_url = console.url
    screen: Page = new_page()
    screen.goto(str(console.get_attribute("#screen-link", "href")))

    # The organiser says who is responsible, who receives the results, the retention.
    console.click("#privacy-link")
    check_a11y(console, "privacy-settings")
    console.fill("#organiser", "Centre social des Bauges")
    console.fill("#organiser_contact", "donnees@cs-bauges.example")
    console.fill("#recipient", "Fabrique à initiatives des Bauges")
    console.fill("#retention_days", "90")
    console.check("input[name=erasure_ideas][value=keep]")
    console.click("#privacy-settings button[type=submit]")
    expect(console.locator(".flash")).to_contain_text("enregistrés")
    expect(console.locator("#retention_days")).to_have_value("90")
    check_a11y(console, "privacy-settings-saved")
    console.goto(console_url)

    # A phone reads the notice before joining: who, contact, the Fabrique, the CNIL.
    camille: Page = new_page(phone=True)
    camille.goto(join_url)
    notice = camille.locator("[data-privacy-notice]")
    for words in (
        "Centre social des Bauges",
        "donnees@cs-bauges.example",
        "Fabrique à initiatives des Bauges",
        "90 jours",
        "CNIL",
        "Supprimer mes données",
    ):
        expect(notice).to_contain_text(words)
    check_a11y(camille, "join-with-notice")
    join(camille, join_url, "Camille")
    camille.fill("#idea-title", "Un repair café au village")
    camille.click("#post-form button[type=submit]")
    expect(camille.locator("#my-ideas .idea")).to_have_count(1)
    dominique: Page = new_page(phone=True)
    join(dominique, join_url, "Dominique")

    people = console.locator("#people")
    console.locator("details", has=people).locator("summary").click()
    expect(people).to_contain_text("Camille")
    expect(people).to_contain_text("Dominique")
    check_a11y(console, "console-people")
    expect(screen.locator("#wall")).to_contain_text("Un repair café au village")

    # Camille erases her data from her phone: the page says what goes, then it goes.
    camille.locator("#my-data summary").click()
    camille.click("#erase-link")
    expect(camille.locator("h1")).to_have_text("Supprimer mes données")
    expect(camille.locator("main")).to_contain_text("Vos idées restent, sans votre nom")
    check_a11y(camille, "erase")
    camille.click("#erase-confirm")
    expect(camille.locator("#erased h1")).to_have_text("Vos données sont supprimées")
    check_a11y(camille, "erased")
    expect(people).not_to_contain_text("Camille")
    # Her idea stays, without her name, on the console and the screen.
    expect(console.locator("#wall")).to_contain_text("Un repair café au village")
    expect(console.locator("#wall")).not_to_contain_text("Camille")
    expect(screen.locator("#wall")).to_contain_text("Un repair café au village")
    # Her phone no longer opens the board: it is asked to join again.
    camille.goto(join_url)
    expect(camille.locator("#display_name")).to_be_visible()

    # The facilitator erases Dominique's data (a request made by mail), confirming.
    people.locator("li", has_text="Dominique").get_by_role("button").click()
    expect(people).not_to_contain_text("Dominique")
    dominique.reload()
    expect(dominique.locator("#display_name")).to_be_visible()
