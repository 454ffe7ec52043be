"""In a real browser against the real server: the unsubscribe link of an email, on a
phone (the page, the button, the confirmation), and the members' pages of the people
kept informed; every state checked with axe-core."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y, sign_in
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

PASSWORD = "semer-des-idees-2026"  # noqa: S105 - a throwaway test account

# Run against the server's instance: a project, a follower, a stage change; prints the
# follower's unsubscribe secret (the same SECRET_KEY file as the server's).
SET_UP = """
from workshop import create_app
from workshop.extensions import db
from workshop.models import Project
from workshop.services import fabriques, followers
from workshop.services.portfolio import projects

app = create_app()
with app.app_context():
    fabrique = fabriques.get_by_slug("fabrique-ardeche")
    project = Project(fabrique_id=fabrique.id, kind="challenge", title="Épicerie mobile")
    db.session.add(project)
    db.session.commit()
    follower = followers.subscribe(fabrique.id, project.id, "lea@example.org", name="Léa")
    projects.set_stage(fabrique, project.id, "holder_search", by_label="test")
    db.session.commit()
    print(followers.unsubscribe_token(follower))
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    live = LiveServer("eventlet", tmp_path / "instance")
    live.instance.mkdir(parents=True)
    live.flask("db", "upgrade")
    live.flask(
        "facilitators", "create", "camille@example.org", "--password-stdin", stdin=PASSWORD + "\n"
    )
    live.flask("fabriques", "create", "fabrique-ardeche", "--member", "camille@example.org")
    result = subprocess.run(  # noqa: S603 - our own interpreter and package
        [sys.executable, "-c", SET_UP],
        env=live.env(),
        capture_output=True,
        check=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    token = result.stdout.decode().strip().splitlines()[-1]
    live.start()
    yield live, token
    live.stop()


def test_unsubscribe_from_a_phone_and_the_members_pages(server: Any, new_page: Any) -> None:
    live, token = server
    phone: Page = new_page(phone=True)
    phone.goto(f"{live.url}/desabonnement/{token}")
    expect(phone.locator("h1")).to_have_text("Ne plus recevoir d’e-mails sur ce projet")
    expect(phone.locator(".lead")).to_contain_text("« Épicerie mobile »")
    check_a11y(phone, "unsubscribe")
    phone.click("#unsubscribe-form button")
    expect(phone.locator("h1")).to_have_text("Vous êtes désabonné·e")
    check_a11y(phone, "unsubscribed")

    page: Page = new_page()
    sign_in(page, live.url, "camille@example.org", PASSWORD)
    page.goto(f"{live.url}/fabriques/fabrique-ardeche/abonnes")
    expect(page.locator("h1")).to_have_text("Personnes tenues au courant")
    expect(page.locator("#followed")).to_contain_text("Épicerie mobile")
    check_a11y(page, "followers-overview")
    page.click("text=Voir leurs adresses")
    expect(page.locator("#contacts")).to_contain_text("lea@example.org")
    expect(page.locator("#contacts")).to_contain_text("arrêté le")
    check_a11y(page, "followers-contacts")
