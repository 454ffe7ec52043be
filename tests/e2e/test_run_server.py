"""End to end: the real ``run.py`` (eventlet and gevent) driven by real clients.

Phones join over HTTP exactly as a browser does (join page, CSRF token, cookie), then
talk Socket.IO with python-socketio clients, over WebSocket and over long-polling.
Every wait is bounded; nothing is asserted by sleeping.
"""

from __future__ import annotations

import functools
import json
import signal
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests
import socketio
import websocket

from testkit import forms
from tests.live_client import Recorder
from tests.live_server import FACILITATOR_EMAIL, FACILITATOR_PASSWORD, LiveServer

pytestmark = pytest.mark.server
Closing = Callable[..., Any]

TIMEOUT = 10.0
MAX_MESSAGE_BYTES = 16 * 1024  # Config.MAX_MESSAGE_BYTES, the server's max_http_buffer_size
Live = Recorder  # a python-socketio client that records everything the server sends it


def assert_clean_log(server: LiveServer) -> None:
    """No handler failed, and (gevent) no WebSocket bytes were read as an HTTP request."""
    log = server.log()
    for symptom in ("Traceback", "Invalid HTTP method", "Expected GET method"):
        assert symptom not in log, f"{symptom!r} in the server log:\n{log}"


class Phone:
    """A participant's phone: its HTTP session (cookie jar) and its sockets."""

    def __init__(self, server: LiveServer, display_name: str) -> None:
        self.server = server
        self.display_name = display_name
        self.http = requests.Session()

    @property
    def cookie_name(self) -> str:
        return f"semis_p{self.server.workshop['id']}"

    def join(self) -> None:
        """GET the join page, POST the form with its CSRF token, keep the cookie."""
        server = self.server
        response = forms.join(
            self.http, server.url, server.workshop["code"], self.display_name, TIMEOUT
        )
        assert response.headers["Location"].endswith(f"/w/{self.server.workshop['code']}")
        set_cookie = response.headers["Set-Cookie"]
        assert set_cookie.startswith(f"{self.cookie_name}="), set_cookie
        assert "HttpOnly" in set_cookie, set_cookie
        assert self.http.cookies.get(self.cookie_name)

    def socket(self, transports: list[str] | None = None) -> Live:
        cookie = f"{self.cookie_name}={self.http.cookies[self.cookie_name]}"
        return Live(
            self.server.url,
            {"workshop_id": self.server.workshop["id"], "role": "participant"},
            cookie,
            transports,
        )


@pytest.fixture(autouse=True)
def _quick_websocket_close(monkeypatch: pytest.MonkeyPatch) -> None:
    """python-engineio's client closes its WebSocket while its read thread is still
    reading, so that thread often takes the server's close frame and ``close()`` waits
    its whole default timeout (3 s) for it. The server has answered by then."""
    monkeypatch.setattr(
        websocket.WebSocket,
        "close",
        functools.partialmethod(websocket.WebSocket.close, timeout=0.2),
    )


def facilitator(server: LiveServer, closing: Closing) -> Live:
    """Sign in through the real login form, then open the facilitators' socket."""
    http = closing(requests.Session())
    forms.sign_in(http, server.url, FACILITATOR_EMAIL, FACILITATOR_PASSWORD, TIMEOUT)
    live = closing(
        Live(
            server.url,
            {"workshop_id": server.workshop["id"], "role": "facilitator"},
            forms.cookie_header(http),
            ["websocket"],
        )
    )
    live.connect()
    return live


def start_ideas_phase(server: LiveServer, closing: Closing) -> Live:
    """The marathon opens on its welcome step; the facilitator moves on to ideas."""
    animator = facilitator(server, closing)
    state = animator.join()["state"]
    assert [p["kind"] for p in state["phases"]][:2] == ["welcome", "ideas"]
    assert animator.call("advance_phase", {"direction": "next"}) == {"ok": True, "data": None}
    animator.wait_for(lambda: bool(animator.facts("phase_changed")), "phase_changed")
    return animator


def screen(server: LiveServer, closing: Closing) -> Live:
    return closing(
        Live(
            server.url,
            {"workshop_id": server.workshop["id"], "role": "screen", "key": server.screen_key},
            transports=["websocket"],
        )
    ).connect()


def new_idea(title: str, description: str = "") -> dict[str, Any]:
    return {"client_id": uuid.uuid4().hex, "title": title, "description": description}


