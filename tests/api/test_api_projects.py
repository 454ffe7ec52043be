"""Projects through the API: listed with filters, read with their history, and kept
within their Fabrique."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.api.conftest import import_projects


def test_a_tool_lists_and_filters_projects(app: Flask, api: Any, api_fabrique: Any) -> None:
    fab = api_fabrique()
    ids = import_projects(app, fab.id)
    other_session = import_projects(app, fab.id, title="Se déplacer")
    client = api(fab.token)

    listed = client.get("/projects").json
    assert listed["total"] == len(ids) + len(other_session) == 6
    by_id = {p["id"]: p for p in listed["projects"]}
    short = by_id[ids["Vendre en circuit court"]]
    assert (short["kind"], short["stage"], short["territory"]) == (
        "challenge",
        "holder_search",
        "Privas",
    )
    assert len(short["ideas"]) == 2 and short["holders"] == []
    assert short["session"]["title"] == "Manger local"

    def titles(**query: str) -> set[str]:
        return {p["title"] for p in client.get("/projects", query_string=query).json["projects"]}

    assert titles(stage="launched") == {"Composteur"}
    assert titles(kind="idea") == {"Composteur"}
    assert titles(territory="Lyon") == {"Composteur"}
    session_uid = short["session"]["uid"]
    assert titles(session=session_uid) == set(ids)
    page = client.get("/projects", query_string={"per_page": "4", "page": "2"}).json
    assert (len(page["projects"]), page["total"], page["page"]) == (2, 6, 2)


def test_a_tool_reads_one_project_with_its_history(app: Flask, api: Any, api_fabrique: Any) -> None:
    fab = api_fabrique()
    project_id = import_projects(app, fab.id)["Cuisiner ensemble"]
    client = api(fab.token)
    plain = client.get(f"/projects/{project_id}")
    assert plain.status_code == 200 and "history" not in plain.json
    assert plain.headers["ETag"] == f'"{plain.json["project"]["version"]}"'
    history = client.get(f"/projects/{project_id}", query_string={"history": "1"}).json["history"]
    assert [e["kind"] for e in history] == ["created"]
    assert history[0]["by"] == {"member": None, "label": "import"}


def test_another_fabrique_s_projects_are_not_found(app: Flask, api: Any, api_fabrique: Any) -> None:
    mine, theirs = api_fabrique("mine"), api_fabrique("theirs")
    their_ids = import_projects(app, theirs.id)
    client = api(mine.token)
    assert client.get("/projects").json["total"] == 0
    for project_id in their_ids.values():
        assert client.get(f"/projects/{project_id}").status_code == 404
    their_session = api(theirs.token).get("/projects").json["projects"][0]["session"]["uid"]
    assert client.get("/projects", query_string={"session": their_session}).status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"stage": "sold"}, "stage"),
        ({"kind": "x"}, "kind"),
        ({"per_page": "501"}, "per_page"),
        ({"page": "0"}, "page"),
        ({"include_absent": "maybe"}, "include_absent"),
    ],
)
def test_bad_filters_are_refused_naming_the_field(
    api: Any, api_fabrique: Any, query: dict[str, str], field: str
) -> None:
    fab = api_fabrique()
    response = api(fab.token).client.get(
        "/api/v1/projects", query_string=query, headers={"Authorization": f"Bearer {fab.token}"}
    )
    assert response.status_code == 400
    assert response.json["error"]["details"]["field"] == field
