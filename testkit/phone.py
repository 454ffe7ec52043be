"""The reference phone: a participant's phone in Python, following the browser's own
client (``static/js/sequencer.js`` and ``static/js/connection.js``) and the client
rules of ``docs/protocol.md``. The benchmark's phones (``bench/phones.py``) measure with
it; the durability tests (``tests/chaos``) compare what it shows with the database.

- It joins as a browser does: the join form (CSRF token, ``semis_p<id>`` cookie, see
  :mod:`testkit.forms`), then a python-socketio ``AsyncClient`` with that cookie, and
  ``join_workshop`` after every connect (with ``last_seq`` once it has a state).
- :class:`Sequencer` is ``sequencer.js``: facts in ``seq`` order, each once; stale and
  duplicate ones dropped; a fact ahead of a gap (``since``, else ``seq``, beyond
  ``last + 1``) held :data:`REORDER_S` (400 ms) for the missing ones, which several
  workers may deliver out of order; a gap still open then asks for a resync. Facts that
  arrive during a join wait for its answer.
- A join's answer is applied as ``connection.js`` does: a snapshot replaces the state, a
  replay's events go through :meth:`Sequencer.replay`, then its ``me`` and ``connected``.
  One join at a time; a join left unanswered is tried again after 2 s while connected.
- What the phone shows is its :class:`Store` (``connection.js``'s ``store``): the base
  keeps nothing; a caller keeps what it measures or checks in a subclass.

Two differences with the browser, both for the benchmark's bare python-socketio
baseline, which neither numbers its facts nor names its workshop: a fact without
``seq`` is applied as it comes, and a fact without ``workshop_id`` is not dropped.

Counters: ``received`` (every event), ``sequencer.stale``, ``sequencer.reordered``
(facts applied after waiting for earlier ones), ``sequencer.gaps`` (reorder windows that
closed on a gap still open), ``resyncs`` (joins those gaps started), ``joins`` (every
answered join by kind: ``snapshot``, ``replay``, ``replay+`` for a replay with events),
``replay_holes`` (a replay that skipped a ``seq``; with ``strict`` it is an error),
``disconnects``.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import aiohttp
import socketio

from . import forms

REORDER_S = 0.4  # sequencer.js REORDER_MS
RETRY_S = 2.0  # connection.js: a join left unanswered is tried again 2 s later
ACK_TIMEOUT = 10.0  # connection.js ACK_TIMEOUT_MS
PRESENCE = "presence_changed"
JOIN = "join_workshop"
# aiohttp's ws_connect(compress=15) offers "permessage-deflate; client_max_window_bits",
# as Chromium and Firefox do with every WebSocket.
BROWSER_COMPRESSION = {"compress": 15}

Fact = tuple[str, dict[str, Any]]


class JoinRefused(RuntimeError):
    """The server answered ``join_workshop`` with an error."""


class JoinFailed(RuntimeError):
    """``join_workshop`` got no answer (the connection went, or the ack never came)."""


class ReplayHole(AssertionError):
    """A replay skipped a ``seq``: the server's event log, or its replay, lost a fact."""


def first_seq(data: dict[str, Any]) -> int:
    """The first ``seq`` a fact stands for (a folded one covers ``since``..``seq``)."""
    return int(data.get("since", data["seq"]))


