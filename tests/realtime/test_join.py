"""join_workshop: the role-specific snapshot, and replay of missed events by ``last_seq``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask_socketio.test_client import SocketIOTestClient

from tests.factories import WorkshopRef, client_id
from tests.realtime.conftest import World
from tests.realtime.sockets import ack, error_code, received

SocketFactory = Callable[..., SocketIOTestClient]


def post(client: SocketIOTestClient, title: str = "Un jardin partagé") -> dict[str, Any]:
    response = ack(client, "post_idea", {"client_id": client_id(), "title": title})
    assert response["ok"], response
    return response["data"]["idea"]


def snapshot(client: SocketIOTestClient, payload: Any = None) -> dict[str, Any]:
    response = ack(client, "join_workshop", *([] if payload is None else [payload]))
    assert response["ok"] is True and response["data"]["mode"] == "snapshot", response
    return response["data"]["state"]


@pytest.mark.parametrize("world_settings", [{"anonymous": True, "moderation": True}])
def test_snapshot_per_role(world: World) -> None:
    shown = post(world.alice, "Visible")
    assert ack(world.host, "approve_idea", {"idea_id": shown["id"]})["ok"]
    waiting = post(world.alice, "En attente")

    host, alice, bob, screen = (
        snapshot(c) for c in (world.host, world.alice, world.bob, world.screen)
    )
    for state, role in ((host, "facilitator"), (alice, "participant"), (screen, "screen")):
        assert state["role"] == role
        assert state["workshop"]["id"] == world.a.id
        assert state["seq"] == host["seq"] > 0
        assert isinstance(state["server_time"], int) and state["connected"] == 2
    assert [(i["id"], i["author"]) for i in host["ideas"]] == [
        (shown["id"], "Alice"),
        (waiting["id"], "Alice"),
    ]
    assert {p["display_name"] for p in host["participants"]} == {"Alice", "Bob"}
    # Anonymous: phones and screens never see who wrote what.
    assert [(i["id"], i["author"]) for i in alice["ideas"]] == [
        (shown["id"], None),
        (waiting["id"], None),
    ]
    assert [i["id"] for i in bob["ideas"]] == [shown["id"]]
    assert [i["id"] for i in screen["ideas"]] == [shown["id"]]
    assert alice["me"]["display_name"] == "Alice" and "me" not in screen
    for state in (alice, bob, screen):
        assert "participants" not in state
        assert all("participant_id" not in i and "client_id" not in i for i in state["ideas"])


def test_join_replays_exactly_what_was_missed(world: World) -> None:
    seen = snapshot(world.bob)["seq"]
    post(world.alice, "Une")
    second = post(world.alice, "Deux")

    response = ack(world.bob, "join_workshop", {"last_seq": seen})
    assert response["ok"] is True
    data = response["data"]
    assert data["mode"] == "replay" and data["connected"] == 2
    assert [(e["name"], e["data"]["seq"]) for e in data["events"]] == [
        ("idea_posted", seen + 1),
        ("idea_posted", seen + 2),
    ]
    assert data["events"][1]["data"]["idea"]["id"] == second["id"]
    assert {e["data"]["workshop_id"] for e in data["events"]} == {world.a.id}
    host = ack(world.host, "join_workshop", {"last_seq": seen})["data"]
    assert host["events"][0]["data"]["idea"]["participant_id"]  # facilitators see it all


def test_no_replay_shows_an_idea_hidden_since(world: World) -> None:
    seen = snapshot(world.bob)["seq"]
    first = post(world.alice, "Mon adresse perso, oups")
    second = post(world.alice, "Deux")
    assert ack(world.host, "hide_idea", {"idea_id": first["id"]})["ok"]
    # The missed facts carried the hidden idea's text: a snapshot, as Bob may see now.
    state = snapshot(world.bob, {"last_seq": seen})
    assert [idea["id"] for idea in state["ideas"]] == [second["id"]]
    assert "Mon adresse perso" not in repr(state)
    # A client that saw everything up to the hiding still gets a replay.
    hidden_at = state["seq"]
    data = ack(world.bob, "join_workshop", {"last_seq": hidden_at - 1})["data"]
    assert data["mode"] == "replay"
    assert [e["name"] for e in data["events"]] == ["idea_hidden"]
    assert data["events"][0]["data"]["idea"] == {"id": first["id"], "status": "hidden"}


def test_join_when_up_to_date_replays_nothing(world: World) -> None:
    seq = snapshot(world.alice)["seq"]
    data = ack(world.alice, "join_workshop", {"last_seq": seq})["data"]
    assert (data["mode"], data["events"]) == ("replay", [])


def test_join_from_the_future_gets_a_snapshot(world: World) -> None:
    seq = snapshot(world.alice)["seq"]
    assert snapshot(world.alice, {"last_seq": seq + 10})["seq"] == seq


@pytest.mark.parametrize("app_config", [{"REPLAY_LIMIT": 2}])
def test_join_after_missing_too_much_gets_a_snapshot(world: World) -> None:
    seq = snapshot(world.alice)["seq"]
    for title in ("Une", "Deux", "Trois"):
        post(world.bob, title)
    state = snapshot(world.alice, {"last_seq": seq})
    assert state["seq"] == seq + 3 and len(state["ideas"]) == 3


@pytest.mark.parametrize(
    "payload",
    [
        "12",
        [1],
        {"last_seq": "x"},
        {"last_seq": -1},
        {"last_seq": 1.5},
        {"last_seq": True},
    ],
)
def test_join_with_a_bad_last_seq(world: World, payload: Any) -> None:
    assert error_code(ack(world.alice, "join_workshop", payload)) == "invalid_input"


def test_joining_again_does_not_duplicate_broadcasts(world: World) -> None:
    for _ in range(3):
        snapshot(world.bob)
    received(world.bob)
    post(world.alice)
    assert [name for name, _p in received(world.bob)] == ["idea_posted"]


def test_a_participant_of_another_workshop_never_sees_this_one(
    world: World, new_workshop: Callable[..., WorkshopRef]
) -> None:
    post(world.alice, "Ici")
    state = snapshot(world.carol)
    assert state["workshop"]["id"] == world.b.id and state["ideas"] == []
