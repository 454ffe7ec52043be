"""A cycle (issue #14) with two real ``run.py`` workers on one PostgreSQL, joined by
Redis: the personal link works whichever worker answers it, the same person is the
same participant on both, and the pitch step's spotlight and feedback cross workers.

One module, one cycle: a facilitator creates a « Lance-toi ! » cycle through the
pages on worker A; Hélène and Karim enrol there; Hélène writes her project on worker
B. The first session is opened and moved to its pitch step from the console on A;
each person joins through their personal link on one worker and talks Socket.IO on
the other. A phone of another workshop listens on B. Every wait is bounded and waits
on a condition; what a client must not receive is checked behind a later fact
published by the same worker (Redis delivers one publisher's messages in order).
"""

from __future__ import annotations

import functools
import hashlib
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
import requests

from scripts.stack import Stack
from testkit import forms
from tests.live_client import Recorder
from tests.operator_cli import prepare_workshop

pytestmark = pytest.mark.server

TIMEOUT = 20.0
EMAIL = "cycles@example.org"
PASSWORD = "un-cycle-sur-deux-serveurs"  # noqa: S105 - a throwaway test account
TOKEN = r"/c/([A-Za-z0-9_-]{20,})\""


class Client(Recorder):
    """A recording client over the websocket transport, its cookies in ``http``."""

    def __init__(self, url: str, auth: dict[str, Any], http: requests.Session) -> None:
        super().__init__(url, auth, transports=["websocket"], http=http, timeout=TIMEOUT)

    def ok(self, command: str, payload: Any = None) -> Any:
        answer = self.call(command, payload if payload is not None else {})
        assert answer["ok"] is True, (command, answer)
        return answer["data"]

    def me(self) -> int:
        """The participant this socket is, from a fresh snapshot."""
        return int(self.join()["state"]["me"]["id"])


def submit(http: requests.Session, page: str, action: str, data: dict[str, str]) -> Any:
    """Fill in the form of ``page`` (its CSRF token) and post ``data`` to ``action``."""
    token = forms.page_token(http, page, TIMEOUT)
    return http.post(
        action, data=data | {"csrf_token": token}, allow_redirects=False, timeout=TIMEOUT
    )


def enrol(base: str, uid: str, name: str) -> str:
    """Enrol ``name`` on ``base`` with a fresh phone; the personal link's token."""
    with requests.Session() as http:
        url = f"{base}/cycle/{uid}/inscription"
        page = submit(http, url, url, {"display_name": name, "profile": "project_holder"})
        assert page.status_code == 200, page.text[:2000]
        found = re.search(TOKEN, page.text)
        assert found, page.text[:2000]
        return found.group(1)


