"""A whole « Lance-toi ! » cycle in real browsers, on the real eventlet server, the way a
new facilitator runs it (issue #14): she creates the cycle from its preset (each of its
themes a part of the note d'intention); two holders (Amina, Bruno) and two
peers (Chloé, David) enrol on their phones and keep their personal links.

Session 1 (charte sociale): the holders create their project and write the session's
part; everyone joins through their link; the pitch step puts Amina's project then
Bruno's in the spotlight, the peers send feedback cards of two kinds, one goes on the
screen. Session 2 (modèle économique): the same links, the same people (no join form),
Amina adds to her carnet de bord and writes the next part. Session 3: two jurors grade
both projects (one on a phone), the facilitator reads the deliberation and records a
decision for each. At the end Amina's « Mon projet » holds it all, and prints.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_jury import add_juror, grade
from tests.browser.test_live_session import set_up_facilitator

pytestmark = pytest.mark.browser

CAFE = "Le café des Bauges"
CAFE_PITCH = "Un café associatif au cœur du village, ouvert aux anciens comme aux jeunes."
GARAGE = "Garage solidaire"
GARAGE_PITCH = "Réparer sa voiture à petit prix, avec un mécanicien qui explique."


def enrol(page: Page, url: str, name: str) -> str:
    """Enrol ``name`` on the public page; the personal link they keep."""
    page.goto(url)
    page.fill("#enrol-name", name)
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Gardez ce lien")
    return page.locator("#personal-url").input_value()


def create_project(page: Page, link: str, title: str, pitch: str, part: str) -> None:
    """From the cycle's home, « Mon projet »: create the project, then write the
    highlighted part."""
    page.goto(link)
    page.get_by_role("link", name="Mon projet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon projet")
    page.get_by_label("Titre du projet").fill(title)
    page.get_by_label("Le pitch, en quelques lignes").fill(pitch)
    page.get_by_role("button", name="Créer mon projet").click()
    expect(page.locator(".flash")).to_contain_text("Votre projet est créé")
    write_current_part(page, part)


def write_current_part(page: Page, text: str) -> None:
    current = page.locator(".intention-section--current")
    expect(current).to_have_count(1)
    current.locator("textarea").fill(text)
    current.get_by_role("button", name=re.compile("^Enregistrer cette partie")).click()
    expect(page.locator(".flash")).to_contain_text("Cette partie de votre note d’intention")


def open_session(console: Page, cycle_url: str, number: int) -> int:
    """From the cycle's page, open session ``number``'s console and the session; its id."""
    console.goto(cycle_url)
    session = console.locator("#sessions article").nth(number - 1)
    workshop_id = int(str(session.get_attribute("id")).removeprefix("session-"))
    session.get_by_role("link", name="Ouvrir la console").click()
    console.click("#open-workshop")
    expect(console.locator("#status-badge")).to_have_attribute("data-status", "open")
    return workshop_id


def join(phone: Page, link: str, workshop_id: int, name: str) -> None:
    """Join the session through the personal link: straight in, as the same person."""
    phone.goto(f"{link}/seance/{workshop_id}")
    expect(phone).to_have_url(re.compile(r"/w/[A-Z0-9]{6,8}$"))
    expect(phone.locator("#display_name")).to_have_count(0)  # no join form
    expect(phone.get_by_text("Vous êtes")).to_contain_text(name)


def send_card(phone: Page, project: str, kind: str, text: str) -> None:
    expect(phone.locator("#pitch-heading")).to_have_text(project)
    form = phone.locator("#feedback-form")
    form.get_by_label("Type").select_option(kind)
    form.get_by_label("Votre retour").fill(text)
    form.get_by_role("button", name="Envoyer mon retour").click()
    expect(phone.locator("#feedback-message")).to_have_text("Merci, votre retour est envoyé.")


def close_session(console: Page) -> None:
    console.click("#close-workshop")  # the confirm() is accepted by new_page
    expect(console.locator("#status-badge")).to_have_attribute("data-status", "closed")


def decide(chair: Page, title: str, decision: str) -> None:
    item = chair.locator("li.deliberation__item", has=chair.locator("h3", has_text=title))
    item.get_by_label(decision, exact=True).check()
    item.get_by_role("button", name=re.compile("Enregistrer la décision")).click()
    expect(chair.locator(".flash")).to_contain_text(
        f"Décision enregistrée pour « {title} » : {decision}."
    )


def test_a_lance_toi_cycle_in_three_sessions(fresh_server: Any, new_page: Any) -> None:
    # --- The facilitator creates the cycle from its preset and sets it up.
    console: Page = new_page()
    set_up_facilitator(console, fresh_server)
    console.goto(fresh_server.url + "/f/cycles")
    console.fill("#cycle-title", "Lance-toi ! Cœur des Bauges")
    console.check("input[name=preset][value=lance_toi]")
    console.fill("#cycle-start", dt.date.today().isoformat())
    console.fill("#cycle-organiser", "Fabrique des Bauges")
    console.click("form[action$='/f/cycles'] button[type=submit]")
    expect(console).to_have_url(re.compile(r"/f/cycles/\d+$"))
    cycle_url = console.url
    sessions = console.locator("#sessions article")
    expect(sessions).to_have_count(4)
    expect(sessions.nth(0)).to_contain_text("Charte sociale")
    expect(sessions.nth(1)).to_contain_text("Modèle économique")
    # Each theme has its part of the note d'intention, « Charte sociale » included.
    expect(console.locator("#intention")).to_contain_text("Charte sociale")
    check_a11y(console, "cycle set up")
    enrol_url = str(console.locator("#people a[href*='/inscription']").get_attribute("href"))

    # --- Four people enrol on their phones and keep their links.
    amina, bruno, chloe, david = (new_page(phone=True) for _ in range(4))
    links = {
        "Amina": enrol(amina, enrol_url, "Amina"),
        "Bruno": enrol(bruno, enrol_url, "Bruno"),
        "Chloé": enrol(chloe, enrol_url, "Chloé"),
        "David": enrol(david, enrol_url, "David"),
    }
    phones = {"Amina": amina, "Bruno": bruno, "Chloé": chloe, "David": david}
    check_a11y(david, "link kept", sizes=["phone"])

    # --- Session 1, charte sociale: the holders write their project first.
    create_project(amina, links["Amina"], CAFE, CAFE_PITCH, "Chacun y a sa place, sans rien payer.")
    expect(amina.locator("#today")).to_contain_text("Charte sociale")
    check_a11y(amina, "amina's project, session 1", sizes=["phone"])
    create_project(bruno, links["Bruno"], GARAGE, GARAGE_PITCH, "On apprend en réparant.")

    first = open_session(console, cycle_url, 1)
    screen: Page = new_page()
    screen.goto(str(console.locator("#screen-link").get_attribute("href")))
    for name, phone in phones.items():
        join(phone, links[name], first, name)
    console.click("#phase-next")  # welcome → co-development time (the pitch step)
    panel = console.locator("#pitch-panel")
    expect(panel.locator("#pitch-projects li")).to_have_count(2)

    panel.get_by_role("button", name=f"Mettre en lumière : {CAFE}").click()
    stage = screen.locator("#pitch-screen")
    expect(stage.get_by_role("heading", level=2)).to_have_text(CAFE)
    expect(stage).to_contain_text("Porté par Amina")
    expect(amina.locator("#pitch-turn")).to_contain_text("C’est votre tour")
    send_card(chloe, CAFE, "likes", "Un lieu qui manque au village.")
    send_card(david, CAFE, "questions", "Qui tiendra le café le lundi ?")
    check_a11y(chloe, "peer: feedback sent", sizes=["phone"])
    card = panel.locator("#pitch-cards li").filter(has_text="Qui tiendra le café le lundi ?")
    card.get_by_role("button", name="Afficher à l’écran").click()
    expect(stage.locator(".pitch-screen__card")).to_contain_text("Qui tiendra le café")
    check_a11y(screen, "screen: amina's project and a card")
    check_a11y(console, "console: pitch step", sizes=["laptop"])

    panel.get_by_role("button", name=f"Mettre en lumière : {GARAGE}").click()
    expect(stage.get_by_role("heading", level=2)).to_have_text(GARAGE)
    expect(bruno.locator("#pitch-turn")).to_contain_text("C’est votre tour")
    send_card(amina, GARAGE, "suggestions", "Proposer des ateliers le samedi.")
    close_session(console)

    # --- Session 2, modèle économique: the same links, the same people.
    second = open_session(console, cycle_url, 2)
    for name, phone in phones.items():
        join(phone, links[name], second, name)
    console.reload()
    expect(console.locator("#participant-count")).to_contain_text("4 ")
    amina.goto(links["Amina"] + "/projet")
    expect(amina.locator("#today")).to_contain_text("Modèle économique")
    write_current_part(amina, "Des cafés suspendus et une subvention de la commune.")
    logbook = amina.locator("#logbook")
    logbook.get_by_label("Texte").fill("Rencontrer le maire pour le local")
    logbook.get_by_role("button", name="Ajouter au carnet de bord").click()
    expect(amina.locator(".flash")).to_contain_text("Ajouté à votre carnet de bord.")
    check_a11y(amina, "amina's project, session 2", sizes=["phone"])
    close_session(console)

    # --- Session 3: the jury grades both projects and the facilitator decides.
    open_session(console, cycle_url, 3)
    screen.goto(str(console.locator("#screen-link").get_attribute("href")))
    console.click("#phase-next")  # the pitch step: Amina pitches before the jury
    panel.get_by_role("button", name=f"Mettre en lumière : {CAFE}").click()
    expect(stage.get_by_role("heading", level=2)).to_have_text(CAFE)
    console.goto(cycle_url)
    console.get_by_role("link", name="Jury", exact=True).click()
    expect(console.locator("h1")).to_contain_text("Jury")
    ines_link = add_juror(console, "Inès Martin", "Personne élue")
    paul_link = add_juror(console, "Paul Roux", "Partenaire")
    ines: Page = new_page(phone=True)
    ines.goto(ines_link)
    expect(ines.locator("article.jury-project")).to_have_count(2)
    expect(ines.locator("#on-stage")).to_have_text(f"En ce moment sur scène : {CAFE}")
    grade(ines, CAFE, "très bien")
    grade(ines, GARAGE, "passable")
    check_a11y(ines, "juror on a phone", sizes=["phone"])
    paul: Page = new_page()
    paul.goto(paul_link)
    grade(paul, CAFE, "bien")
    grade(paul, GARAGE, "insuffisant")

    console.goto(cycle_url + "/jury#results")
    ranking = console.locator("#ranking tbody tr")
    expect(ranking).to_have_count(2)
    expect(ranking.first).to_contain_text(CAFE)
    expect(ranking.nth(1)).to_contain_text(GARAGE)
    decide(console, CAFE, "Retenu par le jury")
    decide(console, GARAGE, "À retravailler")
    check_a11y(console, "decisions recorded")

    # --- At the end, Amina's « Mon projet » holds the whole cycle.
    amina.goto(links["Amina"] + "/projet")
    expect(amina.get_by_role("heading", level=1)).to_have_text(CAFE)
    expect(amina.locator("#pitch textarea")).to_have_value(CAFE_PITCH)
    expect(amina.locator("#text-charte-sociale")).to_have_value(
        "Chacun y a sa place, sans rien payer."
    )
    expect(amina.locator("#text-modele-economique")).to_have_value(
        "Des cafés suspendus et une subvention de la commune."
    )
    expect(amina.locator(".logbook")).to_contain_text("Rencontrer le maire pour le local")
    groups = amina.locator("#feedback .feedback-group")
    expect(groups).to_have_count(2)  # only hers, by kind: Bruno's card is not here
    expect(groups.nth(0).locator("h3")).to_contain_text("Ce qui me plaît (1)")
    expect(groups.nth(0)).to_contain_text("Un lieu qui manque au village.")
    expect(groups.nth(1).locator("h3")).to_contain_text("Mes questions (1)")
    expect(groups.nth(1)).to_contain_text("Qui tiendra le café le lundi ?")
    expect(amina.locator("#decision")).to_contain_text("Le jury a retenu le projet.")
    check_a11y(amina, "mon projet at the end", sizes=["phone"])

    amina.get_by_role("link", name="Imprimer / enregistrer en PDF").first.click()
    document = amina.locator("article")
    for text in (CAFE_PITCH, "Chacun y a sa place", "Des cafés suspendus", "Rencontrer le maire"):
        expect(document).to_contain_text(text)
    check_a11y(amina, "printable document", sizes=["phone"])
