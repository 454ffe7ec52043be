"""Signing out disconnects the account's sockets on every worker at once.

First the registry alone (:class:`~workshop.presence.RedisPresence`, one per worker on
a real redis-server, a fake clock); then two real ``run.py`` workers on one Redis
message queue: a console on worker B is disconnected as soon as its facilitator signs
out through worker A, without sending anything. Every wait is bounded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
import requests

from scripts.stack import Stack
from testkit import forms
from tests.live_client import Recorder
from tests.operator_cli import prepare_workshop
from workshop.presence import Connection, RedisPresence
from workshop.roles import Role

TIMEOUT = 15.0
EMAIL = "sortie@example.org"
PASSWORD = "se-deconnecter-partout"  # noqa: S105 - a throwaway test account


# -- the registry ---------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def console(facilitator_id: int, workshop_id: int = 1) -> Connection:
    return Connection(workshop_id, Role.FACILITATOR, facilitator_id=facilitator_id)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def worker(redis_url: str, clock: Clock) -> Iterator[Callable[[], RedisPresence]]:
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


def test_an_accounts_sockets_are_known_on_every_worker(
    worker: Callable[[], RedisPresence],
) -> None:
    a, b = worker(), worker()
    a.add("a1", console(7))
    b.add("b1", console(7, workshop_id=2))  # another workshop of the same account
    b.add("b2", console(8))
    b.add("b3", Connection(1, Role.PARTICIPANT, participant_id=7))  # not an account
    assert a.account_sids(7) == b.account_sids(7) == ["a1", "b1"]
    assert a.local_account_sids(7) == ["a1"]
    assert a.account_sids(8) == ["b2"]
    b.remove("b1")
    assert a.account_sids(7) == ["a1"]


def test_a_crashed_workers_sockets_expire_and_a_refresh_keeps_the_live_ones(
    worker: Callable[[], RedisPresence], clock: Clock, redis_url: str
) -> None:
    a, crashed = worker(), worker()
    a.add("a1", console(7))
    crashed.add("c1", console(7))
    clock.now += 20
    a.refresh()
    clock.now += 15  # past the crashed worker's expiry, not past the refreshed one's
    assert a.account_sids(7) == ["a1"]
    redis.Redis.from_url(redis_url).flushdb()  # Redis restarted empty
    a.refresh()
    assert crashed.account_sids(7) == ["a1", "c1"]  # its own, from memory, and a's


def test_without_redis_a_worker_knows_its_own(caplog: pytest.LogCaptureFixture) -> None:
    from scripts.launcher import free_port

    down = RedisPresence(f"redis://127.0.0.1:{free_port()}/0", ttl_s=30)
    down.add("s1", console(7))
    assert down.account_sids(7) == ["s1"]
    assert down.remove("s1") == console(7)
    assert "Redis unavailable" in caplog.text


# -- two real workers -----------------------------------------------------------------


@pytest.fixture(scope="module")
def workshop(stack: Stack) -> dict[str, Any]:
    return prepare_workshop(stack.flask, EMAIL, PASSWORD, "Se déconnecter partout")


def signed_in(url: str, closing: Callable[[Any], Any]) -> requests.Session:
    http = closing(requests.Session())
    forms.sign_in(http, url, EMAIL, PASSWORD, TIMEOUT)
    return http  # type: ignore[no-any-return]


@pytest.mark.server
def test_signing_out_on_one_worker_disconnects_the_consoles_on_the_other_at_once(
    stack: Stack, workshop: dict[str, Any], closing: Callable[[Any], Any]
) -> None:
    a, b = stack.workers[0].url, stack.workers[1].url
    auth = {"workshop_id": workshop["id"], "role": "facilitator"}
    browser = signed_in(a, closing)
    here = closing(Recorder(a, auth, http=browser, timeout=TIMEOUT)).connect()
    there = closing(Recorder(b, auth, http=browser, timeout=TIMEOUT)).connect()
    # Another browser of the same account, on worker B too.
    elsewhere = closing(Recorder(b, auth, http=signed_in(b, closing), timeout=TIMEOUT))
    elsewhere.connect()
    phone_http = closing(requests.Session())
    forms.join(phone_http, b, workshop["code"], "Témoin", TIMEOUT)
    phone = closing(
        Recorder(
            b,
            {"workshop_id": workshop["id"], "role": "participant"},
            http=phone_http,
            timeout=TIMEOUT,
        )
    ).connect()
    for client in (here, there, elsewhere, phone):
        assert client.join()["state"]["workshop"]["id"] == workshop["id"]

    token = forms.page_token(browser, f"{a}/account/password", TIMEOUT)
    answer = browser.post(
        f"{a}/logout", data={"csrf_token": token}, allow_redirects=False, timeout=TIMEOUT
    )
    assert answer.status_code == 302, answer.text

    # Nobody sends anything: the server closes them, on both workers.
    for client in (here, there, elsewhere):
        assert client.disconnected.wait(TIMEOUT), client.url
    assert not phone.disconnected.is_set()
    assert phone.join()["state"]["workshop"]["id"] == workshop["id"]
    for worker in stack.workers:
        assert "Traceback" not in worker.log(), worker.log()
