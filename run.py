"""Production server: ``python run.py`` (``make run`` calls it after migrating).

eventlet is imported here and nowhere else: it must patch the standard library before
anything else is imported. ``WORKSHOP_ASYNC_MODE=gevent`` selects the documented
fallback, ``threading`` a plain development server. ``HOST`` and ``PORT`` say where
to listen (default 127.0.0.1:5000; use HOST=0.0.0.0 to reach it from phones on the LAN).
"""

import os
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

# python-dotenv touches no socket or thread, so reading .env before patching is safe,
# and it lets .env choose the async mode too.
from dotenv import load_dotenv

if os.environ.get("FLASK_SKIP_DOTENV") != "1":  # the same switch as the flask command
    load_dotenv()
ASYNC_MODE = os.environ.get("WORKSHOP_ASYNC_MODE", "eventlet")
if ASYNC_MODE == "eventlet":
    # eventlet warns on import that it is deprecated upstream; we know (see README).
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()
    # psycopg (PostgreSQL) waits for query results in C unless it sees gevent's patching:
    # under eventlet that would freeze every connection for the length of each query.
    # Its select()-based wait goes through eventlet's green select instead.
    os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")
elif ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()

from workshop import collector, create_app, offload  # noqa: E402 - must come after monkey-patching
from workshop.extensions import socketio  # noqa: E402

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask


def _server_options(max_connections: int) -> dict[str, object]:
    """What the async mode's WSGI server needs beyond Flask-SocketIO's defaults.

    eventlet's server runs each connection in a green thread from a pool of 1,024 by
    default (``max_size``), and a WebSocket keeps its thread for as long as it is open:
    the 1,025th phone of a worker would wait, unanswered, until another left.
    ``WORKSHOP_MAX_CONNECTIONS`` (5,000) sets the pool; gevent's server has no such cap."""
    if ASYNC_MODE == "eventlet":
        return {"max_size": max_connections}
    if ASYNC_MODE == "gevent":
        return _gevent_options()
    return {}


def _gevent_options() -> dict[str, object]:
    """gevent's WSGI server keeps a connection open once its WebSocket has ended (the
    socket was handed to simple-websocket) and reads the client's last frames as a new
    HTTP request: "Invalid HTTP method" in the log, a 400 written into the closing
    WebSocket, sometimes a BrokenPipe traceback. End the connection with the WebSocket.
    (With gevent-websocket installed, Flask-SocketIO uses that package's handler.)"""
    try:
        import geventwebsocket  # noqa: F401
    except ImportError:
        pass
    else:
        return {}
    from gevent import pywsgi

    class WebSocketClosingHandler(pywsgi.WSGIHandler):
        def handle_one_response(self) -> None:
            super().handle_one_response()
            if self.environ.get("HTTP_UPGRADE", "").lower() == "websocket":
                self.close_connection = True

    return {"handler_class": WebSocketClosingHandler}


def _without_websocket_compression(wsgi_app: "WSGIApplication") -> "WSGIApplication":
    """Hide the client's WebSocket extension offer from the server, so that no socket
    negotiates permessage-deflate (browsers always offer it; eventlet and simple-websocket
    accept it). Our messages are a few hundred bytes, too small to gain from it, and each
    compressed socket keeps its own zlib streams: about 90 KB more per phone on eventlet,
    and CPU for every message it sends (docs/performance.md has the figures).
    ``WORKSHOP_WEBSOCKET_COMPRESSION=true`` lets it be negotiated again."""

    def app(environ: "WSGIEnvironment", start_response: "StartResponse") -> Iterable[bytes]:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return app


def _disconnect_without_waiting(eio: Any) -> None:
    """Make Engine.IO close a session without waiting for its CLOSE packet to be taken.

    python-engineio (4.15.1) refuses a bad long-polling POST (a message over
    ``max_http_buffer_size``, an unknown packet type) by closing its session with
    ``Socket.close(wait=True)`` before answering, and that waits for a polling GET to
    take the CLOSE packet: with none pending the POST is never answered, the HTTP 400
    never sent, and the request keeps its server thread for good (a few thousand tiny
    POSTs would hold them all). Closed without waiting, a pending GET, or the WebSocket
    writer, still delivers the CLOSE packet."""
    disconnect_all = eio.disconnect

    def disconnect(sid: str | None = None) -> None:
        if sid is None:
            disconnect_all()
            return
        session = eio.sockets.get(sid)
        if session is not None:
            session.close(wait=False, reason=eio.reason.SERVER_DISCONNECT)
            eio.sockets.pop(sid, None)

    eio.disconnect = disconnect


