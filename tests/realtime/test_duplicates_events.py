"""The duplicate review over Socket.IO, with two facilitators of workshop A (the owner and
a co-facilitator), its phones and screen, and workshop B beside it: the clusters come
back in the ack only; a cluster merge, its undo and a dismissal reach every room of A as
one fact each (the co-facilitator's review follows live), nothing reaches B; B's
facilitator can neither see nor touch A's ideas."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask_socketio.test_client import SocketIOTestClient

from tests.factories import make_facilitator
from tests.realtime.conftest import World
from tests.realtime.sockets import ack, error_code, payloads, received
from tests.realtime.test_challenge_events import (
    GROUPING_STEP,
    nothing_received,
    ok,
    post,
    stored,
)
from workshop.extensions import db
from workshop.models import Workshop
from workshop.services import duplicates

TITLES = [
    "Un composteur partagé dans le quartier",
    "Composteur partagé de quartier",
    "Une piste cyclable rue de la Gare",
    "Piste cyclable sur la rue de la Gare",
    "La fête des voisins en juin",
]


@pytest.fixture
def co(
    app: Flask, world: World, socket_client: Callable[..., SocketIOTestClient]
) -> SocketIOTestClient:
    """A second facilitator of A, joined, with the review open too."""
    with app.app_context():
        workshop = db.session.get_one(Workshop, world.a.id)
        second = make_facilitator()
        workshop.facilitators.append(second)
        email = second.email
        db.session.commit()
    client = socket_client(world.a, "facilitator", email=email)
    assert ack(client, "join_workshop")["ok"] is True
    received(client)
    return client


def ideas_of_a(world: World, co: SocketIOTestClient) -> dict[str, int]:
    ids = {
        title: post(world.alice if n % 2 else world.bob, title) for n, title in enumerate(TITLES)
    }
    ok(world.host, "advance_phase", {"phase_id": world.a.phase_ids[GROUPING_STEP]})
    world.drain()
    received(co)
    return ids


def clusters(client: SocketIOTestClient) -> list[list[int]]:
    return [c["idea_ids"] for c in ok(client, "find_duplicates", {})["clusters"]]


def test_the_review_lives_for_both_facilitators_and_stays_in_its_workshop(
    app: Flask, world: World, co: SocketIOTestClient
) -> None:
    ids = ideas_of_a(world, co)
    compost = sorted(ids[t] for t in TITLES[:2])
    cycle = sorted(ids[t] for t in TITLES[2:4])
    found = ok(world.host, "find_duplicates", {})
    assert found["compared"] == 5
    assert [c["idea_ids"] for c in found["clusters"]] == [compost, cycle] or [
        c["idea_ids"] for c in found["clusters"]
    ] == [cycle, compost]
    assert clusters(co) == [c["idea_ids"] for c in found["clusters"]]
    assert nothing_received(*world.in_a, co, *world.in_b)  # asked, not broadcast

    # The owner merges one cluster: one fact, everywhere in A, the co-facilitator included.
    keep, absorbed = compost
    ok(world.host, "merge_duplicates", {"into_id": keep, "idea_ids": [absorbed]})
    for client in (world.host, co, world.alice, world.bob, world.screen):
        assert [name for name, _payload in received(client)] == ["duplicates_merged"]
    assert nothing_received(*world.in_b)
    assert clusters(co) == [cycle]

    # The co-facilitator takes it back: one fact, the ideas and the grouping.
    ok(co, "undo_grouping_change", {"kind": "duplicates_merged", "id": keep})
    for client in (world.host, co, world.alice, world.bob, world.screen):
        heard = received(client)
        assert [name for name, _payload in heard] == ["duplicates_unmerged"]
        [restored] = heard[0][1]["ideas"]
        assert (restored["id"], restored["status"]) == (absorbed, "visible")
        orders = {o["challenge_id"]: o["idea_ids"] for o in heard[0][1]["grouping"]["orders"]}
        assert absorbed in orders[None]
    assert nothing_received(*world.in_b)
    assert sorted(clusters(world.host)) == sorted([compost, cycle])

    # The co-facilitator dismisses the other: the owner hears it, and it is remembered.
    ok(co, "dismiss_duplicates", {"idea_ids": cycle})
    [dismissed] = payloads(world.host, "duplicates_dismissed")
    assert dismissed["idea_ids"] == cycle
    assert nothing_received(*world.in_b)
    # (Asked of the service: each facilitator may ask twice a second.)
    with app.app_context():
        workshop = db.session.get_one(Workshop, world.a.id)
        remembered = duplicates.find_duplicates(workshop.id, workshop.owner)
    assert [c["idea_ids"] for c in remembered["clusters"]] == [compost]


def test_the_merge_reaches_phones_without_the_absorbed_texts(
    app: Flask, world: World, co: SocketIOTestClient
) -> None:
    ids = ideas_of_a(world, co)
    keep, absorbed = ids[TITLES[0]], ids[TITLES[1]]
    ok(co, "merge_duplicates", {"into_id": keep, "idea_ids": [absorbed]})
    [for_host] = payloads(world.host, "duplicates_merged")
    [for_phone] = payloads(world.alice, "duplicates_merged")
    assert for_host["merged"][0]["title"] == TITLES[1]  # facilitators keep it, traceable
    assert for_phone["merged"] == [{"id": absorbed, "status": "merged", "merged_into_id": keep}]
    assert for_phone["idea"]["id"] == keep and for_phone["seq"] == for_host["seq"]


def test_another_workshops_facilitator_cannot_review_here(
    app: Flask, world: World, co: SocketIOTestClient
) -> None:
    ids = ideas_of_a(world, co)
    post(world.carol, "Un composteur partagé dans le quartier")
    ok(world.other_host, "advance_phase", {"phase_id": world.b.phase_ids[GROUPING_STEP]})
    world.drain()
    before = stored(app, world.a.id)
    keep, absorbed = ids[TITLES[0]], ids[TITLES[1]]
    # B's review compares B's ideas only.
    assert ok(world.other_host, "find_duplicates", {}) == {"clusters": [], "compared": 1}
    for command, payload in (
        ("merge_duplicates", {"into_id": keep, "idea_ids": [absorbed]}),
        ("dismiss_duplicates", {"idea_ids": [keep, absorbed]}),
        ("undo_grouping_change", {"kind": "duplicates_merged", "id": keep}),
    ):
        assert error_code(ack(world.other_host, command, payload)) == "wrong_workshop", command
    for phone in (world.alice, world.screen):
        assert error_code(ack(phone, "find_duplicates", {})) == "forbidden"
    assert stored(app, world.a.id) == before
    assert nothing_received(*world.in_a, co, *world.in_b)


@pytest.mark.parametrize(
    ("command", "payload", "code"),
    [
        ("find_duplicates", [], "invalid_input"),
        ("merge_duplicates", {"into_id": 1}, "invalid_input"),
        ("merge_duplicates", {"into_id": 1, "idea_ids": [1]}, "invalid_input"),
        ("merge_duplicates", {"into_id": 1, "idea_ids": []}, "invalid_input"),
        ("dismiss_duplicates", {"idea_ids": [1]}, "invalid_input"),
        ("dismiss_duplicates", {"idea_ids": [1, 1]}, "invalid_input"),
        ("undo_grouping_change", {"kind": "duplicates_merged", "id": 1}, "nothing_to_undo"),
    ],
)
def test_bad_payloads_are_refused_and_change_nothing(
    app: Flask, world: World, co: SocketIOTestClient, command: str, payload: object, code: str
) -> None:
    ideas_of_a(world, co)
    before = stored(app, world.a.id)
    assert error_code(ack(world.host, command, payload)) == code
    assert stored(app, world.a.id) == before
    assert nothing_received(*world.in_a, co, *world.in_b)
