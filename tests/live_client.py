"""A python-socketio client (threads) that records what a real server sends it, for the
end-to-end tests (``tests/e2e``) and the scale-out tests (``tests/scaleout``), and
bounded waits that fail the test. The asyncio phones that follow the client rules are
:mod:`testkit.phone`; the forms before a socket, :mod:`testkit.forms`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
import socketio

TIMEOUT = 10.0


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    """Poll a condition no event announces (a transport upgrade, a log line)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not true within {timeout:.0f} s")
        time.sleep(0.02)


class Recorder:
    """A python-socketio client that records everything the server sends it.

    ``cookie`` goes in a ``Cookie`` header; ``http`` is a ``requests.Session`` whose
    cookies travel with every request instead (python-engineio deletes a ``Cookie``
    header from its dict when it upgrades to WebSocket, so a reconnection would arrive
    without it). With ``reconnect``, it reconnects by itself as a browser does, and
    :meth:`wait_reconnected` tells when."""

    def __init__(
        self,
        url: str,
        auth: dict[str, Any],
        cookie: str | None = None,
        transports: list[str] | None = None,
        *,
        http: requests.Session | None = None,
        reconnect: bool = False,
        timeout: float = TIMEOUT,
    ) -> None:
        self.url = url
        self.auth = auth
        self.cookie = cookie
        self.transports = transports
        self.timeout = timeout
        options: dict[str, Any] = {"http_session": http} if http is not None else {}
        if reconnect:
            options |= {"reconnection_delay": 0.2, "reconnection_delay_max": 1}
        self.sio = socketio.Client(reconnection=reconnect, **options)
        self.received: list[tuple[str, Any]] = []
        self.connect_errors: list[Any] = []
        self.connects = 0
        self.disconnected = threading.Event()
        self._http: requests.Session | None = None
        self._changed = threading.Condition()
        self.sio.on("*", self._on_any)
        self.sio.on("connect", self._on_connect)
        self.sio.on("connect_error", self._on_connect_error)
        self.sio.on("disconnect", self._on_disconnect)

    # -- recording -------------------------------------------------------------------
    def _on_any(self, name: str, *args: Any) -> None:
        with self._changed:
            self.received.append((name, args[0] if len(args) == 1 else list(args)))
            self._changed.notify_all()

    def _on_connect(self) -> None:
        with self._changed:
            self.connects += 1
            self._changed.notify_all()

    def _on_connect_error(self, data: Any = None) -> None:
        self.connect_errors.append(data)

    def _on_disconnect(self, *_reason: Any) -> None:
        self.disconnected.set()

    def facts(self, name: str) -> list[dict[str, Any]]:
        with self._changed:
            return [data for event, data in self.received if event == name]

    def forget(self) -> None:
        with self._changed:
            self.received.clear()

    def wait_for(
        self, predicate: Callable[[], bool], what: str, timeout: float | None = None
    ) -> None:
        timeout = self.timeout if timeout is None else timeout
        with self._changed:
            if not self._changed.wait_for(predicate, timeout=timeout):
                names = [event for event, _data in self.received]
                pytest.fail(f"{what}: not seen within {timeout:.0f} s; received {names}")

    def wait_fact(self, name: str, seq: int) -> dict[str, Any]:
        def seen() -> bool:
            return any(event == name and data.get("seq") == seq for event, data in self.received)

        self.wait_for(seen, f"{name} #{seq} on {self.url} ({self.auth.get('role')})")
        return next(d for d in self.facts(name) if d.get("seq") == seq)

    def wait_presence(self, connected: int) -> None:
        """Until a ``presence_changed`` says ``connected`` (counts may pass through
        other values while several workers announce their changes)."""
        self.wait_for(
            lambda: any(
                e == "presence_changed" and d["connected"] == connected for e, d in self.received
            ),
            f"presence_changed with connected={connected} on {self.url}",
        )

    def wait_reconnected(self, connects: int) -> None:
        self.wait_for(lambda: self.connects >= connects, f"reconnection #{connects - 1}")

    def wait_until(
        self, predicate: Callable[[], bool], what: str, timeout: float | None = None
    ) -> None:
        wait_until(predicate, what, self.timeout if timeout is None else timeout)

    def last_seq(self, snapshot_seq: int) -> int:
        """The last sequence number this client applied (its snapshot's, or a fact's)."""
        seqs = [d["seq"] for _e, d in self.received if isinstance(d, dict) and "seq" in d]
        return max([snapshot_seq, *seqs])

    # -- talking ---------------------------------------------------------------------
    def connect(self) -> Recorder:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        try:
            self.sio.connect(
                self.url,
                headers=headers,
                auth=self.auth,
                transports=self.transports,
                wait_timeout=self.timeout,
            )
        finally:
            self._http = self.sio.eio.http
        return self

    def call(self, event: str, data: Any = None) -> Any:
        return self.sio.call(event, data, timeout=self.timeout)

    def join(self, last_seq: int | None = None) -> dict[str, Any]:
        ack = self.call("join_workshop", {} if last_seq is None else {"last_seq": last_seq})
        assert ack["ok"] is True, ack
        return ack["data"]  # type: ignore[no-any-return]

    def close(self) -> None:
        ws = getattr(self.sio.eio, "ws", None)
        self.sio.disconnect()
        # python-engineio's client drops (without closing) its WebSocket and HTTP
        # session when the server ends the connection: close them here.
        if ws is not None:
            ws.shutdown()
        http = self._http or getattr(self.sio.eio, "http", None)
        if http is not None:
            http.close()
