"""No input makes a cycle's page fail: random form data on every route of
``views/cycles.py`` that accepts POST never gets a 5xx answer."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import as_facilitator
from tests.cycles.conftest import CycleRef, enrol, make_cycle
from tests.views.test_forms_fuzz import form, words
from workshop.extensions import db
from workshop.models import Cycle
from workshop.services import cycles

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

EDITORS = {
    "note": ["section-key", "section-label", "section-prompt", "section-remove"],
    "retours": ["kind-key", "kind-label", "kind-remove"],
    "grille": ["key", "label", "description", "remove"],
    "questionnaire/start": ["question-key", "question-label", "question-kind", "question-choices"],
    "questionnaire/end": ["question-key", "question-label", "question-kind", "question-choices"],
    "reglages": ["title", "description", "territory", "organiser", "retention_days"],
    "seances": ["title", "date", "territory", "theme"],
    "equipe": ["email"],
    "inscrits": ["display_name", "profile", "email"],
}


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"JOIN_CREATE_LIMIT": "100000 per minute"}


@pytest.fixture
def world(app: Flask) -> tuple[CycleRef, str]:
    with app.app_context():
        ref = make_cycle(1)
        cycle = db.session.get(Cycle, ref.id)
        assert cycle is not None and cycle.owner is not None
        cycles.set_questions(
            ref.id,
            cycle.owner,
            "start",
            [
                {"key": "envie", "label": "Envie", "kind": "scale"},
                {"key": "statut", "label": "Statut", "kind": "choice", "choices": ["A", "B"]},
                {"key": "mot", "label": "Un mot", "kind": "text"},
            ],
        )
        _enrolment, token = enrol(ref.id)
    return ref, token


@pytest.fixture
def owner(client: FlaskClient, world: tuple[CycleRef, str]) -> FlaskClient:
    as_facilitator(client, world[0].owner_email)
    return client


@FUZZ
@given(data=form(["title", "preset", "start_date", "sessions", "retention_days"]))
def test_new_cycle_form(owner: FlaskClient, data: dict[str, Any]) -> None:
    assert owner.post("/f/cycles", data=data).status_code < 500


@FUZZ
@given(route=st.sampled_from(sorted(EDITORS)), data=st.data())
def test_cycle_forms(
    owner: FlaskClient, world: tuple[CycleRef, str], route: str, data: st.DataObject
) -> None:
    payload = data.draw(form(EDITORS[route]))
    response = owner.post(f"/f/cycles/{world[0].id}/{route}", data=payload)
    assert response.status_code < 500


@FUZZ
@given(data=form(["title", "date", "territory", "theme"]), session=st.integers(-5, 10**12))
def test_session_form(
    owner: FlaskClient, world: tuple[CycleRef, str], data: dict[str, Any], session: int
) -> None:
    ref = world[0]
    for workshop_id in (ref.sessions[0], abs(session)):
        response = owner.post(f"/f/cycles/{ref.id}/seances/{workshop_id}", data=data)
        assert response.status_code < 500


@FUZZ
@given(data=form(["display_name", "profile", "email", "q-envie", "q-statut", "q-mot"]))
def test_enrolment_and_questionnaire_forms(
    app: Flask, world: tuple[CycleRef, str], data: dict[str, Any]
) -> None:
    ref, token = world
    phone = app.test_client()
    assert phone.post(f"/cycle/{ref.uid}/inscription", data=data).status_code < 500
    assert phone.post(f"/c/{token}/questionnaire/start", data=data).status_code < 500


@FUZZ
@given(first=words, second=words)
def test_public_paths(client: FlaskClient, first: str, second: str) -> None:
    for path in (f"/c/{quote(first, safe='')}", f"/cycle/{quote(first, safe='')}/inscription"):
        assert client.get(path).status_code < 500
    assert (
        client.get(f"/c/{quote(first, safe='')}/questionnaire/{quote(second, safe='')}").status_code
        < 500
    )
