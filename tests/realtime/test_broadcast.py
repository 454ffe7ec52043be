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
from hypothesis import given, settings
from hypothesis import strategies as st

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
        self.calls = 0
        self.changed = threading.Condition()

    def __call__(self, name: str, payload: dict[str, Any], to: str | list[str]) -> None:
        rooms = [to] if isinstance(to, str) else to
        if self.fail_room in rooms:
            raise ConnectionError("transport down")
        with self.changed:
            self.calls += 1
            self.sent.extend((name, payload, room) for room in rooms)
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


def test_only_timer_tally_grade_and_join_facts_are_mergeable() -> None:
    # A merged fact must carry the whole new value (grades_changed carries every
    # option's grades, as votes_changed every tally); ideas and phases do not.
    assert realtime.MERGEABLE == {
        Facts.TIMER_CHANGED,
        Facts.VOTES_CHANGED,
        Facts.GRADES_CHANGED,
        Facts.PARTICIPANT_JOINED,
    }


def test_joins_fold_into_every_newcomer_for_facilitators_and_the_last_count_for_others() -> None:
    joined = Facts.PARTICIPANT_JOINED
    facts = [
        realtime.Fact(
            1,
            seq,
            joined,
            {"participant": {"id": seq, "display_name": f"P{seq}"}, "participant_count": seq},
            {"participant_count": seq},
        )
        for seq in (7, 8, 9)
    ]
    [(folded, since)] = coalesce(facts)
    assert since == 7
    assert folded.payload(Role.FACILITATOR, since) == {
        "workshop_id": 1,
        "seq": 9,
        "since": 7,
        "participants": [{"id": n, "display_name": f"P{n}"} for n in (7, 8, 9)],
        "participant_count": 9,
    }
    assert folded.payload(Role.PARTICIPANT, since) == {
        "workshop_id": 1,
        "seq": 9,
        "since": 7,
        "participant_count": 9,
    }


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


LANES = [f"workshop:1:lane:{lane}" for lane in range(realtime.LANES)]


def test_window_zero_sends_at_once_to_every_room(app: Flask) -> None:
    recorder = Recorder()
    Broadcaster(window_ms=0, emit=recorder).publish([fact(1, public={"value": 1})])
    assert sorted((room, "secret" in payload) for _name, payload, room in recorder.sent) == [
        ("workshop:1:facilitators", True),
        *((lane, False) for lane in LANES),
        ("workshop:1:screens", False),
    ]
    assert recorder.calls == 2  # the full payload, and the public one for all the others


def test_participant_rooms_are_lanes_by_participant() -> None:
    assert realtime.participant_room(3, 0) == "workshop:3:lane:0"
    assert realtime.participant_room(3, realtime.LANES + 1) == "workshop:3:lane:1"
    assert realtime.participant_rooms(3) == [
        realtime.participant_room(3, lane) for lane in range(realtime.LANES)
    ]


