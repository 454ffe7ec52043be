"""Fan-out, reconnect after a restart, memory per phone, and the permessage-deflate lever,
on the real server and then on the bare python-socketio baseline, with the same phones.

Semis (``run.py``, eventlet, SQLite), set up as in the vote storm (CLI, facilitator
login, ideas step, the phones join through the join form), then:

1. **Memory per phone.** The server's RSS before and after the N phones connect and
   ``join_workshop``: ``rss_per_phone_kb`` = the difference / N.
2. **Fan-out.** ``--fanout-ideas`` phones post an idea each, ``--fanout-interval`` s
   apart; every phone notes when each ``idea_posted`` reaches it. Delivery latency =
   arrival - the moment the posting phone sent ``post_idea`` (one monotonic clock for
   every process). ``app_p95_ms`` is the p95 over every (phone, idea) delivery; the
   server's CPU meanwhile gives ``server_cpu_pct`` and the CPU time per idea.
3. **Reconnect.** The server is restarted (SIGTERM, then ``run.py`` again on the same
   database and port); the facilitator changes the timer three times, so every phone
   has facts to catch up on; then all phones reconnect at once and send their last
   ``seq`` (``join_workshop`` ``{"last_seq"}``), applying the replay or the snapshot. A
   failed attempt is retried after 0.5-1.5 s, as Socket.IO clients do.
   ``all_resynced_s`` runs from the first reconnect to the last phone resynchronised;
   afterwards every phone's ``seq`` must equal the database's, otherwise it counts as a
   failure. The phones offer permessage-deflate here, as browsers do.
4. **The permessage-deflate lever.** After that reconnect (``run.py`` declines the offer:
   the default) and after another restart with ``WORKSHOP_WEBSOCKET_COMPRESSION=true``
   (it accepts), each time: RSS per reconnected phone and a fan-out (CPU time per idea,
   p95).

The bare server (:mod:`bench.bare_server`) gets the join form (its bare Flask form, as
large as Semis's join page) and steps 1-3 with the same phones (no offer of
compression: both servers then speak plain WebSocket frames): its seating, its memory
per phone, its fan-out p95 (``bare_p95_ms``; ``ratio_p95`` = Semis / bare) and its
reconnect time after a restart (it has nothing to replay: a snapshot of nothing).
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.request import urlopen

import psutil

from .harness import (
    ResourceSampler,
    Row,
    ScenarioResult,
    log,
    percentile,
    ratio,
    rounded,
)
from .phones import Fleet, flatten
from .servers import Facilitator, ServerProcess, Servers
from .steps import REQUEST_TIMEOUT, connect_phones, join_phones, phase_id

FANOUT_RATIO_GOAL = 1.2
FANOUT_P95_GOAL_MS = 52.0  # the Node socket.io peer's p95 at 1,000 phones (issue #17)
CPU_RATIO_GOAL = 1.2
SEATING_GOAL_S = 5.0
RECONNECT_GOAL_S = 10.0
RSS_GOAL_KB = 100.0
START_DELAY_S = 1.0
# Top-level keys of bench-results.json this scenario writes besides its own.
KEYS = (
    "fanout",
    "reconnect",
    "rss_per_phone_kb",
    "server_cpu_pct",
    "websocket_compression",
    "seating",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("fan-out and reconnect")
    group.add_argument("--fanout-ideas", type=int, default=10, help="ideas per fan-out")
    group.add_argument(
        "--fanout-interval", type=float, default=1.0, help="seconds between two ideas"
    )
    group.add_argument(
        "--fanout-settle",
        type=float,
        default=15.0,
        help="seconds to wait, after the last idea, for every phone to receive them all",
    )
    group.add_argument(
        "--reconnect-timeout",
        type=float,
        default=60.0,
        help="seconds the phones keep trying to reconnect; a phone not resynced by then fails",
    )
    group.add_argument(
        "--reconnect-concurrency",
        type=int,
        default=64,
        help="reconnections in flight at once per client process",
    )


# -- steps ----------------------------------------------------------------------------


def settled_rss(server: ServerProcess, wait: float = 1.5) -> int:
    """The server's RSS once it is quiet: the median of a few readings over ``wait`` s."""
    readings = []
    for _ in range(4):
        time.sleep(wait / 4)
        readings.append(server.rss())
    return int(statistics.median(readings))


