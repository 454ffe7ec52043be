"""The défi tables (issue #13) with two real ``run.py`` workers on one PostgreSQL,
joined by Redis: a table's facts, its personal ``table_changed`` and the screen's
roll-up cross workers, and a table's ``table_seq`` stays one sequence whoever writes.

One evening for the module: two défis, table 1 and table 2, a facilitator and the
screen on worker A, the phones of table 1 on A and B, table 1's host and the phone of
table 2 on B (python-socketio clients, each pinned to its worker), a second screen on
B. Every wait is bounded and waits on a condition; nothing is asserted by sleeping.
What a client must not receive is checked behind a later fact published by the same
worker (Redis delivers one publisher's messages in order).
"""

from __future__ import annotations

import functools
import json
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
import requests

from scripts.stack import Stack
from testkit import forms
from tests.live_client import Recorder

pytestmark = pytest.mark.server

TIMEOUT = 20.0
EMAIL = "tables@example.org"
PASSWORD = "deux-serveurs-trente-tables"  # noqa: S105 - a throwaway test account
TABLE_FACTS = {
    "contribution_posted",
    "contribution_changed",
    "table_votes_changed",
    "synthesis_saved",
    "table_seated",
}


class Client(Recorder):
    """A recording client (:class:`tests.live_client.Recorder`) with this module's
    patience and the table commands the tests send."""

    def __init__(self, url: str, auth: dict[str, Any], http: requests.Session) -> None:
        super().__init__(url, auth, transports=["websocket"], http=http, timeout=TIMEOUT)

    def ok(self, command: str, payload: Any = None) -> Any:
        answer = self.call(command, payload if payload is not None else {})
        assert answer["ok"] is True, (command, answer)
        return answer["data"]

    def post(self, table_id: int, text: str) -> dict[str, Any]:
        """A contribution at ``table_id`` (a new client id: stored once)."""
        payload = {"table_id": table_id, "kind": "needs", "text": text}
        data = self.ok("post_contribution", payload | {"client_id": uuid.uuid4().hex})
        assert data["created"] is True, data
        return data["contribution"]  # type: ignore[no-any-return]

    def table_facts(self, table_id: int, name: str | None = None) -> list[dict[str, Any]]:
        """The table facts of ``table_id`` received (of one ``name``), in arrival order."""
        names = {name} if name else TABLE_FACTS
        return [
            data
            for event, data in list(self.received)
            if event in names and data.get("table_id") == table_id
        ]

    def posted(self, table_id: int) -> list[str]:
        """The texts of the contributions of ``table_id`` received, in arrival order."""
        return [
            f["contribution"]["text"] for f in self.table_facts(table_id, "contribution_posted")
        ]

    def wait_posted(self, table_id: int, text: str) -> dict[str, Any]:
        self.wait_for(
            lambda: text in self.posted(table_id),
            f"contribution {text!r} of table {table_id} on {self.url} ({self.auth['role']})",
        )
        return next(
            f
            for f in self.table_facts(table_id, "contribution_posted")
            if f["contribution"]["text"] == text
        )


@dataclass
class Evening:
    stack: Stack
    workshop_id: int
    one: int  # table 1
    two: int  # table 2
    facilitator: Client  # worker A
    screen_a: Client  # worker A
    screen_b: Client  # worker B
    phone_a: Client  # table 1, worker A
    phone_b: Client  # table 1, worker B
    phone_two: Client  # table 2, worker B
    host: Client  # table 1's host, worker B
    ids: dict[int, int]  # id(client) -> participant id

    @property
    def everyone(self) -> list[Client]:
        return [
            self.facilitator,
            self.screen_a,
            self.screen_b,
            self.phone_a,
            self.phone_b,
            self.phone_two,
            self.host,
        ]

    @property
    def table_one(self) -> list[Client]:
        """Who hears table 1's facts: its phones, its host, the facilitators."""
        return [self.phone_a, self.phone_b, self.host, self.facilitator]

    def pid(self, client: Client) -> int:
        return self.ids[id(client)]

    def table_seq(self, table_id: int) -> int:
        """The table's sequence as PostgreSQL holds it."""
        with psycopg.connect(self.stack.database_url) as connection:
            row = connection.execute("SELECT seq FROM tables WHERE id = %s", (table_id,)).fetchone()
        assert row is not None, f"no table {table_id}"
        return int(row[0])

    def settle(self) -> None:
        """Every client forgets what it heard so far. A roll-up may still be on its
        way: the tests that read one wait for the value they expect."""
        for client in self.everyone:
            client.forget()


