"""Starting and stopping the programs Semis is tried against, for everyone who does:
the scale-out stack (:mod:`scripts.stack`, ``make stack``), the benchmarks (``bench/``)
and the tests that start real servers (``tests/live_server.py``, ``tests/scaleout``).

It lives in ``scripts/`` because ``make stack`` runs with the runtime dependencies only:
this module uses the standard library and nothing else, and ``scripts`` is a package that
``python -m bench``, pytest (``pythonpath = ["."]``) and ``python -m scripts.stack`` all
import from the repository's root. It is not part of the wheel.

- :func:`free_ports` picks several loopback ports at once, each socket held until all are
  picked, so that no port is handed out twice (a worker and nginx once fought over one).
- :class:`Process` is a child program whose output goes to a log file, in a session of
  its own (a Ctrl-C in the terminal reaches the parent only, which stops its children
  in order); :meth:`Process.stop` sends a signal, waits, then kills. Every process still
  running when the interpreter exits is stopped then too.
- :class:`Server` is a :class:`Process` that listens on a port and counts as started
  only when its ``/healthz`` answers ``{"status": "ok"}`` (and, when asked, with a given
  ``Server`` header: nginx must not be mistaken for what it proxies, or for another
  program on its port).
- :func:`run_py` is the real ``run.py`` on a port, :func:`scratch_env` the environment
  of a throwaway instance directory (SQLite), :func:`clean_env` the environment without
  the caller's own ``WORKSHOP_*`` and ``FLASK_*`` settings.

Failures raise :class:`LaunchError` with the end of the program's log; each caller turns
it into its own failure (``pytest.fail``, ``BenchError``, ``StackError``).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
STARTUP_TIMEOUT = 40.0
STOP_TIMEOUT = 10.0


class LaunchError(RuntimeError):
    """A program could not be started (or exited while starting); the message says which
    and ends with its log."""


# ------------------------------------------------------------------- ports


def free_ports(count: int, host: str = HOST) -> list[int]:
    """``count`` distinct free ports on ``host``: every socket stays bound until all are
    picked, or the kernel may hand the same port out twice."""
    with contextlib.ExitStack() as sockets:
        ports = []
        for _ in range(count):
            sock = sockets.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((host, 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def free_port(host: str = HOST) -> int:
    return free_ports(1, host)[0]


def port_open(port: int, host: str = HOST) -> bool:
    """Something accepts TCP connections on ``port``."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def healthy(url: str, server: str | None = None) -> bool:
    """``url/healthz`` answers 200 with ``{"status": "ok"}`` (through ``server``, by the
    answer's ``Server`` header, when given)."""
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
            through = server is None or response.headers.get("Server", "").startswith(server)
            body = json.loads(response.read() or b"null")
            return bool(response.status == 200 and through and body == {"status": "ok"})
    except (urllib.error.URLError, OSError, ValueError):
        return False


# ------------------------------------------------------------------- waiting and logs


def tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a log file."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def wait_until(
    ready: Callable[[], bool],
    what: str,
    *,
    alive: Callable[[], bool] = lambda: True,
    log: Path | None = None,
    timeout: float = STARTUP_TIMEOUT,
) -> None:
    """Poll ``ready()`` every 0.1 s; :class:`LaunchError` (with the end of ``log``) when
    the program is no longer ``alive()`` or ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise LaunchError(f"{what} exited while starting:\n{_tail(log)}")
        if ready():
            return
        time.sleep(0.1)
    raise LaunchError(f"{what} not ready after {timeout:.0f} s:\n{_tail(log)}")


def _tail(log: Path | None) -> str:
    return "(no log)" if log is None else tail(log)


# ------------------------------------------------------------------- environments


def clean_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (this process's environment by default) without its ``WORKSHOP_*`` and
    ``FLASK_*`` variables, no ``.env`` file read, unbuffered output: what a child starts
    from before it is given its own settings."""
    env = {
        key: value
        for key, value in (os.environ if base is None else base).items()
        if not key.startswith(("WORKSHOP_", "FLASK_"))
    }
    return env | {"FLASK_SKIP_DOTENV": "1", "PYTHONUNBUFFERED": "1"}


