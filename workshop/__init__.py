"""Semis: a live ideation workshop tool. ``create_app`` is the only thing defined here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(config: type | Mapping[str, Any] | None = None) -> Flask:
    """Build the application: defaults, then ``WORKSHOP_*`` variables, then ``config``.

    ``config`` is a class (``TestConfig``) or a mapping; it wins over the environment,
    so a test never picks up a developer's database by accident.
    """
    from . import factory

    app = factory.make_flask()
    factory.load_config(app, config)
    factory.check_secret_key(app)
    factory.configure_logging(app)
    factory.configure_proxy(app)
    factory.init_database(app)
    factory.init_extensions(app)
    factory.register_blueprints(app)
    factory.register_error_handlers(app)
    factory.register_security_headers(app)
    factory.register_commands(app)
    return app
