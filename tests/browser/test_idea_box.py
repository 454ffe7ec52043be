"""An idea box in real browsers: a member creates it, a phone (360 px) posts a need in it
without an account, keeping informed by email, and the member accepts it in the
moderation queue."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_live_session import set_up_facilitator

pytestmark = pytest.mark.browser


def test_a_phone_posts_in_a_box_and_the_member_accepts_it(fresh_server: Any, new_page: Any) -> None:
    member: Page = new_page()
    set_up_facilitator(member, fresh_server)
    fresh_server.flask(
        "fabriques",
        "create",
        "fab-bauges",
        "--name",
        "Fabrique des Bauges",
        "--member",
        "camille@example.org",
    )

    member.goto(fresh_server.url + "/fabriques/fab-bauges/boites")
    expect(member.locator("h1")).to_have_text("Boîtes à idées")
    member.fill("#box-title", "Idées des Bauges")
    member.fill("#box-intro", "Une idée, un manque près de chez vous ? Dites-le-nous.")
    member.fill("#box-contact", "Fabrique des Bauges, contact@bauges.example")
    expect(member.locator("#new-box input[name=premoderation]")).to_be_checked()
    member.click("#new-box button[type=submit]")
    expect(member.locator(".flash")).to_contain_text("Boîte à idées « Idées des Bauges » créée")
    check_a11y(member, "box-created")
    link = member.get_attribute("#box-url", "href") or ""
    assert urlsplit(link).path == "/p/fab-bauges/boite/idees-des-bauges"
    member.click("a:has-text('Affiche à imprimer')")
    expect(member.locator("#poster svg")).to_be_visible()
    expect(member.locator("#poster")).to_contain_text(link)
    check_a11y(member, "box-poster")
    member.go_back()

    phone: Page = new_page(phone=True)
    phone.goto(fresh_server.url + urlsplit(link).path)
    expect(phone.locator("h2")).to_have_text("Une idée, un besoin ?")
    phone.fill("#post-title", "Une garde d’enfants le samedi")
    phone.fill("#post-description", "Les parents qui travaillent au marché n’ont personne.")
    phone.check("input[name=nature][value=need]")
    phone.fill("#post-name", "Lou")
    phone.check("#post-follow")
    phone.fill("#post-email", "lou@example.org")
    phone.click("#idea-box summary")
    expect(phone.locator("[data-privacy-notice]")).to_contain_text("contact@bauges.example")
    check_a11y(phone, "box-phone-form")
    phone.click("#box-form button[type=submit]")
    expect(phone.locator("h1")).to_have_text("Merci !")
    expect(phone.locator("#box-thanks")).to_contain_text("modérée")
    check_a11y(phone, "box-phone-thanks")

    member.click("nav a:has-text('Modération')")
    posting = member.locator("#postings .posting", has_text="Une garde d’enfants le samedi")
    expect(posting).to_contain_text("Un besoin")
    expect(posting).to_contain_text("signée Lou")
    check_a11y(member, "box-queue")
    posting.get_by_role("button", name=re.compile("^Accepter")).click()
    expect(member.locator(".flash")).to_contain_text("acceptée")
    expect(member.locator("#postings")).to_have_count(0)
    member.click("a:has-text('Acceptées')")
    expect(member.locator("#postings .posting")).to_have_count(1)
