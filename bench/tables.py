"""The défi tables of a Start-up de Territoire evening at scale (issue #13): seating by
the tables' QR codes, the bytes a phone receives, a contribution's delivery to its
table only, and the plenary screen's roll-up.

Semis (``run.py``, eventlet, SQLite) on a « Soirée défis » prepared through the
services in a child process (:func:`prepare`, the demo's :func:`~workshop.services.demo.
prepare_evening`): ``--tables-ideas`` ideas of the Paris participatory budget (the
demo's file, else the tests' copy of its first 1,000) imported and grouped by the
engine into ``--tables-count`` défis, a table per défi with seats for every phone, the
workshop open on its tables step. Then:

1. **Bytes to one phone.** A phone scans table 1's QR code as a browser does: the join
   form page, its POST (302), the phone page and every file it loads (the stylesheet,
   each ES module it imports, recursively), then its WebSocket: Engine.IO's open
   packet, the namespace connection and ``join_workshop`` (the snapshot, its table's
   included). Every byte of the answers is counted (headers and bodies
   as sent: ``run.py`` gzips static files, not pages; the gzip size of what came
   uncompressed is noted apart, what a proxy compressing everything would send).
2. **Seating.** ``--phones`` phones, phone *i* at table *i* mod the tables: each opens
   its table's seat link (``/j/<code>/t/<token>``), fills in the join form, opens its
   socket and sends ``join_workshop``, whose snapshot holds its table (``join_table``
   only if it were answered with a replay, as ``static/js/phone/table.js``).
   ``seating_s`` runs from the first request to the last phone holding its table's
   snapshot; ``errors`` counts the phones that did not get there. Then the facilitator
   makes one phone per table its host.
3. **A contribution at one table.** One contribution at each table in turn,
   ``--tables-interval`` s apart, each by a phone seated there; every phone notes when
   each ``contribution_posted`` reaches it. Delivery latency (to every phone of that
   table, its host included) = arrival - the moment the author sent
   ``post_contribution``; ``leaks`` counts deliveries to phones of *other* tables (must
   be 0: a table's facts go to its room only).
4. **The roll-up.** A screen (screen key) follows ``tables_summary``: for each
   contribution, the time until a roll-up shows its table's new count.

5. **The bare frameworks' seating.** Semis stopped, the same phones seat themselves
   the same way on :mod:`bench.bare_server` (Flask, python-socketio and eventlet with
   no database, no template, no signing): a form page and a table snapshot as large
   as Semis's, a cookie, a table's room. ``seating.bare_total_s`` and ``ratio`` say how
   much of the seating is the frameworks' own cost.

The table stream itself has no counterpart in the bare server (the fan-out scenario
compares a room-wide delivery with it).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import math
import multiprocessing
import re
import signal
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
import socketio

from testkit import forms

from .harness import (
    BenchError,
    ResourceSampler,
    Row,
    ScenarioResult,
    log,
    percentile,
    ratio,
    rounded,
)
from .phones import CLIENT_LOG, Fleet, Phone, PhoneWorker, TallyStore, flatten
from .servers import FACILITATOR_EMAIL, ROOT, AppServer, Facilitator, ServerProcess, Servers
from .steps import REQUEST_TIMEOUT

KEYS = ("tables",)
# The goals of issue #13 for this scenario.
SEATING_GOAL_S = 5.0
BYTES_GOAL_KB = 150.0
DELIVERY_GOAL_MS = 50.0
ROLLUP_GOAL_S = 1.0
CAPACITY_MAX = 50
PROFILES = ("citizen", "association", "business", "elected", "project_holder", "other")
CONTRIBUTION_POSTED = "contribution_posted"
TABLES_SUMMARY = "tables_summary"
START_DELAY_S = 1.0
PROMOTIONS_PER_SECOND = 15
IDEAS_FILES = (
    ROOT.parent / "shared" / "datasets" / "ideas" / "paris_bp_laureats_fr.csv",
    ROOT / "tests" / "data" / "duplicates" / "paris_bp_1000.csv",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("défi tables")
    group.add_argument("--tables-count", type=int, default=30, help="défis and tables")
    group.add_argument("--tables-ideas", type=int, default=1000, help="ideas imported")
    group.add_argument(
        "--tables-interval", type=float, default=0.5, help="seconds between two contributions"
    )
    group.add_argument(
        "--tables-settle",
        type=float,
        default=15.0,
        help="seconds to wait, after the last contribution, for every delivery",
    )
    group.add_argument(
        "--tables-concurrency",
        type=int,
        default=16,
        help="phones seating themselves at once per client process",
    )


# -- preparing the evening (in a child process, through the services) ------------------


def capacity_for(phones: int, tables: int) -> int:
    """Seats per table for every phone (and the one that measures the bytes), at most
    :data:`CAPACITY_MAX`."""
    return max(2, min(CAPACITY_MAX, math.ceil((phones + 1) / tables) + 1))


def ideas_file() -> Path:
    for path in IDEAS_FILES:
        if path.exists():
            return path
    raise BenchError(f"no file of ideas: {', '.join(str(p) for p in IDEAS_FILES)}")


def prepare(ideas: int, tables: int, capacity: int, path: Path) -> dict[str, Any]:
    """Prepare the evening in the instance of this process's environment (run by
    ``python -m bench.tables prepare``): the workshop, open on its tables step, and
    each table's seat link."""
    from workshop import create_app
    from workshop.phases import PhaseKind
    from workshop.schemas import PhaseTarget
    from workshop.services import accounts, agenda, demo
    from workshop.views.tables import SEAT, table_token

    app = create_app()
    with app.app_context():
        facilitator = accounts.get_by_email(FACILITATOR_EMAIL)
        if facilitator is None:
            raise SystemExit(f"no facilitator {FACILITATOR_EMAIL}")
        size = demo.EveningSize(ideas=ideas, challenges=tables, people=0, capacity=capacity)
        prepared = demo.prepare_evening(facilitator, path.read_bytes(), size)
        workshop = prepared.workshop
        agenda.open_workshop(workshop.id, facilitator)
        step = next(p for p in workshop.phases if p.kind == PhaseKind.TABLES)
        agenda.advance_phase(workshop.id, facilitator, PhaseTarget(phase_id=step.id))
        return {
            "id": workshop.id,
            "code": workshop.code,
            "screen_key": workshop.screen_key,
            "ideas": prepared.ideas,
            "challenges": len(prepared.challenges),
            "tables": [
                {
                    "id": table.id,
                    "number": table.number,
                    "link": f"/j/{workshop.code}/t/{table_token(workshop, table.id, SEAT)}",
                }
                for table in prepared.tables
            ],
        }


