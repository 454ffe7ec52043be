"""Co-facilitators in real browsers: the owner invites someone from the « Équipe
d'animation » page, a second browser opens the link, creates the account and lands on
the workshop's live console; the team page then says who invited whom."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_live_session import open_at_ideas

pytestmark = pytest.mark.browser


def test_the_owner_invites_a_co_facilitator_who_runs_the_console(
    fresh_server: Any, new_page: Callable[..., Page]
) -> None:
    console, _join_url = open_at_ideas(new_page, fresh_server, "Atelier à plusieurs")
    console.click("#team-link")
    expect(console.locator("h1")).to_have_text("Équipe d’animation")
    expect(console.locator("#team-members li")).to_have_count(1)
    expect(console.locator("#team-members li").first).to_contain_text("Propriétaire")
    check_a11y(console, "team")

    console.context.grant_permissions(["clipboard-read", "clipboard-write"])
    console.fill("#invite-email", "Zoe@Example.org")
    console.click("#invite-member button[type=submit]")
    expect(console.locator("#invitation-issued")).to_contain_text("Semis n’envoie pas d’e-mail")
    link = console.locator("#invitation-url").input_value()
    assert re.search(r"/f/join/[\w-]{43}$", link), link
    console.click("#copy-invitation")
    expect(console.locator("#copy-status")).to_have_text("Lien copié.")
    check_a11y(console, "team-invitation-link")

    # Another browser, nobody signed in: the link asks for a name and a password.
    zoe = new_page()
    zoe.goto(link)
    expect(zoe.locator("#invitation")).to_contain_text("Camille vous invite")
    expect(zoe.locator("#email")).to_have_value("zoe@example.org")
    check_a11y(zoe, "invitation-new-account")
    zoe.fill("#name", "Zoé")
    zoe.fill("#password", "une-autre-phrase-2026")
    zoe.fill("#password-confirm", "une-autre-phrase-2026")
    zoe.click("#invitation-create button[type=submit]")

    # Her account exists, she is signed in, on the workshop's console, live.
    expect(zoe).to_have_url(re.compile(r"/f/w/\d+$"))
    welcome = "Bienvenue dans l’équipe de « Atelier à plusieurs »"
    expect(zoe.locator(".flash")).to_contain_text(welcome)
    expect(zoe.locator("h1")).to_have_text("Atelier à plusieurs")
    expect(zoe.locator("#status-badge")).to_have_text("En direct")
    check_a11y(zoe, "co-facilitator-console")

    # The link worked once; the team page lists her with who invited her.
    zoe.goto(link)
    expect(zoe.locator("#invitation-unusable")).to_contain_text("déjà été utilisée")
    console.reload()
    expect(console.locator("#team-members li")).to_have_count(2)
    expect(console.locator("#team-members")).to_contain_text("Invité·e par Camille")
