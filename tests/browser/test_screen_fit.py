"""The projected screen fits a real room's projector, whatever the workshop's size.

Two workshops are built through the services before the server starts (a few seconds,
not a thousand browser clicks): one on its ideas step with 1,000 ideas and no défi (the
wall), one played through with 1,000 ideas grouped into 30 défis, a frozen vote and
qualified défis. Screens at 1920×1080 and 1280×720 then follow the facilitator's console
through every step of the agenda; at each step nothing may overflow the viewport, the
défi titles must be whole, long lists must say how much they leave out, and a
screenshot of each step is kept (``artifacts/screenshots/<test>/``).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from testkit import forms
from tests.live_client import TIMEOUT, Recorder
from tests.live_server import FACILITATOR_EMAIL, FACILITATOR_PASSWORD, LiveServer

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SIZES = {"1080p": (1920, 1080), "720p": (1280, 720)}
IDEAS = 1000
CHALLENGES = 30
VOTERS = 60
QUESTION = "Comment pourrions-nous mieux nous nourrir, ensemble et près de chez nous ?"

WORDS = (
    "jardin partagé",
    "cantine locale",
    "frigo solidaire",
    "marché de producteurs",
    "atelier de cuisine",
    "composteur de quartier",
    "épicerie coopérative",
    "légumerie",
    "ferme pédagogique",
    "verger communal",
    "paniers suspendus",
    "repair café",
    "covoiturage vers le marché",
    "banque de graines",
)
CHALLENGE_TOPICS = (
    "manger local à la cantine",
    "moins gaspiller",
    "rapprocher producteurs et habitants",
    "créer du lien autour de la cuisine",
    "cultiver ensemble en ville",
    "aider les familles qui ont du mal à finir le mois",
)


def idea_text(number: int) -> tuple[str, str]:
    """A title of 20 to 90 characters and, for two ideas in three, a description."""
    word = WORDS[number % len(WORDS)]
    title = f"Idée {number} : un {word}"
    if number % 3 == 0:
        title += f" ouvert à tous les habitants du quartier {number % 17}"
    description = ""
    if number % 3:
        description = (
            f"Un {word} animé par des bénévoles, avec la mairie et les associations. "
            "On commence petit, on regarde ce qui marche, puis on l'étend aux autres "
            "communes du territoire."
        )
    return title, description


def challenge_title(number: int) -> str:
    """Défi titles of 50 to 125 characters, as facilitators write them."""
    topic = CHALLENGE_TOPICS[number % len(CHALLENGE_TOPICS)]
    title = f"Comment pourrions-nous {topic} (piste {number + 1})"
    if number % 4 == 0:
        title += ", avec les écoles, les fermes et les associations du territoire"
    return title + " ?"


def build(owner_email: str) -> dict[str, Any]:
    """Runs in a child process with the server's instance (see ``big_server``): create
    the two workshops through the services; their links."""
    import uuid

    from sqlalchemy import select

    from workshop import create_app
    from workshop.exports.ideas_import import ImportRow, client_id_for
    from workshop.exports.links import workshop_links
    from workshop.extensions import db
    from workshop.models import Idea, Profile, VolunteerKind
    from workshop.phases import Format, PhaseKind
    from workshop.schemas import (
        JoinRequest,
        NewIdea,
        NewWorkshop,
        PhaseTarget,
        QualificationEdit,
        SuggestedGroup,
        TargetRef,
        VolunteerOffer,
        VoteSettingsChange,
        VoteTarget,
    )
    from workshop.services import (
        accounts,
        agenda,
        challenges,
        idea_import,
        ideas,
        participants,
        qualification,
        suggestions,
        volunteers,
        workshops,
    )
    from workshop.services.votes import ballots, steps

    app = create_app()
    with app.app_context():
        owner = accounts.get_by_email(owner_email)
        assert owner is not None

        def workshop_with_ideas(title: str) -> tuple[Any, list[Any], list[Any]]:
            workshop = workshops.create_workshop(
                NewWorkshop(title=title, format=Format.MARATHON, question=QUESTION), owner
            )
            agenda.open_workshop(workshop.id, owner)
            step = next(p for p in workshop.phases if p.kind == PhaseKind.IDEAS)
            agenda.advance_phase(workshop.id, owner, PhaseTarget(phase_id=step.id))
            people = [
                participants.join(
                    workshop.id,
                    JoinRequest(display_name=f"Habitant·e {n}", profile=Profile.CITIZEN),
                )[0]
                for n in range(VOTERS)
            ]
            # Most ideas come from the facilitator's import (no author, one transaction);
            # the latest ones are posted from phones, with their authors.
            rows = []
            for number in range(IDEAS - VOTERS):
                title, description = idea_text(number)
                rows.append(
                    ImportRow(
                        line=number + 2,
                        row_id=str(number),
                        idea=NewIdea(
                            client_id=client_id_for(str(number)),
                            title=title,
                            description=description,
                        ),
                    )
                )
            idea_import.import_ideas(workshop.id, owner, rows)
            for index, person in enumerate(people):
                title, description = idea_text(len(rows) + index)
                new = NewIdea(client_id=uuid.uuid4().hex, title=title, description=description)
                ideas.post_idea(workshop.id, person.id, new)
            posted = sorted(
                db.session.scalars(select(Idea).where(Idea.workshop_id == workshop.id)),
                key=lambda idea: idea.id,
            )
            assert len(posted) == IDEAS
            return workshop, people, posted

        wall, _, _ = workshop_with_ideas("Un mur de mille idées")
        big, people, posted = workshop_with_ideas("Mille idées, trente défis")
        step = {p.kind: p for p in big.phases}
        agenda.advance_phase(big.id, owner, PhaseTarget(phase_id=step[PhaseKind.GROUPING].id))
        # 30 défis of 30 ideas each; the last 100 ideas stay unclassified.
        suggestions.apply_grouping(
            big.id,
            owner,
            [
                SuggestedGroup(
                    title=challenge_title(n), idea_ids=[i.id for i in posted[n * 30 : n * 30 + 30]]
                )
                for n in range(CHALLENGES)
            ],
        )
        agenda.advance_phase(big.id, owner, PhaseTarget(phase_id=step[PhaseKind.VOTE].id))
        steps.configure_vote(
            big.id,
            owner,
            VoteSettingsChange(
                votes_per_participant=5, max_per_item=1, allow_own=True, hidden=False
            ),
        )
        for index, person in enumerate(people):
            for dot in range(5):
                idea = posted[(index * 7 + dot * 13) % 240]
                ballots.cast_vote(big.id, person.id, VoteTarget(item_id=idea.id))
        steps.freeze_results(big.id, owner)
        for number, challenge in enumerate(challenges.challenges_of(big)[:12]):
            target = TargetRef("challenge", challenge.id)
            qualification.qualify(
                big.id,
                owner,
                QualificationEdit(
                    target=target,
                    version=0,
                    changes={
                        "stage": ("opportunity_study", "holder_search", "launching")[number % 3]
                    },
                ),
            )
            volunteers.offer_help(
                big.id,
                people[number].id,
                VolunteerOffer(target=target, kind=VolunteerKind.HOLD, consent_contact=False),
            )
        agenda.advance_phase(big.id, owner, PhaseTarget(phase_id=step[PhaseKind.WELCOME].id))
        return {
            "wall": workshop_links(wall),
            "big": workshop_links(big),
            "steps": [p.title for p in big.phases],
        }


@pytest.fixture
def big_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    server = LiveServer("eventlet", tmp_path / "instance")
    server.prepare()
    result = subprocess.run(  # noqa: S603 - our own interpreter and test module
        [
            sys.executable,
            "-c",
            "import json, sys; from tests.browser.test_screen_fit import build; "
            "print(json.dumps(build(sys.argv[1])))",
            FACILITATOR_EMAIL,
        ],
        cwd=ROOT,
        env=server.env(),
        capture_output=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()[-4000:]
    server.workshop = json.loads(result.stdout.decode().strip().splitlines()[-1])
    server.start()
    yield server
    server.stop()


def voted_ideas() -> int:
    """How many ideas the ballots of :func:`build` gave at least one vote."""
    return len({(index * 7 + dot * 13) % 240 for index in range(VOTERS) for dot in range(5)})


# Runs in the page: what sticks out of the viewport or of its box on the stage, which
# titles are cut, and the smallest text size the room has to read.
MEASURE = """() => {
  const vw = innerWidth, vh = innerHeight;
  const where = (el) => el.id ? '#' + el.id : el.tagName.toLowerCase() + '.' + el.className;
  const seen = (el) => el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== 'hidden';
  const outside = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!seen(el)) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    if (r.left < -1 || r.top < -1 || r.right > vw + 1 || r.bottom > vh + 1) outside.push(where(el));
  }
  const stage = document.querySelector('#stage').getBoundingClientRect();
  const offStage = [...document.querySelectorAll('#stage *')].filter(seen).filter((el) => {
    const r = el.getBoundingClientRect();
    return r.height && (r.bottom > stage.bottom + 1 || r.right > stage.right + 1);
  }).map(where);
  const titles = '#columns h3, .qualify-board__title, .ranking__title';
  const cut = [...document.querySelectorAll(titles)].filter(seen)
    .filter((el) => el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1)
    .map((el) => el.textContent);
  let smallest = Infinity;
  for (const el of document.querySelectorAll('#app *')) {
    if (!seen(el) || el.closest('.screen__contrast, .visually-hidden')) continue;
    const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (text) smallest = Math.min(smallest, parseFloat(getComputedStyle(el).fontSize));
  }
  return {
    scrollHeight: document.documentElement.scrollHeight, innerHeight: vh,
    scrollWidth: document.documentElement.scrollWidth, innerWidth: vw,
    outside, offStage, cut, smallest,
  };
}"""


def keep_screenshot(page: Page, name: str) -> None:
    """Into the folder the browser tests keep (``screenshot`` of conftest.py when it
    exists there), else ``artifacts/screenshots/<test>/``."""
    try:
        from tests.browser.conftest import screenshot  # type: ignore[attr-defined]
    except ImportError:
        folder = ROOT / "artifacts" / "screenshots" / "test_every_step_fits_the_projector"
        folder.mkdir(parents=True, exist_ok=True)
        size = page.viewport_size or {"width": 0, "height": 0}
        page.screenshot(path=str(folder / f"{name}--{size['width']}x{size['height']}.png"))
    else:
        screenshot(page, name)


def assert_fits(page: Page, name: str) -> dict[str, Any]:
    """Nothing overflows the viewport nor the stage, no title is cut, no text the room
    reads is smaller than 28 px at 1080p (proportionally less on a smaller picture)."""
    size = page.viewport_size or {"width": 0, "height": 0}
    m: dict[str, Any] = page.evaluate(MEASURE)
    where = f"{name} at {size['width']}×{size['height']}"
    assert m["scrollHeight"] <= m["innerHeight"], (where, m)
    assert m["scrollWidth"] <= m["innerWidth"], (where, m)
    assert m["outside"] == [], (where, m["outside"][:10])
    assert m["offStage"] == [], (where, m["offStage"][:10])
    assert m["cut"] == [], (where, m["cut"][:10])
    minimum = 28 * min(size["width"] / 1920, size["height"] / 1080)
    assert m["smallest"] >= minimum - 0.5, (where, m["smallest"], minimum)
    keep_screenshot(page, name)
    return m


def pager_pages(page: Page) -> int:
    match = re.search(r"page 1 sur (\d+)", page.locator("#pager").inner_text())
    assert match is not None, page.locator("#pager").inner_text()
    return int(match.group(1))


def every_page(page: Page, selector: str) -> list[str]:
    """The texts of ``selector`` on each page of the board, turning with → (paused first,
    so that the rotation does not turn a page too)."""
    page.keyboard.press("p")
    page.keyboard.press("Home")
    expect(page.locator("#pager")).to_contain_text("en pause")
    pages = pager_pages(page)
    texts = page.locator(selector).all_inner_texts()
    for number in range(2, pages + 1):
        page.keyboard.press("ArrowRight")
        expect(page.locator("#pager")).to_contain_text(f"page {number} sur {pages}")
        texts += page.locator(selector).all_inner_texts()
    page.keyboard.press("ArrowRight")  # back to the first page
    expect(page.locator("#pager")).to_contain_text(f"page 1 sur {pages}")
    page.keyboard.press("p")
    expect(page.locator("#pager")).not_to_contain_text("en pause")
    return texts


def test_every_step_fits_the_projector(big_server: LiveServer, new_page: Any) -> None:
    links = big_server.workshop
    screens: dict[str, Page] = {}
    for label, (width, height) in SIZES.items():
        screen: Page = new_page()
        screen.set_viewport_size({"width": width, "height": height})
        screens[label] = screen

    # The wall: the latest ideas first, 1,000 of them over pages that turn.
    for label, screen in screens.items():
        screen.goto(links["wall"]["screen_url"])
        expect(screen.locator("#pager")).to_contain_text("1\u202f000 idées · page")
        screen.keyboard.press("p")
        screen.keyboard.press("Home")
        expect(screen.locator("#pager")).to_contain_text("page 1 sur")
        first = screen.locator("#wall .idea__title").first
        expect(first).to_contain_text(f"Idée {IDEAS - 1} :")
        shown = screen.locator("#wall .idea").count()
        assert pager_pages(screen) == -(-IDEAS // shown), (label, shown)
        assert_fits(screen, f"wall-{label}")
        screen.keyboard.press("ArrowRight")
        expect(screen.locator("#pager")).to_contain_text("page 2 sur")
        expect(first).to_contain_text(f"Idée {IDEAS - 1 - shown} :")
        assert_fits(screen, f"wall-page-2-{label}")
        screen.keyboard.press("p")

    # The played-through workshop, step by step, moved by the facilitator's socket.
    http = requests.Session()
    forms.sign_in(http, big_server.url, FACILITATOR_EMAIL, FACILITATOR_PASSWORD, TIMEOUT)
    facilitator = Recorder(
        big_server.url,
        {"workshop_id": links["big"]["id"], "role": "facilitator"},
        forms.cookie_header(http),
        ["websocket"],
    ).connect()
    try:
        phases = facilitator.join()["state"]["phases"]
        assert [p["kind"] for p in phases] == [
            "welcome",
            "ideas",
            "grouping",
            "vote",
            "qualification",
            "results",
        ]
        for screen in screens.values():
            screen.goto(links["big"]["screen_url"])
        titles = {challenge_title(n) for n in range(CHALLENGES)}
        for phase in phases:
            ack = facilitator.call("advance_phase", {"phase_id": phase["id"]})
            assert ack == {"ok": True, "data": None}, ack
            for label, screen in screens.items():
                name = f"{phase['kind']}-{label}"
                expect(screen.locator("#phase-title")).to_have_text(phase["title"])
                if phase["kind"] in ("vote", "results"):
                    rows = screen.locator("#ranking .ranking__row")
                    expect(rows.first).to_be_visible()
                    more = screen.locator("#ranking-more")
                    expect(more).to_contain_text("autres dans le classement")
                    assert_fits(screen, name)
                    rest = int(re.sub(r"\D", "", more.inner_text()))
                    assert rows.count() + rest == voted_ideas(), (name, rows.count(), rest)
                    assert rows.count() >= 5, name
                    continue
                board = "#qualify-board" if phase["kind"] == "qualification" else "#columns"
                heading = ".qualify-board__title" if board == "#qualify-board" else "h3"
                expect(screen.locator("#pager")).to_contain_text("30 défis · page")
                assert_fits(screen, name)
                seen = every_page(screen, f"{board} {heading}")
                if board == "#columns":
                    assert seen[-1] == "Non classées", seen[-1]  # the 100 ideas left
                    seen = seen[:-1]
                assert sorted(seen) == sorted(titles), name

        # High contrast, from the screen's own button (remembered by the browser).
        screen = screens["1080p"]
        screen.locator("#contrast").click()
        expect(screen.locator("html")).to_have_attribute("data-contrast", "high")
        expect(screen.locator("#contrast")).to_have_attribute("aria-pressed", "true")
        assert_fits(screen, "results-high-contrast-1080p")
        screen.reload()
        expect(screen.locator("html")).to_have_attribute("data-contrast", "high")
        screen.keyboard.press("c")
        expect(screen.locator("html")).to_have_attribute("data-contrast", "normal")
    finally:
        facilitator.close()
