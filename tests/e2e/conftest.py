"""End-to-end: the real ``run.py`` once per async mode (eventlet, gevent)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import failed
from tests.live_server import LiveServer


@pytest.fixture(params=["eventlet", "gevent"])
def async_mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def live_server(
    async_mode: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[], LiveServer]]:
    """Factory: each call prepares a fresh instance and starts ``run.py`` on it."""
    servers: list[LiveServer] = []

    def start() -> LiveServer:
        server = LiveServer(async_mode, tmp_path / f"instance{len(servers)}")
        servers.append(server)
        server.prepare()
        server.start()
        return server

    yield start
    show_logs = failed(request.node)
    for server in servers:
        server.stop()
        if show_logs:
            print(f"\n===== run.py log ({async_mode}, port {server.port}) =====")
            print(server.log())