def per_phone_kb(before: int, after: int, phones: int) -> float | None:
    return rounded((after - before) / 1024 / phones) if phones else None


def fanout_plan(
    phones: int, ideas: int, interval: float, first_phone: int, label: str
) -> list[tuple[float, int, dict[str, Any]]]:
    """``ideas`` ideas, ``interval`` s apart, each from another phone (a phone may post
    ``IDEA_RATE_PER_MINUTE`` ideas a minute)."""
    return [
        (
            n * interval,
            (first_phone + n) % phones,
            {"client_id": uuid.uuid4().hex, "title": f"{label} n° {n + 1}"},
        )
        for n in range(ideas)
    ]


def page_size(url: str) -> int:
    """The bytes of a page's body (the join form: the bare server's is made as large)."""
    with urlopen(url, timeout=REQUEST_TIMEOUT) as page:  # noqa: S310 - the bench's own server
        return len(page.read())


def background_cpu(server_pids: Sequence[int], seconds: float = 3.0) -> float:
    """CPU seconds per second the servers use with every phone connected and nothing
    posted (pings, presence): subtracted from a fan-out's CPU time."""
    processes = [psutil.Process(pid) for pid in server_pids]

    def used() -> float:
        return sum(t.user + t.system for t in (p.cpu_times() for p in processes))

    before, began = used(), time.monotonic()
    time.sleep(seconds)
    return (used() - before) / (time.monotonic() - began)


def measure_fanout(
    fleet: Fleet,
    server_pids: Sequence[int],
    plan: list[tuple[float, int, dict[str, Any]]],
    phones: int,
    settle: float,
) -> dict[str, Any]:
    """Post the ideas of ``plan``; the delivery latencies to every phone, and the CPU of
    the server processes (summed when there are several)."""
    last_offset = max(offset for offset, _phone, _idea in plan)
    idle_rate = background_cpu(server_pids)
    samplers = [
        ResourceSampler(pid, fleet.pids if n == 0 else ()).start()
        for n, pid in enumerate(server_pids)
    ]
    try:
        answers = fleet.call(
            "fanout",
            plan=plan,
            start_at=time.monotonic() + START_DELAY_S,
            settle_s=settle,
            request_timeout=REQUEST_TIMEOUT,
            timeout=START_DELAY_S + last_offset + settle + REQUEST_TIMEOUT + 60,
        )
    finally:
        sampled = [sampler.stop() for sampler in samplers]
    resources = dict(sampled[0])
    if len(sampled) > 1:
        for key in ("cpu_seconds", "cpu_pct_mean", "cpu_pct_max", "rss_mb_max"):
            values = [r[key] for r in sampled]
            resources[key] = None if None in values else rounded(sum(v or 0 for v in values), 2)
        # The first sampler counted the other servers as "other processes".
        others = resources["other_processes_cpu_pct_mean"]
        extra = sum(r["cpu_pct_mean"] or 0 for r in sampled[1:])
        resources["other_processes_cpu_pct_mean"] = (
            None if others is None else rounded(max(0.0, others - extra))
        )
    sends = list(flatten(answer["sends"] for answer in answers))
    # (phone, sent_at, acked_at, ok, idea_id, error)
    refused = [s for s in sends if not s[3]]
    sent_at = {int(s[4]): float(s[1]) for s in sends if s[3]}
    acks = [(s[2] - s[1]) * 1000 for s in sends if s[3]]
    latencies: list[float] = []
    slowest: dict[int, float] = {}
    for answer in answers:
        for arrivals in answer["arrivals"].values():
            for idea_id, arrived in arrivals.items():
                if idea_id in sent_at:
                    ms = (arrived - sent_at[idea_id]) * 1000
                    latencies.append(ms)
                    slowest[idea_id] = max(slowest.get(idea_id, ms), ms)
    expected = phones * len(sent_at)
    cpu_seconds = resources["cpu_seconds"]
    return {
        "ideas": len(plan),
        "ideas_posted": len(sent_at),
        "posts_refused": len(refused),
        "refusals": sorted({str(s[5]) for s in refused})[:3],
        "deliveries": len(latencies),
        "deliveries_missing": expected - len(latencies),
        "p50_ms": rounded(percentile(latencies, 50)),
        "p95_ms": rounded(percentile(latencies, 95)),
        "p99_ms": rounded(percentile(latencies, 99)),
        "max_ms": rounded(max(latencies, default=0.0)) if latencies else None,
        "all_phones_p50_ms": rounded(percentile(list(slowest.values()), 50)),
        "post_ack_p95_ms": rounded(percentile(acks, 95)),
        # Net of what the servers burn meanwhile with nothing posted (pings, presence).
        "server_cpu_ms_per_idea": (
            rounded(
                max(0.0, cpu_seconds - idle_rate * (resources["seconds"] or 0))
                * 1000
                / len(sent_at),
                1,
            )
            if cpu_seconds is not None and sent_at
            else None
        ),
        "server_cpu_ms_per_idea_gross": (
            rounded(cpu_seconds * 1000 / len(sent_at), 1)
            if cpu_seconds is not None and sent_at
            else None
        ),
        "server_background_cpu_pct": rounded(idle_rate * 100),
        "server_cpu_pct_mean": resources["cpu_pct_mean"],
        "server_cpu_pct_max": resources["cpu_pct_max"],
        "clients_cpu_pct_mean": resources["clients_cpu_pct_mean"],
        "other_processes_cpu_pct_mean": resources["other_processes_cpu_pct_mean"],
        "sampled_s": resources["seconds"],
        **machine_cpu_per_idea(resources, len(sent_at)),
    }


