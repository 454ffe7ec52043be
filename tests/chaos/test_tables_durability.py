"""Défi tables under chaos (issue #13), on the real server (eventlet): a phone moved to
another table, a host whose transport breaks, a server restart while every table
writes. Then each phone's copy of its table (its ``join_table`` snapshots and the
table facts it received, in ``table_seq`` order) equals the database, which holds each
contribution exactly once: nothing lost, nothing duplicated.

The phones are the durability tests' phones (:mod:`tests.chaos.harness`) with a table
on top, as ``static/js/tables/model.js`` keeps it: ``join_table`` after every
(re)connection, after ``table_changed`` and on a hole in ``table_seq``; a fact at or
below the table's ``table_seq`` is ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from tests.chaos.conftest import ChaosServer, instance_app, run_async
from tests.chaos.harness import Command, Database, Facilitator, Mirror, Phone
from tests.chaos.test_durability import Crowd, assert_clean_log, restart
from tests.live_server import FACILITATOR_EMAIL
from workshop.extensions import db as sqla
from workshop.models import Phase, Workshop
from workshop.phases import PhaseKind
from workshop.schemas import NewChallenge, PhaseTarget
from workshop.schemas.tables import NewTables
from workshop.services import accounts, agenda, challenges, tables

TABLE_FACTS = {
    "contribution_posted",
    "contribution_changed",
    "table_votes_changed",
    "synthesis_saved",
    "table_seated",
}


@dataclass
class TableMirror(Mirror):
    """The workshop as :class:`Mirror` keeps it, plus the phone's table."""

    table_id: int | None = None
    table_seq: int = 0
    contributions: dict[int, str] = field(default_factory=dict)  # id -> text
    needs_table: bool = True  # join_table to send (a new socket, a move, a hole)
    holes: int = 0

    def load_table(self, snapshot: dict[str, Any] | None) -> None:
        self.needs_table = False
        if snapshot is None:
            self.table_id, self.table_seq, self.contributions = None, 0, {}
            return
        self.table_id, self.table_seq = snapshot["id"], snapshot["table_seq"]
        self.contributions = {c["id"]: c["text"] for c in snapshot["contributions"]}

    def apply(self, name: str, data: dict[str, Any]) -> None:
        if name == "table_changed":
            self.needs_table = True
        elif name in TABLE_FACTS:
            if data["table_id"] != self.table_id or data["table_seq"] <= self.table_seq:
                return  # another table's (before our move), or already in our snapshot
            if data["table_seq"] != self.table_seq + 1:
                self.holes += 1
                self.needs_table = True
                return
            self.table_seq = data["table_seq"]
            contribution = data.get("contribution")
            if name == "contribution_posted" and contribution is not None:
                self.contributions[contribution["id"]] = contribution["text"]
        else:
            super().apply(name, data)


class TablePhone(Phone):
    store: TableMirror

    def __init__(self, server: ChaosServer, name: str, seed: int) -> None:
        super().__init__(server, name, seed)
        self.store = TableMirror()
        self.planned: dict[str, tuple[int, str]] = {}  # client_id -> (table, text)

    @property
    def table(self) -> TableMirror:
        return self.store

    def choose_table(self, table_id: int) -> None:
        self._enqueue(Command("choose_table", {"table_id": table_id}))

    def contribute(self, text: str) -> None:
        table_id = self.table.table_id
        assert table_id is not None, f"{self.name} is not seated"
        client_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{self.name}/{text}").hex
        self.planned[client_id] = (table_id, text)
        payload = {"table_id": table_id, "kind": "needs", "text": text, "client_id": client_id}
        self._enqueue(Command("post_contribution", payload))

    async def _session(self, sio: Any) -> None:
        # A new socket is in no table room: join_table first, then work as any phone.
        self.table.needs_table = True
        watcher = asyncio.ensure_future(self._keep_table(sio))
        try:
            await super()._session(sio)
        finally:
            watcher.cancel()

    async def _keep_table(self, sio: Any) -> None:
        while True:
            if self.table.needs_table and self.sio is sio and self.last is not None:
                ack = await self.request("join_table", {})
                if isinstance(ack, dict) and ack.get("ok"):
                    self.table.load_table(ack["data"]["table"])
            await asyncio.sleep(0.05)

    async def settle(self) -> None:
        await super().settle()
        while self.table.needs_table:
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def evening(server: ChaosServer, names: list[str]) -> AsyncIterator[Crowd]:
    phones = [TablePhone(server, name, 13_2026 + i) for i, name in enumerate(names)]
    for phone in phones:
        await phone.join()
    crowd = Crowd(list(phones))
    try:
        await crowd.wait(lambda: all(p.last is not None for p in phones), "first snapshots")
        yield crowd
    finally:
        await crowd.close()


