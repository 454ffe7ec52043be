"""Rewording an imported idea on the grouping board, through the real server and Chromium
(issue #13): a collection with long texts and extra columns imported from the console,
the file's columns shown on the card, « Reformuler » used with the keyboard only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_live_session import create_workshop, set_up_facilitator

pytestmark = pytest.mark.browser

COLLECTION = (
    "id;text;commune;source\n"
    "1;Une navette entre les hameaux. Le samedi matin, pour aller au marché sans voiture, "
    "et revenir avec les courses.;Aillon-le-Jeune;boîte à idées\n"
    "2;Un atelier vélo;Lescheraines;site web\n"
)


def test_reword_an_imported_idea_with_the_keyboard(
    fresh_server: Any, new_page: Any, tmp_path: Any
) -> None:
    page: Page = new_page()
    set_up_facilitator(page, fresh_server)
    create_workshop(page, "Soirée défis du plateau")  # a draft: the board is there
    console = page.url
    assert re.search(r"/f/w/\d+$", console), console
    page.click("#exports-link")
    expect(page.locator("input[name=long_texts][value=split]")).to_be_checked()
    collection = tmp_path / "collecte.csv"
    collection.write_text(COLLECTION, encoding="utf-8")
    page.set_input_files("#import-file", str(collection))
    page.click("#import-form button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("2 idées importées")

    page.goto(console)
    card = page.locator(".board__card").filter(has_text="Une navette entre les hameaux")
    expect(card.locator(".idea__title")).to_have_text("Une navette entre les hameaux")
    details = card.locator(".idea__details")
    details.locator("summary").click()
    expect(details).to_contain_text("Aillon-le-Jeune")
    expect(details).to_contain_text("boîte à idées")

    reword = card.get_by_role("button", name=re.compile("^Reformuler"))
    reword.focus()
    page.keyboard.press("Enter")
    title = card.locator("input[name=title]")
    expect(title).to_be_focused()
    expect(card.locator("textarea[name=description]")).to_have_value(
        re.compile("^Une navette entre les hameaux. Le samedi matin")
    )
    check_a11y(page, "reword-open")
    title.fill("Une navette du samedi pour le marché")
    page.keyboard.press("Enter")  # submits the form
    renamed = page.locator(".board__card").filter(has_text="Une navette du samedi pour le marché")
    expect(renamed.locator(".idea__title")).to_have_text("Une navette du samedi pour le marché")
    expect(renamed.get_by_role("button", name=re.compile("^Reformuler"))).to_be_focused()
    expect(page.locator("#grouping-message")).to_contain_text("reformulée")
    # Another console sees it after a reload; Escape closes an editor without saving.
    page.reload()
    renamed.get_by_role("button", name=re.compile("^Reformuler")).click()
    renamed.locator("input[name=title]").fill("Autre chose")
    page.keyboard.press("Escape")
    expect(renamed.locator("input[name=title]")).to_have_count(0)
    expect(renamed.locator(".idea__title")).to_have_text("Une navette du samedi pour le marché")
