"""End to end: ``run.py`` sends static files gzipped to a browser that accepts it
(issue #13: the bytes of a phone joining), the same bytes once decompressed, with their
own validator; pages stay uncompressed (BREACH); and Socket.IO long polling, which
Engine.IO answers before Flask, still works with a client that accepts gzip."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable

import requests
import socketio

from tests.live_server import LiveServer
from workshop.config import ROOT

TIMEOUT = 10.0
# The heaviest a phone loads (the Socket.IO client, built by `make`), a style, a module.
ASSETS = ("vendor/socket.io.esm.min.js", "css/app.css", "js/phone.js")


def raw_get(url: str, **headers: str) -> requests.Response:
    """A GET whose body is kept as sent (``requests`` would decompress it)."""
    response = requests.get(url, headers=headers, timeout=TIMEOUT, stream=True)
    response.raw.decode_content = False
    response._content = response.raw.read()  # noqa: SLF001 - the body as it came over the wire
    return response


def test_static_files_go_gzipped_and_pages_do_not(live_server: Callable[[], LiveServer]) -> None:
    live = live_server()
    for asset in ASSETS:
        on_disk = (ROOT / "static" / asset).read_bytes()
        url = f"{live.url}/static/{asset}"
        plain = raw_get(url, **{"Accept-Encoding": "identity"})
        assert plain.status_code == 200
        assert "Content-Encoding" not in plain.headers
        assert plain.content == on_disk
        packed = raw_get(url, **{"Accept-Encoding": "gzip, deflate, br"})
        assert packed.status_code == 200
        assert packed.headers["Content-Encoding"] == "gzip"
        assert "accept-encoding" in packed.headers["Vary"].lower()
        assert int(packed.headers["Content-Length"]) == len(packed.content) < len(on_disk)
        assert gzip.decompress(packed.content) == on_disk
        assert packed.headers["ETag"] != plain.headers["ETag"]
        # A browser holding the gzipped copy revalidates it: 304, no body.
        again = raw_get(url, **{"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]})
        assert again.status_code == 304
        assert again.content == b""
    page = raw_get(live.workshop["join_url"], **{"Accept-Encoding": "gzip"})
    assert page.status_code == 200
    assert "Content-Encoding" not in page.headers
    assert b"csrf_token" in page.content


def test_socketio_long_polling_works_with_gzip(live_server: Callable[[], LiveServer]) -> None:
    live = live_server()
    handshake = requests.get(
        f"{live.url}/socket.io/?EIO=4&transport=polling",
        headers={"Accept-Encoding": "gzip"},
        timeout=TIMEOUT,
    )
    assert handshake.status_code == 200
    assert handshake.text.startswith("0")
    assert json.loads(handshake.text[1:])["sid"]
    # A whole session over polling only (requests sends Accept-Encoding: gzip): the
    # screen's snapshot is well over Engine.IO's 1 KB compression threshold.
    client = socketio.Client(reconnection=False)
    auth = {"workshop_id": int(live.workshop["id"]), "role": "screen", "key": live.screen_key}
    client.connect(live.url, auth=auth, transports=["polling"], wait_timeout=TIMEOUT)
    try:
        assert client.transport() == "polling"
        ack = client.call("join_workshop", {}, timeout=TIMEOUT)
        assert ack["ok"] is True, ack
        assert ack["data"]["state"]["workshop"]["id"] == int(live.workshop["id"])
    finally:
        client.disconnect()
