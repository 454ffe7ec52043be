"""How many connections one ``run.py`` holds at once. Each open WebSocket (or idle
keep-alive connection) keeps a green thread of the WSGI server; eventlet's default pool
of 1,024 made the 1,025th phone of a worker wait, unanswered, until another left."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
import requests

from tests.live_server import HOST, LiveServer


def hold(connections: ExitStack, port: int, count: int, timeout: float = 10) -> int:
    """Open up to ``count`` connections, each answered once and then kept idle (an idle
    keep-alive connection keeps its server thread, as a WebSocket does); returns how
    many were answered before one was not, within ``timeout``."""
    for held in range(count):
        sock = connections.enter_context(socket.create_connection((HOST, port), timeout=timeout))
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            if not sock.recv(64).startswith(b"HTTP/1.1 200"):
                return held
        except TimeoutError:
            return held
    return count


@pytest.fixture
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LiveServer]]:
    """Factory: ``run.py`` in an async mode, with extra settings, on an empty instance."""
    started: list[LiveServer] = []

    def start(async_mode: str, **settings: str) -> LiveServer:
        live = LiveServer(async_mode, tmp_path_factory.mktemp("pool") / "instance")
        live.settings = settings
        live.instance.mkdir(parents=True)
        started.append(live)
        live.start()
        return live

    yield start
    for live in started:
        live.stop()


def test_a_server_holds_more_than_1024_connections(
    async_mode: str, servers: Callable[..., LiveServer]
) -> None:
    live = servers(async_mode)
    with ExitStack() as connections:
        assert hold(connections, live.port, 1100) == 1100
        assert requests.get(f"{live.url}/healthz", timeout=10).status_code == 200


def test_max_connections_is_the_eventlet_pool(servers: Callable[..., LiveServer]) -> None:
    live = servers("eventlet", WORKSHOP_MAX_CONNECTIONS="4")  # gevent's server has no pool
    with ExitStack() as connections:
        # At most four are served at once (the start-up health checks may still hold one);
        # the fifth waits unanswered (each gets 5 s to answer: a bound for a busy machine).
        assert 3 <= hold(connections, live.port, 10, timeout=5) <= 4
        connections.close()  # they leave: the next one is served
    assert requests.get(f"{live.url}/healthz", timeout=10).status_code == 200