def post(phone: Live, idea: dict[str, Any], *, created: bool = True) -> dict[str, Any]:
    ack = phone.call("post_idea", idea)
    assert ack["ok"] is True, ack
    assert ack["data"]["created"] is created, ack
    assert ack["data"]["idea"]["title"] == idea["title"]
    return ack["data"]["idea"]  # type: ignore[no-any-return]


def test_phones_and_screen_share_a_live_workshop(
    live_server: Callable[[], LiveServer], closing: Closing
) -> None:
    server = live_server()
    workshop_id = server.workshop["id"]
    animator = start_ideas_phase(server, closing)

    # The real server checks CSRF: a join form posted without its token is refused.
    forger = closing(requests.Session())
    refused = forger.post(
        f"{server.url}/j/{server.workshop['code']}",
        timeout=TIMEOUT,
        data={"display_name": "Sans jeton", "profile": "citizen"},
        allow_redirects=False,
    )
    assert refused.status_code == 400 and not forger.cookies, refused.status_code

    # Two phones join over HTTP, exactly as a browser does.
    phone_a, phone_b = Phone(server, "Camille"), Phone(server, "Yanis")
    for phone in (phone_a, phone_b):
        closing(phone.http)
        phone.join()

    # Without the cookie (or with a forged one) a participant socket is refused.
    for cookie in (None, f"semis_p{workshop_id}=forged-token"):
        stranger = closing(
            Live(
                server.url,
                {"workshop_id": workshop_id, "role": "participant"},
                cookie,
                ["websocket"],
            )
        )
        with pytest.raises(socketio.exceptions.ConnectionError):
            stranger.connect()
        assert stranger.connect_errors, "no connect_error"
        refusal = stranger.connect_errors[-1]
        assert refusal["data"]["code"] == "not_authenticated", refusal
    # So is a screen with the wrong key.
    intruder = closing(
        Live(
            server.url,
            {"workshop_id": workshop_id, "role": "screen", "key": "not-the-key"},
            transports=["websocket"],
        )
    )
    with pytest.raises(socketio.exceptions.ConnectionError):
        intruder.connect()
    assert intruder.connect_errors[-1]["data"]["code"] == "not_authenticated"

    # Phone A on WebSocket; phone B starts on long-polling and upgrades; a screen.
    live_a = closing(phone_a.socket(["websocket"])).connect()
    live_b = closing(phone_b.socket()).connect()
    wall = screen(server, closing)
    snapshots = {}
    for name, live in (("a", live_a), ("b", live_b), ("screen", wall)):
        data = live.join()
        assert data["mode"] == "snapshot", data
        snapshots[name] = data["state"]
    assert snapshots["a"]["me"]["display_name"] == "Camille"
    assert snapshots["b"]["me"]["display_name"] == "Yanis"
    assert snapshots["screen"]["role"] == "screen" and "me" not in snapshots["screen"]
    assert snapshots["a"]["participant_count"] == 2
    seq0 = snapshots["a"]["seq"]
    assert snapshots["b"]["seq"] == snapshots["screen"]["seq"] == seq0 > 0
    assert snapshots["a"]["ideas"] == []
    live_b.wait_until(lambda: live_b.sio.transport() == "websocket", "upgrade to websocket")

    # A posts: every room hears it once, with the workshop id and the next seq.
    first = new_idea("Une conserverie solidaire", "Transformer les invendus du marché.")
    idea = post(live_a, first)
    for live in (live_a, live_b, wall, animator):
        fact = live.wait_fact("idea_posted", seq0 + 1)
        assert fact["workshop_id"] == workshop_id
        assert fact["idea"]["id"] == idea["id"]
        assert fact["idea"]["title"] == first["title"]

    # The phone retries (its ack was lost, say): same idea, nothing broadcast again.
    assert post(live_a, first, created=False)["id"] == idea["id"]
    # B posts next; once its fact arrives, a duplicate of the first would have too.
    second = post(live_b, new_idea("Un jardin partagé au collège"))
    for live in (live_a, live_b, wall, animator):
        fact = live.wait_fact("idea_posted", seq0 + 2)
        assert fact["idea"]["id"] == second["id"]
        assert [f["seq"] for f in live.facts("idea_posted")] == [seq0 + 1, seq0 + 2]
        assert [f["idea"]["id"] for f in live.facts("idea_posted")] == [idea["id"], second["id"]]

    # B drops off; A posts meanwhile; B comes back and gets exactly what it missed.
    last_b = live_b.last_seq(seq0)
    assert last_b == seq0 + 2
    live_b.close()
    assert live_b.disconnected.wait(TIMEOUT)
    third = post(live_a, new_idea("Une épicerie mobile pour les hameaux"))
    missed = live_a.wait_fact("idea_posted", seq0 + 3)
    assert missed["idea"]["id"] == third["id"]
    wall.wait_fact("idea_posted", seq0 + 3)
    back = closing(phone_b.socket()).connect()
    data = back.join(last_seq=last_b)
    assert data["mode"] == "replay", data
    assert data["events"] == [{"name": "idea_posted", "data": missed}]
    # Up to date: nothing to replay. A fresh snapshot has all three ideas.
    assert back.join(last_seq=seq0 + 3)["events"] == []
    state = back.join()["state"]
    assert state["seq"] == seq0 + 3
    assert [i["id"] for i in state["ideas"]] == [idea["id"], second["id"], third["id"]]
    assert_clean_log(server)


