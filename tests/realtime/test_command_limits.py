"""Every socket command is limited per identity (workshop/throttle.py): refused with
``rate_limited`` once over, nothing changed and nothing broadcast; counted apart for
each participant, facilitator account and screen socket; free again once the window
has moved on. Time is a fake clock: nothing here waits for a window to pass."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import limits.storage.memory
import pytest
from flask import Flask
from flask_socketio.test_client import SocketIOTestClient

from tests.factories import client_id, make_idea, vote_rows
from tests.realtime.conftest import World
from tests.realtime.sockets import ack, error_code, received
from tests.realtime.test_votes_events import start_vote
from workshop import throttle
from workshop.extensions import db
from workshop.models import Idea, Workshop
from workshop.realtime import Commands, names
from workshop.roles import Role

LOW_LIMITS = {
    "edit_idea": "2 per minute",
    "set_vote": "3 per second;5 per minute",
    "find_similar": "1 per minute",
    "join_workshop": "2 per minute",
    "facilitator:hide_idea": "1 per minute",
}


class FakeClock:
    """``time.time()`` for the rate-limit counters, moved by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    import time

    fake = FakeClock(time.time())
    # The memory storage and the throttle read the time through their module's `time`.
    monkeypatch.setattr(limits.storage.memory, "time", fake)
    monkeypatch.setattr(throttle, "time", fake)
    yield fake


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"COMMAND_LIMITS": LOW_LIMITS}


def post(client: SocketIOTestClient, title: str = "Un composteur") -> dict[str, Any]:
    response = ack(client, "post_idea", {"client_id": client_id(), "title": title})
    assert response["ok"], response
    return dict(response["data"]["idea"])


def refused(response: Any) -> int:
    """The ``retry_after`` of a ``rate_limited`` ack."""
    assert error_code(response) == "rate_limited"
    retry_after = response["error"]["details"]["retry_after"]
    assert isinstance(retry_after, int) and retry_after >= 1
    return retry_after


def silent(world: World) -> bool:
    return all(received(client) == [] for client in (*world.in_a, *world.in_b))


def title_of(app: Flask, idea_id: int) -> str:
    with app.app_context():
        idea = db.session.get(Idea, idea_id)
        assert idea is not None
        return idea.title


# ------------------------------------------------------------------ the table


def test_every_command_has_a_limit_for_every_role(app: Flask) -> None:
    with app.app_context():
        table = throttle.throttle(app)
    for command in [*names(Commands).values(), "a_command_added_later"]:
        for role in Role:
            assert table.limits_for(command, role), (command, role)
    # The table names real commands only: a misspelt key would leave its command on
    # the default without anybody noticing.
    known = set(names(Commands).values()) | {throttle.DEFAULT}
    for key in throttle.DEFAULT_LIMITS:
        assert key.removeprefix(throttle.FACILITATOR) in known, key


def test_a_table_without_defaults_or_with_an_empty_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="default"):
        throttle.Throttle({"post_idea": "1 per second"})
    with pytest.raises(ValueError):
        throttle.Throttle(throttle.table({"post_idea": ""}))


def test_the_defaults_parse_and_config_overrides_them(app: Flask) -> None:
    table = throttle.throttle(app)
    assert table.limits["find_similar"] == "1 per minute"
    assert table.limits["post_idea"] == throttle.DEFAULT_LIMITS["post_idea"]
    defaults = throttle.Throttle(throttle.table())
    for key in throttle.DEFAULT_LIMITS:
        assert defaults.limits_for(key.removeprefix(throttle.FACILITATOR), Role.PARTICIPANT)


# ------------------------------------------------------------------ per category


def test_a_participant_editing_too_fast_is_refused_and_nothing_changes(
    app: Flask, world: World, clock: FakeClock
) -> None:
    idea = post(world.alice)
    for n in (1, 2):
        edit = {"idea_id": idea["id"], "title": f"Version {n}"}
        assert ack(world.alice, "edit_idea", edit)["ok"]
    world.drain()

    retry_after = refused(ack(world.alice, "edit_idea", {"idea_id": idea["id"], "title": "3"}))
    assert 1 <= retry_after <= 60
    assert title_of(app, idea["id"]) == "Version 2"
    assert silent(world)  # no idea_updated anywhere

    # The window moves on: the oldest edit leaves it, one more is allowed.
    clock.advance(61)
    assert ack(world.alice, "edit_idea", {"idea_id": idea["id"], "title": "Version 4"})["ok"]
    assert title_of(app, idea["id"]) == "Version 4"


