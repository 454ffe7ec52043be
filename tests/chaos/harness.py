"""Phones, a facilitator and the database, for the durability tests.

A :class:`Phone` is the reference phone of :mod:`testkit.phone` (the browser client's
rules, from ``static/js/sequencer.js`` and ``connection.js``, shared with the benchmark):
it joins over HTTP (join page, CSRF token, cookie), talks Socket.IO with a real
python-socketio ``AsyncClient``, and keeps its own copy of the workshop (a
:class:`Mirror`) built only from the snapshot, the facts it receives (in ``seq`` order,
a fact ahead of a gap held 400 ms before a resync) and its resyncs. On top of it, as
``static/js/outbox.js`` does, it sends its commands through an outbox that keeps each
one, in order, until the server has acknowledged it: after a lost ack, a dropped
transport or a server restart it sends the same command again (same ``client_id`` for
ideas, the same absolute count for votes). It is strict: a replay that skips a ``seq``
fails the test.

Many phones share one asyncio loop (one thread), so the test can break their
transports, take them offline and restart the server while they work.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import requests
import socketio

from testkit import forms
from testkit import phone as reference
from testkit.phone import Store
from tests.live_server import FACILITATOR_EMAIL, FACILITATOR_PASSWORD, LiveServer

ACK_TIMEOUT = 30.0  # a command unanswered this long (connection still up) is sent again
CONNECT_TIMEOUT = 10.0
HTTP_TIMEOUT = 10.0


def sign_in(server: LiveServer) -> str:
    """Sign the facilitator in through the real login form; the cookie header."""
    with requests.Session() as http:
        forms.sign_in(http, server.url, FACILITATOR_EMAIL, FACILITATOR_PASSWORD, HTTP_TIMEOUT)
        return forms.cookie_header(http)


# -- the client's copy of the workshop -------------------------------------------------


@dataclass
class Mirror(Store):
    """What one client knows of the workshop, from snapshots, replays and facts only
    (the store the reference phone feeds, in ``seq`` order)."""

    first_seq: int | None = None  # the seq of the first snapshot
    me: dict[str, Any] | None = None  # this participant, as the server last told it
    current_phase_id: int | None = None
    ideas: dict[int, dict[str, Any]] = field(default_factory=dict)
    phases: dict[int, dict[str, Any]] = field(default_factory=dict)
    # phase id -> {"voters", "votes_cast", "tallies": {item id: dots}}
    votes: dict[int, dict[str, Any]] = field(default_factory=dict)
    participant_count: int = 0

    def load(self, state: dict[str, Any]) -> None:
        if self.first_seq is None:
            self.first_seq = state["seq"]
        self.me = state["me"]
        self.current_phase_id = state["workshop"]["current_phase_id"]
        self.ideas = {idea["id"]: idea for idea in state["ideas"]}
        self.phases = {phase["id"]: phase for phase in state["phases"]}
        self.votes = {int(pid): _votes(v) for pid, v in state["votes"].items()}
        self.participant_count = state["participant_count"]

    def set_me(self, me: dict[str, Any]) -> None:
        self.me = me

    def apply(self, name: str, data: dict[str, Any]) -> None:
        """Apply one fact (the phone checked its ``seq``). Facts carry absolute values."""
        if name in {"idea_posted", "idea_updated", "idea_approved", "idea_restored"}:
            idea = data["idea"]
            if idea.get("status") == "visible":
                self.ideas[idea["id"]] = idea
            else:
                self.ideas.pop(idea["id"], None)
        elif name == "idea_hidden":
            self.ideas.pop(data["idea"]["id"], None)
        elif name == "idea_withdrawn":
            self.ideas.pop(data["idea_id"], None)
        elif name == "phase_changed":
            self.phases[data["phase"]["id"]] = data["phase"]
            self.current_phase_id = data["workshop"]["current_phase_id"]
        elif name in {"vote_configured", "vote_reopened"}:
            self.phases[data["phase"]["id"]] = data["phase"]
        elif name in {"votes_revealed", "results_frozen"}:
            self.phases[data["phase"]["id"]] = data["phase"]
            self.votes[data["phase"]["id"]] = _votes(data["votes"])
        elif name == "votes_changed":
            vote = self.votes.setdefault(data["phase_id"], _votes({}))
            vote["voters"], vote["votes_cast"] = data["voters"], data["votes_cast"]
            for item, dots in data.get("tallies", {}).items():
                if dots:
                    vote["tallies"][int(item)] = dots
                else:
                    vote["tallies"].pop(int(item), None)
        elif name == "participant_joined":
            self.participant_count = data["participant_count"]
        # Other facts (timer, grouping, settings) change nothing these tests compare.


def _votes(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "voters": data.get("voters", 0),
        "votes_cast": data.get("votes_cast", 0),
        "tallies": {int(k): v for k, v in data.get("tallies", {}).items()},
    }


# -- the phone -----------------------------------------------------------------------


@dataclass
class Command:
    event: str
    payload: dict[str, Any]
    sent: int = 0  # how many times it went out


@dataclass
class Stats:
    connects: int = 0
    failed_connects: int = 0
    transport_kills: int = 0
    acks: int = 0
    acks_dropped: int = 0
    resent: int = 0
    lost_in_flight: int = 0
    cut_in_flight: int = 0  # sends whose transport the test broke before the ack came
    queued_offline: int = 0  # commands the owner made while the phone was offline


class Phone(reference.Phone):
    """One participant's phone. ``run()`` keeps it connected (while online), in sync
    and sending its outbox; the test drives it with :meth:`post_idea`,
    :meth:`set_vote`, :meth:`go_offline`, :meth:`go_online` and :meth:`settle`.
    Its joins by kind are :attr:`joins` (``snapshot``, ``replay``, ``replay+``)."""

    store: Mirror

    def __init__(
        self,
        server: LiveServer,
        name: str,
        seed: int,
        *,
        websocket_only: bool = True,
        drop_acks: float = 0.0,
    ) -> None:
        super().__init__(
            name,
            Mirror(),
            workshop_id=server.workshop["id"],
            ack_timeout=ACK_TIMEOUT,
            strict=True,
        )
        self.server = server
        self.websocket_only = websocket_only
        self.drop_acks = drop_acks
        self.cuts_planned = 0  # the next sends on a WebSocket lose it before their ack
        # Separate streams, so each sequence of decisions does not depend on the others.
        self.backoff_rng = random.Random(f"{seed}:backoff")
        self.drop_rng = random.Random(f"{seed}:drop")
        self.outbox: deque[Command] = deque()
        self.in_flight: Command | None = None
        self.acks: list[tuple[Command, dict[str, Any]]] = []  # every ack the server sent
        self.errors: list[tuple[Command, dict[str, Any]]] = []
        self.acked_ideas: dict[str, dict[str, Any]] = {}  # client_id -> idea (own view)
        self.acked_votes: dict[int, dict[int, int]] = {}  # phase id -> the last acked dots
        self.planned_ideas: dict[str, dict[str, Any]] = {}
        self.desired_votes: dict[int, int] = {}  # the dots this phone means to have
        self.stats = Stats()
        self.online = True
        self.heard: set[int] = set()  # every seq a broadcast stood for (folded ones too)
        self._settle_requested = False
        self._wake = asyncio.Event()
        self._online = asyncio.Event()
        self._online.set()
        self._synced = asyncio.Event()  # set after each resync with an empty outbox
        self._stopping = False
        self._http: aiohttp.ClientSession | None = None

    # -- what the test does with it -------------------------------------------------
    @property
    def mirror(self) -> Mirror:
        return self.store

    @property
    def me(self) -> dict[str, Any] | None:
        return self.mirror.me

    @property
    def participant_id(self) -> int:
        assert self.me is not None, f"{self.name} never joined"
        return int(self.me["id"])

    async def join(self) -> None:
        """Fill in the workshop's join form (the cookie the socket will carry)."""
        workshop = self.server.workshop
        await self.join_form(
            self.server.url, workshop["code"], workshop["id"], timeout=HTTP_TIMEOUT
        )

    def post_idea(self, title: str, description: str = "") -> str:
        client_id = uuid.UUID(int=random.Random(f"{self.name}:{title}").getrandbits(128)).hex
        idea = {"client_id": client_id, "title": title, "description": description}
        self.planned_ideas[client_id] = idea
        self._enqueue(Command("post_idea", idea))
        return client_id

    def set_vote(self, idea_id: int, count: int) -> None:
        self.desired_votes[idea_id] = count
        if not count:
            del self.desired_votes[idea_id]
        self._enqueue(Command("set_vote", {"idea_id": idea_id, "count": count}))

    def go_offline(self) -> None:
        """Lose the network: the transport breaks, commands wait in the outbox."""
        self.online = False
        self._online.clear()
        super().kill_transport()
        self._wake.set()

    def go_online(self) -> None:
        self.online = True
        self._online.set()
        self._wake.set()

    def kill_transport(self) -> bool:
        killed = super().kill_transport()
        self.stats.transport_kills += killed
        return killed

    @property
    def idle(self) -> bool:
        return not self.outbox

    async def settle(self) -> None:
        """Wait until the outbox is empty and a last resync (``join_workshop`` with the
        last ``seq``) has been applied: what a phone does when it comes back to the
        foreground."""
        self._synced.clear()
        self._settle_requested = True
        self._wake.set()
        await self._synced.wait()

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._online.set()

    # -- the loop ---------------------------------------------------------------------
    async def run(self) -> None:
        self._http = aiohttp.ClientSession()
        failures = 0
        auth = {"workshop_id": self.server.workshop["id"], "role": "participant"}
        try:
            while not self._stopping:
                if not self.online:
                    await self._online.wait()
                    continue
                try:
                    sio = await self.open(
                        self.server.url,
                        auth,
                        websocket_only=self.websocket_only,
                        http_session=self._http,
                        timeout=CONNECT_TIMEOUT,
                    )
                except (TimeoutError, socketio.exceptions.ConnectionError, OSError):
                    self.stats.failed_connects += 1
                    # Exponential backoff with jitter, as socket.io clients do (faster).
                    failures += 1
                    delay = min(1.0, 0.05 * 2**failures)
                    await asyncio.sleep(self.backoff_rng.uniform(delay / 2, delay))
                    continue
                failures = 0
                self.stats.connects += 1
                try:
                    await self._session(sio)
                finally:
                    await self._discard(sio)
        finally:
            await self._http.close()

    async def _discard(self, sio: socketio.AsyncClient) -> None:
        if self.sio is sio:
            self.sio = None
        with contextlib.suppress(Exception):
            await sio.disconnect()

    def on_gone(self, sio: socketio.AsyncClient) -> None:
        if self.sio is sio:
            self._wake.set()

    def on_arrival(self, name: str, data: Any) -> None:
        if isinstance(data, dict) and "seq" in data:
            if data.get("workshop_id") == self.server.workshop["id"]:
                self.heard.update(range(data.get("since", data["seq"]), data["seq"] + 1))

    async def _session(self, sio: socketio.AsyncClient) -> None:
        """One connection: join (a snapshot, or a replay from the last ``seq``), then
        send and apply until it ends. Gaps resync on their own (the reference phone)."""
        if await self.resync() is None:
            return
        while not self._stopping and self.online and not self._gone.is_set():
            if self.failure is not None:
                raise self.failure  # a join refused, a replay with a hole
            self._wake.clear()
            if self.outbox:
                await self._send_head()
            elif self._settle_requested:
                if await self.resync(fresh=True) is None:
                    return
                if not self.outbox and self.in_sync:
                    self._settle_requested = False
                    self._synced.set()
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=1.0)

    def _enqueue(self, command: Command) -> None:
        self.stats.queued_offline += not self.online
        self.outbox.append(command)
        self._wake.set()

    async def _send_head(self) -> None:
        command = self.outbox[0]
        command.sent += 1
        if command.sent > 1:
            self.stats.resent += 1
        self.in_flight = command
        ack = await self.request(command.event, command.payload, on_sent=self._cut_if_planned)
        if ack is None:
            # No answer (transport gone, server restarting): it may or may not have been
            # processed; it stays first in the outbox and goes again with the same data.
            self.stats.lost_in_flight += 1
            return
        self.in_flight = None
        self.stats.acks += 1
        self.acks.append((command, ack))
        if self.drop_acks and self.drop_rng.random() < self.drop_acks:
            self.stats.acks_dropped += 1  # as if it never arrived: send it again
            return
        self.outbox.popleft()
        if not ack.get("ok"):
            self.errors.append((command, ack))
            return
        data = ack["data"]
        if command.event == "post_idea":
            self.acked_ideas[command.payload["client_id"]] = data["idea"]
        elif command.event == "set_vote":
            self.acked_votes[data["phase_id"]] = {int(k): v for k, v in data["votes"].items()}

    def _cut_if_planned(self) -> None:
        """Break the transport the instant a command is handed to the socket, when the
        test planned it: the command may or may not reach the server, its ack is lost."""
        if self.cuts_planned and self.kill_transport():
            self.cuts_planned -= 1
            self.stats.cut_in_flight += 1

    @property
    def my_votes(self) -> dict[int, dict[int, int]]:
        """The phone's dots as the server last told it (``me.votes``)."""
        assert self.me is not None
        return {
            int(phase): {int(item): n for item, n in dots.items()}
            for phase, dots in self.me["votes"].items()
        }


