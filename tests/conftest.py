"""Shared fixtures: a fresh app per test, HTTP and Socket.IO clients, sign-in helpers.

No fixture keeps an application context pushed for a whole test: a request or a
socket event must open its own, as in production, or session state would leak from
the test into the code under test. Tests that call services directly open short
``with app.app_context():`` blocks.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Generator, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio.test_client import SocketIOTestClient
from hypothesis import HealthCheck, settings
from werkzeug.security import generate_password_hash

from tests.factories import PASSWORD, WorkshopRef, make_workshop, next_seq, ref
from workshop import create_app
from workshop.auth import participant_cookie
from workshop.config import TestConfig
from workshop.extensions import db, socketio
from workshop.services import accounts

# Property tests must pass on a slow, busy machine (CI runs two workers on two cores):
# no per-example time limit, and no failure when drawing examples is slow. Speed is the
# benchmarks' business. A test's own @settings keeps these unless it says otherwise.
settings.register_profile("semis", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("semis")

# SEMIS_TEST_DATABASE_URL=postgresql://... runs the tests on that (scratch!) database
# instead of in-memory SQLite: each test creates the tables and drops them after.
TEST_DATABASE_URL = os.environ.get("SEMIS_TEST_DATABASE_URL") or None


def build_app(**overrides: Any) -> Flask:
    """An app on TestConfig plus ``overrides``, with its tables created."""
    if TEST_DATABASE_URL:
        overrides.setdefault("DATABASE_URL", TEST_DATABASE_URL)
    config = type("OverriddenTestConfig", (TestConfig,), overrides) if overrides else TestConfig
    app = create_app(config)
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """One PBKDF2 round instead of scrypt: hashing is not under test, time is."""
    fast = functools.partial(generate_password_hash, method="pbkdf2:sha256:1")
    monkeypatch.setattr(accounts, "generate_password_hash", fast)


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Settings layered over TestConfig; override this fixture (or parametrize it) to
    change them for a module or a test."""
    return {}


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    app = build_app(**app_config)
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def emitted(app: Flask) -> list[tuple[str, dict[str, Any], str]]:
    """What the broadcaster sends, as ``(name, payload, room)``, instead of emitting it:
    one entry per room, the participants' lanes reported once as ``workshop:<id>``."""
    sent: list[tuple[str, dict[str, Any], str]] = []

    def emit(name: str, payload: dict[str, Any], to: str | list[str]) -> None:
        rooms = [to] if isinstance(to, str) else to
        for room in dict.fromkeys(re.sub(r":lane:\d+$", "", room) for room in rooms):
            sent.append((name, payload, room))

    app.extensions["semis_broadcaster"].emit = emit
    return sent


# ----------------------------------------------------------------------- helpers


def as_facilitator(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    """Sign ``client`` in as a facilitator (Flask-Login session cookie)."""
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.status_code


def join_as(
    client: FlaskClient, code: str, name: str | None = None, profile: str = "citizen"
) -> Any:
    """Join workshop ``code`` from ``client`` as a participant (sets the token cookie)."""
    response = client.post(
        f"/j/{code}",
        data={
            "display_name": name or f"Phone {next_seq()}",
            "profile": profile,
        },
    )
    assert response.status_code == 302, response.status_code
    return response


def participant_token(client: FlaskClient, workshop_id: int) -> str | None:
    cookie = client.get_cookie(participant_cookie(workshop_id))
    return None if cookie is None else cookie.value


@pytest.fixture
def new_workshop(app: Flask) -> Callable[..., WorkshopRef]:
    """Create a workshop with :func:`make_workshop` in a short app context."""

    def make(**overrides: Any) -> WorkshopRef:
        with app.app_context():
            return ref(make_workshop(**overrides))

    return make


@pytest.fixture
def socket_client(app: Flask) -> Iterator[Callable[..., SocketIOTestClient]]:
    """Factory: a Socket.IO test client sharing an HTTP client's cookies.

    ``socket_client(workshop, "participant")`` joins over HTTP first (unless ``http``
    already holds that workshop's cookie); ``"facilitator"`` signs in as the owner (or
    ``email``) unless ``http`` is given; ``"screen"`` sends the screen key (or ``key``).
    ``auth`` replaces the handshake data entirely.
    """
    made: list[SocketIOTestClient] = []

    def connect(
        workshop: WorkshopRef | None = None,
        role: str = "participant",
        *,
        http: FlaskClient | None = None,
        name: str | None = None,
        email: str | None = None,
        key: str | None = None,
        auth: Any = ...,
        headers: dict[str, str] | None = None,
    ) -> SocketIOTestClient:
        fresh = http is None
        http = http or app.test_client()
        if workshop is not None:
            if role == "participant" and participant_token(http, workshop.id) is None:
                join_as(http, workshop.code, name)
            elif role == "facilitator" and (fresh or email):
                as_facilitator(http, email or workshop.owner_email)
        if auth is ...:
            assert workshop is not None
            auth = {"workshop_id": workshop.id, "role": role}
            if role == "screen":
                auth["key"] = workshop.screen_key if key is None else key
        client = socketio.test_client(app, flask_test_client=http, auth=auth, headers=headers)
        made.append(client)
        return client

    yield connect
    for client in made:
        if client.is_connected():
            client.disconnect()


@pytest.fixture
def closing() -> Iterator[Callable[..., Any]]:
    """Register clients and HTTP sessions to close (``close`` unless told) after the test,
    last registered first; returns what it was given."""
    closers: list[Callable[[], Any]] = []

    def register(thing: Any, close: Callable[[], Any] | None = None) -> Any:
        closers.append(close or thing.close)
        return thing

    yield register
    for close in reversed(closers):
        close()


def failed(node: pytest.Item) -> bool:
    """Whether the test ``node`` failed in its setup or its call: a fixture's teardown
    then prints the logs of the servers it started."""
    return any(
        getattr(getattr(node, f"rep_{when}", None), "failed", False) for when in ("setup", "call")
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the test item, so teardown knows if the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# `make test` spreads the tests over the cores (pytest-xdist, --dist loadgroup). Tests that
# share one session-wide stack run on one worker each: the throwaway PostgreSQL + Redis +
# nginx of tests/scaleout, the chaos tests' template instance.
_SHARED_STACKS = {"scaleout": "scaleout", "chaos": "chaos"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        parts = item.nodeid.split("/")
        group = _SHARED_STACKS.get(parts[1]) if len(parts) > 2 and parts[0] == "tests" else None
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
