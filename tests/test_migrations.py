"""The migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import Column, Integer, MetaData, inspect

from workshop import create_app
from workshop.config import TestConfig
from workshop.extensions import db


@pytest.fixture(autouse=True)
def _keep_logging() -> Iterator[None]:
    """migrations/env.py runs ``fileConfig``, which disables every logger it does not
    name and replaces the root handlers; undo that for the tests that follow."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    disabled = {
        name: logger.disabled
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    yield
    root.handlers[:], root.level = handlers, level
    for name, logger in logging.root.manager.loggerDict.items():
        if isinstance(logger, logging.Logger):
            logger.disabled = disabled.get(name, False)


@pytest.fixture
def file_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """An app on an empty SQLite file (migrations need a real file, not memory)."""
    monkeypatch.setenv("WORKSHOP_INSTANCE_PATH", str(tmp_path))
    config = type(
        "MigrationTestConfig",
        (TestConfig,),
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'semis.sqlite3'}"},
    )
    app = create_app(config)
    yield app
    with app.app_context():
        db.engine.dispose()


def schema_diff(app: Flask, metadata: MetaData | None = None) -> list[object]:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": False}
        )
        return list(compare_metadata(context, metadata or db.metadata))


def tables(app: Flask) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def test_upgrade_builds_the_models_schema(file_app: Flask) -> None:
    with file_app.app_context():
        flask_migrate.upgrade()
    assert tables(file_app) == set(db.metadata.tables) | {"alembic_version"}
    assert schema_diff(file_app) == []


def test_the_comparison_would_see_a_missing_column(file_app: Flask) -> None:
    with file_app.app_context():
        flask_migrate.upgrade()
    changed = MetaData()
    for table in db.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["ideas"].append_column(Column("votes", Integer))
    assert [diff[0] for diff in schema_diff(file_app, changed)] == ["add_column"]


def test_downgrade_to_base_and_upgrade_again(file_app: Flask) -> None:
    with file_app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
    assert tables(file_app) == {"alembic_version"}
    with file_app.app_context():
        flask_migrate.upgrade()
    assert schema_diff(file_app) == []


def test_the_migrated_database_works(file_app: Flask) -> None:
    from tests.factories import make_idea, make_workshop

    with file_app.app_context():
        flask_migrate.upgrade()
        workshop = make_workshop()
        assert make_idea(workshop).id


def test_the_territory_code_holds_a_siren_number_and_goes_back(file_app: Flask) -> None:
    """f3a5c7e9b1d4 widens ``qualifications.insee_code`` to a SIREN number's 9 digits;
    going back empties the codes that no longer fit and keeps the communes' codes."""
    from sqlalchemy import text

    from tests.factories import make_idea, make_workshop
    from workshop.models import Qualification

    with file_app.app_context():
        flask_migrate.upgrade()
        workshop = make_workshop()
        for code in ("200054781", "2A004"):
            idea = make_idea(workshop)
            db.session.add(Qualification(workshop_id=workshop.id, idea_id=idea.id, insee_code=code))
        db.session.commit()
        codes = "SELECT insee_code FROM qualifications ORDER BY id"
        assert [row[0] for row in db.session.execute(text(codes))] == ["200054781", "2A004"]
        db.session.remove()
        flask_migrate.downgrade(revision="d5e7f9a1b3c4")
        assert [row[0] for row in db.session.execute(text(codes))] == [None, "2A004"]
        db.session.remove()
        flask_migrate.upgrade()
    assert schema_diff(file_app) == []
