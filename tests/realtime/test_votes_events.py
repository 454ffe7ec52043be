"""Voting over Socket.IO: cast and withdraw acks, votes_changed per role, facilitator
commands, refusals, and the personal votes in snapshots and replays."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask_socketio.test_client import SocketIOTestClient

from tests.factories import WorkshopRef, client_id, make_idea, vote_rows
from tests.realtime.conftest import World
from tests.realtime.sockets import ack, error_code, payloads, received
from workshop.extensions import db
from workshop.models import Workshop

VOTE_STEP = 3  # marathon: welcome, ideas, grouping, vote, qualification, results


@dataclass(frozen=True)
class Vote:
    """Workshop A in its vote step: Alice's idea, and two ideas of other people."""

    phase_id: int
    alices: int
    others: tuple[int, int]
    elsewhere: int  # an idea of workshop B


def seq_of(app: Flask, workshop_id: int) -> int:
    with app.app_context():
        return db.session.get(Workshop, workshop_id).seq


def rows(app: Flask, workshop_id: int) -> list[tuple[int, int, int | None, int]]:
    with app.app_context():
        return vote_rows(workshop_id)


def ok(client: SocketIOTestClient, command: str, payload: Any = None) -> Any:
    response = ack(client, command, *([] if payload is None else [payload]))
    assert response["ok"], response
    return response["data"]


def start_vote(app: Flask, world: World, **settings: Any) -> Vote:
    """Post ideas in A and B, move A to its vote step, apply ``settings``, drain."""
    alices = ok(world.alice, "post_idea", {"client_id": client_id(), "title": "Un composteur"})
    elsewhere = ok(world.carol, "post_idea", {"client_id": client_id(), "title": "Ailleurs"})
    with app.app_context():
        workshop = db.session.get(Workshop, world.a.id)
        others = (make_idea(workshop).id, make_idea(workshop).id)
    phase_id = world.a.phase_ids[VOTE_STEP]
    ok(world.host, "advance_phase", {"phase_id": phase_id})
    if settings:
        ok(world.host, "configure_vote", settings)
    world.drain()
    return Vote(phase_id, alices["idea"]["id"], others, elsewhere["idea"]["id"])


def nothing_received(*clients: SocketIOTestClient) -> bool:
    return all(received(client) == [] for client in clients)


# ------------------------------------------------------------------ cast and withdraw


def test_cast_acks_and_every_room_of_the_workshop_hears_of_it(app: Flask, world: World) -> None:
    vote = start_vote(app, world)
    first, second = vote.others

    data = ok(world.alice, "cast_vote", {"idea_id": first})
    assert data == {
        "phase_id": vote.phase_id,
        "target": "ideas",
        "votes": {str(first): 1},
        "remaining": 4,
    }
    seq = seq_of(app, world.a.id)

    for client in world.in_a:  # the sender too
        [fact] = payloads(client, "votes_changed")
        assert (fact["workshop_id"], fact["seq"], fact["phase_id"]) == (
            world.a.id,
            seq,
            vote.phase_id,
        )
        assert (fact["voters"], fact["votes_cast"]) == (1, 1)
    assert nothing_received(*world.in_b)

    data = ok(world.alice, "withdraw_vote", {"idea_id": first})
    assert data == {
        "phase_id": vote.phase_id,
        "target": "ideas",
        "votes": {},
        "remaining": 5,
    }
    [fact] = payloads(world.host, "votes_changed")
    assert fact["tallies"] == {str(first): 0} and fact["seq"] == seq + 1
    assert rows(app, world.a.id) == []
    ok(world.bob, "cast_vote", {"idea_id": second, "count": 1})
    assert nothing_received(*world.in_b)


