"""The call for holders through the API: a project's candidates read and written by the
Fabrique's own tools, never by another Fabrique's."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.api.conftest import import_projects
from workshop.extensions import db
from workshop.models import Candidate, ProjectEvent, ProjectHolder

JSON = {"Content-Type": "application/json"}
LEA = {"name": "Léa Martin", "email": "lea@example.org", "structure": "", "notes": "Vue au marché"}


def _add(client: Any, project_id: int, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/projects/{project_id}/candidates", json=body or LEA)


def test_a_tool_adds_reads_and_chooses_candidates(app: Flask, api: Any, api_fabrique: Any) -> None:
    fab = api_fabrique()
    project = import_projects(app, fab.id)["Vendre en circuit court"]
    writer = api(fab.write_token)

    added = _add(writer, project)
    assert added.status_code == 201
    lea = added.json["candidate"]
    assert (lea["status"], lea["source"], lea["project_id"]) == ("met", "member", project)
    assert lea["contact"] == {"email": "lea@example.org", "phone": None}
    sam = _add(writer, project, {"name": "Sam", "phone": "06 12 34 56 78"}).json["candidate"]

    # Any token of the Fabrique reads them, contact included (the Fabrique's own data).
    listed = api(fab.token).get(f"/projects/{project}/candidates").json["candidates"]
    assert {c["name"] for c in listed} == {"Léa Martin", "Sam"}
    assert {c["contact"]["phone"] for c in listed} == {None, "06 12 34 56 78"}

    noted = writer.patch(f"/projects/{project}/candidates/{sam['id']}", json={"notes": "Rappeler"})
    assert noted.status_code == 200
    assert (noted.json["candidate"]["status"], noted.json["candidate"]["notes"]) == (
        "met",
        "Rappeler",
    )
    chosen = writer.patch(
        f"/projects/{project}/candidates/{lea['id']}", json={"status": "selected", "notes": "OK"}
    )
    assert chosen.status_code == 200
    assert (chosen.json["candidate"]["status"], chosen.json["candidate"]["notes"]) == (
        "selected",
        "OK",
    )
    refused = writer.patch(
        f"/projects/{project}/candidates/{sam['id']}", json={"status": "not_selected"}
    )
    assert refused.json["candidate"]["status"] == "not_selected"
    # A selected candidate stays so: the holder is removed in the portfolio first.
    back = writer.patch(f"/projects/{project}/candidates/{lea['id']}", json={"status": "met"})
    assert back.status_code == 400 and back.json["error"]["details"]["field"] == "status"

    with app.app_context():
        holders = db.session.scalars(
            select(ProjectHolder).where(ProjectHolder.project_id == project)
        ).all()
        assert [(h.name, h.candidate_id) for h in holders] == [("Léa Martin", lea["id"])]
        labels = set(
            db.session.scalars(
                select(ProjectEvent.by_label).where(
                    ProjectEvent.project_id == project,
                    ProjectEvent.kind.in_(("candidate", "candidate_status", "holder_added")),
                )
            )
        )
        assert labels == {"API : synchro"}


def test_a_read_only_token_cannot_write(app: Flask, api: Any, api_fabrique: Any) -> None:
    fab = api_fabrique()
    project = import_projects(app, fab.id)["Vendre en circuit court"]
    candidate = _add(api(fab.write_token), project).json["candidate"]
    for token in (fab.token, fab.import_token):
        reader = api(token)
        refused = _add(reader, project)
        assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
        assert "write" in refused.json["error"]["message"]
        patched = reader.patch(
            f"/projects/{project}/candidates/{candidate['id']}", json={"status": "selected"}
        )
        assert patched.status_code == 403
    with app.app_context():
        assert db.session.scalars(select(Candidate.status)).all() == ["met"]


def test_another_fabrique_gets_404(app: Flask, api: Any, api_fabrique: Any) -> None:
    mine, theirs = api_fabrique("mine"), api_fabrique("theirs")
    their_project = import_projects(app, theirs.id)["Vendre en circuit court"]
    my_project = import_projects(app, mine.id)["Vendre en circuit court"]
    their_candidate = _add(api(theirs.write_token), their_project).json["candidate"]["id"]
    client = api(mine.write_token)
    assert client.get(f"/projects/{their_project}/candidates").status_code == 404
    assert _add(client, their_project).status_code == 404
    for project in (their_project, my_project):
        response = client.patch(
            f"/projects/{project}/candidates/{their_candidate}", json={"status": "selected"}
        )
        assert response.status_code == 404
    with app.app_context():
        assert db.session.scalars(select(Candidate.status)).all() == ["met"]
        assert db.session.scalars(select(ProjectHolder)).all() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "lea@example.org"}, "name"),
        ({"name": "Léa", "email": "pas-une-adresse"}, "email"),
        ({"name": "x" * 81}, "name"),
        ({"name": "Léa", "phone": "abc"}, "phone"),
    ],
)
def test_bad_candidates_are_refused_naming_the_field(
    app: Flask, api: Any, api_fabrique: Any, body: dict[str, Any], field: str
) -> None:
    fab = api_fabrique()
    project = import_projects(app, fab.id)["Cuisiner ensemble"]
    response = _add(api(fab.write_token), project, body)
    assert response.status_code == 400
    assert response.json["error"]["details"]["field"] in (field, f"contact_{field}")


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "status"), ({"status": "hired"}, "status"), ({"notes": 3}, "notes"), ([], None)],
)
def test_bad_changes_are_refused_naming_the_field(
    app: Flask, api: Any, api_fabrique: Any, body: Any, field: str | None
) -> None:
    fab = api_fabrique()
    project = import_projects(app, fab.id)["Cuisiner ensemble"]
    writer = api(fab.write_token)
    candidate = _add(writer, project).json["candidate"]["id"]
    response = writer.client.patch(
        f"/api/v1/projects/{project}/candidates/{candidate}",
        json=body,
        headers={"Authorization": f"Bearer {fab.write_token}"},
    )
    assert response.status_code == 400
    assert response.json["error"]["details"]["field"] == field
    broken = writer.client.patch(
        f"/api/v1/projects/{project}/candidates/{candidate}",
        data=b"{not json",
        headers={"Authorization": f"Bearer {fab.write_token}", **JSON},
    )
    assert broken.status_code == 400 and broken.json["error"]["code"] == "invalid_input"
