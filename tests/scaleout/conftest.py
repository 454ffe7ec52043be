"""Scale-out fixtures: a real stack (PostgreSQL, Redis, two run.py workers, nginx) from
:mod:`scripts.stack`, on loopback ports.

Locally a missing program skips these tests with the ``apt-get install`` line to type;
with ``SEMIS_REQUIRE_SCALEOUT=1`` (CI) it fails them instead. nginx is optional locally:
without it the clients talk to the workers directly, and the tests that need the proxy
skip.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from scripts.launcher import free_port
from scripts.stack import Stack, StackError, missing_tools, redis_server, start_stack

REQUIRED = os.environ.get("SEMIS_REQUIRE_SCALEOUT") == "1"


def require(nginx: bool = False) -> None:
    """Skip (or, when required, fail) unless the stack's programs are installed."""
    missing = missing_tools(nginx)
    if not missing:
        return
    message = "scale-out tests need " + ", ".join(missing)
    if REQUIRED:
        pytest.fail(message + " (SEMIS_REQUIRE_SCALEOUT=1)", pytrace=False)
    pytest.skip(message)


def has_nginx() -> bool:
    return REQUIRED or not missing_tools(nginx=True)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server on a loopback port (for unit tests of the Redis parts)."""
    require()
    workdir: Path = tmp_path_factory.mktemp("redis")
    port = free_port()
    child = redis_server(workdir, port)
    child.spawn()
    client = redis.Redis(port=port)
    try:
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if not child.alive():
                    pytest.fail("redis-server exited:\n" + child.log())
                time.sleep(0.05)
        else:
            pytest.fail("redis-server did not answer:\n" + child.log())
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        child.stop()


@pytest.fixture(scope="module")
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    """Two workers behind nginx (when installed), on PostgreSQL and Redis."""
    require(nginx=REQUIRED)
    failures_before = request.session.testsfailed
    try:
        running = start_stack(workers=2, nginx=has_nginx())
    except StackError as error:
        pytest.fail(f"the stack did not start: {error}", pytrace=False)
    try:
        yield running
    finally:
        if request.session.testsfailed > failures_before:
            for name, log in running.logs().items():
                print(f"\n===== {name} log =====\n" + "\n".join(log.splitlines()[-80:]))
        running.stop()
