"""Run the grouping engine in a child process, so that a live server never waits on it.

One child per server process, started on the first request and kept: it loads the sentence
encoder once (imports and weights: about 2 s) and keeps the engine's caches, so the next
suggestion (another k, a few more ideas) only encodes what changed.  Requests are served one
at a time (the child has one core; the other stays with the server).

Protocol, one JSON object per line: the parent writes ``{"texts": [...], "k": int | null,
"lang": "fr"}`` on the child's standard input; the child (``python -m
workshop.grouping``) answers ``{"groups": [{"label": str, "members": [int, ...]},
...]}`` or ``{"error": str}`` on its standard output.  The child exits when its input closes
(the server went away) or after :data:`IDLE_SECONDS` without a request, which frees its
memory (about 350 MB after grouping 1,000 ideas); the next request starts a new one.

Waiting is cooperative under eventlet or gevent monkey-patching (their ``subprocess`` pipes
and ``threading`` locks and timers are green), so the event loop keeps serving while the
child computes.  This module imports neither numpy nor the engine: calling it costs the
server nothing but the wait.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import threading
import time
from typing import IO, Any

from .result import Group

DEFAULT_TIMEOUT = 60.0
# A child with nothing to do for this long exits (checked where the OS can wait on a pipe).
IDLE_SECONDS = 15 * 60
# One core for the child: the other stays with the server.
_ONE_CORE = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "BLIS_NUM_THREADS": "1",
}


class GroupingError(RuntimeError):
    """The worker failed, timed out or answered something unreadable."""


class _Child:
    """One running worker process and the pipes to it."""

    def __init__(self) -> None:
        environment = {**os.environ, **_ONE_CORE, "PYTHONIOENCODING": "utf-8"}
        self.owner = os.getpid()
        self.served = 0
        self.expired = False
        self.process = subprocess.Popen(  # noqa: S603 — our own interpreter and module, no shell.
            [sys.executable, "-m", "workshop.grouping", "--idle", f"{IDLE_SECONDS:g}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=environment,
            cwd=_package_root(),
        )

    def alive(self) -> bool:
        return self.owner == os.getpid() and self.process.poll() is None

    def ask(self, request: bytes, timeout: float) -> bytes:
        """Send one request line and read the answer line (empty if the child died)."""
        pipe_in, pipe_out = self.process.stdin, self.process.stdout
        if pipe_in is None or pipe_out is None:  # Popen was asked for both pipes.
            raise GroupingError("the grouping worker has no pipes")
        watchdog = threading.Timer(timeout, self._expire)
        watchdog.daemon = True
        watchdog.start()
        try:
            pipe_in.write(request + b"\n")
            pipe_in.flush()
            return pipe_out.readline()
        except (OSError, ValueError):  # Broken pipe: the child is gone.
            return b""
        finally:
            watchdog.cancel()

    def _expire(self) -> None:
        self.expired = True
        self.process.kill()

    def stop(self) -> None:
        """Close the child's input (it exits) and reap it; kill it if it lingers."""
        if self.owner != os.getpid():
            return
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
            self.process.wait(timeout=5)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


_lock = threading.Lock()
_child: _Child | None = None


def suggest_groups_in_worker(
    texts: list[str], k: int | None = None, lang: str = "fr", timeout: float = DEFAULT_TIMEOUT
) -> list[Group]:
    """:func:`workshop.grouping.suggest_groups` in the worker process; the same result.

    Raises ``ValueError``/``TypeError`` for bad arguments (checked here, before any process
    is involved) and :class:`GroupingError` when the worker fails, or when the answer does
    not come within ``timeout`` seconds, waiting for another request included (the worker
    is then killed; the next request starts a new one).
    """
    global _child
    _check_arguments(texts, k, lang)
    request = json.dumps({"texts": list(texts), "k": k, "lang": lang}, ensure_ascii=True)
    deadline = time.monotonic() + timeout
    if not _lock.acquire(timeout=max(timeout, 0.0)):
        raise GroupingError(f"grouping took longer than {timeout:g} s (worker busy)")
    try:
        for attempt in range(2):
            if _child is None or not _child.alive():
                if _child is not None:
                    _child.stop()  # Reap it and close its pipes.
                try:
                    _child = _Child()
                except OSError as error:
                    _child = None
                    raise GroupingError(f"could not start the grouping worker: {error}") from None
            child = _child
            line = child.ask(request.encode("ascii"), max(deadline - time.monotonic(), 0.0))
            if line:
                child.served += 1
                break
            child.stop()
            _child = None
            if child.expired:
                raise GroupingError(f"grouping took longer than {timeout:g} s")
            # A worker that had served before may have just left (idle); one more try.
            if attempt or not child.served:
                raise GroupingError(
                    f"grouping worker stopped (exit status {child.process.returncode})"
                )
    finally:
        _lock.release()
    try:
        answer = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise GroupingError("grouping worker answered something unreadable") from None
    if "groups" not in answer:
        raise GroupingError(str(answer.get("error", "no groups in the answer")))
    return [
        Group(str(group["label"]), [int(i) for i in group["members"]]) for group in answer["groups"]
    ]


def stop_worker() -> None:
    """Stop this process's worker, if it runs (the next request starts a new one)."""
    global _child
    with _lock:
        if _child is not None:
            _child.stop()
            _child = None


atexit.register(stop_worker)


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


def _lines(stream: IO[bytes], idle: float | None) -> Any:
    """The lines of ``stream`` until it closes, or until ``idle`` seconds pass without one.

    A last line without its newline is still yielded.  The idle limit needs an OS that can
    wait on a pipe (not Windows, where the child stays until its input closes).
    """
    import select

    descriptor = stream.fileno()
    pending = b""
    while True:
        while b"\n" not in pending:
            if idle is not None and os.name != "nt":
                ready, _, _ = select.select([descriptor], [], [], idle)
                if not ready:
                    return
            chunk = os.read(descriptor, 1 << 16)
            if not chunk:
                if pending.strip():
                    yield pending
                return
            pending += chunk
        line, pending = pending.split(b"\n", 1)
        yield line


def _answer(line: bytes) -> dict[str, Any]:
    try:
        request = json.loads(line.decode("utf-8"))
        from .engine import suggest_groups

        groups = suggest_groups(request["texts"], request.get("k"), request.get("lang", "fr"))
    except Exception as error:  # Reported to the parent, which raises GroupingError.
        return {"error": f"{type(error).__name__}: {error}"}
    return {"groups": [{"label": g.label, "members": g.members} for g in groups]}


def main(argv: list[str] | None = None) -> int:
    """Serve requests from standard input, one JSON line each, until it closes or idles."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m workshop.grouping")
    parser.add_argument("--idle", type=float, default=None, help="exit after this many idle s")
    options = parser.parse_args(argv)
    # Answers go to the original standard output; anything else a library prints there
    # goes to standard error instead, so it cannot break the protocol.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="ascii")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    from .features import load_model  # The imports and the model, before the first request.

    load_model()
    for line in _lines(sys.stdin.buffer, options.idle):
        if not line.strip():
            continue
        answers.write(json.dumps(_answer(line), ensure_ascii=True) + "\n")
        answers.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
