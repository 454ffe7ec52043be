"""Phones, a facilitator and the database, for the durability tests.

A :class:`Phone` is a participant's phone as ``static/js`` builds it, in Python: it
joins over HTTP (join page, CSRF token, cookie), talks Socket.IO with a real
python-socketio ``AsyncClient``, keeps its own copy of the workshop (a
:class:`Mirror`) built only from the snapshot, the facts it receives and its resyncs,
following the client rules of ``docs/protocol.md``, and sends its commands through an
outbox that keeps each one, in order, until the server has acknowledged it: after a
lost ack, a dropped transport or a server restart it sends the same command again
(same ``client_id`` for ideas, the same absolute count for votes).

Many phones share one asyncio loop (one thread), so the test can break their
transports, take them offline and restart the server while they work.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import socket
import sqlite3
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import requests
import socketio

from tests.live_server import FACILITATOR_EMAIL, FACILITATOR_PASSWORD, LiveServer

ACK_TIMEOUT = 30.0  # a command unanswered this long (connection still up) is sent again
CONNECT_TIMEOUT = 10.0
HTTP_TIMEOUT = 10.0
INPUT_TAG = re.compile(r"<input\b[^>]*\bname=[\"']csrf_token[\"'][^>]*>", re.IGNORECASE)
VALUE_ATTR = re.compile(r"\bvalue=[\"']([^\"']+)[\"']", re.IGNORECASE)


def csrf_token(page: requests.Response) -> str:
    assert page.status_code == 200, (page.url, page.status_code, page.text[:500])
    tag = INPUT_TAG.search(page.text)
    assert tag is not None, f"no csrf_token on {page.url}"
    value = VALUE_ATTR.search(tag.group(0))
    assert value is not None, tag.group(0)
    return value.group(1)


def join_over_http(server: LiveServer, display_name: str) -> str:
    """Join ``server``'s workshop through the real join form; the cookie header."""
    url = f"{server.url}/j/{server.workshop['code']}"
    with requests.Session() as http:
        token = csrf_token(http.get(url, timeout=HTTP_TIMEOUT))
        response = http.post(
            url,
            timeout=HTTP_TIMEOUT,
            allow_redirects=False,
            data={"csrf_token": token, "display_name": display_name, "profile": "citizen"},
        )
        assert response.status_code == 302, (response.status_code, response.text[:500])
        name = f"semis_p{server.workshop['id']}"
        return f"{name}={http.cookies[name]}"


def sign_in(server: LiveServer) -> str:
    """Sign the facilitator in through the real login form; the cookie header."""
    with requests.Session() as http:
        token = csrf_token(http.get(f"{server.url}/login", timeout=HTTP_TIMEOUT))
        response = http.post(
            f"{server.url}/login",
            timeout=HTTP_TIMEOUT,
            allow_redirects=False,
            data={
                "csrf_token": token,
                "email": FACILITATOR_EMAIL,
                "password": FACILITATOR_PASSWORD,
            },
        )
        assert response.status_code == 302, (response.status_code, response.text[:500])
        return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def _ack_or_none(future: asyncio.Future[Any]) -> Callable[..., None]:
    def callback(*args: Any) -> None:
        if not future.done():
            future.set_result(args[0] if args else None)

    return callback


async def call(
    sio: socketio.AsyncClient, gone: asyncio.Event, event: str, data: Any
) -> dict[str, Any] | None:
    """Send one command; its ack, or ``None`` when the connection went first or the ack
    did not come within :data:`ACK_TIMEOUT` (the caller cannot tell whether the server
    processed it)."""
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    try:
        await sio.emit(event, data, callback=_ack_or_none(future))
    except socketio.exceptions.SocketIOError:
        return None
    waiter = asyncio.ensure_future(gone.wait())
    try:
        await asyncio.wait({future, waiter}, timeout=ACK_TIMEOUT, return_when="FIRST_COMPLETED")
    finally:
        waiter.cancel()
    return future.result() if future.done() else None


def kill_transport(sio: socketio.AsyncClient | None) -> bool:
    """Break a WebSocket transport the way a lost network does: shut its TCP socket
    down under the client, with no Engine.IO or WebSocket close. False when there is
    no WebSocket to break (not connected, or still on long-polling)."""
    if sio is None or not sio.connected or sio.transport() != "websocket":
        return False
    ws = getattr(sio.eio, "ws", None)
    raw = ws.get_extra_info("socket") if ws is not None else None
    if raw is None:
        return False
    with contextlib.suppress(OSError):
        raw.shutdown(socket.SHUT_RDWR)
    return True


# -- the client's copy of the workshop -------------------------------------------------