def test_set_vote_is_idempotent_and_the_repeat_announces_nothing(app: Flask, world: World) -> None:
    vote = start_vote(app, world, max_per_item=3)
    first, second = vote.others

    data = ok(world.alice, "set_vote", {"idea_id": first, "count": 2})
    assert data == {
        "phase_id": vote.phase_id,
        "target": "ideas",
        "votes": {str(first): 2},
        "remaining": 3,
    }
    seq = seq_of(app, world.a.id)
    for client in world.in_a:
        [fact] = payloads(client, "votes_changed")
        assert (fact["seq"], fact["voters"], fact["votes_cast"]) == (seq, 1, 2)
    assert nothing_received(*world.in_b)

    # A resend after a lost ack: the same answer, no write, no fact, no seq.
    assert ok(world.alice, "set_vote", {"idea_id": first, "count": 2}) == data
    assert seq_of(app, world.a.id) == seq
    assert nothing_received(*world.in_a, *world.in_b)

    # Bob's phone sets its own dots; lowering and clearing work like withdrawing.
    ok(world.bob, "set_vote", {"idea_id": second, "count": 1})
    assert ok(world.alice, "set_vote", {"idea_id": first, "count": 0})["votes"] == {}
    [*_, last] = payloads(world.host, "votes_changed")
    assert (last["tallies"], last["voters"], last["votes_cast"]) == ({str(first): 0}, 1, 1)
    assert rows(app, world.a.id) == [(vote.phase_id, rows(app, world.a.id)[0][1], second, 1)]
    assert nothing_received(*world.in_b)


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"idea_id": "first", "count": 6}, "vote_budget_exhausted"),
        ({"idea_id": "first"}, "invalid_input"),
        ({"idea_id": "first", "count": -1}, "invalid_input"),
        ({"idea_id": "first", "count": 100}, "invalid_input"),
        ({"idea_id": "elsewhere", "count": 0}, "wrong_workshop"),
        ({"idea_id": 999_999, "count": 0}, "not_found"),
        ({"idea_id": "alices", "count": 1}, "own_idea_vote"),
    ],
)
def test_set_vote_refusals_change_nothing(
    app: Flask, world: World, payload: dict[str, Any], code: str
) -> None:
    vote = start_vote(app, world, max_per_item=5, allow_own=False)
    names = {"first": vote.others[0], "elsewhere": vote.elsewhere, "alices": vote.alices}
    payload = {k: names.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}
    seq = seq_of(app, world.a.id)
    assert error_code(ack(world.alice, "set_vote", payload)) == code
    assert seq_of(app, world.a.id) == seq and rows(app, world.a.id) == []
    assert nothing_received(*world.in_a, *world.in_b)


def test_a_hidden_vote_shows_tallies_to_facilitators_only(app: Flask, world: World) -> None:
    vote = start_vote(app, world, max_per_item=2)
    first, _second = vote.others
    ok(world.alice, "cast_vote", {"idea_id": first, "count": 2})
    ok(world.bob, "cast_vote", {"idea_id": first})

    [_, host] = payloads(world.host, "votes_changed")
    assert host["tallies"] == {str(first): 3}
    for client in (world.alice, world.bob, world.screen):
        [_, public] = payloads(client, "votes_changed")
        assert "tallies" not in public
        assert (public["voters"], public["votes_cast"]) == (2, 3)

    ok(world.host, "reveal_votes")
    for client in world.in_a:
        [revealed] = payloads(client, "votes_revealed")
        assert revealed["votes"]["tallies"] == {str(first): 3}
        assert revealed["phase"]["vote"]["revealed"] is True
    ok(world.bob, "withdraw_vote", {"idea_id": first})
    for client in world.in_a:
        [fact] = payloads(client, "votes_changed")
        assert fact["tallies"] == {str(first): 2}
    assert nothing_received(*world.in_b)


def test_a_live_vote_shows_tallies_to_everybody(app: Flask, world: World) -> None:
    vote = start_vote(app, world, hidden=False)
    ok(world.bob, "cast_vote", {"idea_id": vote.alices})
    for client in world.in_a:
        [fact] = payloads(client, "votes_changed")
        assert fact["tallies"] == {str(vote.alices): 1}


def test_configuring_reaches_everybody_and_can_reveal(app: Flask, world: World) -> None:
    vote = start_vote(app, world)
    ok(world.alice, "cast_vote", {"idea_id": vote.others[0]})
    world.drain()
    ok(world.host, "configure_vote", {"votes_per_participant": 3, "hidden": False})
    for client in world.in_a:
        names = [name for name, _payload in received(client)]
        assert names == ["vote_configured", "votes_revealed"]
    assert nothing_received(*world.in_b)
    data = ok(world.alice, "cast_vote", {"idea_id": vote.others[1]})
    assert data["remaining"] == 1


