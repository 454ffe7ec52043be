"""The configuration a worker gets on PostgreSQL: the psycopg 3 driver and a pool fit for
hundreds of sockets per worker (no server needed)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from scripts.stack import ROOT
from workshop import create_app
from workshop.config import TestConfig


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg"])
def test_postgresql_urls_use_psycopg_and_a_pre_pinged_pool(scheme: str) -> None:
    app = create_app(
        type("PostgresConfig", (TestConfig,), {"DATABASE_URL": f"{scheme}://u:p@db/semis"})
    )
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db/semis"
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True
    assert options["pool_size"] + options["max_overflow"] == 30


def test_the_pool_can_be_configured() -> None:
    overrides = {
        "DATABASE_URL": "postgresql://u:p@db/semis",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 40},
    }
    app = create_app(type("PostgresConfig", (TestConfig,), overrides))
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_size"] == 40 and options["max_overflow"] == 20


def test_sqlite_keeps_its_own_options() -> None:
    app = create_app(TestConfig)
    assert "pool_pre_ping" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_under_eventlet_psycopg_waits_cooperatively() -> None:
    """psycopg only recognises gevent's patching; under eventlet its C wait would block
    the worker's every green thread for the length of each query."""
    probe = "import run, psycopg.waiting as w; print(w.wait.__name__)"
    env = {k: v for k, v in os.environ.items() if k != "PSYCOPG_WAIT_FUNC"}
    env |= {"WORKSHOP_ASYNC_MODE": "eventlet", "FLASK_SKIP_DOTENV": "1"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wait_select"]
