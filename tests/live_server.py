"""The real server for end-to-end, durability and browser tests: ``python run.py`` in a
subprocess (started, watched and stopped by :mod:`scripts.launcher`, as the benchmark's
and the stack's are), on a loopback port and a scratch instance directory (SQLite
database, secret key).

``LiveServer.prepare()`` migrates a fresh database, creates a facilitator and an
opened marathon workshop with the ``flask`` commands an operator would type;
``start()`` runs ``run.py`` and waits for ``/healthz``. A server that cannot start
fails the test (never skips it), with the end of its log.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from scripts import launcher
from scripts.launcher import HOST, free_port
from tests.operator_cli import CommandFailed, prepare_workshop, run_flask

__all__ = ["FACILITATOR_EMAIL", "FACILITATOR_PASSWORD", "HOST", "LiveServer", "free_port"]

FACILITATOR_EMAIL = "animation@example.org"
FACILITATOR_PASSWORD = "graines-de-projets-2024"  # noqa: S105 - a throwaway test account


@dataclass
class LiveServer:
    """One ``run.py`` process serving one instance directory (and so one database)."""

    async_mode: str
    instance: Path
    port: int = field(default_factory=free_port)
    workshop: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)  # extra WORKSHOP_* for run.py
    server: launcher.Server | None = field(default=None, repr=False)
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.instance.parent / f"{self.instance.name}-server.log"

    @property
    def screen_key(self) -> str:
        return str(self.workshop["screen_url"]).rstrip("/").rsplit("/", 1)[1]

    @property
    def running(self) -> bool:
        return self.server is not None and self.server.alive()

    def env(self) -> dict[str, str]:
        return launcher.scratch_env(self.instance, self.url)

    def flask(self, *args: str, stdin: str = "") -> str:
        """Run ``flask --app workshop ARGS`` against this instance; its standard output."""
        try:
            return run_flask(self.env(), *args, stdin=stdin)
        except CommandFailed as error:
            pytest.fail(str(error))

    def prepare(self) -> None:
        """Migrate, create the facilitator and an opened workshop (as an operator would)."""
        self.instance.mkdir(parents=True)
        self.workshop = prepare_workshop(
            self.flask,
            FACILITATOR_EMAIL,
            FACILITATOR_PASSWORD,
            "Marathon de l'alimentation durable",
        )
        assert set(self.workshop) >= {"id", "code", "join_url", "screen_url", "console_url"}
        assert self.workshop["join_url"] == f"{self.url}/j/{self.workshop['code']}"

    def start(self) -> None:
        assert not self.running, "already running"
        env = self.env() | self.settings | {"WORKSHOP_ASYNC_MODE": self.async_mode}
        self.server = launcher.run_py("run.py", self.port, env, self.log_path)
        self.starts += 1
        try:
            self.server.start(f"start #{self.starts} ({self.async_mode})")
        except launcher.LaunchError as error:
            self.server.stop()
            pytest.fail(str(error), pytrace=False)

    def stop(self, sig: int = signal.SIGTERM) -> int | None:
        """Send ``sig`` (SIGKILL: no chance to clean up), then make sure it is gone."""
        return None if self.server is None else self.server.stop(sig)

    def kill(self) -> int | None:
        return self.stop(signal.SIGKILL)

    def log(self) -> str:
        return self.server.log() if self.server is not None else "(no server log)"