def test_two_phones_of_one_participant_share_one_budget(
    app: Flask,
    new_workshop: Callable[..., WorkshopRef],
    socket_client: Callable[..., SocketIOTestClient],
) -> None:
    workshop, elsewhere = new_workshop(), new_workshop()
    with app.app_context():
        ideas = [make_idea(db.session.get(Workshop, workshop.id)).id for _ in range(3)]
    http = app.test_client()
    phone, tablet = socket_client(workshop, http=http), socket_client(workshop, http=http)
    neighbour = socket_client(workshop)
    host, screen = socket_client(workshop, "facilitator"), socket_client(workshop, "screen")
    outsider = socket_client(elsewhere)
    everybody = (phone, tablet, neighbour, host, screen)
    for client in (*everybody, outsider):
        ok(client, "join_workshop")
    ok(host, "advance_phase", {"phase_id": workshop.phase_ids[VOTE_STEP]})
    ok(host, "configure_vote", {"votes_per_participant": 2})
    received(outsider)
    for client in everybody:
        received(client)

    ok(phone, "cast_vote", {"idea_id": ideas[0]})
    assert ok(tablet, "cast_vote", {"idea_id": ideas[1]})["votes"] == {
        str(ideas[0]): 1,
        str(ideas[1]): 1,
    }
    assert error_code(ack(phone, "cast_vote", {"idea_id": ideas[2]})) == "vote_budget_exhausted"
    for client in everybody:  # both phones hear of both dots, like everybody else
        assert [fact["votes_cast"] for fact in payloads(client, "votes_changed")] == [1, 2]
    assert received(outsider) == []
    # The neighbour's budget is their own.
    assert ok(neighbour, "cast_vote", {"idea_id": ideas[2]})["remaining"] == 1


# ------------------------------------------------------------------ facilitator commands


@pytest.mark.parametrize(
    "command", ["configure_vote", "reveal_votes", "freeze_results", "reopen_vote"]
)
@pytest.mark.parametrize("sender", ["alice", "screen"])
def test_vote_commands_are_forbidden_to_phones_and_screens(
    app: Flask, world: World, command: str, sender: str
) -> None:
    start_vote(app, world)
    seq = seq_of(app, world.a.id)
    response = ack(getattr(world, sender), command, {"hidden": False})
    assert error_code(response) == "forbidden"
    assert seq_of(app, world.a.id) == seq
    assert nothing_received(*world.in_a, *world.in_b)


def test_freezing_sends_the_ranking_to_everybody(app: Flask, world: World) -> None:
    vote = start_vote(app, world, max_per_item=2)
    first, second = vote.others
    ok(world.alice, "cast_vote", {"idea_id": first, "count": 2})
    ok(world.bob, "cast_vote", {"idea_id": second})
    ok(world.bob, "cast_vote", {"idea_id": first})
    world.drain()

    assert ok(world.host, "freeze_results") is None
    for client in world.in_a:
        [frozen] = payloads(client, "results_frozen")
        assert frozen["workshop_id"] == world.a.id
        assert frozen["phase"]["vote"]["frozen"] is True
        assert [
            (r["idea_id"], r["votes"], r["rank"]) for r in frozen["phase"]["vote"]["ranking"]
        ] == [
            (first, 3, 1),
            (second, 1, 2),
        ]
        assert frozen["votes"]["tallies"] == {str(first): 3, str(second): 1}
    assert nothing_received(*world.in_b)
    assert error_code(ack(world.alice, "cast_vote", {"idea_id": second})) == "vote_closed"

    ok(world.host, "reopen_vote")
    for client in world.in_a:
        [reopened] = payloads(client, "vote_reopened")
        assert reopened["phase"]["vote"]["frozen"] is False
        assert reopened["phase"]["vote"]["ranking"] is None
    ok(world.alice, "cast_vote", {"idea_id": second})


def test_leaving_the_vote_step_freezes_it_for_everybody(app: Flask, world: World) -> None:
    vote = start_vote(app, world)
    ok(world.alice, "cast_vote", {"idea_id": vote.others[0]})
    world.drain()
    ok(world.host, "advance_phase", {"direction": "next"})
    for client in world.in_a:
        names = [name for name, _payload in received(client)]
        assert names == ["results_frozen", "phase_changed"]
    assert nothing_received(*world.in_b)


# ------------------------------------------------------------------ refusals