def test_a_burst_of_votes_is_held_to_the_second_then_to_the_minute(
    app: Flask, world: World, clock: FakeClock
) -> None:
    vote = start_vote(app, world, votes_per_participant=10, max_per_item=10)
    idea = vote.others[0]
    for count in (1, 2, 3):
        assert ack(world.alice, "set_vote", {"idea_id": idea, "count": count})["ok"]
    world.drain()
    assert refused(ack(world.alice, "set_vote", {"idea_id": idea, "count": 4})) == 1
    with app.app_context():
        assert sum(row[3] for row in vote_rows(world.a.id)) == 3
    assert silent(world)  # no votes_changed

    clock.advance(1.5)  # the second has passed; two more fill the minute
    for count in (4, 5):
        assert ack(world.alice, "set_vote", {"idea_id": idea, "count": count})["ok"]
    clock.advance(1.5)
    assert refused(ack(world.alice, "set_vote", {"idea_id": idea, "count": 6})) > 50
    # Bob votes on: the count is Alice's only.
    assert ack(world.bob, "set_vote", {"idea_id": idea, "count": 1})["ok"]


def test_a_lookup_refused_costs_nothing_and_answers_no_ideas(
    world: World, clock: FakeClock
) -> None:
    assert ack(world.alice, "find_similar", {"text": "un composteur"})["ok"]
    refused(ack(world.alice, "find_similar", {"text": "un composteur partagé"}))
    assert silent(world)
    assert ack(world.bob, "find_similar", {"text": "un composteur"})["ok"]
    assert ack(world.carol, "find_similar", {"text": "un composteur"})["ok"]
    clock.advance(61)
    assert ack(world.alice, "find_similar", {"text": "un composteur"})["ok"]


def test_joining_too_often_gets_no_snapshot_and_no_presence_broadcast(
    world: World,
    socket_client: Callable[..., SocketIOTestClient],
    clock: FakeClock,
) -> None:
    # The world fixture's join_workshop counted once for each client.
    assert ack(world.alice, "join_workshop")["ok"]
    world.drain()
    response = ack(world.alice, "join_workshop")
    refused(response)
    assert "data" not in response
    assert silent(world)  # no presence_changed
    # Bob, Carol in workshop B, and the screens are counted apart.
    for client in (world.bob, world.carol, world.screen, world.other_screen):
        assert ack(client, "join_workshop")["ok"]
    # A screen counts per socket: a second screen of A is not held by the first.
    assert ack(world.screen, "join_workshop")["ok"] is False
    second_screen = socket_client(world.a, "screen")
    assert ack(second_screen, "join_workshop")["ok"]


def test_a_facilitator_account_is_counted_across_its_consoles(
    app: Flask,
    world: World,
    socket_client: Callable[..., SocketIOTestClient],
    clock: FakeClock,
) -> None:
    first, second = post(world.alice, "Un"), post(world.bob, "Deux")
    other = post(world.carol, "Ailleurs")
    assert ack(world.host, "hide_idea", {"idea_id": first["id"]})["ok"]
    world.drain()
    # The same account on a second console: the same count.
    console = socket_client(world.a, "facilitator")
    assert ack(console, "join_workshop")["ok"]
    refused(ack(console, "hide_idea", {"idea_id": second["id"]}))
    refused(ack(world.host, "hide_idea", {"idea_id": second["id"]}))
    with app.app_context():
        hidden = db.session.get(Idea, second["id"])
        assert hidden is not None and hidden.status == "visible"
    assert silent(world)
    # Another account (workshop B's facilitator) is not held.
    assert ack(world.other_host, "hide_idea", {"idea_id": other["id"]})["ok"]
    # Other commands of the account have their own, generous, limit.
    assert ack(world.host, "restore_idea", {"idea_id": first["id"]})["ok"]


def test_a_storage_reset_lifts_every_refusal(app: Flask, world: World) -> None:
    assert ack(world.alice, "find_similar", {"text": "abc"})["ok"]
    refused(ack(world.alice, "find_similar", {"text": "abc"}))
    throttle.throttle(app).reset()
    assert ack(world.alice, "find_similar", {"text": "abc"})["ok"]


# ------------------------------------------------------------------ a real room


@pytest.mark.parametrize("app_config", [{}])
def test_the_default_limits_let_a_phone_vote_ten_dots_at_once(
    app: Flask, world: World, clock: FakeClock
) -> None:
    """Ten taps on ten ideas within one (frozen) second, then a reconnection that
    joins again: nothing refused. The eleventh dot in that second waits."""
    with app.app_context():
        workshop = db.session.get(Workshop, world.a.id)
        assert workshop is not None
        ideas = [make_idea(workshop).id for _ in range(8)]
    vote = start_vote(app, world, votes_per_participant=20, max_per_item=2)
    ideas += vote.others
    for idea in ideas:
        assert ack(world.alice, "set_vote", {"idea_id": idea, "count": 1})["ok"]
    assert ack(world.alice, "join_workshop")["ok"]
    refused(ack(world.alice, "set_vote", {"idea_id": ideas[0], "count": 2}))
    clock.advance(1.5)
    assert ack(world.alice, "set_vote", {"idea_id": ideas[0], "count": 2})["ok"]


def test_a_storage_failure_lets_commands_through(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> bool:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(throttle.throttle(app).limiter, "hit", broken)
    for _ in range(3):
        assert ack(world.alice, "find_similar", {"text": "abc"})["ok"]
