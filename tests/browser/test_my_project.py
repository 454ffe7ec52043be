"""« Mon projet » in a real browser, on the real eventlet server: a holder enrolled in a
cycle whose session on « Modèle économique » runs now opens their personal link on a
360 px phone, creates their project with its pitch, writes the highlighted part of the
note d'intention, adds a next step to their carnet de bord and opens the printable
document; the facilitator then sees it among the cycle's projects on a laptop and adds
a line to its carnet de bord. Each state is checked with axe-core."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import REPO, check_a11y, sign_in
from tests.live_server import FACILITATOR_EMAIL, FACILITATOR_PASSWORD, LiveServer

pytestmark = pytest.mark.browser


def build(owner_email: str) -> dict[str, Any]:
    """Runs in a child process with the server's instance: a cycle with a running
    session on « Modèle économique » and Awa enrolled; her personal link's secret."""
    import datetime as dt

    from workshop import create_app
    from workshop.schemas.cycles import NewCycle, NewEnrolment, SessionForm
    from workshop.services import accounts, agenda, cycles

    app = create_app()
    with app.app_context(), app.test_request_context():
        owner = accounts.get_by_email(owner_email)
        assert owner is not None
        cycle = cycles.create_cycle(NewCycle(title="Lance-toi ! Vallée du Doux"), owner)
        session = cycles.add_session(
            cycle.id,
            owner,
            SessionForm(
                title="Atelier de Lamastre",
                date=dt.date.today(),
                territory="Lamastre",
                theme="Modèle économique",
            ),
        )
        agenda.open_workshop(session.id, owner)
        _enrolment, token = cycles.enrol(cycle.id, NewEnrolment(display_name="Awa"))
        return {"token": token, "cycle_id": cycle.id}


@pytest.fixture
def cycle_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    server = LiveServer("eventlet", tmp_path / "instance")
    server.prepare()
    result = subprocess.run(  # noqa: S603 - our own interpreter and test module
        [
            sys.executable,
            "-c",
            "import json, sys; from tests.browser.test_my_project import build; "
            "print(json.dumps(build(sys.argv[1])))",
            FACILITATOR_EMAIL,
        ],
        cwd=REPO,
        env=server.env(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()[-4000:]
    server.workshop |= json.loads(result.stdout.decode().strip().splitlines()[-1])
    server.start()
    yield server
    server.stop()


def test_a_holder_writes_their_project_on_a_phone(cycle_server: LiveServer, new_page: Any) -> None:
    phone: Page = new_page(phone=True)
    phone.goto(f"{cycle_server.url}/c/{cycle_server.workshop['token']}/projet")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Mon projet")
    check_a11y(phone, "no project yet")

    phone.get_by_label("Titre du projet").fill("Épicerie mobile")
    phone.get_by_label("Le pitch, en quelques lignes").fill(
        "Une épicerie dans un camion, de village en village, pour ceux qui n'ont pas de voiture."
    )
    phone.get_by_label("Afficher mon nom avec le projet sur l’écran").check()
    phone.get_by_role("button", name="Créer mon projet").click()
    expect(phone.locator(".flash")).to_contain_text("Votre projet est créé")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Épicerie mobile")
    expect(phone.locator("#today")).to_contain_text("Modèle économique")
    check_a11y(phone, "project created", sizes=["phone"])

    # The session's theme is the highlighted part; write it with the keyboard.
    current = phone.locator(".intention-section--current")
    expect(current).to_have_count(1)
    expect(current.locator("h3")).to_contain_text("thème de la séance")
    current.locator("textarea").fill("Des paniers vendus au prix du magasin, le camion loué.")
    current.locator("textarea").press("Tab")
    phone.keyboard.press("Enter")
    expect(phone.locator(".flash")).to_contain_text("Cette partie de votre note d’intention")
    current = phone.locator(".intention-section--current")
    expect(current).to_contain_text("séance « Modèle économique »")
    expect(current.locator("textarea")).to_have_value(
        "Des paniers vendus au prix du magasin, le camion loué."
    )

    logbook = phone.locator("#logbook")
    logbook.get_by_label("Prochaine étape").check()
    logbook.get_by_label("Texte").fill("Demander un devis de camion")
    logbook.get_by_role("button", name="Ajouter au carnet de bord").click()
    expect(phone.locator(".flash")).to_contain_text("Ajouté à votre carnet de bord.")
    expect(phone.locator(".next-steps")).to_contain_text("Demander un devis de camion")
    expect(phone.locator(".logbook")).to_contain_text("séance « Modèle économique »")
    # Nothing sticks out of a 360 px screen.
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
    check_a11y(phone, "section and logbook written", sizes=["phone"])

    phone.get_by_role("link", name="Imprimer / enregistrer en PDF").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Épicerie mobile")
    document = phone.locator("article")
    for text in (
        "Porté par Awa",
        "Lance-toi ! Vallée du Doux",
        "Une épicerie dans un camion",
        "Des paniers vendus au prix du magasin",
        "Demander un devis de camion",
    ):
        expect(document).to_contain_text(text)
    expect(phone.get_by_role("button", name="Imprimer / enregistrer en PDF")).to_be_visible()
    # In print, the buttons and links around the document are gone.
    phone.emulate_media(media="print")
    expect(phone.locator(".document-actions")).to_be_hidden()
    phone.emulate_media(media="screen")
    check_a11y(phone, "printable document", sizes=["phone"])

    # The facilitator, on a laptop: the cycle's projects, then this one, read-only.
    laptop: Page = new_page()
    sign_in(laptop, cycle_server.url, FACILITATOR_EMAIL, FACILITATOR_PASSWORD)
    laptop.goto(f"{cycle_server.url}/f/cycles/{cycle_server.workshop['cycle_id']}/projets")
    row = laptop.locator(".project-row")
    expect(row).to_contain_text("Épicerie mobile")
    expect(row).to_contain_text("Awa")
    expect(row).to_contain_text("note d’intention : 1 partie(s) sur 4")
    check_a11y(laptop, "facilitators projects", sizes=["laptop"])
    row.get_by_role("link", name="Épicerie mobile").click()
    expect(laptop.locator("#project-title")).to_have_count(0)  # read-only
    logbook = laptop.locator("#logbook")
    logbook.get_by_label("Décidé").check()
    logbook.get_by_label("Texte").fill("Tester la tournée à Lamastre en janvier")
    logbook.get_by_role("button", name="Ajouter au carnet de bord").click()
    expect(laptop.locator(".flash")).to_contain_text("Ajouté au carnet de bord.")
    expect(laptop.locator(".logbook")).to_contain_text("l’équipe d’animation")
    check_a11y(laptop, "facilitator adds to the carnet de bord", sizes=["laptop"])
