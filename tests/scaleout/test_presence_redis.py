"""presence.RedisPresence: participants counted once across every worker of one Redis.

Each ``RedisPresence`` here stands for one worker process; they share a real
redis-server. Time is a fake clock, so expiry is tested without waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import redis

from workshop.presence import Connection, Presence, RedisPresence, make_presence
from workshop.schemas import Role


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def phone(participant_id: int, workshop_id: int = 1) -> Connection:
    return Connection(workshop_id, Role.PARTICIPANT, participant_id=participant_id)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def worker(redis_url: str, clock: Clock) -> Iterator[Callable[[], RedisPresence]]:
    """Factory: one more worker's registry, on an emptied Redis database."""
    made: list[RedisPresence] = []
    admin = redis.Redis.from_url(redis_url)
    admin.flushdb()

    def make() -> RedisPresence:
        presence = RedisPresence(redis_url, ttl_s=30, clock=clock)
        made.append(presence)
        return presence

    yield make
    for presence in made:
        presence.redis.close()
    admin.close()


def test_counts_participants_across_workers(worker: Callable[[], RedisPresence]) -> None:
    a, b = worker(), worker()
    a.add("a1", phone(10))
    b.add("b1", phone(11))
    b.add("b2", phone(10))  # the same phone, a second socket on the other worker
    a.add("a2", Connection(1, Role.SCREEN))  # screens and facilitators are not counted
    a.add("a3", phone(12, workshop_id=2))
    assert a.connected(1) == b.connected(1) == 2
    assert a.connected(2) == b.connected(2) == 1
    assert a.local_count(1) == 1 and b.local_count(1) == 2

    # Participant 10 leaves worker A but still has a socket on B: still counted.
    assert a.remove("a1") == phone(10)
    assert a.connected(1) == b.connected(1) == 2
    b.remove("b2")
    assert a.connected(1) == b.connected(1) == 1
    b.remove("b1")
    assert a.connected(1) == b.connected(1) == 0
    assert a.remove("a1") is None  # twice: nothing happens


def test_counts_sockets_of_one_worker_once(worker: Callable[[], RedisPresence]) -> None:
    a = worker()
    a.add("s1", phone(10))
    a.add("s2", phone(10))
    a.remove("s1")
    assert a.connected(1) == 1  # the other tab is still there
    assert a.get("s2") == phone(10) and a.get("s1") is None


def test_a_crashed_worker_drops_out_after_its_ttl(
    worker: Callable[[], RedisPresence], clock: Clock
) -> None:
    a, crashed = worker(), worker()
    a.add("a1", phone(10))
    crashed.add("c1", phone(11))
    crashed.add("c2", phone(12))
    assert a.connected(1) == 3
    clock.now += 20
    a.refresh()  # the live worker refreshes; the crashed one never will again
    assert a.connected(1) == 3
    clock.now += 15  # past the crashed worker's expiry, not past the live one's
    assert a.connected(1) == 1


def test_refresh_heals_a_restarted_redis(
    worker: Callable[[], RedisPresence], redis_url: str
) -> None:
    a, b = worker(), worker()
    a.add("a1", phone(10))
    b.add("b1", phone(11))
    redis.Redis.from_url(redis_url).flushdb()  # Redis restarted empty
    assert a.connected(1) == 0
    a.refresh()
    b.refresh()
    assert a.connected(1) == b.connected(1) == 2


def test_without_redis_each_worker_counts_its_own(caplog: pytest.LogCaptureFixture) -> None:
    from scripts.launcher import free_port

    down = RedisPresence(f"redis://127.0.0.1:{free_port()}/0", ttl_s=30)
    down.add("s1", phone(10))  # connecting still works
    down.add("s2", phone(11))
    assert down.connected(1) == 2
    down.remove("s1")
    assert down.connected(1) == 1
    assert "Redis unavailable" in caplog.text


def test_make_presence_follows_the_message_queue(redis_url: str) -> None:
    assert type(make_presence(None)) is Presence
    assert type(make_presence("amqp://guest@127.0.0.1//")) is Presence
    shared = make_presence(redis_url)
    assert isinstance(shared, RedisPresence)
    shared.redis.close()


def test_the_refresh_task_starts_with_the_first_socket(redis_url: str) -> None:
    started: list[Callable[[], None]] = []
    presence = RedisPresence(redis_url, start_task=started.append)
    presence.add("s1", Connection(1, Role.SCREEN))
    presence.add("s2", phone(10))
    assert started == [presence._refresh_forever]
    presence.remove("s2")
    presence.redis.close()
