"""The baseline the benchmarks compare Semis with: a bare python-socketio server on
eventlet that does the obvious thing and nothing more.

``python -m bench.bare_server --port 5099 --phase-id 4``

It speaks the small subset of the Semis protocol the benchmarks use, so the very same
phones drive both servers: ``join_workshop`` puts the socket in one room and answers a
snapshot with the tallies; ``cast_vote`` ``{"idea_id"}`` adds a dot to an in-memory
tally, acks, and emits that idea's new tally to every phone at once — every vote, no
coalescing, no database, no budget, no authentication. ``post_idea`` ``{"title", ...}``
gives the idea the next id, emits ``idea_posted`` ``{"idea"}`` to every phone and acks
``{"idea"}`` (the fan-out). ``GET /healthz`` answers 200.
"""

from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import argparse  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
from collections import Counter  # noqa: E402
from typing import Any  # noqa: E402

import eventlet.wsgi  # noqa: E402
import socketio  # noqa: E402

ROOM = "phones"


def create_app(phase_id: int) -> socketio.WSGIApp:
    sio = socketio.Server(async_mode="eventlet")
    tallies: Counter[str] = Counter()
    ideas: list[str] = []

    @sio.on("connect")
    def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        return None

    @sio.on("join_workshop")
    def join_workshop(sid: str, _data: Any = None) -> dict[str, Any]:
        sio.enter_room(sid, ROOM)
        votes = {str(phase_id): {"phase_id": phase_id, "tallies": dict(tallies)}}
        return {"ok": True, "data": {"mode": "snapshot", "state": {"seq": 0, "votes": votes}}}

    @sio.on("cast_vote")
    def cast_vote(sid: str, data: Any = None) -> dict[str, Any]:
        idea_id = str(data.get("idea_id")) if isinstance(data, dict) else ""
        if not idea_id:
            return {"ok": False, "error": {"code": "invalid_input", "message": "idea_id"}}
        tallies[idea_id] += 1
        # No yield between the increment and the emit (it only queues the packets), so
        # the tallies of one idea leave in increasing order.
        sio.emit(
            "votes_changed",
            {"phase_id": phase_id, "tallies": {idea_id: tallies[idea_id]}},
            to=ROOM,
        )
        return {"ok": True, "data": {"phase_id": phase_id}}

    @sio.on("post_idea")
    def post_idea(sid: str, data: Any = None) -> dict[str, Any]:
        if not isinstance(data, dict) or not isinstance(data.get("title"), str):
            return {"ok": False, "error": {"code": "invalid_input", "message": "title"}}
        ideas.append(data["title"])
        idea = {"id": len(ideas), "title": data["title"], "description": data.get("description")}
        sio.emit("idea_posted", {"idea": idea}, to=ROOM)
        return {"ok": True, "data": {"idea": idea}}

    def health(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"status": "ok"}']
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return socketio.WSGIApp(sio, health)


def _exit_with_parent(parent: int) -> None:
    """Stop when the harness that started us is gone (however it ended)."""
    while True:
        eventlet.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--phase-id", type=int, default=1)
    args = parser.parse_args()
    if not args.host.startswith("127."):
        sys.exit("the bare server listens on the loopback interface only")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    eventlet.spawn(_exit_with_parent, os.getppid())
    # The backlog Flask-SocketIO gives run.py's listener (eventlet's default).
    listener = eventlet.listen((args.host, args.port))
    print(f"bare python-socketio server on http://{args.host}:{args.port}", flush=True)
    eventlet.wsgi.server(listener, create_app(args.phase_id), log_output=False)


if __name__ == "__main__":
    main()
