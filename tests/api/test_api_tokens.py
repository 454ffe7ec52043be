"""API tokens' scopes: "read" always, "import" and "write" on request."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from workshop.errors import ValidationError
from workshop.services import fabriques


@pytest.mark.parametrize(
    ("flags", "scopes"),
    [
        ([], "read"),
        (["--write"], "read write"),
        (["--import"], "read import"),
        (["--write", "--import"], "read import write"),
    ],
)
def test_tokens_create_gives_the_scopes_asked(
    app: Flask, runner: Any, flags: list[str], scopes: str
) -> None:
    runner.invoke(args=["fabriques", "create", "fab-scopes"])
    issued = runner.invoke(args=["tokens", "create", "fab-scopes", "--name", "outil", *flags])
    assert issued.exit_code == 0, issued.output
    with app.app_context():
        assert fabriques.authenticate_token(issued.stdout.strip()).scopes == scopes


def test_an_unknown_scope_is_refused(app: Flask, runner: Any) -> None:
    runner.invoke(args=["fabriques", "create", "fab-scopes"])
    with app.app_context():
        fabrique = fabriques.get_by_slug("fab-scopes")
        with pytest.raises(ValidationError):
            fabriques.issue_token(fabrique, "outil", ("read", "admin"))
