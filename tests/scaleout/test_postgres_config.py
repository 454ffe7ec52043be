"""The configuration a worker gets on PostgreSQL: the psycopg 3 driver and a pool fit for
hundreds of sockets per worker (no server needed)."""

from __future__ import annotations

import pytest

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