@pytest.fixture(scope="module")
def evening(stack: Stack) -> Iterator[Evening]:
    a, b = stack.workers[0].url, stack.workers[1].url
    stack.flask("facilitators", "create", EMAIL, "--password-stdin", stdin=PASSWORD + "\n")
    out = stack.flask(
        "workshops",
        "create",
        "--title",
        "Soirée défis sur deux serveurs",
        "--format",
        "challenges_evening",
        "--owner",
        EMAIL,
        "--json",
    )
    links = json.loads(out.strip().splitlines()[-1])
    wid = int(links["id"])
    with ExitStack() as closing:

        def http() -> requests.Session:
            session = requests.Session()
            closing.callback(session.close)
            return session

        def client(url: str, auth: dict[str, Any], session: requests.Session) -> Client:
            made = Client(url, auth | {"workshop_id": wid}, session)
            closing.callback(made.close)
            return made.connect()  # type: ignore[return-value]

        browser = http()
        forms.sign_in(browser, a, EMAIL, PASSWORD, TIMEOUT)
        facilitator = client(a, {"role": "facilitator"}, browser)
        facilitator.join()
        # A draft evening: two défis, a table each; then opened on its tables step.
        for title in ("Comment pourrions-nous se déplacer sans voiture ?", "Manger local"):
            facilitator.ok("create_challenge", {"title": title})
        one, two = (t["id"] for t in facilitator.ok("create_tables", {"capacity": 8})["tables"])
        facilitator.ok("open_workshop")
        facilitator.ok("advance_phase", {"direction": "next"})
        facilitator.wait_for(
            lambda: any(f["phase"]["kind"] == "tables" for f in facilitator.facts("phase_changed")),
            "the tables step",
        )

        key = links["screen_url"].rstrip("/").rsplit("/", 1)[1]
        screens = [client(url, {"role": "screen", "key": key}, http()) for url in (a, b)]
        for screen in screens:
            screen.join()

        ids: dict[int, int] = {}

        def phone(url: str, name: str) -> Client:
            session = http()
            forms.join(session, url, links["code"], name, TIMEOUT)
            made = client(url, {"role": "participant"}, session)
            ids[id(made)] = int(made.join()["state"]["me"]["id"])
            return made

        phone_a, phone_b = phone(a, "Anouk"), phone(b, "Basile")
        phone_two, host = phone(b, "Capucine"), phone(b, "Hélène")
        for seated, table in ((phone_a, one), (phone_b, one), (phone_two, two)):
            assert seated.ok("choose_table", {"table_id": table})["table"]["id"] == table
        # The host, promoted through worker A, hears it on B through her personal room.
        change = {"table_id": one, "participant_id": ids[id(host)]}
        facilitator.ok("set_table_host", change)
        host.wait_for(lambda: bool(host.facts("table_changed")), "table_changed to the host")
        assert host.facts("table_changed")[-1]["host_of"] == one
        snapshot = host.ok("join_table")["table"]
        assert (snapshot["id"], snapshot["host"]) == (one, True)
        yield Evening(
            stack,
            wid,
            one,
            two,
            facilitator,
            screens[0],
            screens[1],
            phone_a,
            phone_b,
            phone_two,
            host,
            ids,
        )


def baseline(evening: Evening, table_id: int) -> int:
    """The table's current ``table_seq``, as the facilitators' snapshot gives it."""
    return int(evening.facilitator.ok("join_table", {"table_id": table_id})["table"]["table_seq"])


def assert_clean_logs(stack: Stack) -> None:
    for worker in stack.workers:
        log = worker.log()
        for symptom in ("Traceback", "ERROR"):
            assert symptom not in log, f"{symptom!r} in worker {worker.index}'s log:\n{log}"


def test_a_contribution_through_one_worker_reaches_its_table_on_both_exactly_once(
    evening: Evening,
) -> None:
    evening.settle()
    seq0 = baseline(evening, evening.one)
    first = evening.phone_a.post(evening.one, "Des navettes vers la gare")  # through A
    second = evening.phone_b.post(evening.one, "Un garage solidaire")  # through B
    for client in evening.table_one:
        client.wait_posted(evening.one, second["text"])
        client.wait_posted(evening.one, first["text"])
        facts = client.table_facts(evening.one)
        # Arrival order may differ across workers (clients order by table_seq).
        assert sorted(f["table_seq"] for f in facts) == [seq0 + 1, seq0 + 2], (client.auth, facts)
        ids = [f["contribution"]["id"] for f in facts]
        assert sorted(ids) == sorted([first["id"], second["id"]])  # each exactly once
        assert all(f["workshop_id"] == evening.workshop_id and "seq" not in f for f in facts)
    assert evening.table_seq(evening.one) == seq0 + 2

    # The phone of table 2 (on B): behind a fact of its own table posted through A (the
    # worker that published table 1's first fact), it has heard nothing of table 1.
    marker = evening.facilitator.post(evening.two, "Un marché de producteurs")
    fact = evening.phone_two.wait_posted(evening.two, marker["text"])
    assert fact["table_id"] == evening.two
    assert evening.phone_two.table_facts(evening.one) == []
    # And the screens get no table fact at all, only the roll-up.
    for screen in (evening.screen_a, evening.screen_b):
        assert screen.table_facts(evening.one) == screen.table_facts(evening.two) == []
    assert_clean_logs(evening.stack)


