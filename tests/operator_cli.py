"""Setting up a scratch Semis instance the way an operator would: ``flask`` commands.

Shared by the real-server tests (``tests/live_server.py``) and the benchmark
(``bench/servers.py``); it does not depend on pytest, so each caller decides how a
failed command fails.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
COMMAND_TIMEOUT = 60.0


class CommandFailed(RuntimeError):
    """A ``flask`` command exited with a non-zero status; the message has its output."""


def run_flask(env: Mapping[str, str], *args: str, stdin: str = "") -> str:
    """Run ``flask --app workshop ARGS`` with ``env``; its standard output."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and package
        [sys.executable, "-m", "flask", "--app", "workshop", *args],
        cwd=ROOT,
        env=dict(env),
        input=stdin.encode(),
        capture_output=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        raise CommandFailed(
            f"flask {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout.decode()}\n{result.stderr.decode()}"
        )
    return result.stdout.decode()


def prepare_workshop(
    flask: Callable[..., str], email: str, password: str, title: str
) -> dict[str, Any]:
    """Migrate a fresh database, create a facilitator and an opened marathon workshop
    with ``flask`` (a :func:`run_flask` bound to an instance); the workshop's links."""
    flask("db", "upgrade")
    flask("facilitators", "create", email, "--password-stdin", stdin=password + "\n")
    out = flask(
        "workshops",
        "create",
        "--title",
        title,
        "--format",
        "marathon",
        "--owner",
        email,
        "--open",
        "--json",
    )
    links: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return links
