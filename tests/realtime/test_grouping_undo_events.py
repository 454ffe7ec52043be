"""undo_grouping_change over Socket.IO: a merge taken back reaches every room of the
workshop (the idea back, then the grouping), nobody in another workshop; another
workshop's facilitator, and a second undo, are refused and change nothing."""

from __future__ import annotations

from flask import Flask

from tests.realtime.conftest import World
from tests.realtime.sockets import ack, error_code, received
from tests.realtime.test_challenge_events import (
    nothing_received,
    ok,
    seq_of,
    start_grouping,
    stored,
)


def test_an_undone_merge_reaches_every_room(app: Flask, world: World) -> None:
    room = start_grouping(app, world)
    ok(world.host, "move_idea", {"idea_id": room.alices, "challenge_id": room.defi})
    before = stored(app, world.a.id)
    ok(world.host, "merge_ideas", {"idea_id": room.alices, "into_id": room.bobs})
    world.drain()

    undo = {"kind": "ideas_merged", "id": room.alices}
    assert ok(world.host, "undo_grouping_change", undo) is None
    seq = seq_of(app, world.a.id)
    for label in ("host", "alice", "bob", "screen"):
        heard = received(getattr(world, label))
        assert [name for name, _payload in heard] == ["idea_restored", "grouping_changed"]
        (_r, restored), (_g, grouping) = heard
        assert (restored["seq"], grouping["seq"]) == (seq - 1, seq), label
        assert restored["idea"]["status"] == "visible", label
        assert restored["idea"]["merged_into_id"] is None, label
        orders = {o["challenge_id"]: o["idea_ids"] for o in grouping["grouping"]["orders"]}
        assert orders[room.defi] == [room.alices], label
        assert grouping["reason"] == "merge_undone"
    assert nothing_received(*world.in_b)
    assert stored(app, world.a.id)[1:] == before[1:]

    # Once only.
    assert error_code(ack(world.host, "undo_grouping_change", undo)) == "nothing_to_undo"
    assert nothing_received(*world.in_a, *world.in_b)


def test_another_workshops_facilitator_cannot_undo_here(app: Flask, world: World) -> None:
    room = start_grouping(app, world)
    ok(world.host, "merge_ideas", {"idea_id": room.alices, "into_id": room.bobs})
    world.drain()
    before = stored(app, world.a.id)
    response = ack(
        world.other_host, "undo_grouping_change", {"kind": "ideas_merged", "id": room.alices}
    )
    assert error_code(response) == "wrong_workshop"
    response = ack(
        world.other_host, "undo_grouping_change", {"kind": "challenges_merged", "id": room.defi}
    )
    assert error_code(response) == "nothing_to_undo"
    assert stored(app, world.a.id) == before
    assert nothing_received(*world.in_a, *world.in_b)


def test_a_merge_of_defis_and_a_split_undone_over_the_socket(app: Flask, world: World) -> None:
    room = start_grouping(app, world)
    other = ok(world.host, "create_challenge", {"title": "Comment pourrions-nous bouger ?"})
    other_id = other["challenge"]["id"]
    for idea in (room.alices, room.bobs):
        ok(world.host, "move_idea", {"idea_id": idea, "challenge_id": room.defi})
    before = stored(app, world.a.id)
    ok(
        world.host,
        "split_challenge",
        {"challenge_id": room.defi, "idea_ids": [room.alices], "title": "Deux"},
    )
    ok(world.host, "undo_grouping_change", {"kind": "challenge_split", "id": room.defi})
    ok(world.host, "merge_challenges", {"source_id": room.defi, "target_id": other_id})
    world.drain()
    ok(world.host, "undo_grouping_change", {"kind": "challenges_merged", "id": room.defi})
    heard = world.heard_once("grouping_changed", seq_of(app, world.a.id))
    assert heard["bob"]["reason"] == "challenges_merge_undone"
    assert [c["id"] for c in heard["screen"]["grouping"]["challenges"]] == [room.defi, other_id]
    after = stored(app, world.a.id)
    assert after[2] == before[2]  # the ideas where they were
    assert [d[:3] for d in after[1]] == [d[:3] for d in before[1]]  # défis: ids, titles, places