def prepare_in_child(app: AppServer, args: argparse.Namespace, capacity: int) -> dict[str, Any]:
    path = ideas_file()
    command = [sys.executable, "-m", "bench.tables", "prepare", str(args.tables_ideas)]
    command += [str(args.tables_count), str(capacity), str(path)]
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        command, cwd=ROOT, env=app.env(), capture_output=True, timeout=600, check=False
    )
    if result.returncode != 0:
        raise BenchError(f"preparing the evening failed:\n{result.stderr.decode()[-3000:]}")
    prepared: dict[str, Any] = json.loads(result.stdout.decode().strip().splitlines()[-1])
    prepared["ideas_file"] = path.name
    return prepared


# -- the bytes one phone receives ----------------------------------------------------

_IMPORTS = re.compile(
    r"""(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+\.(?:js|mjs))["']""", re.MULTILINE
)
_CSS_URLS = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)|@import\s+["']([^"']+)["']""")


class _Assets(HTMLParser):
    """The files a page makes a browser load: stylesheets, scripts, preloads, icons."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.urls.append(str(values["src"]))
        elif tag == "link" and values.get("href"):
            rel = (values.get("rel") or "").lower()
            if any(r in rel for r in ("stylesheet", "modulepreload", "icon", "manifest")):
                self.urls.append(str(values["href"]))
        elif tag == "img" and values.get("src"):
            self.urls.append(str(values["src"]))


def page_assets(html: str) -> list[str]:
    parser = _Assets()
    parser.feed(html)
    return parser.urls


def imported(url: str, body: bytes) -> list[str]:
    """The files a script (its ES module imports) or a stylesheet loads, as absolute
    URLs."""
    text = body.decode("utf-8", "replace")
    path = urlsplit(url).path
    if path.endswith(".css"):
        found = [a or b for a, b in _CSS_URLS.findall(text)]
        found = [f for f in found if not f.startswith("data:")]
    elif path.endswith((".js", ".mjs")):
        found = _IMPORTS.findall(text)
    else:
        found = []
    return [urljoin(url, f) for f in found]


def decoded(body: bytes, encoding: str) -> bytes:
    """A body as the browser reads it: sent gzipped (``Content-Encoding``), unpacked."""
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding not in ("", "identity"):
        raise BenchError(f"a body sent as {encoding!r}, which the bench cannot read")
    return body


def _headers_size(response: aiohttp.ClientResponse) -> int:
    status_line = 15 + len(response.reason or "")
    return status_line + sum(len(k) + len(v) + 4 for k, v in response.raw_headers) + 2