def _engineio_open(server: LiveServer) -> tuple[requests.Session, str]:
    """A bare Engine.IO long-polling session (no Socket.IO namespace joined)."""
    http = requests.Session()
    response = http.get(
        f"{server.url}/socket.io/", params={"EIO": "4", "transport": "polling"}, timeout=TIMEOUT
    )
    assert response.status_code == 200 and response.text.startswith("0"), response.text
    handshake = json.loads(response.text[1:])
    assert handshake["maxPayload"] == MAX_MESSAGE_BYTES
    return http, handshake["sid"]


def _message_of_length(length: int) -> str:
    """An Engine.IO message packet of exactly ``length`` characters (ASCII): a Socket.IO
    event for a namespace the session never joined, which the server ignores."""
    head, tail = '42["e2e_padding","', '"]'
    return head + "x" * (length - len(head) - len(tail)) + tail


def test_runs_its_async_mode_and_refuses_oversized_messages(
    live_server: Callable[[], LiveServer], closing: Closing, async_mode: str
) -> None:
    server = live_server()
    # run.py says which mode it serves with; the WebSocket checks below also tell
    # eventlet's own WebSocket (close code 1009) from gevent's simple-websocket one.
    assert f"Semis listening on http://127.0.0.1:{server.port} ({async_mode})" in server.log()
    assert "Warning" not in server.log()  # e.g. eventlet's deprecation notice is silenced

    # Long-polling: python-engineio compares the POST's Content-Length with
    # max_http_buffer_size before reading the body. At the limit the body is accepted
    # and the session lives on; over it, see the real polling client below.
    polling = f"{server.url}/socket.io/"
    http, sid = _engineio_open(server)
    closing(http)
    query = {"EIO": "4", "transport": "polling", "sid": sid}
    body = _message_of_length(MAX_MESSAGE_BYTES)
    assert len(body.encode()) == MAX_MESSAGE_BYTES
    response = http.post(polling, params=query, data=body, timeout=TIMEOUT)
    assert (response.status_code, response.text) == (200, "OK")
    again = http.post(polling, params=query, data='42["e2e_padding",1]', timeout=TIMEOUT)
    assert (again.status_code, again.text) == (200, "OK")

    # WebSocket: a frame over the limit closes the connection. eventlet's WebSocket
    # enforces it itself (close code 1009, "message too big"); under gevent the
    # simple-websocket server has no limit and python-engineio drops the connection
    # after reading the message ("packet is too large").
    ws_url = f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket"
    for length, accepted in ((MAX_MESSAGE_BYTES, True), (MAX_MESSAGE_BYTES + 1, False)):
        ws = websocket.create_connection(ws_url, timeout=TIMEOUT)
        closing(ws, ws.shutdown)
        assert ws.recv().startswith("0")  # the Engine.IO open packet
        ws.send(_message_of_length(length))
        if accepted:
            ws.send('42["e2e_padding",1]')
            ws.ping()
            opcode, _frame = ws.recv_data_frame(control_frame=True)
            assert opcode == websocket.ABNF.OPCODE_PONG
            continue
        frame = ws.recv_frame()  # raw: no close reply (eventlet hangs up at once)
        assert frame.opcode == websocket.ABNF.OPCODE_CLOSE, (frame.opcode, frame.data)
        code = int.from_bytes(frame.data[:2], "big") if len(frame.data) >= 2 else None
        if async_mode == "eventlet":
            assert code == 1009, frame.data
            assert b"above length limit of 16384 bytes" in frame.data
        else:
            assert frame.data == (1000).to_bytes(2, "big"), frame.data  # normal, no reason

    # With a real client: below the limit the command is processed (here refused by the
    # validation, the socket stays); above it the connection is dropped before any
    # handler runs: no ack, no idea stored, nothing broadcast.
    start_ideas_phase(server, closing)
    wall = screen(server, closing)
    seq0 = wall.join()["state"]["seq"]
    for transports in (["websocket"], ["polling"]):
        phone = Phone(server, f"Téléphone {transports[0]}")
        closing(phone.http)
        phone.join()
        live = closing(phone.socket(transports)).connect()
        live.join()
        ack = live.call("post_idea", new_idea("Presque trop long", "d" * 15_000))
        assert ack["ok"] is False and ack["error"]["code"] == "invalid_input", ack
        assert live.sio.connected
        eio_sid = live.sio.eio.sid
        acks: list[Any] = []
        live.sio.emit(
            "post_idea",
            new_idea("Beaucoup trop long", "d" * 20_000),
            callback=lambda *args, sink=acks: sink.append(args),
        )
        assert live.disconnected.wait(TIMEOUT), f"{transports}: oversized message accepted"
        assert acks == []
        # The server has closed that Engine.IO session (it is unknown or closed now).
        stale = requests.get(
            polling, timeout=TIMEOUT, params={"EIO": "4", "transport": "polling", "sid": eio_sid}
        )
        assert stale.status_code == 400, (stale.status_code, stale.text)
    # The screen saw participants join but no idea; the server still serves.
    probe = closing(Live(server.url, wall.auth, transports=["websocket"])).connect()
    state = probe.join()["state"]
    assert state["ideas"] == [] and wall.facts("idea_posted") == []
    assert state["seq"] == seq0 + 2  # the two participant_joined facts, nothing else
    assert requests.get(f"{server.url}/healthz", timeout=TIMEOUT).json() == {"status": "ok"}
    assert_clean_log(server)


