"""Flask extensions, created unbound and initialised by :func:`workshop.create_app`."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol

from flask import Flask, current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, Table, inspect
from sqlalchemy.orm import DeclarativeBase

# Named constraints let Alembic's batch mode alter them on SQLite.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The models' base class, which mypy sees as it is (``db.Model`` it sees as ``Any``).

    Models subclass it directly, so a misspelt attribute is a type error. It is also
    ``db``'s ``model_class``: ``db.metadata`` is this metadata, so ``db.session``,
    ``db.create_all()`` and Flask-Migrate see the models. Models have no ``Model.query``
    (use ``db.session``).
    """

    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:
        # Every model here maps a table (SQLAlchemy types it as any ``FromClause``), so
        # ``insert(Event.__table__)`` and ``Workshop.__table__.c.seq`` type-check.
        __table__: ClassVar[Table]

    def __repr__(self) -> str:
        """``<Workshop 3>``, as Flask-SQLAlchemy's ``db.Model`` shows a row."""
        state = inspect(self)
        if state.transient or state.pending:
            key = f"({'transient' if state.transient else 'pending'} {id(self)})"
        else:
            key = ", ".join(map(str, state.identity or ()))
        return f"<{type(self).__name__} {key}>"


db = SQLAlchemy(model_class=Base)
socketio = SocketIO()
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


class AsyncEvent(Protocol):
    """An event of the Socket.IO server's async mode (threading, eventlet or gevent)."""

    def set(self) -> None: ...
    def wait(self, timeout: float | None = None) -> object: ...


def create_event() -> AsyncEvent:
    """A new event of the async mode the server runs under (once :data:`socketio` is
    initialised)."""
    event: AsyncEvent = socketio.server.eio.create_event()  # type: ignore[attr-defined]  # the stubs omit SocketIO.server
    return event


def sleep(seconds: float) -> None:
    """Yield to the async mode for ``seconds``: :meth:`SocketIO.sleep`, which takes a
    fraction of a second too (the stubs type ``seconds`` as ``int``)."""
    socketio.sleep(seconds)  # type: ignore[arg-type]  # the stubs say int; any number works


def current_app_object() -> Flask:
    """The app behind :data:`flask.current_app` (not the proxy), for code that keeps it or
    reads it often."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # typed as Flask, it is a LocalProxy
    return app
