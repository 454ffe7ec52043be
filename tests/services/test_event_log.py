"""services.event_log: every committed change is one sequenced event; replay after reconnect."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import delete

from tests.factories import make_idea, make_participant, make_workshop, recorded
from workshop.errors import NotFound, WrongPhase
from workshop.extensions import db
from workshop.models import Event, Workshop
from workshop.schemas import IdeaEdit, PhaseTarget, Role, SettingsChange
from workshop.services import agenda, event_log, ideas, workshops


def test_seq_grows_strictly_and_separately_per_workshop(app: Flask) -> None:
    with app.app_context():
        first, second = make_workshop(), make_workshop()
        for workshop in (first, second, first):
            idea = make_idea(workshop)
            ideas.hide_idea(workshop.id, workshop.owner, idea.id)
        workshops.update_settings(second.id, second.owner, SettingsChange(anonymous=True))
        agenda.start_timer(first.id, first.owner, 60)
        for workshop in (first, second):
            seqs = [seq for seq, _name in recorded(workshop.id)]
            # Hiding an idea and hiding authors redact the facts before them (they
            # showed what is now hidden): what is kept runs on from there, no gap.
            floor = db.session.get(Workshop, workshop.id).redacted_seq
            assert floor > 0
            assert seqs == list(range(floor + 1, floor + len(seqs) + 1))
            assert db.session.get(Workshop, workshop.id).seq == seqs[-1]


def test_every_kind_of_change_is_recorded(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop(format="custom", phase=None)
        owner = workshop.owner
        agenda.advance_phase(workshop.id, owner, PhaseTarget(direction="next"))
        author = make_participant(workshop)
        idea = make_idea(workshop, author)
        ideas.edit_idea(
            workshop.id, author.id, IdeaEdit(idea_id=idea.id, title="New", description="", need="")
        )
        assert [name for _seq, name in recorded(workshop.id)] == [
            "workshop_updated",
            "phase_changed",  # open
            "phase_changed",
            "participant_joined",
            "idea_posted",
            "idea_updated",
        ]
        ideas.hide_idea(workshop.id, owner, idea.id)
        ideas.restore_idea(workshop.id, owner, idea.id)
        assert [name for _seq, name in recorded(workshop.id)] == [
            "idea_hidden",  # hiding an idea redacted the facts before (they showed it)
            "idea_restored",
        ]
        ideas.withdraw_idea(workshop.id, author.id, idea.id)
        agenda.start_timer(workshop.id, owner, 60)
        workshops.set_joining(workshop.id, owner, False)
        agenda.close_workshop(workshop.id, owner)
        assert [name for _seq, name in recorded(workshop.id)] == [
            "idea_withdrawn",  # so did withdrawing it
            "timer_changed",
            "workshop_updated",
            "workshop_updated",
            "timer_changed",  # closing stops the running timer
        ]


def test_a_failed_change_records_and_emits_nothing(app: Flask, emitted: list) -> None:
    with app.app_context():
        workshop = make_workshop(format="custom", phase=None)
        last = PhaseTarget(phase_id=workshop.phases[-1].id)
        agenda.advance_phase(workshop.id, workshop.owner, last)
        workshop_id, owner_id = workshop.id, workshop.owner.id
        seq, sent = workshop.seq, len(emitted)
    with app.app_context():
        owner = db.session.get(Workshop, workshop_id).owner
        assert owner.id == owner_id
        with pytest.raises(WrongPhase):
            agenda.advance_phase(workshop_id, owner, PhaseTarget(direction="next"))
        db.session.rollback()
    with app.app_context():
        assert db.session.get(Workshop, workshop_id).seq == seq
        assert len(recorded(workshop_id)) == seq
    assert len(emitted) == sent


def test_facts_recorded_before_a_rollback_are_never_sent(app: Flask, emitted: list) -> None:
    with app.app_context():
        workshop = make_workshop()
        seq = workshop.seq
        locked = event_log.lock_workshop(workshop.id)
        event_log.record(locked, "idea_posted", {"idea": {"id": 1}})
        db.session.rollback()
        sent = len(emitted)
        workshops.set_joining(workshop.id, workshop.owner, False)  # the next commit
        assert [payload["seq"] for _n, payload, _r in emitted[sent:]] == [seq + 1] * 3
        assert [name for _n, name in recorded(workshop.id)][-1] == "workshop_updated"


def test_facts_are_sent_after_commit_to_the_three_rooms(app: Flask, emitted: list) -> None:
    with app.app_context():
        workshop = make_workshop()
        emitted.clear()
        workshops.set_joining(workshop.id, workshop.owner, False)
        seq, workshop_id = workshop.seq, workshop.id
    assert sorted((name, room) for name, _p, room in emitted) == [
        ("workshop_updated", f"workshop:{workshop_id}"),
        ("workshop_updated", f"workshop:{workshop_id}:facilitators"),
        ("workshop_updated", f"workshop:{workshop_id}:screens"),
    ]
    assert {(p["workshop_id"], p["seq"]) for _n, p, _r in emitted} == {(workshop_id, seq)}


@pytest.mark.parametrize("role", list(Role))
def test_replay_returns_what_was_missed_as_the_role_sees_it(app: Flask, role: Role) -> None:
    with app.app_context():
        workshop = make_workshop(anonymous=True)
        author = make_participant(workshop, display_name="Théo")
        last_seen = workshop.seq
        idea = make_idea(workshop, author)
        ideas.edit_idea(
            workshop.id, author.id, IdeaEdit(idea_id=idea.id, title="New", description="", need="")
        )
        missed = event_log.replay(workshop.id, last_seen, role)
        assert missed is not None
        ideas.hide_idea(workshop.id, workshop.owner, idea.id)
        # The facts it missed showed the idea, now hidden: a snapshot instead.
        assert event_log.replay(workshop.id, last_seen, role) is None
        after_hiding = event_log.replay(workshop.id, workshop.seq - 1, role)
    assert [event["name"] for event in missed] == ["idea_posted", "idea_updated"]
    assert [event["data"]["seq"] for event in missed] == [last_seen + 1, last_seen + 2]
    assert {event["data"]["workshop_id"] for event in missed} == {workshop.id}
    posted = missed[0]["data"]["idea"]
    assert posted["author"] == ("Théo" if role is Role.FACILITATOR else None)
    assert ("participant_id" in posted) is (role is Role.FACILITATOR)
    assert after_hiding is not None
    hidden = after_hiding[0]["data"]["idea"]
    assert (set(hidden) == {"id", "status"}) is (role is not Role.FACILITATOR)


def test_replay_when_nothing_was_missed(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        assert event_log.replay(workshop.id, workshop.seq, Role.PARTICIPANT) == []


@pytest.mark.parametrize("app_config", [{"REPLAY_LIMIT": 3}])
def test_replay_prefers_a_snapshot_beyond_the_limit(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        start = workshop.seq
        author = make_participant(workshop)  # one event
        make_idea(workshop, author)  # two
        make_idea(workshop, author)  # three
        assert len(event_log.replay(workshop.id, start, Role.SCREEN)) == 3
        make_idea(workshop, author)  # four: more than REPLAY_LIMIT
        assert event_log.replay(workshop.id, start, Role.SCREEN) is None


def test_replay_from_the_future_or_across_a_gap_is_a_snapshot(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        make_idea(workshop)
        assert event_log.replay(workshop.id, workshop.seq + 1, Role.PARTICIPANT) is None
        db.session.execute(
            delete(Event).where(Event.workshop_id == workshop.id, Event.seq == workshop.seq - 1)
        )
        db.session.commit()
        assert event_log.replay(workshop.id, workshop.seq - 3, Role.PARTICIPANT) is None


def test_replay_of_an_unknown_workshop(app: Flask) -> None:
    with app.app_context(), pytest.raises(NotFound):
        event_log.replay(999_999, 0, Role.PARTICIPANT)


def test_lock_of_an_unknown_workshop(app: Flask) -> None:
    with app.app_context(), pytest.raises(NotFound):
        event_log.lock_workshop(999_999)
