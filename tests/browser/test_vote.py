"""A vote in real browsers: two phones vote, the screen follows, the facilitator
configures the vote, reveals it and freezes the results."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_live_session import join, open_at_ideas

pytestmark = pytest.mark.browser

IDEAS = ["Un frigo solidaire", "Une légumerie partagée", "Un jardin au pied des immeubles"]


def card(page: Page, title: str) -> Any:
    return page.locator("#wall .idea").filter(has=page.locator(".idea__title", has_text=title))


def test_hidden_vote_revealed_and_frozen(fresh_server: Any, new_page: Any) -> None:
    console, join_url = open_at_ideas(new_page, fresh_server, "Soirée vote")
    screen: Page = new_page()
    screen.goto(console.get_attribute("#screen-link", "href"))
    alice: Page = new_page(phone=True)
    join(alice, join_url, "Alice")
    bruno: Page = new_page(phone=True)
    join(bruno, join_url, "Bruno")
    for phone, title in ((alice, IDEAS[0]), (bruno, IDEAS[1]), (alice, IDEAS[2])):
        phone.fill("#idea-title", title)
        phone.click("#post-form button[type=submit]")
        expect(phone.locator("#my-ideas .idea__title", has_text=title)).to_be_visible()
    expect(screen.locator("#wall .idea")).to_have_count(3)

    # The marathon's vote step; the facilitator sets 2 dots each, 1 per idea, no own idea.
    console.locator(".step button", has_text="Vote").click()
    expect(console.locator("#vote-panel")).to_be_visible()
    console.fill("#vote-budget", "2")
    console.fill("#vote-cap", "1")
    console.uncheck("#vote-allow-own")
    console.check("#vote-hidden")
    console.locator("#vote-settings button[type=submit]").click()
    expect(console.locator("#vote-message")).not_to_be_empty()
    check_a11y(console, "console-vote-open")

    expect(alice.locator("#vote-status")).to_contain_text("2")
    # Alice cannot vote for her own ideas; she gives her two dots... but only one
    # other idea is not hers, so she gets one dot in and sees 1 left.
    expect(card(alice, IDEAS[0]).locator(".vote-button")).to_have_count(0)
    card(alice, IDEAS[1]).get_by_role("button", name=re.compile(r"^Ajouter")).click()
    expect(card(alice, IDEAS[1]).locator(".vote-count")).to_have_text("1")
    expect(alice.locator("#vote-status")).to_contain_text("1 vote restant")
    # The cap: one dot per idea, so the + is now disabled on that card.
    add = card(alice, IDEAS[1]).get_by_role("button", name=re.compile(r"^Ajouter"))
    expect(add).to_be_disabled()
    check_a11y(alice, "phone-vote-cap-reached")

    # Bruno votes for both of Alice's ideas, then takes one back and gives it again.
    for title in (IDEAS[0], IDEAS[2]):
        card(bruno, title).get_by_role("button", name=re.compile(r"^Ajouter")).click()
        expect(card(bruno, title).locator(".vote-count")).to_have_text("1")
    expect(bruno.locator("#vote-status")).to_contain_text("Vous avez donné tous vos votes")
    expect(bruno.locator("#vote-status")).not_to_contain_text("Touchez +")
    card(bruno, IDEAS[2]).get_by_role("button", name=re.compile(r"^Retirer")).click()
    expect(card(bruno, IDEAS[2]).locator(".vote-count")).to_have_text("0")
    card(bruno, IDEAS[2]).get_by_role("button", name=re.compile(r"^Ajouter")).click()
    expect(card(bruno, IDEAS[2]).locator(".vote-count")).to_have_text("1")

    # Hidden: the screen shows how many voted and how many dots, not the tallies.
    expect(screen.locator("#status-line")).to_contain_text("2 personnes ont voté")
    expect(screen.locator("#status-line")).to_contain_text("3 votes")
    expect(screen.locator("#ranking .ranking__row")).to_have_count(0)
    expect(alice.locator("#wall .idea .badge")).to_have_count(0)
    # The facilitator sees the tallies all along.
    expect(console.locator("#ranking .ranking__row")).to_have_count(3)
    check_a11y(screen, "screen-vote-hidden", sizes=["projector"])

    console.click("#vote-reveal")
    rows = screen.locator("#ranking .ranking__row")
    expect(rows).to_have_count(3)
    # Three ideas with one dot each: a three-way tie, shown as a tie.
    expect(screen.locator("#ranking .ranking__rank")).to_have_text(["1 =", "1 =", "1 ="])
    expect(rows.locator(".ranking__votes")).to_have_text(["1 vote", "1 vote", "1 vote"])
    check_a11y(screen, "screen-vote-revealed", sizes=["projector"])

    # Freeze: phones can no longer vote and see the frozen results.
    console.click("#vote-freeze")
    expect(bruno.locator("#vote-status")).to_contain_text("terminé")
    expect(bruno.locator("#vote-results .ranking__row")).to_have_count(3)
    expect(card(bruno, IDEAS[0]).locator(".vote-button")).to_have_count(0)
    expect(console.locator("#vote-reopen")).to_be_visible()
    check_a11y(bruno, "phone-vote-frozen")
    check_a11y(console, "console-vote-frozen")

    # A reload keeps it all: the phone's own dots are in its snapshot.
    alice.reload()
    expect(alice.locator("#vote-results .ranking__row")).to_have_count(3)
