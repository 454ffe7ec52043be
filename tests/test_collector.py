"""What keeps the garbage collector from stalling every connection: no reference cycle
per Socket.IO event, and the server's collector policy (workshop/collector.py)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import textwrap
import weakref

import pytest
from flask import Flask, request

from workshop import collector


@pytest.mark.parametrize(
    "headers",
    [{}, {"Upgrade": "websocket", "Connection": "Upgrade"}],
    ids=["polling", "websocket"],
)
def test_socketio_handshake_url_matches_a_rule(app: Flask, headers: dict[str, str]) -> None:
    # Flask-SocketIO runs every event in a request context built from the handshake's
    # environ; a failed match would keep a NotFound and its traceback (a cycle) each time.
    with app.test_request_context("/socket.io/?EIO=4&transport=websocket", headers=headers):
        assert request.routing_exception is None


def test_socketio_path_is_still_answered_by_engineio(app: Flask) -> None:
    response = app.test_client().get("/socket.io/")
    assert response.status_code == 400  # engine.io: no EIO / transport; Flask never sees it
    assert b"Not Found" not in response.data


def test_collect_old_frees_cycles_and_times_itself() -> None:
    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a  # type: ignore[attr-defined]
    left = weakref.ref(a)
    del a, b
    assert left() is not None  # a cycle: only the collector frees it
    assert collector.collect_old() >= 0.0
    # The cycle is gone. (Not gc.get_count(): on a slow machine the collection logs a
    # warning, and logging allocates, so the counters may grow again at once.)
    assert left() is None
    assert not [o for o in gc.get_objects() if type(o).__name__ == "Node"]


def test_tune_freezes_startup_and_moves_full_collections_to_a_task() -> None:
    # In a child process: freezing and thresholds are process-wide.
    script = textwrap.dedent(
        """
        import gc, json
        from workshop import collector
        started = []
        collector.tune(lambda *args: started.append(args), lambda s: None, period_s=7.0)
        print(json.dumps({
            "frozen": gc.get_freeze_count(),
            "threshold": gc.get_threshold(),
            "task": [started[0][0].__name__, started[0][2]],
        }))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    report = json.loads(result.stdout)
    assert report["frozen"] > 1000  # the interpreter and workshop's imports
    assert report["threshold"][2] == collector.NEVER
    assert report["threshold"][:2] == list(gc.get_threshold()[:2])
    assert report["task"] == ["_collect_forever", 7.0]


def test_background_task_collects_every_period() -> None:
    sleeps: list[float] = []

    class Stop(Exception):
        pass

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 3:
            raise Stop

    with pytest.raises(Stop):
        collector._collect_forever(sleep, 5.0)
    assert sleeps == [5.0, 5.0, 5.0]