def scratch_env(instance: Path, public_url: str) -> dict[str, str]:
    """:func:`clean_env` for a throwaway instance directory: its SQLite file (whatever a
    ``.env`` or the caller's environment says) and its secret key."""
    return clean_env() | {
        "WORKSHOP_INSTANCE_PATH": str(instance),
        # Empty: the default SQLite file in the instance directory.
        "WORKSHOP_DATABASE_URL": "",
        "WORKSHOP_PUBLIC_URL": public_url,
    }


# ------------------------------------------------------------------- processes

_RUNNING: weakref.WeakSet[Process] = weakref.WeakSet()


@dataclass(eq=False)
class Process:
    """A child program, its output appended to ``log_path``; :meth:`stop` ends it.

    It runs in a session of its own (``new_session``), so Ctrl-C reaches the parent only,
    and the parent stops its children in the order it wants. Whatever is still running
    when the interpreter exits is stopped then."""

    name: str
    argv: list[str]
    log_path: Path
    env: dict[str, str] | None = None
    cwd: Path = ROOT
    new_session: bool = True
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    starts: int = 0
    _log: IO[bytes] | None = field(default=None, repr=False)

    def spawn(self, banner: str | None = None) -> None:
        """Start the program (not waiting for anything); ``banner`` opens its part of
        the log."""
        if self.alive():
            raise LaunchError(f"{self.name} is already running")
        self.stop()  # an exited one: close its log
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.starts += 1
        if banner is not None:
            self._log.write(f"----- {banner} -----\n".encode())
            self._log.flush()
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our own programs and arguments
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=self.new_session,
            )
        except OSError as error:
            self.stop()
            raise LaunchError(f"{self.name}: cannot run {self.argv[0]}: {error}") from None
        _RUNNING.add(self)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> int | None:
        """Send ``sig`` (SIGKILL: no chance to clean up), wait ``timeout`` seconds, kill
        if need be; the exit status (negative: the signal), ``None`` if not started."""
        process, self.process = self.process, None
        code = None
        if process is not None:
            if process.poll() is None:
                process.send_signal(sig)
                try:
                    process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=timeout)
            code = process.returncode
        if self._log is not None:
            self._log.close()
            self._log = None
        _RUNNING.discard(self)
        return code

    def kill(self) -> int | None:
        return self.stop(signal.SIGKILL)

    def log(self) -> str:
        """The whole log so far."""
        if self._log is not None:
            self._log.flush()
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:]) or "(empty log)"


@dataclass(eq=False)
class Server(Process):
    """A :class:`Process` serving HTTP on ``port``: :meth:`start` returns once its
    ``/healthz`` answers (through a program whose ``Server`` header starts with
    ``server_header``, when set)."""

    port: int = 0
    host: str = HOST
    server_header: str | None = None
    startup_timeout: float = STARTUP_TIMEOUT

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, banner: str | None = None) -> None:
        self.spawn(banner)
        self.wait_healthy()

    def wait_healthy(self) -> None:
        wait_until(
            lambda: healthy(self.url, self.server_header),
            f"{self.name} (on port {self.port})",
            alive=self.alive,
            log=self.log_path,
            timeout=self.startup_timeout,
        )


def run_py(
    name: str, port: int, env: Mapping[str, str], log_path: Path, host: str = HOST
) -> Server:
    """The real ``run.py`` (the production server) on ``host:port`` with ``env``."""
    return Server(
        name,
        [sys.executable, "run.py"],
        log_path,
        dict(env) | {"HOST": host, "PORT": str(port)},
        port=port,
        host=host,
    )


@atexit.register
def _stop_everything() -> None:
    for process in list(_RUNNING):
        with contextlib.suppress(Exception):
            process.stop(timeout=5)