async def measure_bytes(base_url: str, link: str, workshop_id: int) -> dict[str, Any]:
    """Scan a table's QR code as a browser does and count every byte it receives."""
    got: list[dict[str, Any]] = []
    jar = aiohttp.CookieJar(unsafe=True)
    headers = {"Accept-Encoding": "gzip, deflate, br", "User-Agent": "Mozilla/5.0 (bench)"}
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(
        cookie_jar=jar, timeout=timeout, auto_decompress=False, headers=headers
    ) as http:

        async def fetch(what: str, method: str, url: str, **kwargs: Any) -> tuple[int, bytes, Any]:
            async with http.request(method, url, allow_redirects=False, **kwargs) as response:
                body = await response.read()
                encoding = response.headers.get("Content-Encoding", "")
                got.append(
                    {
                        "what": what,
                        "url": urlsplit(url).path,
                        "status": response.status,
                        "headers": _headers_size(response),
                        "body": len(body),
                        "gzip": len(body) if encoding else len(gzip.compress(body, 6)),
                    }
                )
                # Counted as sent, read as the browser does (its imports, its token).
                return response.status, decoded(body, encoding), response.headers

        url = base_url + link
        status, body, _h = await fetch("join form page", "GET", url)
        if status != 200:
            raise BenchError(f"GET {link} answered {status}")
        form = {
            "csrf_token": forms.csrf_token(body.decode(), url),
            "display_name": "Téléphone mesuré",
            "profile": "citizen",
        }
        status, _body, answer = await fetch("join form POST (302)", "POST", url, data=form)
        if status != 302:
            raise BenchError(f"POST {link} answered {status}")
        page_url = urljoin(url, answer["Location"])
        status, page, _h = await fetch("phone page", "GET", page_url)
        if status != 200:
            raise BenchError(f"GET {page_url} answered {status}")
        seen: set[str] = set()
        queue = [urljoin(page_url, a) for a in page_assets(page.decode())]
        while queue:
            asset = queue.pop(0)
            if asset in seen or urlsplit(asset).netloc != urlsplit(base_url).netloc:
                continue
            seen.add(asset)
            status, body, _h = await fetch("asset", "GET", asset)
            if status == 200:
                queue.extend(imported(asset, body))
        cookie = "; ".join(f"{c.key}={c.value}" for c in jar)
        socket = await _socket_bytes(http, base_url, cookie, workshop_id)
    pages = [g for g in got if g["what"] != "asset"]
    assets = [g for g in got if g["what"] == "asset"]

    def kb(items: Sequence[dict[str, Any]], key: str = "all") -> float | None:
        total = sum((i["headers"] + i["body"]) if key == "all" else i[key] for i in items)
        return rounded(total / 1024)

    http_total = sum(g["headers"] + g["body"] for g in got)
    total = http_total + socket["total"]
    gzip_total = sum(g["headers"] + g["gzip"] for g in got) + socket["total"]
    return {
        "total_kb": rounded(total / 1024),
        "pages_kb": kb(pages),
        "assets_kb": kb(assets),
        "assets_count": len(assets),
        "socket_kb": rounded(socket["total"] / 1024),
        "snapshot_kb": rounded(socket["join_workshop"] / 1024),
        "table_snapshot_kb": rounded(socket["table_in_snapshot"] / 1024),
        "total_gzip_kb": rounded(gzip_total / 1024),
        "breakdown": [
            {
                "what": g["what"],
                "url": g["url"],
                "status": g["status"],
                "bytes": g["headers"] + g["body"],
                "gzip_bytes": g["headers"] + g["gzip"],
            }
            for g in got
        ]
        + [{"what": "socket", "url": "/socket.io/", **socket}],
    }


async def _socket_bytes(
    http: aiohttp.ClientSession, base_url: str, cookie: str, workshop_id: int
) -> dict[str, int]:
    """The phone's WebSocket, spoken by hand (Engine.IO 4, Socket.IO 5) so that every
    frame it receives is counted: the open packet, the namespace connection, the
    answer of ``join_workshop`` (whose snapshot holds the phone's table: it sends no
    ``join_table``), and whatever else arrives meanwhile. ``table_in_snapshot``: the
    table's part of that answer (counted in it, not besides)."""
    url = base_url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
    counts = {"open": 0, "connect": 0, "join_workshop": 0, "other": 0}
    async with http.ws_connect(url, headers={"Cookie": cookie}, compress=0) as ws:

        async def receive() -> str:
            message = await ws.receive(timeout=REQUEST_TIMEOUT)
            if message.type != aiohttp.WSMsgType.TEXT:
                raise BenchError(f"the socket answered {message.type}: {message.data}")
            return str(message.data)

        async def until(prefix: str, key: str) -> str:
            while True:
                frame = await receive()
                size = len(frame.encode())
                if frame == "2":  # a ping: answer it, as a browser does
                    counts["other"] += size
                    await ws.send_str("3")
                elif frame.startswith(prefix):
                    counts[key] += size
                    return frame
                else:
                    counts["other"] += size

        await until("0", "open")
        await ws.send_str("40" + json.dumps({"workshop_id": workshop_id, "role": "participant"}))
        await until("40", "connect")
        await ws.send_str("420" + json.dumps(["join_workshop", {}]))
        ack = json.loads((await until("430", "join_workshop"))[3:])[0]
        if not ack.get("ok"):
            raise BenchError(f"join_workshop refused: {ack}")
        table = ack["data"]["state"].get("table")
        if table is None:  # a snapshot holds the phone's table: phone/table.js
            raise BenchError("the phone's snapshot holds no table")
        # Its table's part of the snapshot (the phone sends no join_table).
        counts_table = len(json.dumps(table, ensure_ascii=False, separators=(",", ":")).encode())
    counts["total"] = sum(counts.values())
    counts["table_in_snapshot"] = counts_table
    return counts


# -- the phones -------------------------------------------------------------------------


class TableStore(TallyStore):
    """What the measuring phones keep of their snapshot: who they are."""

    def __init__(self) -> None:
        super().__init__()
        self.me: dict[str, Any] = {}
        self.table: dict[str, Any] | None = None

    def load(self, state: dict[str, Any]) -> None:
        super().load(state)
        self.me = dict(state.get("me") or {})
        self.table = state.get("table")


