"""Participant commands over Socket.IO: post, edit, withdraw; acks, broadcasts, refusals."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.factories import client_id
from tests.realtime.conftest import World
from tests.realtime.sockets import ack, error_code, payloads, received
from workshop.extensions import db
from workshop.models import Idea, Workshop


def seq_of(app: Flask, workshop_id: int) -> int:
    with app.app_context():
        return db.session.get(Workshop, workshop_id).seq


def idea_count(app: Flask) -> int:
    with app.app_context():
        return db.session.query(Idea).count()


def new_idea(**fields: Any) -> dict[str, Any]:
    return {
        "client_id": client_id(),
        "title": "Une épicerie itinérante",
        "description": "Un camion qui passe dans les villages.",
        **fields,
    }


def test_post_acks_and_broadcasts_to_the_whole_workshop_only(app: Flask, world: World) -> None:
    response = ack(world.alice, "post_idea", new_idea(need="Plus de commerce."))
    assert set(response) == {"ok", "data"} and response["ok"] is True
    idea = response["data"]["idea"]
    assert response["data"]["created"] is True
    assert idea["title"] == "Une épicerie itinérante" and idea["author"] == "Alice"
    assert idea["need"] == "Plus de commerce." and idea["status"] == "visible"
    seq = seq_of(app, world.a.id)

    for client in world.in_a:  # the sender too: one code path for every UI
        [fact] = payloads(client, "idea_posted")
        assert (fact["workshop_id"], fact["seq"], fact["idea"]["id"]) == (
            world.a.id,
            seq,
            idea["id"],
        )
    for client in world.in_b:
        assert received(client) == []


def test_only_facilitators_get_the_authors_identity(world: World) -> None:
    ack(world.alice, "post_idea", new_idea())
    [for_host] = payloads(world.host, "idea_posted")
    [for_bob] = payloads(world.bob, "idea_posted")
    [for_screen] = payloads(world.screen, "idea_posted")
    assert for_host["idea"]["participant_id"] is not None
    assert for_host["idea"]["client_id"]
    for public in (for_bob, for_screen):
        assert "participant_id" not in public["idea"] and "client_id" not in public["idea"]
        assert public["idea"]["author"] == "Alice"


@pytest.mark.parametrize("world_settings", [{"anonymous": True}])
def test_anonymous_posts_reach_phones_without_author(world: World) -> None:
    response = ack(world.alice, "post_idea", new_idea())
    assert response["data"]["idea"]["author"] == "Alice"  # her own view
    assert payloads(world.bob, "idea_posted")[0]["idea"]["author"] is None
    assert payloads(world.screen, "idea_posted")[0]["idea"]["author"] is None
    assert payloads(world.host, "idea_posted")[0]["idea"]["author"] == "Alice"


@pytest.mark.parametrize("world_settings", [{"moderation": True}])
def test_pending_ideas_reach_public_rooms_as_id_and_status_only(world: World) -> None:
    response = ack(world.alice, "post_idea", new_idea(title="À modérer"))
    idea = response["data"]["idea"]
    assert (idea["status"], idea["title"]) == ("pending", "À modérer")
    for client in (world.alice, world.bob, world.screen):
        assert payloads(client, "idea_posted")[0]["idea"] == {"id": idea["id"], "status": "pending"}
    assert payloads(world.host, "idea_posted")[0]["idea"]["title"] == "À modérer"

    assert ack(world.host, "approve_idea", {"idea_id": idea["id"]}) == {"ok": True, "data": None}
    for client in world.in_a:
        [fact] = payloads(client, "idea_approved")
        assert fact["idea"]["title"] == "À modérer"


def test_a_retried_post_is_acked_again_but_broadcast_once(app: Flask, world: World) -> None:
    payload = new_idea()
    first = ack(world.alice, "post_idea", payload)
    received(world.bob)
    seq = seq_of(app, world.a.id)
    again = ack(world.alice, "post_idea", payload)
    assert again["ok"] and again["data"]["created"] is False
    assert again["data"]["idea"]["id"] == first["data"]["idea"]["id"]
    assert received(world.bob) == [] and seq_of(app, world.a.id) == seq


def test_user_text_is_kept_verbatim(world: World) -> None:
    title = "<script>alert('x')</script> & <b>gras</b>"
    response = ack(world.alice, "post_idea", new_idea(title=title, description="a\r\nb"))
    assert response["data"]["idea"]["title"] == title
    assert response["data"]["idea"]["description"] == "a\nb"
    assert payloads(world.screen, "idea_posted")[0]["idea"]["title"] == title


@pytest.mark.parametrize("length", [1, 140])
def test_title_length_limits_are_inclusive(world: World, length: int) -> None:
    assert ack(world.alice, "post_idea", new_idea(title="é" * length))["ok"] is True


BAD_POSTS: list[Any] = [
    "une idée",
    ["une idée"],
    42,
    None,
    {"title": "Sans identifiant"},
    {"client_id": "short", "title": "x"},
    {"client_id": "has spaces in it", "title": "x"},
    {"client_id": 12345678, "title": "x"},
    {"client_id": "c" * 65, "title": "x"},
    new_idea(title=""),
    new_idea(title="   \n\t "),
    new_idea(title=None),
    new_idea(title=5),
    new_idea(title=["a"]),
    new_idea(title={"fr": "a"}),
    new_idea(title="x" * 141),
    new_idea(description="x" * 2001),
    new_idea(need="x" * 1001),
    new_idea(description=3.5),
]


@pytest.mark.parametrize("payload", BAD_POSTS)
def test_bad_posts_are_refused_and_change_nothing(app: Flask, world: World, payload: Any) -> None:
    seq = seq_of(app, world.a.id)
    args = [] if payload is None else [payload]
    response = ack(world.alice, "post_idea", *args)
    assert error_code(response) == "invalid_input"
    assert seq_of(app, world.a.id) == seq and idea_count(app) == 0
    assert all(received(client) == [] for client in world.in_a)


def test_validation_errors_name_the_field(world: World) -> None:
    response = ack(world.alice, "post_idea", new_idea(title="x" * 141))
    assert response["error"]["details"] == {"field": "title", "reason": "too_long", "max": 140}


def test_text_that_cannot_be_stored_is_cleaned(world: World) -> None:
    # A lone surrogate is valid JSON ("\ud800") but cannot be encoded to UTF-8.
    response = ack(
        world.alice,
        "post_idea",
        new_idea(title="Idée \ud800 bizarre\x00", description="l1\ud83d\nl2\x07"),
    )
    assert response["ok"] is True, response
    assert response["data"]["idea"]["title"] == "Idée bizarre"
    assert response["data"]["idea"]["description"] == "l1\nl2"


def test_edit_and_withdraw_broadcast(world: World) -> None:
    idea = ack(world.alice, "post_idea", new_idea())["data"]["idea"]
    received(world.bob)
    edited = ack(
        world.alice,
        "edit_idea",
        {"idea_id": idea["id"], "title": "Mieux", "description": "", "need": ""},
    )
    assert edited["ok"] and edited["data"]["idea"]["title"] == "Mieux"
    assert payloads(world.bob, "idea_updated")[0]["idea"]["title"] == "Mieux"
    assert ack(world.alice, "withdraw_idea", {"idea_id": idea["id"]}) == {
        "ok": True,
        "data": {"idea_id": idea["id"]},
    }
    for client in world.in_a:
        withdrawn = payloads(client, "idea_withdrawn")
        assert [w["idea_id"] for w in withdrawn] == [idea["id"]]
    assert all(received(client) == [] for client in world.in_b)


def test_a_handler_crash_acks_internal_error_and_rolls_back(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workshop.services import ideas

    def broken(*args: Any) -> None:
        db.session.add(Idea(workshop_id=world.a.id, client_id="half-written", title="x"))
        db.session.flush()
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ideas, "post_idea", broken)
    response = ack(world.alice, "post_idea", new_idea())
    assert error_code(response) == "internal_error"
    assert "disk on fire" not in response["error"]["message"]
    assert idea_count(app) == 0
