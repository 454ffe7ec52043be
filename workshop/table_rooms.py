"""Delivering the défi tables' facts: table rooms, the personal rooms, the roll-up.

A table's facts (contributions, table votes, synthesis, seating) concern the people at
that table only: they go to the table's rooms and to the facilitators, never to the
workshop's lanes, so their cost does not grow with the room. Each table numbers its
own facts (``table_seq``); they are not stored: a phone that sees a gap, or comes
back, asks for the table's snapshot again (``join_table``).

Rooms, per table: ``workshop:{wid}:table:{tid}`` holds the sockets of the phones
seated there, ``workshop:{wid}:table:{tid}:host`` those of its host (who also sees the
hidden contributions and the seated names). Each participant's sockets are also in
``workshop:{wid}:participant:{pid}``, through which a phone moved by someone else
hears ``table_changed`` on whatever worker it is connected to.

Services never emit: they leave :class:`TableFact`, :class:`Move` and
:class:`SummaryDue` items with :func:`workshop.services.event_log.defer_table`, and
the session's ``after_commit`` hook hands them to :func:`deliver`. The screens and the
facilitators get ``tables_summary``, the roll-up of every table, at most once per
``TABLES_SUMMARY_INTERVAL_MS`` per workshop (:class:`TablesSummaryNotifier`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from .extensions import socketio
from .realtime import Facts, OncePerInterval, facilitator_room, presence_registry, screen_room

log = logging.getLogger(__name__)

NAMESPACE = "/"


#: Facts of the table stream (``table_seq``, to one table's rooms and the facilitators).
TABLE_FACTS: frozenset[str] = frozenset(
    {
        Facts.CONTRIBUTION_POSTED,
        Facts.CONTRIBUTION_CHANGED,
        Facts.TABLE_VOTES_CHANGED,
        Facts.SYNTHESIS_SAVED,
        Facts.TABLE_SEATED,
    }
)
#: Facts sent without a workshop ``seq``: the table stream, the roll-up, the personal
#: ``table_changed``.
UNSEQUENCED: frozenset[str] = TABLE_FACTS | {Facts.TABLES_SUMMARY, Facts.TABLE_CHANGED}


def table_room(workshop_id: int, table_id: int) -> str:
    """The room of the phones seated at a table (this round)."""
    return f"workshop:{workshop_id}:table:{table_id}"


def table_host_room(workshop_id: int, table_id: int) -> str:
    """The room of a table's host (their phone or tablet)."""
    return f"workshop:{workshop_id}:table:{table_id}:host"


def personal_room(workshop_id: int, participant_id: int) -> str:
    """Every socket of one participant, on every worker (``table_changed``)."""
    return f"workshop:{workshop_id}:participant:{participant_id}"


@dataclass(frozen=True)
class TableFact:
    """A committed fact of one table: ``data`` for its host and the facilitators,
    ``public_data`` (when it differs) for the phones seated there."""

    workshop_id: int
    table_id: int
    table_seq: int
    name: str
    data: dict[str, Any]
    public_data: dict[str, Any] | None = None

    def payload(self, *, full: bool) -> dict[str, Any]:
        """The envelope ``{workshop_id, table_id, table_seq}`` and the payload."""
        body = self.data if full or self.public_data is None else self.public_data
        head = {
            "workshop_id": self.workshop_id,
            "table_id": self.table_id,
            "table_seq": self.table_seq,
        }
        return {**head, **body}


@dataclass(frozen=True)
class Move:
    """A participant now sits at ``table_id`` (``None``: unseated), as host of
    ``host_of`` (or not): their sockets change rooms and hear ``table_changed``."""

    workshop_id: int
    participant_id: int
    table_id: int | None
    host_of: int | None = None


@dataclass(frozen=True)
class SummaryDue:
    """Something the roll-up shows changed in this workshop."""

    workshop_id: int


Deferred = TableFact | Move | SummaryDue


def send_table_fact(fact: TableFact, emit: Callable[..., Any] | None = None) -> None:
    """One table fact to its rooms: the full payload to the host and the facilitators,
    the public one to the phones seated there (one emit when both are the same)."""
    send: Callable[..., Any] = emit or socketio.emit
    wid, tid = fact.workshop_id, fact.table_id
    full_rooms = [table_host_room(wid, tid), facilitator_room(wid)]
    try:
        if fact.public_data is None:
            send(fact.name, fact.payload(full=True), to=[table_room(wid, tid), *full_rooms])
        else:
            send(fact.name, fact.payload(full=True), to=full_rooms)
            send(fact.name, fact.payload(full=False), to=table_room(wid, tid))
    except Exception:  # a broken transport must not lose the facts that follow
        log.exception("table fact %s #%s of table %s failed", fact.name, fact.table_seq, tid)


def _server() -> Any:
    return getattr(socketio, "server", None)


