"""Qualification and volunteers in real browsers: the console fills a sheet (and a
second console tab gets a conflict rather than overwriting it), a phone volunteers
with consent, withdraws the consent and then the offer, and the console follows live;
the other phone never sees the contact details."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_live_session import join, open_at_ideas

pytestmark = pytest.mark.browser

IDEA = "Une épicerie itinérante"
EMAIL = "bruno@example.org"


def item(console: Page, title: str) -> Any:
    return console.locator("#qualify-items .qualify-item").filter(has_text=title)


def test_sheet_conflict_and_volunteer_with_consent(fresh_server: Any, new_page: Any) -> None:
    console, join_url = open_at_ideas(new_page, fresh_server, "Soirée qualification")
    alice: Page = new_page(phone=True)
    join(alice, join_url, "Alice")
    alice.fill("#idea-title", IDEA)
    alice.click("#post-form button[type=submit]")
    expect(alice.locator("#my-ideas .idea__title", has_text=IDEA)).to_be_visible()

    # The console lists the idea as not qualified yet and opens its sheet.
    expect(console.locator("#qualify-panel")).to_be_visible()
    expect(item(console, IDEA).locator(".badge")).to_have_attribute("data-stage", "none")
    item(console, IDEA).get_by_role("button").click()
    form = console.locator("#console-sheet-form")
    form.locator("[name=need_who]").fill("Les personnes âgées sans voiture")
    form.locator("[name=territory]").fill("Cœur des Bauges")
    form.locator("[name=insee_code]").fill("7301")
    form.locator("[name=solution]").fill("Un camion qui passe chaque semaine")
    form.locator("button[type=submit]").click()
    # A bad INSEE code is refused with its own message, and nothing is saved.
    expect(form.locator("[data-message]")).to_have_attribute("data-kind", "error")
    expect(item(console, IDEA).locator(".badge")).to_have_attribute("data-stage", "none")
    form.locator("[name=insee_code]").fill("73010")
    # Abandoned needs a reason: the field appears with the stage.
    form.locator("[name=stage]").select_option("abandoned")
    expect(form.locator("[name=abandon_reason]")).to_be_visible()
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-message]")).to_have_attribute("data-kind", "error")
    check_a11y(console, "console-sheet-refused")
    form.locator("[name=stage]").select_option("holder_search")
    expect(form.locator("[name=abandon_reason]")).to_be_hidden()
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-message]")).to_have_attribute("data-kind", "ok")
    expect(item(console, IDEA).locator(".badge")).to_have_attribute("data-stage", "holder_search")

    # A second tab of the console opened the same sheet and started typing; the first
    # saves, so the second is told, and its save is a conflict, not an overwrite.
    other: Page = new_page()
    other.goto(fresh_server.url + "/login")
    check_a11y(other, "login")
    other.fill("#email", "camille@example.org")
    other.fill("#password", "semer-des-idees-2026")
    other.click("main button[type=submit]")
    expect(other).to_have_url(re.compile(r"/f/$"))
    check_a11y(other, "dashboard-with-workshop")
    other.goto(console.url)
    item(other, IDEA).get_by_role("button").click()
    other_form = other.locator("#console-sheet-form")
    expect(other_form.locator("[name=solution]")).to_have_value(
        "Un camion qui passe chaque semaine"
    )
    other_form.locator("[name=solution]").fill("Autre chose")
    form.locator("[name=next_step]").fill("Réunir les épiceries du canton")
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-message]")).to_have_attribute("data-kind", "ok")
    other_message = other_form.locator("[data-message]")
    expect(other_message).to_contain_text("vient de modifier")  # changed elsewhere
    expect(other_form.locator("[name=solution]")).to_have_value("Autre chose")  # kept
    other_form.locator("button[type=submit]").click()
    expect(other_message).to_contain_text("entre-temps")  # the conflict
    expect(other_message).to_have_attribute("data-kind", "error")
    expect(other_form.locator("[data-reload]")).to_be_visible()
    check_a11y(other, "console-sheet-conflict")
    other_form.locator("[data-reload]").click()
    expect(other_form.locator("[name=solution]")).to_have_value(
        "Un camion qui passe chaque semaine"
    )
    expect(other_form.locator("[name=next_step]")).to_have_value("Réunir les épiceries du canton")

    # The qualification step: the screen shows the items with their stage; with the
    # setting ticked, Alice's phone fills the sheet too.
    screen: Page = new_page()
    screen.goto(console.get_attribute("#screen-link", "href"))
    console.locator(".step button", has_text="Qualification").click()
    board = screen.locator("#qualify-board")
    expect(board).to_be_visible()
    expect(
        board.locator(".qualify-board__item", has_text=IDEA).locator(".badge")
    ).to_have_attribute("data-stage", "holder_search")
    check_a11y(screen, "screen-qualification", sizes=["projector"])
    expect(alice.locator("#phone-qualify")).to_be_hidden()
    console.check("#setting-participants-qualify")
    expect(alice.locator("#phone-qualify")).to_be_visible()
    option = alice.locator("#phone-qualify-target option", has_text=IDEA).get_attribute("value")
    alice.locator("#phone-qualify-target").select_option(option)
    phone_form = alice.locator("#phone-sheet-form")
    expect(phone_form.locator("[name=solution]")).to_have_value(
        "Un camion qui passe chaque semaine"
    )
    phone_form.locator("[name=target_public]").fill("Les habitants des hameaux")
    phone_form.locator("button[type=submit]").click()
    expect(phone_form.locator("[data-message]")).to_have_attribute("data-kind", "ok")
    check_a11y(alice, "phone-sheet-saved")
    # The console's open sheet was untouched: it shows Alice's words at once.
    expect(form.locator("[name=target_public]")).to_have_value("Les habitants des hameaux")

    # Bruno volunteers to carry the idea and agrees to be contacted.
    bruno: Page = new_page(phone=True)
    join(bruno, join_url, "Bruno")
    section = bruno.locator("#volunteer-section")
    expect(section).to_be_visible()
    target = bruno.locator("#volunteer-target option", has_text=IDEA).get_attribute("value")
    assert target and re.fullmatch(r"idea:\d+", target)
    bruno.locator("#volunteer-target").select_option(target)
    bruno.check("#volunteer-form input[name=kind][value=hold]")
    expect(bruno.locator("#volunteer-contact")).to_be_hidden()
    bruno.check("#volunteer-consent")
    bruno.fill("#volunteer-name", "Bruno B.")
    bruno.fill("#volunteer-email", EMAIL)
    bruno.click("#volunteer-form button[type=submit]")
    expect(bruno.locator("#volunteer-message")).to_have_attribute("data-kind", "ok")
    expect(bruno.locator("#my-offers .idea")).to_have_count(1)
    expect(bruno.locator("#my-offers")).to_contain_text(EMAIL)
    check_a11y(bruno, "phone-volunteer-offer")

    # The console shows him live and that he agreed to be contacted, never the details
    # (it may be projected): they are on the contacts page. Alice's phone: a count.
    volunteers = console.locator("#all-volunteers")
    expect(volunteers).to_contain_text("Bruno")
    expect(volunteers.locator(".volunteer__contact")).to_have_count(1)
    check_a11y(console, "console-qualification-volunteer")
    expect(volunteers).not_to_contain_text(EMAIL)
    contacts = console.context.new_page()  # the facilitator's session, another tab
    contacts.goto(console.url.split("?")[0].rstrip("/") + "/contacts")
    expect(contacts.locator("#contacts")).to_contain_text(EMAIL)
    check_a11y(contacts, "contacts")
    expect(item(console, IDEA)).to_contain_text("1")
    assert EMAIL not in alice.content()
    counts = board.locator(".qualify-board__item", has_text=IDEA).locator(".qualify-board__counts")
    expect(counts).to_contain_text("1")
    assert EMAIL not in screen.content() and "Bruno" not in screen.content()

    # He withdraws his consent: the contact disappears from the console, the offer stays.
    bruno.locator("#my-offers [data-action=withdraw-consent]").click()
    expect(bruno.locator("#my-offers")).not_to_contain_text(EMAIL)
    expect(volunteers).to_contain_text("Bruno")
    expect(volunteers.locator(".volunteer__contact")).to_have_count(0)
    contacts.reload()
    expect(contacts.locator("#no-contacts")).to_be_visible()
    check_a11y(contacts, "contacts-empty")
    assert EMAIL not in contacts.content()
    # Then the offer itself.
    bruno.locator("#my-offers [data-action=withdraw-offer]").click()
    expect(bruno.locator("#my-offers .idea")).to_have_count(0)
    expect(volunteers).not_to_contain_text("Bruno")

    # A reload keeps the sheet (from the snapshot).
    console.reload()
    expect(item(console, IDEA).locator(".badge")).to_have_attribute("data-stage", "holder_search")
