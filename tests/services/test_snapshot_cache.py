"""services.snapshot's shared part (``role_state``): built once per ``seq`` for all the
phones (and screens) of a workshop, never for facilitators, never across a fact, and
never showing one participant what only another may see."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask

from tests.factories import make_idea, make_participant, make_workshop
from workshop.extensions import db
from workshop.schemas import Role, SettingsChange
from workshop.services import ideas, snapshot, workshops


@pytest.fixture
def cached(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, Role]]:
    """The cache on (as in production), emptied; the (workshop, role) of every build."""
    app.config["SNAPSHOT_CACHE_MS"] = 60_000  # no expiry within a test
    monkeypatch.setattr(snapshot, "_SHARED", {})
    builds: list[tuple[int, Role]] = []
    build = snapshot._role_state

    def counted(workshop: Any, role: Role, **options: Any) -> dict[str, Any]:
        builds.append((workshop.id, role))
        return build(workshop, role, **options)

    monkeypatch.setattr(snapshot, "_role_state", counted)
    return builds


def test_phones_at_one_seq_share_one_build(app: Flask, cached: list[tuple[int, Role]]) -> None:
    with app.app_context():
        workshop = make_workshop()
        alice, bob = make_participant(workshop), make_participant(workshop)
        make_idea(workshop, alice)
        as_alice = snapshot.build_state(workshop, Role.PARTICIPANT, alice)
        as_bob = snapshot.build_state(workshop, Role.PARTICIPANT, bob)
        snapshot.build_state(workshop, Role.SCREEN)
        snapshot.build_state(workshop, Role.SCREEN)
        snapshot.build_state(workshop, Role.FACILITATOR)
        snapshot.build_state(workshop, Role.FACILITATOR)
    assert cached == [
        (workshop.id, Role.PARTICIPANT),
        (workshop.id, Role.SCREEN),
        (workshop.id, Role.FACILITATOR),
        (workshop.id, Role.FACILITATOR),
    ]
    assert as_alice["me"]["id"] == alice.id and as_bob["me"]["id"] == bob.id
    assert {k: v for k, v in as_alice.items() if k != "me"} == {
        k: v for k, v in as_bob.items() if k != "me"
    }


def test_a_fact_moves_seq_and_the_next_snapshot_is_built_anew(
    app: Flask, cached: list[tuple[int, Role]]
) -> None:
    with app.app_context():
        workshop = make_workshop()
        alice, bob = make_participant(workshop), make_participant(workshop)
        before = snapshot.build_state(workshop, Role.PARTICIPANT, alice)
        idea = make_idea(workshop, bob)  # idea_posted: seq + 1
        after = snapshot.build_state(workshop, Role.PARTICIPANT, alice)
    assert len(cached) == 2
    assert after["seq"] == before["seq"] + 1
    assert idea.id in {i["id"] for i in after["ideas"]}
    assert idea.id not in {i["id"] for i in before["ideas"]}


def test_own_ideas_others_do_not_see_stay_with_their_author(
    app: Flask, cached: list[tuple[int, Role]]
) -> None:
    with app.app_context():
        workshop = make_workshop()
        alice, bob = make_participant(workshop), make_participant(workshop)
        first = make_idea(workshop, bob).id
        workshops.update_settings(workshop.id, workshop.owner, SettingsChange(moderation=True))
        pending = make_idea(workshop, alice).id  # waits for approval: Alice's eyes only
        last = make_idea(workshop, bob).id
        ideas.approve_idea(workshop.id, workshop.owner, last)
        as_alice = snapshot.build_state(workshop, Role.PARTICIPANT, alice)
        as_bob = snapshot.build_state(workshop, Role.PARTICIPANT, bob)
        again = snapshot.build_state(workshop, Role.PARTICIPANT, bob)
    assert len(cached) == 1
    assert [i["id"] for i in as_alice["ideas"]] == [first, pending, last]  # in id order
    assert [i["id"] for i in as_bob["ideas"]] == [first, last]
    assert [i["id"] for i in again["ideas"]] == [first, last]


def test_what_a_caller_adds_to_its_snapshot_is_not_shared(
    app: Flask, cached: list[tuple[int, Role]]
) -> None:
    """join_workshop adds ``server_time`` and ``connected`` to the state it answers."""
    with app.app_context():
        workshop = make_workshop()
        alice = make_participant(workshop)
        mine = snapshot.build_state(workshop, Role.PARTICIPANT, alice)
        mine["server_time"] = 1
        shared = snapshot.role_state(workshop, Role.PARTICIPANT)
    assert "server_time" not in shared and "me" not in shared


def test_kept_no_longer_than_configured(app: Flask, cached: list[tuple[int, Role]]) -> None:
    with app.app_context():
        app.config["SNAPSHOT_CACHE_MS"] = 0
        workshop = make_workshop()
        alice = make_participant(workshop)
        snapshot.build_state(workshop, Role.PARTICIPANT, alice)
        snapshot.build_state(workshop, Role.PARTICIPANT, alice)
        db.session.rollback()
    assert len(cached) == 2


def test_another_workshop_under_the_same_id_is_not_served_the_old_one(
    app: Flask, cached: list[tuple[int, Role]]
) -> None:
    """A workshop deleted and another made with its id (SQLite may reuse it) at the same
    seq: told apart by their join codes."""
    with app.app_context():
        workshop = make_workshop()
        alice = make_participant(workshop)
        snapshot.build_state(workshop, Role.PARTICIPANT, alice)
        workshop.code = "ZZZZ9999"  # no fact: only the code tells them apart
        db.session.commit()
        again = snapshot.build_state(workshop, Role.PARTICIPANT, alice)
    assert len(cached) == 2
    assert again["workshop"]["code"] == "ZZZZ9999"


def test_joins_alone_do_not_rebuild_it_and_move_seq_and_the_count(
    app: Flask, cached: list[tuple[int, Role]]
) -> None:
    """A room seating itself (each join a ``participant_joined``, seq + 1) shares one
    build within the keeping time; every snapshot still has the current seq and count,
    and is what a build at that seq gives."""
    with app.app_context():
        workshop = make_workshop()
        alice = make_participant(workshop)
        make_idea(workshop, alice)
        first = snapshot.build_state(workshop, Role.PARTICIPANT, alice)
        snapshot.build_state(workshop, Role.SCREEN)
        states = []
        for _ in range(3):
            newcomer = make_participant(workshop)  # participant_joined: seq + 1
            states.append(snapshot.build_state(workshop, Role.PARTICIPANT, newcomer))
            screen = snapshot.build_state(workshop, Role.SCREEN)
        assert cached == [(workshop.id, Role.PARTICIPANT), (workshop.id, Role.SCREEN)]
        assert [s["seq"] for s in states] == [first["seq"] + n for n in (1, 2, 3)]
        assert [s["participant_count"] for s in states] == [2, 3, 4]
        assert (screen["seq"], screen["participant_count"]) == (first["seq"] + 3, 4)
        fresh = snapshot._role_state(workshop, Role.PARTICIPANT)
        shared = snapshot.role_state(workshop, Role.PARTICIPANT)
        assert shared == fresh
        assert first["participant_count"] == 1  # what was handed out is not changed


def test_any_other_fact_among_joins_rebuilds_it(app: Flask, cached: list[tuple[int, Role]]) -> None:
    with app.app_context():
        workshop = make_workshop()
        alice = make_participant(workshop)
        snapshot.build_state(workshop, Role.PARTICIPANT, alice)
        bob = make_participant(workshop)
        idea = make_idea(workshop, bob)  # idea_posted between two joins
        make_participant(workshop)
        after = snapshot.build_state(workshop, Role.PARTICIPANT, alice)
        assert len(cached) == 2
        assert idea.id in {i["id"] for i in after["ideas"]}
        assert after["participant_count"] == 3


def test_joins_past_the_keeping_time_rebuild_it(
    app: Flask, cached: list[tuple[int, Role]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keeping time counts from the build, not from the last join it was brought
    to: a change made without a fact is seen within it, joins or not."""
    clock = [1000.0]
    monkeypatch.setattr(snapshot, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    with app.app_context():
        workshop = make_workshop()
        alice = make_participant(workshop)
        snapshot.build_state(workshop, Role.PARTICIPANT, alice)
        for _ in range(3):
            clock[0] += 30  # half the keeping time of the fixture's 60 s
            make_participant(workshop)
            snapshot.build_state(workshop, Role.PARTICIPANT, alice)
    assert len(cached) == 2  # the first build, and again once 60 s had passed