@dataclass
class Mirror:
    """What one client knows of the workshop, from snapshots, replays and facts only."""

    last: int = -1  # -1: no snapshot yet
    current_phase_id: int | None = None
    ideas: dict[int, dict[str, Any]] = field(default_factory=dict)
    phases: dict[int, dict[str, Any]] = field(default_factory=dict)
    # phase id -> {"voters", "votes_cast", "tallies": {item id: dots}}
    votes: dict[int, dict[str, Any]] = field(default_factory=dict)
    participant_count: int = 0

    def load(self, state: dict[str, Any]) -> None:
        self.last = state["seq"]
        self.current_phase_id = state["workshop"]["current_phase_id"]
        self.ideas = {idea["id"]: idea for idea in state["ideas"]}
        self.phases = {phase["id"]: phase for phase in state["phases"]}
        self.votes = {int(pid): _votes(v) for pid, v in state["votes"].items()}
        self.participant_count = state["participant_count"]

    def apply(self, name: str, data: dict[str, Any]) -> None:
        """Apply one fact (the caller checked its ``seq``). Facts carry absolute values."""
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
    resyncs: Counter[str] = field(default_factory=Counter)  # "snapshot", "replay", "replay+"
    gaps: int = 0
    acks: int = 0
    acks_dropped: int = 0
    resent: int = 0
    lost_in_flight: int = 0
    queued_offline: int = 0  # commands the owner made while the phone was offline


