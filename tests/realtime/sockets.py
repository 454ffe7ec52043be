"""Small helpers for Socket.IO tests: send a command and read what arrived."""

from __future__ import annotations

from typing import Any

from flask_socketio.test_client import SocketIOTestClient


def ack(client: SocketIOTestClient, command: str, *args: Any) -> Any:
    """Emit ``command`` and return the server's acknowledgement."""
    return client.emit(command, *args, callback=True)


def received(client: SocketIOTestClient) -> list[tuple[str, Any]]:
    """Drain what the client received, as ``(event name, first argument)``."""
    return [
        (message["name"], message["args"][0] if message["args"] else None)
        for message in client.get_received()
    ]


def payloads(client: SocketIOTestClient, name: str) -> list[Any]:
    """Drain the client's queue and keep the payloads of ``name`` events."""
    return [payload for event, payload in received(client) if event == name]


def drain(*clients: SocketIOTestClient) -> None:
    for client in clients:
        client.get_received()


def error_code(response: Any) -> str:
    assert response["ok"] is False, response
    assert set(response) == {"ok", "error"}
    assert isinstance(response["error"]["message"], str) and response["error"]["message"]
    return str(response["error"]["code"])
