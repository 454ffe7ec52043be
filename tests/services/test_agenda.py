"""services.agenda: moving through the agenda and the server-owned timer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.factories import make_workshop, recorded
from workshop.errors import ValidationError, WorkshopClosed, WorkshopNotOpen, WrongPhase
from workshop.extensions import db
from workshop.models import Workshop
from workshop.schemas import AgendaItem, PhaseTarget, serialize_timer
from workshop.services import agenda, workshops


class Clock:
    """A frozen ``utcnow`` for the timer: tests move time explicitly."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 21, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(agenda, "utcnow", clock)
    return clock


def ms(value: dt.datetime) -> int:
    return int(value.timestamp() * 1000)


def test_next_previous_and_by_id(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop(format="custom", phase=None)  # welcome, ideas, results
        welcome, ideas_phase, results = (p.id for p in workshop.phases)
        owner = workshop.owner
        assert workshop.current_phase_id == welcome
        agenda.advance_phase(workshop.id, owner, PhaseTarget(direction="next"))
        assert workshop.current_phase_id == ideas_phase
        agenda.advance_phase(workshop.id, owner, PhaseTarget(phase_id=results))
        assert workshop.current_phase_id == results
        agenda.advance_phase(workshop.id, owner, PhaseTarget(direction="previous"))
        assert workshop.current_phase_id == ideas_phase
        assert [n for _s, n in recorded(workshop.id)[-3:]] == ["phase_changed"] * 3


def test_moving_to_the_current_phase_records_nothing(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        seq = workshop.seq
        agenda.advance_phase(
            workshop.id, workshop.owner, PhaseTarget(phase_id=workshop.current_phase_id)
        )
        assert db.session.get(Workshop, workshop.id).seq == seq


@pytest.mark.parametrize(("where", "direction"), [(0, "previous"), (-1, "next")])
def test_no_step_past_either_end(app: Flask, where: int, direction: str) -> None:
    with app.app_context():
        workshop = make_workshop(format="custom", phase=None)
        agenda.advance_phase(
            workshop.id, workshop.owner, PhaseTarget(phase_id=workshop.phases[where].id)
        )
        seq = workshop.seq
        with pytest.raises(WrongPhase):
            agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(direction=direction))
        db.session.rollback()
        assert db.session.get(Workshop, workshop.id).seq == seq


@pytest.mark.parametrize("foreign", [False, True])
def test_unknown_phase_id(app: Flask, foreign: bool) -> None:
    with app.app_context():
        workshop = make_workshop()
        phase_id = make_workshop().phases[0].id if foreign else 999_999
        with pytest.raises(ValidationError):
            agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(phase_id=phase_id))


def test_entering_a_phase_resets_the_timer_to_its_duration(app: Flask, clock: Clock) -> None:
    with app.app_context():
        workshop = make_workshop(format="marathon")
        agenda.start_timer(workshop.id, workshop.owner, 30)
        agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(direction="next"))
        assert serialize_timer(workshop) == {
            "state": "stopped",
            "duration_ms": workshop.current_phase.duration_s * 1000,
            "ends_at": None,
            "remaining_ms": None,
        }


LIVE_SERVICES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (agenda.advance_phase, (PhaseTarget(direction="next"),)),
    (agenda.start_timer, (60,)),
    (agenda.pause_timer, ()),
    (agenda.extend_timer, (60,)),
    (agenda.reset_timer, ()),
]


@pytest.mark.parametrize(
    ("service", "args"), LIVE_SERVICES, ids=[s.__name__ for s, _ in LIVE_SERVICES]
)
@pytest.mark.parametrize(
    ("status", "error"), [("draft", WorkshopNotOpen), ("closed", WorkshopClosed)]
)
def test_live_services_need_an_open_workshop(
    app: Flask,
    service: Callable[..., Any],
    args: tuple[Any, ...],
    status: str,
    error: type[Exception],
) -> None:
    with app.app_context():
        workshop = make_workshop(status=status)
        with pytest.raises(error):
            service(workshop.id, workshop.owner, *args)


