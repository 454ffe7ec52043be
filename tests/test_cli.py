"""``flask`` commands, through the app's CLI runner: each calls the real services."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_facilitator
from workshop.extensions import db
from workshop.models import Idea, Participant, Workshop, WorkshopStatus
from workshop.phases import PRESETS, Format, PhaseKind
from workshop.services import accounts

LINK_KEYS = {"id", "code", "join_url", "screen_url", "console_url"}


def owner(app: Flask) -> str:
    with app.app_context():
        return make_facilitator(email="anne@example.org").email


def test_create_a_facilitator_from_stdin(app: Flask, runner: Any) -> None:
    result = runner.invoke(
        args=["facilitators", "create", "Anne@Example.org", "--name", "Anne", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "anne@example.org" in result.stdout
    with app.app_context():
        anne = accounts.authenticate("anne@example.org", PASSWORD)
        assert anne.name == "Anne" and PASSWORD not in anne.password_hash


@pytest.mark.parametrize(
    ("email", "password", "code"),
    [
        ("anne@example.org", "short\n", "invalid_input"),
        ("not an email", PASSWORD + "\n", "invalid_input"),
        ("anne@example.org", PASSWORD + "\n", "email_taken"),
    ],
)
def test_create_a_facilitator_refused(
    app: Flask, runner: Any, email: str, password: str, code: str
) -> None:
    owner(app)
    result = runner.invoke(
        args=["facilitators", "create", email, "--password-stdin"], input=password
    )
    assert result.exit_code == 1
    assert code in result.output
    with app.app_context():
        assert accounts.has_facilitators()
        assert len(accounts.get_by_email("anne@example.org").workshops) == 0


@pytest.mark.parametrize("fmt", list(Format))
def test_create_a_workshop_prints_its_links_as_json(app: Flask, runner: Any, fmt: Format) -> None:
    email = owner(app)
    result = runner.invoke(
        args=[
            "workshops",
            "create",
            "--title",
            "Marathon",
            "--format",
            fmt.value,
            "--owner",
            email.upper(),
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    links = json.loads(result.stdout)
    assert set(links) == LINK_KEYS
    with app.app_context():
        workshop = db.session.get(Workshop, links["id"])
        assert (workshop.title, workshop.format, workshop.status) == ("Marathon", fmt, "draft")
        assert len(workshop.phases) == len(PRESETS[fmt])
        assert links["code"] == workshop.code
        assert links["join_url"].endswith(f"/j/{workshop.code}")
        assert links["screen_url"].endswith(f"/s/{workshop.code}/{workshop.screen_key}")
        assert links["console_url"].endswith(f"/f/w/{workshop.id}")


def test_create_an_open_workshop_as_text(app: Flask, runner: Any) -> None:
    email = owner(app)
    result = runner.invoke(
        args=[
            "workshops",
            "create",
            "--title",
            "Lance-toi",
            "--format",
            "lance_toi",
            "--owner",
            email,
            "--open",
        ]
    )
    assert result.exit_code == 0, result.output
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert set(lines) == LINK_KEYS
    with app.app_context():
        workshop = db.session.get(Workshop, int(lines["id"]))
        assert workshop.status == WorkshopStatus.OPEN
        assert workshop.current_phase_id == workshop.phases[0].id


@pytest.mark.parametrize(
    ("args", "exit_code"),
    [
        (["--title", "T", "--owner", "nobody@example.org"], 1),
        (["--title", "", "--owner", "anne@example.org"], 1),
        (["--title", "T", "--owner", "anne@example.org", "--date", "demain"], 1),
        (["--title", "T", "--owner", "anne@example.org", "--format", "rave"], 2),
        (["--owner", "anne@example.org"], 2),
    ],
)
def test_create_a_workshop_refused(
    app: Flask, runner: Any, args: list[str], exit_code: int
) -> None:
    owner(app)
    result = runner.invoke(args=["workshops", "create", *args, "--json"])
    assert result.exit_code == exit_code
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Workshop)) == 0


def test_demo(app: Flask, runner: Any) -> None:
    result = runner.invoke(args=["demo", "--json"])
    assert result.exit_code == 0, result.output
    links = json.loads(result.stdout)
    assert set(links) == LINK_KEYS | {"facilitator"}  # a demo account was created
    with app.app_context():
        workshop = db.session.get(Workshop, links["id"])
        assert workshop.status == WorkshopStatus.OPEN
        assert workshop.current_phase.kind == PhaseKind.RESULTS
        assert db.session.scalar(select(func.count()).select_from(Participant)) >= 2
        assert db.session.scalar(select(func.count()).select_from(Idea)) >= 2
        credentials = links["facilitator"]
        assert accounts.authenticate(credentials["email"], credentials["password"])


def test_demo_for_an_existing_owner(app: Flask, runner: Any) -> None:
    email = owner(app)
    result = runner.invoke(args=["demo", "--owner", email, "--json"])
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)) == LINK_KEYS
    refused = runner.invoke(args=["demo", "--owner", "nobody@example.org"])
    assert refused.exit_code == 1