def test_ideas_survive_a_killed_server(
    live_server: Callable[[], LiveServer], closing: Closing
) -> None:
    server = live_server()
    start_ideas_phase(server, closing)
    phone = Phone(server, "Inès")
    closing(phone.http)
    phone.join()
    live = closing(phone.socket(["websocket"])).connect()
    seq0 = live.join()["state"]["seq"]
    posted = [
        post(live, new_idea(title, "Idée notée avant la panne."))
        for title in ("Un tiers-lieu agricole", "Une cantine bio intercommunale")
    ]
    for n in (1, 2):
        live.wait_fact("idea_posted", seq0 + n)
    live.close()

    # No clean shutdown: SIGKILL, then a new process on the same instance directory.
    assert server.kill() == -signal.SIGKILL
    server.start()

    # The phone's cookie, the screen key and the facilitator's session still work;
    # the ideas, the current step and the event log are all there.
    again = closing(phone.socket(["websocket"])).connect()
    state = again.join()["state"]
    assert state["seq"] == seq0 + 2
    assert [(i["id"], i["title"]) for i in state["ideas"]] == [
        (i["id"], i["title"]) for i in posted
    ]
    current = next(p for p in state["phases"] if p["id"] == state["workshop"]["current_phase_id"])
    assert current["kind"] == "ideas"
    wall = screen(server, closing)
    assert [i["id"] for i in wall.join()["state"]["ideas"]] == [i["id"] for i in posted]
    replay = again.join(last_seq=seq0)
    assert replay["mode"] == "replay"
    assert [(e["name"], e["data"]["seq"], e["data"]["idea"]["id"]) for e in replay["events"]] == [
        ("idea_posted", seq0 + 1, posted[0]["id"]),
        ("idea_posted", seq0 + 2, posted[1]["id"]),
    ]
    animator = facilitator(server, closing)
    assert len(animator.join()["state"]["ideas"]) == 2

    # Sequence numbers carry on from where they stopped.
    third = post(again, new_idea("Une ressourcerie"))
    fact = wall.wait_fact("idea_posted", seq0 + 3)
    assert fact["idea"]["id"] == third["id"] > posted[1]["id"]
    assert_clean_log(server)
