"""The Start-up de Territoire evening through the real server (issue #13): a facilitator
turns two défis into tables and prints their cards; two hosts open their host links and
two phones scan their table's QR link; contributions, votes, keeping and syntheses at
each table (a table's work never reaches the other table's phones); the screen's
roll-up follows; the restitution puts one table in the spotlight on the screen and the
phones; then the plenary dot vote on the défis and a « je pourrais porter ce défi »
offer, counted live on the screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_grouping import column
from tests.browser.test_live_session import join, set_up_facilitator

pytestmark = pytest.mark.browser

MOBILITE = "Comment pourrions-nous nous déplacer sans voiture ?"
ALIMENTATION = "Comment pourrions-nous mieux manger à la cantine ?"
TABLES = 30


def tile(page: Page, number: int) -> Any:
    return page.locator(f".table-tile[data-number='{number}']")


def contribution(page: Page, text: str) -> Any:
    return page.locator("#table-contributions .contribution", has_text=text)


def test_tables_evening(fresh_server: Any, new_page: Any) -> None:
    console: Page = new_page()
    set_up_facilitator(console, fresh_server)

    # A « Soirée défis »: its agenda is welcome, tables, restitution, vote, results.
    console.click("main a.button--primary")
    console.check("input[name=format][value=challenges_evening]")
    console.fill("#title", "Start-up de Territoire")
    console.fill("#question", "Quels projets pour notre territoire ?")
    console.click("main button[type=submit]")
    expect(console.locator("#agenda-rows tr")).to_have_count(5)
    console.click("main button.button--primary[type=submit]")
    expect(console).to_have_url(re.compile(r"/f/w/\d+$"))
    console_url = console.url
    for title in (MOBILITE, ALIMENTATION):
        console.fill("#new-challenge-title", title)
        console.click("#new-challenge button[type=submit]")
        expect(column(console, title)).to_have_count(1)
    # 28 more: the evening's 30 défis (the field clears at once, no need to wait).
    for number in range(3, TABLES + 1):
        console.fill(
            "#new-challenge-title",
            f"Comment pourrions-nous faire vivre la piste {number} avec les habitants ?",
        )
        console.click("#new-challenge button[type=submit]")
    expect(console.locator("#board .column")).to_have_count(TABLES + 1)  # + the unclassified

    # The tables page: one table per défi (30), 6 seats each.
    console.click("#tables-page-link")
    expect(console.locator("#create-tables")).to_be_visible()
    check_a11y(console, "tables-page-empty")
    console.fill("#create-capacity", "6")
    console.click("#create-tables button[type=submit]")
    expect(console.locator("#tables-list tbody tr")).to_have_count(TABLES)
    expect(console.locator("#tables-message")).to_have_text("30 tables créées.")
    check_a11y(console, "tables-page")
    # The kinds of contributions: one renamed, one added, one removed.
    console.fill("#kind-obstacles", "Freins et risques")
    console.locator("[data-kind-key=holders] [data-remove-kind]").click()
    console.fill("#new-kind", "Financements possibles")
    console.click("#add-kind")
    console.click("#kinds-form button[type=submit]")
    expect(console.locator("#tables-message")).to_have_text("Enregistré.")
    expect(console.locator("#kinds-list li")).to_have_count(5)
    expect(console.locator("#kinds-list input").nth(4)).to_have_value("Financements possibles")
    seat_links = console.locator("[data-seat-link]").evaluate_all("els => els.map(e => e.href)")
    host_links = console.locator("[data-host-link]").evaluate_all("els => els.map(e => e.href)")
    assert len(seat_links) == len(host_links) == TABLES

    # The cards: one per table, with its QR code and its seat link.
    cards = console  # the facilitator's own session
    cards.click("#cards-a5")
    expect(cards.locator(".card-sheet")).to_have_count(TABLES)
    expect(cards.locator(".card-sheet svg")).to_have_count(TABLES)
    expect(cards.locator(".card-sheet").first).to_contain_text("Table 1")
    assert (
        cards.locator(".card-sheet__url a").evaluate_all("els => els.map(e => e.href)")
        == seat_links
    )
    check_a11y(cards, "table-cards")

    # Open the workshop, show the screen, start the table work.
    console.goto(console_url)
    console.click("#open-workshop")
    expect(console.locator("#status-badge")).to_have_attribute("data-status", "open")
    screen: Page = new_page()
    screen.set_viewport_size({"width": 1920, "height": 1080})
    screen.goto(str(console.get_attribute("#screen-link", "href")))
    console.click("#phase-next")
    expect(console.locator("#steps li").nth(1)).to_have_class(re.compile("step--current"))
    expect(console.locator("#tables-panel")).to_be_visible()

    # Two hosts through their host links, two phones through their table's QR link.
    hosts: list[Page] = []
    for number, (name, url) in enumerate(zip(("Hélène", "Hugo"), host_links[:2], strict=True), 1):
        host: Page = new_page(phone=True)
        host.goto(url)
        expect(host.locator("#table-arrival")).to_contain_text(f"table {number}")
        join(host, url, name, "association")
        expect(host.locator("#host-panel")).to_be_visible()
        expect(host.locator("#table-number")).to_have_text(f"Table {number}")
        hosts.append(host)
    check_a11y(hosts[0], "host-console")
    ana: Page = new_page(phone=True)
    ana.goto(seat_links[0])
    expect(ana.locator("#table-arrival")).to_contain_text("table 1")
    check_a11y(ana, "join-table")
    join(ana, seat_links[0], "Ana", "citizen")
    bruno: Page = new_page(phone=True)
    join(bruno, seat_links[1], "Bruno", "business")
    expect(ana.locator("#table-heading")).to_have_text(MOBILITE)
    expect(bruno.locator("#table-heading")).to_have_text(ALIMENTATION)
    expect(ana.locator("#host-panel")).to_be_hidden()
    kinds = ana.locator("#contribution-kind option").all_inner_texts()
    assert kinds == [
        "Besoins et publics",
        "Pistes de solution",
        "Acteurs et ressources",
        "Freins et risques",
        "Financements possibles",
    ]
    check_a11y(ana, "phone-my-table")

    # Table 2 down to 2 seats (Hugo and Bruno): Chloé, scanning its card, is shown the
    # tables with seats left and sits at table 3 instead.
    console.goto(console_url + "/tables")
    console.fill("#tables-list tbody tr:nth-child(2) input[name=capacity]", "2")
    console.click("#tables-list tbody tr:nth-child(2) [data-capacity-form] button")
    expect(console.locator("#tables-list tbody tr:nth-child(2) [data-seated]")).to_have_text(
        "2 / 2"
    )
    chloe: Page = new_page(phone=True)
    chloe.goto(seat_links[1])
    expect(chloe.locator("#free-tables")).to_be_visible()
    expect(chloe.locator("h1")).to_contain_text("table 2")
    check_a11y(chloe, "table-full")
    chloe.get_by_role("link", name="M’asseoir à la table 3", exact=True).click()
    expect(chloe.locator("#table-arrival")).to_contain_text("table 3")
    join(chloe, chloe.url, "Chloé", "elected")
    expect(chloe.locator("#table-number")).to_have_text("Table 3")
    chloe.close()
    console.goto(console_url)

    # The screen's roll-up: the 30 tables on one 1920×1080 page, nothing scrolled or cut.
    expect(screen.locator(".table-tile")).to_have_count(TABLES)
    expect(tile(screen, 1).locator(".table-tile__seated")).to_contain_text("2 / 6")
    expect(tile(screen, 3).locator(".table-tile__seated")).to_contain_text("1 / 6")
    expect(screen.locator("#pager")).to_have_text("30 tables")
    outside = screen.evaluate(
        """() => [...document.querySelectorAll('.table-tile')].filter((tile) => {
             const r = tile.getBoundingClientRect();
             return r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth;
           }).length"""
    )
    assert outside == 0
    assert screen.evaluate("document.documentElement.scrollHeight <= innerHeight")
    check_a11y(screen, "screen-tables")

    # Ana writes a need; her host writes a solution for Marcel, who has no phone.
    ana.select_option("#contribution-kind", "needs")
    ana.fill("#contribution-text", "Des horaires de bus adaptés aux soirées")
    ana.click("#contribution-form button[type=submit]")
    expect(contribution(ana, "horaires de bus")).to_have_count(1)
    helene, hugo = hosts
    expect(contribution(helene, "horaires de bus")).to_have_count(1)
    helene.select_option("#contribution-kind", "solutions")
    helene.fill("#contribution-text", "Une navette partagée le samedi")
    helene.fill("#contribution-behalf", "Marcel")
    helene.click("#contribution-form button[type=submit]")
    navette = contribution(ana, "navette partagée")
    expect(navette).to_contain_text("Marcel")
    # The other table's phones never see it.
    bruno.select_option("#contribution-kind", "actors")
    bruno.fill("#contribution-text", "Le lycée agricole et sa cuisine")
    bruno.click("#contribution-form button[type=submit]")
    expect(contribution(hugo, "lycée agricole")).to_have_count(1)
    expect(contribution(bruno, "navette")).to_have_count(0)
    expect(contribution(hugo, "navette")).to_have_count(0)
    expect(contribution(helene, "lycée agricole")).to_have_count(0)

    # Ana votes for the shuttle: 2 votes left.
    expect(ana.locator("#table-votes-left")).to_contain_text("3 votes")
    navette.get_by_role("button", name=re.compile("^Vote")).click()
    expect(ana.locator("#table-votes-left")).to_contain_text("2 votes")
    expect(contribution(helene, "navette partagée")).to_contain_text("1 vote")

    # Hélène keeps it and writes the synthesis; Hugo writes his.
    contribution(helene, "navette partagée").get_by_role(
        "button", name=re.compile("^Retenir")
    ).click()
    expect(navette).to_contain_text("Retenue par la table")
    helene.fill("#synthesis-text", "Une navette le samedi, portée par la communauté de communes.")
    helene.check("#synthesis-done")
    helene.click("#synthesis-form button[type=submit]")
    expect(helene.locator("#synthesis-message")).to_contain_text("terminée")
    expect(ana.locator("#table-synthesis-text")).to_contain_text("navette le samedi")
    check_a11y(helene, "host-console-synthesis")
    hugo.fill("#synthesis-text", "Cuisiner avec le lycée agricole.")
    hugo.click("#synthesis-form button[type=submit]")
    expect(hugo.locator("#synthesis-message")).to_contain_text("enregistrée")

    # The roll-up follows: table 1 has 2 contributions, 1 kept, its synthesis done.
    expect(tile(screen, 1).locator(".table-tile__contributions")).to_contain_text("2 contributions")
    expect(tile(screen, 1).locator(".table-tile__kept")).to_contain_text("1 retenue")
    expect(tile(screen, 1).locator(".table-tile__done")).to_be_visible()
    expect(tile(screen, 2).locator(".table-tile__done")).to_have_count(0)
    expect(tile(console, 1).locator(".table-tile__contributions")).to_contain_text(
        "2 contributions"
    )

    # The console opens one table in place.
    tile(console, 2).get_by_role("button", name=re.compile("^Ouvrir")).click()
    expect(console.locator("#table-drill")).to_contain_text("lycée agricole")
    check_a11y(console, "console-tables")

    # Restitution: table 1 in the spotlight, on the screen and the phones.
    console.click("#phase-next")
    expect(console.locator("#steps li").nth(2)).to_have_class(re.compile("step--current"))
    tile(console, 1).get_by_role("button", name=re.compile("^Mettre à l’honneur")).click()
    spotlight = screen.locator("#spotlight")
    expect(spotlight).to_be_visible()
    expect(spotlight).to_contain_text("Table 1")
    expect(spotlight).to_contain_text("portée par la communauté de communes")
    expect(spotlight.locator(".spotlight__kept")).to_contain_text("navette partagée")
    expect(screen.locator("#table-tiles")).to_be_hidden()
    check_a11y(screen, "screen-spotlight", sizes=["projector"])
    expect(bruno.locator("#spotlight-section")).to_contain_text("navette le samedi")
    check_a11y(bruno, "phone-spotlight")

    # The plenary dot vote on the défis.
    console.click("#phase-next")
    expect(console.locator("#steps li").nth(3)).to_have_class(re.compile("step--current"))
    console.select_option("#vote-target", "challenges")
    console.click("#vote-settings button[type=submit]")
    expect(console.locator("#vote-message")).not_to_be_empty()
    mobilite_vote = ana.locator("#challenge-votes .idea", has_text=MOBILITE)
    mobilite_vote.get_by_role("button", name=re.compile("^Ajouter un vote")).click()
    expect(mobilite_vote.locator(".vote-count")).to_have_text("1")
    # On the plenary steps their task comes first, the table further down.
    assert ana.evaluate(
        """() => Boolean(document.querySelector('#challenge-votes').compareDocumentPosition(
             document.querySelector('#table-section')) & Node.DOCUMENT_POSITION_FOLLOWING)"""
    )
    check_a11y(ana, "phone-vote-on-defis")
    expect(screen.locator("#status-line")).to_contain_text("1 personne a voté")

    # Results: « je pourrais porter ce défi », counted live on the screen.
    console.click("#phase-next")
    expect(console.locator("#steps li").nth(4)).to_have_class(re.compile("step--current"))
    picker = bruno.locator("#volunteer-target")
    value = picker.locator("option", has_text=MOBILITE).get_attribute("value")
    assert value
    picker.select_option(value)
    bruno.check("#volunteer-form input[name=kind][value=hold]")
    bruno.click("#volunteer-form button[type=submit]")
    expect(bruno.locator("#my-offers .idea")).to_have_count(1)
    board_item = screen.locator(".qualify-board__item", has_text=MOBILITE)
    expect(board_item).to_contain_text("1")
    expect(board_item.locator(".qualify-board__counts")).not_to_be_empty()
    check_a11y(screen, "screen-offers")