def join_session(http: requests.Session, base: str, token: str, workshop_id: int) -> None:
    """Open the personal link's session address on ``base``: the workshop's cookie."""
    url = f"{base}/c/{token}/seance/{workshop_id}"
    answer = http.get(url, allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code == 302, (url, answer.status_code, answer.text[:1000])
    assert forms.participant_cookie_name(workshop_id) in {c.name for c in http.cookies}


@dataclass
class Cohort:
    stack: Stack
    cycle_id: int
    session_id: int
    tokens: dict[str, str]
    project_id: int
    console: Client  # worker A
    http: Callable[[], requests.Session]
    open_socket: Callable[[str, dict[str, Any], requests.Session], Client]
    stranger: Client  # a phone of another workshop, worker B
    other_console: Client  # that workshop's console, worker B

    def enrolled_participant(self, name: str) -> int:
        """The session's participant for ``name``'s enrolment, as PostgreSQL holds it."""
        with psycopg.connect(self.stack.database_url) as connection:
            row = connection.execute(
                "SELECT p.id FROM participants p JOIN enrolments e ON e.id = p.enrolment_id"
                " WHERE p.workshop_id = %s AND e.cycle_id = %s AND e.display_name = %s",
                (self.session_id, self.cycle_id, name),
            ).fetchall()
        assert len(row) == 1, row
        return int(row[0][0])


@pytest.fixture(scope="module")
def cohort(stack: Stack) -> Iterator[Cohort]:
    a, b = stack.workers[0].url, stack.workers[1].url
    other = prepare_workshop(stack.flask, EMAIL, PASSWORD, "Un autre atelier")
    with ExitStack() as closing:

        def http() -> requests.Session:
            session = requests.Session()
            closing.callback(session.close)
            return session

        def open_socket(url: str, auth: dict[str, Any], session: requests.Session) -> Client:
            made = Client(url, auth, session)
            closing.callback(made.close)
            return made.connect()  # type: ignore[return-value]

        browser = http()
        forms.sign_in(browser, a, EMAIL, PASSWORD, TIMEOUT)
        new = {"title": "Lance-toi ! 2027", "preset": "lance_toi", "start_date": "2027-03-01"}
        created = submit(browser, f"{a}/f/cycles", f"{a}/f/cycles", new)
        assert created.status_code == 302, created.text[:2000]
        found = re.search(r"/f/cycles/(\d+)", created.headers["Location"])
        assert found, created.headers
        cycle_id = int(found.group(1))
        page = browser.get(f"{a}/f/cycles/{cycle_id}", timeout=TIMEOUT).text
        uid = re.search(r"/cycle/([^/\"]+)/inscription", page)
        sessions = [int(w) for w in re.findall(r"/f/w/(\d+)\"", page)]
        assert uid and len(sessions) == 4, page[:3000]  # the preset's four sessions

        tokens = {name: enrol(a, uid.group(1), name) for name in ("Hélène", "Karim")}
        assert tokens["Hélène"] != tokens["Karim"]
        # Hélène writes her project on worker B (another phone: only her link).
        holder = http()
        mine = f"{b}/c/{tokens['Hélène']}/projet"
        made = submit(holder, mine, mine, {"title": "Le café des Bauges", "pitch": "Un café."})
        assert made.status_code == 302, made.text[:2000]
        with psycopg.connect(stack.database_url) as connection:
            [(project_id,)] = connection.execute(
                "SELECT id FROM cycle_projects WHERE cycle_id = %s", (cycle_id,)
            ).fetchall()

        # The first session opens from the console on A and reaches its pitch step.
        session_id = sessions[0]
        console = open_socket(a, {"workshop_id": session_id, "role": "facilitator"}, browser)
        console.join()
        console.ok("open_workshop")
        console.ok("advance_phase", {"direction": "next"})
        console.wait_for(
            lambda: any(f["phase"]["kind"] == "pitch" for f in console.facts("phase_changed")),
            "the pitch step",
        )

        outsider = http()
        forms.join(outsider, b, other["code"], "Nour", TIMEOUT)
        stranger = open_socket(b, {"workshop_id": other["id"], "role": "participant"}, outsider)
        stranger.join()
        other_auth = {"workshop_id": other["id"], "role": "facilitator"}
        other_console = open_socket(b, other_auth, browser)
        other_console.join()
        yield Cohort(
            stack,
            cycle_id,
            session_id,
            tokens,
            int(project_id),
            console,
            http,
            open_socket,
            stranger,
            other_console,
        )


def assert_clean_logs(stack: Stack) -> None:
    for worker in stack.workers:
        log = worker.log()
        for symptom in ("Traceback", "ERROR"):
            assert symptom not in log, f"{symptom!r} in worker {worker.index}'s log:\n{log}"


def heard_pitch(client: Client) -> bool:
    return bool(client.facts("pitch_changed"))


def test_a_cycle_across_two_workers(cohort: Cohort) -> None:
    a, b = (worker.url for worker in cohort.stack.workers)
    auth = {"workshop_id": cohort.session_id, "role": "participant"}

    # Each person joins through their link on one worker, talks on the other: the
    # same participant, the one their enrolment holds.
    helene_http, karim_http = cohort.http(), cohort.http()
    join_session(helene_http, a, cohort.tokens["Hélène"], cohort.session_id)
    join_session(karim_http, b, cohort.tokens["Karim"], cohort.session_id)
    helene = cohort.open_socket(b, auth, helene_http)  # her phone, on B
    karim = cohort.open_socket(a, auth, karim_http)
    helene_id, karim_id = helene.me(), karim.me()
    assert helene_id == cohort.enrolled_participant("Hélène")
    assert karim_id == cohort.enrolled_participant("Karim")
    assert helene_id != karim_id
    # Again through the other worker: still the same people, no one new.
    join_session(helene_http, b, cohort.tokens["Hélène"], cohort.session_id)
    assert cohort.open_socket(a, auth, helene_http).me() == helene_id

    # The console on A spotlights Hélène's project: her phone on B hears it.
    cohort.console.forget()
    cohort.stranger.forget()
    cohort.console.ok("spotlight_project", {"project_id": cohort.project_id})
    for client in (helene, karim):
        client.wait_for(functools.partial(heard_pitch, client), f"pitch_changed on {client.url}")
        [fact] = client.facts("pitch_changed")
        assert fact["workshop_id"] == cohort.session_id
        assert fact["pitch"]["project"]["id"] == cohort.project_id
        assert fact["pitch"]["project"]["title"] == "Le café des Bauges"

    # Karim's card, sent on B (his phone moves to B), reaches the console on A whole.
    karim_b = cohort.open_socket(b, auth, karim_http)
    assert karim_b.me() == karim_id
    card = {
        "client_id": uuid.uuid4().hex,
        "project_id": cohort.project_id,
        "kind": "likes",
        "text": "Le lieu est parfait",
    }
    given = karim_b.ok("give_feedback", card)
    assert given["created"] is True
    console = cohort.console
    console.wait_for(lambda: bool(console.facts("feedback_given")), "feedback_given on A")
    [whole] = console.facts("feedback_given")
    assert whole["workshop_id"] == cohort.session_id
    assert (whole["card"]["author"], whole["card"]["text"]) == ("Karim", "Le lieu est parfait")
    helene.wait_for(lambda: bool(helene.facts("feedback_given")), "feedback_given on B")
    assert helene.facts("feedback_given")[0]["feedback"]["counts"] == {"likes": 1}

    # The phone of another workshop (on B) heard nothing, behind a fact of its own
    # workshop published by B after the card (its console moves on, through B).
    stranger = cohort.stranger
    cohort.other_console.ok("advance_phase", {"direction": "next"})
    stranger.wait_for(lambda: bool(stranger.facts("phase_changed")), "phase_changed")
    heard = [event for event, _data in stranger.received]
    assert not set(heard) & {"pitch_changed", "feedback_given", "timer_changed"}, heard

    # A new phone: Hélène opens her personal link with no cookie at all, on B, and
    # joins the session again: the same participant.
    fresh = cohort.http()
    home = fresh.get(f"{b}/c/{cohort.tokens['Hélène']}", timeout=TIMEOUT)
    assert home.status_code == 200
    assert f"/c/{cohort.tokens['Hélène']}/seance/{cohort.session_id}" in home.text
    join_session(fresh, b, cohort.tokens["Hélène"], cohort.session_id)
    assert cohort.open_socket(b, auth, fresh).me() == helene_id
    assert cohort.enrolled_participant("Hélène") == helene_id
    # The link is not guessable: PostgreSQL holds only its SHA-256, and a near miss is
    # no one's on either worker.
    with psycopg.connect(cohort.stack.database_url) as connection:
        stored = connection.execute(
            "SELECT token_hash FROM enrolments WHERE cycle_id = %s ORDER BY id", (cohort.cycle_id,)
        ).fetchall()
    tokens = [cohort.tokens["Hélène"], cohort.tokens["Karim"]]
    assert [h for (h,) in stored] == [hashlib.sha256(t.encode()).hexdigest() for t in tokens]
    near = tokens[0][:-1] + ("A" if tokens[0][-1] != "A" else "B")
    for base in (a, b):
        assert fresh.get(f"{base}/c/{near}", timeout=TIMEOUT).status_code == 404
    assert_clean_logs(cohort.stack)
