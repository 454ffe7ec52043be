"""workshop.throttle.SweptMemoryStorage: limits' in-memory counters without a thread start
and a walk of every key after each command; the limits themselves unchanged."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from limits import parse
from limits.strategies import MovingWindowRateLimiter

from workshop.throttle import SweptMemoryStorage


def test_limits_hold_without_any_sweep() -> None:
    storage = SweptMemoryStorage()
    limiter = MovingWindowRateLimiter(storage)
    limit = parse("3 per minute")
    assert [limiter.hit(limit, "phone-1") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(limit, "phone-2")  # each key its own window


def test_one_sweep_thread_per_interval_however_many_commands(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    storage = SweptMemoryStorage()
    storage.timer.join()  # the sweep MemoryStorage schedules as it is made
    started: list[Any] = []

    class CountedTimer(threading.Timer):
        def start(self) -> None:
            started.append(self)  # not run: the test calls no sweep

    monkeypatch.setattr(threading, "Timer", CountedTimer)
    limiter = MovingWindowRateLimiter(storage)
    limit = parse("1000 per minute")
    for n in range(200):
        limiter.hit(limit, f"phone-{n % 20}")
    assert len(started) == 1


def test_a_sweep_frees_expired_entries_and_keeps_live_ones() -> None:
    storage = SweptMemoryStorage()
    storage.acquire_entry("gone", 5, 0)  # expires at once
    storage.acquire_entry("live", 5, 600)
    storage._MemoryStorage__expire_events()
    assert storage.events["gone"] == []
    assert len(storage.events["live"]) == 1


def test_the_join_forms_http_limits_use_the_swept_storage(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Flask-Limiter builds its storage from ``memory://``: the join form's limits count
    there, and 30 joins start one sweep thread, not one per request."""
    from workshop.extensions import limiter

    storage = limiter.storage
    assert isinstance(storage, SweptMemoryStorage)
    storage.timer.join()
    started: list[Any] = []

    class CountedTimer(threading.Timer):
        def start(self) -> None:
            started.append(self)

    monkeypatch.setattr(threading, "Timer", CountedTimer)
    monkeypatch.setattr(storage, "_next_sweep", 0.0)
    from tests.factories import make_workshop

    with app.app_context():
        code = make_workshop().code
    client = app.test_client()
    for n in range(30):
        page = client.post(f"/j/{code}", data={"display_name": f"Phone {n}", "profile": "citizen"})
        assert page.status_code == 302
        client.delete_cookie("session")
    assert storage.storage  # the join form's counters are there
    assert len(started) == 1