def set_up_tables(server: ChaosServer) -> tuple[int, int]:
    """Two défis with a table each, the workshop in a tables step (added to the
    marathon's agenda), through the services on the server's database."""
    app = instance_app(server.instance, server.url)
    try:
        with app.app_context():
            workshop = sqla.session.get_one(Workshop, server.workshop["id"])
            owner = accounts.get_by_email(FACILITATOR_EMAIL)
            assert owner is not None

            def go(kind: PhaseKind) -> None:
                step = next(p for p in workshop.phases if p.kind == kind)
                agenda.advance_phase(workshop.id, owner, PhaseTarget(phase_id=step.id))

            go(PhaseKind.GROUPING)
            for title in ("Comment pourrions-nous nous déplacer ?", "Comment bien manger ?"):
                challenges.create_challenge(workshop.id, owner, NewChallenge(title=title))
            workshop.phases.append(
                Phase(
                    workshop_id=workshop.id,
                    position=len(workshop.phases),
                    kind=PhaseKind.TABLES,
                    title="Tables",
                    duration_s=3600,
                    settings={},
                )
            )
            sqla.session.commit()
            go(PhaseKind.TABLES)
            one, two = tables.create_tables(workshop.id, owner, NewTables(capacity=10))
            return one.id, two.id
    finally:
        with app.app_context():
            sqla.session.remove()
            sqla.engine.dispose()


def stored(db: Database) -> list[tuple[int, int, str, str]]:
    rows = db._rows(
        "SELECT id, table_id, client_id, text FROM contributions WHERE workshop_id = ? ORDER BY id",
        db.workshop_id,
    )
    return [(row[0], row[1], row[2], row[3]) for row in rows]


def test_moves_a_host_reconnecting_and_a_restart_lose_and_double_nothing(
    chaos_server: ChaosServer,
) -> None:
    server = chaos_server
    one, two = set_up_tables(server)
    run_async(_evening(server, one, two))
    assert_clean_log(server)


async def _evening(server: ChaosServer, one: int, two: int) -> None:
    starts = server.starts
    db = Database(server)
    facilitator = await asyncio.to_thread(Facilitator, server)
    async with evening(server, ["Alice", "Bruno", "Chloé", "Hôte"]) as crowd:
        phones: list[TablePhone] = [p for p in crowd.phones if isinstance(p, TablePhone)]
        alice, bruno, chloe, host = phones
        for phone, table in ((alice, one), (bruno, one), (chloe, two), (host, one)):
            phone.choose_table(table)
        await crowd.wait(lambda: all(p.table.table_id is not None for p in phones), "seated")
        await facilitator.command(
            "set_table_host", {"table_id": one, "participant_id": host.participant_id}
        )
        for phone in phones:
            for n in range(3):
                phone.contribute(f"{phone.name} : première idée {n}")
        await crowd.wait(lambda: all(p.idle for p in phones), "first contributions acknowledged")
        # Bruno is moved to table 2 while the tables write.
        await facilitator.command(
            "seat_participant", {"participant_id": bruno.participant_id, "table_id": two}
        )
        await crowd.wait(lambda: bruno.idle and bruno.table.table_id == two, "Bruno moved")
        bruno.contribute("Bruno : à la table 2")
        # The host's transport breaks while it writes.
        host.contribute("Hôte : pendant la coupure")
        host.kill_transport()
        # The server restarts while every table writes.
        for phone in phones:
            for n in range(3):
                phone.contribute(f"{phone.name} : pendant le redémarrage {n}")
        await restart(server, signal.SIGTERM)
        for phone in phones:
            phone.contribute(f"{phone.name} : après le redémarrage")
        await crowd.settle()

        rows = stored(db)
        planned = {cid: spec for p in phones for cid, spec in p.planned.items()}
        # Each planned contribution stored once, at the table it was written at.
        assert sorted(cid for _id, _t, cid, _x in rows) == sorted(planned)
        for _id, table_id, client_id, text in rows:
            assert planned[client_id] == (table_id, text)
        assert not [e for p in phones for e in p.errors], [e for p in phones for e in p.errors]
        # Each phone's table, as it built it, is the database's table.
        for phone in phones:
            expected = {i: x for i, t, _c, x in rows if t == phone.table.table_id}
            assert phone.table.contributions == expected, phone.name
        assert (alice.table.table_id, bruno.table.table_id, host.table.table_id) == (one, two, one)
        # The disorder happened: a restart, and phones that rejoined their table.
        assert server.starts == starts + 1
        assert all(p.stats.connects >= 2 for p in phones), [p.stats for p in phones]
