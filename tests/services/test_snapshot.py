"""services.snapshot: what a client starts from, per role, in a fixed number of queries;
and ``resume``, the join's choice between a replay and a snapshot."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select

from tests import query_plans
from tests.factories import (
    make_challenge,
    make_grouping_workshop,
    make_idea,
    make_participant,
    make_workshop,
    place,
)
from workshop.extensions import db
from workshop.schemas import Role, SettingsChange
from workshop.services import agenda, ideas, snapshot, workshops


def test_snapshot_is_serialised_per_role(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop(anonymous=True)
        alice = make_participant(workshop, display_name="Alice")
        bob = make_participant(workshop, display_name="Bob")
        visible = make_idea(workshop, alice).id
        workshops.update_settings(workshop.id, workshop.owner, SettingsChange(moderation=True))
        pending = make_idea(workshop, alice).id
        withdrawn = make_idea(workshop, bob)
        ideas.withdraw_idea(workshop.id, bob.id, withdrawn.id)

        as_facilitator = snapshot.build_state(workshop, Role.FACILITATOR)
        as_alice = snapshot.build_state(workshop, Role.PARTICIPANT, alice)
        as_bob = snapshot.build_state(workshop, Role.PARTICIPANT, bob)
        as_screen = snapshot.build_state(workshop, Role.SCREEN)
        seq = workshop.seq

    assert as_facilitator["seq"] == seq
    assert [i["id"] for i in as_facilitator["ideas"]] == [visible, pending]
    assert {i["author"] for i in as_facilitator["ideas"]} == {"Alice"}
    assert {p["display_name"] for p in as_facilitator["participants"]} == {"Alice", "Bob"}
    assert [i["id"] for i in as_alice["ideas"]] == [visible, pending]  # her own pending idea
    assert as_alice["me"]["display_name"] == "Alice"
    assert [i["id"] for i in as_bob["ideas"]] == [visible]
    assert [i["id"] for i in as_screen["ideas"]] == [visible]
    for state in (as_alice, as_bob, as_screen):
        assert "participants" not in state
        assert all(i["author"] is None for i in state["ideas"])
        assert all("participant_id" not in i for i in state["ideas"])
    assert as_facilitator["participant_count"] == as_screen["participant_count"] == 2


@pytest.mark.parametrize("role", list(Role))
def test_snapshot_queries_do_not_grow_with_defis_and_authors(app: Flask, role: Role) -> None:
    """A join's snapshot is read in a fixed number of statements: 400 phones joining a
    workshop of 30 défis and hundreds of authors must not cost a query per défi or per
    author each (on PostgreSQL each is a round trip)."""

    def statements(size: int) -> int:
        with app.app_context():
            workshop, posted = make_grouping_workshop(ideas=size, anonymous=False)
            for idea in posted[: size // 2]:
                place(workshop, idea, make_challenge(workshop))
            participant = posted[0].author if role is Role.PARTICIPANT else None
            db.session.expire_all()
            count = 0

            def counted(*_args: Any) -> None:
                nonlocal count
                count += 1

            event.listen(db.engine, "before_cursor_execute", counted)
            try:
                state = snapshot.build_state(workshop, role, participant)
            finally:
                event.remove(db.engine, "before_cursor_execute", counted)
            assert len(state["grouping"]["challenges"]) == size // 2
            assert all(idea["author"] for idea in state["ideas"])
            return count

    assert statements(3) == statements(12)


def test_a_phone_of_a_workshop_without_tables_is_not_looked_up_at_any_table(app: Flask) -> None:
    """Without tables, ``me`` says « no table » without reading the seats or the hosts
    (two statements a phone joining saves); with tables, it reads where they sit."""
    from workshop.phases import PhaseKind
    from workshop.schemas import PhaseTarget
    from workshop.schemas.tables import NewTables
    from workshop.services import tables

    with app.app_context():
        workshop = make_workshop(format="challenges_evening", status="draft")
        make_challenge(workshop)
        agenda.open_workshop(workshop.id, workshop.owner)
        step = next(p for p in workshop.phases if p.kind == PhaseKind.TABLES)
        agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(phase_id=step.id))
        alice = make_participant(workshop, display_name="Alice")
        db.session.expire_all()
        seen: list[str] = []

        def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
            seen.append(sql)

        event.listen(db.engine, "before_cursor_execute", statement)
        try:
            state = snapshot.build_state(workshop, Role.PARTICIPANT, alice)
        finally:
            event.remove(db.engine, "before_cursor_execute", statement)
        assert (state["me"]["table_id"], state["me"]["host_of"]) == (None, None)
        assert not [sql for sql in seen if "FROM seats" in sql or "host_participant_id =" in sql]
        [table] = tables.create_tables(workshop.id, workshop.owner, NewTables(capacity=4))
        tables.seat_from_link(workshop.id, alice.id, table.id, as_host=False)
        state = snapshot.build_state(workshop, Role.PARTICIPANT, alice)
        assert state["me"]["table_id"] == table.id and state["table"]["id"] == table.id


@pytest.mark.parametrize("tables", [False, True])
def test_a_phones_own_ideas_are_read_through_the_authors_index(app: Flask, tables: bool) -> None:
    """400 phones joining a workshop of 1,000 imported ideas: each phone's own ideas are
    found through the index on their author, not by walking the workshop's ideas (SQLite
    took the workshop's index while the query named the workshop too)."""
    from workshop.models import Idea, IdeaStatus
    from workshop.schemas.tables import NewTables
    from workshop.services import tables as table_service

    with app.app_context():
        workshop = make_workshop(format="challenges_evening", status="draft")
        make_challenge(workshop)
        if tables:
            table_service.create_tables(workshop.id, workshop.owner, NewTables(capacity=4))
        agenda.open_workshop(workshop.id, workshop.owner)
        alice = make_participant(workshop, display_name="Alice")
        bob = make_participant(workshop, display_name="Bob")
        for author in (alice, bob):  # waiting for approval: the author's alone to see
            db.session.add(
                Idea(
                    workshop_id=workshop.id,
                    participant_id=author.id,
                    client_id=f"c-{author.id}",
                    title="Un frigo partagé",
                    status=IdeaStatus.PENDING,
                )
            )
        db.session.commit()
        mine = db.session.scalars(select(Idea.id).where(Idea.participant_id == alice.id)).one()
        db.session.expire_all()

        def own_ideas(sql: str) -> bool:
            return sql.lstrip().startswith("SELECT ideas.id, ideas.workshop_id") and (
                "ideas.participant_id = ?" in sql
            )

        with query_plans.statements(own_ideas) as seen:
            state = snapshot.build_state(workshop, Role.PARTICIPANT, alice)
        plans = [query_plans.plan(sql, params) for sql, params in seen]
    assert [idea["id"] for idea in state["ideas"]] == [mine]
    assert plans, "the phone's own ideas were not read"
    for plan in plans:
        assert "ix_ideas_workshop_id" not in plan, plan
        assert "ix_ideas_author_created" in plan, plan


