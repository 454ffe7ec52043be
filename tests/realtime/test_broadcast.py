"""realtime: fact envelopes per role, coalescing, the broadcaster and the presence notifier.

Background tasks are captured and run by hand where the timing is not the point;
one test per component lets a real short window elapse in threading mode.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from workshop import realtime
from workshop.realtime import Broadcaster, Fact, Facts, PresenceNotifier, coalesce
from workshop.schemas import Role

BOUND = 5.0  # seconds a background flush may take before the test gives up


def fact(
    seq: int,
    name: str = Facts.IDEA_POSTED,
    workshop_id: int = 1,
    public: dict[str, Any] | None = None,
) -> Fact:
    return Fact(workshop_id, seq, name, {"value": seq, "secret": "s"}, public)


class Recorder:
    """A fake ``emit`` that remembers ``(name, payload, room)`` and can be waited on."""

    def __init__(self, fail_room: str | None = None) -> None:
        self.sent: list[tuple[str, dict[str, Any], str]] = []
        self.fail_room = fail_room
        self.changed = threading.Condition()

    def __call__(self, name: str, payload: dict[str, Any], to: str) -> None:
        if to == self.fail_room:
            raise ConnectionError("transport down")
        with self.changed:
            self.sent.append((name, payload, to))
            self.changed.notify_all()

    def wait_for(self, count: int) -> list[tuple[str, dict[str, Any], str]]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.sent) >= count, timeout=BOUND), (
                f"only {len(self.sent)} of {count} messages arrived"
            )
            return list(self.sent)


@pytest.fixture
def tasks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Callable[..., Any], tuple[Any, ...]]]:
    """Background tasks started by realtime, captured instead of run; sleeps are skipped."""
    started: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
    monkeypatch.setattr(
        realtime.socketio, "start_background_task", lambda fn, *args: started.append((fn, args))
    )
    monkeypatch.setattr(realtime.socketio, "sleep", lambda seconds: None)
    return started


# ------------------------------------------------------------------------ Fact.payload


def test_payload_carries_workshop_and_seq() -> None:
    assert fact(7).payload(Role.PARTICIPANT) == {
        "workshop_id": 1,
        "seq": 7,
        "value": 7,
        "secret": "s",
    }


@pytest.mark.parametrize(
    ("role", "sees_secret"),
    [(Role.FACILITATOR, True), (Role.PARTICIPANT, False), (Role.SCREEN, False)],
)
def test_payload_is_serialised_per_role(role: Role, sees_secret: bool) -> None:
    payload = fact(3, public={"value": 3}).payload(role)
    assert ("secret" in payload) is sees_secret
    assert payload["seq"] == 3 and payload["value"] == 3


def test_payload_since_only_when_facts_were_folded() -> None:
    assert "since" not in fact(5).payload(Role.SCREEN, since=5)
    assert fact(5).payload(Role.SCREEN, since=2)["since"] == 2


# ---------------------------------------------------------------------------- coalesce


def test_coalesce_folds_runs_of_mergeable_facts_only() -> None:
    timer = Facts.TIMER_CHANGED
    facts = [
        fact(1, timer),
        fact(2, timer),
        fact(3),
        fact(4),
        fact(5, timer),
        fact(6, timer),
        fact(7, timer),
    ]
    assert [(f.seq, since) for f, since in coalesce(facts)] == [(2, 1), (3, 3), (4, 4), (7, 5)]


def test_coalesce_never_folds_facts_of_different_workshops() -> None:
    timer = Facts.TIMER_CHANGED
    facts = [
        fact(4, timer, workshop_id=1),
        fact(1, timer, workshop_id=2),
        fact(2, timer, workshop_id=2),
    ]
    assert [(f.workshop_id, f.seq, since) for f, since in coalesce(facts)] == [(1, 4, 4), (2, 2, 1)]


def test_coalesce_keeps_single_and_empty() -> None:
    assert coalesce([]) == []
    assert coalesce([fact(1, Facts.TIMER_CHANGED)]) == [(fact(1, Facts.TIMER_CHANGED), 1)]


def test_only_timer_and_tally_facts_are_mergeable() -> None:
    # A merged fact must carry the whole new value; ideas and phases do not.
    assert realtime.MERGEABLE == {Facts.TIMER_CHANGED, Facts.VOTES_CHANGED}


def test_tallies_merge_into_the_union_of_items_with_the_latest_totals() -> None:
    votes = Facts.VOTES_CHANGED
    first = realtime.Fact(
        1,
        5,
        votes,
        {"phase_id": 3, "tallies": {"10": 1, "11": 2}, "voters": 2, "votes_cast": 3},
        {"phase_id": 3, "voters": 2, "votes_cast": 3},
    )
    second = realtime.Fact(
        1,
        6,
        votes,
        {"phase_id": 3, "tallies": {"11": 1}, "voters": 2, "votes_cast": 2},
        {"phase_id": 3, "voters": 2, "votes_cast": 2},
    )
    [(merged, since)] = coalesce([first, second])
    assert since == 5 and merged.seq == 6
    assert merged.data == {
        "phase_id": 3,
        "tallies": {"10": 1, "11": 1},
        "voters": 2,
        "votes_cast": 2,
    }
    # The public view of a hidden vote stays without tallies.
    assert merged.public_data == {"phase_id": 3, "voters": 2, "votes_cast": 2}


# ------------------------------------------------------------------------- Broadcaster


def test_window_zero_sends_at_once_to_three_rooms(app: Flask) -> None:
    recorder = Recorder()
    Broadcaster(window_ms=0, emit=recorder).publish([fact(1, public={"value": 1})])
    assert sorted((room, "secret" in payload) for _name, payload, room in recorder.sent) == [
        ("workshop:1", False),
        ("workshop:1:facilitators", True),
        ("workshop:1:screens", False),
    ]


def test_window_buffers_per_workshop_until_flushed(app: Flask, tasks: list) -> None:
    recorder = Recorder()
    broadcaster = Broadcaster(window_ms=50, emit=recorder)
    broadcaster.publish([fact(1), fact(2, Facts.TIMER_CHANGED)])
    broadcaster.publish([fact(3, Facts.TIMER_CHANGED), fact(1, workshop_id=2)])
    broadcaster.publish([fact(4)])
    assert recorder.sent == []
    assert len(tasks) == 2  # one flush scheduled per workshop, not per publish
    fn, args = tasks[0]
    fn(*args)
    sent = [
        (payload["workshop_id"], payload["seq"], payload.get("since"))
        for _name, payload, room in recorder.sent
        if room.endswith(":screens")
    ]
    assert sent == [(1, 1, None), (1, 3, 2), (1, 4, None)]
    fn, args = tasks[1]
    fn(*args)
    assert [p["workshop_id"] for _n, p, r in recorder.sent if r.endswith(":screens")][-1] == 2
    broadcaster.publish([fact(5)])  # the buffer is empty again: a new flush is scheduled
    assert len(tasks) == 3


def test_a_fact_after_a_quiet_window_leaves_at_once_and_the_next_wait(
    app: Flask, tasks: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = {"now": 100.0}
    monkeypatch.setattr(realtime.time, "monotonic", lambda: clock["now"])
    recorder = Recorder()
    broadcaster = Broadcaster(window_ms=50, slow_window_ms=200, emit=recorder)
    broadcaster.publish([fact(1)])
    assert tasks[-1][1] == (1, 0)  # nothing sent this window yet: no wait
    fn, args = tasks[-1]
    fn(*args)
    clock["now"] += 0.010
    broadcaster.publish([fact(2)])  # 10 ms after a flush: waits for the window's end
    assert tasks[-1][1] == (1, pytest.approx(0.040))
    broadcaster.publish([fact(3)])  # already waiting: no second flush scheduled
    assert len(tasks) == 2
    fn, args = tasks[-1]
    clock["now"] += 0.040
    fn(*args)
    assert [p["seq"] for _n, p, r in recorder.sent if r == "workshop:1"] == [1, 2, 3]
    clock["now"] += 0.100
    # Tallies wait for their own, longer window: 100 ms after the flush, 100 ms to go.
    broadcaster.publish([fact(4, Facts.VOTES_CHANGED)])
    assert tasks[-1][1] == (1, pytest.approx(0.100))
    clock["now"] += 1.0
    fn, args = tasks[-1]
    fn(*args)
    clock["now"] += 1.0
    broadcaster.publish([fact(5, Facts.VOTES_CHANGED)])  # quiet for long: at once
    assert tasks[-1][1] == (1, 0)


def test_a_failing_room_does_not_lose_the_others(app: Flask) -> None:
    recorder = Recorder(fail_room="workshop:1")
    Broadcaster(window_ms=0, emit=recorder).publish([fact(1), fact(2)])
    assert sorted((p["seq"], room) for _n, p, room in recorder.sent) == [
        (1, "workshop:1:facilitators"),
        (1, "workshop:1:screens"),
        (2, "workshop:1:facilitators"),
        (2, "workshop:1:screens"),
    ]


def test_a_real_window_flushes_in_the_background(app: Flask) -> None:
    recorder = Recorder()
    broadcaster = Broadcaster(window_ms=20, emit=recorder)
    broadcaster.publish([fact(1, Facts.TIMER_CHANGED), fact(2, Facts.TIMER_CHANGED), fact(3)])
    sent = recorder.wait_for(6)
    assert [(p["seq"], p.get("since")) for _n, p, r in sent if r == "workshop:1"] == [
        (2, 1),
        (3, None),
    ]


# -------------------------------------------------------------------- PresenceNotifier


def test_presence_interval_zero_sends_at_once(app: Flask) -> None:
    recorder = Recorder()
    PresenceNotifier(interval_ms=0, count=lambda workshop_id: 4, emit=recorder).changed(9)
    assert sorted(room for _n, _p, room in recorder.sent) == [
        "workshop:9",
        "workshop:9:facilitators",
        "workshop:9:screens",
    ]
    assert {(name, tuple(sorted(p.items()))) for name, p, _r in recorder.sent} == {
        (Facts.PRESENCE_CHANGED, (("connected", 4), ("workshop_id", 9)))
    }


def test_presence_changes_are_throttled_per_workshop(app: Flask, tasks: list) -> None:
    counts = {1: 1, 2: 7}
    recorder = Recorder()
    notifier = PresenceNotifier(interval_ms=1000, count=counts.__getitem__, emit=recorder)
    for workshop_id in (1, 1, 2, 1):
        notifier.changed(workshop_id)
    assert len(tasks) == 2 and recorder.sent == []
    counts[1] = 3  # the count is read when sending, not when scheduling
    fn, args = tasks[0]
    fn(*args)
    assert {p["connected"] for _n, p, _r in recorder.sent} == {3}
    notifier.changed(1)  # after a send, the next change schedules again
    assert len(tasks) == 3


def test_presence_real_interval(app: Flask) -> None:
    recorder = Recorder()
    notifier = PresenceNotifier(interval_ms=20, count=lambda workshop_id: 2, emit=recorder)
    notifier.changed(1)
    assert {p["connected"] for _n, p, _r in recorder.wait_for(3)} == {2}