class Sequencer:
    """``static/js/sequencer.js`` in Python: the order in which facts are applied.

    ``apply(name, data)`` applies one fact; ``on_gap()`` is called when a gap stays open
    for ``reorder_s`` seconds (on the running asyncio loop's clock, or ``call_later``'s).
    """

    def __init__(
        self,
        apply: Callable[[str, dict[str, Any]], None],
        on_gap: Callable[[], None],
        *,
        reorder_s: float = REORDER_S,
        call_later: Callable[[float, Callable[[], None]], Any] | None = None,
    ) -> None:
        self._apply = apply
        self._on_gap = on_gap
        self.reorder_s = reorder_s
        self._call_later = call_later
        self._timer: Any = None
        self.last: int | None = None  # the seq of the last fact applied
        self.paused = False
        self.buffered: list[Fact] = []  # facts received while paused or before a state
        self.early: list[Fact] = []  # facts ahead of a gap, waiting for the ones before
        self.reset_counters()

    def reset_counters(self) -> None:
        self.stale = 0
        self.reordered = 0
        self.gaps = 0

    def clear(self) -> None:
        """Forget the state (a new page): no ``last``, nothing held; counters kept."""
        self._stop_timer()
        self.last, self.paused, self.buffered, self.early = None, False, [], []

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _apply_now(self, name: str, data: dict[str, Any]) -> None:
        self._apply(name, data)
        self.last = int(data["seq"])

    def _hold_early(self, name: str, data: dict[str, Any]) -> None:
        self.early.append((name, data))
        if self._timer is not None:
            return
        call_later = self._call_later or asyncio.get_running_loop().call_later
        self._timer = call_later(self.reorder_s, self._window_closed)

    def _window_closed(self) -> None:
        self._timer = None
        if self.early:
            self.gaps += 1
            self._on_gap()

    def _apply_early(self) -> None:
        """Apply the held facts that now follow on, lowest first, for as long as they do."""
        while self.last is not None:
            last = self.last
            self.early = [entry for entry in self.early if int(entry[1]["seq"]) > last]
            if not self.early:
                break
            entry = min(self.early, key=lambda e: first_seq(e[1]))
            if first_seq(entry[1]) > last + 1:
                break
            self.early.remove(entry)
            self.reordered += 1
            self._apply_now(*entry)
        if not self.early:
            self._stop_timer()

    def receive(self, name: str, data: dict[str, Any]) -> None:
        """A sequenced fact as it arrives."""
        if self.paused or self.last is None:
            self.buffered.append((name, data))
            return
        if int(data["seq"]) <= self.last:
            self.stale += 1  # stale or duplicate
            return
        if first_seq(data) > self.last + 1:
            self._hold_early(name, data)
            return
        self._apply_now(name, data)
        self._apply_early()

    def pause(self) -> None:
        """A (re)join starts: hold every fact until it ends. Facts held ahead of a gap
        are applied after the join, if still newer than what it brings."""
        self.paused = True
        self.buffered.extend(self.early)
        self.early = []
        self._stop_timer()

    def reset(self, seq: int) -> None:
        """The join brought a snapshot taken at ``seq``."""
        self.last = int(seq)

    def replay(self, name: str, data: dict[str, Any]) -> None:
        """The join replayed a missed fact: applied when newer, whatever the gap."""
        if self.last is None or int(data["seq"]) > self.last:
            self._apply_now(name, data)

    def resume(self) -> None:
        """The join is done: what arrived meanwhile goes through :meth:`receive`."""
        self.paused = False
        pending, self.buffered = self.buffered, []
        for name, data in pending:
            self.receive(name, data)

    def discard(self) -> None:
        """The join failed: what arrived meanwhile is dropped (the next join brings it)."""
        self.paused = False
        self.buffered = []

    @property
    def holding(self) -> bool:
        """Facts wait: a gap is open or a join is under way."""
        return bool(self.early) or self.paused


class Store:
    """What a phone shows, fed by the phone (``connection.js``'s ``store``). These
    methods keep nothing: a subclass keeps what its caller measures or checks."""

    def load(self, state: dict[str, Any]) -> None:
        """A snapshot: the whole state at ``state["seq"]``."""

    def apply(self, name: str, data: dict[str, Any]) -> None:
        """One fact, in ``seq`` order (or an unsequenced one, as it comes)."""

    def set_me(self, me: dict[str, Any]) -> None:
        """A replay's ``me``: this participant's own view (identity, ideas, dots)."""

    def presence(self, connected: Any) -> None:
        """How many participants are online (``presence_changed``, a replay's count)."""

    def set_server_time(self, server_time: Any) -> None:
        """The server's clock at the join (ms since the epoch)."""


