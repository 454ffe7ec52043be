"""The call for holders in real browsers, on the real eventlet server: a member puts an
imported défi's project into the call; a visitor on a phone opens the public call, opens
the project and applies (first without a contact: refused in the page, then right); the
member sees the application beside the session's volunteer, marks it met and chooses it:
the project has its holder. Every public page is checked with axe-core."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_live_session import set_up_facilitator
from tests.portfolio.conftest import build_document, challenge, idea, qualification

pytestmark = pytest.mark.browser

SLUG = "fab-bauges"
TITLE = "Une épicerie mobile pour les hameaux"


def export(tmp_path: Path) -> Path:
    """A session whose défi looks for a holder, with a volunteer who consented and an
    author whose name must stay off the public pages."""
    document = build_document(
        title="Soirée manger local",
        challenges=[
            challenge(
                1,
                TITLE,
                votes=9,
                qualification=qualification(
                    "holder_search",
                    territory="Aillon-le-Jeune",
                    need={"who": "Les aînés sans voiture", "where": "Les hameaux", "evidence": ""},
                ),
                volunteers=[
                    {
                        "kind": "hold",
                        "consent_contact": True,
                        "contact": {
                            "name": "Bruno B.",
                            "email": "bruno@example.org",
                            "phone": None,
                        },
                    }
                ],
            )
        ],
        ideas=[
            idea(1, "Un camion épicerie", 1, author={"name": "Auteur Secret"}, votes=5),
            idea(2, "Des commandes groupées", 1, author={"name": "Auteur Secret"}, votes=4),
        ],
    )
    path = tmp_path / "soiree.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_visitor_applies_and_the_member_chooses(
    fresh_server: Any, new_page: Any, tmp_path: Path
) -> None:
    member: Page = new_page()
    set_up_facilitator(member, fresh_server)
    fresh_server.flask(
        "fabriques",
        "create",
        SLUG,
        "--name",
        "Fabrique des Bauges",
        "--member",
        "camille@example.org",
    )
    fresh_server.flask("import", str(export(tmp_path)), "--fabrique", SLUG)

    # The member puts the project into the call, with its public words.
    member.goto(f"{fresh_server.url}/fabriques/{SLUG}/appel")
    member.locator("#call-lines a", has_text=TITLE).click()
    expect(member.locator("#candidates [data-candidate]")).to_have_count(1)  # the volunteer
    member.check("#in_call")
    member.fill("#call_text", "Nous cherchons qui fera rouler le camion.")
    member.click("#call-form button[type=submit]")
    expect(member.locator("#call-state")).to_contain_text("Visible sur la page publique")
    check_a11y(member, "members-project-in-call")

    # A visitor on a phone.
    phone: Page = new_page(phone=True)
    phone.goto(f"{fresh_server.url}/p/{SLUG}/appel")
    card = phone.locator("#call-projects [data-project]")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Nous cherchons qui fera rouler le camion.")
    expect(card).to_contain_text("Les aînés sans voiture")
    expect(card).to_contain_text("2 idées")
    check_a11y(phone, "public-call")
    card.get_by_role("link", name=re.compile("^Voir le projet")).click()
    expect(phone.locator("h1")).to_have_text(TITLE)
    for secret in ("Auteur Secret", "Bruno", "bruno@example.org"):
        assert secret not in phone.content()
    check_a11y(phone, "public-project")

    phone.fill("#name", "Dominique")
    phone.fill("#message", "J'ai un camion frigorifique et du temps le mardi.")
    phone.check("input[name=consent]")
    phone.click("#apply-form button[type=submit]")
    expect(phone.locator("#form-error")).to_contain_text("adresse e-mail ou un numéro de téléphone")
    expect(phone.locator("#message")).to_have_value(
        "J'ai un camion frigorifique et du temps le mardi."
    )
    check_a11y(phone, "public-application-refused")
    phone.fill("#email", "dominique@example.org")
    phone.check("input[name=follow]")
    if not phone.locator("input[name=consent]").is_checked():
        phone.check("input[name=consent]")
    phone.click("#apply-form button[type=submit]")
    expect(phone.locator("#thanks-title")).to_contain_text("Merci")
    check_a11y(phone, "public-thanks")

    # The member sees the application, marks it met, and chooses it.
    member.reload()
    candidate = member.locator("#candidates [data-candidate]", has_text="Dominique")
    expect(candidate).to_contain_text("dominique@example.org")
    expect(candidate).to_contain_text("Candidature par l’appel")
    candidate.locator("select").select_option("met")
    candidate.locator("textarea").fill("Rencontrée le 8 décembre")
    candidate.get_by_role("button", name=re.compile("^Enregistrer")).click()
    candidate = member.locator("#candidates [data-candidate]", has_text="Dominique")
    expect(candidate).to_have_attribute("data-status", "met")
    candidate.get_by_role("button", name=re.compile("^Choisir comme porteur")).click()
    expect(member.locator(".flash")).to_contain_text("Dominique est maintenant porteur du projet.")
    expect(member.locator("#candidates [data-candidate]", has_text="Dominique")).to_have_attribute(
        "data-status", "selected"
    )
    expect(member.locator("#call-state")).to_contain_text("Pas dans l’appel")
    check_a11y(member, "members-holder-chosen")
    expect(member.locator("#project-holders")).to_contain_text("Porteur : Dominique")
    # The project's own page shows its holder, and its call section the candidates.
    member.click("#project-page-link")
    expect(member.locator("main")).to_contain_text("Dominique")
    expect(member.locator("#project-call-state")).to_contain_text("Pas dans l’appel")
    expect(member.locator("#project-candidates")).to_contain_text("2 candidatures")
    check_a11y(member, "project-page-with-holder")

    # Out of the call now: the public page says so.
    phone.goto(f"{fresh_server.url}/p/{SLUG}/appel")
    expect(phone.locator("#call-empty")).to_be_visible()
    check_a11y(phone, "public-call-empty")
