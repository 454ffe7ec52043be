"""The steps of :func:`workshop.create_app`, one function each."""

from __future__ import annotations

import functools
import gzip
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

import click
from flask import Flask, Response, abort, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter, Map
from werkzeug.security import safe_join

from .config import DEFAULT_SECRET_KEY, ROOT, Config
from .schemas.fields import INT_MAX

#: Static files worth compressing (images and fonts here are already compressed).
COMPRESSIBLE_TYPES = frozenset(
    {"text/css", "text/javascript", "application/javascript", "application/json", "image/svg+xml"}
)


@functools.lru_cache(maxsize=256)
def _gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    """A static file gzipped once per version (path, mtime, size) and kept: a phone's
    assets are the same for the 1,000 phones of an evening. Level 9, paid once."""
    del mtime_ns, size  # the cache key: a file changed on disk is compressed again
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)


class SemisFlask(Flask):
    """Flask whose static files go out gzipped to browsers that accept it (issue #13:
    a phone joining received 189 KB of scripts and styles; 3-4 times less gzipped).

    Only static files, compressed once and cached: they hold no secret. Pages are not
    compressed: a page carries its CSRF token beside what the user typed, which a
    compressed HTTPS response would let an attacker guess byte by byte (BREACH). The
    Socket.IO path never reaches Flask (Engine.IO compresses its own polling
    responses, and WebSocket compression is declined on purpose)."""

    def send_static_file(self, filename: str) -> Response:
        response = super().send_static_file(filename)
        response.vary.add("Accept-Encoding")
        if (
            response.status_code != 200
            or response.mimetype not in COMPRESSIBLE_TYPES
            or "Content-Encoding" in response.headers
            or request.accept_encodings["gzip"] <= 0
            or self.static_folder is None
        ):
            return response
        path = safe_join(self.static_folder, filename)
        if path is None:  # pragma: no cover - send_static_file answered 404 already
            return response
        stat = os.stat(path)
        body = _gzipped(path, stat.st_mtime_ns, stat.st_size)
        response.close()  # the file send_file opened
        response.direct_passthrough = False
        response.set_data(body)
        response.headers["Content-Encoding"] = "gzip"
        response.headers.pop("Accept-Ranges", None)  # ranges would be of the plain file
        etag, weak = response.get_etag()
        if etag:  # another representation, another validator (RFC 9110 8.8.3)
            response.set_etag(f"{etag}-gzip", weak=bool(weak))
        # The plain file's validator did not match a browser holding the gzipped one.
        response.make_conditional(request)
        return response


class DatabaseId(IntegerConverter):
    """``<int:…>`` in a route: an id the database can hold (at most 2^31 - 1, PostgreSQL's
    integer). A larger number is no page (404) instead of an error of the database
    (SQLite cannot take one beyond 2^63, PostgreSQL beyond 2^31)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INT_MAX)
        super().__init__(url_map, *args, **kwargs)


def make_flask() -> Flask:
    # static/ and templates/ sit at the top level, beside the package (see README).
    app = SemisFlask(
        "workshop",
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
        instance_path=os.environ.get("WORKSHOP_INSTANCE_PATH") or str(ROOT / "instance"),
    )
    app.url_map.converters["int"] = DatabaseId
    return app


def load_config(app: Flask, config: type | Mapping[str, Any] | None) -> None:
    app.config.from_object(Config)
    app.config.from_prefixed_env("WORKSHOP")
    # The async mode belongs to the server process (run.py passes it); a `flask`
    # command or a test must never load eventlet without its monkey-patching.
    app.config["ASYNC_MODE"] = Config.ASYNC_MODE
    if isinstance(config, Mapping):
        app.config.from_mapping(config)
    elif config is not None:
        app.config.from_object(config)
    url = app.config["DATABASE_URL"] or "sqlite:///semis.sqlite3"
    if url.startswith("postgres://"):  # the scheme some hosts still hand out
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("postgresql"):
        # Each worker serves hundreds of sockets on green threads; a connection is held
        # for one event at a time. pre_ping: a worker outlives a PostgreSQL restart.
        pool: dict[str, object] = {
            "pool_size": 10,
            "max_overflow": 20,
            "pool_timeout": 30,
            "pool_pre_ping": True,
        }
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = pool | dict(
            app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        )
    if url.startswith("sqlite") and ":memory:" not in url and url != "sqlite://":
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options.setdefault("connect_args", {"timeout": 15})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "translations")
    app.config["RATELIMIT_STORAGE_URI"] = app.config["RATELIMIT_STORAGE_URI"]
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)


def check_secret_key(app: Flask) -> None:
    """Refuse the default key in production; in development keep a random one on disk."""
    if app.config["SECRET_KEY"] != DEFAULT_SECRET_KEY:
        return
    if app.config["ENV"] == "production":
        raise RuntimeError(
            "WORKSHOP_SECRET_KEY must be set in production "
            "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def configure_logging(app: Flask) -> None:
    if app.debug or app.testing:
        return
    level = getattr(logging, str(app.config["LOG_LEVEL"]).upper(), logging.INFO)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for name in ("workshop", app.logger.name):
        logging.getLogger(name).setLevel(level)


def configure_proxy(app: Flask) -> None:
    count = int(app.config["PROXY_COUNT"])
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way to wrap it
            app.wsgi_app, x_for=count, x_proto=count, x_host=count
        )


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run while one writer writes; a busy timeout waits for the lock."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted data is overwritten, not left in free pages (erasure, purge).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()


def init_database(app: Flask) -> None:
    from .extensions import db

    db.init_app(app)
    app.extensions["migrate"] = _DeferredMigrate(app)
    app.cli.add_command(_MigrateCommands(app))


class _DeferredMigrate:
    """``app.extensions["migrate"]`` until something migrates: Flask-Migrate imports
    alembic (about 30 MB) when it is imported, and a server never migrates. The first
    attribute read (``flask db …``, ``flask_migrate.upgrade()``, migrations/env.py)
    sets Flask-Migrate up for real, which puts its own object in its place."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._real: Any = None

    def load(self) -> Any:
        if self._real is None:
            from flask_migrate import Migrate

            from .extensions import db

            Migrate(self._app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
            self._real = self._app.extensions["migrate"]
        return self._real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.load(), name)