# The table room each socket of this process is in, by sid: python-socketio finds a
# socket's rooms by walking every room of the namespace (a personal room per phone), a
# cost that would grow with the room on each join. Only enter_table moves a socket
# between table rooms; forget_socket drops a socket that disconnected.
_TABLE_ROOM_OF: dict[str, str] = {}
_TABLE_ROOM_LOCK = threading.Lock()


def enter_table(sid: str, workshop_id: int, table_id: int | None, *, host: bool) -> None:
    """Put socket ``sid`` (of this process) in the room of ``table_id`` (the host's room
    when ``host``), out of the table room it was in; ``None``: in none."""
    server = _server()
    if server is None:
        return
    wanted = None
    if table_id is not None:
        wanted = (table_host_room if host else table_room)(workshop_id, table_id)
    with _TABLE_ROOM_LOCK:
        current = _TABLE_ROOM_OF.get(sid)
        if current is not None and current != wanted:
            server.leave_room(sid, current, namespace=NAMESPACE)
        if wanted is None:
            _TABLE_ROOM_OF.pop(sid, None)
        else:
            server.enter_room(sid, wanted, namespace=NAMESPACE)
            _TABLE_ROOM_OF[sid] = wanted


def forget_socket(sid: str) -> None:
    """Socket ``sid`` disconnected (the server took it out of every room)."""
    with _TABLE_ROOM_LOCK:
        _TABLE_ROOM_OF.pop(sid, None)


def enter_personal_room(sid: str, workshop_id: int, participant_id: int) -> None:
    server = _server()
    if server is not None:
        server.enter_room(sid, personal_room(workshop_id, participant_id), namespace=NAMESPACE)


def relocate(app: Flask, move: Move, emit: Callable[..., Any] | None = None) -> None:
    """Move the participant's sockets on this process to their new table's room, and
    tell every socket of theirs (any worker) with ``table_changed``: a phone on another
    worker re-joins with ``join_table``."""
    table_id = move.host_of if move.host_of is not None else move.table_id
    for sid in presence_registry(app).participant_sids(move.workshop_id, move.participant_id):
        try:
            enter_table(sid, move.workshop_id, table_id, host=move.host_of is not None)
        except Exception:  # a socket gone meanwhile
            log.debug("could not move socket %s", sid, exc_info=True)
    payload = {
        "workshop_id": move.workshop_id,
        "table_id": move.table_id,
        "host_of": move.host_of,
    }
    try:
        (emit or socketio.emit)(
            Facts.TABLE_CHANGED, payload, to=personal_room(move.workshop_id, move.participant_id)
        )
    except Exception:
        log.exception("table_changed for participant %s failed", move.participant_id)


def deliver(app: Flask, items: Iterable[Deferred]) -> None:
    """What a committed transaction left: table facts (in order), moves, and one
    roll-up per workshop touched."""
    touched: set[int] = set()
    for item in items:
        if isinstance(item, TableFact):
            send_table_fact(item)
            touched.add(item.workshop_id)
        elif isinstance(item, Move):
            relocate(app, item)
            touched.add(item.workshop_id)
        else:
            touched.add(item.workshop_id)
    notifier = tables_summary_notifier(app)
    for workshop_id in sorted(touched):
        notifier.changed(workshop_id)


@dataclass
class TablesSummaryNotifier(OncePerInterval):
    """Sends ``tables_summary`` (not sequenced, not stored) to the screens and the
    facilitators at most once per ``interval_ms`` per workshop, built when it leaves:
    a burst of contributions at 30 tables costs the screen two messages a second.

    ``build`` returns the payload (it reads the database: it runs in a fresh app
    context of ``app``), or ``None`` when the workshop is gone."""

    app: Flask
    interval_ms: int
    build: Callable[[int], Mapping[str, Any] | None]
    emit: Callable[..., Any] = field(default=socketio.emit)
    _scheduled: set[int] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _send(self, workshop_id: int) -> None:
        try:
            with self.app.app_context():  # its own session, whatever the caller's state
                payload = self.build(workshop_id)
            if payload is not None:
                rooms = [facilitator_room(workshop_id), screen_room(workshop_id)]
                self.emit(Facts.TABLES_SUMMARY, payload, to=rooms)
        except Exception:  # the next change sends it again
            log.exception("tables_summary of workshop %s failed", workshop_id)


_KEY = "semis_tables_summary"


def init_app(app: Flask, build_summary: Callable[[int], Mapping[str, Any] | None]) -> None:
    """Attach ``app``'s roll-up notifier (``TABLES_SUMMARY_INTERVAL_MS``)."""
    app.extensions[_KEY] = TablesSummaryNotifier(
        app=app,
        interval_ms=int(app.config.get("TABLES_SUMMARY_INTERVAL_MS", 500)),
        build=build_summary,
    )


def tables_summary_notifier(app: Flask) -> TablesSummaryNotifier:
    found = app.extensions[_KEY]
    if not isinstance(found, TablesSummaryNotifier):
        raise TypeError(f"app.extensions[{_KEY!r}] is a {type(found).__name__}")
    return found
