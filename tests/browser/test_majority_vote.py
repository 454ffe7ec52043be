"""A vote by majority judgment in real browsers: two 360 px phones grade three défis
(one with the keyboard, one leaving a défi ungraded and grading one offline), the
results stay hidden from the screen until the console reveals them, then the screen
shows each défi's majority grade and the stacked bar of its grades in words; frozen,
the phones get the results."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_live_session import join, open_at_ideas

pytestmark = pytest.mark.browser

DEFIS = [
    "Comment pourrions-nous moins gaspiller ?",
    "Comment pourrions-nous cultiver ensemble ?",
    "Comment pourrions-nous mieux circuler ?",
]


def grade(phone: Page, defi: str, name: str) -> Any:
    return phone.get_by_role("group", name=defi).get_by_role("radio", name=name, exact=True)


def test_two_phones_grade_three_defis_and_the_screen_shows_majority_grades(
    fresh_server: Any, new_page: Any
) -> None:
    console, join_url = open_at_ideas(new_page, fresh_server, "Vote par mentions")
    screen: Page = new_page()
    screen.goto(console.get_attribute("#screen-link", "href"))
    alice: Page = new_page(phone=True)
    join(alice, join_url, "Alice")
    bruno: Page = new_page(phone=True)
    join(bruno, join_url, "Bruno")

    console.locator(".step button", has_text="Regroupement").click()
    for title in DEFIS:
        console.fill("#new-challenge-title", title)
        console.click("#new-challenge button[type=submit]")
    expect(console.locator("#board .column:not(.column--loose)")).to_have_count(3)

    # The vote step, by majority judgment on the défis, results hidden until revealed.
    console.locator(".step button", has_text="Vote").click()
    console.select_option("#vote-method", "majority")
    console.select_option("#vote-target", "challenges")
    console.check("#vote-hidden")
    console.locator("#vote-settings button[type=submit]").click()
    expect(console.locator("#vote-message")).not_to_be_empty()
    expect(console.locator("#vote-budget")).to_be_hidden()  # dots only

    expect(alice.locator("#grades-section")).to_be_visible()
    expect(alice.locator("#grades-list fieldset")).to_have_count(3)
    expect(alice.locator("#grades-section")).to_contain_text("compte comme « à rejeter »")
    expect(alice.locator("#wall .vote-button")).to_have_count(0)
    grade(alice, DEFIS[0], "excellent").check()
    expect(alice.locator("#grades-message")).to_contain_text("excellent")
    # The keyboard: « bien » on the second défi, then the arrow to the next grade down.
    grade(alice, DEFIS[1], "bien").check()
    expect(alice.locator("#grades-message")).to_contain_text("bien")
    alice.keyboard.press("ArrowRight")
    expect(grade(alice, DEFIS[1], "assez bien")).to_be_checked()
    expect(grade(alice, DEFIS[1], "assez bien")).to_be_focused()
    expect(alice.locator("#grades-message")).to_contain_text("assez bien")
    grade(alice, DEFIS[2], "passable").check()
    expect(alice.locator("#grades-progress")).to_have_text("3 propositions notées sur 3")
    check_a11y(alice, "phone-grades")

    # Bruno's network drops: his grade waits in the outbox, ticked, and leaves once
    # he is back. He leaves the third défi ungraded: it counts as « à rejeter » for him.
    bruno.context.set_offline(True)
    expect(bruno.locator("#connection")).to_contain_text("Reconnexion")
    grade(bruno, DEFIS[0], "très bien").check()
    expect(bruno.locator("#grades-message")).to_contain_text("Envoi en attente")
    expect(bruno.locator("#outbox-status")).to_have_text("1 envoi en attente")
    expect(grade(bruno, DEFIS[0], "très bien")).to_be_checked()
    expect(bruno.locator("#grades-progress")).to_have_text("1 proposition notée sur 3")
    bruno.context.set_offline(False)
    expect(bruno.locator("#grades-message")).to_contain_text("très bien")
    expect(bruno.locator("#outbox-status")).to_be_hidden()
    grade(bruno, DEFIS[1], "bien").check()
    expect(bruno.locator("#grades-progress")).to_have_text("2 propositions notées sur 3")

    # Hidden: the screen counts the voters; the console sees the results all along.
    expect(screen.locator("#status-line")).to_contain_text("2 personnes ont voté")
    expect(screen.locator("#status-line")).to_contain_text("5 mentions")
    expect(screen.locator("#ranking .ranking__row")).to_have_count(0)
    expect(console.locator("#ranking .ranking__row")).to_have_count(3)
    check_a11y(screen, "screen-grades-hidden", sizes=["projector"])

    console.click("#vote-reveal")
    rows = screen.locator("#ranking .ranking__row")
    expect(rows).to_have_count(3)
    expect(rows.locator(".ranking__title")).to_contain_text(DEFIS)
    expect(rows.locator(".ranking__votes")).to_contain_text(
        ["très bien", "assez bien", "à rejeter"]
    )
    expect(rows.first.locator(".grade-text")).to_have_text("très bien : 1, excellent : 1")
    expect(rows.nth(2).locator(".grade-text")).to_have_text("à rejeter : 1, passable : 1")
    expect(rows.locator("svg rect")).to_have_count(6)
    check_a11y(screen, "screen-grades-revealed", sizes=["projector"])

    console.click("#vote-freeze")
    expect(bruno.locator("#grades-section")).to_be_hidden()
    expect(bruno.locator("#vote-status")).to_contain_text("terminé")
    expect(bruno.locator("#vote-results .ranking__row")).to_have_count(3)
    expect(bruno.locator("#vote-results .ranking__votes").first).to_contain_text("très bien")
    check_a11y(bruno, "phone-grades-frozen")
    check_a11y(console, "console-grades-frozen")