class _MigrateCommands(click.Group):
    """``flask db``: Flask-Migrate's commands, imported when one is asked for."""

    def __init__(self, app: Flask) -> None:
        super().__init__("db", help="Perform database migrations.")
        self._app = app

    def _commands(self) -> click.Group:
        config = self._app.extensions["migrate"]
        if isinstance(config, _DeferredMigrate):
            config.load()
        # Flask-Migrate's set-up put its own ``db`` group in this one's place.
        commands = self._app.cli.commands["db"]
        if not isinstance(commands, click.Group) or commands is self:
            raise RuntimeError("Flask-Migrate did not register its db commands")
        return commands

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        # Flask-Migrate's own group runs (its options, its callback, its commands).
        return self._commands().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._commands().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._commands().get_command(ctx, cmd_name)


def select_locale() -> str | None:
    from flask import current_app, has_request_context

    if not has_request_context():
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get("semis_lang")
    if chosen in languages:
        return chosen
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def init_extensions(app: Flask) -> None:
    # throttle first: it registers the memory:// storage that limiter.init_app builds.
    from . import realtime, throttle  # noqa: F401 - throttle is imported for that
    from .extensions import babel, csrf, limiter, login_manager, socketio

    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    # Before Flask-Login's: after-request functions run last-registered first, so this
    # one sees the remember cookie Flask-Login sets.
    secure_cookies_over_https(app)
    login_manager.init_app(app)
    login_manager.login_view = "main.login"
    login_manager.login_message_category = "info"
    limiter.init_app(app)
    # Import the handlers before the first init_app: decorated while socketio has no
    # server yet, they are kept and bound to the server of every app created later;
    # decorated after, they would reach the first app's server only.
    from . import (
        pitch_sockets,  # noqa: F401 - the pitch step's handlers (issue #14)
        sockets,  # noqa: F401 - registers the Socket.IO handlers
        table_sockets,  # noqa: F401 - and the défi tables' handlers
    )

    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config["MESSAGE_QUEUE"],
        cors_allowed_origins=app.config["CORS_ORIGINS"] or None,  # type: ignore[arg-type]  # None (same origin only) is allowed; the stubs omit it
        max_http_buffer_size=int(app.config["MAX_MESSAGE_BYTES"]),
        logger=False,
        engineio_logger=False,
    )
    # Flask-SocketIO runs every event in a request context built from the connection's
    # handshake (a /socket.io/ URL). With no rule for that path each context keeps a
    # NotFound and its traceback: a reference cycle per event, which only the garbage
    # collector frees (about 60 objects a vote in a storm, and collections that stall
    # every connection). These rules (one for polling, one for WebSocket handshakes) make
    # the match succeed; they are never served, the Socket.IO middleware answers that
    # path before Flask sees it.
    for websocket in (False, True):
        app.add_url_rule(
            f"/{SOCKETIO_PATH}/",
            endpoint=f"socketio_{'websocket' if websocket else 'polling'}",
            view_func=_not_served,
            websocket=websocket,
        )
    realtime.init_app(app)
    from . import table_rooms
    from .services import seating

    table_rooms.init_app(app, seating.tables_summary)