class Phone:
    """One participant's phone. ``run()`` keeps it connected (while online), in sync
    and sending its outbox; the test drives it with :meth:`post_idea`,
    :meth:`set_vote`, :meth:`go_offline`, :meth:`go_online` and :meth:`settle`."""

    def __init__(
        self,
        server: LiveServer,
        name: str,
        cookie: str,
        seed: int,
        *,
        websocket_only: bool = True,
        drop_acks: float = 0.0,
    ) -> None:
        self.server = server
        self.name = name
        self.cookie = cookie
        self.websocket_only = websocket_only
        self.drop_acks = drop_acks
        # Separate streams, so each sequence of decisions does not depend on the others.
        self.backoff_rng = random.Random(f"{seed}:backoff")
        self.drop_rng = random.Random(f"{seed}:drop")
        self.mirror = Mirror()
        self.me: dict[str, Any] | None = None
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
        self.sio: socketio.AsyncClient | None = None
        self._pending: dict[int, tuple[str, dict[str, Any]]] = {}
        self.first_seq: int | None = None  # the seq of the first snapshot
        self.heard: set[int] = set()  # every seq a broadcast stood for (folded ones too)
        self._joining = False
        self._need_resync = False
        self._settle_requested = False
        self._gone = asyncio.Event()
        self._wake = asyncio.Event()
        self._online = asyncio.Event()
        self._online.set()
        self._synced = asyncio.Event()  # set after each resync with an empty outbox
        self._stopping = False
        self._http: aiohttp.ClientSession | None = None

    # -- what the test does with it -------------------------------------------------
    @property
    def participant_id(self) -> int:
        assert self.me is not None, f"{self.name} never joined"
        return int(self.me["id"])

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
        kill_transport(self.sio)
        self._wake.set()

    def go_online(self) -> None:
        self.online = True
        self._online.set()
        self._wake.set()

    def kill_transport(self) -> bool:
        killed = kill_transport(self.sio)
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
        try:
            while not self._stopping:
                if not self.online:
                    await self._online.wait()
                    continue
                sio = await self._connect()
                if sio is None:
                    # Exponential backoff with jitter, as socket.io clients do (faster).
                    failures += 1
                    delay = min(1.0, 0.05 * 2**failures)
                    await asyncio.sleep(self.backoff_rng.uniform(delay / 2, delay))
                    continue
                failures = 0
                try:
                    await self._session(sio)
                finally:
                    await self._discard(sio)
        finally:
            await self._http.close()

    async def _connect(self) -> socketio.AsyncClient | None:
        sio = socketio.AsyncClient(reconnection=False, http_session=self._http)
        gone = asyncio.Event()
        sio.on("*", lambda name, data=None: self._on_fact(sio, name, data))
        sio.on("disconnect", lambda *_reason: self._on_gone(sio, gone))
        try:
            await sio.connect(
                self.server.url,
                headers={"Cookie": self.cookie},
                auth={"workshop_id": self.server.workshop["id"], "role": "participant"},
                transports=["websocket"] if self.websocket_only else None,
                wait_timeout=CONNECT_TIMEOUT,
            )
        except (TimeoutError, socketio.exceptions.ConnectionError, OSError):
            self.stats.failed_connects += 1
            await self._discard(sio)
            return None
        self.sio, self._gone = sio, gone
        self.stats.connects += 1
        if not sio.connected:  # gone already
            gone.set()
        return sio

    async def _discard(self, sio: socketio.AsyncClient) -> None:
        if self.sio is sio:
            self.sio = None
        with contextlib.suppress(Exception):
            await sio.disconnect()

    def _on_gone(self, sio: socketio.AsyncClient, gone: asyncio.Event) -> None:
        gone.set()
        if self.sio is sio:
            self._wake.set()

    async def _session(self, sio: socketio.AsyncClient) -> None:
        """One connection: resync, then send and apply until it ends."""
        self._need_resync = True
        while not self._stopping and self.online and not self._gone.is_set():
            self._wake.clear()
            if self._need_resync:
                if not await self._resync(sio):
                    return
            elif self.outbox:
                await self._send_head(sio)
            elif self._settle_requested:
                if not await self._resync(sio):
                    return
                if not self.outbox and not self._need_resync:
                    self._settle_requested = False
                    self._synced.set()
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=1.0)

    def _enqueue(self, command: Command) -> None:
        self.stats.queued_offline += not self.online
        self.outbox.append(command)
        self._wake.set()

    async def _send_head(self, sio: socketio.AsyncClient) -> None:
        command = self.outbox[0]
        command.sent += 1
        if command.sent > 1:
            self.stats.resent += 1
        self.in_flight = command
        ack = await call(sio, self._gone, command.event, command.payload)
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

    # -- facts and resyncs (the client rules of docs/protocol.md) -------------------------
    def _on_fact(self, sio: socketio.AsyncClient, name: str, data: Any) -> None:
        if sio is not self.sio or not isinstance(data, dict) or "seq" not in data:
            return  # a late message of a dropped connection; presence_changed
        if data.get("workshop_id") != self.server.workshop["id"]:
            return
        self.heard.update(range(data.get("since", data["seq"]), data["seq"] + 1))
        self._pending[data["seq"]] = (name, data)
        if not self._joining:
            self._drain()

    def _drain(self) -> None:
        """Apply the buffered facts that follow ``last``; ask for a resync at a gap."""
        for seq in sorted(self._pending):
            name, data = self._pending[seq]
            if seq <= self.mirror.last:
                del self._pending[seq]  # rule 3: stale or duplicate
                continue
            if data.get("since", seq) > self.mirror.last + 1:
                self.stats.gaps += 1
                self._need_resync = True  # rule 4: keep it until the gap is filled
                self._wake.set()
                return
            del self._pending[seq]
            self.mirror.apply(name, data)
            self.mirror.last = seq

    async def _resync(self, sio: socketio.AsyncClient) -> bool:
        """``join_workshop``, with ``last_seq`` once there is a state; apply the answer."""
        self._joining = True
        try:
            payload = {} if self.mirror.last < 0 else {"last_seq": self.mirror.last}
            ack = await call(sio, self._gone, "join_workshop", payload)
            if ack is None:
                return False
            assert ack.get("ok"), (self.name, ack)
            data = ack["data"]
            self._need_resync = False
            if data["mode"] == "snapshot":
                self.stats.resyncs["snapshot"] += 1
                self.mirror.load(data["state"])
                if self.first_seq is None:
                    self.first_seq = self.mirror.last
                self.me = data["state"]["me"]
            else:
                self.stats.resyncs["replay+" if data["events"] else "replay"] += 1
                for event in data["events"]:
                    seq = event["data"]["seq"]
                    if seq > self.mirror.last:
                        assert seq == self.mirror.last + 1, (self.name, seq, self.mirror.last)
                        self.mirror.apply(event["name"], event["data"])
                        self.mirror.last = seq
                self.me = data["me"]
            return True
        finally:
            self._joining = False
            self._drain()

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
        while asyncio.get_running_loop().time() < deadline:
            async with aiohttp.ClientSession() as http:
                sio = socketio.AsyncClient(reconnection=False, http_session=http)
                gone = asyncio.Event()
                sio.on("disconnect", lambda *_r, gone=gone: gone.set())
                try:
                    await sio.connect(
                        self.server.url,
                        headers={"Cookie": self.cookie},
                        auth={"workshop_id": self.server.workshop["id"], "role": "facilitator"},
                        transports=["websocket"],
                        wait_timeout=CONNECT_TIMEOUT,
                    )
                    last = await call(sio, gone, event, payload)
                except (socketio.exceptions.ConnectionError, OSError) as error:
                    last = error
                finally:
                    with contextlib.suppress(Exception):
                        await sio.disconnect()
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
