"""A whole session in real browsers: a facilitator console, a screen and two phones.

Everything goes through the UI a new user would use, against the real eventlet server.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

HOSTILE = 'Un frigo <script>alert("x")</script> <b>solidaire</b>'


def setup_link(server: Any) -> str:
    """The one-time set-up link run.py logged as it started with no account."""
    match = re.search(r"/setup\?token=\w+", server.log())
    assert match is not None, server.log()
    return str(server.url) + match.group(0)


def set_up_facilitator(page: Page, server: Any) -> None:
    page.goto(server.url + "/")
    expect(page).to_have_url(re.compile(r"/setup$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    # Without the link's token the page only says where to find it.
    expect(page.locator("#form-error")).to_contain_text("terminal")
    page.goto(setup_link(server))
    page.fill("#name", "Camille")
    page.fill("#email", "camille@example.org")
    page.fill("#password", "semer-des-idees-2026")
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/f/$"))


def create_workshop(page: Page, title: str) -> None:
    page.click("main a.button--primary")
    page.check("input[name=format][value=marathon]")
    page.fill("#title", title)
    page.fill("#question", "Comment pourrions-nous mieux manger près de chez nous ?")
    page.fill("#territory", "Cœur des Bauges")
    page.click("main button[type=submit]")
    # The preset filled the agenda; rename a step and save.
    expect(page.locator("#agenda-rows tr")).to_have_count(6)
    page.locator("#agenda-rows tr").nth(1).locator("input[name=title]").fill("Idées en vrac")
    page.click("main button.button--primary[type=submit]")
    expect(page).to_have_url(re.compile(r"/f/w/\d+$"))


def open_at_ideas(new_page: Callable[..., Page], server: Any, title: str) -> tuple[Page, str]:
    """A new facilitator's console with a workshop created, opened and moved to its ideas
    step; and the workshop's join URL."""
    console = new_page()
    set_up_facilitator(console, server)
    create_workshop(console, title)
    console.click("#open-workshop")
    console.click("#phase-next")  # ideas
    return console, str(console.get_attribute("#join-url", "href"))


def join(phone: Page, url: str, name: str, profile: str = "citizen") -> None:
    phone.goto(url)
    phone.fill("#display_name", name)
    phone.check(f"input[name=profile][value={profile}]")
    phone.click("main button[type=submit]")
    expect(phone).to_have_url(re.compile(r"/w/[A-Z0-9]{6,8}$"))


def wall_titles(page: Page) -> list[str]:
    return page.locator("#wall .idea .idea__title").all_inner_texts()


def test_session_end_to_end(fresh_server: Any, new_page: Any) -> None:
    base = fresh_server.url
    console: Page = new_page()
    set_up_facilitator(console, fresh_server)
    create_workshop(console, "Marathon <i>alimentation</i>")
    expect(console.locator("h1")).to_have_text("Marathon <i>alimentation</i>")

    console.click("#open-workshop")
    expect(console.locator("#status-badge")).to_have_attribute("data-status", "open")
    expect(console.locator(".step--current")).to_contain_text("Bienvenue")

    screen: Page = new_page()
    screen.goto(console.get_attribute("#screen-link", "href"))
    code = console.locator(".code").inner_text().replace(" ", "")
    expect(screen.locator(".screen__code")).to_have_text(f"{code[:4]} {code[4:]}")
    expect(screen.locator(".screen__qr svg")).to_be_visible()
    expect(screen.locator(".screen__url")).to_have_text(f"{base}/j/{code}")

    # Phone A follows the link; phone B types the code by hand, in lower case with a space.
    phone_a: Page = new_page(phone=True)
    join(phone_a, console.get_attribute("#join-url", "href"), "Maëlle")
    phone_b: Page = new_page(phone=True)
    phone_b.goto(base + "/")
    phone_b.fill("#code", f"{code[:3].lower()} {code[3:].lower()}")
    phone_b.click("main button[type=submit]")
    phone_b.fill("#display_name", "Karim")
    phone_b.check("input[name=profile][value=association]")
    phone_b.click("main button[type=submit]")
    expect(phone_b).to_have_url(re.compile(r"/w/[A-Z0-9]{6,8}$"))

    # Two participants connected, counted on the screen and the console.
    expect(screen.locator("#connected")).to_have_text("2 personnes connectées")
    expect(console.locator("#connected")).to_have_text("2 personnes connectées")
    # Welcome step: phones can read, not post.
    expect(phone_a.locator("#post-section")).to_be_hidden()

    console.click("#phase-next")
    expect(console.locator(".step--current")).to_contain_text("Idées en vrac")
    expect(phone_a.locator("#post-section")).to_be_visible()
    expect(screen.locator("#phase-title")).to_have_text("Idées en vrac")

    # Phone A posts hostile text: it shows as text everywhere, and no script runs.
    phone_a.fill("#idea-title", HOSTILE)
    phone_a.fill("#idea-description", "Chacun dépose, chacun se sert.")
    phone_a.click("#post-form button[type=submit]")
    for page in (phone_a, phone_b, screen, console):
        expect(page.locator("#wall .idea__title")).to_have_text([HOSTILE])
    expect(phone_a.locator("#my-ideas .idea__title")).to_have_text([HOSTILE])
    expect(screen.locator("#wall .idea__author")).to_have_text(["Maëlle"])
    assert screen.locator("#wall b").count() == 0

    # The timer: started on the console, counting down on the screen and the phones.
    console.click("#timer-start")
    expect(screen.locator("#timer")).to_have_attribute("data-state", "running")
    expect(phone_b.locator("#timer")).to_have_attribute("data-state", "running")
    console.click("#timer-pause")
    expect(screen.locator("#timer")).to_have_attribute("data-state", "paused")

    # Hiding removes it everywhere; the author sees it marked hidden; restoring brings it back.
    console.locator("#wall .idea").first.get_by_role("button", name="Masquer").click()
    for page in (phone_a, phone_b, screen):
        expect(page.locator("#wall .idea")).to_have_count(0)
    expect(console.locator("#hidden-ideas .idea__title")).to_have_text([HOSTILE])
    console.locator("#hidden-block summary").click()
    console.locator("#hidden-ideas .idea").first.get_by_role("button", name="Réafficher").click()
    for page in (phone_a, phone_b, screen):
        expect(page.locator("#wall .idea__title")).to_have_text([HOSTILE])

    # A reload keeps the participant's identity.
    phone_b.reload()
    expect(phone_b).to_have_url(re.compile(r"/w/[A-Z0-9]{6,8}$"))
    expect(phone_b.locator(".phone__head strong")).to_have_text("Karim")
    expect(phone_b.locator("#wall .idea__title")).to_have_text([HOSTILE])

    # The author edits the idea; the others follow.
    phone_a.locator("#my-ideas").get_by_role("button", name="Modifier").click()
    phone_a.locator("#my-ideas input[name=title]").fill("Un frigo solidaire au marché")
    phone_a.locator("#my-ideas").get_by_role("button", name="Enregistrer").click()
    for page in (phone_b, screen, console):
        expect(page.locator("#wall .idea__title")).to_have_text(["Un frigo solidaire au marché"])

    # Phone B withdraws nothing of A's: it has no edit controls on A's idea.
    expect(phone_b.locator("#mine-section")).to_be_hidden()


