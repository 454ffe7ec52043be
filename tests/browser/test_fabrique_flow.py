"""The whole chain in real browsers, on the real eventlet server: phones post ideas, the
console groups them into a défi, the phones vote, the console qualifies the défi, a phone
volunteers to carry it with consent; the session is exported in every format from the
console, then its JSON is imported twice into the Fabrique's portfolio through the upload
page, and the funnel counts each project once (the défi's at the stage its sheet gave
it), a member then moving it on from the project's page."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_live_session import create_workshop, join, set_up_facilitator

pytestmark = pytest.mark.browser

CHALLENGE = "Comment pourrions-nous manger local sans voiture ?"
IDEAS = [
    "Une épicerie itinérante",
    "Un marché de producteurs le samedi",
    "<img src=x onerror=alert(1)> \u202eCuisine partagée",
]
CONTACT = "bruno@example.org"


def card(page: Page, title: str) -> Any:
    return page.locator("#wall .idea").filter(has=page.locator(".idea__title", has_text=title))


def download(page: Page, fmt: str) -> bytes:
    with page.expect_download() as pending:
        page.click(f"#export-links a[data-format={fmt}]")
    return Path(pending.value.path()).read_bytes()


def upload(page: Page, data: bytes) -> None:
    page.set_input_files(
        "#import-file",
        files=[{"name": "soiree.json", "mimeType": "application/json", "buffer": data}],
    )
    page.click("main form[enctype] button[type=submit]")


def test_session_exported_then_imported_twice_into_the_portfolio(
    fresh_server: Any, new_page: Any
) -> None:
    console: Page = new_page()
    set_up_facilitator(console, fresh_server)
    # The operator creates the Fabrique with Camille as a member.
    fresh_server.flask(
        "fabriques",
        "create",
        "fab-bauges",
        "--name",
        "Fabrique des Bauges",
        "--member",
        "camille@example.org",
    )
    create_workshop(console, "Soirée manger local")
    console_url = console.url
    console.click("#open-workshop")
    console.click("#phase-next")  # ideas
    join_url = console.get_attribute("#join-url", "href")

    # Two phones post three ideas.
    alice: Page = new_page(phone=True)
    bruno: Page = new_page(phone=True)
    join(alice, join_url, "Alice")
    join(bruno, join_url, "Bruno")
    for phone, title in ((alice, IDEAS[0]), (alice, IDEAS[1]), (bruno, IDEAS[2])):
        phone.fill("#idea-title", title)
        phone.click("#post-form button[type=submit]")
        expect(phone.locator("#my-ideas .idea__title", has_text=title)).to_be_visible()

    # The console groups the first two into a défi.
    console.locator(".step button", has_text="Regroupement").click()
    expect(console.locator("#grouping-panel")).to_be_visible()
    console.fill("#new-challenge-title", CHALLENGE)
    console.click("#new-challenge button[type=submit]")
    column = console.locator(f'#board section.column[aria-label="{CHALLENGE}"]')
    expect(column).to_have_count(1)
    for title in IDEAS[:2]:
        loose_card = console.locator("#board .column--loose .board__card").filter(
            has=console.locator(".idea__title", has_text=title)
        )
        chooser = loose_card.locator("select").first
        chooser.focus()  # its défis are listed once it is used
        chooser.select_option(label=CHALLENGE)
        loose_card.get_by_role("button", name=re.compile("^Déplacer")).click()
    expect(column.locator(".board__card")).to_have_count(2)

    # The phones vote.
    console.locator(".step button", has_text="Vote").click()
    expect(console.locator("#vote-panel")).to_be_visible()
    card(bruno, IDEAS[0]).get_by_role("button", name=re.compile(r"^Ajouter")).click()
    expect(card(bruno, IDEAS[0]).locator(".vote-count")).to_have_text("1")
    card(alice, IDEAS[2]).get_by_role("button", name=re.compile(r"^Ajouter")).click()
    expect(card(alice, IDEAS[2]).locator(".vote-count")).to_have_text("1")

    # The console qualifies the défi: holder search, in Aillon-le-Jeune.
    console.locator(".step button", has_text="Qualification").click()
    item = console.locator("#qualify-items .qualify-item").filter(has_text=CHALLENGE)
    item.get_by_role("button").click()
    sheet = console.locator("#console-sheet-form")
    sheet.locator("[name=need_who]").fill("Les personnes âgées sans voiture")
    sheet.locator("[name=territory]").fill("Aillon-le-Jeune")
    sheet.locator("[name=solution]").fill("Un camion épicerie chaque semaine")
    sheet.locator("[name=stage]").select_option("holder_search")
    sheet.locator("button[type=submit]").click()
    expect(sheet.locator("[data-message]")).to_have_attribute("data-kind", "ok")
    expect(item.locator(".badge")).to_have_attribute("data-stage", "holder_search")

    # Bruno offers to carry the défi and agrees to be contacted.
    target = bruno.locator("#volunteer-target option", has_text=CHALLENGE).get_attribute("value")
    assert target and target.startswith("challenge:")
    bruno.locator("#volunteer-target").select_option(target)
    bruno.check("#volunteer-form input[name=kind][value=hold]")
    bruno.check("#volunteer-consent")
    bruno.fill("#volunteer-name", "Bruno B.")
    bruno.fill("#volunteer-email", CONTACT)
    bruno.click("#volunteer-form button[type=submit]")
    expect(bruno.locator("#volunteer-message")).to_have_attribute("data-kind", "ok")
    expect(console.locator("#all-volunteers .volunteer__contact")).to_have_count(1)
    check_a11y(console, "console-qualification")

    # Every format from the console's exports page.
    console.goto(console_url)
    console.click("#exports-link")
    workbook = download(console, "xlsx")
    assert zipfile.ZipFile(io.BytesIO(workbook)).testzip() is None
    for fmt in ("csv-excel", "csv"):
        archive = zipfile.ZipFile(io.BytesIO(download(console, fmt)))
        ideas_csv = next(n for n in archive.namelist() if n.endswith("ideas.csv"))
        assert "Une épicerie itinérante" in archive.read(ideas_csv).decode("utf-8-sig")
    with console.expect_download() as pending:
        console.click("#report-download")
    report = Path(pending.value.path()).read_text(encoding="utf-8")
    assert CHALLENGE in report and CONTACT in report
    exported = download(console, "json")
    document = json.loads(exported)
    assert {c["title"] for c in document["challenges"]} == {CHALLENGE}

    # Into the portfolio, through the upload page, twice.
    console.locator(".topbar__nav a", has_text="Portefeuille").click()
    expect(console.locator("h1")).to_have_text("Fabrique des Bauges")
    upload(console, exported)
    expect(console.locator(".flash")).to_contain_text("Session « Soirée manger local » importée")
    expect(console.locator("[data-challenge] h2")).to_have_text(CHALLENGE)
    check_a11y(console, "portfolio-overview-imported")
    console.locator(".portfolio-nav a", has_text="Sessions et import").click()
    upload(console, exported)
    expect(console.locator(".flash")).to_contain_text("a déjà été importé : rien n'a changé")
    console.locator(".portfolio-nav a", has_text="Sessions et import").click()
    expect(console.locator("#sessions tbody tr")).to_have_count(1)
    check_a11y(console, "portfolio-sessions")

    # The ideas keep their lineage; hostile text stays text.
    console.locator(".portfolio-nav").get_by_role("link", name="Idées", exact=True).click()
    rows = console.locator("#ideas tbody tr")
    expect(rows).to_have_count(3)
    epicerie = rows.filter(has_text=IDEAS[0])
    expect(epicerie.locator("td").nth(0)).to_have_text("Soirée manger local")
    expect(epicerie.locator("td").nth(1)).to_have_text(CHALLENGE)
    expect(epicerie.locator("[data-stage]")).to_have_attribute("data-stage", "holder_search")
    expect(rows.filter(has_text="onerror")).to_have_count(1)
    assert console.locator("#ideas img").count() == 0
    check_a11y(console, "portfolio-ideas")

    # The funnel counts projects: the défi (two ideas, holder search, in its territory) and
    # the idea left alone (to study); the path above it still counts the three ideas.
    console.locator(".portfolio-nav a", has_text="Entonnoir").click()
    expect(console.locator("#funnel-total")).to_contain_text("2 projets")
    expect(console.locator("#funnel-path")).to_contain_text("3 idées")
    stages = console.locator("[data-funnel=stages]")
    expect(stages.locator("td[data-stage=holder_search]")).to_have_text("1")
    expect(stages.locator("td[data-stage=to_study]")).to_have_text("1")
    territory = console.locator("[data-funnel=by-territory] tbody tr")
    expect(territory.filter(has_text="Aillon-le-Jeune").locator("td[data-total]")).to_have_text("1")
    expect(territory.filter(has_text="Cœur des Bauges").locator("td[data-total]")).to_have_text("1")
    session_row = console.locator("[data-funnel=by-session] tbody tr")
    expect(session_row).to_have_count(1)
    expect(session_row.locator("td[data-total]")).to_have_text("2")
    check_a11y(console, "portfolio-funnel")

    # A member moves the défi's project on from its page; the funnel follows.
    console.locator("[data-funnel=stages] a", has_text="Recherche de porteur").click()
    listed = console.locator("#projects tbody tr")
    expect(listed).to_have_count(1)
    listed.locator("th a", has_text=CHALLENGE).click()
    check_a11y(console, "portfolio-project")
    console.select_option("#stage-select", "launching")
    console.locator("#stage button.button--primary").click()
    expect(console.locator(".flash")).to_contain_text("Étape enregistrée")
    console.locator(".portfolio-nav a", has_text="Entonnoir").click()
    expect(stages.locator("td[data-stage=launching]")).to_have_text("1")
    expect(stages.locator("td[data-stage=holder_search]")).to_have_text("0")
