"""What one phone seating itself by its table's QR code costs the server must not grow
with the room (issue #13: 1,000 phones seated within seconds). Counted, not timed: the
SQL statements of the join form, its answer and ``join_table`` are the same for the
5th phone and for the 40th, and no request reads every participant of the workshop
(the capacity check and the list of free tables count seats in the database)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask_socketio.test_client import SocketIOTestClient
from sqlalchemy import event

from tests.factories import client_id, make_challenge, make_participant, make_workshop
from tests.realtime.sockets import ack
from tests.views.test_tables_views import NewWorkshop, link, make_evening
from workshop.extensions import db
from workshop.models import Idea, IdeaStatus, Participant
from workshop.roles import Role
from workshop.schemas.tables import NewTables
from workshop.services import agenda, snapshot, tables


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Forty joins from one test address: over the join form's per-address burst limit.
    return {"RATELIMIT_ENABLED": False}


@contextmanager
def counting(app: Flask) -> Iterator[dict[str, int]]:
    """Counts the SQL statements run and the participants loaded as ORM objects."""
    counts = {"statements": 0, "participants": 0}

    def statement(*_args: Any) -> None:
        counts["statements"] += 1

    def loaded(*_args: Any) -> None:
        counts["participants"] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(Participant, "load", loaded)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(Participant, "load", loaded)


def test_seating_by_table_link_costs_the_same_in_a_full_room(
    app: Flask, new_workshop: NewWorkshop, socket_client: Callable[..., SocketIOTestClient]
) -> None:
    evening = make_evening(app, new_workshop, capacity=50, count=2)
    links = [link(app, evening, 0), link(app, evening, 1)]

    def seat(n: int) -> dict[str, int]:
        http = app.test_client()
        url = links[n % 2]
        with counting(app) as counts:
            assert http.get(url).status_code == 200
            form = {"display_name": f"Phone {n}", "profile": "citizen"}
            assert http.post(url, data=form).status_code == 302
            phone = socket_client(evening.workshop, http=http)
            assert ack(phone, "join_workshop")["ok"] is True
            answer = ack(phone, "join_table")
        assert answer["ok"] is True, answer
        assert answer["data"]["table"]["seated"] == n // 2 + 1
        return counts

    costs = [seat(n) for n in range(44)]
    early, late = costs[4], costs[43]
    assert late["statements"] == early["statements"], (early, late)
    # The phone itself (its join, its cookie, its socket), never the room.
    assert late["participants"] == early["participants"] <= 8, (early, late)


def test_a_full_table_lists_the_free_ones_without_reading_the_room(
    app: Flask, new_workshop: NewWorkshop
) -> None:
    evening = make_evening(app, new_workshop, capacity=3, count=3)
    full = link(app, evening, 0)
    for n in range(3):
        http = app.test_client()
        form = {"display_name": f"Assis {n}", "profile": "citizen"}
        assert http.post(full, data=form).status_code == 302
    for n in range(20):  # people elsewhere, unseated
        http = app.test_client()
        assert (
            http.post(
                f"/j/{evening.workshop.code}",
                data={"display_name": f"Autre {n}", "profile": "citizen"},
            ).status_code
            == 302
        )
    with counting(app) as counts:
        page = app.test_client().get(full)
    assert page.status_code == 409
    assert page.get_data(as_text=True).count("/t/") >= 2
    assert counts["participants"] == 0


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])  # their exemptions run
def test_a_table_link_looks_its_workshop_up_once_per_request(
    app: Flask, new_workshop: NewWorkshop
) -> None:
    """The rate limits' exemptions (the table link's, the join form's) and the view share
    one look-up of the workshop by its code."""
    evening = make_evening(app, new_workshop, count=1)
    url = link(app, evening, 0)
    statements: list[str] = []

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        statements.append(sql)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", statement)
    try:
        http = app.test_client()
        requests: list[Callable[[], Any]] = [
            lambda: http.get(url),
            lambda: http.post(url, data={"display_name": "Une", "profile": "citizen"}),
        ]
        for request in requests:
            statements.clear()
            assert request().status_code in (200, 302)
            by_code = [s for s in statements if "workshops.code =" in s]
            assert len(by_code) == 1, by_code
    finally:
        event.remove(engine, "before_cursor_execute", statement)


def test_a_phones_snapshot_at_an_evening_reads_its_own_ideas_not_the_rooms(app: Flask) -> None:
    """At a défi evening a phone's snapshot holds its own ideas only (every state its
    author sees, withdrawn left out, others' never), and building it loads those ideas
    and no other: the room's 1,000 imported ideas are neither read nor serialised."""
    with app.app_context():
        workshop = make_workshop(format="challenges_evening", status="draft")
        make_challenge(workshop)
        tables.create_tables(workshop.id, workshop.owner, NewTables(capacity=8))
        agenda.open_workshop(workshop.id, workshop.owner)
        person, other = make_participant(workshop), make_participant(workshop)
        statuses = list(IdeaStatus)
        for n in range(60):  # the room's ideas: the other's, in every state
            add_idea(workshop.id, other.id, f"Autre {n}", statuses[n % len(statuses)])
        for status in statuses:
            add_idea(workshop.id, person.id, f"Mienne {status}", status)
        db.session.commit()
        loaded: list[int] = []

        def load(target: Idea, _context: Any) -> None:
            loaded.append(target.id)

        statements: list[str] = []

        def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
            statements.append(" ".join(sql.split()))

        db.session.expire_all()
        event.listen(Idea, "load", load)
        event.listen(db.engine, "before_cursor_execute", statement)
        try:
            state = snapshot.build_state(workshop, Role.PARTICIPANT, person)
        finally:
            event.remove(Idea, "load", load)
            event.remove(db.engine, "before_cursor_execute", statement)
        # Every read of the ideas table is of the phone's own (not the défis' orders).
        of_ideas = [s for s in statements if "FROM ideas" in s]
        assert of_ideas and all("ideas.participant_id = " in s for s in of_ideas), of_ideas
        mine = [s for s in statuses if s is not IdeaStatus.WITHDRAWN]
        assert [idea["title"] for idea in state["ideas"]] == [f"Mienne {s}" for s in mine]
        assert [idea["status"] for idea in state["ideas"]] == mine
        assert all("version" in idea for idea in state["ideas"])  # full views, not stubs
        assert state["me"]["idea_ids"] == [idea["id"] for idea in state["ideas"]]
        assert len(loaded) == len(mine), loaded
        # The screen still gets the room's visible ideas.
        screen = snapshot.build_state(workshop, Role.SCREEN)
        assert len(screen["ideas"]) == 1 + 60 // len(statuses)
        assert "Mienne visible" in [idea["title"] for idea in screen["ideas"]]


def add_idea(workshop_id: int, participant_id: int, title: str, status: str) -> None:
    """An idea stored as an import or moderation leaves it (the evening has no ideas step)."""
    db.session.add(
        Idea(
            workshop_id=workshop_id,
            participant_id=participant_id,
            client_id=client_id(),
            title=title,
            status=status,
        )
    )
