"""Run the grouping engine in a child process, so that a live server never waits on it.

The parent writes ``{"texts": [...], "k": int | null, "lang": "fr"}`` as JSON on the child's
standard input; the child (``python -m workshop.grouping.worker``) answers
``{"groups": [{"label": str, "members": [int, ...]}, ...]}`` on standard output, or
``{"error": str}`` with exit status 1.

Waiting uses :func:`subprocess.run`: under eventlet or gevent monkey-patching, ``subprocess``
is cooperative, so the event loop keeps serving while the child computes (the child also has
its own CPU time, on the other core).  This module imports neither numpy nor the engine:
calling it costs the server nothing but the wait.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from .result import Group

DEFAULT_TIMEOUT = 60.0
# One core for the child: the other stays with the server.
_ONE_CORE = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "BLIS_NUM_THREADS": "1",
}


class GroupingError(RuntimeError):
    """The worker failed, timed out or answered something unreadable."""


def suggest_groups_in_worker(
    texts: list[str], k: int | None = None, lang: str = "fr", timeout: float = DEFAULT_TIMEOUT
) -> list[Group]:
    """:func:`workshop.grouping.suggest_groups` in a child process; the same result.

    Raises ``ValueError``/``TypeError`` for bad arguments (checked here, before any process
    starts) and :class:`GroupingError` when the child fails or runs past ``timeout`` seconds
    (it is then killed).
    """
    _check_arguments(texts, k, lang)
    request = json.dumps({"texts": list(texts), "k": k, "lang": lang}, ensure_ascii=True)
    environment = {**os.environ, **_ONE_CORE, "PYTHONIOENCODING": "utf-8"}
    try:
        finished = subprocess.run(  # noqa: S603 — our own interpreter and module, no shell.
            [sys.executable, "-m", "workshop.grouping.worker"],
            input=request.encode("ascii"),
            capture_output=True,
            timeout=timeout,
            env=environment,
            cwd=_package_root(),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise GroupingError(f"grouping took longer than {timeout:g} s") from None
    except OSError as error:
        raise GroupingError(f"could not start the grouping worker: {error}") from None
    try:
        answer = json.loads(finished.stdout.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        tail = finished.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise GroupingError(
            f"grouping worker failed (exit {finished.returncode}): {' '.join(tail)}"
        ) from None
    if finished.returncode != 0 or "groups" not in answer:
        raise GroupingError(str(answer.get("error", f"exit status {finished.returncode}")))
    return [
        Group(str(group["label"]), [int(i) for i in group["members"]]) for group in answer["groups"]
    ]


def _check_arguments(texts: Any, k: Any, lang: Any) -> None:
    from .text import check_lang

    if isinstance(texts, str) or not all(isinstance(text, str) for text in texts):
        raise TypeError("texts must be a list of strings")
    if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
        raise ValueError("k must be a positive integer or None")
    check_lang(lang)


def _package_root() -> str:
    """The folder holding the ``workshop`` package, so ``-m`` finds it from any cwd."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main() -> int:
    """Read one request on stdin, write the groups (or an error) on stdout."""
    try:
        request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
        from .engine import suggest_groups

        groups = suggest_groups(request["texts"], request.get("k"), request.get("lang", "fr"))
    except Exception as error:  # Reported to the parent, which raises GroupingError.
        json.dump({"error": f"{type(error).__name__}: {error}"}, sys.stdout)
        return 1
    json.dump(
        {"groups": [{"label": g.label, "members": g.members} for g in groups]},
        sys.stdout,
        ensure_ascii=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
