"""The real ``run.py`` under eventlet, for the durability tests (``tests/chaos``)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import pytest

from tests.live_server import FACILITATOR_EMAIL, FACILITATOR_PASSWORD, LiveServer, free_port
from workshop import create_app
from workshop.extensions import db


@dataclass
class ChaosServer(LiveServer):
    """``run.py`` with settings of its own (``WORKSHOP_*`` variables), on a copy of a
    migrated instance that already has the facilitator account."""

    settings: dict[str, str] = field(default_factory=dict)
    template: Path | None = None

    def env(self) -> dict[str, str]:
        return super().env() | {f"WORKSHOP_{k}": v for k, v in self.settings.items()}

    def prepare(self) -> None:
        """Copy the template instance, then create and open a workshop with the same
        ``flask workshops create`` command an operator types, run in this process:
        each ``flask`` subprocess costs seconds of imports on a busy machine."""
        assert self.template is not None
        shutil.copytree(self.template, self.instance)
        variables = {"WORKSHOP_INSTANCE_PATH": str(self.instance), "FLASK_SKIP_DOTENV": "1"}
        with mock.patch.dict(os.environ, variables):
            app = create_app(
                {
                    "DATABASE_URL": "",  # the instance's SQLite file, whatever the environment says
                    "PUBLIC_URL": self.url,
                    "TESTING": True,  # no logging set-up in the test process
                    "BROADCAST_WINDOW_MS": 0,  # nobody listens: no flush thread left behind
                    "PRESENCE_INTERVAL_MS": 0,
                }
            )
        try:
            result = app.test_cli_runner().invoke(
                args=[
                    "workshops",
                    "create",
                    "--title",
                    "Marathon de l'alimentation durable",
                    "--format",
                    "marathon",
                    "--owner",
                    FACILITATOR_EMAIL,
                    "--open",
                    "--json",
                ]
            )
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        assert result.exit_code == 0, (result.output, result.exception)
        self.workshop = json.loads(result.output.strip().splitlines()[-1])
        assert self.workshop["join_url"] == f"{self.url}/j/{self.workshop['code']}"


@pytest.fixture(scope="session")
def chaos_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated instance with the facilitator account, made once with ``flask``."""
    base = tmp_path_factory.mktemp("chaos-template")
    maker = LiveServer("eventlet", base / "instance", 0)
    maker.instance.mkdir()
    maker.flask("db", "upgrade")
    maker.flask(
        "facilitators",
        "create",
        FACILITATOR_EMAIL,
        "--password-stdin",
        stdin=FACILITATOR_PASSWORD + "\n",
    )
    return maker.instance


@pytest.fixture
def chaos_server(
    chaos_template: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., ChaosServer]]:
    """Factory: ``chaos_server(REPLAY_LIMIT="25")`` prepares a fresh instance with an
    opened marathon workshop and starts ``run.py`` on eventlet. It fails, never skips,
    when the server cannot start."""
    servers: list[ChaosServer] = []

    def start(**settings: str) -> ChaosServer:
        server = ChaosServer(
            "eventlet",
            tmp_path / f"instance{len(servers)}",
            free_port(),
            settings=settings,
            template=chaos_template,
        )
        servers.append(server)
        server.prepare()
        server.start()
        return server

    yield start
    failed = any(
        getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
        for when in ("setup", "call")
    )
    for server in servers:
        server.stop()
        if failed:
            print(f"\n===== run.py log (port {server.port}) =====")
            print(server.log()[-20000:])
