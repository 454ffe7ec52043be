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
    assert client.get(f"/projects/{ids['Composteur']}/decisions").json["decisions"] == []


def test_another_fabrique_s_decisions_are_not_found(
    app: Flask, api: Any, api_fabrique: Any
) -> None:
    mine, theirs = api_fabrique("mine"), api_fabrique("theirs")
    project = import_projects(app, theirs.id)["Cuisiner ensemble"]
    decide(app, theirs.id, project, "prioritised", "")
    assert api(mine.token).get(f"/projects/{project}/decisions").status_code == 404