SOCKETIO_PATH = "socket.io"


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is ``Secure`` when the setting says so or the request came
    over HTTPS (behind a proxy, ``WORKSHOP_PROXY_COUNT`` makes that visible)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def secure_cookies_over_https(app: Flask) -> None:
    """Mark the session and remember cookies ``Secure`` on HTTPS requests."""
    app.session_interface = HttpsAwareSessionInterface()

    @app.after_request
    def secure_remember_cookie(response: Any) -> Any:
        if not request.is_secure:
            return response
        name = f"{app.config['REMEMBER_COOKIE_NAME']}="
        cookies = response.headers.getlist("Set-Cookie")
        if any(cookie.startswith(name) for cookie in cookies):
            response.headers.setlist(
                "Set-Cookie",
                [
                    f"{cookie}; Secure"
                    if cookie.startswith(name) and "; Secure" not in cookie
                    else cookie
                    for cookie in cookies
                ],
            )
        return response


def _not_served() -> NoReturn:
    abort(404)


def register_blueprints(app: Flask) -> None:
    from .views import api, fabrique, facilitator, main, participant, privacy, screen, team

    for module in (main, facilitator, team, participant, privacy, screen, fabrique, api):
        app.register_blueprint(module.bp)
    from .views import exports

    app.register_blueprint(exports.bp)
    from .views import tables

    app.register_blueprint(tables.bp)
    from .views import calls, committees, followers, idea_boxes, projects, reports

    for module in (projects, committees, calls, idea_boxes, reports, followers):
        app.register_blueprint(module.bp)
    from .views import cycles, jury, my_project

    for module in (cycles, my_project, jury):
        app.register_blueprint(module.bp)
    from .stages import MATURITY_LABELS, STAGE_LABELS
    from .views.common import inject_globals

    app.context_processor(inject_globals)
    # Globals, not context: imported macros (``_qualify.html``) see them too.
    app.jinja_env.globals.update(stage_labels=STAGE_LABELS, maturity_labels=MATURITY_LABELS)


def register_error_handlers(app: Flask) -> None:
    from .views.common import register_error_handlers as register

    register(app)


# Scripts and styles come from this server only; nothing a participant writes can run.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        # 'self' covers a WebSocket to this same origin (ws: or wss:) under CSP 3:
        # Chromium 71+, Firefox, Safari 16+. An older Safari refuses the WebSocket and
        # Socket.IO stays on long polling, which is plain same-origin HTTP.
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


#: Pages no browser or proxy should keep: consoles, teams and invitation links,
#: portfolios, exports, the API, and the account's own pages.
PRIVATE_BLUEPRINTS = frozenset({"facilitator", "team", "fabrique", "exports", "api", "privacy"})
# The tables page lists each table's host link; the cards print its seat link.
PRIVATE_ENDPOINTS = frozenset(
    {"main.change_password", "main.login", "main.setup", "tables.page", "tables.cards"}
)


def register_security_headers(app: Flask) -> None:
    hsts_seconds = int(app.config["HSTS_SECONDS"])

    @app.after_request
    def security_headers(response: Any) -> Any:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if request.blueprint in PRIVATE_BLUEPRINTS or request.endpoint in PRIVATE_ENDPOINTS:
            headers.setdefault("Cache-Control", "no-store")
        if hsts_seconds > 0:
            headers.setdefault("Strict-Transport-Security", f"max-age={hsts_seconds}")
        return response


def register_commands(app: Flask) -> None:
    from . import portfolio_cli
    from .cli import register

    register(app)
    portfolio_cli.register(app)
    start_mail_worker(app)


def start_mail_worker(app: Flask) -> None:
    """Start the followers' mail worker (``MAIL_WORKER``) in the server process, with its
    first request: a ``flask`` command (migrations, ``mail send``) serves none, so it
    starts no worker. Test apps start it themselves when they want it."""
    if not app.config.get("MAIL_WORKER") or app.testing:
        return
    from .services import followers, mail

    @app.before_request
    def _start_mail_worker() -> None:
        # Once: start_worker answers False, at the cost of a dict look-up, afterwards.
        mail.start_worker(app, prepare=followers.prepare_mail, personalise=followers.personalise)
