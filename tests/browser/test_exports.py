"""Exports and the ideas import through the real console, the real server and Chromium:
upload a CSV of ideas collected before the session (a faulty one first), see them on the
console, open the printable report (its inline print style allowed by the policy, hostile
text inert), and download the JSON export, which validates against the published schema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_live_session import create_workshop, set_up_facilitator

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parent.parent.parent / "docs"
HOSTILE = "<img src=x onerror=alert(1)>"
IDEAS_CSV = (
    "\ufeffid;text;description\r\n"
    "q1;Une navette pour le marché;Le samedi matin\r\n"
    f'q2;"=HYPERLINK(""http://evil.example"")";{HOSTILE}\r\n'
    "q3;Un atelier de réparation de vélos;\r\n"
).encode()


def upload(page: Page, data: bytes) -> None:
    page.set_input_files(
        "#import-file", files=[{"name": "avant.csv", "mimeType": "text/csv", "buffer": data}]
    )
    page.click("#import-form button[type=submit]")


def test_import_then_export_from_the_console(fresh_server: Any, new_page: Any) -> None:
    console: Page = new_page()
    set_up_facilitator(console, fresh_server)
    create_workshop(console, "Soirée des idées recueillies")
    console_url = console.url
    console.click("#exports-link")
    expect(console.locator("h1")).to_have_text("Exports et import")
    check_a11y(console, "exports")

    # A faulty file: every bad line is named, nothing is imported.
    upload(console, b"id;text\r\nq1;Bonne idee\r\nq2;\r\nq1;Doublon\r\n")
    errors = console.locator("#import-line-errors li")
    expect(errors).to_have_count(2)
    expect(errors.first).to_contain_text("Ligne 3")
    expect(errors.nth(1)).to_contain_text("Ligne 4")
    check_a11y(console, "exports-import-refused")

    upload(console, IDEAS_CSV)
    expect(console.locator(".flash")).to_contain_text("3 idées importées, 0 étaient déjà là.")
    check_a11y(console, "exports-imported")
    upload(console, IDEAS_CSV)
    expect(console.locator(".flash")).to_contain_text("0 idées importées, 3 étaient déjà là.")

    console.goto(console_url)
    wall = console.locator("#wall")
    expect(wall).to_contain_text("Une navette pour le marché")
    expect(wall).to_contain_text('=HYPERLINK("http://evil.example")')
    expect(wall.locator(".idea__title")).to_have_count(3)

    console.click("#exports-link")
    report_url = console.get_attribute("#report-view", "href")
    assert report_url is not None
    with console.expect_download() as download:
        console.click("#export-links a[data-format=json]")
    document = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    schema = json.loads((DOCS / "export.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
        document
    )
    assert sorted(i["title"] for i in document["ideas"]) == sorted(
        [
            "Une navette pour le marché",
            '=HYPERLINK("http://evil.example")',
            "Un atelier de réparation de vélos",
        ]
    )

    # The report: its print style applies (allowed by hash), hostile text is only text.
    console.goto(fresh_server.url + report_url)
    expect(console.locator("h1")).to_have_text("Soirée des idées recueillies")
    expect(console.locator(".eyebrow")).to_have_text("Synthèse par défi")
    color = console.locator("h1").evaluate("e => getComputedStyle(e).color")
    assert color == "rgb(47, 107, 58)", color
    expect(console.locator("#unclassified")).to_contain_text(HOSTILE)
    assert console.locator("#unclassified img").count() == 0
    assert console.locator("script").count() == 0
    assert re.search(r"Synthèse par défi", console.title())
    check_a11y(console, "report", sizes=["phone"])
