"""A whole session in real browsers: a facilitator console, a screen and two phones.

Everything goes through the UI a new user would use, against the real eventlet server.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y

pytestmark = pytest.mark.browser

HOSTILE = 'Un frigo <script>alert("x")</script> <b>solidaire</b>'


def setup_link(server: Any) -> str:
    """The one-time set-up link run.py logged as it started with no account."""
    match = re.search(r"/setup\?token=\w+", server.log())
    assert match is not None, server.log()
    return str(server.url) + match.group(0)


def set_up_facilitator(page: Page, server: Any, *, a11y: bool = False) -> None:
    """Create the first account through /setup; ``a11y`` checks each page on the way."""
    page.goto(server.url + "/")
    expect(page).to_have_url(re.compile(r"/setup$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    # Without the link's token the page only says where to find it.
    expect(page.locator("#form-error")).to_contain_text("terminal")
    if a11y:
        check_a11y(page, "setup-without-token")
    page.goto(setup_link(server))
    if a11y:
        check_a11y(page, "setup")
    page.fill("#name", "Camille")
    page.fill("#email", "camille@example.org")
    page.fill("#password", "semer-des-idees-2026")
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/f/$"))
    if a11y:
        check_a11y(page, "dashboard-empty")


def create_workshop(page: Page, title: str, *, a11y: bool = False) -> None:
    page.click("main a.button--primary")
    if a11y:
        check_a11y(page, "new-workshop")
    page.check("input[name=format][value=marathon]")
    page.fill("#title", title)
    page.fill("#question", "Comment pourrions-nous mieux manger près de chez nous ?")
    page.fill("#territory", "Cœur des Bauges")
    page.click("main button[type=submit]")
    # The preset filled the agenda; rename a step and save.
    expect(page.locator("#agenda-rows tr")).to_have_count(6)
    if a11y:
        check_a11y(page, "agenda")
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


def join(phone: Page, url: str, name: str, profile: str = "citizen", *, a11y: bool = False) -> None:
    phone.goto(url)
    if a11y:
        check_a11y(phone, "join")
    phone.fill("#display_name", name)
    phone.check(f"input[name=profile][value={profile}]")
    phone.click("main button[type=submit]")
    expect(phone).to_have_url(re.compile(r"/w/[A-Z0-9]{6,8}$"))


def wall_titles(page: Page) -> list[str]:
    return page.locator("#wall .idea .idea__title").all_inner_texts()


def test_session_end_to_end(fresh_server: Any, new_page: Any) -> None:
    base = fresh_server.url
    console: Page = new_page()
    set_up_facilitator(console, fresh_server, a11y=True)
    create_workshop(console, "Marathon <i>alimentation</i>", a11y=True)
    expect(console.locator("h1")).to_have_text("Marathon <i>alimentation</i>")
    check_a11y(console, "console-draft")

    console.click("#open-workshop")
    expect(console.locator("#status-badge")).to_have_attribute("data-status", "open")
    expect(console.locator(".step--current")).to_contain_text("Bienvenue")
    check_a11y(console, "console-welcome")

    screen: Page = new_page()
    screen.goto(console.get_attribute("#screen-link", "href"))
    code = console.locator(".code").inner_text().replace(" ", "")
    expect(screen.locator(".screen__code")).to_have_text(f"{code[:4]} {code[4:]}")
    expect(screen.locator(".screen__qr svg")).to_be_visible()
    expect(screen.locator(".screen__url")).to_have_text(f"{base}/j/{code}")
    check_a11y(screen, "screen-welcome", sizes=["projector"])

    # Phone A follows the link; phone B types the code by hand, in lower case with a space.
    phone_a: Page = new_page(phone=True)
    join(phone_a, console.get_attribute("#join-url", "href"), "Maëlle", a11y=True)
    phone_b: Page = new_page(phone=True)
    phone_b.goto(base + "/")
    check_a11y(phone_b, "home")
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
    check_a11y(phone_a, "phone-welcome")

    console.click("#phase-next")
    expect(console.locator(".step--current")).to_contain_text("Idées en vrac")
    expect(phone_a.locator("#post-section")).to_be_visible()
    expect(screen.locator("#phase-title")).to_have_text("Idées en vrac")
    check_a11y(phone_a, "phone-ideas-empty")

    # Phone A posts hostile text: it shows as text everywhere, and no script runs.
    phone_a.fill("#idea-title", HOSTILE)
    phone_a.fill("#idea-description", "Chacun dépose, chacun se sert.")
    phone_a.click("#post-form button[type=submit]")
    for page in (phone_a, phone_b, screen, console):
        expect(page.locator("#wall .idea__title")).to_have_text([HOSTILE])
    expect(phone_a.locator("#my-ideas .idea__title")).to_have_text([HOSTILE])
    expect(screen.locator("#wall .idea__author")).to_have_text(["Maëlle"])
    assert screen.locator("#wall b").count() == 0
    check_a11y(phone_a, "phone-ideas-mine")
    check_a11y(screen, "screen-ideas", sizes=["projector"])

    # The timer: started on the console, counting down on the screen and the phones.
    console.click("#timer-start")
    expect(screen.locator("#timer")).to_have_attribute("data-state", "running")
    expect(phone_b.locator("#timer")).to_have_attribute("data-state", "running")
    console.click("#timer-pause")
    expect(screen.locator("#timer")).to_have_attribute("data-state", "paused")
    expect(phone_b.locator("#timer")).to_have_attribute("data-state", "paused")
    check_a11y(phone_b, "phone-timer-paused")
    check_a11y(console, "console-ideas-timer-paused")

    # Hiding removes it everywhere; the author sees it marked hidden; restoring brings it back.
    console.locator("#wall .idea").first.get_by_role("button", name="Masquer").click()
    for page in (phone_a, phone_b, screen):
        expect(page.locator("#wall .idea")).to_have_count(0)
    expect(console.locator("#hidden-ideas .idea__title")).to_have_text([HOSTILE])
    console.locator("#hidden-block summary").click()
    check_a11y(console, "console-hidden-idea")
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
    check_a11y(phone_a, "phone-editing-idea")
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
    check_a11y(author, "phone-idea-pending")
    check_a11y(console, "console-idea-pending")
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
    check_a11y(page, "setup-english")
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
    check_a11y(french, "setup-invalid")
