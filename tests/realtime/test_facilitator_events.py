"""Facilitator commands over Socket.IO: each acks and broadcasts its fact to workshop A only."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask

from tests.factories import client_id
from tests.realtime.conftest import World
from tests.realtime.sockets import ack, payloads, received


def command(world: World, name: str, payload: Any = None) -> None:
    response = ack(world.host, name, *([] if payload is None else [payload]))
    assert response == {"ok": True, "data": None}, response


def post(world: World, title: str = "Une idée") -> int:
    response = ack(world.alice, "post_idea", {"client_id": client_id(), "title": title})
    assert response["ok"], response
    world.drain()
    return int(response["data"]["idea"]["id"])


def only_a_heard(world: World, fact: str) -> list[dict[str, Any]]:
    """The ``fact`` payloads each client of A got (exactly one each); B got nothing."""
    heard = []
    for client in world.in_a:
        [payload] = payloads(client, fact)
        assert payload["workshop_id"] == world.a.id
        heard.append(payload)
    assert len({p["seq"] for p in heard}) == 1
    for client in world.in_b:
        assert received(client) == []
    return heard


def test_hide_and_restore(world: World) -> None:
    idea_id = post(world, "Pas pour l'écran")
    command(world, "hide_idea", {"idea_id": idea_id})
    alice, bob, host, screen = only_a_heard(world, "idea_hidden")
    assert alice["idea"] == bob["idea"] == screen["idea"] == {"id": idea_id, "status": "hidden"}
    assert host["idea"]["title"] == "Pas pour l'écran"
    command(world, "restore_idea", {"idea_id": idea_id})
    for payload in only_a_heard(world, "idea_restored"):
        assert payload["idea"]["title"] == "Pas pour l'écran"


def test_advance_phase(world: World) -> None:
    command(world, "advance_phase", {"direction": "next"})
    heard = only_a_heard(world, "phase_changed")
    assert {p["phase"]["kind"] for p in heard} == {"grouping"}
    assert {p["phase"]["can_post"] for p in heard} == {False}
    assert {p["timer"]["state"] for p in heard} == {"stopped"}
    command(world, "advance_phase", {"phase_id": world.a.phase_ids[0]})
    assert {p["phase"]["kind"] for p in only_a_heard(world, "phase_changed")} == {"welcome"}


def test_joining_and_closing(world: World) -> None:
    command(world, "set_joining", {"open": False})
    assert {p["workshop"]["joining_open"] for p in only_a_heard(world, "workshop_updated")} == {
        False
    }
    command(world, "close_workshop")
    assert {p["workshop"]["status"] for p in only_a_heard(world, "workshop_updated")} == {"closed"}
    command(world, "open_workshop")
    heard = only_a_heard(world, "workshop_updated")
    assert {(p["workshop"]["status"], p["workshop"]["joining_open"]) for p in heard} == {
        ("open", True)
    }


def test_settings(world: World) -> None:
    idea_id = post(world)
    command(world, "update_settings", {"anonymous": True})
    alice, _bob, host, screen = only_a_heard(world, "settings_changed")
    expected = {
        "anonymous": True,
        "moderation": False,
        "participants_group": False,
        "participants_qualify": False,
    }
    assert host["settings"] == expected
    assert alice["settings"] == screen["settings"] == expected
    command(world, "update_settings", {"anonymous": "false"})  # form-style booleans too
    alice, _bob, host, screen = only_a_heard(world, "settings_changed")
    assert screen["settings"]["authors"] == {str(idea_id): "Alice"}
    assert "authors" not in host["settings"]


def test_timer(world: World) -> None:
    command(world, "start_timer", {"seconds": 90})
    heard = only_a_heard(world, "timer_changed")
    timer = heard[0]["timer"]
    assert timer["state"] == "running" and timer["duration_ms"] == 90_000
    assert isinstance(timer["ends_at"], int)
    command(world, "pause_timer")
    assert {p["timer"]["state"] for p in only_a_heard(world, "timer_changed")} == {"paused"}
    command(world, "extend_timer", {"seconds": 30})
    command(world, "start_timer")
    command(world, "reset_timer")
    states = [p["timer"]["state"] for p in payloads(world.screen, "timer_changed")]
    assert states == ["paused", "running", "stopped"]


def test_a_facilitator_only_acts_on_their_own_workshop(world: World) -> None:
    ack(world.other_host, "advance_phase", {"direction": "next"})
    for client in world.in_a:
        assert received(client) == []
    assert [p["workshop_id"] for p in payloads(world.carol, "phase_changed")] == [world.b.id]


@pytest.mark.parametrize("app_config", [{"BROADCAST_WINDOW_MS": 20}])
def test_with_a_coalescing_window_facts_still_arrive_in_order(app: Flask, world: World) -> None:
    command(world, "start_timer", {"seconds": 60})
    command(world, "extend_timer", {"seconds": 60})
    command(world, "extend_timer", {"seconds": 60})
    post_ack = ack(world.alice, "post_idea", {"client_id": client_id(), "title": "Fin"})
    deadline = time.monotonic() + 30  # a bound for a busy machine, not a goal
    while not any(m["name"] == "idea_posted" for m in list(world.bob.queue)):
        assert time.monotonic() < deadline, "the background flush never came"
        time.sleep(0.01)  # polling a background flush, bounded: not an assertion
    # The world's own joins are slow facts (they wait up to the tally window): they may
    # arrive in this window too, before this test's facts (lower seqs), and are not its
    # subject.
    messages = [(name, p) for name, p in received(world.bob) if name != "participant_joined"]
    # However the facts were batched, timer facts come first, folded or not, and the
    # seqs they cover (``since``..``seq``) follow each other without a gap.
    names = [name for name, _p in messages]
    assert names[-1] == "idea_posted" and set(names[:-1]) == {"timer_changed"}
    covered = [(p.get("since", p["seq"]), p["seq"]) for _n, p in messages]
    assert all(
        start == end + 1 for (_s, end), (start, _e) in zip(covered, covered[1:], strict=False)
    )
    assert covered[-1][1] - covered[0][0] == 3
    assert messages[-1][1]["idea"]["id"] == post_ack["data"]["idea"]["id"]