class TablePhone(Phone):
    """A phone at a table: notes when each contribution reaches it, and of which table."""

    store: TableStore

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.store = TableStore()
        self.table_id: int | None = None
        self.contributions_seen: dict[int, tuple[float, int]] = {}  # id -> (arrival, table)

    def on_arrival(self, name: str, data: Any) -> None:
        super().on_arrival(name, data)
        if name == CONTRIBUTION_POSTED and isinstance(data, dict):
            contribution = data.get("contribution") or {}
            if isinstance(contribution.get("id"), int):
                self.contributions_seen.setdefault(
                    contribution["id"], (time.monotonic(), int(data.get("table_id") or 0))
                )
        elif name == "table_changed" and self.sio is not None:
            asyncio.get_running_loop().create_task(self.request("join_table", {}))

    async def seat_by_link(self, base_url: str, link: str, profile: str, timeout: float) -> None:
        """Open the table's seat link and fill in its join form, as a browser does."""
        url = base_url + link
        jar = aiohttp.CookieJar(unsafe=True)
        client_timeout = aiohttp.ClientTimeout(total=timeout)
        async with aiohttp.ClientSession(cookie_jar=jar, timeout=client_timeout) as http:
            token = await forms.page_token_async(http, url)
            form = {"csrf_token": token, "display_name": self.name, "profile": profile}
            async with http.post(url, data=form, allow_redirects=False) as response:
                text = await response.text()
                if response.status != 302:
                    raise forms.FormError(f"POST {link} answered {response.status}: {text[:300]}")
                cookie = forms.participant_cookie_name(int(self.workshop_id or 0))
                morsel = response.cookies.get(cookie)
                if morsel is None:
                    raise forms.FormError(f"POST {link} set no {cookie} cookie")
                self.cookie = f"{cookie}={morsel.value}"


class TablePhoneWorker(PhoneWorker):
    """The phones of one client process, at their tables (and, in the first process,
    the plenary screen)."""

    def __init__(self, conn: Any, index: int) -> None:
        super().__init__(conn, index)
        self.screen: socketio.AsyncClient | None = None
        self.summaries: list[tuple[float, dict[int, int]]] = []

    async def rpc_create(self, indices: Sequence[int]) -> int:
        for index in indices:
            self.phones.setdefault(index, TablePhone(index))
        return len(self.phones)

    async def rpc_seat(
        self,
        base_url: str,
        links: dict[int, str],
        workshop_id: int,
        concurrency: int,
        request_timeout: float,
    ) -> dict[str, Any]:
        """Each phone here opens its table's seat link, joins, connects and asks for its
        table; when each was seated (HTTP) and held its table's snapshot."""
        seated_http: dict[int, float] = {}
        seated: dict[int, float] = {}
        auth = {"workshop_id": workshop_id, "role": "participant"}

        async def seat(phone: Phone) -> None:
            assert isinstance(phone, TablePhone)  # noqa: S101
            phone.workshop_id = workshop_id
            profile = PROFILES[phone.index % len(PROFILES)]
            await phone.seat_by_link(base_url, links[phone.index], profile, request_timeout)
            seated_http[phone.index] = time.monotonic()
            mode = await phone.connect(base_url, auth, cookie=True, timeout=request_timeout)
            # As phone/table.js: a snapshot holds the table (and put the socket in its
            # room); only after a replay does the phone ask with join_table.
            table = phone.store.table if mode == "snapshot" else None
            if table is None:
                ack = await phone.request("join_table", {}, timeout=request_timeout)
                if not (isinstance(ack, dict) and ack.get("ok")):
                    raise BenchError(f"join_table: {str(ack)[:200]}")
                table = ack["data"].get("table")
            if not table:
                raise BenchError(f"phone {phone.index} is not seated")
            phone.table_id = int(table["id"])
            seated[phone.index] = time.monotonic()

        started = time.monotonic()
        failures = await self._each(seat, list(self.phones.values()), concurrency)
        return {
            "failures": failures,
            "seconds": time.monotonic() - started,
            "seated_http": seated_http,
            "seated": seated,
            "tables": {
                p.index: p.table_id for p in self.phones.values() if isinstance(p, TablePhone)
            },
            "participants": {
                p.index: p.store.me.get("id")
                for p in self.phones.values()
                if isinstance(p, TablePhone)
            },
        }

    async def rpc_join_table(self, indices: Sequence[int], request_timeout: float) -> list[Any]:
        """These phones ask for their table again (hosts, once promoted)."""
        answers = []
        for index in indices:
            if index in self.phones:
                ack = await self.phones[index].request("join_table", {}, timeout=request_timeout)
                answers.append((index, bool(isinstance(ack, dict) and ack.get("ok"))))
        return answers

    async def rpc_screen_open(self, base_url: str, auth: dict[str, Any], timeout: float) -> bool:
        """The plenary screen: notes every ``tables_summary`` (when, contributions per
        table)."""
        sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)

        def summary(data: Any) -> None:
            if isinstance(data, dict):
                counts = {int(t["id"]): int(t.get("contributions", 0)) for t in data["tables"]}
                self.summaries.append((time.monotonic(), counts))

        sio.on(TABLES_SUMMARY, summary)
        await sio.connect(base_url, auth=auth, transports=["websocket"], wait_timeout=timeout)
        ack = await sio.call("join_workshop", {}, timeout=timeout)
        self.screen = sio
        return bool(isinstance(ack, dict) and ack.get("ok"))

    async def rpc_screen_log(self) -> list[tuple[float, dict[int, int]]]:
        if self.screen is not None:
            await self.screen.disconnect()
            self.screen = None
        return self.summaries

    async def rpc_contribute(
        self,
        plan: Sequence[tuple[float, int, dict[str, Any]]],
        start_at: float,
        settle_s: float,
        expected: dict[int, int],
        request_timeout: float,
    ) -> dict[str, Any]:
        """Each ``(offset_s, phone, contribution)`` posted by that phone at ``start_at``
        + offset, if it lives here; waits until every phone here has seen its table's
        ``expected`` contributions, or ``settle_s`` after the last. The posts ``(phone,
        sent_at, acked_at, ok, contribution id, table id, error)`` and each phone's
        ``{contribution id: (arrival, table)}``."""
        for phone in self.phones.values():
            assert isinstance(phone, TablePhone)  # noqa: S101
            phone.contributions_seen.clear()
        sends: list[list[Any]] = []

        async def post(offset: float, phone: Phone, payload: dict[str, Any]) -> None:
            record: list[Any] = [phone.index, None, None, False, None, payload["table_id"], None]
            sends.append(record)
            delay = start_at + offset - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if phone.sio is None or not phone.sio.connected:
                record[6] = "not connected"
                return
            record[1] = time.monotonic()
            try:
                ack = await phone.sio.call("post_contribution", payload, timeout=request_timeout)
            except Exception as error:  # noqa: BLE001 - recorded, reported
                record[6] = f"{type(error).__name__}: {error}"
                return
            record[2] = time.monotonic()
            record[3] = isinstance(ack, dict) and ack.get("ok") is True
            if record[3]:
                record[4] = int(ack["data"]["contribution"]["id"])
            else:
                record[6] = str(ack)[:200]

        mine = [(o, self.phones[i], c) for o, i, c in plan if i in self.phones]
        posting = asyncio.gather(*(post(o, phone, c) for o, phone, c in mine))
        deadline = start_at + max((o for o, _i, _c in plan), default=0.0) + settle_s
        phones = [p for p in self.phones.values() if isinstance(p, TablePhone)]
        while time.monotonic() < deadline:
            if all(len(p.contributions_seen) >= expected.get(p.table_id or 0, 0) for p in phones):
                break
            await asyncio.sleep(0.05)
        await posting
        return {
            "sends": [tuple(record) for record in sends],
            "arrivals": {p.index: dict(p.contributions_seen) for p in phones},
            "tables": {p.index: p.table_id for p in phones},
        }


