"""The servers a benchmark drives, each in its own subprocess on a free loopback port
(started, watched and stopped by :mod:`scripts.launcher`, as the tests' and the stack's
are): the real ``run.py`` (eventlet) on a scratch instance directory, prepared with the
``flask`` commands an operator types, and the bare python-socketio baseline
(:mod:`bench.bare_server`). Also the facilitator, who signs in through the real login
form and sends commands over a socket."""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import socketio

from scripts import launcher
from testkit import forms
from tests.operator_cli import CommandFailed, prepare_workshop, run_flask

from .harness import BenchError, ScenarioResult, log

HOST = launcher.HOST
ROOT = launcher.ROOT
FACILITATOR_EMAIL = "bench@example.org"
FACILITATOR_PASSWORD = "banc-d-essai-des-semis"  # noqa: S105 - a throwaway local account
# What an app log must not contain; each occurrence is reported with the figures.
LOG_SYMPTOMS = (
    "Traceback",
    "database is locked",
    "Exception",
    "ERROR",
    "Timeout",
    "Too many open files",
)


class ServerProcess:
    """A server subprocess (a :class:`scripts.launcher.Server`) whose output goes to a
    log file in ``workdir``; stopped by :meth:`stop`."""

    name = "server"

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or launcher.free_port()
        self.server: launcher.Server | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        pid = None if self.server is None else self.server.pid
        if pid is None:
            raise BenchError(f"{self.name} is not running")
        return pid

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"

    def env(self) -> dict[str, str]:
        return launcher.clean_env()

    def _start(self, server: launcher.Server) -> None:
        self.server = server
        try:
            self.server.start()
        except launcher.LaunchError as error:
            raise BenchError(str(error)) from None

    def stop(self) -> int | None:
        return None if self.server is None else self.server.stop()

    def log(self) -> str:
        return "" if self.server is None else self.server.log()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:]) or "(empty log)"

    def rss(self) -> int:
        """The process's resident set size now, in bytes."""
        try:
            return int(psutil.Process(self.pid).memory_info().rss)
        except psutil.Error as error:
            raise BenchError(f"{self.name}: cannot read its memory: {error}") from None

    def log_symptoms(self) -> dict[str, int]:
        """How often each worrying word appears in the log (only those present)."""
        text = self.log()
        return {word: text.count(word) for word in LOG_SYMPTOMS if word in text}


class AppServer(ServerProcess):
    """The real ``run.py`` under eventlet, on a scratch instance directory."""

    name = "semis"

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        super().__init__(workdir, port)
        self.instance = workdir / "instance"
        self.workshop: dict[str, Any] = {}

    def env(self) -> dict[str, str]:
        return launcher.scratch_env(self.instance, self.url)

    def flask(self, *args: str, stdin: str = "") -> str:
        try:
            return run_flask(self.env(), *args, stdin=stdin)
        except CommandFailed as error:
            raise BenchError(str(error)) from None

    def prepare(self, title: str = "Banc d'essai") -> dict[str, Any]:
        """Migrate a fresh database; create a facilitator and an opened marathon workshop."""
        self.instance.mkdir(parents=True)
        self.workshop = prepare_workshop(self.flask, FACILITATOR_EMAIL, FACILITATOR_PASSWORD, title)
        return self.workshop

    def start(self, settings: dict[str, str] | None = None) -> None:
        """Start ``run.py``; ``settings`` are extra environment variables (``WORKSHOP_*``)."""
        # Every simulated phone joins from this one loopback address within seconds: the
        # per-address join limit (sized for a venue's Wi-Fi, not for a load generator)
        # is lifted here; the commands' own per-participant limits stay.
        lifted = {"WORKSHOP_JOIN_CREATE_LIMIT": "1000000 per minute"}
        env = self.env() | {"WORKSHOP_ASYNC_MODE": "eventlet"} | lifted | (settings or {})
        self._start(launcher.run_py(self.name, self.port, env, self.log_path))


