"""Grouping over Socket.IO: défis, moves, merges and suggestions broadcast to every room
of the workshop (public orders without hidden or pending ideas), the snapshot's
``grouping``, and refusals that change nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask_socketio.test_client import SocketIOTestClient
from sqlalchemy import select

from tests.factories import client_id, make_idea
from tests.realtime.conftest import World
from tests.realtime.sockets import ack, error_code, received
from workshop import grouping
from workshop.extensions import db
from workshop.grouping import Group
from workshop.models import Challenge, Idea, Workshop

GROUPING_STEP = 2  # marathon: welcome, ideas, grouping, vote, qualification, results


@dataclass(frozen=True)
class Room:
    """Workshop A in its grouping step: Alice's and Bob's ideas, one the facilitators
    hid, one of Bob's waiting for approval, a défi; and an idea and a défi of B."""

    alices: int
    bobs: int
    hidden: int
    pending: int
    defi: int
    elsewhere: int  # an idea of workshop B
    elsewhere_defi: int  # a défi of workshop B


def ok(client: SocketIOTestClient, command: str, payload: Any = None) -> Any:
    response = ack(client, command, *([] if payload is None else [payload]))
    assert response["ok"], response
    return response["data"]


def post(client: SocketIOTestClient, title: str) -> int:
    data = ok(client, "post_idea", {"client_id": client_id(), "title": title})
    return int(data["idea"]["id"])


def start_grouping(app: Flask, world: World) -> Room:
    alices = post(world.alice, "Un composteur")
    bobs = post(world.bob, "Une navette")
    with app.app_context():
        hidden = make_idea(db.session.get(Workshop, world.a.id), title="Hors sujet").id
    ok(world.host, "hide_idea", {"idea_id": hidden})
    ok(world.host, "update_settings", {"moderation": True})
    pending = post(world.bob, "En attente")
    elsewhere = post(world.carol, "Ailleurs")
    ok(world.other_host, "advance_phase", {"phase_id": world.b.phase_ids[GROUPING_STEP]})
    elsewhere_defi = ok(world.other_host, "create_challenge", {"title": "B"})["challenge"]["id"]
    ok(world.host, "advance_phase", {"phase_id": world.a.phase_ids[GROUPING_STEP]})
    defi = ok(world.host, "create_challenge", {"title": "Comment pourrions-nous… ?"})
    world.drain()
    return Room(alices, bobs, hidden, pending, defi["challenge"]["id"], elsewhere, elsewhere_defi)


def seq_of(app: Flask, workshop_id: int) -> int:
    with app.app_context():
        return db.session.get(Workshop, workshop_id).seq


def stored(app: Flask, workshop_id: int) -> tuple[Any, ...]:
    """Seq, défis and idea placements of a workshop: what a refusal must not change."""
    with app.app_context():
        seq = db.session.get(Workshop, workshop_id).seq
        defis = db.session.execute(
            select(Challenge.id, Challenge.title, Challenge.position, Challenge.version)
            .where(Challenge.workshop_id == workshop_id)
            .order_by(Challenge.id)
        ).all()
        placed = db.session.execute(
            select(Idea.id, Idea.status, Idea.challenge_id, Idea.position, Idea.merged_into_id)
            .where(Idea.workshop_id == workshop_id)
            .order_by(Idea.id)
        ).all()
        return seq, [tuple(d) for d in defis], [tuple(p) for p in placed]


def nothing_received(*clients: SocketIOTestClient) -> bool:
    return all(received(client) == [] for client in clients)


def public_ids(orders: list[dict[str, Any]]) -> set[int]:
    return {i for order in orders for i in order["idea_ids"]}


# ------------------------------------------------------------------ broadcasts


def test_a_new_defi_reaches_every_room_of_the_workshop(app: Flask, world: World) -> None:
    start_grouping(app, world)
    data = ok(world.host, "create_challenge", {"title": "  Se  déplacer ", "description": "Où ?"})
    challenge = data["challenge"]
    assert (challenge["title"], challenge["description"], challenge["position"]) == (
        "Se déplacer",
        "Où ?",
        1,
    )
    heard = world.heard_once("challenge_created", seq_of(app, world.a.id))
    assert {p["challenge"]["id"] for p in heard.values()} == {challenge["id"]}

    data = ok(
        world.host,
        "update_challenge",
        {"challenge_id": challenge["id"], "version": challenge["version"], "title": "Bouger"},
    )
    heard = world.heard_once("challenge_updated", seq_of(app, world.a.id))
    assert {p["challenge"]["title"] for p in heard.values()} == {"Bouger"}
    assert {p["challenge"]["version"] for p in heard.values()} == {challenge["version"] + 1}


