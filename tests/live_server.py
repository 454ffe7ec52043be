"""The real server for end-to-end and browser tests: ``python run.py`` in a
subprocess, on a loopback port and a scratch instance directory (SQLite database,
secret key).

``LiveServer.prepare()`` migrates a fresh database, creates a facilitator and an
opened marathon workshop with the ``flask`` commands an operator would type;
``start()`` runs ``run.py`` and waits for ``/healthz``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest
import requests

from tests.operator_cli import ROOT, CommandFailed, prepare_workshop, run_flask

HOST = "127.0.0.1"
STARTUP_TIMEOUT = 30.0
FACILITATOR_EMAIL = "animation@example.org"
FACILITATOR_PASSWORD = "graines-de-projets-2024"  # noqa: S105 - a throwaway test account


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """One ``run.py`` process serving one instance directory (and so one database)."""

    async_mode: str
    instance: Path
    port: int
    workshop: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)  # extra WORKSHOP_* for run.py
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    _log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.instance.parent / f"{self.instance.name}-server.log"

    @property
    def screen_key(self) -> str:
        return str(self.workshop["screen_url"]).rstrip("/").rsplit("/", 1)[1]

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WORKSHOP_", "FLASK_"))}
        env.update(
            {
                "WORKSHOP_INSTANCE_PATH": str(self.instance),
                # Empty: the default SQLite file in the instance directory, whatever a .env says.
                "WORKSHOP_DATABASE_URL": "",
                "WORKSHOP_PUBLIC_URL": self.url,
                "FLASK_SKIP_DOTENV": "1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

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
        assert self.process is None, "already running"
        env = (
            self.env()
            | self.settings
            | {
                "WORKSHOP_ASYNC_MODE": self.async_mode,
                "HOST": HOST,
                "PORT": str(self.port),
            }
        )
        self._log = self.log_path.open("ab")
        self.starts += 1
        self._log.write(f"----- start #{self.starts} ({self.async_mode}) -----\n".encode())
        self._log.flush()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "run.py"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT
        last_error: object = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"run.py exited with {self.process.returncode} while starting:\n" + self.log()
                )
            try:
                response = requests.get(f"{self.url}/healthz", timeout=2)
            except requests.ConnectionError as error:
                last_error = error
            else:
                if response.status_code == 200 and response.json() == {"status": "ok"}:
                    return
                last_error = f"{response.status_code} {response.text[:200]}"
            time.sleep(0.1)
        pytest.fail(
            f"run.py not healthy after {STARTUP_TIMEOUT:.0f} s ({last_error}):\n" + self.log()
        )

    def stop(self, sig: int = signal.SIGTERM) -> int | None:
        """Send ``sig`` (SIGKILL: no chance to clean up), then make sure it is gone."""
        process, self.process = self.process, None
        code = None
        if process is not None:
            if process.poll() is None:
                process.send_signal(sig)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
            code = process.returncode
        if self._log is not None:
            self._log.close()
            self._log = None
        return code

    def kill(self) -> int | None:
        return self.stop(signal.SIGKILL)

    def log(self) -> str:
        if self._log is not None:
            self._log.flush()
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no server log)"
