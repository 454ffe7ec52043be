"""Steps the load scenarios share: find a step of the agenda, join the phones through
the join form, connect them, and fail loudly when some phones could not."""

from __future__ import annotations

from typing import Any

from .harness import BenchError, log
from .phones import Fleet
from .servers import AppServer

REQUEST_TIMEOUT = 30.0


def phase_id(state: dict[str, Any], kind: str) -> int:
    """The id of the first step of ``kind`` in a facilitator's snapshot."""
    for phase in state["phases"]:
        if phase["kind"] == kind:
            return int(phase["id"])
    raise BenchError(f"the workshop's agenda has no {kind} step")


def check_failures(what: str, answers: list[dict[str, Any]], total: int) -> float:
    """Raise when any phone failed ``what``; else the slowest client process's seconds."""
    failures = [f for answer in answers for f in answer["failures"]]
    if failures:
        sample = "\n".join(f"  phone {i}: {error}" for i, error in failures[:10])
        raise BenchError(f"{len(failures)} of {total} phones failed to {what}:\n{sample}")
    return max(answer["seconds"] for answer in answers)


def join_phones(fleet: Fleet, app: AppServer | Any, phones: int) -> float:
    """Create the phones in the client processes; each fills in the join form. Returns
    the seconds the slowest client process took."""
    fleet.call("create", [{"indices": part} for part in fleet.shard(phones)], timeout=60)
    seconds = check_failures(
        "join over HTTP",
        fleet.call(
            "join_http",
            base_url=app.url,
            code=app.workshop["code"],
            workshop_id=app.workshop["id"],
            concurrency=max(2, 16 // fleet.size),
            request_timeout=REQUEST_TIMEOUT,
            timeout=phones * 0.5 + 60,
        ),
        phones,
    )
    log(f"  {phones} phones joined the workshop (join form) in {seconds:.1f} s")
    return seconds


def connect_phones(
    fleet: Fleet,
    url: str,
    auth: dict[str, Any],
    *,
    use_cookie: bool,
    phones: int,
    compress: bool = False,
) -> float:
    """Open every phone's socket and ``join_workshop``; returns the seconds it took."""
    seconds = check_failures(
        "connect",
        fleet.call(
            "connect",
            base_url=url,
            auth=auth,
            use_cookie=use_cookie,
            compress=compress,
            concurrency=max(4, 32 // fleet.size),
            request_timeout=REQUEST_TIMEOUT,
            timeout=phones * 0.5 + 60,
        ),
        phones,
    )
    log(f"  {phones} phones connected and joined in {seconds:.1f} s")
    return seconds