def test_moves_carry_orders_that_hide_what_the_public_may_not_see(app: Flask, world: World) -> None:
    room = start_grouping(app, world)
    for idea in (room.hidden, room.alices, room.pending):
        assert ok(world.host, "move_idea", {"idea_id": idea, "challenge_id": room.defi}) is None
        heard = world.heard_once("idea_moved", seq_of(app, world.a.id))
        assert heard["host"]["idea_id"] == idea
        host_orders = {o["challenge_id"]: o["idea_ids"] for o in heard["host"]["orders"]}
        for label in ("alice", "bob", "screen"):
            public = heard[label]["orders"]
            assert not public_ids(public) & {room.hidden, room.pending}, (label, public)
            assert {o["challenge_id"] for o in public} == set(host_orders)
    assert host_orders == {room.defi: [room.hidden, room.alices, room.pending], None: [room.bobs]}
    assert heard["screen"]["orders"] == [
        {"challenge_id": room.defi, "idea_ids": [room.alices]},
        {"challenge_id": None, "idea_ids": [room.bobs]},
    ]

    ok(world.host, "move_idea", {"idea_id": room.bobs, "challenge_id": room.defi, "position": 0})
    heard = world.heard_once("idea_moved", seq_of(app, world.a.id))
    assert heard["alice"]["orders"] == [
        {"challenge_id": room.defi, "idea_ids": [room.bobs, room.alices]},
        {"challenge_id": None, "idea_ids": []},
    ]


def test_merging_ideas_reaches_everybody_with_the_absorbed_one_kept_minimal(
    app: Flask, world: World
) -> None:
    room = start_grouping(app, world)
    ok(world.host, "merge_ideas", {"idea_id": room.alices, "into_id": room.bobs})
    heard = world.heard_once("ideas_merged", seq_of(app, world.a.id))
    assert heard["host"]["merged"]["status"] == "merged"
    assert heard["host"]["merged"]["title"] == "Un composteur"
    for label in ("alice", "bob", "screen"):
        assert heard[label]["merged"] == {
            "id": room.alices,
            "status": "merged",
            "merged_into_id": room.bobs,
        }
        assert heard[label]["idea"]["id"] == room.bobs
    # It cannot be merged, or moved, again.
    response = ack(world.host, "merge_ideas", {"idea_id": room.bobs, "into_id": room.alices})
    assert error_code(response) == "merge_cycle"
    response = ack(world.host, "move_idea", {"idea_id": room.alices, "challenge_id": room.defi})
    assert error_code(response) == "not_found"


def test_apply_and_undo_reach_everybody_with_public_orders(app: Flask, world: World) -> None:
    room = start_grouping(app, world)
    before = stored(app, world.a.id)
    groups = [
        {"title": "Mobilité", "idea_ids": [room.bobs, room.hidden]},
        {"title": "Alimentation", "idea_ids": [room.alices, room.pending]},
    ]
    assert ok(world.host, "apply_grouping", {"groups": groups}) is None
    heard = world.heard_once("grouping_changed", seq_of(app, world.a.id))
    host = heard["host"]["grouping"]
    assert heard["host"]["reason"] == "grouping_applied"
    assert [c["title"] for c in host["challenges"]] == [
        "Comment pourrions-nous… ?",
        "Mobilité",
        "Alimentation",
    ]
    mobility, food = (c["id"] for c in host["challenges"][1:])
    assert {o["challenge_id"]: o["idea_ids"] for o in host["orders"]} == {
        None: [],
        room.defi: [],
        mobility: [room.bobs, room.hidden],
        food: [room.alices, room.pending],
    }
    for label in ("alice", "bob", "screen"):
        public = heard[label]["grouping"]
        assert public["challenges"] == host["challenges"]
        assert {o["challenge_id"]: o["idea_ids"] for o in public["orders"]} == {
            None: [],
            room.defi: [],
            mobility: [room.bobs],
            food: [room.alices],
        }

    assert ok(world.host, "undo_grouping") is None
    heard = world.heard_once("grouping_changed", seq_of(app, world.a.id))
    assert heard["screen"]["reason"] == "grouping_undone"
    assert heard["screen"]["grouping"]["orders"] == [
        {"challenge_id": None, "idea_ids": [room.alices, room.bobs]},
        {"challenge_id": room.defi, "idea_ids": []},
    ]
    assert stored(app, world.a.id)[1:] == before[1:]
    assert error_code(ack(world.host, "undo_grouping")) == "nothing_to_undo"


