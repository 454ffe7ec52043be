"""What SQLite plans for the statements a piece of code runs: a test names the index a
hot query must go through, so that a query walking a whole table (a cost growing with
the room, or with the database) fails a test instead of a busy evening."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from workshop.extensions import db


@contextmanager
def statements(wanted: Callable[[str], bool]) -> Iterator[list[tuple[str, Any]]]:
    """The ``(sql, parameters)`` of the statements run inside the block that ``wanted``
    accepts."""
    seen: list[tuple[str, Any]] = []

    def statement(_conn: Any, _cursor: Any, sql: str, params: Any, *_args: Any) -> None:
        if wanted(sql):
            seen.append((sql, params))

    event.listen(db.engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)


def plan(sql: str, params: Any) -> str:
    """SQLite's query plan for one statement, its steps joined by `` | ``."""
    rows = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
    return " | ".join(str(row[-1]) for row in rows)
