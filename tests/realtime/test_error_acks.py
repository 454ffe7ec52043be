"""Every error code a socket client can meet: the ack shape, and nothing changed.

Each case arranges a situation in workshop A, then sends one command that must be
refused: the ack is ``{"ok": false, "error": {"code", "message"}}``, the workshop's
``seq`` does not move and no client, in either workshop, receives anything.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from babel.support import Translations
from flask import Flask
from flask_socketio.test_client import SocketIOTestClient

from tests.factories import WorkshopRef, client_id
from tests.realtime.conftest import World
from tests.realtime.sockets import ack, error_code, received
from workshop.extensions import db
from workshop.models import Workshop
from workshop.sockets import FACILITATOR_COMMANDS

Command = tuple[SocketIOTestClient, str, Any]


def seq_of(app: Flask, workshop_id: int) -> int:
    with app.app_context():
        return db.session.get(Workshop, workshop_id).seq


def posted(client: SocketIOTestClient, **fields: Any) -> dict[str, Any]:
    payload = {"client_id": client_id(), "title": "Une idée", **fields}
    response = ack(client, "post_idea", payload)
    assert response["ok"], response
    return {**response["data"]["idea"], "client_id": payload["client_id"]}


def edit(idea_id: int, **fields: Any) -> dict[str, Any]:
    return {"idea_id": idea_id, "title": "Changée", "description": "", "need": "", **fields}


def ok(client: SocketIOTestClient, command: str, payload: Any = None) -> None:
    response = ack(client, command, *([] if payload is None else [payload]))
    assert response["ok"], response


def hidden_own_idea(w: World) -> Command:
    idea = posted(w.alice)
    ok(w.host, "hide_idea", {"idea_id": idea["id"]})
    return w.alice, "edit_idea", edit(idea["id"])


def stale_edit(w: World) -> Command:
    idea = posted(w.alice)
    ok(w.alice, "edit_idea", edit(idea["id"], version=1))
    return w.alice, "edit_idea", edit(idea["id"], title="Encore", version=1)


def approve_hidden(w: World) -> Command:
    idea = posted(w.alice)
    ok(w.host, "hide_idea", {"idea_id": idea["id"]})
    return w.host, "approve_idea", {"idea_id": idea["id"]}


def post_after_phase_change(w: World) -> Command:
    ok(w.host, "advance_phase", {"direction": "next"})
    return w.alice, "post_idea", {"client_id": client_id(), "title": "Trop tard"}


def edit_after_phase_change(w: World) -> Command:
    idea = posted(w.alice)
    ok(w.host, "advance_phase", {"direction": "next"})
    return w.alice, "edit_idea", edit(idea["id"])


def advance_past_the_end(w: World) -> Command:
    for _ in range(4):  # marathon: ideas → grouping → vote → qualification → results
        ok(w.host, "advance_phase", {"direction": "next"})
    return w.host, "advance_phase", {"direction": "next"}


def post_after_close(w: World) -> Command:
    ok(w.host, "close_workshop")
    return w.alice, "post_idea", {"client_id": client_id(), "title": "Trop tard"}


def timer_after_close(w: World) -> Command:
    ok(w.host, "close_workshop")
    return w.host, "start_timer", {"seconds": 30}


CASES: dict[str, tuple[Callable[[World], Command], str]] = {
    "screen_posts": (
        lambda w: (w.screen, "post_idea", {"client_id": client_id(), "title": "x"}),
        "forbidden",
    ),
    "facilitator_posts": (
        lambda w: (w.host, "post_idea", {"client_id": client_id(), "title": "x"}),
        "forbidden",
    ),
    "screen_hides": (
        lambda w: (w.screen, "hide_idea", {"idea_id": posted(w.alice)["id"]}),
        "forbidden",
    ),
    "edit_hidden_own_idea": (hidden_own_idea, "forbidden"),
    "edit_unknown_idea": (lambda w: (w.alice, "edit_idea", edit(999_999)), "not_found"),
    "hide_unknown_idea": (lambda w: (w.host, "hide_idea", {"idea_id": 999_999}), "not_found"),
    "edit_idea_of_other_workshop": (
        lambda w: (w.alice, "edit_idea", edit(posted(w.carol)["id"])),
        "wrong_workshop",
    ),
    "hide_idea_of_other_workshop": (
        lambda w: (w.host, "hide_idea", {"idea_id": posted(w.carol)["id"]}),
        "wrong_workshop",
    ),
    "edit_someone_elses_idea": (
        lambda w: (w.bob, "edit_idea", edit(posted(w.alice)["id"])),
        "not_author",
    ),
    "withdraw_someone_elses_idea": (
        lambda w: (w.bob, "withdraw_idea", {"idea_id": posted(w.alice)["id"]}),
        "not_author",
    ),
    "stale_version": (stale_edit, "conflict"),
    "approve_hidden_idea": (approve_hidden, "conflict"),
    "reuse_someone_elses_client_id": (
        lambda w: (
            w.bob,
            "post_idea",
            {"client_id": posted(w.alice)["client_id"], "title": "Copie"},
        ),
        "duplicate_client_id",
    ),
    "post_outside_ideas_phase": (post_after_phase_change, "wrong_phase"),
    "edit_outside_ideas_phase": (edit_after_phase_change, "wrong_phase"),
    "advance_past_the_end": (advance_past_the_end, "wrong_phase"),
    "post_after_close": (post_after_close, "workshop_closed"),
    "timer_after_close": (timer_after_close, "workshop_closed"),
    "unknown_phase_id": (
        lambda w: (w.host, "advance_phase", {"phase_id": 999_999}),
        "invalid_input",
    ),
    "advance_sideways": (
        lambda w: (w.host, "advance_phase", {"direction": "sideways"}),
        "invalid_input",
    ),
    "extend_by_nothing": (lambda w: (w.host, "extend_timer", {"seconds": 0}), "invalid_input"),
    "timer_too_long": (lambda w: (w.host, "start_timer", {"seconds": 10**9}), "invalid_input"),
    "timer_not_a_dict": (lambda w: (w.host, "start_timer", "30"), "invalid_input"),
    "set_joining_without_flag": (lambda w: (w.host, "set_joining", {}), "invalid_input"),
    "settings_not_boolean": (
        lambda w: (w.host, "update_settings", {"anonymous": "maybe"}),
        "invalid_input",
    ),
    "hide_without_id": (lambda w: (w.host, "hide_idea", {}), "invalid_input"),
    "hide_with_huge_id": (lambda w: (w.host, "hide_idea", {"idea_id": 2**64}), "invalid_input"),
    "withdraw_not_a_dict": (lambda w: (w.alice, "withdraw_idea", 12), "invalid_input"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_error_ack_and_nothing_changes(app: Flask, world: World, case: str) -> None:
    arrange, expected = CASES[case]
    client, command, payload = arrange(world)
    world.drain()
    seq_a, seq_b = seq_of(app, world.a.id), seq_of(app, world.b.id)

    assert error_code(ack(client, command, payload)) == expected

    assert (seq_of(app, world.a.id), seq_of(app, world.b.id)) == (seq_a, seq_b)
    for other in (*world.in_a, *world.in_b):
        assert received(other) == []


@pytest.mark.parametrize("command", list(FACILITATOR_COMMANDS))
@pytest.mark.parametrize("sender", ["alice", "screen"])
def test_facilitator_commands_are_forbidden_to_others(
    app: Flask, world: World, command: str, sender: str
) -> None:
    seq = seq_of(app, world.a.id)
    payload = {"idea_id": 1, "direction": "next", "open": False, "anonymous": True, "seconds": 30}
    assert error_code(ack(getattr(world, sender), command, payload)) == "forbidden"
    assert seq_of(app, world.a.id) == seq
    assert all(received(client) == [] for client in (*world.in_a, *world.in_b))


def test_facilitator_commands_of_a_draft_workshop(
    new_workshop: Callable[..., WorkshopRef],
    socket_client: Callable[..., SocketIOTestClient],
) -> None:
    draft = new_workshop(status="draft")
    host = socket_client(draft, "facilitator")
    assert ack(host, "join_workshop")["ok"]
    for command, payload in [
        ("start_timer", {"seconds": 30}),
        ("advance_phase", {"direction": "next"}),
    ]:
        assert error_code(ack(host, command, payload)) == "workshop_not_open"
    assert ack(host, "open_workshop")["ok"]


@pytest.mark.parametrize("app_config", [{"IDEA_RATE_PER_MINUTE": 2}])
def test_posting_too_fast_is_rate_limited(app: Flask, world: World) -> None:
    posted(world.alice)
    posted(world.alice)
    world.drain()
    response = ack(world.alice, "post_idea", {"client_id": client_id(), "title": "Encore"})
    assert error_code(response) == "rate_limited"
    assert all(received(client) == [] for client in world.in_a)
    posted(world.bob)  # per participant: the others are not slowed down


# ----------------------------------------------------------------------- languages

CATALOGUE = Path(__file__).resolve().parents[2] / "translations/fr/LC_MESSAGES/messages.mo"


def test_error_messages_in_english_when_asked(
    new_workshop: Callable[..., WorkshopRef],
    socket_client: Callable[..., SocketIOTestClient],
) -> None:
    workshop = new_workshop()
    phone = socket_client(workshop, headers={"Accept-Language": "en-GB,en;q=0.9"})
    response = ack(phone, "edit_idea", edit(999_999))
    assert response["error"]["message"] == "This item does not exist."


@pytest.mark.xfail(
    not CATALOGUE.exists(),
    strict=True,
    reason="the French catalogue (translations/fr/LC_MESSAGES/messages.mo) "
    "is not compiled yet: `make translations`",
)
@pytest.mark.parametrize(
    "headers", [None, {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}, {"Accept-Language": "de"}]
)
def test_error_messages_default_to_french(
    new_workshop: Callable[..., WorkshopRef],
    socket_client: Callable[..., SocketIOTestClient],
    headers: dict[str, str] | None,
) -> None:
    workshop = new_workshop()
    phone = socket_client(workshop, headers=headers)
    message = ack(phone, "edit_idea", edit(999_999))["error"]["message"]
    french = Translations.load(str(CATALOGUE.parents[2]), ["fr"]).gettext(
        "This item does not exist."
    )
    assert message == french != "This item does not exist."
