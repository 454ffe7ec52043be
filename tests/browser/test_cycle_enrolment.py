"""A cycle through the real UI: a facilitator creates a « Lance-toi ! » cycle and opens
its first session; a phone enrols on the public page, keeps its personal link, opens it
and joins the session as the same person, without a join form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_live_session import set_up_facilitator

pytestmark = pytest.mark.browser


def test_enrol_on_a_phone_then_join_a_session(fresh_server: Any, new_page: Any) -> None:
    facilitator: Page = new_page()
    set_up_facilitator(facilitator, fresh_server)
    facilitator.goto(fresh_server.url + "/f/cycles")
    check_a11y(facilitator, "cycles")
    facilitator.fill("#cycle-title", "Lance-toi ! Nord Ardèche")
    facilitator.check("input[name=preset][value=lance_toi]")
    facilitator.fill("#cycle-start", "2027-03-01")
    facilitator.fill("#cycle-organiser", "Fabrique du Nord Ardèche")
    facilitator.click("form[action$='/f/cycles'] button[type=submit]")
    expect(facilitator).to_have_url(re.compile(r"/f/cycles/\d+"))
    sessions = facilitator.locator("#sessions article")
    expect(sessions).to_have_count(4)
    expect(sessions.first).to_contain_text("Séance 1 : Charte sociale")
    check_a11y(facilitator, "cycle")
    enrol_url = str(facilitator.locator("#people a[href*='/inscription']").get_attribute("href"))

    # The first session opens from its console.
    sessions.first.get_by_role("link", name="Ouvrir la console").click()
    facilitator.click("#open-workshop")
    expect(facilitator.locator("#status-badge")).to_have_attribute("data-status", "open")

    # A holder enrols on their phone and keeps their link.
    phone: Page = new_page(phone=True)
    phone.goto(enrol_url)
    expect(phone.locator("#privacy")).to_contain_text("Fabrique du Nord Ardèche")
    check_a11y(phone, "enrol", sizes=["phone"])
    phone.fill("#enrol-name", "Awa")
    phone.click("main form button[type=submit]")
    expect(phone.locator("h1")).to_have_text("Gardez ce lien")
    expect(phone.locator(".qr svg")).to_be_visible()
    personal = phone.locator("#personal-url").input_value()
    assert re.search(r"/c/[A-Za-z0-9_-]{32}$", personal)
    check_a11y(phone, "keep-link", sizes=["phone"])

    # The personal link: the cycle's home, the session running now, joined in one tap.
    phone.goto(personal)
    expect(phone.locator("#now")).to_have_text("Séance en cours")
    check_a11y(phone, "home", sizes=["phone"])
    phone.get_by_role("link", name="Rejoindre la séance").click()
    expect(phone).to_have_url(re.compile(r"/w/[A-Z0-9]{8}$"))
    check_a11y(phone, "phone-board", sizes=["phone"])

    # A new phone with the same link is the same person in that session.
    other: Page = new_page(phone=True)
    other.goto(personal)
    other.get_by_role("link", name="Rejoindre la séance").click()
    expect(other).to_have_url(phone.url)
    facilitator.reload()
    expect(facilitator.locator("#participant-count")).to_contain_text("1 ")
