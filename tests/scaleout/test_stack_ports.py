"""The stack's ports: never the same one twice, and nginx only counts as started when it
holds its own port (a worker answering there once passed for nginx, and the tests that
need the proxy then talked to that worker)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scripts.launcher import free_ports
from scripts.stack import StackError, start_stack
from tests.scaleout.conftest import require


def test_free_ports_are_distinct_and_free() -> None:
    ports = free_ports(64)
    assert len(set(ports)) == 64
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", port))


class _Healthy(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def impostor() -> Iterator[int]:
    """Something else answering ``/healthz`` with 200 on a port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Healthy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def test_nginx_that_cannot_bind_its_port_fails_the_stack(impostor: int) -> None:
    require(nginx=True)
    with pytest.raises(StackError, match="nginx"):
        stack = start_stack(workers=1, port=impostor)
        stack.stop()  # reached only if the impostor passed for nginx
