"""Scale-out: the idea fan-out with two eventlet workers joined by Redis, on PostgreSQL,
behind nginx (``scripts/stack.py``, the stack ``make stack`` starts), to twice the
phones (``--scale-out-phones``, 2,000 by default).

The phones join through nginx (join form, cookie) and connect over WebSocket through
it; nginx spreads the connections over the two workers, so an idea posted on one worker
reaches half the phones through Redis. Measured as in :mod:`bench.fanout`: the p95 of
every (phone, idea) delivery latency. ``ratio_to_single_worker`` = that p95 / the
``fanout`` scenario's ``app_p95_ms`` of the same run (one worker, SQLite, ``--phones``
phones); goal ≤ 1.5.

When PostgreSQL, Redis or nginx cannot be started here (not installed, the stack helper
missing), ``scale_out`` is ``null`` in ``bench-results.json`` and the reason is printed:
the rest of the benchmark still counts.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from .fanout import fanout_plan, measure_fanout
from .harness import Row, ScenarioResult, log, ratio, rounded
from .phones import Fleet, flatten
from .servers import FACILITATOR_EMAIL, FACILITATOR_PASSWORD, Facilitator
from .steps import connect_phones, join_phones, phase_id

RATIO_GOAL = 1.5
WORKERS = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("scale-out")
    group.add_argument(
        "--scale-out-phones",
        type=int,
        default=0,
        help="phones for the two-worker stack (default: twice --phones)",
    )


class StackApp:
    """The stack seen as one server by :class:`bench.servers.Facilitator` and the
    phones: a URL (nginx) and the workshop the ``flask`` commands created."""

    def __init__(self, stack: Any) -> None:
        from tests.operator_cli import prepare_workshop

        self.stack = stack
        self.url: str = stack.url
        self.workshop: dict[str, Any] = prepare_workshop(
            stack.flask, FACILITATOR_EMAIL, FACILITATOR_PASSWORD, "Banc d'essai : deux serveurs"
        )


def skipped(reason: str) -> ScenarioResult:
    log(f"scale-out skipped: {reason}")
    return ScenarioResult(
        {"scale_out": None},
        [Row("skipped", reason)],
        notes=[f"scale_out: {reason}"],
        top_level=True,
    )


def run(args: argparse.Namespace) -> ScenarioResult:
    phones: int = args.scale_out_phones or 2 * args.phones
    try:
        from scripts.stack import StackError, missing_tools, start_stack
    except ImportError as error:
        return skipped(f"the stack helper scripts/stack.py is not available ({error})")
    missing = missing_tools()
    if missing:
        return skipped(f"missing {', '.join(missing)} (apt-get install postgresql redis nginx)")
    ideas = max(1, min(args.fanout_ideas, phones))
    clients = args.workers or min(4, max(1, -(-phones // 250)))
    log(f"scale-out: {WORKERS} workers + Redis + PostgreSQL + nginx, {phones} phones")
    try:
        # Every simulated phone joins from the loopback within seconds: lift the
        # per-address join limit, as bench/servers.py does for the single server.
        lifted = {"WORKSHOP_JOIN_CREATE_LIMIT": "1000000 per minute"}
        stack = start_stack(workers=WORKERS, keep=args.keep, settings=lifted)
    except StackError as error:
        return skipped(f"the stack did not start: {error}")
    with stack:
        app = StackApp(stack)
        log(f"  stack on {stack.url}: workers {[w.url for w in stack.workers]}")
        with Fleet(clients) as fleet:
            facilitator = Facilitator(app)  # type: ignore[arg-type]
            facilitator.login()
            ideas_phase = phase_id(facilitator.state(), "ideas")
            facilitator.session(("advance_phase", {"phase_id": ideas_phase}))
            join_phones(fleet, app, phones)
            auth = {"workshop_id": app.workshop["id"], "role": "participant"}
            connect_phones(fleet, app.url, auth, use_cookie=True, phones=phones)
            time.sleep(2.0)  # the joins' presence and tail work, before the background CPU
            plan = fanout_plan(phones, ideas, args.fanout_interval, 0, "Deux serveurs")
            pids = [int(w.pid) for w in stack.workers if w.pid is not None]
            fan = measure_fanout(fleet, pids, plan, phones, args.fanout_settle)
            status = list(flatten(fleet.call("status", timeout=60)))
            fleet.call("disconnect", timeout=120)
        logs = stack.logs()
    symptoms = {
        name: {w: text.count(w) for w in ("Traceback", "ERROR") if w in text}
        for name, text in logs.items()
        if name.startswith("worker")
    }
    single_run = (getattr(args, "results", {}).get("fanout") or {}).get("semis") or {}
    single = single_run.get("p95_ms")
    # What the whole machine spends per idea, both runs: on a machine this size the
    # phones, nginx, Redis and PostgreSQL share the cores with the workers.
    single_cpu = single_run.get("machine_cpu_ms_per_idea")
    single_clients = single_run.get("clients_cpu_ms_per_idea")
    machine = fan["machine_cpu_ms_per_idea"]
    p95_ratio = ratio(fan["p95_ms"], single)
    met = p95_ratio is not None and p95_ratio <= RATIO_GOAL
    figures = {
        "workers": WORKERS,
        "phones": phones,
        "app_p95_ms": fan["p95_ms"],
        "ratio_to_single_worker": p95_ratio,
        "single_worker_p95_ms": single,
        "single_worker_phones": args.phones,
        "app_p50_ms": fan["p50_ms"],
        "app_max_ms": fan["max_ms"],
        "deliveries_missing": fan["deliveries_missing"],
        "disconnected": sum(1 for s in status if not s["connected"]),
        # Facts from two workers may arrive out of order: a phone holds a fact ahead of a
        # gap 400 ms for the missing one, as the web client does, before it resyncs.
        "gaps": sum(s["gaps"] for s in status),
        "resyncs": sum(s["resyncs"] for s in status),
        "servers_cpu_ms_per_idea": fan["server_cpu_ms_per_idea"],
        "servers_cpu_ms_per_idea_gross": fan["server_cpu_ms_per_idea_gross"],
        "servers_cpu_pct_mean": fan["server_cpu_pct_mean"],
        "machine_cpu_ms_per_idea": machine,
        "single_worker_machine_cpu_ms_per_idea": single_cpu,
        "machine_cpu_ratio_to_single_worker": ratio(machine, single_cpu, 2),
        "goals": {"ratio_to_single_worker<=1.5": met},
        "worker_log": {k: v for k, v in symptoms.items() if v},
        "fanout": fan,
    }
    rows = [
        Row("phones (two workers, through nginx)", phones),
        Row("ideas posted", f"{fan['ideas_posted']}/{ideas}"),
        Row("fan-out delivery p50, ms", fan["p50_ms"]),
        Row("fan-out delivery p95, ms", fan["p95_ms"]),
        Row("single worker fan-out p95 (fanout scenario), ms", single),
        Row("ratio to a single worker (p95)", p95_ratio, None, "<= 1.5", met),
        Row("fan-out delivery max, ms", fan["max_ms"]),
        Row("deliveries missing", fan["deliveries_missing"]),
        Row("phones' gaps / resyncs", f"{figures['gaps']} / {figures['resyncs']}"),
        Row("workers' CPU time per idea (net of background), ms", fan["server_cpu_ms_per_idea"]),
        Row("workers' CPU time per idea (gross), ms", fan["server_cpu_ms_per_idea_gross"]),
        Row("workers' background CPU, % of a core", fan["server_background_cpu_pct"]),
        Row("workers' CPU mean, % of a core", fan["server_cpu_pct_mean"]),
        Row("client processes CPU mean, % of a core", fan["clients_cpu_pct_mean"]),
        Row("other processes CPU mean, % of a core", fan["other_processes_cpu_pct_mean"]),
        Row("client processes' CPU per idea, ms", fan["clients_cpu_ms_per_idea"]),
        Row("  the same in the single-worker run, ms", single_clients),
        Row("all processes' CPU per idea (background included), ms", machine),
        Row("  the same in the single-worker run, ms", single_cpu),
        Row("  ratio to the single-worker run", ratio(machine, single_cpu, 2)),
    ]
    title = f"scale_out ({WORKERS} workers, Redis, PostgreSQL, nginx; {phones} phones)"
    result = ScenarioResult({"scale_out": figures}, rows, top_level=True, title=title)
    if single is None:
        result.notes.append("no single-worker figure in this run: run the fanout scenario too")
    if fan["posts_refused"]:
        result.broken.append(f"scale-out: {fan['posts_refused']} ideas refused: {fan['refusals']}")
    if fan["deliveries_missing"]:
        result.notes.append(
            f"scale-out: {fan['deliveries_missing']} deliveries missing "
            f"({rounded(100 * fan['deliveries_missing'] / max(1, phones * ideas))}%)"
        )
    if figures["worker_log"]:
        result.notes.append(f"scale-out worker logs: {figures['worker_log']}")
    return result
