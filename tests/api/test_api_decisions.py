"""Committee decisions through the API: a project's, for the Fabrique's own tools only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask

from tests.api.conftest import import_projects
from workshop.extensions import db
from workshop.models import Fabrique
from workshop.schemas.committees import DecisionForm, MeetingForm, NewCommittee
from workshop.services import committees


def on_agenda(app: Flask, fabrique_id: int, project_id: int, status: str = "open") -> int:
    """A steering committee's meeting (``status``) with ``project_id`` on its agenda:
    the agenda item's id."""
    with app.app_context():
        fabrique = db.session.get(Fabrique, fabrique_id)
        assert fabrique is not None
        committee = committees.create_committee(
            fabrique, NewCommittee(name="Comité de pilotage", kind="steering", project_id=None)
        )
        meeting = committees.create_meeting(
            fabrique,
            committee.id,
            MeetingForm(title="Comité de décembre", date=dt.date(2026, 12, 3), place="Privas"),
        )
        item = committees.add_to_agenda(fabrique, committee.id, meeting.id, project_id)
        if status != "planned":
            committees.set_status(fabrique, committee.id, meeting.id, status)
        return item.id


def decide(app: Flask, fabrique_id: int, project_id: int, decision: str, reason: str) -> int:
    """A steering committee's meeting with ``project_id`` on its agenda, and its
    decision on it (by the Fabrique's member): the agenda item's id."""
    with app.app_context():
        fabrique = db.session.get(Fabrique, fabrique_id)
        assert fabrique is not None
        member = fabrique.members[0]
        committee = committees.create_committee(
            fabrique, NewCommittee(name="Comité de pilotage", kind="steering", project_id=None)
        )
        meeting = committees.create_meeting(
            fabrique,
            committee.id,
            MeetingForm(title="Comité de décembre", date=dt.date(2026, 12, 3), place="Privas"),
        )
        item = committees.add_to_agenda(fabrique, committee.id, meeting.id, project_id)
        committees.set_status(fabrique, committee.id, meeting.id, "open")
        committees.decide(
            fabrique,
            committee.id,
            meeting.id,
            item.id,
            DecisionForm(decision=decision, reason=reason, stage=None),
            by=member,
        )
        return item.id


def test_a_project_s_decisions(app: Flask, api: Any, api_fabrique: Any) -> None:
    fab = api_fabrique()
    ids = import_projects(app, fab.id)
    project = ids["Cuisiner ensemble"]
    item = decide(app, fab.id, project, "dropped", "Faute de potentiel")
    client = api(fab.token)
    decisions = client.get(f"/projects/{project}/decisions").json["decisions"]
    assert len(decisions) == 1
    found = decisions[0]
    assert (found["id"], found["project_id"], found["decision"], found["reason"]) == (
        item,
        project,
        "dropped",
        "Faute de potentiel",
    )
    assert found["meeting"]["date"] == "2026-12-03"
    assert found["committee"]["name"] == "Comité de pilotage"
    assert client.get(f"/projects/{ids['Composteur']}/decisions").json == {
        "decisions": [],
        "pending": [],
    }


def test_a_tool_records_a_decision(app: Flask, api: Any, api_fabrique: Any) -> None:
    fab = api_fabrique()
    ids = import_projects(app, fab.id)
    project = ids["Cuisiner ensemble"]
    item = on_agenda(app, fab.id, project)
    writer = api(fab.write_token)
    pending = writer.get(f"/projects/{project}/decisions").json["pending"]
    assert [(p["id"], p["meeting"]["status"]) for p in pending] == [(item, "open")]

    # A read-only token may not; a dropped project must say why.
    refused = api(fab.token).post(
        f"/projects/{project}/decisions", json={"item_id": item, "decision": "prioritised"}
    )
    assert refused.status_code == 403
    no_reason = writer.post(
        f"/projects/{project}/decisions", json={"item_id": item, "decision": "dropped"}
    )
    assert no_reason.status_code == 400
    assert no_reason.json["error"]["details"]["field"] == "reason"

    dropped = writer.post(
        f"/projects/{project}/decisions",
        json={"item_id": item, "decision": "dropped", "reason": "Faute de potentiel"},
    )
    assert dropped.status_code == 201
    assert dropped.json["decision"]["decision"] == "dropped"
    read = writer.get(f"/projects/{project}", query_string={"history": "1"}).json
    assert (read["project"]["stage"], read["project"]["abandon_reason"]) == (
        "abandoned",
        "Faute de potentiel",
    )
    recorded = {e["kind"]: e["by"]["label"] for e in read["history"]}
    assert recorded["decision"] == recorded["stage_changed"] == "API : synchro"
    after = writer.get(f"/projects/{project}/decisions").json
    assert [d["id"] for d in after["decisions"]] == [item] and after["pending"] == []

    # An item of another project is not this project's.
    other = writer.post(
        f"/projects/{ids['Composteur']}/decisions",
        json={"item_id": item, "decision": "prioritised"},
    )
    assert other.status_code == 404 and other.json["error"]["details"]["field"] == "item_id"


def test_a_planned_meeting_takes_no_decision(app: Flask, api: Any, api_fabrique: Any) -> None:
    fab = api_fabrique()
    project = import_projects(app, fab.id)["Cuisiner ensemble"]
    item = on_agenda(app, fab.id, project, status="planned")
    response = api(fab.write_token).post(
        f"/projects/{project}/decisions", json={"item_id": item, "decision": "prioritised"}
    )
    assert response.status_code == 409
    assert api(fab.token).get(f"/projects/{project}/decisions").json["decisions"] == []


def test_another_fabrique_s_decisions_are_not_found(
    app: Flask, api: Any, api_fabrique: Any
) -> None:
    mine, theirs = api_fabrique("mine"), api_fabrique("theirs")
    project = import_projects(app, theirs.id)["Cuisiner ensemble"]
    item = decide(app, theirs.id, project, "prioritised", "")
    client = api(mine.write_token)
    assert client.get(f"/projects/{project}/decisions").status_code == 404
    mine_project = import_projects(app, mine.id)["Cuisiner ensemble"]
    for target in (project, mine_project):
        response = client.post(
            f"/projects/{target}/decisions",
            json={"item_id": item, "decision": "dropped", "reason": "x"},
        )
        assert response.status_code == 404
    theirs_now = api(theirs.token).get(f"/projects/{project}").json["project"]
    assert theirs_now["stage"] != "abandoned"
