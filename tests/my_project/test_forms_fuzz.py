"""No input makes a « mon projet » route fail: random forms on every route that
accepts POST, from the holder's link and from a facilitator of the cycle, never get a
5xx answer (a refusal is a 4xx page, a success a redirect)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import as_facilitator
from tests.my_project.conftest import World, cycle_of, new_project
from tests.views.test_forms_fuzz import FUZZ, form

FIELDS = [
    "title",
    "pitch",
    "show_name",
    "share_feedback",
    "version",
    "text",
    "kind",
    "direction",
    "enrolment_id",
]


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"MY_PROJECT_WRITE_LIMIT": "100000 per minute"}


@pytest.fixture
def held(app: Flask, world: Callable[..., World]) -> dict[str, Any]:
    a = world()
    with app.app_context():
        project = new_project(a.tokens["Awa"])
        key = str(cycle_of(a).intention_template[0]["key"])
        return {"world": a, "project": project.id, "key": key}


def holder_paths(held: dict[str, Any]) -> list[str]:
    mine = f"/c/{held['world'].tokens['Awa']}/projet"
    return [
        mine,
        f"{mine}/modifier",
        f"{mine}/note/{held['key']}",
        f"{mine}/note/autre",
        f"{mine}/carnet",
        f"{mine}/carnet/1/supprimer",
        f"{mine}/carnet/999999/supprimer",
    ]


def facilitator_paths(held: dict[str, Any]) -> list[str]:
    base = f"/f/cycles/{held['world'].id}/projets"
    project = held["project"]
    return [
        base,
        f"{base}/{project}/deplacer",
        f"{base}/{project}/carnet",
        f"{base}/{project}/carnet/1/supprimer",
    ]


@FUZZ
@given(data=form(FIELDS), which=st.integers(min_value=0, max_value=6))
def test_the_holders_forms(
    client: FlaskClient, held: dict[str, Any], data: dict[str, object], which: int
) -> None:
    response = client.post(holder_paths(held)[which], data=data)
    assert response.status_code < 500, response.status_code


@FUZZ
@given(data=form(FIELDS), which=st.integers(min_value=0, max_value=3))
def test_the_facilitators_forms(
    app: Flask, held: dict[str, Any], data: dict[str, object], which: int
) -> None:
    client = app.test_client()
    as_facilitator(client, held["world"].cycle.owner_email)
    response = client.post(facilitator_paths(held)[which], data=data)
    assert response.status_code < 500, response.status_code
