"""Recording events inside a transaction, and sending them once it commits.

Every mutating service starts with :func:`lock_workshop`, which takes the write lock
on the workshop (a row lock on PostgreSQL, the database write lock on SQLite) before
anything is read, so checks and writes see one consistent state and ``seq`` grows
strictly per workshop, even across server processes. :func:`record` then gives each
fact the next ``seq`` and stores it; an ``after_commit`` hook hands the facts to the
broadcaster, and a rollback drops them: nothing is emitted inside a transaction and
nothing uncommitted is ever emitted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, delete, event, insert, select, update
from sqlalchemy.orm import Session

from .. import realtime, table_rooms
from ..errors import NotFound
from ..extensions import current_app_object, db
from ..models import Event, Workshop
from ..realtime import Fact
from ..roles import Role

_PENDING = "semis_pending_facts"
_PENDING_TABLES = "semis_pending_table_items"


def lock_workshop(workshop_id: int) -> Workshop:
    """Take the workshop's write lock and return it freshly loaded.

    Raises :class:`NotFound` when it does not exist.
    """
    _lock(workshop_id, _LOCK)
    workshop = db.session.get(Workshop, workshop_id, populate_existing=True)
    assert workshop is not None  # noqa: S101 - the lock just matched it
    return workshop


def record(
    workshop: Workshop,
    name: str,
    data: Mapping[str, object],
    public_data: Mapping[str, object] | None = None,
) -> Fact:
    """Record fact ``name`` for ``workshop`` in the current transaction.

    ``data`` is what facilitators receive; ``public_data`` what participants and screens
    receive when it differs: each the payload type of :mod:`workshop.wire` named after
    the fact. The caller must hold the lock (:func:`lock_workshop`).
    """
    workshop.seq = (workshop.seq or 0) + 1
    stored, public = dict(data), _json(public_data)
    db.session.add(
        Event(
            workshop_id=workshop.id,
            seq=workshop.seq,
            name=name,
            data=stored,
            public_data=public,
        )
    )
    return _pending(Fact(workshop.id, workshop.seq, name, stored, public))


def redact(workshop: Workshop) -> None:
    """The change being made hides what earlier facts showed (an idea withdrawn or
    hidden, an author erased, authors hidden): delete the facts recorded so far and
    never replay across them. A client behind this point gets a snapshot, built with
    what its role may see now. Call it before recording the change's own facts; the
    caller holds the lock."""
    workshop.redacted_seq = workshop.seq or 0
    db.session.execute(
        delete(Event).where(Event.workshop_id == workshop.id, Event.seq <= workshop.redacted_seq)
    )


def forget(workshop: Workshop) -> int:
    """Delete the whole event log of ``workshop`` (a closed workshop past its
    compaction delay); returns how many facts went. The caller holds the lock."""
    workshop.redacted_seq = workshop.seq or 0
    result = db.session.execute(delete(Event).where(Event.workshop_id == workshop.id))
    return int(getattr(result, "rowcount", 0) or 0)


def _json(payload: Mapping[str, object] | None) -> dict[str, Any] | None:
    """A payload as the JSON object it is stored and sent as (a shallow copy)."""
    return None if payload is None else dict(payload)


_WORKSHOPS = Workshop.__table__
_EVENTS = Event.__table__
# The one lock idiom: an UPDATE of the workshop's row. It is a row lock on PostgreSQL
# and the database write lock on SQLite, held until the transaction ends. The ORM path
# writes ``seq`` unchanged and reloads the workshop; the vote hot path takes the next
# ``seq`` and what it needs of the workshop in the same statement.
_LOCK = (
    update(_WORKSHOPS)
    .where(_WORKSHOPS.c.id == bindparam("b_workshop"))
    .values(seq=_WORKSHOPS.c.seq)
    .returning(_WORKSHOPS.c.seq, _WORKSHOPS.c.status, _WORKSHOPS.c.current_phase_id)
)
_TAKE_SEQ = _LOCK.values(seq=_WORKSHOPS.c.seq + 1)
_INSERT_EVENT = insert(_EVENTS)


def _lock(workshop_id: int, statement: Any) -> Any:
    row = db.session.connection().execute(statement, {"b_workshop": workshop_id}).one_or_none()
    if row is None:
        raise NotFound()
    return row


def take_seq(workshop_id: int) -> tuple[int, str, int | None]:
    """Take the workshop's write lock and its next ``seq`` in one statement, for hot
    paths that write with prepared SQL statements rather than ORM objects.

    Returns ``(seq, status, current_phase_id)``; the caller must record exactly one
    fact with that ``seq`` (:func:`record_at`) or roll back. Raises :class:`NotFound`.
    """
    row = _lock(workshop_id, _TAKE_SEQ)
    return int(row[0]), str(row[1]), row[2]


def record_at(
    workshop_id: int,
    seq: int,
    name: str,
    data: Mapping[str, object],
    public_data: Mapping[str, object] | None = None,
) -> Fact:
    """Record fact ``name`` with the ``seq`` taken by :func:`take_seq`."""
    stored, public = dict(data), _json(public_data)
    db.session.connection().execute(
        _INSERT_EVENT,
        {
            "workshop_id": workshop_id,
            "seq": seq,
            "name": name,
            "data": stored,
            "public_data": public,
        },
    )
    return _pending(Fact(workshop_id, seq, name, stored, public))


def _pending(fact: Fact) -> Fact:
    db.session.info.setdefault(_PENDING, []).append(fact)
    return fact


def defer_table(item: table_rooms.Deferred) -> None:
    """Leave a table fact, a seat move or a roll-up change to deliver once the current
    transaction commits (:func:`workshop.table_rooms.deliver`); a rollback drops it.
    A table fact's ``table_seq`` is taken under the workshop's lock."""
    db.session.info.setdefault(_PENDING_TABLES, []).append(item)


def replay(workshop_id: int, after_seq: int, role: Role) -> list[dict[str, Any]] | None:
    """The events after ``after_seq`` as ``[{"name", "data"}]`` for ``role``.

    Returns ``None`` when a snapshot is cheaper (too many missed, or ``after_seq`` is
    ahead of the workshop, e.g. after a database restore) or the only safe answer (a
    redaction happened since ``after_seq``: :func:`redact`).
    """
    found = db.session.execute(
        select(Workshop.seq, Workshop.redacted_seq).where(Workshop.id == workshop_id)
    ).one_or_none()
    if found is None:
        raise NotFound()
    current, redacted = found
    missed = current - after_seq
    if missed < 0 or missed > current_app.config["REPLAY_LIMIT"]:
        return None
    if after_seq < redacted:  # the facts it missed showed what is no longer visible
        return None
    rows = db.session.scalars(
        select(Event)
        .where(Event.workshop_id == workshop_id, Event.seq > after_seq)
        .order_by(Event.seq)
    ).all()
    if len(rows) != missed:  # events pruned or a gap: the snapshot is the safe answer
        return None
    return [
        {
            "name": row.name,
            "data": Fact(workshop_id, row.seq, row.name, row.data, row.public_data).payload(role),
        }
        for row in rows
    ]


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    facts = session.info.pop(_PENDING, None)
    if facts:
        realtime.broadcaster(current_app_object()).publish(facts)
    table_items = session.info.pop(_PENDING_TABLES, None)
    if table_items:
        table_rooms.deliver(current_app_object(), table_items)


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_PENDING_TABLES, None)