BAD_PAYLOADS: dict[str, Any] = {
    "no_idea_id": {},
    "idea_id_null": {"idea_id": None},
    "idea_id_text": {"idea_id": "one"},
    "idea_id_negative": {"idea_id": -1},
    "idea_id_zero": {"idea_id": 0},
    "idea_id_float": {"idea_id": 1.5},
    "idea_id_bool": {"idea_id": True},
    "idea_id_huge": {"idea_id": 2**64},
    "count_zero": {"count": 0},
    "count_negative": {"count": -1},
    "count_too_many": {"count": 100},
    "count_huge": {"count": 10**12},
    "count_bool": {"count": True},
    "count_text": {"count": "two"},
    "count_list": {"count": [1]},
    "not_an_object": "12",
    "a_list": [12],
    "nothing": None,
}


@pytest.mark.parametrize("command", ["cast_vote", "withdraw_vote"])
@pytest.mark.parametrize("case", list(BAD_PAYLOADS))
def test_bad_payloads_are_refused_and_change_nothing(
    app: Flask, world: World, command: str, case: str
) -> None:
    vote = start_vote(app, world, max_per_item=2)
    ok(world.bob, "cast_vote", {"idea_id": vote.others[0]})
    world.drain()
    seq, before = seq_of(app, world.a.id), rows(app, world.a.id)
    payload = BAD_PAYLOADS[case]
    if isinstance(payload, dict) and "idea_id" not in payload and case != "no_idea_id":
        payload = {"idea_id": vote.others[0], **payload}  # only count is wrong
    response = ack(world.bob, command, *([] if payload is None else [payload]))
    assert error_code(response) == "invalid_input"
    assert (seq_of(app, world.a.id), rows(app, world.a.id)) == (seq, before)
    assert nothing_received(*world.in_a, *world.in_b)


def _budget_spent(world: World, vote: Vote) -> tuple[SocketIOTestClient, str, Any]:
    ok(world.bob, "cast_vote", {"idea_id": vote.others[0]})
    ok(world.bob, "cast_vote", {"idea_id": vote.others[1]})
    return world.bob, "cast_vote", {"idea_id": vote.alices}


def _cap_reached(world: World, vote: Vote) -> tuple[SocketIOTestClient, str, Any]:
    ok(world.bob, "cast_vote", {"idea_id": vote.others[0]})
    return world.bob, "cast_vote", {"idea_id": vote.others[0]}


def _hidden_idea(world: World, vote: Vote) -> tuple[SocketIOTestClient, str, Any]:
    ok(world.host, "hide_idea", {"idea_id": vote.others[0]})
    return world.bob, "cast_vote", {"idea_id": vote.others[0]}


def _frozen(world: World, vote: Vote) -> tuple[SocketIOTestClient, str, Any]:
    ok(world.host, "freeze_results")
    return world.bob, "cast_vote", {"idea_id": vote.others[0]}


def _after_close(world: World, vote: Vote) -> tuple[SocketIOTestClient, str, Any]:
    ok(world.host, "close_workshop")
    return world.bob, "cast_vote", {"idea_id": vote.others[0]}


def _after_the_vote(world: World, vote: Vote) -> tuple[SocketIOTestClient, str, Any]:
    ok(world.host, "advance_phase", {"direction": "next"})
    return world.bob, "withdraw_vote", {"idea_id": vote.others[0]}


