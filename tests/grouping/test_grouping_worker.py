"""The worker process gives the same groups as the engine in this process, and lives on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from workshop.grouping import GroupingError, suggest_groups, suggest_groups_in_worker, worker

IDEAS = [
    "Plus de pistes cyclables",
    "Des vélos en libre-service",
    "Un jardin partagé",
    "Planter des arbres",
    "Une épicerie solidaire",
    "Un repas partagé pour les aînés",
]


@pytest.fixture(autouse=True)
def fresh_worker() -> Iterator[None]:
    worker.stop_worker()
    yield
    worker.stop_worker()


def running_pid() -> int:
    assert worker._child is not None
    return worker._child.process.pid


def test_worker_returns_what_the_engine_returns() -> None:
    assert suggest_groups_in_worker(IDEAS, 3, "fr", timeout=60) == suggest_groups(IDEAS, 3, "fr")


def test_one_worker_serves_one_request_after_another() -> None:
    first = suggest_groups_in_worker(IDEAS, 3, "fr", timeout=60)
    pid = running_pid()
    assert suggest_groups_in_worker(IDEAS, 2, "fr", timeout=60) == suggest_groups(IDEAS, 2, "fr")
    assert suggest_groups_in_worker(IDEAS, 3, "fr", timeout=60) == first
    assert running_pid() == pid


def test_concurrent_requests_each_get_their_answer() -> None:
    answers: dict[int, object] = {}

    def ask(k: int) -> None:
        answers[k] = suggest_groups_in_worker(IDEAS, k, "fr", timeout=120)

    threads = [threading.Thread(target=ask, args=(k,)) for k in (2, 3, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {k: suggest_groups(IDEAS, k, "fr") for k in (2, 3, 4)}


def test_a_dead_worker_is_replaced() -> None:
    suggest_groups_in_worker(IDEAS, 2, "fr", timeout=60)
    pid = running_pid()
    os.kill(pid, signal.SIGKILL)
    assert worker._child is not None
    worker._child.process.wait()
    assert suggest_groups_in_worker(IDEAS, 3, "fr", timeout=60) == suggest_groups(IDEAS, 3, "fr")
    assert running_pid() != pid


def test_a_worker_dying_during_a_request_is_retried_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    suggest_groups_in_worker(IDEAS, 2, "fr", timeout=60)
    child = worker._child
    assert child is not None
    ask = child.ask

    def dies_first(request: bytes, timeout: float) -> bytes:
        child.process.kill()  # As if it had just left, idle, when the request came.
        child.process.wait()
        return ask(request, timeout)

    monkeypatch.setattr(child, "ask", dies_first)
    assert suggest_groups_in_worker(IDEAS, 3, "fr", timeout=60) == suggest_groups(IDEAS, 3, "fr")
    assert worker._child is not child


def test_an_idle_worker_leaves_and_the_next_request_starts_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker, "IDLE_SECONDS", 0.5)
    suggest_groups_in_worker(IDEAS, 2, "fr", timeout=60)
    assert worker._child is not None
    process = worker._child.process
    assert process.wait(timeout=60) == 0
    assert suggest_groups_in_worker(IDEAS, 3, "fr", timeout=60) == suggest_groups(IDEAS, 3, "fr")
    assert worker._child is not None and worker._child.process is not process


def test_worker_leaves_when_its_input_closes() -> None:
    suggest_groups_in_worker(IDEAS, 2, "fr", timeout=60)
    assert worker._child is not None
    process = worker._child.process
    worker.stop_worker()
    assert process.returncode == 0
    assert worker._child is None


def test_worker_checks_arguments_before_starting() -> None:
    with pytest.raises(ValueError):
        suggest_groups_in_worker(IDEAS, 0, "fr")
    with pytest.raises(ValueError):
        suggest_groups_in_worker(IDEAS, 2, "xx")
    assert worker._child is None


def test_worker_timeout_is_an_error_and_the_next_request_works() -> None:
    with pytest.raises(GroupingError, match="longer than"):
        suggest_groups_in_worker(IDEAS, 2, "fr", timeout=0.001)
    assert worker._child is None
    assert suggest_groups_in_worker(IDEAS, 2, "fr", timeout=60) == suggest_groups(IDEAS, 2, "fr")


def test_worker_failure_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker.sys, "executable", "/nonexistent/python")
    with pytest.raises(GroupingError, match="could not start"):
        suggest_groups_in_worker(IDEAS, 2, "fr")


def test_a_worker_that_cannot_run_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker.sys, "executable", "/bin/false")  # Starts, then exits at once.
    with pytest.raises(GroupingError, match="stopped"):
        suggest_groups_in_worker(IDEAS, 2, "fr", timeout=60)


def test_engine_errors_are_reported() -> None:
    child = subprocess.run(
        [sys.executable, "-m", "workshop.grouping"],
        input=b'{"texts": ["a", "b"], "k": 2, "lang": "xx"}\nnot json\n\n'
        b'{"texts": ["un jardin", "des arbres"], "k": 1}',
        capture_output=True,
        timeout=120,
        check=True,
    )
    answers = child.stdout.decode().splitlines()
    assert len(answers) == 3
    assert "unsupported language" in answers[0]
    assert answers[1].startswith('{"error": "JSONDecodeError')
    assert answers[2].startswith('{"groups": [{"label"')


def test_library_output_cannot_break_the_protocol() -> None:
    code = (
        "import sys; sys.argv = ['worker']; from workshop.grouping import worker, engine; "
        "original = engine.suggest_groups\n"
        "def noisy(*a):\n    print('chatty library'); return original(*a)\n"
        "engine.suggest_groups = noisy; sys.exit(worker.main([]))"
    )
    child = subprocess.run(
        [sys.executable, "-c", code],
        input=b'{"texts": ["un jardin", "des arbres"], "k": 1}\n',
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert child.stdout.decode().startswith('{"groups"')
    assert b"chatty library" in child.stderr