def test_resume_replays_what_was_missed_with_the_participants_own_state(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        alice = make_participant(workshop, display_name="Alice")
        seen = workshop.seq
        idea = make_idea(workshop, alice)
        agenda.start_timer(workshop.id, workshop.owner, 60)
        answer = snapshot.resume(workshop.id, Role.PARTICIPANT, alice.id, seen)
        assert answer["mode"] == "replay"
        assert [e["name"] for e in answer["events"]] == ["idea_posted", "timer_changed"]
        assert answer["me"]["idea_ids"] == [idea.id]
        # A screen has no personal state; nothing missed is an empty replay.
        quiet = snapshot.resume(workshop.id, Role.SCREEN, None, workshop.seq)
        assert quiet == {"mode": "replay", "events": []}


@pytest.mark.parametrize("last_seq", [None, "ahead", "too_old"])
def test_resume_answers_a_snapshot_when_a_replay_cannot_serve(app: Flask, last_seq: Any) -> None:
    with app.app_context():
        app.config["REPLAY_LIMIT"] = 2
        workshop = make_workshop()
        alice = make_participant(workshop)
        for _ in range(3):
            make_idea(workshop, alice)
        given = {
            None: None,
            "ahead": workshop.seq + 5,
            "too_old": workshop.seq - 3,
        }[last_seq]
        answer = snapshot.resume(workshop.id, Role.PARTICIPANT, alice.id, given)
        assert answer["mode"] == "snapshot"
        assert answer["state"]["seq"] == workshop.seq
        assert answer["state"]["me"]["id"] == alice.id