def test_the_snapshot_holds_the_grouping_each_role_may_see(app: Flask, world: World) -> None:
    room = start_grouping(app, world)
    for idea in (room.pending, room.alices, room.hidden):
        ok(world.host, "move_idea", {"idea_id": idea, "challenge_id": room.defi})
    states = {
        label: ok(client, "join_workshop")["state"]["grouping"]
        for label, client in (
            ("host", world.host),
            ("alice", world.alice),
            ("bob", world.bob),
            ("screen", world.screen),
        )
    }
    assert states["host"]["orders"] == [
        {"challenge_id": None, "idea_ids": [room.bobs]},
        {"challenge_id": room.defi, "idea_ids": [room.pending, room.alices, room.hidden]},
    ]
    for label in ("alice", "bob", "screen"):
        assert states[label] == {
            "challenges": states["host"]["challenges"],
            "orders": [
                {"challenge_id": None, "idea_ids": [room.bobs]},
                {"challenge_id": room.defi, "idea_ids": [room.alices]},
            ],
        }
    [defi] = states["host"]["challenges"]
    assert defi == {
        "id": room.defi,
        "title": "Comment pourrions-nous… ?",
        "description": "",
        "position": 0,
        "version": 1,
    }
    other = ok(world.carol, "join_workshop")["state"]["grouping"]
    assert [c["id"] for c in other["challenges"]] == [room.elsewhere_defi]


def test_a_replay_brings_the_public_orders(app: Flask, world: World) -> None:
    room = start_grouping(app, world)
    seen = seq_of(app, world.a.id)
    ok(world.host, "move_idea", {"idea_id": room.hidden, "challenge_id": room.defi})
    ok(world.host, "move_idea", {"idea_id": room.alices, "challenge_id": room.defi})
    phone = ok(world.bob, "join_workshop", {"last_seq": seen})
    assert phone["mode"] == "replay"
    assert [e["name"] for e in phone["events"]] == ["idea_moved", "idea_moved"]
    assert all(room.hidden not in public_ids(e["data"]["orders"]) for e in phone["events"])
    host = ok(world.host, "join_workshop", {"last_seq": seen})
    assert host["events"][-1]["data"]["orders"][0]["idea_ids"] == [room.hidden, room.alices]