def test_moderation_and_anonymity(fresh_server: Any, new_page: Any) -> None:
    console: Page = new_page()
    set_up_facilitator(console, fresh_server)
    create_workshop(console, "Soirée modérée")
    console.click("#open-workshop")
    console.click("#phase-next")
    console.check("#setting-moderation")
    console.check("#setting-anonymous")
    screen: Page = new_page()
    screen.goto(console.get_attribute("#screen-link", "href"))
    join_url = console.get_attribute("#join-url", "href")
    author: Page = new_page(phone=True)
    join(author, join_url, "Josiane")
    other: Page = new_page(phone=True)
    join(other, join_url, "Théo")

    author.fill("#idea-title", "Une légumerie pour les cantines")
    author.click("#post-form button[type=submit]")
    expect(author.locator("#post-message")).to_have_text(
        re.compile("validation|approved", re.IGNORECASE)
    )
    expect(author.locator("#my-ideas .badge")).to_be_visible()
    expect(console.locator("#pending .idea__title")).to_have_text(
        ["Une légumerie pour les cantines"]
    )
    expect(console.locator("#pending .idea__author")).to_have_text(["Josiane"])
    expect(other.locator("#wall .idea")).to_have_count(0)
    expect(screen.locator("#wall .idea")).to_have_count(0)

    console.locator("#pending .idea").first.get_by_role("button", name="Valider").click()
    for page in (other, screen):
        expect(page.locator("#wall .idea__title")).to_have_text(["Une légumerie pour les cantines"])
    # Anonymous display: the author's pseudonym reaches neither the screen nor the phones.
    expect(screen.locator("#wall .idea__author")).not_to_have_text(["Josiane"])
    expect(other.locator("#wall .idea__author")).not_to_have_text(["Josiane"])
    console.uncheck("#setting-anonymous")
    expect(screen.locator("#wall .idea__author")).to_have_text(["Josiane"])


def test_english_when_the_browser_asks(fresh_server: Any, new_page: Any) -> None:
    page: Page = new_page(locale="en-GB")
    page.goto(setup_link(fresh_server))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Welcome to Semis")
    french: Page = new_page(locale="fr-FR")
    french.goto(setup_link(fresh_server))
    expect(french.locator("h1")).to_have_text("Bienvenue sur Semis")
    # A bad form answers in the page's language, with the field marked invalid.
    french.fill("#email", "camille@example.org")
    french.fill("#password", "court")
    french.evaluate("document.querySelector('#password').removeAttribute('minlength')")
    french.click("main button[type=submit]")
    expect(french.locator("#password")).to_have_attribute("aria-invalid", "true")
    expect(french.locator("#form-error")).to_contain_text("10")
