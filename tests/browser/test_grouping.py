"""Grouping in real browsers: the facilitator groups ideas into défis by drag and drop
and by keyboard on the console, while a phone and the screen follow live; suggested
groups are accepted in part, then undone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_live_session import join, open_at_ideas

pytestmark = pytest.mark.browser

IDEAS = [
    "Un frigo solidaire devant la mairie",
    "Un frigo solidaire au marché couvert",
    "Des jardins partagés au pied des immeubles",
    "Un potager à l'école primaire",
    "Une navette pour les villages du plateau",
]


def column(console: Page, title: str) -> Any:
    return console.locator(f'#board section.column[aria-label="{title}"]')


def loose(console: Page) -> Any:
    return console.locator("#board .column--loose")


def card_of(scope: Any, title: str) -> Any:
    """A board card by its own title (its menus list every other title too)."""
    return scope.locator(".board__card").filter(
        has=scope.page.locator(".idea__title", has_text=re.compile(f"^{re.escape(title)}$"))
    )


def test_grouping_by_drag_keyboard_merge_split_and_suggestions(
    fresh_server: Any, new_page: Any
) -> None:
    console, join_url = open_at_ideas(new_page, fresh_server, "Atelier regroupement")
    phone: Page = new_page(phone=True)
    join(phone, join_url, "Nadia")
    for title in IDEAS:
        phone.fill("#idea-title", title)
        phone.click("#post-form button[type=submit]")
        expect(phone.locator("#my-ideas .idea__title", has_text=title)).to_be_visible()
    # Typing a close idea shows the existing one.
    phone.fill("#idea-title", "frigo solidaire")
    expect(phone.locator("#similar")).to_be_visible()
    expect(phone.locator("#similar-list li").first).to_contain_text("frigo solidaire")
    check_a11y(phone, "phone-similar-ideas")
    phone.fill("#idea-title", "")

    screen: Page = new_page()
    screen.goto(console.get_attribute("#screen-link", "href"))
    console.locator(".step button", has_text="Regroupement").click()
    expect(console.locator("#grouping-panel")).to_be_visible()
    expect(loose(console).locator(".board__card")).to_have_count(5)

    for title in (
        "Comment pourrions-nous moins gaspiller ?",
        "Comment pourrions-nous cultiver ensemble ?",
    ):
        console.fill("#new-challenge-title", title)
        console.click("#new-challenge button[type=submit]")
    gaspi = column(console, "Comment pourrions-nous moins gaspiller ?")
    cultiver = column(console, "Comment pourrions-nous cultiver ensemble ?")
    # Both défis on the board before the drag: a column arriving mid-gesture would
    # re-render the board under the mouse.
    expect(gaspi).to_have_count(1)
    expect(cultiver).to_have_count(1)

    # Drag and drop with the mouse.
    console.locator("#board").scroll_into_view_if_needed()
    source = card_of(loose(console), IDEAS[0]).locator(".idea__title").bounding_box()
    target = gaspi.locator(".column__ideas").bounding_box()
    assert source and target
    console.mouse.move(source["x"] + 10, source["y"] + 5)
    console.mouse.down()
    console.mouse.move(target["x"] + 30, target["y"] + 20, steps=15)
    console.mouse.up()
    expect(gaspi.locator(".board__card")).to_have_count(1)
    # The keyboard way: "Move to…", then its button.
    for count, title in ((1, IDEAS[2]), (2, IDEAS[3])):
        moved = card_of(loose(console), title)
        chooser = moved.locator("select").first
        chooser.focus()  # its défis are listed once it is used
        chooser.select_option(label="Comment pourrions-nous cultiver ensemble ?")
        moved.get_by_role("button", name=re.compile("^Déplacer")).click()
        expect(cultiver.locator(".board__card")).to_have_count(count)

    # The phone and the screen follow, grouped under their défis.
    expect(
        phone.locator("#wall .challenge-group__title", has_text="moins gaspiller")
    ).to_be_visible()
    expect(
        screen.locator("#columns .screen-column h3", has_text="cultiver ensemble")
    ).to_be_visible()
    expect(
        screen.locator("#columns .screen-column", has_text="cultiver ensemble").locator("li")
    ).to_have_count(2)
    check_a11y(console, "console-grouping-board")
    check_a11y(phone, "phone-grouped-wall")
    check_a11y(screen, "screen-grouping", sizes=["projector"])

    # Merge a duplicate: the second fridge is absorbed by the first.
    card_of(loose(console), IDEAS[1]).get_by_role(
        "button", name=re.compile("^Fusionner dans")
    ).click()
    card_of(console.locator("#board"), IDEAS[0]).get_by_role(
        "button", name=re.compile("^Fusionner ici")
    ).click()
    expect(card_of(console.locator("#board"), IDEAS[1])).to_have_count(0)
    expect(phone.locator("#my-ideas .idea", has_text=IDEAS[1]).locator(".badge")).to_have_text(
        "Fusionnée avec une idée proche"
    )
    check_a11y(phone, "phone-idea-merged")

    # Split: tick the school garden and make it a défi of its own.
    card_of(cultiver, IDEAS[3]).locator("input[type=checkbox]").check()
    cultiver.get_by_role("button", name="Nouveau défi avec les idées cochées").click()
    expect(console.locator("#board .column:not(.column--loose)")).to_have_count(3)
    expect(cultiver.locator(".board__card")).to_have_count(1)

    # Reorder: the second défi comes first, on the screen too.
    cultiver.get_by_role("button", name=re.compile("^Placer ce défi plus tôt")).click()
    expect(screen.locator("#columns .screen-column h3").first).to_contain_text("cultiver ensemble")

    # Rename a défi: everyone sees the new title.
    title = gaspi.locator(".challenge__title")
    title.fill("Comment pourrions-nous ne plus rien jeter ?")
    title.press("Tab")
    expect(screen.locator("#columns h3", has_text="ne plus rien jeter")).to_be_visible()

    # Suggestions for what is left unclassified, accepted in part, then undone.
    console.fill("#suggest-k", "1")
    console.click("#suggest-form button[type=submit]")
    expect(console.locator("#proposal")).to_be_visible(timeout=60_000)
    groups = console.locator("#proposal-groups > li")
    expect(groups).to_have_count(1)
    check_a11y(console, "console-grouping-proposal")
    groups.first.locator("input[name=title]").fill("Comment pourrions-nous mieux circuler ?")
    console.click("#proposal-accept")
    expect(console.locator("#board .column:not(.column--loose)")).to_have_count(4)
    expect(screen.locator("#columns h3", has_text="mieux circuler")).to_be_visible()
    console.click("#undo-grouping")
    expect(console.locator("#board .column:not(.column--loose)")).to_have_count(3)
    expect(card_of(loose(console), IDEAS[4])).to_be_visible()
    expect(screen.locator("#columns h3", has_text="mieux circuler")).to_have_count(0)
    assert re.search("ne plus rien jeter", phone.locator("#wall").inner_text())

    # A vote on défis: the phone gets the défis with +/- buttons, the screen ranks défis.
    console.locator(".step button", has_text="Vote").click()
    console.select_option("#vote-target", "challenges")
    console.uncheck("#vote-hidden")
    console.locator("#vote-settings button[type=submit]").click()
    expect(console.locator("#vote-message")).not_to_be_empty()
    defi = phone.locator("#challenge-votes li").filter(
        has=phone.locator(".idea__title", has_text="ne plus rien jeter")
    )
    defi.get_by_role("button", name=re.compile(r"^Ajouter")).click()
    expect(defi.locator(".vote-count")).to_have_text("1")
    expect(phone.locator("#wall .vote-button")).to_have_count(0)
    check_a11y(phone, "phone-vote-on-defis")
    expect(screen.locator("#ranking .ranking__title")).to_have_text(
        ["Comment pourrions-nous ne plus rien jeter ?"]
    )
