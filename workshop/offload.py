"""Running CPU-bound work off the event loop, whatever the async mode.

Under eventlet or gevent one OS thread serves every connection of the process: a
function that computes for seconds (checking an imported file) freezes every phone for
that long. :func:`run_blocking` hands such a function to the async mode's pool of native
threads, which ``run.py`` registers with :func:`register` (``eventlet.tpool.execute``,
gevent's hub thread pool). The interpreter switches threads every few milliseconds
(``sys.getswitchinterval()``), so the event loop keeps answering while the function runs.
With no pool registered (threading mode, the ``flask`` commands, the tests) the function
is called directly: each request already has its own thread there.

The function runs in a copy of the caller's context (``contextvars``): the application
and request contexts, hence ``current_app``, ``gettext`` and the locale. It must only
compute: no database session, no Socket.IO, nothing of the async mode (green locks,
sockets, sleeps).
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, cast

from flask import Flask, current_app, has_app_context

#: The key of ``app.extensions`` holding the executor: ``executor(fn, *args)`` runs
#: ``fn(*args)`` in a native thread and returns its result (or raises its exception).
EXTENSION = "semis_offload"

Executor = Callable[..., Any]
P = ParamSpec("P")
T = TypeVar("T")


def register(app: Flask, executor: Executor) -> None:
    """Make :func:`run_blocking` hand its functions to ``executor`` in ``app``."""
    app.extensions[EXTENSION] = executor


def run_blocking(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)``, computed in a native thread when the app registered a
    pool, else here; its result, or its exception raised here."""
    executor: Executor | None = current_app.extensions.get(EXTENSION) if has_app_context() else None
    call = functools.partial(fn, *args, **kwargs)
    if executor is None:
        return call()
    context = contextvars.copy_context()
    ok, outcome = executor(context.run, _outcome, call)
    if not ok:
        raise outcome
    return cast(T, outcome)


def _outcome(call: Callable[[], Any]) -> tuple[bool, Any]:
    """``(True, result)`` or ``(False, exception)``: the exception is raised by the
    caller, not in the pool (gevent's would print it as a failure)."""
    try:
        return True, call()
    except Exception as error:  # noqa: BLE001 - handed back to the caller, raised there
        return False, error