REFUSALS: dict[str, tuple[Callable[[World, Vote], Any], str]] = {
    "budget": (_budget_spent, "vote_budget_exhausted"),
    "budget_at_once": (
        lambda w, v: (w.bob, "cast_vote", {"idea_id": v.others[0], "count": 3}),
        "vote_budget_exhausted",
    ),
    "cap": (_cap_reached, "vote_cap_reached"),
    "cap_at_once": (
        lambda w, v: (w.bob, "cast_vote", {"idea_id": v.others[0], "count": 2}),
        "vote_cap_reached",
    ),
    "own_idea": (lambda w, v: (w.alice, "cast_vote", {"idea_id": v.alices}), "own_idea_vote"),
    "hidden_idea": (_hidden_idea, "item_not_votable"),
    "unknown_idea": (lambda w, v: (w.bob, "cast_vote", {"idea_id": 999_999}), "not_found"),
    "other_workshops_idea": (
        lambda w, v: (w.bob, "cast_vote", {"idea_id": v.elsewhere}),
        "wrong_workshop",
    ),
    "no_vote_to_withdraw": (
        lambda w, v: (w.bob, "withdraw_vote", {"idea_id": v.others[1]}),
        "no_vote_to_withdraw",
    ),
    "frozen": (_frozen, "vote_closed"),
    "closed": (_after_close, "workshop_closed"),
    "after_the_vote": (_after_the_vote, "wrong_phase"),
    "facilitator_casts": (
        lambda w, v: (w.host, "cast_vote", {"idea_id": v.others[0]}),
        "forbidden",
    ),
    "screen_withdraws": (
        lambda w, v: (w.screen, "withdraw_vote", {"idea_id": v.others[0]}),
        "forbidden",
    ),
    "reveal_an_unknown_step": (
        lambda w, v: (w.host, "reveal_votes", {"phase_id": 999_999}),
        "not_found",
    ),
    "freeze_a_step_that_is_no_vote": (
        lambda w, v: (w.host, "freeze_results", {"phase_id": w.a.phase_ids[0]}),
        "wrong_phase",
    ),
    "reveal_a_step_of_another_workshop": (
        lambda w, v: (w.host, "reveal_votes", {"phase_id": w.b.phase_ids[VOTE_STEP]}),
        "wrong_workshop",
    ),
    "configure_cap_above_budget": (
        lambda w, v: (w.host, "configure_vote", {"votes_per_participant": 2, "max_per_item": 3}),
        "invalid_input",
    ),
    "configure_bad_target": (
        lambda w, v: (w.host, "configure_vote", {"target": "everything"}),
        "invalid_input",
    ),
    "configure_budget_zero": (
        lambda w, v: (w.host, "configure_vote", {"votes_per_participant": 0}),
        "invalid_input",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refusals_ack_an_error_and_change_nothing(app: Flask, world: World, case: str) -> None:
    vote = start_vote(app, world, votes_per_participant=2, allow_own=False)
    arrange, code = REFUSALS[case]
    client, command, payload = arrange(world, vote)
    world.drain()
    seq_a, seq_b = seq_of(app, world.a.id), seq_of(app, world.b.id)
    before = rows(app, world.a.id)

    assert error_code(ack(client, command, payload)) == code

    assert (seq_of(app, world.a.id), seq_of(app, world.b.id)) == (seq_a, seq_b)
    assert rows(app, world.a.id) == before
    assert nothing_received(*world.in_a, *world.in_b)


# ------------------------------------------------------------------ snapshot and replay


def test_the_snapshot_carries_my_votes_and_the_public_totals(app: Flask, world: World) -> None:
    vote = start_vote(app, world, max_per_item=2)
    first, second = vote.others
    ok(world.alice, "cast_vote", {"idea_id": first, "count": 2})
    ok(world.bob, "cast_vote", {"idea_id": second})

    alice = ok(world.alice, "join_workshop")["state"]
    screen = ok(world.screen, "join_workshop")["state"]
    host = ok(world.host, "join_workshop")["state"]
    key = str(vote.phase_id)
    assert alice["me"]["votes"] == {key: {str(first): 2}}
    for state in (alice, screen):
        assert state["votes"][key] == {
            "phase_id": vote.phase_id,
            "target": "ideas",
            "voters": 2,
            "votes_cast": 3,
        }
    assert host["votes"][key]["tallies"] == {str(first): 2, str(second): 1}
    phase = next(p for p in alice["phases"] if p["id"] == vote.phase_id)
    assert phase["can_vote"] is True and phase["vote"]["settings"]["max_per_item"] == 2


def test_a_replay_brings_my_votes_but_no_hidden_tallies(app: Flask, world: World) -> None:
    vote = start_vote(app, world, max_per_item=2)
    first, second = vote.others
    seen = seq_of(app, world.a.id)
    ok(world.alice, "cast_vote", {"idea_id": first, "count": 2})
    ok(world.bob, "cast_vote", {"idea_id": second})

    alice = ok(world.alice, "join_workshop", {"last_seq": seen})
    assert alice["mode"] == "replay"
    assert [e["name"] for e in alice["events"]] == ["votes_changed", "votes_changed"]
    assert all("tallies" not in e["data"] for e in alice["events"])
    assert alice["me"]["votes"] == {str(vote.phase_id): {str(first): 2}}
    assert alice["me"]["display_name"] == "Alice"

    host = ok(world.host, "join_workshop", {"last_seq": seen})
    assert [e["data"]["tallies"] for e in host["events"]] == [{str(first): 2}, {str(second): 1}]
    screen = ok(world.screen, "join_workshop", {"last_seq": seen})
    assert "me" not in host and "me" not in screen
    assert all("tallies" not in e["data"] for e in screen["events"])