def _announce_setup_link(app: "Flask", host: str, port: int) -> None:
    """With no facilitator account yet, log the one-time set-up link: the /setup page
    refuses whoever reaches it without this token (say, first on a venue's network)."""
    from sqlalchemy.exc import SQLAlchemyError

    from workshop.services import accounts

    with app.app_context():
        try:
            if accounts.has_facilitators():
                return
        except SQLAlchemyError:  # not migrated yet: the server still starts and says so
            app.logger.warning("No tables yet: run flask --app workshop db upgrade")
            return
        token = accounts.setup_token()
    base = (app.config.get("PUBLIC_URL") or f"http://{host}:{port}").rstrip("/")
    app.logger.warning(
        "No facilitator account yet. Create the first one at: %s/setup?token=%s", base, token
    )


def _announce_address(app: "Flask", host: str, port: int) -> None:
    """Say which address to open the console at, so that its links and QR code reach the
    phones: the network address when listening everywhere; a warning on the loopback."""
    from workshop.exports.links import is_loopback, lan_address

    if app.config.get("PUBLIC_URL"):
        app.logger.info("Links and QR codes use WORKSHOP_PUBLIC_URL: %s", app.config["PUBLIC_URL"])
    elif is_loopback(host):
        app.logger.info(
            "Phones cannot reach %s (this computer only). For a room: HOST=0.0.0.0 make run, "
            "then open the console at this computer's network address.",
            host,
        )
    elif host in ("0.0.0.0", "::"):  # noqa: S104 - compares, binds nothing
        lan = lan_address()
        if lan:
            app.logger.warning(
                "Open the console at http://%s:%s/ so that its links and QR code reach phones "
                "on the same network.",
                f"[{lan}]" if ":" in lan else lan,
                port,
            )


def _register_offloader(app: "Flask") -> None:
    """Give :func:`workshop.offload.run_blocking` the async mode's pool of native threads:
    the CPU-bound checks of an import then run beside the event loop, not on it (the
    interpreter switches threads every few ms, so phones keep being answered)."""
    if ASYNC_MODE == "eventlet":
        from eventlet import tpool

        offload.register(app, tpool.execute)
    elif ASYNC_MODE == "gevent":
        from gevent import get_hub

        offload.register(app, lambda fn, *args: get_hub().threadpool.apply(fn, args))


def main() -> None:
    app = create_app({"ASYNC_MODE": ASYNC_MODE})
    _register_offloader(app)
    if not app.config.get("WEBSOCKET_COMPRESSION", False):
        app.wsgi_app = _without_websocket_compression(app.wsgi_app)  # type: ignore[assignment]
    _disconnect_without_waiting(socketio.server.eio)  # type: ignore[attr-defined]  # the stubs omit SocketIO.server
    # Close-idea hints use scikit-learn in this process: import it now, not during the
    # first hint, when its second-long import would freeze every connection.
    import workshop.grouping.nearby  # noqa: F401

    # No full garbage collection in the middle of a burst (see workshop/collector.py).
    collector.tune(socketio.start_background_task, socketio.sleep)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    app.logger.info("Semis listening on http://%s:%s (%s)", host, port, ASYNC_MODE)
    _announce_address(app, host, port)
    _announce_setup_link(app, host, port)
    socketio.run(
        app,
        host=host,
        port=port,
        debug=False,
        use_reloader=False,
        log_output=os.environ.get("WORKSHOP_ACCESS_LOG", "") == "1",
        allow_unsafe_werkzeug=ASYNC_MODE == "threading",
        **_server_options(int(app.config["MAX_CONNECTIONS"])),
    )


if __name__ == "__main__":
    main()
