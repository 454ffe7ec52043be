"""The reference phone's ordering (:class:`testkit.phone.Sequencer`) follows the browser's
(``static/js/sequencer.js``): the same cases as ``tests/js/sequencer.test.js``, on a fake
clock. The durability tests and the benchmark trust what it shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from testkit.phone import REORDER_S, Sequencer


class FakeClock:
    """``call_later`` as the sequencer takes it; :meth:`advance` runs what falls due."""

    def __init__(self) -> None:
        self.now = 0.0
        self.timers: list[FakeTimer] = []

    def call_later(self, delay: float, callback: Callable[[], None]) -> FakeTimer:
        timer = FakeTimer(self, self.now + delay, callback)
        self.timers.append(timer)
        return timer

    def advance(self, seconds: float) -> None:
        until = self.now + seconds
        while due := sorted((t for t in self.timers if t.at <= until), key=lambda t: t.at):
            timer = due[0]
            self.timers.remove(timer)
            self.now = timer.at
            timer.callback()
        self.now = until

    @property
    def pending(self) -> int:
        return len(self.timers)


class FakeTimer:
    def __init__(self, clock: FakeClock, at: float, callback: Callable[[], None]) -> None:
        self.clock, self.at, self.callback = clock, at, callback

    def cancel(self) -> None:
        if self in self.clock.timers:
            self.clock.timers.remove(self)


class World:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.applied: list[int] = []
        self.gaps = 0
        self.sequencer = Sequencer(
            lambda _name, data: self.applied.append(data["seq"]),
            self.on_gap,
            call_later=self.clock.call_later,
        )

    def on_gap(self) -> None:
        self.gaps += 1

    def joined_at(self, seq: int) -> None:
        self.sequencer.pause()
        self.sequencer.reset(seq)
        self.sequencer.resume()


def fact(seq: int, **extra: Any) -> tuple[str, dict[str, Any]]:
    return "idea_posted", {"workshop_id": 1, "seq": seq, **extra}


@pytest.fixture
def world() -> World:
    return World()


def test_applies_each_next_fact_at_once_and_keeps_its_seq(world: World) -> None:
    world.joined_at(10)
    world.sequencer.receive(*fact(11))
    world.sequencer.receive(*fact(12))
    assert world.applied == [11, 12]
    assert world.sequencer.last == 12
    assert world.clock.pending == 0


def test_drops_a_duplicate_and_a_stale_fact(world: World) -> None:
    world.joined_at(10)
    for seq in (11, 11, 9, 10):
        world.sequencer.receive(*fact(seq))
    assert world.applied == [11]
    assert world.sequencer.last == 11
    assert world.sequencer.stale == 3


def test_a_batched_fact_follows_on_from_its_since(world: World) -> None:
    world.joined_at(10)
    world.sequencer.receive(*fact(14, since=11))
    world.sequencer.receive(*fact(13))  # covered by the batch
    world.sequencer.receive(*fact(15))
    assert world.applied == [14, 15]
    assert world.gaps == 0


def test_a_fact_ahead_of_a_gap_waits_for_the_missing_one(world: World) -> None:
    world.joined_at(10)
    world.sequencer.receive(*fact(12))
    assert world.applied == []
    world.sequencer.receive(*fact(11))
    assert world.applied == [11, 12]
    assert world.sequencer.last == 12
    assert world.clock.pending == 0, "the reorder timer is cancelled once the gap is filled"
    world.clock.advance(REORDER_S * 2)
    assert world.gaps == 0
    assert world.sequencer.reordered == 1


def test_several_held_facts_apply_lowest_first(world: World) -> None:
    world.joined_at(10)
    for seq in (14, 12, 13, 11):
        world.sequencer.receive(*fact(seq))
    assert world.applied == [11, 12, 13, 14]


def test_a_gap_still_open_after_the_window_asks_for_a_resync_not_before(world: World) -> None:
    world.joined_at(10)
    world.sequencer.receive(*fact(12))
    world.clock.advance(REORDER_S - 0.001)
    assert world.gaps == 0
    world.sequencer.receive(*fact(13))  # a second early fact does not restart the wait
    world.clock.advance(0.001)
    assert world.gaps == 1 and world.sequencer.gaps == 1
    assert world.applied == []


def test_a_gap_filled_in_part_keeps_waiting_for_the_rest(world: World) -> None:
    world.joined_at(10)
    world.sequencer.receive(*fact(13))
    world.sequencer.receive(*fact(11))
    assert world.applied == [11]
    world.clock.advance(REORDER_S)
    assert world.gaps == 1


def test_the_window_is_the_browsers() -> None:
    assert REORDER_S == 0.4  # sequencer.js REORDER_MS


def test_facts_wait_for_the_first_join(world: World) -> None:
    world.sequencer.receive(*fact(9))
    world.sequencer.receive(*fact(11))
    world.sequencer.pause()
    world.sequencer.reset(10)
    assert world.applied == []
    world.sequencer.resume()
    assert world.applied == [11]


def test_a_replay_applies_the_newer_missed_facts_then_what_came_meanwhile(
    world: World,
) -> None:
    world.joined_at(10)
    world.sequencer.pause()
    world.sequencer.receive(*fact(13))  # arrives during the join
    for seq in (10, 11, 12):
        world.sequencer.replay(*fact(seq))
    world.sequencer.resume()
    assert world.applied == [11, 12, 13]


def test_facts_held_ahead_of_a_gap_wait_for_the_join(world: World) -> None:
    world.joined_at(10)
    world.sequencer.receive(*fact(12))
    world.sequencer.receive(*fact(14))
    world.sequencer.pause()
    assert world.clock.pending == 0, "the join stops the reorder wait"
    world.sequencer.reset(12)  # the snapshot already has 11 and 12
    world.sequencer.resume()
    assert world.applied == []
    world.sequencer.receive(*fact(13))
    assert world.applied == [13, 14]


def test_a_failed_join_drops_what_it_held(world: World) -> None:
    world.joined_at(10)
    world.sequencer.pause()
    world.sequencer.receive(*fact(11))
    world.sequencer.discard()
    assert world.applied == []
    world.sequencer.receive(*fact(12))
    world.clock.advance(REORDER_S)
    assert world.gaps == 1, "the next fact shows the gap, which resyncs"
