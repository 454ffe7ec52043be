"""Vote storm: N phones each cast 5 votes, spread at random over 10 s, on the real server
and then on the bare python-socketio baseline, with the very same phones and plan.

Set-up, through the real server only: the CLI migrates a scratch database, creates a
facilitator and an opened marathon workshop; the facilitator signs in (login form) and,
over a socket, moves to the ideas step; the phones join (join form, cookie), connect and
``join_workshop``; the first ``--ideas`` phones post one idea each; the facilitator moves
to the vote step and ``configure_vote`` {5 votes, 1 per idea, not hidden}.

Measured: each ``cast_vote`` ack's latency; after the last ack, the final tallies read
from the database (a facilitator's ``join_workshop`` snapshot) and, for every phone, when
the tallies it shows first equalled them; the server's CPU and RSS (psutil) during the
storm. ``consistent_after_last_vote_ms`` is the slowest phone's time from the moment the
last vote was cast (sent by its phone) to that moment. The same for the bare server;
``ratio`` = Semis / bare (< 1: Semis is consistent sooner).

Why from the vote cast and not from its ack: the bare server queues each ack behind the
broadcast of that vote to every phone, so under load its acks come seconds late and its
phones look consistent "right after the last ack". Measured from the ack, a server that
is slow to ack looks fast. ``consistent_after_last_vote_ack_ms`` keeps that other figure.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from collections.abc import Callable
from typing import Any

import socketio

from .harness import (
    BenchError,
    ResourceSampler,
    Row,
    ScenarioResult,
    log,
    percentile,
    rounded,
)
from .phones import Fleet, flatten
from .servers import BareServer, Facilitator, ServerProcess, Servers
from .steps import REQUEST_TIMEOUT, connect_phones, join_phones, phase_id

ACK_P95_GOAL_MS = 50.0
CONSISTENT_GOAL_MS = 1000.0
START_DELAY_S = 2.0  # between handing the plan to the workers and the first vote


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("vote storm")
    group.add_argument("--votes-per-phone", type=int, default=5)
    group.add_argument("--window", type=float, default=10.0, help="seconds the votes spread over")
    group.add_argument("--ideas", type=int, default=20, help="ideas posted before the vote")
    group.add_argument(
        "--settle-timeout",
        type=float,
        default=15.0,
        help="seconds to wait, after the last ack, for every phone to show the final tallies",
    )
    group.add_argument(
        "--ack-timeout",
        type=float,
        default=60.0,
        help="seconds to wait for acks after the last vote is sent",
    )
    group.add_argument(
        "--bare-timeout",
        type=float,
        default=60.0,
        help="the same two waits for the bare baseline, which may fall far behind",
    )


def _plan(
    phones: int, idea_ids: list[int], votes: int, window: float, seed: int
) -> dict[int, list[tuple[float, str, dict[str, Any]]]]:
    """Each phone: ``votes`` distinct ideas at random moments in ``[0, window)``."""
    rng = random.Random(seed)
    plan = {}
    for phone in range(phones):
        ideas = rng.sample(idea_ids, votes)
        offsets = sorted(rng.uniform(0, window) for _ in range(votes))
        pairs = zip(offsets, ideas, strict=True)
        plan[phone] = [(offset, "cast_vote", {"idea_id": idea}) for offset, idea in pairs]
    return plan


def _bare_tallies(server: BareServer, phase_id: int) -> dict[str, int]:
    async def fetch() -> dict[str, int]:
        sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)
        try:
            await sio.connect(server.url, transports=["websocket"], wait_timeout=REQUEST_TIMEOUT)
            ack = await sio.call("join_workshop", {}, timeout=REQUEST_TIMEOUT)
            return dict(ack["data"]["state"]["votes"][str(phase_id)]["tallies"])
        finally:
            await sio.disconnect()

    return asyncio.run(fetch())


def measure(
    fleet: Fleet,
    server: ServerProcess,
    plan: dict[int, list[tuple[float, str, dict[str, Any]]]],
    phase_id: int,
    final_tallies: Callable[[], dict[str, int]],
    *,
    window: float,
    ack_timeout: float,
    settle_timeout: float,
) -> dict[str, Any]:
    """Run one storm of ``plan`` against ``server`` and measure it (see the module)."""
    sampler = ResourceSampler(server.pid, fleet.pids).start()
    try:
        start_at = time.monotonic() + START_DELAY_S
        commands = list(
            flatten(
                fleet.call(
                    "storm",
                    [{"plan": part} for part in fleet.split(plan)],
                    start_at=start_at,
                    ack_timeout=ack_timeout,
                    timeout=START_DELAY_S + window + ack_timeout + 60,
                )
            )
        )
        # (phone, event, scheduled_at, sent_at, acked_at, ok)
        sent = [c for c in commands if c[3] is not None]
        acked = [c for c in sent if c[4] is not None]
        ok = [c for c in acked if c[5]]
        latencies = [(c[4] - c[3]) * 1000 for c in acked]
        lags = [(c[3] - c[2]) * 1000 for c in sent]
        last_sent = max((c[3] for c in sent), default=start_at)
        last_ack = max((c[4] for c in acked), default=last_sent)
        log(
            f"  {len(ok)}/{len(commands)} votes acknowledged; reading the final tallies, "
            f"then waiting up to {settle_timeout:.0f} s for every phone"
        )
        final = final_tallies()
        phones = list(
            flatten(
                fleet.call(
                    "await_tallies",
                    phase_id=str(phase_id),
                    final=final,
                    wait_s=settle_timeout,
                    timeout=settle_timeout + 60,
                )
            )
        )
        waited_until = time.monotonic()
    finally:
        resources = sampler.stop()
    client_log: dict[str, int] = {}
    for counts in fleet.call("client_log", timeout=30):
        for message, count in counts.items():
            client_log[message] = client_log.get(message, 0) + count
    dropped = [p["disconnected_at"] for p in phones if p["disconnected_at"] is not None]
    database_votes = sum(int(v) for v in final.values())
    converged = [p["converged_at"] for p in phones if p["converged_at"] is not None]
    # "After the last vote": from the moment the last vote was cast (sent by its phone).
    behind = [(t - last_sent) * 1000 for t in converged]
    not_consistent = len(phones) - len(converged)
    everyone = bool(converged) and not not_consistent
    consistent_ms = max(behind) if everyone else None
    cpu_seconds = resources["cpu_seconds"]
    processed = max(len(ok), database_votes)
    return {
        "votes_planned": len(commands),
        "votes": len(ok),
        "database_votes": database_votes,
        "acks_missing": len(sent) - len(acked),
        "acks_refused": len(acked) - len(ok),
        "not_sent": len(commands) - len(sent),
        "refusals": sorted({str(c[1]) for c in acked if not c[5]})[:5],
        "ack_p50_ms": rounded(percentile(latencies, 50)),
        "ack_p95_ms": rounded(percentile(latencies, 95)),
        "ack_p99_ms": rounded(percentile(latencies, 99)),
        "ack_max_ms": rounded(max(latencies, default=0.0)),
        "storm_s": rounded(last_sent - start_at, 2),
        "send_lag_p95_ms": rounded(percentile(lags, 95)),
        "send_lag_max_ms": rounded(max(lags, default=0.0)),
        "last_ack_after_last_send_ms": rounded((last_ack - last_sent) * 1000),
        "consistent_after_last_vote_ms": rounded(consistent_ms),
        # When some phones never got there: it took them longer than this.
        "consistent_after_last_vote_more_than_ms": (
            None if everyone else rounded((waited_until - last_sent) * 1000)
        ),
        "consistent_p50_after_last_vote_ms": rounded(percentile(behind, 50)),
        # From the last vote's ack instead: flattering for a server whose acks queue
        # behind its broadcasts (the bare one), negative when phones see the last tally
        # before the last ack arrives.
        "consistent_after_last_vote_ack_ms": rounded(
            (max(converged) - last_ack) * 1000 if everyone else None
        ),
        "not_consistent": not_consistent,
        "waited_for_consistency_s": settle_timeout,
        "messages_per_phone": rounded(sum(p["received"] for p in phones) / max(1, len(phones))),
        "gaps": sum(p["gaps"] for p in phones),
        "resyncs": sum(p["resyncs"] for p in phones),
        "stale_facts": sum(p["stale"] for p in phones),
        "disconnects": sum(p["disconnects"] for p in phones),
        "first_disconnect_after_start_s": rounded(min(dropped) - start_at, 2) if dropped else None,
        "client_log": client_log,
        "server_cpu_ms_per_vote": (
            rounded(cpu_seconds * 1000 / processed, 2)
            if cpu_seconds is not None and processed
            else None
        ),
        "server_cpu_pct_mean": resources["cpu_pct_mean"],
        "server_cpu_pct_max": resources["cpu_pct_max"],
        "server_rss_mb": resources["rss_mb_max"],
        "clients_cpu_pct_mean": resources["clients_cpu_pct_mean"],
        "other_processes_cpu_pct_mean": resources["other_processes_cpu_pct_mean"],
        "sampled_s": resources["seconds"],
    }


def run(args: argparse.Namespace) -> ScenarioResult:
    phones: int = args.phones
    votes: int = args.votes_per_phone
    # A phone may post 12 ideas a minute (IDEA_RATE_PER_MINUTE): few phones post fewer.
    ideas = min(args.ideas, phones * 10)
    if votes > ideas:
        raise BenchError("--votes-per-phone cannot exceed --ideas (votes go to distinct ideas)")
    workers = args.workers or min(4, max(1, -(-phones // 250)))
    servers = Servers(keep=args.keep)
    app, bare = servers.app, servers.bare
    log(f"vote storm: {phones} phones x {votes} votes over {args.window:.0f} s, {workers} workers")
    with servers, Fleet(workers) as fleet:
        # -- Semis ---------------------------------------------------------------
        app.prepare()
        app.start()
        log(f"Semis (run.py, eventlet) on {app.url}, instance {app.instance}")
        facilitator = Facilitator(app)
        facilitator.login()
        state = facilitator.state()
        ideas_phase, vote_phase = phase_id(state, "ideas"), phase_id(state, "vote")
        facilitator.session(("advance_phase", {"phase_id": ideas_phase}))
        join_phones(fleet, app, phones)
        auth = {"workshop_id": app.workshop["id"], "role": "participant"}
        connect_phones(fleet, app.url, auth, use_cookie=True, phones=phones)
        posts: list[list[tuple[int, str, Any]]] = [[] for _ in range(fleet.size)]
        for n in range(ideas):
            idea = {"client_id": uuid.uuid4().hex, "title": f"Idée n° {n + 1}"}
            posts[fleet.worker_of(n % phones)].append((n % phones, "post_idea", idea))
        acks = list(
            flatten(
                fleet.call(
                    "calls",
                    [{"calls": part} for part in posts],
                    request_timeout=REQUEST_TIMEOUT,
                    timeout=60 + ideas,
                )
            )
        )
        refused = [ack for _phone, ack in acks if not ack.get("ok")]
        if refused:
            raise BenchError(f"post_idea refused: {refused[:3]}")
        idea_ids = sorted(int(ack["data"]["idea"]["id"]) for _phone, ack in acks)
        facilitator.session(
            ("advance_phase", {"phase_id": vote_phase}),
            (
                "configure_vote",
                {
                    "phase_id": vote_phase,
                    "votes_per_participant": votes,
                    "max_per_item": 1,
                    "hidden": False,
                },
            ),
        )
        log(f"  {len(idea_ids)} ideas posted; vote step {vote_phase} configured; storm")
        plan = _plan(phones, idea_ids, votes, args.window, args.seed)
        semis = measure(
            fleet,
            app,
            plan,
            vote_phase,
            lambda: facilitator.state()["votes"][str(vote_phase)].get("tallies", {}),
            window=args.window,
            ack_timeout=args.ack_timeout,
            settle_timeout=args.settle_timeout,
        )
        fleet.call("disconnect", timeout=120)
        semis["server_log"] = app.log_symptoms()
        app.stop()
        # -- bare python-socketio ------------------------------------------------
        bare.start(vote_phase)
        log(f"bare python-socketio server on {bare.url}")
        connect_phones(fleet, bare.url, auth, use_cookie=False, phones=phones)
        log("  storm")
        baseline = measure(
            fleet,
            bare,
            plan,
            vote_phase,
            lambda: _bare_tallies(bare, vote_phase),
            window=args.window,
            ack_timeout=args.bare_timeout,
            settle_timeout=args.bare_timeout,
        )
        fleet.call("disconnect", timeout=120)
        baseline["server_log"] = bare.log_symptoms()
        bare.stop()
    return servers.finish(report(args, workers, semis, baseline), keep=bool(semis["server_log"]))


def _ratio(semis: dict[str, Any], bare: dict[str, Any]) -> tuple[float | None, bool]:
    """Semis's consistency time over the baseline's: ``(ratio, upper_bound)``. When the
    baseline's phones never got there within its wait, it took longer than the wait and
    the ratio is an upper bound."""
    app_ms, bare_ms = semis["consistent_after_last_vote_ms"], bare["consistent_after_last_vote_ms"]
    if app_ms is None:
        return None, False
    if bare_ms:
        return round(app_ms / bare_ms, 4), False
    more_than = bare["consistent_after_last_vote_more_than_ms"]
    if bare_ms is None and more_than:
        return round(app_ms / more_than, 4), True
    return None, False


def report(
    args: argparse.Namespace, workers: int, semis: dict[str, Any], bare: dict[str, Any]
) -> ScenarioResult:
    app_ms, bare_ms = semis["consistent_after_last_vote_ms"], bare["consistent_after_last_vote_ms"]
    ratio, ratio_bound = _ratio(semis, bare)
    p95 = semis["ack_p95_ms"]
    goals = {
        "ack_p95_ms<=50": p95 is not None and p95 <= ACK_P95_GOAL_MS,
        "consistent_after_last_vote_ms<=1000": app_ms is not None and app_ms <= CONSISTENT_GOAL_MS,
        "better_than_bare": ratio is not None and ratio < 1,
    }
    failures = {
        key: semis[key]
        for key in ("acks_missing", "acks_refused", "not_sent", "not_consistent", "gaps")
        if semis[key]
    }
    if semis["database_votes"] != semis["votes"]:
        failures["database_votes_mismatch"] = [semis["database_votes"], semis["votes"]]
    if semis["server_log"]:
        failures["server_log"] = semis["server_log"]
    figures: dict[str, Any] = {
        "phones": args.phones,
        "votes": semis["votes"],
        "ack_p95_ms": p95,
        "consistent_after_last_vote_ms": app_ms,
        "bare_consistent_after_last_vote_ms": bare_ms,
        "consistent_after_last_vote_ack_ms": semis["consistent_after_last_vote_ack_ms"],
        "bare_consistent_after_last_vote_ack_ms": bare["consistent_after_last_vote_ack_ms"],
        "ratio": ratio,
        "ratio_is_upper_bound": ratio_bound,
        "ack_p50_ms": semis["ack_p50_ms"],
        "ack_p99_ms": semis["ack_p99_ms"],
        "ack_max_ms": semis["ack_max_ms"],
        "server_cpu_pct": semis["server_cpu_pct_mean"],
        "server_cpu_ms_per_vote": semis["server_cpu_ms_per_vote"],
        "server_cpu_pct_max": semis["server_cpu_pct_max"],
        "server_rss_mb": semis["server_rss_mb"],
        "bare_ack_p50_ms": bare["ack_p50_ms"],
        "bare_ack_p95_ms": bare["ack_p95_ms"],
        "bare_server_cpu_pct": bare["server_cpu_pct_mean"],
        "bare_server_rss_mb": bare["server_rss_mb"],
        "other_processes_cpu_pct": semis["other_processes_cpu_pct_mean"],
        "failures": failures,
        "goals": goals,
        "settings": {
            "votes_per_phone": args.votes_per_phone,
            "window_s": args.window,
            "ideas": min(args.ideas, args.phones * 10),
            "client_processes": workers,
            "seed": args.seed,
            "settle_timeout_s": args.settle_timeout,
            "bare_timeout_s": args.bare_timeout,
        },
        "semis": semis,
        "bare": bare,
    }

    def pair(label: str, key: str, goal: str = "", met: bool | None = None) -> Row:
        return Row(label, semis.get(key), bare.get(key), goal, met)

    rows = [
        Row("phones", args.phones, args.phones),
        Row(
            "votes acknowledged / planned",
            f"{semis['votes']}/{semis['votes_planned']}",
            f"{bare['votes']}/{bare['votes_planned']}",
        ),
        pair("storm length (last vote sent), s", "storm_s"),
        pair("ack p50, ms", "ack_p50_ms"),
        pair("ack p95, ms", "ack_p95_ms", "<= 50 ms", goals["ack_p95_ms<=50"]),
        pair("ack max, ms", "ack_max_ms"),
        pair(
            "all phones consistent after the last vote, ms",
            "consistent_after_last_vote_ms",
            "<= 1000 ms",
            goals["consistent_after_last_vote_ms<=1000"],
        ),
        pair("  ... some phones still not, after, ms", "consistent_after_last_vote_more_than_ms"),
        pair("  median phone, ms", "consistent_p50_after_last_vote_ms"),
        pair("  slowest phone, from the last vote's ack, ms", "consistent_after_last_vote_ack_ms"),
        pair("phones never consistent (within the wait)", "not_consistent"),
        Row(
            "ratio Semis / bare (consistency time)",
            (f"<= {ratio}" if ratio_bound else ratio),
            None,
            "< 1",
            goals["better_than_bare"],
        ),
        pair("messages received per phone", "messages_per_phone"),
        pair("server CPU time per vote, ms", "server_cpu_ms_per_vote"),
        pair("server CPU mean, % of a core", "server_cpu_pct_mean"),
        pair("server CPU max, % of a core", "server_cpu_pct_max"),
        pair("server RSS max, MB", "server_rss_mb"),
        pair("client processes CPU mean, % of a core", "clients_cpu_pct_mean"),
        pair("other processes CPU mean, % of a core", "other_processes_cpu_pct_mean"),
        pair("client send lag p95, ms", "send_lag_p95_ms"),
        pair("acks missing / refused", "acks_missing"),
        pair("gaps / resyncs", "gaps"),
        pair("phones disconnected", "disconnects"),
    ]
    rows[-3].app = f"{semis['acks_missing']} / {semis['acks_refused']}"
    rows[-3].bare = f"{bare['acks_missing']} / {bare['acks_refused']}"
    rows[-2].app = f"{semis['gaps']} / {semis['resyncs']}"
    rows[-2].bare = "-"
    result = ScenarioResult(figures, rows)
    if semis["acks_missing"] or semis["not_sent"]:
        result.broken.append(
            f"Semis: {semis['acks_missing']} acks missing, {semis['not_sent']} votes not sent; "
            f"{semis['disconnects']} phones disconnected (the first "
            f"{semis['first_disconnect_after_start_s']} s after the storm began); "
            f"client library messages: {semis['client_log'] or 'none'}"
        )
    if semis["acks_refused"]:
        result.broken.append(
            f"Semis: {semis['acks_refused']} votes refused, e.g. {semis['refusals']}"
        )
    if semis["database_votes"] != semis["votes"]:
        result.broken.append(
            f"Semis: the database holds {semis['database_votes']} votes, "
            f"{semis['votes']} were acknowledged"
            + (" (acks lost with the connections)" if semis["disconnects"] else "")
        )
    if semis["not_consistent"]:
        result.notes.append(
            f"Semis: {semis['not_consistent']} phones never showed the database's tallies "
            f"within {semis['waited_for_consistency_s']:.0f} s"
        )
    if semis["server_log"]:
        result.notes.append(f"Semis server log: {semis['server_log']}")
    if bare["acks_missing"] or bare["not_consistent"]:
        result.notes.append(
            f"bare baseline fell behind: {bare['acks_missing']} acks missing, "
            f"{bare['disconnects']} phones disconnected and "
            f"{bare['not_consistent']} phones not consistent after "
            f"{bare['waited_for_consistency_s']:.0f} s"
            + (" (ratio is an upper bound)" if ratio_bound else "")
        )
    return result
