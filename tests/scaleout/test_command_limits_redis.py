"""Command limits shared through Redis (``RATELIMIT_STORAGE_URI=redis://…``): two apps,
as two workers, count one participant's commands together; other identities apart."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from flask import Flask

from tests.conftest import build_app
from workshop import throttle
from workshop.errors import RateLimited
from workshop.extensions import db
from workshop.presence import Connection
from workshop.roles import Role

LIMITS = {"edit_idea": "3 per minute", "facilitator:hide_idea": "2 per minute"}


@pytest.fixture
def workers(redis_url: str) -> Iterator[tuple[Flask, Flask]]:
    admin = redis.Redis.from_url(redis_url)
    admin.flushdb()
    apps = tuple(
        build_app(RATELIMIT_STORAGE_URI=redis_url, COMMAND_LIMITS=LIMITS) for _ in range(2)
    )
    yield apps  # type: ignore[misc]
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
    admin.flushdb()
    admin.close()


def phone(participant_id: int, workshop_id: int = 1) -> Connection:
    return Connection(workshop_id, Role.PARTICIPANT, participant_id=participant_id)


def test_two_workers_share_one_participants_count(workers: tuple[Flask, Flask]) -> None:
    a, b = workers
    assert throttle.throttle(a) is not throttle.throttle(b)
    for app, sid in ((a, "s1"), (b, "s2"), (a, "s1")):
        throttle.check(app, "edit_idea", phone(10), sid)
    for app in (a, b):
        with pytest.raises(RateLimited) as refused:
            throttle.check(app, "edit_idea", phone(10), "s3")
        assert 1 <= refused.value.details["retry_after"] <= 60
    # Another participant, another workshop's participant, another command: apart.
    throttle.check(b, "edit_idea", phone(11), "s4")
    throttle.check(b, "edit_idea", phone(12, workshop_id=2), "s5")
    throttle.check(a, "withdraw_idea", phone(10), "s1")


def test_a_facilitator_account_is_counted_across_workers(workers: tuple[Flask, Flask]) -> None:
    a, b = workers
    host = Connection(1, Role.FACILITATOR, facilitator_id=3)
    throttle.check(a, "hide_idea", host, "c1")
    throttle.check(b, "hide_idea", Connection(2, Role.FACILITATOR, facilitator_id=3), "c2")
    with pytest.raises(RateLimited):
        throttle.check(a, "hide_idea", host, "c1")
    throttle.check(b, "hide_idea", Connection(1, Role.FACILITATOR, facilitator_id=4), "c3")


def test_a_reset_clears_the_shared_counts(workers: tuple[Flask, Flask]) -> None:
    a, b = workers
    for _ in range(3):
        throttle.check(a, "edit_idea", phone(10), "s1")
    throttle.throttle(b).reset()
    throttle.check(a, "edit_idea", phone(10), "s1")
