"""Scale-out end to end: two real ``run.py`` workers (eventlet) on one PostgreSQL,
joined by a Redis message queue, behind nginx with sticky sessions.

Phones join over HTTP as a browser does, then talk Socket.IO with python-socketio
clients, each pinned to one worker (directly, or through nginx by its sticky cookie).
Every wait is bounded; nothing is asserted by sleeping.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
import requests

from scripts.stack import Stack
from testkit import forms
from tests.live_client import Recorder, wait_until
from tests.operator_cli import prepare_workshop

pytestmark = pytest.mark.server

TIMEOUT = 15.0
FACILITATOR_EMAIL = "animation@example.org"
FACILITATOR_PASSWORD = "semer-sur-deux-serveurs"  # noqa: S105 - a throwaway test account


class Client(Recorder):
    """A recording client (:class:`tests.live_client.Recorder`) whose cookies travel in
    an HTTP session, with this module's patience."""

    def __init__(
        self,
        url: str,
        auth: dict[str, Any],
        http: requests.Session | None = None,
        *,
        reconnect: bool = False,
        transports: list[str] | None = None,
    ) -> None:
        super().__init__(
            url, auth, transports=transports, http=http, reconnect=reconnect, timeout=TIMEOUT
        )

    def post(self, title: str) -> dict[str, Any]:
        ack = self.call("post_idea", {"client_id": uuid.uuid4().hex, "title": title})
        assert ack["ok"] is True and ack["data"]["created"] is True, ack
        return ack["data"]["idea"]  # type: ignore[no-any-return]


class Phone:
    """A participant's phone: an HTTP session (its cookies) that joined through ``url``."""

    def __init__(self, url: str, workshop: dict[str, Any], name: str) -> None:
        self.url = url
        self.workshop = workshop
        self.http = requests.Session()
        forms.join(self.http, url, workshop["code"], name, TIMEOUT)

    def socket(self, url: str | None = None, **options: Any) -> Client:
        auth = {"workshop_id": self.workshop["id"], "role": "participant"}
        return Client(url or self.url, auth, self.http, **options)


@pytest.fixture(scope="module")
def workshop(stack: Stack) -> dict[str, Any]:
    """A facilitator and an opened marathon workshop, made with the operator's commands."""
    return prepare_workshop(
        stack.flask, FACILITATOR_EMAIL, FACILITATOR_PASSWORD, "Deux serveurs, un atelier"
    )


def facilitator(url: str, workshop: dict[str, Any], closing: Callable[[Any], Any]) -> Client:
    """Sign in through the real login form on ``url``; the facilitators' socket there."""
    http = closing(requests.Session())
    forms.sign_in(http, url, FACILITATOR_EMAIL, FACILITATOR_PASSWORD, TIMEOUT)
    client = closing(Client(url, {"workshop_id": workshop["id"], "role": "facilitator"}, http))
    return client.connect()


@pytest.fixture(scope="module")
def ideas_phase(stack: Stack, workshop: dict[str, Any]) -> None:
    """The marathon opens on its welcome step: the facilitator moves on to ideas."""
    things: list[Any] = []
    animator = facilitator(stack.workers[0].url, workshop, lambda t: things.append(t) or t)
    try:
        state = animator.join()["state"]
        assert [p["kind"] for p in state["phases"]][:2] == ["welcome", "ideas"]
        assert animator.call("advance_phase", {"direction": "next"})["ok"] is True
        animator.wait_for(lambda: bool(animator.facts("phase_changed")), "phase_changed")
    finally:
        for thing in things:
            thing.close()


def connected(client: Client) -> int:
    """The presence count a fresh snapshot reports to ``client``."""
    return int(client.join()["state"]["connected"])


def event_seqs(stack: Stack, workshop_id: int) -> list[int]:
    with psycopg.connect(stack.database_url) as connection:
        rows = connection.execute(
            "SELECT seq FROM events WHERE workshop_id = %s ORDER BY id", (workshop_id,)
        ).fetchall()
    return [seq for (seq,) in rows]


def assert_clean_logs(stack: Stack) -> None:
    for worker in stack.workers:
        log = worker.log()
        for symptom in ("Traceback", "ERROR"):
            assert symptom not in log, f"{symptom!r} in worker {worker.index}'s log:\n{log}"


