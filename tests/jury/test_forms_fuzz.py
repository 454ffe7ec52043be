"""No form makes a jury route fail: random fields and values posted to every writing
route of the jury (the facilitators' forms and a juror's grades) get an answer below
500, and a refused form leaves the grades and decisions as they were."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import as_facilitator
from tests.jury.conftest import CycleRef
from tests.jury.test_views import add_juror
from tests.views.test_forms_fuzz import FUZZ, form
from workshop.extensions import db
from workshop.models import JuryGrade
from workshop.views.jury import bp


@pytest.fixture
def app_config() -> dict[str, object]:
    # The grading limit would answer 429 early and hide the handler from the fuzzer.
    return {"JURY_GRADING_LIMIT": "100000 per minute"}


@dataclass
class Held:
    client: FlaskClient
    juror: FlaskClient
    ref: CycleRef
    secret: str


@pytest.fixture
def held(app: Flask, new_cycle: Callable[..., CycleRef]) -> Held:
    ref = new_cycle()
    client = app.test_client()
    as_facilitator(client, ref.owner_email)
    secret = add_juror(client, ref.id, "Inès Martin")
    return Held(client, app.test_client(), ref, secret)


def test_every_writing_route_of_the_jury_is_fuzzed(app: Flask) -> None:
    writing = {
        r.endpoint
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith(f"{bp.name}.") and "POST" in (r.methods or ())
    }
    assert writing == {f"{bp.name}.{name}" for name in FACILITATORS_FORMS} | {f"{bp.name}.grade"}


# Each facilitators' route and its path under /f/cycles/<id>/jury; the juror's links
# take no form (only their ids, checked by the HTTP tests).
FACILITATORS_FORMS = {
    "save_criteria": "criteres",
    "set_open": "notation",
    "add_juror": "jures",
    "new_link": "jures/{juror}/nouveau-lien",
    "revoke": "jures/{juror}/revoquer",
    "remove": "jures/{juror}/supprimer",
    "decide": "decisions/{project}",
}

# Every field of the facilitators' forms.
FIELDS = [
    "key",
    "label",
    "description",
    "remove",
    "open",
    "name",
    "email",
    "role",
    "decision",
    "reason",
]


@FUZZ
@given(
    name=st.sampled_from(sorted(set(FACILITATORS_FORMS) - {"remove", "revoke", "new_link"})),
    data=form(FIELDS),
)
def test_facilitators_forms(held: Held, name: str, data: dict[str, object]) -> None:
    path = FACILITATORS_FORMS[name]
    path = path.format(project=held.ref.projects[0], juror=1)
    response = held.client.post(f"/f/cycles/{held.ref.id}/jury/{path}", data=data)
    assert response.status_code < 500, response.status_code


@FUZZ
@given(
    data=form(["grade-besoin", "grade-faisabilite", "comment"]),
    project=st.one_of(st.just(0), st.integers(min_value=1, max_value=2**40)),
)
def test_a_jurors_grades(app: Flask, held: Held, data: dict[str, object], project: int) -> None:
    project_id = project or held.ref.projects[0]
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(JuryGrade))
    response = held.juror.post(f"/jury/{held.secret}/projets/{project_id}", data=data)
    assert response.status_code < 500, response.status_code
    if response.status_code >= 400:
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(JuryGrade)) == before
