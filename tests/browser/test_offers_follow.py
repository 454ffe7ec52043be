"""A phone's own volunteer offers follow the défis they were on: merged into another
défi, the offer shows the new one; the défi deleted, the offer is gone; without a
reload (the room's facts do not say whose offers moved: the phone asks again)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_grouping import column
from tests.browser.test_live_session import join, open_at_ideas

pytestmark = pytest.mark.browser

MANGER = "Comment pourrions-nous mieux manger ?"
BOUGER = "Comment pourrions-nous bouger plus ?"


def test_offers_follow_merged_and_deleted_defis(fresh_server: Any, new_page: Any) -> None:
    console, join_url = open_at_ideas(new_page, fresh_server, "Soirée des défis")
    phone: Page = new_page(phone=True)
    join(phone, join_url, "Dana")
    phone.fill("#idea-title", "Une cantine avec les producteurs du coin")
    phone.click("#post-form button[type=submit]")
    expect(phone.locator("#my-ideas .idea")).to_have_count(1)

    console.locator(".step button", has_text="Regroupement").click()
    for title in (MANGER, BOUGER):
        console.fill("#new-challenge-title", title)
        console.click("#new-challenge button[type=submit]")
        expect(column(console, title)).to_have_count(1)

    # Dana offers to contribute to the first défi.
    picker = phone.locator("#volunteer-target")
    expect(picker.locator("option", has_text=MANGER)).to_have_count(1)
    value = picker.locator("option", has_text=MANGER).get_attribute("value")
    assert value and re.fullmatch(r"challenge:\d+", value)
    picker.select_option(value)
    phone.check("#volunteer-form input[name=kind][value=contribute]")
    phone.click("#volunteer-form button[type=submit]")
    offers = phone.locator("#my-offers .idea")
    expect(offers).to_have_count(1)
    expect(offers).to_contain_text(MANGER)
    check_a11y(phone, "phone-volunteer-offer")

    # The facilitator merges it into the second: the offer moves with it.
    column(console, MANGER).locator(
        "select", has=console.locator("option", has_text=BOUGER)
    ).select_option(label=BOUGER)
    # The chooser commits only with its button.
    column(console, MANGER).get_by_role("button", name=re.compile("^Fusionner avec")).click()
    expect(column(console, MANGER)).to_have_count(0)
    expect(offers).to_have_count(1)
    expect(offers).to_contain_text(BOUGER)

    # Then deletes that one (the confirmation is accepted): the offer is gone.
    column(console, BOUGER).get_by_role("button", name="Supprimer").click()
    expect(column(console, BOUGER)).to_have_count(0)
    expect(offers).to_have_count(0)
    expect(phone.locator("#my-offers-block")).to_be_hidden()
