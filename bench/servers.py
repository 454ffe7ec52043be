"""The servers a benchmark drives, each in its own subprocess on a free loopback port:
the real ``run.py`` (eventlet) on a scratch instance directory, prepared with the
``flask`` commands an operator types, and the bare python-socketio baseline
(:mod:`bench.bare_server`). Also the facilitator, who signs in through the real login
form and sends commands over a socket."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

import aiohttp
import psutil
import socketio

from tests.operator_cli import ROOT, CommandFailed, prepare_workshop, run_flask

from .harness import BenchError

HOST = "127.0.0.1"
STARTUP_TIMEOUT = 30.0
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
INPUT_TAG = re.compile(r"<input\b[^>]*\bname=[\"']csrf_token[\"'][^>]*>", re.IGNORECASE)
VALUE_ATTR = re.compile(r"\bvalue=[\"']([^\"']+)[\"']", re.IGNORECASE)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def csrf_token(html: str) -> str:
    """The hidden ``csrf_token`` input of the form in ``html``."""
    tag = INPUT_TAG.search(html)
    value = VALUE_ATTR.search(tag.group(0)) if tag else None
    if value is None:
        raise BenchError(f"no csrf_token input in the page:\n{html[:500]}")
    return value.group(1)


class ServerProcess:
    """A server subprocess whose output goes to a log file; stopped by :meth:`stop`."""

    name = "server"

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise BenchError(f"{self.name} is not running")
        return self.process.pid

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WORKSHOP_", "FLASK_"))}
        return env | {"PYTHONUNBUFFERED": "1", "FLASK_SKIP_DOTENV": "1"}

    def _spawn(self, argv: list[str], env: dict[str, str]) -> None:
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and scripts
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        last_error: object = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(
                    f"{self.name} exited with {self.process.returncode} while starting:\n"
                    + self.log_tail()
                )
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
                    last_error = response.status
            except (urllib.error.URLError, OSError) as error:
                last_error = error
            time.sleep(0.1)
        raise BenchError(
            f"{self.name} not healthy after {STARTUP_TIMEOUT:.0f} s ({last_error}):\n"
            + self.log_tail()
        )

    def stop(self) -> int | None:
        process, self.process = self.process, None
        code = None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
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

    def log(self) -> str:
        if self._log is not None:
            self._log.flush()
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

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
        return super().env() | {
            "WORKSHOP_INSTANCE_PATH": str(self.instance),
            # Empty: the default SQLite file in the instance directory, whatever .env says.
            "WORKSHOP_DATABASE_URL": "",
            "WORKSHOP_PUBLIC_URL": self.url,
        }

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
        env = self.env() | {"WORKSHOP_ASYNC_MODE": "eventlet", "HOST": HOST, "PORT": str(self.port)}
        self._spawn([sys.executable, "run.py"], env | (settings or {}))


class BareServer(ServerProcess):
    """The baseline: :mod:`bench.bare_server` (python-socketio on eventlet, no database)."""

    name = "bare"

    def start(self, phase_id: int) -> None:
        argv = [sys.executable, "-m", "bench.bare_server", "--host", HOST]
        argv += ["--port", str(self.port), "--phase-id", str(phase_id)]
        self._spawn(argv, self.env())


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
            async with http.get(f"{self.server.url}/login") as page:
                if page.status != 200:
                    raise BenchError(f"GET /login answered {page.status}")
                token = csrf_token(await page.text())
            form = {
                "csrf_token": token,
                "email": FACILITATOR_EMAIL,
                "password": FACILITATOR_PASSWORD,
            }
            async with http.post(
                f"{self.server.url}/login", data=form, allow_redirects=False
            ) as response:
                if response.status != 302:
                    raise BenchError(f"POST /login answered {response.status}")
            return "; ".join(f"{c.key}={c.value}" for c in jar)

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
