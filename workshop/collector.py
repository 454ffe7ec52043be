"""The server process's garbage-collector policy: no full collection in the middle of a
burst.

CPython's collector runs a full (generation 2) collection whenever the objects that
survived into the oldest generation grew by a quarter. A server holding 1,000
connections keeps a few hundred thousand objects alive, and a burst (a vote storm: a
few hundred events a second, each tally sent to every phone) promotes enough short-lived
ones to trigger a full collection every two or three seconds. Each one walks every live
object while the event loop waits: 50 ms with the start-up objects frozen, 150 ms
without (``make bench``, docs/performance.md), and every connection stalls meanwhile.

So the server (``run.py``) calls :func:`tune` once, after start-up:

- what start-up created (modules, the app, scikit-learn) is collected once and then
  frozen, out of every later collection's walk;
- the young generations keep CPython's automatic collections (they are short);
- full collections happen on a fixed period, from a background task, instead of
  whenever the quarter rule fires: cyclic garbage that reached the old generation waits
  at most ``period_s`` before it is freed.

Only the async mode's ``start_task`` and ``sleep`` are used, so this is the same under
eventlet, gevent and threading.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_PERIOD_S = 60.0
# Generation 2 is collected when more than this many generation-1 collections happened
# since the last one (and the quarter rule holds): never, in practice; see `_collect`.
NEVER = 1_000_000_000
SLOW_COLLECTION_MS = 100.0


def tune(
    start_task: Callable[..., Any],
    sleep: Callable[[float], Any],
    period_s: float = DEFAULT_PERIOD_S,
) -> None:
    """Freeze what start-up made, and move full collections to a background task."""
    gc.collect()
    gc.freeze()
    young, middle, _old = gc.get_threshold()
    gc.set_threshold(young, middle, NEVER)
    start_task(_collect_forever, sleep, period_s)


def _collect_forever(sleep: Callable[[float], Any], period_s: float) -> None:
    while True:
        sleep(period_s)
        collect_old()


def collect_old() -> float:
    """One full collection; returns how long it took, in milliseconds."""
    started = time.perf_counter()
    gc.collect()
    elapsed_ms = (time.perf_counter() - started) * 1000
    if elapsed_ms > SLOW_COLLECTION_MS:
        log.warning("full garbage collection took %.0f ms", elapsed_ms)
    return elapsed_ms