def test_an_idea_posted_on_one_worker_reaches_phones_on_the_other(
    stack: Stack, workshop: dict[str, Any], ideas_phase: None, closing: Callable[[Any], Any]
) -> None:
    a, b = stack.workers[0].url, stack.workers[1].url
    camille = Phone(a, workshop, "Camille")
    yanis = Phone(b, workshop, "Yanis")  # the session cookie of B works on A and back
    on_a = closing(camille.socket(transports=["websocket"])).connect()
    on_b = closing(yanis.socket()).connect()  # long-polling first, then the upgrade
    key = workshop["screen_url"].rstrip("/").rsplit("/", 1)[1]
    wall = closing(Client(b, {"workshop_id": workshop["id"], "role": "screen", "key": key}))
    wall.connect()
    animator = facilitator(a, workshop, closing)
    seq0 = on_a.join()["state"]["seq"]
    for client in (on_b, wall, animator):
        assert client.join()["state"]["seq"] == seq0

    idea = on_a.post("Une conserverie solidaire")
    for client in (on_a, on_b, wall, animator):
        fact = client.wait_fact("idea_posted", seq0 + 1)
        assert fact["idea"]["id"] == idea["id"] and fact["workshop_id"] == workshop["id"]
    reply = on_b.post("Un jardin partagé au collège")
    for client in (on_a, on_b, wall, animator):
        assert client.wait_fact("idea_posted", seq0 + 2)["idea"]["id"] == reply["id"]
        assert [f["seq"] for f in client.facts("idea_posted")] == [seq0 + 1, seq0 + 2]
    # Both workers see the one database: a snapshot from either has both ideas.
    for client in (on_a, on_b):
        ideas = client.join()["state"]["ideas"]
        assert [i["id"] for i in ideas][-2:] == [idea["id"], reply["id"]]
    assert_clean_logs(stack)


def test_presence_counts_participants_across_workers(
    stack: Stack, workshop: dict[str, Any], closing: Callable[[Any], Any]
) -> None:
    a, b = stack.workers[0].url, stack.workers[1].url
    key = workshop["screen_url"].rstrip("/").rsplit("/", 1)[1]
    screens = [
        closing(Client(url, {"workshop_id": workshop["id"], "role": "screen", "key": key}))
        for url in (a, b)
    ]
    for wall in screens:
        wall.connect().join()
    # The phones of earlier tests have closed; wait until both workers handled it.
    wait_until(lambda: connected(screens[0]) == 0, "no participant online", TIMEOUT)

    ines, malo = Phone(a, workshop, "Inès"), Phone(b, workshop, "Malo")
    ines_a = closing(ines.socket(transports=["websocket"])).connect()
    ines_a.join()
    malo_b = closing(malo.socket(transports=["websocket"])).connect()
    malo_b.join()
    # Malo opens a second tab, on the other worker: still two people.
    malo_a = closing(malo.socket(a, transports=["websocket"])).connect()
    malo_a.join()
    for wall in screens:
        wall.wait_presence(2)
    for client in (ines_a, malo_b, malo_a):
        assert connected(client) == 2

    # Malo closes the tab on B: he is still there through A. Inès leaves.
    for wall in screens:
        wall.forget()
    malo_b.close()
    ines_a.close()
    for wall in screens:
        wall.wait_presence(1)
    assert connected(malo_a) == 1
    # Someone new on B: two again, so Malo was never dropped with his tab on B.
    nour = Phone(b, workshop, "Nour")
    closing(nour.socket(transports=["websocket"])).connect().join()
    for wall in screens:
        wall.wait_presence(2)
    assert connected(screens[1]) == 2


def test_concurrent_writes_through_both_workers_keep_seq_gap_free(
    stack: Stack, workshop: dict[str, Any], ideas_phase: None, closing: Callable[[Any], Any]
) -> None:
    a, b = stack.workers[0].url, stack.workers[1].url
    phones = [
        closing(
            Phone(a if n % 2 == 0 else b, workshop, f"Téléphone {n}").socket(
                transports=["websocket"]
            )
        )
        for n in range(6)
    ]
    for phone in phones:
        phone.connect()
    seq0 = phones[0].join()["state"]["seq"]
    for phone in phones[1:]:
        phone.join()
    per_phone = 8

    def write(index: int) -> list[int]:
        return [phones[index].post(f"Idée {index}-{n}")["id"] for n in range(per_phone)]

    with ThreadPoolExecutor(len(phones)) as pool:
        ids = [i for batch in pool.map(write, range(len(phones))) for i in batch]
    total = len(phones) * per_phone
    expected = list(range(seq0 + 1, seq0 + total + 1))

    # The event log: one row per idea, seq strictly increasing in commit order, no gap.
    seqs = event_seqs(stack, workshop["id"])
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert seqs[-total:] == expected

    # Every phone, on either worker, heard every idea exactly once with its own seq
    # (order across workers may differ: clients reorder by seq and resync on a gap).
    for phone in phones:
        phone.wait_fact("idea_posted", expected[-1])
        phone.wait_for(
            lambda phone=phone: (
                len([f for f in phone.facts("idea_posted") if f["seq"] > seq0]) == total
            ),
            "every idea",
        )
        heard = {f["seq"]: f["idea"]["id"] for f in phone.facts("idea_posted") if f["seq"] > seq0}
        assert sorted(heard) == expected
        assert sorted(heard.values()) == sorted(ids)
        assert len([f for f in phone.facts("idea_posted") if f["seq"] > seq0]) == total
    # A replay from either worker gives the same events, in seq order.
    replays = [phones[i].join(last_seq=seq0)["events"] for i in (0, 1)]
    assert replays[0] == replays[1]
    assert [e["data"]["seq"] for e in replays[0]] == expected
    assert_clean_logs(stack)