# -- the facilitator -----------------------------------------------------------------


class Facilitator:
    """Runs facilitator commands on a fresh socket each time (the server may have
    restarted in between), retrying until acknowledged: the commands used here
    (``advance_phase`` to a phase id, ``configure_vote``) are idempotent."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.cookie = sign_in(server)

    async def command(self, event: str, payload: Any) -> Any:
        deadline = asyncio.get_running_loop().time() + 60
        last: Any = None
        auth = {"workshop_id": self.server.workshop["id"], "role": "facilitator"}
        while asyncio.get_running_loop().time() < deadline:
            async with aiohttp.ClientSession() as http:
                # The reference client's socket and acks, signed in as the facilitator.
                client = reference.Phone("facilitator", ack_timeout=ACK_TIMEOUT)
                client.cookie = self.cookie
                try:
                    await client.open(
                        self.server.url, auth, http_session=http, timeout=CONNECT_TIMEOUT
                    )
                    last = await client.request(event, payload)
                except (socketio.exceptions.ConnectionError, OSError) as error:
                    last = error
                finally:
                    await client.disconnect()
            if isinstance(last, dict):
                assert last.get("ok"), (event, payload, last)
                return last["data"]
            await asyncio.sleep(0.2)
        pytest.fail(f"facilitator {event} {payload}: no ack within 60 s ({last!r})")


# -- the database, read directly ---------------------------------------------------------


class Database:
    """The server's SQLite file, read with ``sqlite3`` (not through the app)."""

    def __init__(self, server: LiveServer) -> None:
        self.path = Path(server.instance) / "semis.sqlite3"
        self.workshop_id = int(server.workshop["id"])

    def _rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        assert self.path.exists(), self.path
        with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as db:
            return list(db.execute(sql, args))

    def seq(self) -> int:
        return int(self._rows("SELECT seq FROM workshops WHERE id = ?", self.workshop_id)[0][0])

    def current_phase_id(self) -> int | None:
        return self._rows("SELECT current_phase_id FROM workshops WHERE id = ?", self.workshop_id)[
            0
        ][0]

    def phase_ids(self, kind: str) -> list[int]:
        rows = self._rows(
            "SELECT id FROM phases WHERE workshop_id = ? AND kind = ? ORDER BY position",
            self.workshop_id,
            kind,
        )
        return [row[0] for row in rows]

    def ideas(self) -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT id, client_id, participant_id, title, description, status FROM ideas"
            " WHERE workshop_id = ? ORDER BY id",
            self.workshop_id,
        )
        keys = ("id", "client_id", "participant_id", "title", "description", "status")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def votes(self, phase_id: int) -> dict[int, dict[int, int]]:
        """``{participant id: {idea id: dots}}`` in one vote phase."""
        votes: dict[int, dict[int, int]] = {}
        for participant_id, idea_id, count in self._rows(
            "SELECT participant_id, idea_id, count FROM votes WHERE phase_id = ?", phase_id
        ):
            assert idea_id not in votes.get(participant_id, {}), "two rows for one idea"
            votes.setdefault(participant_id, {})[idea_id] = count
        return votes

    def events(self) -> list[tuple[int, str]]:
        return [
            (row[0], row[1])
            for row in self._rows(
                "SELECT seq, name FROM events WHERE workshop_id = ? ORDER BY seq",
                self.workshop_id,
            )
        ]