class Schedule:
    """A fake clock and the broadcaster's background tasks, run in the order they fall
    due; ``sent`` has ``(time, name, payload, room)``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 100.0
        self.due: list[tuple[float, int, Callable[..., Any], tuple[Any, ...]]] = []
        self.sent: list[tuple[float, str, dict[str, Any], str]] = []
        self.scheduled = 0
        monkeypatch.setattr(realtime.time, "monotonic", lambda: self.now)
        monkeypatch.setattr(realtime.socketio, "start_background_task", self._start)
        monkeypatch.setattr(realtime.socketio, "sleep", lambda seconds: None)

    def _start(self, fn: Callable[..., Any], *args: Any) -> None:
        *_, delay = args  # _flush_later(workshop_id, lanes, delay_s)
        self.scheduled += 1
        self.due.append((self.now + delay, self.scheduled, fn, args))

    def emit(self, name: str, payload: dict[str, Any], to: str | list[str]) -> None:
        for room in [to] if isinstance(to, str) else to:
            self.sent.append((self.now, name, payload, room))

    def broadcaster(self, window_ms: int = 50, slow_window_ms: int = 200) -> Broadcaster:
        return Broadcaster(window_ms=window_ms, slow_window_ms=slow_window_ms, emit=self.emit)

    def run_until(self, until: float) -> None:
        while self.due and min(self.due)[0] <= until:
            self.due.sort()
            at, _n, fn, args = self.due.pop(0)
            self.now = max(self.now, at)
            fn(*args)
        self.now = max(self.now, until)

    def seqs(self, room: str) -> list[int]:
        return [p["seq"] for _t, _n, p, r in self.sent if r == room]


@pytest.fixture
def schedule(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Schedule:
    return Schedule(monkeypatch)


def test_window_buffers_per_workshop_until_flushed(schedule: Schedule) -> None:
    broadcaster = schedule.broadcaster(slow_window_ms=0)
    broadcaster.publish([fact(1), fact(2, Facts.TIMER_CHANGED)])
    broadcaster.publish([fact(3, Facts.TIMER_CHANGED), fact(1, workshop_id=2)])
    broadcaster.publish([fact(4)])
    assert schedule.sent == []
    assert schedule.scheduled == 2  # one flush per workshop for all its lanes, not per publish
    schedule.run_until(schedule.now)
    sent = [
        (p["workshop_id"], p["seq"], p.get("since"))
        for _t, _n, p, room in schedule.sent
        if room.endswith(":screens")
    ]
    assert sent == [(1, 1, None), (1, 3, 2), (1, 4, None), (2, 1, None)]
    for lane in LANES:
        assert schedule.seqs(lane) == [1, 3, 4]
    broadcaster.publish([fact(5)])  # 0 ms after a flush: waits for the window's end
    assert schedule.scheduled == 3
    assert schedule.due[-1][0] == pytest.approx(schedule.now + 0.050)


def test_a_fact_after_a_quiet_window_leaves_at_once_and_the_next_wait(schedule: Schedule) -> None:
    broadcaster = schedule.broadcaster()
    start = schedule.now
    broadcaster.publish([fact(1)])
    assert schedule.due[-1][0] == start  # nothing sent this window yet: no wait
    schedule.run_until(start)
    schedule.now += 0.010
    broadcaster.publish([fact(2)])  # 10 ms after a flush: waits for the window's end
    assert schedule.due[-1][0] == pytest.approx(start + 0.050)
    broadcaster.publish([fact(3)])  # already waiting: no second flush scheduled
    assert schedule.scheduled == 2
    schedule.run_until(start + 0.050)
    assert schedule.seqs("workshop:1:lane:3") == [1, 2, 3]
    assert [t - start for t, _n, p, _r in schedule.sent if p["seq"] == 3] == pytest.approx(
        [0.05] * (realtime.LANES + 2)
    )


def test_tallies_reach_the_lanes_a_quarter_window_apart(schedule: Schedule) -> None:
    broadcaster = schedule.broadcaster()
    start = schedule.now
    seq = 0
    while schedule.now < start + 1.0:  # a storm: a tally fact every 5 ms for a second
        seq += 1
        broadcaster.publish([fact(seq, Facts.VOTES_CHANGED)])
        schedule.run_until(schedule.now + 0.005)
    schedule.run_until(schedule.now + 1.0)
    step = 0.200 / realtime.LANES
    for lane, room in enumerate(LANES):
        times = [t - start for t, _n, _p, r in schedule.sent if r == room]
        # lane k: first at k/4 of the window, then once a window
        assert times[0] == pytest.approx(lane * step, abs=0.006)
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert all(gap == pytest.approx(0.200, abs=0.006) for gap in gaps)
        assert schedule.seqs(room)[-1] == seq  # every lane ends on the last tally
    screens = [t - start for t, _n, _p, r in schedule.sent if r == "workshop:1:screens"]
    assert screens == [t - start for t, _n, _p, r in schedule.sent if r == LANES[0]]


def test_an_urgent_fact_takes_the_pending_tallies_to_every_lane_in_order(
    schedule: Schedule,
) -> None:
    broadcaster = schedule.broadcaster()
    start = schedule.now
    broadcaster.publish([fact(1, Facts.VOTES_CHANGED)])
    schedule.run_until(start + 0.001)  # lane 0 got it; lanes 1-3 wait their turn
    assert [r for _t, _n, _p, r in schedule.sent if ":lane:" in r] == [LANES[0]]
    broadcaster.publish([fact(2)])  # an idea: leaves at once where nothing was sent lately
    schedule.run_until(start + 0.060)
    for room in LANES:
        assert schedule.seqs(room) == [1, 2]
    # lanes 1-3: at once, with the tally they were waiting for; lane 0 (and the
    # facilitators and screens) sent a moment ago: at the end of its short window
    times = {r: t - start for t, _n, p, r in schedule.sent if p["seq"] == 2}
    assert [times[room] for room in LANES[1:]] == pytest.approx([0.001] * 3)
    assert times[LANES[0]] == pytest.approx(0.050)


def test_a_failing_room_does_not_lose_the_others(app: Flask) -> None:
    recorder = Recorder(fail_room="workshop:1:facilitators")
    Broadcaster(window_ms=0, emit=recorder).publish([fact(1), fact(2)])
    assert sorted({(p["seq"], room) for _n, p, room in recorder.sent}) == [
        (seq, room) for seq in (1, 2) for room in sorted([*LANES, "workshop:1:screens"])
    ]


def test_a_real_window_flushes_in_the_background(app: Flask) -> None:
    recorder = Recorder()
    broadcaster = Broadcaster(window_ms=20, emit=recorder)
    broadcaster.publish([fact(1, Facts.TIMER_CHANGED), fact(2, Facts.TIMER_CHANGED), fact(3)])
    sent = recorder.wait_for(2 * (realtime.LANES + 2))
    assert [(p["seq"], p.get("since")) for _n, p, r in sent if r == LANES[2]] == [
        (2, 1),
        (3, None),
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=120),  # ms since the previous publish
            st.lists(st.booleans(), min_size=1, max_size=3),  # tally (True) or not
        ),
        min_size=1,
        max_size=40,
    )
)
def test_every_lane_gets_every_fact_in_order_and_tallies_on_time(
    publishes: list[tuple[int, list[bool]]],
) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        schedule = Schedule(monkeypatch)
        broadcaster = schedule.broadcaster()
        published: dict[int, float] = {}
        seq = 0
        for gap_ms, kinds in publishes:
            schedule.run_until(schedule.now + gap_ms / 1000)
            facts = []
            for tally in kinds:
                seq += 1
                published[seq] = schedule.now
                facts.append(fact(seq, Facts.VOTES_CHANGED if tally else Facts.IDEA_POSTED))
            broadcaster.publish(facts)
        schedule.run_until(schedule.now + 1.0)
        for room in [*LANES, "workshop:1:screens", "workshop:1:facilitators"]:
            received = [(t, p) for t, _n, p, r in schedule.sent if r == room]
            covered: list[int] = []
            for _t, payload in received:  # a folded run covers since..seq
                covered.extend(range(payload.get("since", payload["seq"]), payload["seq"] + 1))
            assert covered == list(range(1, seq + 1)), room  # all, once, in order
            flushes = sorted({t for t, _p in received})
            gaps = [b - a for a, b in zip(flushes, flushes[1:], strict=False)]
            assert all(gap >= 0.050 - 0.0002 for gap in gaps), room  # at most once a window
            for at, payload in received:
                for folded in range(payload.get("since", payload["seq"]), payload["seq"] + 1):
                    assert at - published[folded] <= 0.200 + 1e-9, (room, folded)


# -------------------------------------------------------------------- PresenceNotifier


def test_presence_interval_zero_sends_at_once(app: Flask) -> None:
    recorder = Recorder()
    PresenceNotifier(interval_ms=0, count=lambda workshop_id: 4, emit=recorder).changed(9)
    assert sorted(room for _n, _p, room in recorder.sent) == sorted(
        ["workshop:9:facilitators", "workshop:9:screens", *realtime.participant_rooms(9)]
    )
    assert recorder.calls == 1
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