def test_suggestions_come_back_in_the_ack_only(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    room = start_grouping(app, world)

    def engine(texts: list[str], k: int | None, lang: str, timeout: float) -> list[Group]:
        assert texts == ["Un composteur", "Une navette"] and k == 2
        return [Group("Composter", [0]), Group("Bouger", [1])]

    monkeypatch.setattr(grouping, "suggest_groups_in_worker", engine)
    before = stored(app, world.a.id)
    data = ok(world.host, "suggest_groups", {"k": 2})
    assert data == {
        "groups": [
            {"label": "Composter", "idea_ids": [room.alices]},
            {"label": "Bouger", "idea_ids": [room.bobs]},
        ]
    }
    assert stored(app, world.a.id) == before
    assert nothing_received(*world.in_a, *world.in_b)

    def broken(*_args: Any, **_kwargs: Any) -> list[Group]:
        raise grouping.GroupingError("timed out")

    monkeypatch.setattr(grouping, "suggest_groups_in_worker", broken)
    assert error_code(ack(world.host, "suggest_groups")) == "suggestions_unavailable"
    assert stored(app, world.a.id) == before
    assert nothing_received(*world.in_a, *world.in_b)


def test_participants_place_their_own_idea_once_allowed(app: Flask, world: World) -> None:
    room = start_grouping(app, world)
    move = {"idea_id": room.alices, "challenge_id": room.defi}
    assert error_code(ack(world.alice, "propose_challenge", move)) == "forbidden"
    ok(world.host, "update_settings", {"participants_group": True})
    world.drain()
    assert ok(world.alice, "propose_challenge", move) is None
    heard = world.heard_once("idea_moved", seq_of(app, world.a.id))
    assert heard["bob"]["orders"][0] == {"challenge_id": room.defi, "idea_ids": [room.alices]}
    response = ack(world.bob, "propose_challenge", move)
    assert error_code(response) == "not_author"
    for sender in (world.host, world.screen):  # a participant's command
        assert error_code(ack(sender, "propose_challenge", move)) == "forbidden"
    assert nothing_received(*world.in_a, *world.in_b)


def test_close_ideas_for_someone_typing(app: Flask, world: World) -> None:
    start_grouping(app, world)
    similar = ok(world.alice, "find_similar", {"text": "un composteur collectif"})["ideas"]
    assert len(similar) <= 3
    assert all(set(s) == {"id", "title", "score"} for s in similar)
    assert error_code(ack(world.screen, "find_similar", {"text": "compost"})) == "forbidden"
    assert nothing_received(*world.in_a, *world.in_b)


# ------------------------------------------------------------------ refusals

Payload = Callable[[Room], Any]

# One valid payload per facilitator command, for the role checks.
VALID: dict[str, Payload] = {
    "create_challenge": lambda r: {"title": "T"},
    "update_challenge": lambda r: {"challenge_id": r.defi, "version": 1, "title": "T"},
    "delete_challenge": lambda r: {"challenge_id": r.defi},
    "reorder_challenges": lambda r: {"challenge_ids": [r.defi]},
    "merge_challenges": lambda r: {"source_id": r.defi, "target_id": r.defi},
    "split_challenge": lambda r: {"challenge_id": r.defi, "idea_ids": [r.alices], "title": "S"},
    "move_idea": lambda r: {"idea_id": r.alices, "challenge_id": r.defi},
    "merge_ideas": lambda r: {"idea_id": r.alices, "into_id": r.bobs},
    "suggest_groups": lambda r: {},
    "apply_grouping": lambda r: {"groups": [{"title": "G", "idea_ids": [r.alices]}]},
    "undo_grouping": lambda r: None,
}


@pytest.mark.parametrize("command", list(VALID))
@pytest.mark.parametrize("sender", ["alice", "bob", "screen"])
def test_grouping_commands_are_forbidden_to_phones_and_screens(
    app: Flask, world: World, command: str, sender: str
) -> None:
    room = start_grouping(app, world)
    before, seq_b = stored(app, world.a.id), seq_of(app, world.b.id)
    payload = VALID[command](room)
    response = ack(getattr(world, sender), command, *([] if payload is None else [payload]))
    assert error_code(response) == "forbidden"
    assert stored(app, world.a.id) == before and seq_of(app, world.b.id) == seq_b
    assert nothing_received(*world.in_a, *world.in_b)


BAD_PAYLOADS: dict[str, tuple[str, Payload]] = {
    "create_title_too_long": ("create_challenge", lambda r: {"title": "x" * 141}),
    "create_title_blank": ("create_challenge", lambda r: {"title": " \n "}),
    "create_title_missing": ("create_challenge", lambda r: {}),
    "create_title_number": ("create_challenge", lambda r: {"title": 12}),
    "create_description_too_long": (
        "create_challenge",
        lambda r: {"title": "T", "description": "x" * 2001},
    ),
    "create_not_an_object": ("create_challenge", lambda r: ["T"]),
    "create_nothing": ("create_challenge", lambda r: None),
    "update_without_version": (
        "update_challenge",
        lambda r: {"challenge_id": r.defi, "title": "New"},
    ),
    "update_version_text": (
        "update_challenge",
        lambda r: {"challenge_id": r.defi, "version": "one", "title": "New"},
    ),
    "update_version_zero": (
        "update_challenge",
        lambda r: {"challenge_id": r.defi, "version": 0, "title": "New"},
    ),
    "update_title_too_long": (
        "update_challenge",
        lambda r: {"challenge_id": r.defi, "version": 1, "title": "é" * 141},
    ),
    "update_title_null": (
        "update_challenge",
        lambda r: {"challenge_id": r.defi, "version": 1, "title": None},
    ),
    "update_id_text": ("update_challenge", lambda r: {"challenge_id": "abc", "version": 1}),
    "update_id_negative": ("update_challenge", lambda r: {"challenge_id": -1, "version": 1}),
    "update_id_huge": ("update_challenge", lambda r: {"challenge_id": 2**40, "version": 1}),
    "delete_id_text": ("delete_challenge", lambda r: {"challenge_id": "x"}),
    "delete_id_zero": ("delete_challenge", lambda r: {"challenge_id": 0}),
    "delete_id_missing": ("delete_challenge", lambda r: {}),
    "delete_id_bool": ("delete_challenge", lambda r: {"challenge_id": True}),
    "reorder_duplicates": ("reorder_challenges", lambda r: {"challenge_ids": [r.defi, r.defi]}),
    "reorder_not_a_list": ("reorder_challenges", lambda r: {"challenge_ids": str(r.defi)}),
    "reorder_negative": ("reorder_challenges", lambda r: {"challenge_ids": [-r.defi]}),
    "reorder_missing_one": ("reorder_challenges", lambda r: {"challenge_ids": []}),
    "merge_defis_text": ("merge_challenges", lambda r: {"source_id": "a", "target_id": r.defi}),
    "merge_defis_same": (
        "merge_challenges",
        lambda r: {"source_id": r.defi, "target_id": r.defi},
    ),
    "split_duplicates": (
        "split_challenge",
        lambda r: {"challenge_id": r.defi, "idea_ids": [r.alices, r.alices], "title": "S"},
    ),
    "split_title_too_long": (
        "split_challenge",
        lambda r: {"challenge_id": r.defi, "idea_ids": [r.alices], "title": "x" * 141},
    ),
    "split_ids_not_a_list": (
        "split_challenge",
        lambda r: {"challenge_id": r.defi, "idea_ids": r.alices, "title": "S"},
    ),
    "split_ideas_not_in_it": (
        "split_challenge",
        lambda r: {"challenge_id": r.defi, "idea_ids": [r.bobs], "title": "S"},
    ),
    "move_id_text": ("move_idea", lambda r: {"idea_id": "abc", "challenge_id": r.defi}),
    "move_id_negative": ("move_idea", lambda r: {"idea_id": -3, "challenge_id": r.defi}),
    "move_id_huge": ("move_idea", lambda r: {"idea_id": 2**64, "challenge_id": r.defi}),
    "move_id_float": ("move_idea", lambda r: {"idea_id": 1.5, "challenge_id": r.defi}),
    "move_id_list": ("move_idea", lambda r: {"idea_id": [r.alices], "challenge_id": r.defi}),
    "move_defi_text": ("move_idea", lambda r: {"idea_id": r.alices, "challenge_id": "x"}),
    "move_defi_zero": ("move_idea", lambda r: {"idea_id": r.alices, "challenge_id": 0}),
    "move_position_negative": (
        "move_idea",
        lambda r: {"idea_id": r.alices, "challenge_id": r.defi, "position": -1},
    ),
    "move_position_huge": (
        "move_idea",
        lambda r: {"idea_id": r.alices, "challenge_id": r.defi, "position": 10**9},
    ),
    "merge_without_target": ("merge_ideas", lambda r: {"idea_id": r.alices}),
    "merge_target_text": ("merge_ideas", lambda r: {"idea_id": r.alices, "into_id": "b"}),
    "merge_target_huge": ("merge_ideas", lambda r: {"idea_id": r.alices, "into_id": 2**31}),
    "apply_duplicate_in_a_group": (
        "apply_grouping",
        lambda r: {"groups": [{"title": "G", "idea_ids": [r.alices, r.alices]}]},
    ),
    "apply_duplicate_across_groups": (
        "apply_grouping",
        lambda r: {
            "groups": [
                {"title": "G", "idea_ids": [r.alices]},
                {"title": "H", "idea_ids": [r.bobs, r.alices]},
            ]
        },
    ),
    "apply_no_group": ("apply_grouping", lambda r: {"groups": []}),
    "apply_groups_not_a_list": ("apply_grouping", lambda r: {"groups": "G"}),
    "apply_group_not_an_object": ("apply_grouping", lambda r: {"groups": ["G"]}),
    "apply_title_too_long": (
        "apply_grouping",
        lambda r: {"groups": [{"title": "x" * 141, "idea_ids": [r.alices]}]},
    ),
    "apply_ids_missing": ("apply_grouping", lambda r: {"groups": [{"title": "G"}]}),
    "apply_id_text": (
        "apply_grouping",
        lambda r: {"groups": [{"title": "G", "idea_ids": ["z"]}]},
    ),
    "suggest_k_zero": ("suggest_groups", lambda r: {"k": 0}),
    "suggest_k_too_many": ("suggest_groups", lambda r: {"k": 61}),
    "suggest_k_text": ("suggest_groups", lambda r: {"k": "many"}),
}


@pytest.mark.parametrize("case", list(BAD_PAYLOADS))
def test_bad_payloads_are_refused_and_change_nothing(app: Flask, world: World, case: str) -> None:
    room = start_grouping(app, world)
    command, payload = BAD_PAYLOADS[case]
    body = payload(room)
    before, seq_b = stored(app, world.a.id), seq_of(app, world.b.id)
    response = ack(world.host, command, *([] if body is None else [body]))
    assert error_code(response) == "invalid_input"
    assert stored(app, world.a.id) == before and seq_of(app, world.b.id) == seq_b
    assert nothing_received(*world.in_a, *world.in_b)


def _in_the_ideas_step(world: World, room: Room) -> tuple[str, Any]:
    ok(world.host, "advance_phase", {"phase_id": world.a.phase_ids[1]})
    return "move_idea", {"idea_id": room.alices, "challenge_id": room.defi}


def _stale(world: World, room: Room) -> tuple[str, Any]:
    ok(world.host, "update_challenge", {"challenge_id": room.defi, "version": 1, "title": "A"})
    return "update_challenge", {"challenge_id": room.defi, "version": 1, "title": "B"}


def _cycle(world: World, room: Room) -> tuple[str, Any]:
    ok(world.host, "merge_ideas", {"idea_id": room.alices, "into_id": room.bobs})
    return "merge_ideas", {"idea_id": room.bobs, "into_id": room.alices}


REFUSALS: dict[str, tuple[Callable[[World, Room], tuple[str, Any]], str]] = {
    "move_to_a_defi_of_another_workshop": (
        lambda w, r: ("move_idea", {"idea_id": r.alices, "challenge_id": r.elsewhere_defi}),
        "wrong_workshop",
    ),
    "move_an_idea_of_another_workshop": (
        lambda w, r: ("move_idea", {"idea_id": r.elsewhere, "challenge_id": r.defi}),
        "wrong_workshop",
    ),
    "merge_into_itself": (
        lambda w, r: ("merge_ideas", {"idea_id": r.alices, "into_id": r.alices}),
        "merge_cycle",
    ),
    "merge_in_a_cycle": (_cycle, "merge_cycle"),
    "merge_with_an_idea_of_another_workshop": (
        lambda w, r: ("merge_ideas", {"idea_id": r.alices, "into_id": r.elsewhere}),
        "wrong_workshop",
    ),
    "merge_an_unknown_idea": (
        lambda w, r: ("merge_ideas", {"idea_id": 999_999, "into_id": r.alices}),
        "not_found",
    ),
    "group_outside_the_grouping_step": (_in_the_ideas_step, "wrong_phase"),
    "stale_version": (_stale, "conflict"),
    "apply_an_unknown_idea": (
        lambda w, r: ("apply_grouping", {"groups": [{"title": "G", "idea_ids": [999_999]}]}),
        "not_found",
    ),
    "undo_with_nothing_to_undo": (lambda w, r: ("undo_grouping", None), "nothing_to_undo"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refusals_ack_an_error_and_change_nothing(app: Flask, world: World, case: str) -> None:
    room = start_grouping(app, world)
    arrange, code = REFUSALS[case]
    command, payload = arrange(world, room)
    world.drain()
    before, seq_b = stored(app, world.a.id), seq_of(app, world.b.id)
    assert error_code(ack(world.host, command, *([] if payload is None else [payload]))) == code
    assert stored(app, world.a.id) == before and seq_of(app, world.b.id) == seq_b
    assert nothing_received(*world.in_a, *world.in_b)


def test_the_other_workshops_facilitator_cannot_group_here(app: Flask, world: World) -> None:
    """A facilitator socket acts on its own workshop only: B's facilitator moving A's
    idea is told it belongs elsewhere, and A changes nothing."""
    room = start_grouping(app, world)
    before = stored(app, world.a.id)
    response = ack(
        world.other_host, "move_idea", {"idea_id": room.alices, "challenge_id": room.elsewhere_defi}
    )
    assert error_code(response) == "wrong_workshop"
    assert stored(app, world.a.id) == before
    assert nothing_received(*world.in_a, *world.in_b)