class BareServer(ServerProcess):
    """The baseline: :mod:`bench.bare_server` (python-socketio on eventlet, no database)."""

    name = "bare"

    def start(self, phase_id: int, *options: str) -> None:
        """Start it; ``options`` are more of its command line (``--page-bytes 5000``)."""
        argv = [sys.executable, "-m", "bench.bare_server", "--host", HOST]
        argv += ["--port", str(self.port), "--phase-id", str(phase_id), *options]
        self._start(launcher.Server(self.name, argv, self.log_path, self.env(), port=self.port))


class Servers:
    """Semis and the bare baseline for one scenario, in one scratch directory: both are
    stopped however the ``with`` block ends; the directory (their logs) is kept when the
    run broke, when asked (``--keep``, or :meth:`finish`'s ``keep``), and removed
    otherwise."""

    def __init__(self, keep: bool = False) -> None:
        self.workdir = scratch_dir()
        self.app = AppServer(self.workdir)
        self.bare = BareServer(self.workdir)
        self.keep = keep

    def __enter__(self) -> Servers:
        return self

    def __exit__(self, exc_type: object, *_exc: object) -> None:
        if exc_type is not None:
            self.keep = True
            log(f"server logs kept in {self.workdir}")
        self.app.stop()
        self.bare.stop()

    def finish(self, result: ScenarioResult, *, keep: bool = False) -> ScenarioResult:
        """Keep the logs (and say where) if the result broke or ``keep``; else remove them."""
        if self.keep or keep or result.broken:
            result.notes.append(f"server logs kept in {self.workdir}")
        else:
            remove_dir(self.workdir)
        return result


def scratch_dir(prefix: str = "semis-bench-") -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


def remove_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


class Facilitator:
    """The workshop's facilitator: signs in through the real login form (CSRF token
    included), then talks over its own Socket.IO connection, one short one per step."""

    def __init__(self, server: AppServer, timeout: float = 30.0) -> None:
        self.server = server
        self.timeout = timeout
        self.cookie = ""

    @property
    def workshop_id(self) -> int:
        return int(self.server.workshop["id"])

    def login(self) -> None:
        self.cookie = asyncio.run(self._login())

    async def _login(self) -> str:
        jar = aiohttp.CookieJar(unsafe=True)  # cookies from an IP address host
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(cookie_jar=jar, timeout=timeout) as http:
            try:
                return await forms.sign_in_async(
                    http, self.server.url, FACILITATOR_EMAIL, FACILITATOR_PASSWORD
                )
            except forms.FormError as error:
                raise BenchError(str(error)) from None

    def session(self, *commands: tuple[str, Any]) -> tuple[dict[str, Any], list[Any]]:
        """Connect, join (snapshot), send ``commands`` in order; the state and the acks.
        A refused command breaks the run."""
        return asyncio.run(self._session(commands))

    async def _session(
        self, commands: tuple[tuple[str, Any], ...]
    ) -> tuple[dict[str, Any], list[Any]]:
        sio = socketio.AsyncClient(reconnection=False)
        try:
            await sio.connect(
                self.server.url,
                headers={"Cookie": self.cookie},
                auth={"workshop_id": self.workshop_id, "role": "facilitator"},
                transports=["websocket"],
                wait_timeout=self.timeout,
            )
            joined = await sio.call("join_workshop", {}, timeout=self.timeout)
            if not joined.get("ok"):
                raise BenchError(f"facilitator join_workshop refused: {joined}")
            acks = []
            for event, data in commands:
                ack = await sio.call(event, data, timeout=self.timeout)
                if not ack.get("ok"):
                    raise BenchError(f"facilitator {event} {data} refused: {ack}")
                acks.append(ack.get("data"))
            return joined["data"]["state"], acks
        finally:
            await sio.disconnect()

    def state(self) -> dict[str, Any]:
        return self.session()[0]
