"""The application factory: configuration layering, secret key, extensions."""

from __future__ import annotations

import pytest

from workshop import create_app, factory
from workshop.config import DEFAULT_SECRET_KEY, TestConfig
from workshop.extensions import socketio


def test_config_class_is_applied() -> None:
    app = create_app(TestConfig)
    assert app.testing
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"
    assert app.config["BROADCAST_WINDOW_MS"] == 0


def test_config_mapping_is_applied() -> None:
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "k", "DATABASE_URL": "sqlite://", "IDEA_RATE_PER_MINUTE": 3}
    )
    assert app.testing
    assert app.config["IDEA_RATE_PER_MINUTE"] == 3


def test_explicit_config_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKSHOP_IDEA_RATE_PER_MINUTE", "99")
    monkeypatch.setenv("WORKSHOP_REPLAY_LIMIT", "7")
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "k", "DATABASE_URL": "sqlite://", "IDEA_RATE_PER_MINUTE": 3}
    )
    assert app.config["IDEA_RATE_PER_MINUTE"] == 3
    assert app.config["REPLAY_LIMIT"] == 7  # parsed as JSON: an int


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db/semis", "postgresql+psycopg://u:p@db/semis"),
        ("postgresql://u:p@db/semis", "postgresql+psycopg://u:p@db/semis"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_database_url_is_normalised(given: str, expected: str) -> None:
    # load_config alone: the PostgreSQL driver is an optional extra.
    app = factory.make_flask()
    factory.load_config(app, {"TESTING": True, "SECRET_KEY": "k", "DATABASE_URL": given})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == expected


def test_async_mode_is_never_taken_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKSHOP_ASYNC_MODE", "eventlet")
    create_app(TestConfig)
    assert socketio.server.async_mode == "threading"


def test_production_refuses_the_default_secret_key() -> None:
    with pytest.raises(RuntimeError, match="WORKSHOP_SECRET_KEY"):
        create_app(
            {"ENV": "production", "SECRET_KEY": DEFAULT_SECRET_KEY, "DATABASE_URL": "sqlite://"}
        )


def test_development_keeps_a_random_key_in_the_instance_folder(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKSHOP_INSTANCE_PATH", str(tmp_path))
    first = create_app({"DATABASE_URL": "sqlite://"})
    second = create_app({"DATABASE_URL": "sqlite://"})
    assert first.config["SECRET_KEY"] != DEFAULT_SECRET_KEY
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]


def test_blueprints_and_commands_are_registered() -> None:
    app = create_app(TestConfig)
    assert {"main", "facilitator", "participant", "screen"} <= set(app.blueprints)
    assert {"facilitators", "workshops", "demo"} <= set(app.cli.commands)
    assert {"semis_presence", "semis_broadcaster", "semis_presence_notifier"} <= set(app.extensions)