def test_timer_start_pause_resume(app: Flask, clock: Clock) -> None:
    with app.app_context():
        workshop = make_workshop()  # marathon ideas phase: 60 minutes
        owner, start = workshop.owner, clock.now
        agenda.start_timer(workshop.id, owner)
        assert serialize_timer(workshop) == {
            "state": "running",
            "duration_ms": 3_600_000,
            "ends_at": ms(start + dt.timedelta(minutes=60)),
            "remaining_ms": None,
        }
        seq = workshop.seq
        agenda.start_timer(workshop.id, owner)  # already running: nothing to do
        assert db.session.get(Workshop, workshop.id).seq == seq
        clock.advance(minutes=10)
        agenda.pause_timer(workshop.id, owner)
        assert serialize_timer(workshop)["state"] == "paused"
        assert workshop.timer_remaining_ms == 50 * 60_000
        clock.advance(minutes=5)  # paused: time does not count
        agenda.start_timer(workshop.id, owner)
        assert workshop.timer_ends_at == clock.now + dt.timedelta(minutes=50)
        assert [n for _s, n in recorded(workshop.id)[-3:]] == ["timer_changed"] * 3


def test_timer_start_with_a_new_duration(app: Flask, clock: Clock) -> None:
    with app.app_context():
        workshop = make_workshop()
        agenda.start_timer(workshop.id, workshop.owner, 90)
        assert workshop.timer_duration_ms == 90_000
        assert workshop.timer_ends_at == clock.now + dt.timedelta(seconds=90)


@pytest.mark.parametrize("state", ["running", "paused", "stopped", "expired"])
def test_timer_extend(app: Flask, clock: Clock, state: str) -> None:
    with app.app_context():
        workshop = make_workshop()
        owner = workshop.owner
        if state != "stopped":
            agenda.start_timer(workshop.id, owner, 120)
        if state == "paused":
            clock.advance(seconds=20)
            agenda.pause_timer(workshop.id, owner)
        if state == "expired":
            clock.advance(seconds=300)
        agenda.extend_timer(workshop.id, owner, 60)
        expected = {
            "running": ("running", clock.now + dt.timedelta(seconds=180), None),
            "paused": ("paused", None, 160_000),
            "stopped": ("stopped", None, None),
            "expired": ("running", clock.now + dt.timedelta(seconds=60), None),
        }[state]
        timer = serialize_timer(workshop)
        assert (timer["state"], workshop.timer_ends_at, timer["remaining_ms"]) == expected
        if state == "stopped":
            assert workshop.timer_duration_ms == 61 * 60_000


def test_pausing_an_expired_timer_leaves_nothing(app: Flask, clock: Clock) -> None:
    with app.app_context():
        workshop = make_workshop()
        agenda.start_timer(workshop.id, workshop.owner, 10)
        clock.advance(seconds=30)
        agenda.pause_timer(workshop.id, workshop.owner)
        assert workshop.timer_remaining_ms == 0


def test_pausing_a_stopped_timer_records_nothing(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        seq = workshop.seq
        agenda.pause_timer(workshop.id, workshop.owner)
        assert db.session.get(Workshop, workshop.id).seq == seq


def test_timer_reset(app: Flask, clock: Clock) -> None:
    with app.app_context():
        workshop = make_workshop()
        agenda.start_timer(workshop.id, workshop.owner, 5)
        agenda.reset_timer(workshop.id, workshop.owner)
        assert serialize_timer(workshop) == {
            "state": "stopped",
            "duration_ms": 3_600_000,
            "ends_at": None,
            "remaining_ms": None,
        }


def test_a_timer_without_duration_cannot_start(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop(format="custom")
        items = [
            AgendaItem(id=p.id, kind=p.kind, title=p.title, duration_s=0) for p in workshop.phases
        ]
        workshops.update_agenda(workshop.id, workshop.owner, items)
        agenda.reset_timer(workshop.id, workshop.owner)
        with pytest.raises(ValidationError):
            agenda.start_timer(workshop.id, workshop.owner)
