"""Group commit: requests that arrive together are written in one transaction.

In a vote storm hundreds of phones send a dot each within milliseconds. Writing each
in its own transaction pays the lock, the phase read, the fact and the commit every
time; writing those that are waiting together pays them once per batch.

There is no background worker: the first request that finds nobody writing becomes
the *leader*. It gives the other handlers a moment to queue (one yield to the event
loop), takes everything queued, writes it with ``process`` and wakes each requester
with its own result. If more requests queued meanwhile, it hands the leadership to
the oldest of them, which writes the next batch in its own handler, and returns: no
request waits for more than the batch before its own. Only the async mode's event
and sleep are used, so this works the same under threading, eventlet and gevent.

``process(key, items)`` gets the items of one key (one workshop) in arrival order and
returns one result per item: a value, or an exception to raise in that requester.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .extensions import AsyncEvent

Item = TypeVar("Item")


@dataclass
class _Slot:
    event: AsyncEvent
    result: Any = None
    lead: bool = False


@dataclass
class _Queued(Generic[Item]):
    key: Any
    item: Item
    slot: _Slot


@dataclass
class GroupCommit(Generic[Item]):
    process: Callable[[Any, list[Item]], Sequence[Any]]
    create_event: Callable[[], AsyncEvent]
    sleep: Callable[[float], object]
    max_batch: int = 200
    _pending: list[_Queued[Item]] = field(default_factory=list)
    _leading: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def submit(self, key: Any, item: Item) -> Any:
        """Queue ``item``, wait until a batch holding it is written, return its result
        (or raise its exception)."""
        slot = _Slot(self.create_event())
        with self._lock:
            self._pending.append(_Queued(key, item, slot))
            lead = not self._leading
            self._leading = True
        if lead:
            self._lead()
        slot.event.wait()
        if slot.lead:  # handed the leadership: write the next batch, then our result
            slot.lead = False
            self._lead(yield_first=False)
        if isinstance(slot.result, BaseException):
            raise slot.result
        return slot.result

    def _lead(self, *, yield_first: bool = True) -> None:
        if yield_first:
            self.sleep(0)  # let handlers already woken queue their requests
        with self._lock:
            batch = self._pending[: self.max_batch]
            del self._pending[: self.max_batch]
        try:
            by_key: dict[Any, list[_Queued[Item]]] = {}
            for queued in batch:
                by_key.setdefault(queued.key, []).append(queued)
            for key, queued_items in by_key.items():
                try:
                    results = list(self.process(key, [q.item for q in queued_items]))
                except Exception as error:  # noqa: BLE001 - each requester gets it
                    results = [error] * len(queued_items)
                for queued, result in zip(queued_items, results, strict=True):
                    queued.slot.result = result
        finally:
            with self._lock:
                successor = self._pending[0].slot if self._pending else None
                if successor is None:
                    self._leading = False
                else:
                    successor.lead = True
            for queued in batch:
                if queued.slot is not successor:
                    queued.slot.event.set()
            if successor is not None:
                successor.event.set()
