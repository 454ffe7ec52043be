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
    from . import setup

    app = setup.make_flask()
    setup.load_config(app, config)
    setup.check_secret_key(app)
    setup.configure_logging(app)
    setup.configure_proxy(app)
    setup.init_database(app)
    setup.init_extensions(app)
    setup.register_blueprints(app)
    setup.register_error_handlers(app)
    setup.register_security_headers(app)
    setup.register_commands(app)
    return app
