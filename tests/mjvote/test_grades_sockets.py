"""Majority judgment over Socket.IO: grade_item / withdraw_grade acks, grades_changed
per role (results hidden from phones and screens until revealed), refusals, the
snapshot's grades, and nothing reaching another workshop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask_socketio.test_client import SocketIOTestClient

from tests.factories import make_idea
from tests.realtime.conftest import World
from tests.realtime.sockets import ack, error_code, payloads, received
from workshop.extensions import db
from workshop.models import Workshop
from workshop.realtime import Fact, coalesce

VOTE_STEP = 3  # marathon: welcome, ideas, grouping, vote, qualification, results


@dataclass(frozen=True)
class Ballot:
    phase_id: int
    ideas: tuple[int, int, int]
    elsewhere: int  # an idea of workshop B


def ok(client: SocketIOTestClient, command: str, payload: Any = None) -> Any:
    response = ack(client, command, *([] if payload is None else [payload]))
    assert response["ok"], response
    return response["data"]


def start(app: Flask, world: World, **settings: Any) -> Ballot:
    """Three ideas in A and one in B; A in its vote step by majority judgment."""
    with app.app_context():
        a = db.session.get(Workshop, world.a.id)
        b = db.session.get(Workshop, world.b.id)
        ideas = (make_idea(a).id, make_idea(a).id, make_idea(a).id)
        elsewhere = make_idea(b).id
    phase_id = world.a.phase_ids[VOTE_STEP]
    ok(world.host, "advance_phase", {"phase_id": phase_id})
    ok(world.host, "configure_vote", {"method": "majority", **settings})
    world.drain()
    return Ballot(phase_id, ideas, elsewhere)


def test_a_grade_is_acked_and_only_facilitators_see_hidden_results(
    app: Flask, world: World
) -> None:
    ballot = start(app, world)
    first, second, _third = ballot.ideas
    data = ok(world.alice, "grade_item", {"idea_id": first, "grade": 5})
    assert data == {"phase_id": ballot.phase_id, "target": "ideas", "grades": {str(first): 5}}
    heard = world.heard_once("grades_changed")
    assert [r["item_id"] for r in heard["host"]["results"]][0] == first
    for label in ("alice", "bob", "screen"):
        assert heard[label] == {
            "workshop_id": world.a.id,
            "seq": heard["host"]["seq"],
            "phase_id": ballot.phase_id,
            "target": "ideas",
            "voters": 1,
            "grades_cast": 1,
        }
    # Changing it: one more fact; the same grade again: none.
    data = ok(world.alice, "grade_item", {"idea_id": first, "grade": 2})
    assert data["grades"] == {str(first): 2}
    world.heard_once("grades_changed")
    ok(world.alice, "grade_item", {"idea_id": first, "grade": 2})
    ok(world.bob, "withdraw_grade", {"idea_id": second})  # never given
    assert all(received(client) == [] for client in [*world.in_a, *world.in_b])
    data = ok(world.alice, "withdraw_grade", {"idea_id": first})
    assert data["grades"] == {}
    assert world.heard_once("grades_changed")["alice"]["voters"] == 0


def test_revealed_results_reach_everybody(app: Flask, world: World) -> None:
    ballot = start(app, world)
    first, second, third = ballot.ideas
    ok(world.alice, "grade_item", {"idea_id": second, "grade": 6})
    ok(world.bob, "grade_item", {"idea_id": second, "grade": 4})
    ok(world.bob, "grade_item", {"idea_id": third, "grade": 5})
    world.drain()
    ok(world.host, "reveal_votes", {"phase_id": ballot.phase_id})
    heard = world.heard_once("votes_revealed")
    for label in ("host", "alice", "bob", "screen"):
        results = heard[label]["grades"]["results"]
        assert [r["item_id"] for r in results] == [second, third, first]
        assert results[0]["counts"] == [0, 0, 0, 0, 1, 0, 1]
        assert results[1]["counts"] == [1, 0, 0, 0, 0, 1, 0]  # Alice did not grade it
    ok(world.alice, "grade_item", {"idea_id": first, "grade": 1})
    heard = world.heard_once("grades_changed")
    assert heard["bob"]["results"] == heard["host"]["results"]
    ok(world.host, "freeze_results", {"phase_id": ballot.phase_id})
    frozen = world.heard_once("results_frozen")["screen"]
    ranking = frozen["phase"]["vote"]["ranking"]
    assert [row["idea_id"] for row in ranking] == [second, third, first]
    assert ranking[0]["majority_grade"] == 4 and ranking[0]["grades"] == [0, 0, 0, 0, 1, 0, 1]
    assert error_code(ack(world.bob, "grade_item", {"idea_id": first, "grade": 3})) == (
        "vote_closed"
    )


def test_refusals_change_nothing_and_nobody_hears_of_them(app: Flask, world: World) -> None:
    ballot = start(app, world, allow_own=True)
    first = ballot.ideas[0]
    refused = [
        (world.alice, "grade_item", {"idea_id": first, "grade": 7}, "invalid_input"),
        (world.alice, "grade_item", {"idea_id": first}, "invalid_input"),
        (world.alice, "grade_item", {"idea_id": first, "grade": "bien"}, "invalid_input"),
        (world.alice, "grade_item", {"challenge_id": 1, "grade": 3}, "invalid_input"),
        (world.alice, "grade_item", {"idea_id": 10**6, "grade": 3}, "not_found"),
        (world.alice, "grade_item", {"idea_id": ballot.elsewhere, "grade": 3}, "wrong_workshop"),
        (world.alice, "withdraw_grade", {"idea_id": ballot.elsewhere}, "wrong_workshop"),
        (world.alice, "cast_vote", {"idea_id": first}, "wrong_phase"),
        (world.carol, "grade_item", {"idea_id": first, "grade": 3}, "wrong_phase"),
        (world.host, "grade_item", {"idea_id": first, "grade": 3}, "forbidden"),
        (world.screen, "grade_item", {"idea_id": first, "grade": 3}, "forbidden"),
    ]
    for client, command, payload, code in refused:
        assert error_code(ack(client, command, payload)) == code, (command, payload)
    assert all(received(client) == [] for client in [*world.in_a, *world.in_b])


def test_grades_are_refused_in_a_dot_vote(app: Flask, world: World) -> None:
    ballot = start(app, world)
    ok(world.host, "configure_vote", {"method": "dots"})  # nobody graded yet: allowed
    world.drain()
    first = ballot.ideas[0]
    assert error_code(ack(world.alice, "grade_item", {"idea_id": first, "grade": 3})) == (
        "wrong_phase"
    )
    assert ok(world.alice, "cast_vote", {"idea_id": first})["votes"] == {str(first): 1}


def test_the_snapshot_holds_the_phones_grades_and_the_public_state(
    app: Flask, world: World
) -> None:
    ballot = start(app, world)
    first, second, _third = ballot.ideas
    ok(world.alice, "grade_item", {"idea_id": first, "grade": 3})
    ok(world.alice, "grade_item", {"idea_id": second, "grade": 6})
    state = ok(world.alice, "join_workshop")["state"]
    phase = str(ballot.phase_id)
    assert state["me"]["grades"] == {phase: {str(first): 3, str(second): 6}}
    assert state["grades"][phase] == {
        "phase_id": ballot.phase_id,
        "target": "ideas",
        "voters": 1,
        "grades_cast": 2,
    }
    assert "grades" not in ok(world.bob, "join_workshop")["state"]["me"] or (
        ok(world.bob, "join_workshop")["state"]["me"]["grades"] == {}
    )
    host = ok(world.host, "join_workshop")["state"]
    assert [r["item_id"] for r in host["grades"][phase]["results"]][:2] == [second, first]
    carol = ok(world.carol, "join_workshop")["state"]
    assert carol["grades"] == {} and carol["me"]["grades"] == {}
    # A replay brings the phone's own grades too.
    seq = state["seq"]
    ok(world.alice, "grade_item", {"idea_id": first, "grade": 4})
    replay = ok(world.alice, "join_workshop", {"last_seq": seq})
    assert replay["mode"] == "replay"
    assert replay["me"]["grades"][phase][str(first)] == 4
    assert [event["name"] for event in replay["events"]] == ["grades_changed"]
    assert payloads(world.carol, "grades_changed") == []


def test_a_burst_of_grades_changed_folds_into_the_last() -> None:
    facts = [
        Fact(1, seq, "grades_changed", {"phase_id": 4, "voters": seq, "results": [seq]})
        for seq in (10, 11, 12)
    ]
    [(folded, since)] = coalesce(facts)
    assert (folded.seq, since) == (12, 10)
    assert folded.data == {"phase_id": 4, "voters": 12, "results": [12]}
