"""Facilitators reword imported ideas (issue #13): ``reword_idea`` over Socket.IO, with two
facilitator consoles, two phones and a screen in workshop A, and workshop B beside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_socketio.test_client import SocketIOTestClient
from sqlalchemy import select

from tests.realtime.conftest import World
from tests.realtime.sockets import ack, drain, error_code, payloads, received
from tests.realtime.test_idea_events import new_idea, seq_of
from workshop.exports.ideas_import import ImportRow, client_id_for
from workshop.extensions import db
from workshop.models import Facilitator, Idea, Workshop
from workshop.schemas import NewIdea
from workshop.services import idea_import


def import_idea(app: Flask, workshop_id: int, title: str, **details: str) -> dict[str, Any]:
    """An idea imported from a file, as the owner; its id and version."""
    row_id = f"{title}-{workshop_id}"
    new = NewIdea(client_id=client_id_for(row_id), title=title, description="Texte collecté.")
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        owner = db.session.get(Facilitator, workshop.owner_id)
        idea_import.import_ideas(workshop_id, owner, [ImportRow(2, row_id, new, details or None)])
        idea = db.session.scalar(select(Idea).where(Idea.client_id == new.client_id))
        return {"idea_id": idea.id, "version": idea.version}


def reword(ref: dict[str, Any], title: str, **fields: Any) -> dict[str, Any]:
    return {**ref, "title": title, "description": "", "need": "", **fields}


def stored(app: Flask, idea_id: int) -> tuple[str, str, int]:
    with app.app_context():
        idea = db.session.get(Idea, idea_id)
        return idea.title, idea.description, idea.version


def test_a_facilitator_rewords_an_imported_idea_for_the_whole_room_only(
    app: Flask, world: World, socket_client: Callable[..., SocketIOTestClient]
) -> None:
    second = socket_client(world.a, "facilitator")  # a second console of the team
    assert ack(second, "join_workshop")["ok"] is True
    idea = import_idea(app, world.a.id, "Mobilité : navette", commune="Aillon", source="boîte")
    world.drain()
    drain(second)

    response = ack(
        world.host,
        "reword_idea",
        reword(idea, "Une navette entre les hameaux", description="Le samedi matin."),
    )
    assert response == {"ok": True, "data": None}
    heard = world.heard_once("idea_updated", seq_of(app, world.a.id))
    [for_second] = payloads(second, "idea_updated")
    for label, fact in [*heard.items(), ("second", for_second)]:
        assert fact["idea"]["title"] == "Une navette entre les hameaux", label
        assert fact["idea"]["description"] == "Le samedi matin." and fact["idea"]["version"] == 2
    # The file's other columns go to facilitators only.
    assert for_second["idea"]["details"] == {"commune": "Aillon", "source": "boîte"}
    assert "details" not in heard["alice"]["idea"] and "details" not in heard["screen"]["idea"]
    assert stored(app, idea["idea_id"]) == (
        "Une navette entre les hameaux",
        "Le samedi matin.",
        2,
    )

    # The other console still holds version 1: refused, nothing recorded or changed.
    stale = ack(second, "reword_idea", reword(idea, "Navette du samedi"))
    assert error_code(stale) == "conflict"
    assert all(received(client) == [] for client in (*world.in_a, second, *world.in_b))
    assert stored(app, idea["idea_id"])[0] == "Une navette entre les hameaux"
    # With the version it now has, it goes through; the same words again record nothing.
    current = {**idea, "version": 2}
    assert ack(second, "reword_idea", reword(current, "Navette du samedi"))["ok"] is True
    world.heard_once("idea_updated")
    again = {**idea, "version": 3}
    assert ack(world.host, "reword_idea", reword(again, "Navette du samedi"))["ok"] is True
    assert all(received(client) == [] for client in (*world.in_a, *world.in_b))


def test_who_may_reword_what(app: Flask, world: World) -> None:
    imported = import_idea(app, world.a.id, "Un jardin partagé")
    posted = ack(world.alice, "post_idea", new_idea())["data"]["idea"]
    world.drain()
    before = seq_of(app, world.a.id)

    # An author's words are theirs: the facilitator cannot reword a posted idea...
    refused = ack(world.host, "reword_idea", reword({"idea_id": posted["id"], "version": 1}, "X"))
    assert error_code(refused) == "forbidden"
    assert "auteur" in refused["error"]["message"]
    # ...phones cannot reword, nor edit an idea that is not theirs...
    assert error_code(ack(world.alice, "reword_idea", reword(imported, "X"))) == "forbidden"
    edit = ack(world.bob, "edit_idea", reword(imported, "X"))
    assert error_code(edit) == "not_author"
    # ...a facilitator of another workshop cannot touch it, and a version is required.
    elsewhere = ack(world.other_host, "reword_idea", reword(imported, "X"))
    assert error_code(elsewhere) == "wrong_workshop"
    no_version = ack(world.host, "reword_idea", reword({"idea_id": imported["idea_id"]}, "X"))
    assert error_code(no_version) == "invalid_input"
    too_long = ack(world.host, "reword_idea", reword(imported, "x" * 141))
    assert error_code(too_long) == "invalid_input"

    assert seq_of(app, world.a.id) == before
    assert stored(app, imported["idea_id"])[0] == "Un jardin partagé"
    assert all(received(client) == [] for client in (*world.in_a, *world.in_b))