def machine_cpu_per_idea(resources: dict[str, Any], ideas: int) -> dict[str, Any]:
    """The CPU every process of the machine used per idea while the ideas were posted
    and delivered (servers, the phones' client processes, and the rest: nginx, Redis,
    PostgreSQL, anything else running), background included. On a small machine they
    all share the same cores, so latency follows this total more than the server's own
    CPU."""
    shares = [
        resources.get(key)
        for key in ("cpu_pct_mean", "clients_cpu_pct_mean", "other_processes_cpu_pct_mean")
    ]
    seconds = resources.get("seconds")
    if None in shares or not seconds or not ideas:
        return {"machine_cpu_ms_per_idea": None, "clients_cpu_ms_per_idea": None}
    per_idea = [float(share or 0) / 100 * float(seconds) * 1000 / ideas for share in shares]
    return {
        "machine_cpu_ms_per_idea": rounded(sum(per_idea), 1),
        "clients_cpu_ms_per_idea": rounded(per_idea[1], 1),
    }


def tcp_counters() -> dict[str, int]:
    """The kernel's TCP counters that tell a full listen queue: ``ListenOverflows`` (a
    connection the server had not yet accepted was dropped: the client retries its SYN
    after 1 s, then 3 s, 7 s...) and ``TCPSynRetrans``. For the whole network namespace,
    so other programs count too; empty when unreadable (not Linux)."""
    wanted = ("ListenOverflows", "ListenDrops", "TCPSynRetrans")
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return {}
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            row = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            return {key: int(row[key]) for key in wanted if key in row}
    return {}