def table_worker_main(conn: Any, index: int) -> None:
    """A client process of table phones (as :func:`bench.phones.worker_main`)."""
    import logging

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("engineio.client", "socketio.client"):
        logger = logging.getLogger(name)
        logger.addHandler(CLIENT_LOG)
        logger.setLevel(logging.WARNING)
        logger.propagate = False
    asyncio.run(TablePhoneWorker(conn, index).serve())


class TableFleet(Fleet):
    """A :class:`~bench.phones.Fleet` of :class:`TablePhoneWorker` processes."""

    def __init__(self, workers: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.conns = []
        self.processes = []
        self.busy = False
        try:
            for index in range(workers):
                parent, child = context.Pipe()
                process = context.Process(
                    target=table_worker_main,
                    args=(child, index),
                    name=f"table-phones-{index}",
                    daemon=True,
                )
                process.start()
                child.close()
                self.conns.append(parent)
                self.processes.append(process)
        except BaseException:
            self.close()
            raise


# -- the scenario ---------------------------------------------------------------------


def seating_figures(answers: list[dict[str, Any]], started: float, phones: int) -> dict[str, Any]:
    """Seating's figures from the workers' answers (``started``: the first request)."""
    failures = [f for answer in answers for f in answer["failures"]]
    seated = [t for answer in answers for t in answer["seated"].values()]
    http = [t for answer in answers for t in answer["seated_http"].values()]
    everyone = len(seated) == phones
    return {
        "phones": phones,
        "total_s": rounded(max(seated) - started, 2) if everyone and seated else None,
        "http_s": rounded(max(http) - started, 2) if http else None,
        "p50_s": rounded(percentile([t - started for t in seated], 50), 2),
        "errors": phones - len(seated),
        "failures": [f"phone {i}: {error}" for i, error in failures[:5]],
    }


def delivery_figures(answers: list[dict[str, Any]], members: dict[int, set[int]]) -> dict[str, Any]:
    """Latencies of each contribution to the phones of its table (``members``: table id
    -> phone indices), the deliveries missing, and those that reached another table."""
    sends = list(flatten([answer["sends"] for answer in answers]))
    posted = {int(s[4]): (float(s[1]), int(s[5])) for s in sends if s[3]}
    latencies: list[float] = []
    leaks = 0
    delivered = 0
    for answer in answers:
        for phone, seen in answer["arrivals"].items():
            for contribution_id, (arrived, _table) in seen.items():
                if contribution_id not in posted:
                    continue
                sent, table_id = posted[contribution_id]
                if int(phone) in members.get(table_id, set()):
                    latencies.append((arrived - sent) * 1000)
                    delivered += 1
                else:
                    leaks += 1
    expected = sum(len(members.get(table_id, set())) for _s, table_id in posted.values())
    acks = [(float(s[2]) - float(s[1])) * 1000 for s in sends if s[3]]
    return {
        "contributions": len(sends),
        "posted": len(posted),
        "refused": [str(s[6]) for s in sends if not s[3]][:3],
        "deliveries": delivered,
        "deliveries_missing": expected - delivered,
        "leaks": leaks,
        "p50_ms": rounded(percentile(latencies, 50)),
        "p95_ms": rounded(percentile(latencies, 95)),
        "max_ms": rounded(max(latencies)) if latencies else None,
        "post_ack_p95_ms": rounded(percentile(acks, 95)),
        "posted_at": posted,
    }


def rollup_figures(
    summaries: list[tuple[float, dict[int, int]]], posted: dict[int, tuple[float, int]]
) -> dict[str, Any]:
    """For each contribution (in the order sent), the seconds until a roll-up showed
    its table with that many contributions."""
    order = sorted(posted.values())
    count: dict[int, int] = {}
    delays: list[float] = []
    missing = 0
    for sent, table_id in order:
        count[table_id] = count.get(table_id, 0) + 1
        shown = next(
            (
                t
                for t, tables in summaries
                if t >= sent and tables.get(table_id, 0) >= count[table_id]
            ),
            None,
        )
        if shown is None:
            missing += 1
        else:
            delays.append(shown - sent)
    return {
        "summaries": len(summaries),
        "p50_s": rounded(percentile(delays, 50), 3),
        "max_s": rounded(max(delays), 3) if delays else None,
        "missing": missing,
    }


def run(args: argparse.Namespace) -> ScenarioResult:
    phones: int = args.phones
    count = max(1, args.tables_count)
    workers = args.workers or min(4, max(1, -(-phones // 250)))
    capacity = capacity_for(phones, count)
    servers = Servers(keep=args.keep)
    app = servers.app
    log(f"défi tables: {phones} phones, {count} tables of {capacity} seats, {workers} workers")
    figures: dict[str, Any] = {"phones": phones, "tables": count, "capacity": capacity}
    with servers, TableFleet(workers) as fleet:
        app.prepare("Banc d'essai : tables")
        prepared = prepare_in_child(app, args, capacity)
        app.workshop = {"id": prepared["id"], "code": prepared["code"]}
        figures |= {k: prepared[k] for k in ("ideas", "challenges", "ideas_file")}
        tables = prepared["tables"]
        log(f"  {prepared['ideas']} ideas, {prepared['challenges']} défis, {len(tables)} tables")
        app.start()
        facilitator = Facilitator(app)
        facilitator.login()
        wid = int(prepared["id"])

        figures["bytes"] = asyncio.run(measure_bytes(app.url, tables[0]["link"], wid))
        log(f"  one phone joining by its table's QR code: {figures['bytes']['total_kb']} KB")

        fleet.call("create", [{"indices": part} for part in fleet.shard(phones)], timeout=60)
        links = {i: tables[i % len(tables)]["link"] for i in range(phones)}
        answers, resources, started = seat_all(fleet, app, links, wid, args)
        figures["seating"] = seating_figures(answers, started, phones)
        # Where the time went: the server's CPU, the phones', and everything else's.
        figures["seating"] |= {
            "server_cpu_ms_per_phone": rounded((resources["cpu_seconds"] or 0) * 1000 / phones),
            "server_cpu_pct_mean": resources["cpu_pct_mean"],
            "clients_cpu_pct_mean": resources["clients_cpu_pct_mean"],
            "other_processes_cpu_pct_mean": resources["other_processes_cpu_pct_mean"],
        }
        log(f"  seating: {figures['seating']['total_s']} s, {figures['seating']['errors']} errors")
        at: dict[int, int] = {}
        participant: dict[int, int] = {}
        for answer in answers:
            at |= {int(i): int(t) for i, t in answer["tables"].items() if t}
            participant |= {int(i): int(p) for i, p in answer["participants"].items() if p}
        members: dict[int, set[int]] = {}
        for phone, table_id in at.items():
            members.setdefault(table_id, set()).add(phone)

        # A host per table: its first phone, promoted by the facilitator.
        hosts = {t["id"]: min(members.get(t["id"], {-1})) for t in tables}
        promote = [
            ("set_table_host", {"table_id": table_id, "participant_id": participant[phone]})
            for table_id, phone in hosts.items()
            if phone in participant
        ]
        # At the facilitator's command limit (20 per second, throttle.DEFAULT_LIMITS),
        # as a facilitator clicking would: a session (its join and 15 promotions) a second.
        for start in range(0, len(promote), PROMOTIONS_PER_SECOND):
            if start:
                time.sleep(1.05)
            facilitator.session(*promote[start : start + PROMOTIONS_PER_SECOND])
        fleet.call(
            "join_table",
            indices=sorted(p for p in hosts.values() if p >= 0),
            request_timeout=REQUEST_TIMEOUT,
            timeout=120,
        )
        screen = {"workshop_id": wid, "role": "screen", "key": prepared["screen_key"]}
        _open_screen(fleet, app.url, screen)

        # One contribution at each table, by a phone seated there.
        plan: list[tuple[float, int, dict[str, Any]]] = []
        expected: dict[int, int] = {}
        for n, table in enumerate(tables):
            seated = members.get(table["id"], set())
            # A phone seated there, its host only when alone at the table.
            authors = sorted(seated - {hosts[table["id"]]}) or sorted(seated)
            if not authors:
                continue
            payload = {
                "table_id": table["id"],
                "kind": ("needs", "solutions", "actors", "obstacles", "holders")[n % 5],
                "text": f"Contribution de la table {table['number']}",
                "client_id": uuid.uuid4().hex,
            }
            plan.append((len(plan) * args.tables_interval, authors[0], payload))
            expected[table["id"]] = expected.get(table["id"], 0) + 1
        last = max((o for o, _p, _c in plan), default=0.0)
        answers = fleet.call(
            "contribute",
            plan=plan,
            start_at=time.monotonic() + START_DELAY_S,
            settle_s=args.tables_settle,
            expected=expected,
            request_timeout=REQUEST_TIMEOUT,
            timeout=START_DELAY_S + last + args.tables_settle + REQUEST_TIMEOUT + 60,
        )
        delivery = delivery_figures(answers, members)
        time.sleep(1.5)  # the last roll-up leaves at most 500 ms after the last change
        summaries = fleet.call("screen_log", timeout=60)[0]
        figures["rollup"] = rollup_figures(summaries, delivery.pop("posted_at"))
        figures["contribution"] = delivery
        log(
            f"  contribution p95 {delivery['p95_ms']} ms, {delivery['leaks']} leaks; "
            f"roll-up max {figures['rollup']['max_s']} s"
        )
        fleet.call("disconnect", timeout=120)
        figures["server_log"] = app.log_symptoms()
        app.stop()
        figures["seating"] |= bare_seating(servers, fleet, args, figures)
    return servers.finish(report(figures), keep=bool(figures["server_log"]))


def seat_all(
    fleet: Fleet, server: ServerProcess, links: dict[int, str], workshop_id: int, args: Any
) -> tuple[list[dict[str, Any]], dict[str, Any], float]:
    """Every phone opens its link (phone index → path) on ``server`` and sits down
    (:meth:`TablePhoneWorker.rpc_seat`), the CPU of the server and of the phones sampled
    meanwhile: the client processes' answers, the resources, and when it started."""
    phones = len(links)
    sampler = ResourceSampler(server.pid, fleet.pids).start()
    started = time.monotonic()
    answers = fleet.call(
        "seat",
        [{"links": {i: links[i] for i in part}} for part in fleet.shard(phones)],
        base_url=server.url,
        workshop_id=workshop_id,
        concurrency=args.tables_concurrency,
        request_timeout=REQUEST_TIMEOUT,
        timeout=phones * 0.5 + 120,
    )
    return answers, sampler.stop(), started


def bare_seating(
    servers: Servers, fleet: Fleet, args: argparse.Namespace, figures: dict[str, Any]
) -> dict[str, Any]:
    """The same phones seated the same way on the bare frameworks (:mod:`bench.
    bare_server`: Flask, python-socketio, eventlet; no database): a form page and a
    snapshot as large as Semis's, a cookie, a table's room. Where the frameworks' own
    cost puts the goal."""
    phones, count = figures["phones"], figures["tables"]
    sizes = {b["what"]: b for b in figures["bytes"]["breakdown"]}
    page = int(sizes.get("join form page", {}).get("bytes", 0))
    snapshot = int(figures["bytes"]["table_snapshot_kb"] * 1024)
    bare = servers.bare
    bare.start(1, "--page-bytes", str(page), "--snapshot-bytes", str(snapshot))
    log(f"  bare frameworks on {bare.url}: the same seating")
    links = {i: f"/j/BARE/t/{i % count + 1}" for i in range(phones)}
    answers, resources, started = seat_all(fleet, bare, links, 1, args)
    seating = seating_figures(answers, started, phones)
    fleet.call("disconnect", timeout=120)
    bare.stop()
    log(f"  bare seating: {seating['total_s']} s, {seating['errors']} errors")
    return {
        "bare_total_s": seating["total_s"],
        "bare_errors": seating["errors"],
        "bare_server_cpu_ms_per_phone": rounded((resources["cpu_seconds"] or 0) * 1000 / phones),
        "ratio": ratio(figures["seating"]["total_s"], seating["total_s"]),
    }


def _open_screen(fleet: Fleet, url: str, auth: dict[str, Any]) -> None:
    """The screen lives in the first client process."""
    fleet.conns[0].send(("screen_open", {"base_url": url, "auth": auth, "timeout": 60.0}))
    status, value = fleet.conns[0].recv()
    if status != "ok" or not value:
        raise BenchError(f"the screen could not join: {value}")


def goals_of(figures: dict[str, Any]) -> dict[str, bool]:
    seating, delivery = figures["seating"], figures["contribution"]
    rollup, sent = figures["rollup"], figures["bytes"]
    return {
        "seating_total_s<=5": seating["total_s"] is not None
        and seating["total_s"] <= SEATING_GOAL_S,
        "seating_errors==0": seating["errors"] == 0,
        "bytes_total_kb<=150": sent["total_kb"] is not None and sent["total_kb"] <= BYTES_GOAL_KB,
        "contribution_p95_ms<=50": delivery["p95_ms"] is not None
        and delivery["p95_ms"] <= DELIVERY_GOAL_MS,
        "contribution_leaks==0": delivery["leaks"] == 0,
        "rollup_max_s<=1": rollup["max_s"] is not None
        and rollup["missing"] == 0
        and rollup["max_s"] <= ROLLUP_GOAL_S,
    }


def report(figures: dict[str, Any]) -> ScenarioResult:
    goals = goals_of(figures)
    figures["goals"] = goals
    seating, delivery = figures["seating"], figures["contribution"]
    rollup, sent = figures["rollup"], figures["bytes"]
    rows = [
        Row(
            "phones / tables / seats per table",
            f"{figures['phones']} / {figures['tables']} / {figures['capacity']}",
        ),
        Row("ideas imported / défis", f"{figures['ideas']} / {figures['challenges']}"),
        Row(
            "seating by table QR: all seated (form, socket, table), s",
            seating["total_s"],
            seating.get("bare_total_s"),
            "<= 5 s",
            goals["seating_total_s<=5"],
        ),
        Row("  ratio Semis / bare frameworks", seating.get("ratio")),
        Row("seating: all seated over HTTP, s", seating["http_s"]),
        Row(
            "seating: server CPU per phone, ms",
            seating.get("server_cpu_ms_per_phone"),
            seating.get("bare_server_cpu_ms_per_phone"),
        ),
        Row(
            "seating: server / phones / other processes CPU, % of a core",
            " / ".join(
                str(seating.get(k))
                for k in (
                    "server_cpu_pct_mean",
                    "clients_cpu_pct_mean",
                    "other_processes_cpu_pct_mean",
                )
            ),
        ),
        Row("seating: errors", seating["errors"], None, "0", goals["seating_errors==0"]),
        Row(
            "bytes to one phone joining (pages + assets + snapshot), KB",
            sent["total_kb"],
            None,
            "<= 150 KB",
            goals["bytes_total_kb<=150"],
        ),
        Row(
            "  pages / assets / socket (snapshot; its table within it), KB",
            f"{sent['pages_kb']} / {sent['assets_kb']} ({sent['assets_count']} files) / "
            f"{sent['socket_kb']} ({sent['snapshot_kb']}, {sent['table_snapshot_kb']})",
        ),
        Row("  the same gzipped (a compressing proxy), KB", sent["total_gzip_kb"]),
        Row("contributions posted", f"{delivery['posted']}/{delivery['contributions']}"),
        Row("contribution → its table's phones and host, p50, ms", delivery["p50_ms"]),
        Row(
            "contribution → its table's phones and host, p95, ms",
            delivery["p95_ms"],
            None,
            "<= 50 ms",
            goals["contribution_p95_ms<=50"],
        ),
        Row("contribution: deliveries missing", delivery["deliveries_missing"]),
        Row(
            "contribution: phones of other tables that received it",
            delivery["leaks"],
            None,
            "0",
            goals["contribution_leaks==0"],
        ),
        Row(
            "screen roll-up after a contribution, max, s",
            rollup["max_s"],
            None,
            "<= 1 s",
            goals["rollup_max_s<=1"],
        ),
    ]
    result = ScenarioResult(figures, rows, title=f"défi tables ({figures['phones']} phones)")
    if delivery["refused"]:
        result.broken.append(f"contributions refused: {delivery['refused']}")
    if seating["errors"]:
        # Measured on the phones that did sit; the run still broke.
        result.broken.append(
            f"{seating['errors']} of {seating['phones']} phones not seated: {seating['failures']}"
        )
    if not goals["bytes_total_kb<=150"]:
        heaviest = sorted(sent["breakdown"], key=lambda b: -int(b.get("bytes", b.get("total", 0))))
        result.notes.append(
            "bytes breakdown (largest first): "
            + ", ".join(
                f"{b['url']} {int(b.get('bytes', b.get('total', 0))) / 1024:.1f} KB"
                for b in heaviest[:8]
            )
        )
    if figures["server_log"]:
        result.notes.append(f"Semis server log: {figures['server_log']}")
    return result


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "prepare":
        ideas, count, seats, path = sys.argv[2:]
        print(json.dumps(prepare(int(ideas), int(count), int(seats), Path(path))))
    else:
        sys.exit("usage: python -m bench.tables prepare IDEAS TABLES CAPACITY FILE")
