"""Qualification sheets and volunteer offers over Socket.IO: facts reach every room of
the workshop and nothing reaches workshop B, contact details reach the facilitators
only, concurrent edits conflict, and refusals answer distinct codes changing nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask_socketio.test_client import SocketIOTestClient
from sqlalchemy import select

from tests.factories import client_id
from tests.realtime.conftest import World
from tests.realtime.sockets import ack, error_code, received
from workshop.extensions import db
from workshop.models import Event, Qualification, Volunteer, Workshop

QUALIFICATION_STEP = 4  # marathon: welcome, ideas, grouping, vote, qualification, results
EMAIL = "alice@example.org"


def ok(client: SocketIOTestClient, command: str, payload: Any = None) -> Any:
    response = ack(client, command, *([] if payload is None else [payload]))
    assert response["ok"], response
    return response["data"]


def post(client: SocketIOTestClient, title: str) -> int:
    return int(ok(client, "post_idea", {"client_id": client_id(), "title": title})["idea"]["id"])


def stored(app: Flask, workshop_id: int) -> tuple[Any, ...]:
    with app.app_context():
        seq = db.session.get(Workshop, workshop_id).seq
        sheets = db.session.execute(
            select(Qualification.id, Qualification.version, Qualification.solution).where(
                Qualification.workshop_id == workshop_id
            )
        ).all()
        offers = db.session.execute(
            select(Volunteer.id, Volunteer.kind, Volunteer.contact_email).where(
                Volunteer.workshop_id == workshop_id
            )
        ).all()
        return seq, sorted(map(tuple, sheets)), sorted(map(tuple, offers), key=repr)


def test_a_sheet_saved_by_a_facilitator_reaches_every_room(app: Flask, world: World) -> None:
    idea = post(world.alice, "Une épicerie itinérante")
    world.drain()
    data = ok(
        world.host,
        "save_qualification",
        {"target": "idea", "target_id": idea, "solution": "Un camion", "insee_code": "73010"},
    )
    assert data["qualification"]["version"] == 1
    heard = world.heard_once("qualification_saved")
    assert {p["qualification"]["solution"] for p in heard.values()} == {"Un camion"}
    assert {p["qualification"]["insee_code"] for p in heard.values()} == {"73010"}
    # A new phone's snapshot carries it.
    state = ok(world.bob, "join_workshop")["state"]
    assert [q["target_id"] for q in state["qualifications"]] == [idea]


def test_two_facilitators_saving_the_same_version_conflict(
    app: Flask, world: World, socket_client: Any
) -> None:
    idea = post(world.alice, "Une légumerie")
    cohost = socket_client(world.a, "facilitator")
    assert ok(cohost, "join_workshop")
    ok(world.host, "save_qualification", {"target": "idea", "target_id": idea, "solution": "A"})
    world.drain()
    ok(
        world.host,
        "save_qualification",
        {"target": "idea", "target_id": idea, "version": 1, "solution": "B"},
    )
    before = stored(app, world.a.id)
    cohost.get_received()
    world.drain()
    response = ack(
        cohost,
        "save_qualification",
        {"target": "idea", "target_id": idea, "version": 1, "solution": "C"},
    )
    assert error_code(response) == "conflict"
    assert response["error"]["details"]["current_version"] == 2
    assert stored(app, world.a.id) == before
    assert all(received(c) == [] for c in [*world.in_a, *world.in_b])


def test_participants_qualify_only_when_the_workshop_allows_it(app: Flask, world: World) -> None:
    idea = post(world.alice, "Un jardin partagé")
    payload = {"target": "idea", "target_id": idea, "need_who": "Les voisins"}
    assert error_code(ack(world.bob, "save_qualification", payload)) == "qualification_not_allowed"
    ok(world.host, "advance_phase", {"phase_id": world.a.phase_ids[QUALIFICATION_STEP]})
    assert error_code(ack(world.bob, "save_qualification", payload)) == "qualification_not_allowed"
    ok(world.host, "update_settings", {"participants_qualify": True})
    world.drain()
    data = ok(world.bob, "save_qualification", payload)
    assert data["qualification"]["need_who"] == "Les voisins"
    world.heard_once("qualification_saved")
    assert error_code(ack(world.screen, "save_qualification", payload)) == "forbidden"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"target": "idea", "target_id": 999_999}, "not_found"),
        ({"target": "idea", "insee_code": "ABCDE"}, "invalid_insee_code"),
        ({"target": "idea", "stage": "abandoned"}, "abandon_reason_required"),
        (
            {"target": "idea", "stage": "abandoned", "abandon_reason": " "},
            "abandon_reason_required",
        ),
        ({"target": "idea", "partners": "x" * 2001}, "invalid_input"),
        ({"target": "idea", "version": 3}, "conflict"),
        ({"target": "nothing"}, "invalid_input"),
        ({"target": "idea", "elsewhere": True}, "wrong_workshop"),
    ],
)
def test_bad_sheets_are_refused_and_change_nothing(
    app: Flask, world: World, payload: dict[str, Any], code: str
) -> None:
    idea = post(world.alice, "Un frigo solidaire")
    elsewhere = post(world.carol, "Ailleurs")
    world.drain()
    body = {"target_id": elsewhere if payload.pop("elsewhere", False) else idea, **payload}
    before = stored(app, world.a.id)
    assert error_code(ack(world.host, "save_qualification", body)) == code
    assert stored(app, world.a.id) == before
    assert all(received(c) == [] for c in [*world.in_a, *world.in_b])


def test_a_volunteer_with_consent_is_seen_by_facilitators_and_no_fact_carries_the_contact(
    app: Flask, world: World
) -> None:
    idea = post(world.bob, "Un restaurant d'insertion")
    world.drain()
    data = ok(
        world.alice,
        "offer_help",
        {
            "target": "idea",
            "target_id": idea,
            "kind": "hold",
            "consent_contact": True,
            "contact_name": "Alice A.",
            "contact_email": EMAIL,
        },
    )
    [mine] = data["volunteers"]
    assert mine["contact"]["email"] == EMAIL and mine["kind"] == "hold"
    heard = world.heard_once("volunteers_changed")
    for label in ("alice", "bob", "screen"):
        assert heard[label] == {
            "workshop_id": world.a.id,
            "seq": heard["host"]["seq"],
            "target": "idea",
            "target_id": idea,
            "counts": {"hold": 1, "contribute": 0, "follow": 0},
        }
    [offer] = heard["host"]["volunteers"]
    # Facts are stored and replayed: they say who consented, never the details.
    assert offer["consent_contact"] is True and offer["contact"] is None
    assert offer["display_name"] == "Alice"
    with app.app_context():
        log = db.session.execute(select(Event.data, Event.public_data)).all()
    assert log and EMAIL not in repr(log)
    # Snapshots: the offer for the facilitators (details on the contacts page), counts
    # for Bob and the screen, the details for Alice herself.
    host_state = ok(world.host, "join_workshop")["state"]
    assert host_state["volunteers"][0]["volunteers"][0]["consent_contact"] is True
    assert EMAIL not in repr(host_state)
    for client in (world.bob, world.screen):
        state = ok(client, "join_workshop")["state"]
        assert EMAIL not in repr(state)
        assert state["volunteers"][0]["counts"]["hold"] == 1
    alice_state = ok(world.alice, "join_workshop")["state"]
    assert alice_state["me"]["volunteers"][0]["contact"]["email"] == EMAIL

    # Withdrawing consent erases the contact everywhere; withdrawing the offer deletes it.
    world.drain()
    ok(world.alice, "offer_help", {"target": "idea", "target_id": idea, "kind": "hold"})
    heard = world.heard_once("volunteers_changed")
    assert heard["host"]["volunteers"][0]["consent_contact"] is False
    assert EMAIL not in repr(stored(app, world.a.id))
    data = ok(world.alice, "withdraw_help", {"target": "idea", "target_id": idea, "kind": "hold"})
    assert data == {"removed": True, "volunteers": []}
    heard = world.heard_once("volunteers_changed")
    assert heard["host"]["volunteers"] == []
    assert heard["screen"]["counts"] == {"hold": 0, "contribute": 0, "follow": 0}


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"target_id": 999_999}, "not_found"),
        ({"elsewhere": True}, "wrong_workshop"),
        ({"kind": "boss"}, "invalid_input"),
        ({"consent_contact": True}, "contact_required"),
        ({"consent_contact": True, "contact_email": "x" * 250 + "@a.fr"}, "invalid_input"),
        ({"hidden": True}, "target_unavailable"),
    ],
)
def test_bad_offers_are_refused_and_change_nothing(
    app: Flask, world: World, payload: dict[str, Any], code: str
) -> None:
    idea = post(world.bob, "Des paniers anti-gaspillage")
    hidden = post(world.bob, "Caché")
    ok(world.host, "hide_idea", {"idea_id": hidden})
    elsewhere = post(world.carol, "Ailleurs")
    world.drain()
    target_id = idea
    if payload.pop("elsewhere", False):
        target_id = elsewhere
    if payload.pop("hidden", False):
        target_id = hidden
    body = {"target": "idea", "target_id": target_id, "kind": "follow", **payload}
    before = stored(app, world.a.id)
    assert error_code(ack(world.alice, "offer_help", body)) == code
    assert stored(app, world.a.id) == before
    assert all(received(c) == [] for c in [*world.in_a, *world.in_b])


def test_facilitators_and_screens_cannot_volunteer(world: World) -> None:
    body = {"target": "idea", "target_id": 1, "kind": "follow"}
    for client in (world.host, world.screen):
        assert error_code(ack(client, "offer_help", body)) == "forbidden"
        assert error_code(ack(client, "withdraw_help", body)) == "forbidden"
