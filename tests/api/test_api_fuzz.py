"""Whatever JSON a tool sends to a write of /api/v1, the answer is a documented one
(checked against docs/openapi.yaml), never a 500."""

from __future__ import annotations

from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import import_projects
from tests.api.test_api_decisions import on_agenda

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

texts = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", " ", "\x00", "\ud800", "selected", "dropped", "a@b.fr", "x" * 300]),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2, 5), st.floats(), texts)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(texts, children, max_size=3),
    max_leaves=6,
)
bodies = st.one_of(
    values,
    st.fixed_dictionaries(
        {},
        optional={
            key: values
            for key in (
                "name",
                "email",
                "phone",
                "status",
                "notes",
                "item_id",
                "decision",
                "reason",
            )
        },
    ),
)


def test_writes_answer_documented_statuses(app: Flask, api: Any, api_fabrique: Any) -> None:
    fab = api_fabrique()
    project = import_projects(app, fab.id)["Cuisiner ensemble"]
    on_agenda(app, fab.id, project)
    writer = api(fab.write_token)
    candidate = writer.post(f"/projects/{project}/candidates", json={"name": "Léa"}).json
    path = f"/projects/{project}/candidates/{candidate['candidate']['id']}"

    @FUZZ
    @given(body=bodies)
    def run(body: Any) -> None:
        for method, target in (
            ("post", f"/projects/{project}/candidates"),
            ("patch", path),
            ("post", f"/projects/{project}/decisions"),
            ("patch", f"/projects/{project}"),
            ("post", f"/projects/{project}/notes"),
            ("post", f"/projects/{project}/holders"),
        ):
            response = getattr(writer, method)(target, json=body)
            assert response.status_code in (200, 201, 400, 404, 409), response.json

    run()
