"""A cycle's jury in real browsers, on the real eventlet server: the facilitator adds two
jurors on the jury page (each link shown once with its QR code); one grades on a 360 px
phone with the keyboard, the other on a laptop while the facilitator's deliberation,
open, follows without a reload (a part unfolded stays unfolded); it shows the ranking
and the grades in words, and records a decision that declines a project with its
reason. Every state is checked with axe-core."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_live_session import set_up_facilitator

pytestmark = pytest.mark.browser

EPICERIE = "Épicerie mobile"
GARAGE = "Garage solidaire"

# Run by `flask shell` on the server's database: a cycle of Camille's with the usual
# grid and two holders' projects (their own pages are another part's).
MAKE_CYCLE = """
from workshop.extensions import db
from workshop.models import Cycle, CycleProject, Enrolment, Facilitator
from workshop.schemas.cycles import default_criteria, default_intention_template
from sqlalchemy import select
me = db.session.scalar(select(Facilitator).where(Facilitator.email == "camille@example.org"))
cycle = Cycle(title="Lance-toi ! Nord Ardèche", owner_id=me.id, criteria=default_criteria())
cycle.intention_template = default_intention_template()
cycle.questionnaires = {"start": [], "end": []}
db.session.add(cycle); db.session.commit()
lea = Enrolment(cycle_id=cycle.id, display_name="Léa", token_hash="1" * 64)
sam = Enrolment(cycle_id=cycle.id, display_name="Sam", token_hash="2" * 64)
db.session.add_all([lea, sam]); db.session.commit()
key = cycle.intention_template[0]["key"]
one = CycleProject(cycle_id=cycle.id, enrolment_id=lea.id, title="Épicerie mobile", position=0)
one.pitch = "Une épicerie qui passe dans les hameaux."
one.intention = {key: "Les personnes âgées sans voiture."}
two = CycleProject(cycle_id=cycle.id, enrolment_id=sam.id, title="Garage solidaire", position=1)
two.pitch, two.show_name = "Réparer sa voiture à petit prix.", False
db.session.add_all([one, two]); db.session.commit()
print("CYCLE", cycle.id)
"""


def add_juror(page: Page, name: str, role: str) -> str:
    page.fill("#juror-name", name)
    page.fill("#juror-role", role)
    page.click("#add-juror button[type=submit]")
    expect(page.locator("#issued-title")).to_contain_text(name)
    expect(page.locator("#issued svg")).to_be_visible()
    link = page.input_value("#issued-url")
    assert "/jury/" in link
    return link


def grade(page: Page, title: str, grade_label: str) -> None:
    """Give every criterion of ``title`` the grade ``grade_label`` and save."""
    project = page.locator("article.jury-project", has=page.locator("h2", has_text=title))
    criteria = project.locator("fieldset.grades")
    for number in range(criteria.count()):
        criteria.nth(number).get_by_label(grade_label, exact=True).check()
    project.get_by_role("button", name=re.compile("Enregistrer mes notes")).click()
    expect(page.locator(".flash")).to_contain_text(f"Vos notes pour « {title} » sont enregistrées.")


def test_a_jury_grades_deliberates_and_decides(fresh_server: Any, new_page: Any) -> None:
    # The deliberation brings itself up to date every 2 s instead of 15 s.
    fresh_server.stop()
    fresh_server.settings["WORKSHOP_RESULTS_REFRESH_SECONDS"] = "2"
    fresh_server.start()
    chair: Page = new_page()
    set_up_facilitator(chair, fresh_server)
    found = re.search(r"CYCLE (\d+)", fresh_server.flask("shell", stdin=MAKE_CYCLE))
    assert found, "the cycle was not made"
    jury_url = f"{fresh_server.url}/f/cycles/{found.group(1)}/jury"

    chair.goto(jury_url)
    expect(chair.locator("h1")).to_contain_text("Jury")
    expect(chair.locator("#grading-state")).to_have_text("Ouverte : le jury note")
    ines_link = add_juror(chair, "Inès Martin", "Personne élue")
    check_a11y(chair, "juror-link-issued")
    paul_link = add_juror(chair, "Paul Roux", "Partenaire")

    # Inès grades on her phone, the first criterion with the keyboard.
    ines: Page = new_page(phone=True)
    ines.goto(ines_link)
    expect(ines.locator("h1")).to_contain_text("Lance-toi ! Nord Ardèche")
    expect(ines.locator("article.jury-project")).to_have_count(2)
    first_project = ines.locator("article.jury-project").first
    expect(first_project).to_contain_text("Porté par Léa")
    expect(ines.locator("article.jury-project").nth(1)).not_to_contain_text("Sam")
    check_a11y(ines, "juror-page-phone")
    epicerie = ines.locator("article.jury-project", has=ines.locator("h2", has_text=EPICERIE))
    criteria = epicerie.locator("fieldset.grades")
    first = criteria.first
    first.get_by_label("à rejeter", exact=True).focus()
    for _ in range(5):
        ines.keyboard.press("ArrowRight")
    expect(first.get_by_label("très bien", exact=True)).to_be_checked()
    for number in range(1, criteria.count()):
        criteria.nth(number).get_by_label("très bien", exact=True).check()
    epicerie.locator("textarea").fill("Un vrai besoin dans les hameaux.")
    epicerie.get_by_role("button", name=re.compile("Enregistrer mes notes")).click()
    expect(ines.locator(".flash")).to_contain_text(
        f"Vos notes pour « {EPICERIE} » sont enregistrées."
    )
    grade(ines, GARAGE, "insuffisant")

    # The facilitator opens the deliberation and unfolds each juror's grades of the
    # épicerie; then Paul grades on his laptop.
    chair.goto(jury_url + "#results")
    results = chair.locator("li.deliberation__item")
    expect(results.first).to_contain_text("1 membre du jury a noté")
    results.first.locator("details.jury-detail summary").click()
    paul: Page = new_page()
    paul.goto(paul_link)
    grade(paul, EPICERIE, "bien")
    grade(paul, GARAGE, "passable")
    check_a11y(paul, "juror-page-laptop")

    # Without a reload: the épicerie first, the grades in words too, Paul's grades in
    # the part left unfolded.
    expect(chair.locator("[data-live-status]")).to_contain_text("Résultats mis à jour à")
    expect(results.first.locator("details.jury-detail[open]")).to_contain_text("Paul Roux")
    ranking = chair.locator("#ranking tbody tr")
    expect(ranking).to_have_count(2)
    expect(ranking.first).to_contain_text(EPICERIE)
    expect(ranking.nth(1)).to_contain_text(GARAGE)
    expect(ranking.nth(1)).to_contain_text("insuffisant")
    expect(results.first).to_contain_text("2 membres du jury ont noté")
    expect(results.first.locator(".grade-bar__text").first).to_have_text("bien : 1, très bien : 1")
    expect(results.first).to_contain_text("Un vrai besoin dans les hameaux.")
    check_a11y(chair, "deliberation")

    # The garage is declined, with its reason (refused without one first).
    garage = results.nth(1)
    garage.get_by_label("Non retenu", exact=True).check()
    garage.get_by_role("button", name=re.compile("Enregistrer la décision")).click()
    expect(chair.locator("#form-error")).to_contain_text("Dites pourquoi")
    garage = chair.locator("li.deliberation__item", has=chair.locator("h3", has_text=GARAGE))
    expect(garage.get_by_label("Non retenu", exact=True)).to_be_checked()
    garage.locator("textarea").fill("Le modèle économique reste à trouver.")
    garage.get_by_role("button", name=re.compile("Enregistrer la décision")).click()
    expect(chair.locator(".flash")).to_contain_text(
        f"Décision enregistrée pour « {GARAGE} » : Non retenu."
    )
    decided = chair.locator("li.deliberation__item", has=chair.locator("h3", has_text=GARAGE))
    expect(decided.locator(".decision")).to_contain_text("Le modèle économique reste à trouver.")
    expect(decided.locator(".decision")).to_contain_text("Camille")
    expect(chair.locator("#ranking tbody tr").nth(1)).to_contain_text("Non retenu")
    check_a11y(chair, "decision-recorded")