def test_the_screens_on_both_workers_get_the_roll_up_after_a_contribution(
    evening: Evening,
) -> None:
    evening.settle()
    count = len(
        evening.facilitator.ok("join_table", {"table_id": evening.one})["table"]["contributions"]
    )
    evening.phone_b.post(evening.one, "Covoiturage des soignants")  # through B

    def rolled_up(screen: Client) -> list[dict[str, Any]]:
        """The roll-ups that count the new contribution at table 1."""
        return [
            summary
            for summary in screen.facts("tables_summary")
            if any(
                t["id"] == evening.one and t["contributions"] == count + 1
                for t in summary["tables"]
            )
        ]

    def seen(client: Client) -> bool:
        return bool(rolled_up(client))

    for client in (evening.screen_a, evening.screen_b, evening.facilitator):
        client.wait_for(functools.partial(seen, client), f"roll-up on {client.url}")
        summary = rolled_up(client)[0]
        assert summary["workshop_id"] == evening.workshop_id
        rows = {t["id"]: t for t in summary["tables"]}
        assert set(rows) == {evening.one, evening.two}
        assert (rows[evening.one]["seated"], rows[evening.one]["host"]) == (3, True)
        assert (rows[evening.two]["seated"], rows[evening.two]["host"]) == (1, False)
    # The phones never get the roll-up (it is for the screen and the facilitators).
    for phone in (evening.phone_a, evening.phone_b, evening.host, evening.phone_two):
        assert phone.facts("tables_summary") == []


def test_contributions_posted_at_once_through_both_workers_share_one_table_seq(
    evening: Evening,
) -> None:
    evening.settle()
    seq0 = baseline(evening, evening.one)
    rounds = 5
    start = threading.Barrier(2, timeout=TIMEOUT)

    def write(writer: Client, name: str) -> list[int]:
        ids = []
        for n in range(rounds):
            start.wait()  # both workers take the table's sequence at the same moment
            ids.append(writer.post(evening.one, f"{name} {n}")["id"])
        return ids

    with ThreadPoolExecutor(2) as pool:
        batches = list(pool.map(write, (evening.phone_a, evening.phone_b), ("Par A", "Par B")))
    posted = sorted(i for batch in batches for i in batch)
    total = 2 * rounds
    expected = list(range(seq0 + 1, seq0 + total + 1))
    assert evening.table_seq(evening.one) == seq0 + total

    def heard_all(client: Client) -> bool:
        return len(client.table_facts(evening.one)) >= total

    # Everyone at table 1, on either worker, heard each contribution once, and the
    # table_seqs are n+1 … n+10: never one twice, never a hole.
    for client in evening.table_one:
        client.wait_for(
            functools.partial(heard_all, client),
            f"{total} contributions on {client.url} ({client.auth['role']})",
        )
        facts = client.table_facts(evening.one)
        assert sorted(f["table_seq"] for f in facts) == expected, (client.auth, facts)
        assert sorted(f["contribution"]["id"] for f in facts) == posted
    # A late snapshot from either worker agrees with what was heard.
    for client in (evening.phone_a, evening.phone_b):
        snapshot = client.ok("join_table")["table"]
        assert snapshot["table_seq"] == seq0 + total
        assert set(posted) <= {c["id"] for c in snapshot["contributions"]}
    assert_clean_logs(evening.stack)


def test_a_phone_moved_through_the_other_worker_follows_its_new_table(
    evening: Evening,
) -> None:
    evening.settle()
    moved, stays = evening.phone_b, evening.phone_a  # B's phone; the console is on A
    evening.facilitator.ok(
        "seat_participant", {"participant_id": evening.pid(moved), "table_id": evening.two}
    )
    # table_changed reaches the phone on B through its personal room (Redis).
    moved.wait_for(lambda: bool(moved.facts("table_changed")), "table_changed on worker B")
    assert moved.facts("table_changed") == [
        {"workshop_id": evening.workshop_id, "table_id": evening.two, "host_of": None}
    ]
    assert stays.facts("table_changed") == []
    snapshot = moved.ok("join_table")["table"]
    assert (snapshot["id"], snapshot["seated"]) == (evening.two, 2)
    seq_two = snapshot["table_seq"]
    moved.forget()

    # Table 1 goes on without it; table 2 now includes it. Both posted through A, table
    # 1's first: once table 2's fact is on B, table 1's has been handled there too.
    left = stays.post(evening.one, "Après le départ de Basile")
    arrived = evening.facilitator.post(evening.two, "Bienvenue à la table 2")
    evening.host.wait_posted(evening.one, left["text"])  # on B as well
    fact = moved.wait_posted(evening.two, arrived["text"])
    assert fact["table_seq"] == seq_two + 1  # contiguous with its snapshot
    evening.phone_two.wait_posted(evening.two, arrived["text"])
    assert moved.table_facts(evening.one) == []
    assert evening.phone_two.table_facts(evening.one) == []
    # Its own contribution goes to table 2's people, on both workers, not to table 1's.
    own = moved.post(evening.two, "Une ligne de bus le dimanche")
    for client in (evening.phone_two, evening.facilitator, moved):
        client.wait_posted(evening.two, own["text"])
    # Behind a fact published by B after it (the host posts at table 1 through B).
    marker = evening.host.post(evening.one, "Toujours à la table 1")
    stays.wait_posted(evening.one, marker["text"])
    assert stays.table_facts(evening.two) == [] and evening.host.table_facts(evening.two) == []
    assert_clean_logs(evening.stack)
