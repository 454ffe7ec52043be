"""Changing projects through the API: stage and sheet from a version, notes and holders,
each in the project's history as « API : <token name> »; never another Fabrique's."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.api.conftest import import_projects
from tests.api.test_api_decisions import decide

JSON = {"Content-Type": "application/json"}


def _read(client: Any, project_id: int) -> dict[str, Any]:
    return client.get(f"/projects/{project_id}", query_string={"history": "1"}).json


def test_a_tool_changes_stage_and_sheet_from_a_version(
    app: Flask, api: Any, api_fabrique: Any
) -> None:
    fab = api_fabrique()
    project_id = import_projects(app, fab.id)["Vendre en circuit court"]
    writer = api(fab.write_token)
    before = _read(writer, project_id)["project"]
    assert before["sheet"]["need_who"] == "Familles"

    changed = writer.patch(
        f"/projects/{project_id}",
        json={
            "version": before["version"],
            "stage": "launching",
            "sheet": {"next_step": "Rencontrer la mairie", "maturity": "project"},
        },
    )
    assert changed.status_code == 200
    project = changed.json["project"]
    assert project["stage"] == "launching" and project["version"] > before["version"]
    assert changed.headers["ETag"] == f'"{project["version"]}"'
    # Only the fields sent change; the others keep their value.
    assert project["sheet"]["need_who"] == "Familles"
    assert project["sheet"]["next_step"] == "Rencontrer la mairie"
    history = _read(writer, project_id)["history"]
    by_api = {e["kind"] for e in history if e["by"]["label"] == "API : synchro"}
    assert {"stage_changed", "sheet_saved"} <= by_api

    # The same version again is outdated: nothing is written.
    stale = writer.patch(
        f"/projects/{project_id}", json={"version": before["version"], "stage": "launched"}
    )
    assert stale.status_code == 409 and stale.json["error"]["code"] == "conflict"
    assert _read(writer, project_id)["project"]["stage"] == "launching"

    # The version may come as If-Match (the ETag read).
    abandoned = writer.patch(
        f"/projects/{project_id}",
        json={"stage": "abandoned", "abandon_reason": "Pas de porteur"},
        headers={"If-Match": changed.headers["ETag"]},
    )
    assert abandoned.status_code == 200
    assert abandoned.json["project"]["abandon_reason"] == "Pas de porteur"


def test_a_tool_writes_notes_and_holders(app: Flask, api: Any, api_fabrique: Any) -> None:
    fab = api_fabrique()
    project_id = import_projects(app, fab.id)["Cuisiner ensemble"]
    writer = api(fab.write_token)
    note = writer.post(f"/projects/{project_id}/notes", json={"text": "Appel à la mairie\nOK"})
    assert note.status_code == 201
    assert note.json["entry"]["kind"] == "note"
    assert note.json["entry"]["data"]["text"] == "Appel à la mairie\nOK"
    assert note.json["entry"]["by"] == {"member": None, "label": "API : synchro"}

    added = writer.post(
        f"/projects/{project_id}/holders",
        json={"name": "Asso Les Tabliers", "kind": "structure", "contact_email": "a@example.org"},
    )
    assert added.status_code == 201
    assert added.json["holder"]["name"] == "Asso Les Tabliers"
    assert "example.org" not in added.get_data(as_text=True)
    read = _read(writer, project_id)
    assert read["project"]["holders"] == [{"name": "Asso Les Tabliers", "kind": "structure"}]
    assert "example.org" not in str(read)
    assert {e["kind"] for e in read["history"] if e["by"]["label"] == "API : synchro"} == {
        "note",
        "holder_added",
    }


def test_read_only_tokens_and_other_fabriques_cannot_write(
    app: Flask, api: Any, api_fabrique: Any
) -> None:
    mine, theirs = api_fabrique("mine"), api_fabrique("theirs")
    project_id = import_projects(app, theirs.id)["Cuisiner ensemble"]
    version = _read(api(theirs.token), project_id)["project"]["version"]
    writes = [
        ("patch", f"/projects/{project_id}", {"version": version, "stage": "launched"}),
        ("post", f"/projects/{project_id}/notes", {"text": "x"}),
        ("post", f"/projects/{project_id}/holders", {"name": "Léa"}),
    ]
    for method, path, body in writes:
        assert getattr(api(theirs.token), method)(path, json=body).status_code == 403
        assert getattr(api(mine.write_token), method)(path, json=body).status_code == 404
    after = _read(api(theirs.token), project_id)
    assert after["project"]["version"] == version and after["project"]["holders"] == []
    assert [e["kind"] for e in after["history"]] == ["created"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("", {"stage": "launched"}, "version"),
        ("", {"version": 1, "stage": "abandoned"}, "abandon_reason"),
        ("", {"version": 1, "sheet": {"insee_code": "1234"}}, "sheet.insee_code"),
        ("", {"version": 1, "stage": "sold"}, "stage"),
        ("/notes", {"text": "  "}, "text"),
        ("/holders", {"name": "Léa", "kind": "robot"}, "kind"),
        ("/holders", {"name": "Léa", "contact_email": "non"}, "contact_email"),
    ],
)
def test_bad_writes_are_refused_naming_the_field(
    app: Flask, api: Any, api_fabrique: Any, path: str, body: dict[str, Any], field: str
) -> None:
    fab = api_fabrique()
    project_id = import_projects(app, fab.id)["Cuisiner ensemble"]
    writer = api(fab.write_token)
    method = "patch" if path == "" else "post"
    response = getattr(writer, method)(f"/projects/{project_id}{path}", json=body)
    assert response.status_code == 400
    assert response.json["error"]["details"]["field"] == field
    assert [e["kind"] for e in _read(writer, project_id)["history"]] == ["created"]


def test_a_tool_syncs_what_changed_since_its_last_call(
    app: Flask, api: Any, api_fabrique: Any
) -> None:
    fab = api_fabrique()
    ids = import_projects(app, fab.id)
    writer = api(fab.write_token)
    project_id = ids["Cuisiner ensemble"]
    version = writer.get(f"/projects/{project_id}").json["project"]["version"]
    # Times are stored to the microsecond: the change comes after the mark.
    mark = writer.get(f"/projects/{ids['Composteur']}").json["project"]["updated_at"]
    writer.patch(f"/projects/{project_id}", json={"version": version, "stage": "launched"})
    changed = writer.get("/projects", query_string={"updated_since": mark}).json["projects"]
    assert project_id in {p["id"] for p in changed}
    later = writer.get("/projects", query_string={"updated_since": "2999-01-01"}).json
    assert later["total"] == 0


def test_the_fabrique_s_decisions_since(app: Flask, api: Any, api_fabrique: Any) -> None:
    mine, theirs = api_fabrique("mine"), api_fabrique("theirs")
    ids = import_projects(app, mine.id)
    decide(app, mine.id, ids["Cuisiner ensemble"], "prioritised", "Fort besoin")
    decide(app, mine.id, ids["Composteur"], "dropped", "Faute de potentiel")
    decide(app, theirs.id, import_projects(app, theirs.id)["Composteur"], "postponed", "")
    client = api(mine.token)
    listed = client.get("/decisions").json
    assert listed["total"] == 2
    assert [d["decision"] for d in listed["decisions"]] == ["prioritised", "dropped"]
    first_at = listed["decisions"][0]["decided_at"]
    assert client.get("/decisions", query_string={"since": "2999-01-01"}).json["total"] == 0
    assert client.get("/decisions", query_string={"since": first_at}).json["total"] >= 1
    page = client.get("/decisions", query_string={"per_page": "1", "page": "2"}).json
    assert [d["decision"] for d in page["decisions"]] == ["dropped"]
    bad = client.client.get(
        "/api/v1/decisions",
        query_string={"since": "hier"},
        headers={"Authorization": f"Bearer {mine.token}"},
    )
    assert bad.status_code == 400 and bad.json["error"]["details"]["field"] == "since"