class Phone:
    """One participant's phone: its cookie, its socket, its :class:`Sequencer` and its
    :class:`Store`. Subclasses hook :meth:`on_arrival` (every event, before the rules)
    and :meth:`on_gone` (a socket of theirs closed)."""

    def __init__(
        self,
        name: str,
        store: Store | None = None,
        *,
        workshop_id: int | None = None,
        ack_timeout: float = ACK_TIMEOUT,
        strict: bool = False,
        reorder_s: float = REORDER_S,
    ) -> None:
        self.name = name
        self.store = store if store is not None else Store()
        self.workshop_id = workshop_id
        self.ack_timeout = ack_timeout
        self.strict = strict  # a replay with a hole raises ReplayHole
        self.cookie: str | None = None
        self.sio: socketio.AsyncClient | None = None
        self.compressed = False  # the socket negotiated permessage-deflate
        self.joining: asyncio.Task[str | None] | None = None
        self._joining_sio: socketio.AsyncClient | None = None
        self._gone = asyncio.Event()
        self.failure: BaseException | None = None  # the first join that raised, if any
        self.joins: Counter[str] = Counter()
        self.sequencer = Sequencer(self._apply, self._on_gap, reorder_s=reorder_s)
        self.reset_counters()

    def reset_counters(self) -> None:
        self.received = 0
        self.resyncs = 0
        self.replay_holes = 0
        self.disconnects = 0
        self.disconnected_at: float | None = None
        self.sequencer.reset_counters()

    @property
    def last(self) -> int | None:
        """The ``seq`` of the last fact applied; ``None`` before the first snapshot."""
        return self.sequencer.last

    @property
    def gaps(self) -> int:
        return self.sequencer.gaps

    @property
    def reordered(self) -> int:
        return self.sequencer.reordered

    @property
    def stale(self) -> int:
        return self.sequencer.stale

    @property
    def in_sync(self) -> bool:
        """No fact waits (no gap open, no join under way)."""
        return not self.sequencer.holding and (self.joining is None or self.joining.done())

    # -- hooks ---------------------------------------------------------------------
    def on_arrival(self, name: str, data: Any) -> None:
        """Every event of the current socket as it arrives, before the client rules."""

    def on_gone(self, sio: socketio.AsyncClient) -> None:
        """A socket of this phone closed (``sio`` may no longer be :attr:`sio`)."""

    # -- HTTP ----------------------------------------------------------------------
    async def join_form(
        self,
        base_url: str,
        code: str,
        workshop_id: int,
        *,
        timeout: float,
        http: aiohttp.ClientSession | None = None,
    ) -> str:
        """Fill in the join form as a browser does; keep (and return) the cookie."""
        self.workshop_id = workshop_id
        if http is not None:
            self.cookie = await forms.join_async(http, base_url, code, workshop_id, self.name)
            return self.cookie
        jar = aiohttp.CookieJar(unsafe=True)  # 127.0.0.1 is an IP address host
        client_timeout = aiohttp.ClientTimeout(total=timeout)
        async with aiohttp.ClientSession(cookie_jar=jar, timeout=client_timeout) as session:
            self.cookie = await forms.join_async(session, base_url, code, workshop_id, self.name)
        return self.cookie

    # -- the socket ----------------------------------------------------------------
    async def open(
        self,
        base_url: str,
        auth: dict[str, Any],
        *,
        cookie: bool = True,
        websocket_only: bool = True,
        compress: bool = False,
        http_session: aiohttp.ClientSession | None = None,
        timeout: float | None = None,
    ) -> socketio.AsyncClient:
        """Open a socket (not joined yet): WebSocket only, or long-polling first and
        then the upgrade, as browsers do; offering permessage-deflate with ``compress``;
        with the participant cookie unless ``cookie=False``."""
        options: dict[str, Any] = {}
        if compress:
            options["websocket_extra_options"] = dict(BROWSER_COMPRESSION)
        if http_session is not None:
            options["http_session"] = http_session
        sio = socketio.AsyncClient(reconnection=False, handle_sigint=False, **options)
        gone = asyncio.Event()
        sio.on("*", lambda name, *args: self._on_event(sio, name, *args))
        sio.on("disconnect", lambda *_reason: self._on_disconnect(sio, gone))
        self.sio, self._gone = sio, gone
        self.workshop_id = auth.get("workshop_id", self.workshop_id)
        headers = {"Cookie": self.cookie} if cookie and self.cookie else {}
        try:
            await sio.connect(
                base_url,
                headers=headers,
                auth=auth,
                transports=["websocket"] if websocket_only else None,
                wait_timeout=timeout or self.ack_timeout,
            )
        except Exception:
            if self.sio is sio:
                self.sio = None
            with contextlib.suppress(Exception):
                await sio.disconnect()
            raise
        # python-engineio's client gives up when it has sent nothing for max(ping
        # interval, ping timeout) + 5 s (30 s): a server ping 5 s late under load drops
        # it. A browser waits ping interval + ping timeout (45 s) for a ping: be as
        # patient as one.
        eio = sio.eio
        eio.ping_timeout = max(eio.ping_timeout, eio.ping_interval + eio.ping_timeout - 5)
        # What the server accepted of the offer: 0 when it declined permessage-deflate.
        self.compressed = bool(getattr(getattr(eio, "ws", None), "compress", 0))
        if not sio.connected:  # gone already
            gone.set()
        return sio

    async def connect(
        self, base_url: str, auth: dict[str, Any], *, timeout: float | None = None, **options: Any
    ) -> str:
        """A new page: no state yet; open a socket and join (a snapshot). The ack's
        mode; :class:`JoinRefused` or :class:`JoinFailed` when it did not join."""
        self.sequencer.clear()
        await self.open(base_url, auth, timeout=timeout, **options)
        return await self._joined_or_raise(timeout)

    async def rejoin(
        self, base_url: str, auth: dict[str, Any], *, timeout: float | None = None, **options: Any
    ) -> str:
        """Reconnect (a new socket) and resynchronise from the last ``seq`` applied:
        the ack's mode (``snapshot`` or ``replay``)."""
        await self.disconnect()
        await self.open(base_url, auth, timeout=timeout, **options)
        return await self._joined_or_raise(timeout)

    async def _joined_or_raise(self, timeout: float | None) -> str:
        mode = await self.resync(retry=False, timeout=timeout)
        if mode is None:
            raise JoinFailed(f"{self.name}: {JOIN} not answered")
        return mode

    async def disconnect(self) -> None:
        sio, self.sio = self.sio, None
        if sio is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sio.disconnect(), timeout=5)

    def kill_transport(self) -> bool:
        """Break the WebSocket the way a lost network does: shut its TCP socket down
        under the client, with no Engine.IO or WebSocket close. False when there is no
        WebSocket to break (not connected, or still on long-polling)."""
        sio = self.sio
        if sio is None or not sio.connected or sio.transport() != "websocket":
            return False
        ws = getattr(sio.eio, "ws", None)
        raw = ws.get_extra_info("socket") if ws is not None else None
        if raw is None:
            return False
        with contextlib.suppress(OSError):
            raw.shutdown(socket.SHUT_RDWR)
        return True

    async def request(
        self,
        event: str,
        data: Any = None,
        *,
        timeout: float | None = None,
        on_sent: Callable[[], object] | None = None,
    ) -> Any:
        """Send one command on the current socket; its ack, or ``None`` when the socket
        went first or the ack did not come within ``timeout`` (the caller cannot tell
        whether the server processed it). ``on_sent`` runs once the command is handed
        to the socket, before its ack can arrive (a test breaks the transport there)."""
        sio, gone = self.sio, self._gone
        if sio is None:
            return None
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def acked(*args: Any) -> None:
            if not future.done():
                future.set_result(args[0] if args else None)

        try:
            await sio.emit(event, data, callback=acked)
        except socketio.exceptions.SocketIOError:
            return None
        if on_sent is not None:
            on_sent()
        waiter = asyncio.ensure_future(gone.wait())
        try:
            await asyncio.wait(
                {future, waiter},
                timeout=timeout or self.ack_timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            waiter.cancel()
        return future.result() if future.done() else None

    # -- facts -----------------------------------------------------------------------
    def _on_event(self, sio: socketio.AsyncClient, name: str, *args: Any) -> None:
        if sio is not self.sio:
            return  # a late message of a dropped socket
        data = args[0] if args else None
        self.received += 1
        self.on_arrival(name, data)
        if not isinstance(data, dict):
            return
        if data.get("workshop_id", self.workshop_id) != self.workshop_id:
            return
        if name == PRESENCE:
            self.store.presence(data.get("connected"))
        elif "seq" not in data:
            self.store.apply(name, data)  # the bench's bare baseline numbers nothing
        else:
            self.sequencer.receive(name, data)

    def _apply(self, name: str, data: dict[str, Any]) -> None:
        self.store.apply(name, data)

    def _on_gap(self) -> None:
        if self.joining is None or self.joining.done():
            self.resyncs += 1
        self.resync()

    def _on_disconnect(self, sio: socketio.AsyncClient, gone: asyncio.Event) -> None:
        gone.set()
        self.disconnects += 1
        if self.disconnected_at is None:
            self.disconnected_at = time.monotonic()
        self.on_gone(sio)

    # -- joining -----------------------------------------------------------------------
    def resync(
        self, *, fresh: bool = False, retry: bool = True, timeout: float | None = None
    ) -> asyncio.Task[str | None]:
        """``join_workshop`` (with ``last_seq`` once there is a state) and apply the
        answer: a task whose result is the ack's mode, or ``None`` when it got no
        answer. One join at a time: while one is under way on this socket it is the
        answer, unless ``fresh`` (then a new one follows it). It raises
        :class:`JoinRefused` when refused (and :class:`ReplayHole`, when ``strict``);
        :attr:`failure` keeps the first such error of a join nobody awaited."""
        previous = self.joining
        if previous is not None and previous.done():
            previous = None
        same_socket = self._joining_sio is self.sio
        if previous is not None and not fresh and same_socket:
            return previous
        if previous is not None and not same_socket:
            previous.cancel()  # its socket is gone
        task = asyncio.get_running_loop().create_task(
            self._join(previous, self.sio, retry, timeout), name=f"{self.name} join"
        )
        self.joining, self._joining_sio = task, self.sio
        task.add_done_callback(self._join_done)
        return task

    def _join_done(self, task: asyncio.Task[str | None]) -> None:
        if task is self.joining:
            self.joining = None
        if not task.cancelled() and task.exception() is not None and self.failure is None:
            self.failure = task.exception()

    async def _join(
        self,
        previous: asyncio.Task[str | None] | None,
        sio: socketio.AsyncClient | None,
        retry: bool,
        timeout: float | None,
    ) -> str | None:
        if previous is not None:
            await asyncio.wait({previous})
        if sio is None or sio is not self.sio:
            return None
        sequencer = self.sequencer
        sequencer.pause()
        payload = {} if sequencer.last is None else {"last_seq": sequencer.last}
        try:
            ack = await self.request(JOIN, payload, timeout=timeout)
            if ack is None:
                sequencer.discard()
                if retry:
                    asyncio.get_running_loop().call_later(RETRY_S, self._retry, sio)
                return None
            if not isinstance(ack, dict) or not ack.get("ok"):
                raise JoinRefused(f"{self.name}: {JOIN} {payload} refused: {ack}")
            mode = self._apply_join(ack["data"])
        except BaseException:
            sequencer.discard()
            raise
        sequencer.resume()
        return mode

    def _retry(self, sio: socketio.AsyncClient) -> None:
        if self.sio is sio and sio.connected:
            self.resync()

    def _apply_join(self, data: dict[str, Any]) -> str:
        """Apply a join's answer (``connection.js``'s ``join``); its mode."""
        self.store.set_server_time(data.get("server_time"))
        if data.get("mode") == "snapshot":
            self.joins["snapshot"] += 1
            self.store.load(data["state"])
            self.sequencer.reset(data["state"]["seq"])
            return "snapshot"
        events = data.get("events") or []
        self.joins["replay+" if events else "replay"] += 1
        for event in events:
            fact, last = event["data"], self.sequencer.last
            if last is not None and int(fact["seq"]) > last + 1:
                self.replay_holes += 1
                if self.strict:
                    raise ReplayHole(f"{self.name}: replay jumps from {last} to {fact['seq']}")
            self.sequencer.replay(event["name"], fact)
        if data.get("me") is not None:
            self.store.set_me(data["me"])
        if "connected" in data:
            self.store.presence(data["connected"])
        return "replay"
