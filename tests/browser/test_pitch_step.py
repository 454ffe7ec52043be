"""The pitch step in a real browser, on the real eventlet server: the facilitator's
console puts a cycle's project in the spotlight, the screen shows it, a 360 px phone
sends a feedback card, the console shows it on the screen, the screen shows the card;
the holder, joined through her personal link, is told it is her turn. Each page is
checked with axe-core."""

from __future__ import annotations

import json
import re
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


def build(workshop_id: str) -> dict[str, Any]:
    """Runs in a child process with the server's instance: the prepared workshop made a
    session of a cycle with two projects (Hélène's first), in a pitch step; Hélène's
    personal link's secret."""
    import hashlib
    import secrets

    from workshop import create_app
    from workshop.extensions import db
    from workshop.models import Cycle, CycleProject, Enrolment, Phase, Workshop
    from workshop.phases import PhaseKind
    from workshop.schemas import PhaseTarget
    from workshop.services import agenda

    app = create_app()
    with app.app_context(), app.test_request_context():
        workshop = db.session.get_one(Workshop, int(workshop_id))
        cycle = Cycle(title="Lance-toi ! Vallée du Doux", owner_id=workshop.owner_id)
        db.session.add(cycle)
        db.session.flush()
        token = secrets.token_urlsafe(24)
        helene = Enrolment(
            cycle_id=cycle.id,
            display_name="Hélène",
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
        )
        db.session.add(helene)
        db.session.flush()
        db.session.add_all(
            [
                CycleProject(
                    cycle_id=cycle.id,
                    title="Le café des Bauges",
                    pitch="Un café associatif au cœur du village.",
                    position=0,
                    enrolment_id=helene.id,
                ),
                CycleProject(cycle_id=cycle.id, title="Une ferme pédagogique", position=1),
            ]
        )
        workshop.cycle_id = cycle.id
        step = Phase(
            workshop_id=workshop.id,
            position=len(workshop.phases),
            kind=PhaseKind.PITCH,
            title="Temps de codéveloppement",
            duration_s=3600,
            settings={},
        )
        db.session.add(step)
        db.session.commit()
        agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(phase_id=step.id))
        return {"cycle_id": cycle.id, "token": token}


@pytest.fixture
def pitch_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    server = LiveServer("eventlet", tmp_path / "instance")
    server.prepare()
    result = subprocess.run(  # noqa: S603 - our own interpreter and test module
        [
            sys.executable,
            "-c",
            "import json, sys; from tests.browser.test_pitch_step import build; "
            "print(json.dumps(build(sys.argv[1])))",
            str(server.workshop["id"]),
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


def test_a_project_in_the_spotlight_and_a_card_on_the_screen(
    pitch_server: LiveServer, new_page: Any
) -> None:
    console: Page = new_page()
    sign_in(console, pitch_server.url, FACILITATOR_EMAIL, FACILITATOR_PASSWORD)
    console.goto(pitch_server.workshop["console_url"])
    panel = console.locator("#pitch-panel")
    expect(panel).to_be_visible()
    expect(panel.locator("#pitch-projects li")).to_have_count(2)

    screen: Page = new_page()
    screen.goto(pitch_server.workshop["screen_url"])
    expect(screen.locator("#pitch-screen")).to_contain_text("Le prochain projet arrive")

    phone: Page = new_page(phone=True)
    phone.goto(pitch_server.workshop["join_url"])
    phone.fill("#display_name", "Zoé")
    phone.check("input[name=profile][value=citizen]")
    phone.click("main button[type=submit]")
    expect(phone).to_have_url(re.compile(r"/w/[A-Z0-9]{6,8}$"))
    expect(phone.locator("#pitch-section")).to_be_visible()
    expect(phone.locator("#wall-section")).to_be_hidden()  # no ideas to read meanwhile

    holder: Page = new_page(phone=True)
    holder.goto(
        f"{pitch_server.url}/c/{pitch_server.workshop['token']}/seance/{pitch_server.workshop['id']}"
    )
    expect(holder.locator("#pitch-section")).to_be_visible()

    panel.get_by_role("button", name="Mettre en lumière : Le café des Bauges").click()
    stage = screen.locator("#pitch-screen")
    expect(stage.get_by_role("heading", level=2)).to_have_text("Le café des Bauges")
    expect(stage).to_contain_text("Porté par Hélène")
    expect(stage).to_contain_text("Projet 1 sur 2")
    panel.get_by_role("button", name=re.compile(r"^Pitch \(3 min\)")).click()
    expect(stage).to_contain_text("Pitch")
    expect(screen.locator("#timer")).not_to_have_text("")
    check_a11y(screen, "screen: a project in the spotlight")

    expect(holder.locator("#pitch-turn")).to_contain_text("C’est votre tour")
    expect(holder.locator("#feedback-form")).to_be_hidden()
    check_a11y(holder, "holder: her turn", sizes=["phone"])

    expect(phone.locator("#pitch-heading")).to_have_text("Le café des Bauges")
    form = phone.locator("#feedback-form")
    expect(form).to_contain_text("anonyme pour la salle")
    form.get_by_label("Type").select_option("questions")  # « Mes questions »
    form.get_by_label("Votre retour").fill("Qui tiendra le café le lundi ?")
    form.get_by_role("button", name="Envoyer mon retour").click()
    expect(phone.locator("#feedback-message")).to_have_text("Merci, votre retour est envoyé.")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
    check_a11y(phone, "phone: feedback sent", sizes=["phone"])

    card = panel.locator("#pitch-cards li").filter(has_text="Qui tiendra le café le lundi ?")
    expect(card).to_contain_text("Zoé")  # the facilitators see who, to moderate
    questions = stage.locator(".pitch-screen__count").filter(has_text=re.compile("questions", re.I))
    expect(questions.locator(".pitch-screen__number")).to_have_text("1")
    expect(stage).not_to_contain_text("Qui tiendra")  # counts only, until selected
    card.get_by_role("button", name="Afficher à l’écran").click()
    expect(stage.locator(".pitch-screen__card")).to_contain_text("Qui tiendra le café le lundi ?")
    expect(stage.locator(".pitch-screen__card")).not_to_contain_text("Zoé")
    check_a11y(console, "console: a card on the screen", sizes=["laptop"])
    check_a11y(screen, "screen: a selected card")
