"""Simulated phones, spread over a few client processes.

The parent holds a :class:`Fleet`: it starts ``workers`` processes (``spawn``), each
running one asyncio loop that owns a share of the phones (phone ``i`` lives in worker
``i % workers``), and calls them like a remote object: ``fleet.call("connect", ...)``
sends the command to every worker and gathers the answers, each bounded in time. A
worker's phones stay live between calls (they keep receiving facts).

A :class:`Phone` is the reference phone of :mod:`testkit.phone` (the client rules of
``static/js/sequencer.js`` and ``connection.js``, shared with the durability tests): it
joins like a real one (join form, CSRF token, ``semis_p<id>`` cookie), opens a
python-socketio ``AsyncClient`` over WebSocket with that cookie and sends
``join_workshop``; facts before the snapshot wait for it, stale ones (``seq`` ≤ last)
are dropped, a fact ahead of a gap waits 400 ms for the missing ones before a
``join_workshop`` with ``last_seq``. What it shows is a :class:`TallyStore`: the
``votes_changed`` tallies (absolute per idea; folded facts carry several) and when they
last changed, so a scenario can ask when each phone first showed the database's final
tallies. The phone notes when each ``idea_posted`` first reached it (the fan-out), and
can reconnect after a server restart and resynchronise from its last ``seq``
(:meth:`testkit.phone.Phone.rejoin`). It may offer WebSocket permessage-deflate, as
browsers do (``compress``); by default it does not.

Times are ``time.monotonic()`` (CLOCK_MONOTONIC: one clock for every process of the
machine), so the parent compares timestamps taken in different workers.

Adding a scenario usually means adding an ``rpc_*`` coroutine to :class:`PhoneWorker`.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import random
import signal
import time
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from testkit import phone as reference

from .harness import BenchError

VOTES_CHANGED = "votes_changed"
# Facts whose payload carries a whole vote state {"phase_id", "tallies"?} under "votes".
VOTE_STATE_FACTS = ("votes_revealed", "results_frozen")
IDEA_POSTED = "idea_posted"
ACK_TIMEOUT = 30.0  # a join unanswered this long failed (the load makes acks slow)


class TallyStore(reference.Store):
    """What a phone shows of the votes: the tallies per vote step, when each last
    changed, and when they first equalled a target (:meth:`aim`)."""

    def __init__(self) -> None:
        self.tallies: dict[str, dict[str, int]] = {}
        self.changed_at: dict[str, float] = {}
        self.target_phase: str | None = None
        self.target: dict[str, int] | None = None
        self.converged_at: float | None = None
        self.converged = asyncio.Event()

    def clear(self) -> None:
        self.tallies = {}
        self.changed_at = {}

    def load(self, state: dict[str, Any]) -> None:
        for phase_id, vote in (state.get("votes") or {}).items():
            if isinstance(vote, dict) and "tallies" in vote:
                self.set_tallies(str(phase_id), vote["tallies"], replace=True)

    def apply(self, name: str, data: dict[str, Any]) -> None:
        if name == VOTES_CHANGED and "tallies" in data:
            self.set_tallies(str(data.get("phase_id")), data["tallies"], replace=False)
        elif name in VOTE_STATE_FACTS:
            votes = data.get("votes") or {}
            if "tallies" in votes:
                self.set_tallies(str(votes.get("phase_id")), votes["tallies"], replace=True)

    def set_tallies(self, phase_id: str, tallies: dict[str, int], *, replace: bool) -> None:
        current = self.tallies.setdefault(phase_id, {})
        changed = False
        if replace:
            wanted = {str(k): int(v) for k, v in tallies.items() if int(v) > 0}
            if wanted != current:
                current.clear()
                current.update(wanted)
                changed = True
        else:
            for key, value in tallies.items():
                key, value = str(key), int(value)
                if value <= 0:
                    changed |= current.pop(key, None) is not None
                elif current.get(key) != value:
                    current[key] = value
                    changed = True
        if changed:
            now = time.monotonic()
            self.changed_at[phase_id] = now
            self.check(now)

    def check(self, now: float) -> None:
        if (
            self.target is not None
            and self.converged_at is None
            and self.tallies.get(self.target_phase or "", {}) == self.target
        ):
            self.converged_at = now
            self.converged.set()

    def aim(self, phase_id: str, target: dict[str, int]) -> None:
        """Note when the tallies of ``phase_id`` first equal ``target`` (now, if they do)."""
        self.target_phase, self.target = phase_id, target
        self.converged_at = None
        self.converged.clear()
        if self.tallies.get(phase_id, {}) == target:
            self.converged_at = self.changed_at.get(phase_id, time.monotonic())
            self.converged.set()


class Phone(reference.Phone):
    """One participant's phone (the reference phone), with the tallies it shows and
    when each new idea reached it."""

    store: TallyStore

    def __init__(self, index: int) -> None:
        super().__init__(f"Téléphone {index + 1}", TallyStore(), ack_timeout=ACK_TIMEOUT)
        self.index = index
        self.ideas_seen: dict[int, float] = {}  # idea id -> when its idea_posted arrived

    def on_arrival(self, name: str, data: Any) -> None:
        """When an idea's ``idea_posted`` first reached this phone (on arrival, before the
        client rules: the fan-out is about delivery)."""
        if name != IDEA_POSTED or not isinstance(data, dict):
            return
        idea = data.get("idea")
        if isinstance(idea, dict) and isinstance(idea.get("id"), int):
            if data.get("workshop_id", self.workshop_id) == self.workshop_id:
                self.ideas_seen.setdefault(idea["id"], time.monotonic())

    async def connect(
        self, base_url: str, auth: dict[str, Any], *, timeout: float | None = None, **options: Any
    ) -> str:
        self.store.clear()
        return await super().connect(base_url, auth, timeout=timeout, **options)


@dataclass
class Command:
    """One command a phone sends during a storm, with what became of it."""

    phone: int
    event: str
    scheduled_at: float
    sent_at: float | None = None
    acked_at: float | None = None
    ok: bool | None = None
    error: str | None = None

    def as_tuple(self) -> tuple[Any, ...]:
        return (self.phone, self.event, self.scheduled_at, self.sent_at, self.acked_at, self.ok)


class PhoneWorker:
    """The phones of one client process, driven by the parent through ``rpc_*`` calls."""

    def __init__(self, conn: Connection, index: int) -> None:
        self.conn = conn
        self.index = index
        self.phones: dict[int, Phone] = {}

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                method, kwargs = await loop.run_in_executor(None, self.conn.recv)
            except (EOFError, OSError):  # the parent is gone
                method, kwargs = "close", {}
            if method == "close":
                await self.rpc_disconnect()
                try:
                    self.conn.send(("ok", None))
                except (BrokenPipeError, OSError):
                    pass
                return
            try:
                reply = ("ok", await getattr(self, f"rpc_{method}")(**kwargs))
            except Exception:  # noqa: BLE001 - sent to the parent, which decides
                reply = ("error", traceback.format_exc())
            self.conn.send(reply)

    async def _each(
        self, coro: Any, phones: Sequence[Phone], concurrency: int
    ) -> list[tuple[int, str]]:
        """Run ``coro(phone)`` for every phone, ``concurrency`` at a time; the failures."""
        gate = asyncio.Semaphore(concurrency)
        failures: list[tuple[int, str]] = []

        async def one(phone: Phone) -> None:
            async with gate:
                try:
                    await coro(phone)
                except Exception as error:  # noqa: BLE001 - counted and reported
                    failures.append((phone.index, f"{type(error).__name__}: {error}"))

        await asyncio.gather(*(one(phone) for phone in phones))
        return failures

    async def rpc_create(self, indices: Sequence[int]) -> int:
        for index in indices:
            self.phones.setdefault(index, Phone(index))
        return len(self.phones)

    async def rpc_join_http(
        self, base_url: str, code: str, workshop_id: int, concurrency: int, request_timeout: float
    ) -> dict[str, Any]:
        started = time.monotonic()

        async def join(phone: Phone) -> None:
            await phone.join_form(base_url, code, workshop_id, timeout=request_timeout)

        failures = await self._each(join, list(self.phones.values()), concurrency)
        return {"failures": failures, "seconds": time.monotonic() - started}

    async def rpc_connect(
        self,
        base_url: str,
        auth: dict[str, Any],
        use_cookie: bool,
        concurrency: int,
        request_timeout: float,
        compress: bool = False,
    ) -> dict[str, Any]:
        started = time.monotonic()

        async def connect(phone: Phone) -> None:
            await phone.connect(
                base_url, auth, cookie=use_cookie, timeout=request_timeout, compress=compress
            )

        failures = await self._each(connect, list(self.phones.values()), concurrency)
        return {"failures": failures, "seconds": time.monotonic() - started}

    async def rpc_client_log(self) -> dict[str, int]:
        """What the client libraries logged since the last call (then forgotten)."""
        counts, CLIENT_LOG.counts = CLIENT_LOG.counts, {}
        return counts

    async def rpc_disconnect(self) -> None:
        await asyncio.gather(*(phone.disconnect() for phone in self.phones.values()))

    async def rpc_calls(
        self, calls: Sequence[tuple[int, str, Any]], request_timeout: float
    ) -> list[tuple[int, Any]]:
        """Each ``(phone, event, data)`` as a call, one after the other: the acks."""
        acks = []
        for index, event, data in calls:
            sio = self.phones[index].sio
            if sio is None:
                raise BenchError(f"phone {index} is not connected")
            acks.append((index, await sio.call(event, data, timeout=request_timeout)))
        return acks

    async def rpc_storm(
        self,
        plan: dict[int, Sequence[tuple[float, str, Any]]],
        start_at: float,
        ack_timeout: float,
    ) -> list[tuple[Any, ...]]:
        """Each phone sends its ``(offset_s, event, data)`` commands at ``start_at`` +
        offset (monotonic), without waiting for acks in between; waits for every ack up
        to ``ack_timeout`` after the last send. One tuple per command: ``(phone, event,
        scheduled_at, sent_at, acked_at, ok)``."""
        for phone in self.phones.values():
            phone.reset_counters()
        commands: list[Command] = []
        outstanding = 0
        all_acked = asyncio.Event()

        def acked(command: Command, *data: Any) -> None:
            nonlocal outstanding
            command.acked_at = time.monotonic()
            ack = data[0] if data else None
            command.ok = isinstance(ack, dict) and ack.get("ok") is True
            if not command.ok:
                command.error = str(ack)
            outstanding -= 1
            if outstanding == 0:
                all_acked.set()

        async def run(phone: Phone, items: Sequence[tuple[float, str, Any]]) -> None:
            nonlocal outstanding
            for offset, event, data in items:
                command = Command(phone.index, event, start_at + offset)
                commands.append(command)
                delay = command.scheduled_at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                if phone.sio is None or not phone.sio.connected:
                    command.ok, command.error = False, "not connected"
                    continue
                outstanding += 1
                command.sent_at = time.monotonic()
                try:
                    await phone.sio.emit(event, data, callback=lambda *a, c=command: acked(c, *a))
                except Exception as error:  # noqa: BLE001 - recorded, reported
                    outstanding -= 1
                    command.ok, command.error = False, f"{type(error).__name__}: {error}"

        await asyncio.gather(*(run(self.phones[i], items) for i, items in plan.items()))
        if outstanding > 0:
            all_acked.clear()  # it may have been set while other phones still had to send
            try:
                await asyncio.wait_for(all_acked.wait(), timeout=ack_timeout)
            except TimeoutError:
                pass
        return [command.as_tuple() for command in commands]

    async def rpc_fanout(
        self,
        plan: Sequence[tuple[float, int, dict[str, Any]]],
        start_at: float,
        settle_s: float,
        request_timeout: float,
    ) -> dict[str, Any]:
        """The fan-out of ``plan``: each ``(offset_s, phone, idea)`` is posted (``post_idea``)
        by that phone at ``start_at`` + offset, if it lives here; every phone here notes
        when each new idea reached it. Returns once every phone here has seen as many new
        ideas as the plan posts, or ``settle_s`` after the last post: the posts
        ``(phone, sent_at, acked_at, ok, idea_id, error)`` and, per phone, ``{idea id:
        arrival}`` for the ideas that arrived during the call."""
        for phone in self.phones.values():
            phone.ideas_seen.clear()
        sends: list[list[Any]] = []

        async def post(offset: float, phone: Phone, idea: dict[str, Any]) -> None:
            record: list[Any] = [phone.index, None, None, False, None, None]
            sends.append(record)
            delay = start_at + offset - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if phone.sio is None or not phone.sio.connected:
                record[5] = "not connected"
                return
            record[1] = time.monotonic()
            try:
                ack = await phone.sio.call("post_idea", idea, timeout=request_timeout)
            except Exception as error:  # noqa: BLE001 - recorded, reported
                record[5] = f"{type(error).__name__}: {error}"
                return
            record[2] = time.monotonic()
            record[3] = isinstance(ack, dict) and ack.get("ok") is True
            if record[3]:
                record[4] = int(ack["data"]["idea"]["id"])
            else:
                record[5] = str(ack)[:200]

        mine = [(o, self.phones[i], idea) for o, i, idea in plan if i in self.phones]
        posting = asyncio.gather(*(post(o, phone, idea) for o, phone, idea in mine))
        deadline = start_at + max((o for o, _i, _idea in plan), default=0.0) + settle_s
        while time.monotonic() < deadline:
            if all(len(p.ideas_seen) >= len(plan) for p in self.phones.values()):
                break
            await asyncio.sleep(0.05)
        await posting
        return {
            "sends": [tuple(record) for record in sends],
            "arrivals": {p.index: dict(p.ideas_seen) for p in self.phones.values()},
        }

    async def rpc_reconnect(
        self,
        base_url: str,
        auth: dict[str, Any],
        use_cookie: bool,
        compress: bool,
        concurrency: int,
        deadline_s: float,
        request_timeout: float,
    ) -> list[dict[str, Any]]:
        """Every phone here reconnects at once (at most ``concurrency`` handshakes in
        flight) and resynchronises with its last ``seq`` (:meth:`Phone.rejoin`); a failed
        attempt is retried after 0.5-1.5 s, as a browser's Socket.IO client does, until
        ``deadline_s`` from now. Per phone: when it was resynchronised (``None``: never),
        its attempts, the ack's mode, its last error and its ``seq``."""
        gate = asyncio.Semaphore(concurrency)
        deadline = time.monotonic() + deadline_s
        rng = random.Random(self.index)

        async def one(phone: Phone) -> dict[str, Any]:
            result: dict[str, Any] = {"phone": phone.index, "resynced_at": None, "attempts": 0}
            result |= {"mode": None, "error": None}
            while time.monotonic() < deadline:
                result["attempts"] += 1
                try:
                    async with gate:
                        timeout = max(1.0, min(request_timeout, deadline - time.monotonic()))
                        result["mode"] = await asyncio.wait_for(
                            phone.rejoin(
                                base_url,
                                auth,
                                cookie=use_cookie,
                                timeout=timeout,
                                compress=compress,
                            ),
                            timeout=timeout + 5,
                        )
                    result["resynced_at"] = time.monotonic()
                    break
                except Exception as error:  # noqa: BLE001 - retried, then reported
                    result["error"] = f"{type(error).__name__}: {error}"[:200]
                    await asyncio.sleep(rng.uniform(0.5, 1.5))
            result["last"] = phone.last
            return result

        return list(await asyncio.gather(*(one(phone) for phone in self.phones.values())))

    async def rpc_status(self) -> list[dict[str, Any]]:
        """Per phone: its last ``seq``, whether its socket is connected, whether it
        negotiated permessage-deflate, and its gaps and resyncs (since its counters were
        last reset)."""
        return [
            {
                "phone": p.index,
                "last": p.last,
                "connected": bool(p.sio and p.sio.connected),
                "compressed": p.compressed,
                "gaps": p.gaps,
                "reordered": p.reordered,
                "resyncs": p.resyncs,
            }
            for p in self.phones.values()
        ]

    async def rpc_await_tallies(
        self, phase_id: str, final: dict[str, int], wait_s: float
    ) -> list[dict[str, Any]]:
        """Wait (up to ``wait_s`` seconds) until every phone shows ``final`` for ``phase_id``.
        Per phone: when its tallies first equalled ``final`` (``None``: never), and its
        counters since the storm began."""
        target = {str(k): int(v) for k, v in final.items() if int(v) > 0}
        for phone in self.phones.values():
            phone.store.aim(phase_id, target)
        waits = [phone.store.converged.wait() for phone in self.phones.values()]
        try:
            await asyncio.wait_for(asyncio.gather(*waits), timeout=wait_s)
        except TimeoutError:
            pass
        results = []
        for phone in self.phones.values():
            mine = phone.store.tallies.get(phase_id, {})
            results.append(
                {
                    "phone": phone.index,
                    "converged_at": phone.store.converged_at,
                    "received": phone.received,
                    "gaps": phone.gaps,
                    "stale": phone.stale,
                    "resyncs": phone.resyncs,
                    "disconnects": phone.disconnects,
                    "disconnected_at": phone.disconnected_at,
                    "votes_shown": sum(mine.values()),
                    "items_wrong": sum(
                        1 for k in set(mine) | set(target) if mine.get(k) != target.get(k)
                    ),
                }
            )
            phone.store.target = None
        return results


