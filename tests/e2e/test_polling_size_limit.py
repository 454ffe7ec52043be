"""A long-polling POST larger than ``MAX_MESSAGE_BYTES`` is answered HTTP 400 by the
real ``run.py`` (docs/protocol.md, "Size limit"), promptly, and holds no connection.
Before run.py closed refused sessions without waiting, no answer ever came."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable

import requests

from tests.live_server import HOST, LiveServer
from workshop.config import Config

TIMEOUT = 10.0
LIMIT = Config.MAX_MESSAGE_BYTES


def open_session(live: LiveServer) -> str:
    response = requests.get(f"{live.url}/socket.io/?EIO=4&transport=polling", timeout=TIMEOUT)
    assert response.status_code == 200 and response.text.startswith("0"), response.text
    return str(json.loads(response.text[1:])["sid"])


def post(live: LiveServer, sid: str, body: bytes, *, send_body: bool = True) -> bytes:
    """POST ``body`` on the session's polling URL over a raw socket; the first bytes of
    the answer (``b""`` if the server closed without one)."""
    path = f"/socket.io/?EIO=4&transport=polling&sid={sid}"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}:{live.port}\r\n"
        "Content-Type: text/plain;charset=UTF-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection((HOST, live.port), timeout=TIMEOUT) as sock:
        sock.sendall(head)
        if send_body:
            try:
                sock.sendall(body)
            except OSError:  # the server answered and closed before reading it all
                pass
        return sock.recv(64)


def test_an_oversized_polling_message_gets_a_400(live_server: Callable[[], LiveServer]) -> None:
    live = live_server()
    for size in (LIMIT + 1, 4 * 1024 * 1024):
        answer = post(live, open_session(live), b"4" + b"x" * (size - 1))
        assert answer.startswith(b"HTTP/1.1 400"), (size, answer)
    # An announced body that never comes is refused as soon as its length is read.
    answer = post(live, open_session(live), b"x" * (LIMIT + 1), send_body=False)
    assert answer.startswith(b"HTTP/1.1 400"), answer
    # Any refused POST is answered (this one: a packet type clients never send).
    assert post(live, open_session(live), b"6").startswith(b"HTTP/1.1 400")
    # A message within the limit still goes through (a Socket.IO CONNECT, refused
    # without credentials but read).
    assert post(live, open_session(live), b"40").startswith(b"HTTP/1.1 200")
    assert requests.get(f"{live.url}/healthz", timeout=TIMEOUT).status_code == 200
