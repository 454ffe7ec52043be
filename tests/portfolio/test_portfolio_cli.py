"""``flask --app workshop import | fabriques | tokens``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from tests.factories import make_facilitator
from tests.portfolio.conftest import build_document, idea
from workshop.extensions import db
from workshop.models import ApiToken, Fabrique, PortfolioIdea
from workshop.services import fabriques


def test_create_a_fabrique_with_members_and_manage_them(app: Flask, runner: Any) -> None:
    with app.app_context():
        email = make_facilitator().email
    result = runner.invoke(
        args=["fabriques", "create", "fab-ardeche", "--name", "Fabrique Ardèche", "--member", email]
    )
    assert result.exit_code == 0, result.output
    assert "fab-ardeche" in runner.invoke(args=["fabriques", "list"]).output
    assert runner.invoke(args=["fabriques", "create", "fab-ardeche"]).exit_code != 0
    assert runner.invoke(args=["fabriques", "create", "Pas Un Slug!"]).exit_code != 0
    assert (
        runner.invoke(args=["fabriques", "create", "x", "--member", "nobody@example.org"]).exit_code
        != 0
    )
    assert (
        "already was"
        in runner.invoke(args=["fabriques", "add-member", "fab-ardeche", email]).output
    )
    assert runner.invoke(args=["fabriques", "remove-member", "fab-ardeche", email]).exit_code == 0
    assert runner.invoke(args=["fabriques", "remove-member", "fab-ardeche", email]).exit_code != 0
    with app.app_context():
        assert db.session.scalar(select(Fabrique.name)) == "Fabrique Ardèche"


def test_import_a_file_twice_from_the_command_line(app: Flask, runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(build_document(ideas=[idea(1, "Ressourcerie")]), ensure_ascii=False))
    assert "no Fabrique yet" in runner.invoke(args=["import", str(path)]).output
    runner.invoke(args=["fabriques", "create", "fab-one"])
    first = runner.invoke(args=["import", str(path), "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["status"] == "created"
    again = runner.invoke(args=["import", str(path)])
    assert again.exit_code == 0 and again.output.startswith("unchanged")
    runner.invoke(args=["fabriques", "create", "fab-two"])
    ambiguous = runner.invoke(args=["import", str(path)])
    assert ambiguous.exit_code != 0 and "--fabrique" in ambiguous.output
    assert runner.invoke(args=["import", str(path), "--fabrique", "fab-two"]).exit_code == 0
    path.write_text('{"format": "semis.workshop-export", ')
    cut = runner.invoke(args=["import", str(path), "--fabrique", "fab-two"])
    assert cut.exit_code != 0 and "import_truncated" in cut.output
    with app.app_context():
        assert db.session.query(PortfolioIdea).count() == 2


def test_issue_list_and_revoke_tokens(app: Flask, runner: Any) -> None:
    runner.invoke(args=["fabriques", "create", "fab-api"])
    issued = runner.invoke(args=["tokens", "create", "fab-api", "--name", "tableur", "--import"])
    assert issued.exit_code == 0, issued.output
    secret = issued.stdout.strip()
    assert secret.startswith("semis_")
    with app.app_context():
        token = fabriques.authenticate_token(secret)
        assert token.scopes == "read import"
        stored = db.session.scalar(select(ApiToken))
        assert stored is not None and secret not in (stored.token_hash, stored.prefix)
        token_id = stored.id
    listing = runner.invoke(args=["tokens", "list", "fab-api"]).output
    assert "tableur" in listing and "active" in listing and secret not in listing
    assert runner.invoke(args=["tokens", "revoke", "fab-api", str(token_id)]).exit_code == 0
    assert "revoked" in runner.invoke(args=["tokens", "list", "fab-api"]).output
    assert runner.invoke(args=["tokens", "revoke", "fab-api", "999"]).exit_code != 0
    assert runner.invoke(args=["tokens", "create", "fab-api", "--name", " "]).exit_code != 0
