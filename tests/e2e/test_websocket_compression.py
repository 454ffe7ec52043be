"""End to end: ``run.py`` never negotiates WebSocket permessage-deflate (see
``docs/performance.md``), under eventlet and gevent, although browsers offer it."""

from __future__ import annotations

from collections.abc import Callable

import websocket

from tests.live_server import LiveServer

TIMEOUT = 10.0
# What Chromium sends with every WebSocket handshake.
BROWSER_OFFER = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"


def test_websocket_offer_of_compression_is_declined(
    live_server: Callable[[], LiveServer],
) -> None:
    server = live_server()
    url = server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    ws = websocket.create_connection(url, timeout=TIMEOUT, header=[BROWSER_OFFER])
    try:
        assert ws.getstatus() == 101
        headers = {name.lower(): value for name, value in (ws.getheaders() or {}).items()}
        assert "sec-websocket-extensions" not in headers, headers
        # The connection works, uncompressed: the Engine.IO open packet, a ping answered.
        assert ws.recv().startswith("0")
        ws.ping()
        opcode, _frame = ws.recv_data_frame(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_PONG
    finally:
        ws.close()
