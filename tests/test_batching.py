"""workshop.batching.GroupCommit under real threads: every requester gets its own
result (or its own exception), requests queued together share a batch, keys are
processed apart, and leadership passes on so nobody is left waiting."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest

from workshop.batching import GroupCommit


class Recorder:
    def __init__(self, delay: float = 0.002) -> None:
        self.delay = delay
        self.batches: list[tuple[Any, list[int]]] = []
        self.lock = threading.Lock()

    def __call__(self, key: Any, items: list[int]) -> Sequence[Any]:
        time.sleep(self.delay)  # a transaction's length: others queue meanwhile
        with self.lock:
            self.batches.append((key, list(items)))
        return [ValueError(n) if n % 7 == 0 else (key, n * 10) for n in items]


def run_threads(writer: GroupCommit[int], requests: list[tuple[str, int]]) -> dict[int, Any]:
    answers: dict[int, Any] = {}
    start = threading.Barrier(len(requests))

    def one(key: str, n: int) -> None:
        start.wait()
        try:
            answers[n] = writer.submit(key, n)
        except ValueError as error:
            answers[n] = error

    threads = [threading.Thread(target=one, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a requester was left waiting"
    return answers


@pytest.mark.parametrize("max_batch", [200, 3])
def test_every_requester_gets_its_own_answer(max_batch: int) -> None:
    recorder = Recorder()
    writer: GroupCommit[int] = GroupCommit(
        process=recorder, create_event=threading.Event, sleep=time.sleep, max_batch=max_batch
    )
    requests = [("a" if n % 2 else "b", n) for n in range(1, 61)]
    answers = run_threads(writer, requests)
    for key, n in requests:
        if n % 7 == 0:
            assert isinstance(answers[n], ValueError) and answers[n].args == (n,)
        else:
            assert answers[n] == (key, n * 10)
    processed = sorted(n for _key, items in recorder.batches for n in items)
    assert processed == list(range(1, 61))  # each exactly once
    assert all(len({n % 2 for n in items}) == 1 for _key, items in recorder.batches)
    assert all(len(items) <= max_batch for _key, items in recorder.batches)
    # Sixty threads released at once while each batch takes a while: some share one.
    assert len(recorder.batches) < 60


def test_a_failing_batch_fails_its_requesters_only() -> None:
    calls: list[list[int]] = []

    def process(_key: Any, items: list[int]) -> list[int]:
        calls.append(items)
        if 13 in items:
            raise RuntimeError("database is locked")
        return items

    writer: GroupCommit[int] = GroupCommit(
        process=process, create_event=threading.Event, sleep=time.sleep
    )
    assert writer.submit("k", 1) == 1
    with pytest.raises(RuntimeError):
        writer.submit("k", 13)
    assert writer.submit("k", 2) == 2  # the writer goes on