# ----------------------------------------------------------------- through nginx

UPSTREAM = re.compile(r"^(\S+) 127\.0\.0\.1:(\d+) ")


def worker_of(stack: Stack, http: requests.Session) -> int:
    """Which worker nginx pins this session to, from the stack's access log."""
    node = http.cookies.get("semis_node")
    assert node, "nginx set no semis_node cookie"
    log = (stack.workdir / "nginx" / "access.log").read_text()
    ports = {
        int(m.group(2))
        for line in log.splitlines()
        if (m := UPSTREAM.match(line)) and m.group(1) == node
    }
    assert len(ports) == 1, f"session {node} served by {ports}: not sticky"
    port = ports.pop()
    return next(w.index for w in stack.workers if w.port == port)


def test_nginx_keeps_each_visitor_on_one_worker(
    stack: Stack, workshop: dict[str, Any], closing: Callable[[Any], Any]
) -> None:
    if stack.nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx)")
    # Static files come from nginx itself, with a cache lifetime.
    css = requests.get(f"{stack.url}/static/css/app.css", timeout=TIMEOUT)
    assert css.status_code == 200 and "max-age=3600" in css.headers["Cache-Control"]
    assert "semis_node" not in css.headers.get("Set-Cookie", "")
    phone = Phone(stack.url, workshop, "Lou")
    closing(phone.http)
    client = closing(phone.socket()).connect()  # long-polling, then the WebSocket upgrade
    client.join()
    wait_until(lambda: client.sio.transport() == "websocket", "upgrade to WebSocket", TIMEOUT)
    client.close()  # nginx logs a WebSocket when it ends

    def upgrade_logged() -> bool:
        log = (stack.workdir / "nginx" / "access.log").read_text()
        node = phone.http.cookies["semis_node"]
        return any(
            line.startswith(node + " ") and " 101 " in line and "transport=websocket" in line
            for line in log.splitlines()
        )

    wait_until(upgrade_logged, "the WebSocket in nginx's log", TIMEOUT)
    # Every request of this visitor (page, form, handshake, polls, upgrade): one worker.
    assert worker_of(stack, phone.http) in (0, 1)


def test_phones_of_a_killed_worker_reconnect_through_the_other_and_resync(
    stack: Stack, workshop: dict[str, Any], ideas_phase: None, closing: Callable[[Any], Any]
) -> None:
    if stack.nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx)")
    # Phones join through nginx until both workers have some (the sticky key is random).
    phones: dict[int, list[Phone]] = {0: [], 1: []}
    for n in range(24):
        phone = Phone(stack.url, workshop, f"Visiteur {n}")
        closing(phone.http)
        phones[worker_of(stack, phone.http)].append(phone)
        if phones[0] and phones[1]:
            break
    assert phones[0] and phones[1], "nginx sent every visitor to one worker"
    doomed = closing(phones[0][0].socket(reconnect=True)).connect()
    survivor = closing(phones[1][0].socket(reconnect=True)).connect()
    seq0 = doomed.join()["state"]["seq"]
    assert survivor.join()["state"]["seq"] == seq0

    # kill -9 worker 0: its phone loses its socket; the other phone keeps posting.
    assert stack.kill_worker(0) == -9
    while_away = survivor.post("Posté pendant la panne")
    survivor.wait_fact("idea_posted", seq0 + 1)

    # The phone reconnects by itself through nginx, which now sends it to worker 1; it
    # rejoins with the last seq it applied and gets exactly what it missed.
    doomed.wait_reconnected(2)
    data = doomed.join(last_seq=seq0)
    assert data["mode"] == "replay", data
    assert [(e["name"], e["data"]["idea"]["id"]) for e in data["events"]] == [
        ("idea_posted", while_away["id"])
    ]
    back = doomed.post("De retour par l'autre serveur")
    for client in (doomed, survivor):
        assert client.wait_fact("idea_posted", seq0 + 2)["idea"]["id"] == back["id"]
    assert survivor.connects == 1  # the phone on the live worker never noticed

    # Worker 0 comes back on the same port; a fresh visitor works through nginx again.
    stack.start_worker(0)
    late = Phone(stack.url, workshop, "Retardataire")
    closing(late.http)
    state = closing(late.socket()).connect().join()["state"]
    assert [i["id"] for i in state["ideas"]][-2:] == [while_away["id"], back["id"]]