def reconnect_all(
    fleet: Fleet,
    server: ServerProcess,
    auth: dict[str, Any],
    *,
    use_cookie: bool,
    compress: bool,
    phones: int,
    expected_seq: int | None,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Every phone reconnects at once and resynchronises; how long until the last one
    was, and how many failed (not resynced in time, or left with another ``seq`` than
    ``expected_seq``, the database's), and the CPU it cost."""
    sampler = ResourceSampler(server.pid, fleet.pids, interval=0.1).start()
    counters = tcp_counters()
    started = time.monotonic()
    try:
        results = list(
            flatten(
                fleet.call(
                    "reconnect",
                    base_url=server.url,
                    auth=auth,
                    use_cookie=use_cookie,
                    compress=compress,
                    concurrency=args.reconnect_concurrency,
                    deadline_s=args.reconnect_timeout,
                    request_timeout=REQUEST_TIMEOUT,
                    timeout=args.reconnect_timeout + REQUEST_TIMEOUT + 60,
                )
            )
        )
    finally:
        resources = sampler.stop()
    tcp = {key: value - counters[key] for key, value in tcp_counters().items() if key in counters}
    done = [r["resynced_at"] - started for r in results if r["resynced_at"] is not None]
    status = list(flatten(fleet.call("status", timeout=60)))
    wrong_seq = [
        s
        for s in status
        if expected_seq is not None and s["connected"] and s["last"] != expected_seq
    ]
    not_connected = [s for s in status if not s["connected"]]
    never = [r for r in results if r["resynced_at"] is None]
    modes: dict[str, int] = {}
    for r in results:
        if r["mode"] is not None:
            modes[r["mode"]] = modes.get(r["mode"], 0) + 1
    everyone = len(done) == phones
    return {
        "phones": phones,
        "all_resynced_s": rounded(max(done), 2) if everyone and done else None,
        "p50_resynced_s": rounded(percentile(done, 50), 2),
        "p95_resynced_s": rounded(percentile(done, 95), 2),
        "failures": len(never)
        + len(wrong_seq)
        + len([s for s in not_connected if s["phone"] not in {r["phone"] for r in never}]),
        "never_resynced": len(never),
        "wrong_seq": len(wrong_seq),
        "disconnected_after": len(not_connected),
        "retries": sum(r["attempts"] - 1 for r in results),
        "modes": modes,
        "errors": sorted({str(r["error"]) for r in results if r["error"]})[:5],
        "compressed_sockets": sum(1 for s in status if s["compressed"]),
        "server_cpu_ms_per_phone": (
            rounded(resources["cpu_seconds"] * 1000 / phones, 2)
            if resources["cpu_seconds"] is not None and phones
            else None
        ),
        "server_cpu_pct_mean": resources["cpu_pct_mean"],
        "clients_cpu_pct_mean": resources["clients_cpu_pct_mean"],
        "other_processes_cpu_pct_mean": resources["other_processes_cpu_pct_mean"],
        "tcp_listen_overflows": tcp.get("ListenOverflows"),
        "tcp_syn_retransmits": tcp.get("TCPSynRetrans"),
    }


def restart(server: ServerProcess, start: Callable[[], None]) -> float:
    """Stop ``server`` (SIGTERM) and start it again with ``start()``; seconds until healthy."""
    began = time.monotonic()
    server.stop()
    start()
    return time.monotonic() - began


# -- the scenario ---------------------------------------------------------------------


def run(args: argparse.Namespace) -> ScenarioResult:
    phones: int = args.phones
    ideas = max(1, min(args.fanout_ideas, phones))
    workers = args.workers or min(4, max(1, -(-phones // 250)))
    servers = Servers(keep=args.keep)
    app, bare = servers.app, servers.bare
    log(f"fan-out and reconnect: {phones} phones, {ideas} ideas per fan-out, {workers} workers")
    semis: dict[str, Any] = {}
    baseline: dict[str, Any] = {}

    def plan(round_: int, label: str) -> list[tuple[float, int, dict[str, Any]]]:
        return fanout_plan(phones, ideas, args.fanout_interval, round_ * ideas, label)

    with servers, Fleet(workers) as fleet:
        # -- Semis ---------------------------------------------------------------
        app.prepare("Banc d'essai : diffusion")
        app.start()
        log(f"Semis (run.py, eventlet) on {app.url}, instance {app.instance}")
        facilitator = Facilitator(app)
        facilitator.login()
        ideas_phase = phase_id(facilitator.state(), "ideas")
        facilitator.session(("advance_phase", {"phase_id": ideas_phase}))
        auth = {"workshop_id": app.workshop["id"], "role": "participant"}
        # Seating: the phones fill in the join form, then connect and join_workshop (a
        # phone that fails either step breaks the run: errors are 0 when it goes on).
        # The two steps' seconds are added; the memory readings between them are not.
        semis["join_form_s"] = rounded(join_phones(fleet, app, phones), 2)
        join_page = page_size(f"{app.url}/j/{app.workshop['code']}")
        before = settled_rss(app)
        semis["connect_s"] = rounded(
            connect_phones(fleet, app.url, auth, use_cookie=True, phones=phones), 2
        )
        after = settled_rss(app)
        semis["rss_before_mb"] = rounded(before / 2**20)
        semis["rss_after_mb"] = rounded(after / 2**20)
        semis["rss_per_phone_kb"] = per_phone_kb(before, after, phones)
        log(f"  {semis['rss_per_phone_kb']} KB of server RSS per phone; fan-out")
        semis["fanout"] = measure_fanout(
            fleet, [app.pid], plan(0, "Diffusion"), phones, args.fanout_settle
        )
        log(f"  fan-out p95 {semis['fanout']['p95_ms']} ms; restarting the server")

        # Restart; facts the phones miss; everyone reconnects (offering deflate).
        semis["restart_s"] = rounded(restart(app, app.start), 2)
        facilitator.session(
            ("start_timer", {"seconds": 600}), ("pause_timer", {}), ("reset_timer", {})
        )
        seq = int(facilitator.state()["seq"])
        before = settled_rss(app)
        semis["reconnect"] = reconnect_all(
            fleet,
            app,
            auth,
            use_cookie=True,
            compress=True,
            phones=phones,
            expected_seq=seq,
            args=args,
        )
        log(
            f"  reconnect: all resynced in {semis['reconnect']['all_resynced_s']} s, "
            f"{semis['reconnect']['failures']} failures"
        )
        after = settled_rss(app)
        off = {"rss_per_phone_kb": per_phone_kb(before, after, phones)}
        off["compressed_sockets"] = semis["reconnect"]["compressed_sockets"]
        off["fanout"] = measure_fanout(
            fleet, [app.pid], plan(1, "Sans compression"), phones, args.fanout_settle
        )

        # The lever pulled back: permessage-deflate allowed.
        log("  restarting with WORKSHOP_WEBSOCKET_COMPRESSION=true")
        restart(app, lambda: app.start({"WORKSHOP_WEBSOCKET_COMPRESSION": "true"}))
        before = settled_rss(app)
        on_reconnect = reconnect_all(
            fleet,
            app,
            auth,
            use_cookie=True,
            compress=True,
            phones=phones,
            expected_seq=seq,
            args=args,
        )
        after = settled_rss(app)
        on = {"rss_per_phone_kb": per_phone_kb(before, after, phones)}
        on["compressed_sockets"] = on_reconnect["compressed_sockets"]
        on["reconnect_failures"] = on_reconnect["failures"]
        on["fanout"] = measure_fanout(
            fleet, [app.pid], plan(2, "Avec compression"), phones, args.fanout_settle
        )
        semis["websocket_compression"] = {"off": off, "on": on}
        fleet.call("disconnect", timeout=120)
        semis["server_log"] = app.log_symptoms()
        app.stop()

        # -- bare python-socketio ------------------------------------------------
        bare.start(1, "--page-bytes", str(join_page))
        log(f"bare python-socketio server on {bare.url}")
        # The same join form (a bare Flask one): a cookie, which the socket bears.
        bare_room = SimpleNamespace(url=bare.url, workshop={"code": "BARE", "id": 1})
        bare_auth = {"workshop_id": 1, "role": "participant"}
        baseline["join_form_s"] = rounded(join_phones(fleet, bare_room, phones), 2)
        before = settled_rss(bare)
        baseline["connect_s"] = rounded(
            connect_phones(fleet, bare.url, bare_auth, use_cookie=True, phones=phones), 2
        )
        after = settled_rss(bare)
        baseline["rss_per_phone_kb"] = per_phone_kb(before, after, phones)
        baseline["fanout"] = measure_fanout(
            fleet, [bare.pid], plan(0, "Diffusion"), phones, args.fanout_settle
        )
        baseline["restart_s"] = rounded(restart(bare, lambda: bare.start(1)), 2)
        baseline["reconnect"] = reconnect_all(
            fleet,
            bare,
            auth,
            use_cookie=False,
            compress=False,
            phones=phones,
            expected_seq=0,
            args=args,
        )
        fleet.call("disconnect", timeout=120)
        baseline["server_log"] = bare.log_symptoms()
        bare.stop()
    return servers.finish(
        report(args, workers, ideas, semis, baseline), keep=bool(semis["server_log"])
    )


def _cpu_split(figures: dict[str, Any]) -> str:
    keys = ("server_cpu_pct_mean", "clients_cpu_pct_mean", "other_processes_cpu_pct_mean")
    return " / ".join("-" if figures[k] is None else f"{figures[k]:.0f}" for k in keys)


def report(
    args: argparse.Namespace,
    workers: int,
    ideas: int,
    semis: dict[str, Any],
    bare: dict[str, Any],
) -> ScenarioResult:
    fan, bare_fan = semis["fanout"], bare["fanout"]
    p95_ratio = ratio(fan["p95_ms"], bare_fan["p95_ms"])
    reconnect = semis["reconnect"]
    resynced_s = reconnect["all_resynced_s"]
    rss_kb = semis["rss_per_phone_kb"]
    off, on = semis["websocket_compression"]["off"], semis["websocket_compression"]["on"]
    cpu_ratio = ratio(fan["server_cpu_ms_per_idea"], bare_fan["server_cpu_ms_per_idea"])
    seating_s = rounded(semis["join_form_s"] + semis["connect_s"], 2)
    bare_seating_s = rounded(bare["join_form_s"] + bare["connect_s"], 2)
    goals = {
        "fanout_ratio_p95<=1.2": p95_ratio is not None and p95_ratio <= FANOUT_RATIO_GOAL,
        "fanout_p95_ms<=52": fan["p95_ms"] is not None and fan["p95_ms"] <= FANOUT_P95_GOAL_MS,
        "ratio_cpu_per_idea<=1.2": cpu_ratio is not None and cpu_ratio <= CPU_RATIO_GOAL,
        "seating_s<=5": seating_s is not None and seating_s <= SEATING_GOAL_S,
        "reconnect_all_resynced_s<=10": resynced_s is not None and resynced_s <= RECONNECT_GOAL_S,
        "reconnect_failures==0": reconnect["failures"] == 0,
        "rss_per_phone_kb<=100": rss_kb is not None and rss_kb <= RSS_GOAL_KB,
    }
    fanout = {
        "phones": args.phones,
        "ideas": ideas,
        "app_p95_ms": fan["p95_ms"],
        "bare_p95_ms": bare_fan["p95_ms"],
        "ratio_p95": p95_ratio,
        "app_p50_ms": fan["p50_ms"],
        "bare_p50_ms": bare_fan["p50_ms"],
        "app_max_ms": fan["max_ms"],
        "bare_max_ms": bare_fan["max_ms"],
        "app_deliveries_missing": fan["deliveries_missing"],
        "bare_deliveries_missing": bare_fan["deliveries_missing"],
        "app_server_cpu_ms_per_idea": fan["server_cpu_ms_per_idea"],
        "bare_server_cpu_ms_per_idea": bare_fan["server_cpu_ms_per_idea"],
        # Steadier than the latencies on a shared machine: CPU time is not time waited.
        "ratio_cpu_per_idea": cpu_ratio,
        "clients_cpu_pct_mean": fan["clients_cpu_pct_mean"],
        "other_processes_cpu_pct_mean": fan["other_processes_cpu_pct_mean"],
        "semis": fan,
        "bare": bare_fan,
    }
    compression = {
        "phones": args.phones,
        "off": off,
        "on": on,
        "rss_per_phone_kb_saved": (
            rounded(on["rss_per_phone_kb"] - off["rss_per_phone_kb"])
            if on["rss_per_phone_kb"] is not None and off["rss_per_phone_kb"] is not None
            else None
        ),
        "cpu_per_idea_ratio_off_on": ratio(
            off["fanout"]["server_cpu_ms_per_idea"], on["fanout"]["server_cpu_ms_per_idea"]
        ),
    }
    fanout["goals"] = goals
    fanout["settings"] = {
        "ideas": ideas,
        "interval_s": args.fanout_interval,
        "settle_s": args.fanout_settle,
        "reconnect_timeout_s": args.reconnect_timeout,
        "reconnect_concurrency_per_process": args.reconnect_concurrency,
        "client_processes": workers,
    }
    fanout["semis_other"] = {k: v for k, v in semis.items() if k not in KEYS}
    fanout["bare_other"] = {k: v for k, v in bare.items() if k != "fanout"}
    figures: dict[str, Any] = {
        "fanout": fanout,
        "reconnect": {
            **reconnect,
            "restart_s": semis["restart_s"],
            "missed_facts": 3,
            "bare_all_resynced_s": bare["reconnect"]["all_resynced_s"],
            "bare_failures": bare["reconnect"]["failures"],
            "ratio": ratio(resynced_s, bare["reconnect"]["all_resynced_s"]),
        },
        "rss_per_phone_kb": rss_kb,
        "server_cpu_pct": fan["server_cpu_pct_mean"],
        "websocket_compression": compression,
        "seating": {
            "phones": args.phones,
            "join_form_s": semis["join_form_s"],
            "connect_s": semis["connect_s"],
            "total_s": seating_s,
            "errors": 0,  # a phone failing either step breaks the run (exit status 1)
            "bare_join_form_s": bare["join_form_s"],
            "bare_connect_s": bare["connect_s"],
            "bare_total_s": bare_seating_s,
            "ratio": ratio(seating_s, bare_seating_s),
            "met": goals["seating_s<=5"],
        },
    }

    def pair(label: str, key: str, goal: str = "", met: bool | None = None) -> Row:
        return Row(label, fan.get(key), bare_fan.get(key), goal, met)

    rows = [
        Row("phones", args.phones, args.phones),
        Row(
            "ideas posted", f"{fan['ideas_posted']}/{ideas}", f"{bare_fan['ideas_posted']}/{ideas}"
        ),
        Row(
            "seating: join form (2 requests per phone), s",
            semis["join_form_s"],
            bare["join_form_s"],
        ),
        Row("seating: connect and join_workshop, s", semis["connect_s"], bare["connect_s"]),
        Row(
            "seating: in all, s",
            seating_s,
            bare_seating_s,
            "<= 5 s, 0 errors",
            goals["seating_s<=5"],
        ),
        pair("fan-out delivery p50, ms", "p50_ms"),
        pair("fan-out delivery p95, ms", "p95_ms", "<= 52 ms", goals["fanout_p95_ms<=52"]),
        Row(
            "ratio Semis / bare (fan-out p95)",
            p95_ratio,
            None,
            "<= 1.2",
            goals["fanout_ratio_p95<=1.2"],
        ),
        pair("fan-out delivery max, ms", "max_ms"),
        pair("deliveries missing", "deliveries_missing"),
        pair("server CPU time per idea (net of background), ms", "server_cpu_ms_per_idea"),
        pair("server CPU time per idea (gross), ms", "server_cpu_ms_per_idea_gross"),
        Row(
            "ratio Semis / bare (CPU per idea)",
            cpu_ratio,
            None,
            "<= 1.2",
            goals["ratio_cpu_per_idea<=1.2"],
        ),
        pair("server background CPU, % of a core", "server_background_cpu_pct"),
        pair("server CPU mean during the fan-out, % of a core", "server_cpu_pct_mean"),
        pair("client processes CPU mean, % of a core", "clients_cpu_pct_mean"),
        pair("other processes CPU mean, % of a core", "other_processes_cpu_pct_mean"),
        pair("client processes' CPU per idea, ms", "clients_cpu_ms_per_idea"),
        pair("all processes' CPU per idea (background included), ms", "machine_cpu_ms_per_idea"),
        Row(
            "server RSS per connected phone, KB",
            rss_kb,
            bare["rss_per_phone_kb"],
            "<= 100 KB",
            goals["rss_per_phone_kb<=100"],
        ),
        Row("server restart (stop to healthy), s", semis["restart_s"], bare["restart_s"]),
        Row(
            "reconnect: all phones resynced, s",
            resynced_s,
            bare["reconnect"]["all_resynced_s"],
            "<= 10 s",
            goals["reconnect_all_resynced_s<=10"],
        ),
        Row(
            "reconnect: median phone, s",
            reconnect["p50_resynced_s"],
            bare["reconnect"]["p50_resynced_s"],
        ),
        Row(
            "reconnect: failures",
            reconnect["failures"],
            bare["reconnect"]["failures"],
            "0",
            goals["reconnect_failures==0"],
        ),
        Row("reconnect: retries", reconnect["retries"], bare["reconnect"]["retries"]),
        Row(
            "reconnect: server CPU per phone, ms",
            reconnect["server_cpu_ms_per_phone"],
            bare["reconnect"]["server_cpu_ms_per_phone"],
        ),
        Row(
            "reconnect: server / clients / others CPU, % of a core",
            _cpu_split(reconnect),
            _cpu_split(bare["reconnect"]),
        ),
        Row(
            "reconnect: listen queue overflows / SYN retransmits",
            f"{reconnect['tcp_listen_overflows']} / {reconnect['tcp_syn_retransmits']}",
            f"{bare['reconnect']['tcp_listen_overflows']} / "
            f"{bare['reconnect']['tcp_syn_retransmits']}",
        ),
        Row(
            "reconnect: replays / snapshots",
            f"{reconnect['modes'].get('replay', 0)} / {reconnect['modes'].get('snapshot', 0)}",
            "-",
        ),
        Row(
            "deflate off / on: sockets compressed",
            f"{off['compressed_sockets']} / {on['compressed_sockets']}",
        ),
        Row(
            "deflate off / on: RSS per phone, KB",
            f"{off['rss_per_phone_kb']} / {on['rss_per_phone_kb']}",
        ),
        Row(
            "deflate off / on: server CPU per idea, ms",
            f"{off['fanout']['server_cpu_ms_per_idea']} / {on['fanout']['server_cpu_ms_per_idea']}",
        ),
        Row(
            "deflate off / on: fan-out p95, ms",
            f"{off['fanout']['p95_ms']} / {on['fanout']['p95_ms']}",
        ),
    ]
    result = ScenarioResult(figures, rows, top_level=True)
    if fan["posts_refused"]:
        result.broken.append(f"Semis: {fan['posts_refused']} ideas refused: {fan['refusals']}")
    if bare_fan["posts_refused"]:
        result.broken.append(f"bare: {bare_fan['posts_refused']} ideas refused")
    if fan["deliveries_missing"]:
        result.notes.append(
            f"Semis: {fan['deliveries_missing']} deliveries missing after "
            f"{args.fanout_settle:.0f} s (p95 counts the delivered ones)"
        )
    if reconnect["failures"]:
        result.notes.append(
            f"Semis reconnect: {reconnect['never_resynced']} phones never resynced, "
            f"{reconnect['wrong_seq']} with another seq than the database's; "
            f"errors: {reconnect['errors'] or 'none'}"
        )
    if off["compressed_sockets"]:
        result.notes.append(
            f"{off['compressed_sockets']} sockets negotiated permessage-deflate although "
            "run.py should decline it"
        )
    if semis["server_log"]:
        result.notes.append(f"Semis server log: {semis['server_log']}")
    return result
