"""The real ``run.py`` under eventlet, for the durability tests (``tests/chaos``)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import shutil
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from unittest import mock

import pytest
from flask import Flask

from tests.conftest import failed
from tests.live_server import FACILITATOR_EMAIL, FACILITATOR_PASSWORD, LiveServer
from workshop import create_app
from workshop.extensions import db

T = TypeVar("T")

# The server's REPLAY_LIMIT: a phone away for more facts than this gets a snapshot back.
REPLAY_LIMIT = 25


def instance_app(instance: Path, public_url: str) -> Flask:
    """The app on ``instance``'s SQLite file, in this process, to run operator commands
    (``flask ...``) through Flask's CLI runner: each ``flask`` subprocess would cost
    seconds of imports on a busy machine."""
    variables = {"WORKSHOP_INSTANCE_PATH": str(instance), "FLASK_SKIP_DOTENV": "1"}
    with mock.patch.dict(os.environ, variables):
        return create_app(
            {
                "DATABASE_URL": "",  # the instance's SQLite file, whatever the environment says
                "PUBLIC_URL": public_url,
                "TESTING": True,  # no logging set-up in the test process
                "BROADCAST_WINDOW_MS": 0,  # nobody listens: no flush thread left behind
                "PRESENCE_INTERVAL_MS": 0,
            }
        )


def run_command(app: Flask, *args: str, stdin: str = "") -> str:
    """``flask --app workshop ARGS`` on ``app``; its output (a failure fails the test)."""
    try:
        result = app.test_cli_runner().invoke(args=list(args), input=stdin)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if result.exit_code != 0:
        pytest.fail(f"flask {' '.join(args)} failed: {result.output}\n{result.exception!r}")
    return result.output


@dataclass
class ChaosServer(LiveServer):
    """``run.py`` with settings of its own (``WORKSHOP_*`` variables), on a copy of a
    template instance that has the schema and the facilitator account. The tests of a
    module share it, each with a workshop of its own: starting ``run.py`` costs
    seconds on a busy machine."""

    settings: dict[str, str] = field(default_factory=dict)
    log_mark: int = 0  # where the current test's part of the log begins

    def env(self) -> dict[str, str]:
        # The module's tests join dozens of phones from 127.0.0.1 within seconds: the
        # per-address join limit (tests/views/test_join_limits.py) is not under test.
        lifted = {"WORKSHOP_JOIN_CREATE_LIMIT": "1000000 per minute"}
        return super().env() | lifted | {f"WORKSHOP_{k}": v for k, v in self.settings.items()}

    def new_workshop(self) -> None:
        """Create and open a workshop with the command an operator types."""
        out = run_command(
            instance_app(self.instance, self.url),
            *("workshops", "create", "--title", "Marathon de l'alimentation durable"),
            *("--format", "marathon", "--owner", FACILITATOR_EMAIL, "--open", "--json"),
        )
        self.workshop = json.loads(out.strip().splitlines()[-1])
        assert self.workshop["join_url"] == f"{self.url}/j/{self.workshop['code']}"


@pytest.fixture(scope="session")
def chaos_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An instance (SQLite file, secret key) with the schema and the facilitator.

    The schema comes from the models (``make check-migrations`` and
    tests/test_migrations.py prove the migrations build the same one): running Alembic
    in this process would reconfigure the test run's logging."""
    instance = tmp_path_factory.mktemp("chaos-template") / "instance"
    app = instance_app(instance, "http://127.0.0.1")
    with app.app_context():
        db.create_all()
    run_command(
        app,
        *("facilitators", "create", FACILITATOR_EMAIL, "--password-stdin"),
        stdin=FACILITATOR_PASSWORD + "\n",
    )
    return instance


@pytest.fixture(scope="module")
def shared_server(
    chaos_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ChaosServer]:
    """``run.py`` on eventlet for a module's tests. A small ``REPLAY_LIMIT`` lets a
    test send a phone away for longer than a replay covers. Fails, never skips, when
    the server cannot start."""
    instance = tmp_path_factory.mktemp("chaos") / "instance"
    shutil.copytree(chaos_template, instance)
    server = ChaosServer("eventlet", instance, settings={"REPLAY_LIMIT": str(REPLAY_LIMIT)})
    server.start()
    yield server
    server.stop()


@pytest.fixture
def chaos_server(
    shared_server: ChaosServer, request: pytest.FixtureRequest
) -> Iterator[ChaosServer]:
    """The module's server, running, with a fresh opened workshop for this test; its
    log since the test began is printed when the test fails."""
    server = shared_server
    if not server.running:
        server.stop()  # a test before this one failed while it was down
        server.start()
    server.new_workshop()
    server.log_mark = len(server.log())
    yield server
    if failed(request.node):
        print(f"\n===== run.py log (port {server.port}) =====")
        print(server.log()[server.log_mark :][-20000:])


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a thread of its own: the browser tests' Playwright (sync API,
    one session for the whole run) keeps an event loop running in the main thread,
    where ``asyncio.run`` refuses to start another."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
