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

The seating's baseline is the same frameworks on the same steps as a phone scanning a
table's QR code: a bare Flask app (no extension) answers ``GET /j/<code>/t/<table>``
with a form page of ``--page-bytes`` holding a random ``csrf_token``; its ``POST``
(a ``csrf_token`` and a ``display_name``) gives the phone a participant number and a
``semis_p<--workshop-id>`` cookie and answers 302. A socket bearing that cookie that
sends ``join_workshop`` enters its table's room, and the snapshot holds ``me`` and its
``table``, padded to ``--snapshot-bytes``. No database, no signing, no template.
"""

from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import argparse  # noqa: E402
import itertools  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
from collections import Counter  # noqa: E402
from typing import Any  # noqa: E402

import eventlet.wsgi  # noqa: E402
import flask  # noqa: E402
import socketio  # noqa: E402
from werkzeug.http import parse_cookie  # noqa: E402

ROOM = "phones"

FORM_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Rejoindre</title></head><body><form method="post">
<input type="hidden" name="csrf_token" value="{token}">
<input name="display_name"><select name="profile"><option>citizen</option></select>
<button>Rejoindre</button></form><!-- {filler} --></body></html>"""


class Seats:
    """The participants the join form made, by cookie, and where each sits."""

    def __init__(self) -> None:
        self.by_cookie: dict[str, tuple[dict[str, Any], int | None]] = {}
        self.numbers = itertools.count(1)


def create_http(seats: Seats, workshop_id: int, page_bytes: int) -> flask.Flask:
    """The join form of a table's QR code (or of the workshop's code), bare Flask."""
    http = flask.Flask("bare")
    filler = "x" * max(0, page_bytes - len(FORM_PAGE))

    @http.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @http.route("/j/<code>", methods=["GET", "POST"])
    @http.route("/j/<code>/t/<int:table>", methods=["GET", "POST"])
    def join(code: str, table: int | None = None) -> Any:
        if flask.request.method == "GET":
            return FORM_PAGE.format(token=secrets.token_urlsafe(32), filler=filler)
        form = flask.request.form
        if not form.get("csrf_token") or not form.get("display_name"):
            return "csrf_token and display_name are required", 400
        number = next(seats.numbers)
        me = {"id": number, "display_name": form["display_name"], "profile": form.get("profile")}
        cookie = secrets.token_urlsafe(32)
        seats.by_cookie[cookie] = (me, table)
        response = flask.redirect(f"/w/{code}")
        response.set_cookie(f"semis_p{workshop_id}", cookie, httponly=True, samesite="Lax")
        return response

    return http


def create_app(
    phase_id: int, *, workshop_id: int = 1, page_bytes: int = 0, snapshot_bytes: int = 0
) -> socketio.WSGIApp:
    sio = socketio.Server(async_mode="eventlet")
    tallies: Counter[str] = Counter()
    ideas: list[str] = []
    seats = Seats()
    seated: dict[str, tuple[dict[str, Any], int | None]] = {}  # sid -> participant, table
    padding = "x" * snapshot_bytes

    @sio.on("connect")
    def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        cookie = parse_cookie(environ.get("HTTP_COOKIE", "")).get(f"semis_p{workshop_id}")
        if cookie in seats.by_cookie:
            seated[sid] = seats.by_cookie[cookie]

    @sio.on("disconnect")
    def disconnect(sid: str, *_reason: Any) -> None:
        seated.pop(sid, None)

    @sio.on("join_workshop")
    def join_workshop(sid: str, _data: Any = None) -> dict[str, Any]:
        sio.enter_room(sid, ROOM)
        votes = {str(phase_id): {"phase_id": phase_id, "tallies": dict(tallies)}}
        state: dict[str, Any] = {"seq": 0, "votes": votes}
        me, table = seated.get(sid, (None, None))
        if me is not None:
            state["me"] = me
        if table is not None:
            sio.enter_room(sid, f"table:{table}")
            state["table"] = {"id": table, "number": table, "padding": padding}
        return {"ok": True, "data": {"mode": "snapshot", "state": state}}

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

    return socketio.WSGIApp(sio, create_http(seats, workshop_id, page_bytes))


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
    parser.add_argument("--workshop-id", type=int, default=1, help="names the join cookie")
    parser.add_argument("--page-bytes", type=int, default=0, help="the join form's size")
    parser.add_argument("--snapshot-bytes", type=int, default=0, help="a table's padding")
    args = parser.parse_args()
    if not args.host.startswith("127."):
        sys.exit("the bare server listens on the loopback interface only")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    eventlet.spawn(_exit_with_parent, os.getppid())
    # The backlog Flask-SocketIO gives run.py's listener (eventlet's default).
    listener = eventlet.listen((args.host, args.port))
    print(f"bare python-socketio server on http://{args.host}:{args.port}", flush=True)
    app = create_app(
        args.phase_id,
        workshop_id=args.workshop_id,
        page_bytes=args.page_bytes,
        snapshot_bytes=args.snapshot_bytes,
    )
    eventlet.wsgi.server(listener, app, log_output=False)


if __name__ == "__main__":
    main()
