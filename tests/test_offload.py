"""workshop.offload: a direct call by default; with a registered pool, the function runs
in another thread, inside the caller's contexts, and its exception comes back."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask, current_app, request
from flask_babel import gettext as _

from workshop import offload
from workshop.errors import ValidationError


def where(tag: str) -> tuple[str, str, str, str]:
    return (tag, threading.current_thread().name, current_app.name, request.path)


def test_without_a_pool_the_call_is_direct(app: Flask) -> None:
    assert offload.run_blocking(lambda a, b=0: a + b, 1, b=2) == 3  # no app context
    with app.test_request_context("/x"):
        tag, thread, _app, path = offload.run_blocking(where, "t")
    assert (tag, thread, path) == ("t", threading.current_thread().name, "/x")


def test_a_registered_pool_runs_it_in_its_thread_with_the_contexts(app: Flask) -> None:
    pool = ThreadPoolExecutor(1, thread_name_prefix="offload")
    calls: list[int] = []

    def executor(fn: Callable[..., Any], *args: Any) -> Any:
        calls.append(1)
        return pool.submit(fn, *args).result()

    offload.register(app, executor)
    try:
        with app.test_request_context("/y", headers={"Accept-Language": "fr"}):
            _tag, thread, name, path = offload.run_blocking(where, "t")
            assert thread.startswith("offload") and (name, path) == (app.name, "/y")
            # gettext sees the request's language in the pool's thread.
            assert offload.run_blocking(_, "This file is empty.") == "Ce fichier est vide."

            def fail() -> None:
                raise ValidationError("no", reason="x")

            with pytest.raises(ValidationError):
                offload.run_blocking(fail)
        assert len(calls) == 3
    finally:
        app.extensions.pop(offload.EXTENSION)
        pool.shutdown()
