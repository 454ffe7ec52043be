"""The duplicate review through the real server and Chromium, as a facilitator prepares an
evening: 1,000 real ideas imported from the console, « Doublons probables » lists their
clusters, one cluster merged into the idea chosen, « Annuler » brings it back, another
dismissed (« Pas des doublons ») and still gone after a reload; accessible at each step."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_live_session import create_workshop, set_up_facilitator

pytestmark = pytest.mark.browser

PARIS = Path(__file__).parent.parent / "data" / "duplicates" / "paris_bp_1000.csv"
KEEP = "Plus d’arbres pour la rue Cler"
ABSORBED = "Des arbres pour la rue Cler"
PHASES = (
    "Montmartre accessible à tous - Phase 3",
    "Montmartre accessible à tous - Phase 2",
    "Montmartre accessible à tous",
)
APART = ("Une nouvelle Maison de santé dans le 15e", "De nouvelles maisons de santé pour le 15ème")


def cluster_with(page: Page, title: str) -> Locator:
    return page.locator("#clusters .duplicate-cluster").filter(
        has=page.locator("label", has_text=re.compile(f"^{re.escape(title)}$"))
    )


def test_review_merge_undo_and_dismiss(fresh_server: Any, new_page: Any) -> None:
    page: Page = new_page()
    set_up_facilitator(page, fresh_server)
    create_workshop(page, "Soirée défis du plateau")  # a draft: the evening is prepared
    match = re.search(r"/f/w/(\d+)$", page.url)
    assert match is not None, page.url
    workshop = f"{fresh_server.url}/f/w/{match.group(1)}"
    page.click("#exports-link")
    page.set_input_files("#import-file", str(PARIS))
    page.click("#import-form button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("1000 idées importées")
    page.goto(workshop)  # the console
    page.click("#duplicates-link")

    expect(page.locator("h1")).to_have_text("Doublons probables")
    status = page.locator("#duplicates-status")
    expect(status).to_contain_text(re.compile(r"^\d+ groupes de doublons probables parmi 1000"))
    clusters = page.locator("#clusters .duplicate-cluster")
    count = clusters.count()
    assert count >= 10
    check_a11y(page, "duplicates-review")

    # Merge: keep the idea chosen (not the one suggested), one action for the cluster.
    cluster = cluster_with(page, ABSORBED)
    expect(cluster).to_have_count(1)
    cluster.locator("label", has_text=KEEP).click()
    cluster.get_by_role("button", name="Fusionner").click()
    expect(cluster_with(page, ABSORBED)).to_have_count(0)
    expect(clusters).to_have_count(count - 1)
    toast = page.locator("#toast")
    expect(toast).to_contain_text(f"1 idée fusionnée dans « {KEEP} ».")
    expect(page.locator("#toast-undo")).to_be_focused()
    check_a11y(page, "duplicates-merged")

    # « Annuler »: the cluster is back, both ideas in it.
    page.click("#toast-undo")
    expect(cluster_with(page, ABSORBED)).to_have_count(1)
    expect(cluster_with(page, ABSORBED).locator("label", has_text=KEEP)).to_have_count(1)
    expect(clusters).to_have_count(count)

    # « Pas des doublons »: gone, and still gone once the page is loaded again.
    apart = cluster_with(page, APART[0])
    expect(apart.locator("label", has_text=APART[1])).to_have_count(1)
    apart.get_by_role("button", name="Pas des doublons").click()
    expect(cluster_with(page, APART[0])).to_have_count(0)
    expect(status).to_contain_text("Gardées à part")

    # An idea of a cluster left out of the merge (« Dans la fusion » unticked) stays.
    phases = cluster_with(page, PHASES[2])
    phases.locator("label", has_text=re.compile(f"^{re.escape(PHASES[0])}$")).click()
    phases.locator(".duplicate-idea").filter(
        has=page.locator("label", has_text=re.compile(f"^{re.escape(PHASES[2])}$"))
    ).get_by_label("Dans la fusion").uncheck()
    phases.get_by_role("button", name="Fusionner").click()
    expect(page.locator("#toast")).to_contain_text(f"1 idée fusionnée dans « {PHASES[0]} ».")
    expect(cluster_with(page, PHASES[1])).to_have_count(0)
    expect(cluster_with(page, PHASES[2]).locator("label", has_text=PHASES[0])).to_have_count(1)
    page.reload()
    # One cluster dismissed; one idea merged (the cluster it left keeps two ideas).
    expect(status).to_contain_text(f"{count - 1} groupes de doublons probables parmi 999 idées")
    expect(cluster_with(page, APART[0])).to_have_count(0)
    expect(cluster_with(page, ABSORBED)).to_have_count(1)
    check_a11y(page, "duplicates-after-dismiss")
