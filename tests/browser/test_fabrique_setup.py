"""A facilitator creates a Fabrique and invites a colleague from the browser, with no
command line: the menu, the creation form (short name made from the name), the members
page (add by email, refused unknown email, remove, the last member stays)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_live_session import set_up_facilitator

pytestmark = pytest.mark.browser


def members(page: Page) -> Any:
    return page.locator("#members li")


def test_create_a_fabrique_and_invite_a_colleague(fresh_server: Any, new_page: Any) -> None:
    page: Page = new_page()
    set_up_facilitator(page, fresh_server)
    fresh_server.flask(
        "facilitators",
        "create",
        "bob@example.org",
        "--name",
        "Bob",
        "--password-stdin",
        stdin="une-phrase-de-passe-2026\n",
    )

    # Not a member of any Fabrique yet: the menu still leads to the portfolios.
    page.click("header a:has-text('Portefeuille')")
    expect(page).to_have_url(re.compile(r"/fabriques/$"))
    page.click("#create-fabrique")
    expect(page.locator("h1")).to_have_text("Créer une Fabrique")
    check_a11y(page, "fabrique-new")
    page.fill("#fabrique-name", "Fabrique des Bauges")
    page.click("#new-fabrique button[type=submit]")

    # Its short name was made from the name; Camille is its first member.
    expect(page).to_have_url(re.compile(r"/fabriques/fabrique-des-bauges/members$"))
    expect(page.locator(".flash")).to_contain_text("Fabrique « Fabrique des Bauges » créée.")
    expect(members(page)).to_have_count(1)
    expect(members(page).first).to_contain_text("camille@example.org")
    expect(page.locator(".portfolio-nav a[aria-current=page]")).to_have_text("Membres")

    # An email without an account is refused, with the reason next to the field.
    page.fill("#member-email", "personne@example.org")
    page.click("#add-member button[type=submit]")
    expect(page.locator("#form-error")).to_contain_text("Aucun compte d’animateur·rice")
    expect(page.locator("#member-email")).to_have_attribute("aria-invalid", "true")
    check_a11y(page, "fabrique-members-refused")

    page.fill("#member-email", "Bob@Example.org")
    page.click("#add-member button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("bob@example.org est maintenant membre.")
    expect(members(page)).to_have_count(2)
    check_a11y(page, "fabrique-members")

    # Bob is removed again; Camille, now alone, cannot leave.
    members(page).filter(has_text="bob@example.org").locator("button").click()
    expect(page.locator(".flash")).to_contain_text("bob@example.org n’est plus membre.")
    expect(members(page)).to_have_count(1)
    members(page).first.locator("button").click()
    expect(page.locator("#form-error")).to_contain_text("Une Fabrique garde au moins un·e membre")
    expect(members(page)).to_have_count(1)

    # The portfolio itself is one click away.
    page.click(".portfolio-nav a:has-text('Sessions')")
    expect(page.locator("h1")).to_have_text("Fabrique des Bauges")