class LogCounter(logging.Handler):
    """Counts what python-socketio and python-engineio log in a client process (e.g.
    "packet queue is empty, aborting": no ping from the server for 30 s) instead of
    printing it once per phone."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()[:120]
        self.counts[message] = self.counts.get(message, 0) + 1


CLIENT_LOG = LogCounter()


def worker_main(conn: Connection, index: int) -> None:
    """A client process: its phones answer the parent until told to close (or orphaned)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    for name in ("engineio.client", "socketio.client"):
        logger = logging.getLogger(name)
        logger.addHandler(CLIENT_LOG)
        logger.setLevel(logging.WARNING)
        logger.propagate = False
    asyncio.run(PhoneWorker(conn, index).serve())


class Fleet:
    """The client processes, started at once; :meth:`close` stops them (always call it)."""

    def __init__(self, workers: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.conns: list[Connection] = []
        self.processes: list[multiprocessing.process.BaseProcess] = []
        self.busy = False  # a call is under way: the workers will not read "close" soon
        try:
            for index in range(workers):
                parent, child = context.Pipe()
                process = context.Process(
                    target=worker_main, args=(child, index), name=f"phones-{index}", daemon=True
                )
                process.start()
                child.close()
                self.conns.append(parent)
                self.processes.append(process)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Fleet:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def size(self) -> int:
        return len(self.conns)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.pid is not None]

    def worker_of(self, phone: int) -> int:
        return phone % self.size

    def shard(self, count: int) -> list[list[int]]:
        """Phone indices ``0..count-1`` by worker."""
        return [list(range(w, count, self.size)) for w in range(self.size)]

    def split(self, items: dict[int, Any]) -> list[dict[int, Any]]:
        """A per-phone mapping as one mapping per worker."""
        parts: list[dict[int, Any]] = [{} for _ in range(self.size)]
        for phone, value in items.items():
            parts[self.worker_of(phone)][phone] = value
        return parts

    def call(
        self,
        method: str,
        per_worker: Sequence[dict[str, Any]] | None = None,
        *,
        timeout: float,
        **common: Any,
    ) -> list[Any]:
        """``rpc_<method>`` on every worker with ``common`` plus its own ``per_worker``
        arguments; the answers in worker order. A failure or a silence past ``timeout``
        seconds breaks the run."""
        self.busy = True
        for index, conn in enumerate(self.conns):
            conn.send((method, {**common, **(per_worker[index] if per_worker else {})}))
        results: list[Any] = [None] * self.size
        pending = dict(enumerate(self.conns))
        errors: list[str] = []
        deadline = time.monotonic() + timeout
        while pending:
            ready = wait(list(pending.values()), timeout=max(0.0, deadline - time.monotonic()))
            if not ready:
                raise BenchError(
                    f"phones: {method} not answered within {timeout:.0f} s "
                    f"by worker(s) {sorted(pending)}"
                )
            for index, conn in list(pending.items()):
                if conn in ready:
                    del pending[index]
                    try:
                        status, value = conn.recv()
                    except EOFError:
                        errors.append(f"worker {index} died")
                        continue
                    if status == "ok":
                        results[index] = value
                    else:
                        errors.append(f"worker {index}:\n{value}")
        self.busy = False
        if errors:
            raise BenchError(f"phones: {method} failed:\n" + "\n".join(errors))
        return results

    def close(self) -> None:
        for conn in self.conns:
            try:
                conn.send(("close", {}))
            except (BrokenPipeError, OSError):
                pass
        patience = 1.0 if self.busy else 10.0  # interrupted mid-call: no clean goodbye
        for process in self.processes:
            process.join(timeout=patience)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
        for conn in self.conns:
            conn.close()
        self.conns, self.processes = [], []


def flatten(parts: Sequence[Sequence[Any]]) -> Iterator[Any]:
    for part in parts:
        yield from part
