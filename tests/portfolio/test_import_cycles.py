"""Importing sessions of a cycle (export 1.3): the session keeps its cycle, the cycle's
projects become the portfolio's projects of kind "cycle", one per reference across the
cycle's sessions, never deleted; older exports still import."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.conftest import as_facilitator
from tests.portfolio.conftest import FabriqueRef, build_document, sign
from workshop.extensions import db
from workshop.models import Fabrique, PortfolioSession, Project, ProjectEvent
from workshop.services import portfolio

CYCLE_UID = uuid.uuid4().hex
SESSIONS = [uuid.uuid4().hex, uuid.uuid4().hex]
NO_GRADES = [0] * 7


def _project(pid: int, title: str, pitch: str = "", **extra: Any) -> dict[str, Any]:
    project: dict[str, Any] = {
        "id": pid,
        "reference": f"{CYCLE_UID}/project/{pid}",
        "title": title,
        "pitch": pitch,
        "position": pid,
        "holder": None,
        "intention": [],
        "share_feedback": False,
        "next_steps": None,
        "logbook": None,
        "feedback": {"counts": {}, "cards": None},
        "jury": {
            "jurors": 0,
            "rank": None,
            "majority_grade": None,
            "grades": NO_GRADES,
            "criteria": [],
        },
        "decision": None,
    }
    project.update(extra)
    return project


def _session_export(
    index: int,
    projects: list[dict[str, Any]],
    exported_at: str,
    territory: str = "Centre Ardèche",
) -> dict[str, Any]:
    """A signed 1.3 export of session ``index`` of the cycle holding ``projects``."""
    document = build_document(
        uid=SESSIONS[index], title=f"Séance {index + 1}", exported_at=exported_at
    )
    document["version"] = "1.3"
    document["contribution_kinds"] = []
    document["tables"] = []
    document["workshop"]["participants_by_profile"] = {
        "citizen": 0,
        "elected": 0,
        "association": 0,
        "business": 0,
        "project_holder": 6,
        "other": 0,
    }
    document["cycle"] = {
        "uid": CYCLE_UID,
        "title": "Lance-toi ! Ardèche",
        "preset": "lance_toi",
        "territory": territory,
        "sessions": [
            {
                "uid": uid,
                "title": f"Séance {n + 1}",
                "date": f"2026-12-{7 * (n + 1):02d}",
                "theme": "",
            }
            for n, uid in enumerate(SESSIONS)
        ],
        "feedback_kinds": [{"key": "likes", "label": "Ce qui me plaît"}],
        "criteria": [],
        "projects": copy.deepcopy(projects),
    }
    return sign(document)


def _import(app: Flask, fabrique_id: int, document: dict[str, Any]) -> portfolio.ImportResult:
    with app.app_context():
        fabrique = db.session.get(Fabrique, fabrique_id)
        assert fabrique is not None
        return portfolio.import_export(fabrique, copy.deepcopy(document))


def _cycle_projects(app: Flask, fabrique_id: int) -> dict[str, dict[str, Any]]:
    with app.app_context():
        return {
            str(p.reference): {
                "id": p.id,
                "kind": p.kind,
                "title": p.title,
                "summary": p.summary,
                "territory": p.territory,
                "absent": p.absent_since is not None,
                "history": [
                    e.kind
                    for e in db.session.scalars(
                        select(ProjectEvent)
                        .where(ProjectEvent.project_id == p.id)
                        .order_by(ProjectEvent.id)
                    )
                ],
            }
            for p in db.session.scalars(
                select(Project).where(Project.fabrique_id == fabrique_id, Project.kind == "cycle")
            )
        }


def _held_projects(app: Flask, workshop_uid: str) -> list[str]:
    """The references of the cycle's projects a held session shows."""
    with app.app_context():
        held = db.session.scalars(
            select(PortfolioSession).where(PortfolioSession.workshop_uid == workshop_uid)
        ).one()
        return [p["reference"] for p in (held.cycle or {})["projects"]]


def test_a_session_of_a_cycle_brings_its_projects_once_across_sessions(
    app: Flask, new_fabrique: Callable[..., FabriqueRef]
) -> None:
    fab = new_fabrique()
    first = _session_export(
        0,
        [_project(1, "Épicerie mobile", "Dans les hameaux"), _project(2, "Garage solidaire")],
        "2026-12-07T18:00:00Z",
    )
    assert _import(app, fab.id, first).status == "created"
    with app.app_context():
        held = db.session.scalars(select(PortfolioSession)).one()
        assert held.schema_version == "1.3"
        assert held.cycle == first["cycle"]
    projects = _cycle_projects(app, fab.id)
    assert set(projects) == {f"{CYCLE_UID}/project/1", f"{CYCLE_UID}/project/2"}
    grocery = projects[f"{CYCLE_UID}/project/1"]
    assert (grocery["title"], grocery["summary"], grocery["territory"]) == (
        "Épicerie mobile",
        "Dans les hameaux",
        "Centre Ardèche",
    )
    assert grocery["history"] == ["created"]

    # The next session's export: the same projects (one renamed), none duplicated.
    second = _session_export(
        1,
        [_project(1, "Épicerie itinérante", "Dans les hameaux"), _project(2, "Garage solidaire")],
        "2026-12-14T18:00:00Z",
    )
    assert _import(app, fab.id, second).status == "created"
    after = _cycle_projects(app, fab.id)
    assert set(after) == set(projects)
    renamed = after[f"{CYCLE_UID}/project/1"]
    assert renamed["id"] == grocery["id"] and renamed["title"] == "Épicerie itinérante"
    assert renamed["history"] == ["created", "imported"]
    assert after[f"{CYCLE_UID}/project/2"]["history"] == ["created"]

    # The same export again changes nothing.
    assert _import(app, fab.id, second).status == "unchanged"
    assert _cycle_projects(app, fab.id) == after


def test_a_project_no_longer_exported_is_kept_absent_and_comes_back(
    app: Flask, new_fabrique: Callable[..., FabriqueRef]
) -> None:
    fab = new_fabrique()
    both = [_project(1, "Épicerie"), _project(2, "Garage")]
    _import(app, fab.id, _session_export(0, both, "2026-12-07T18:00:00Z"))
    # Its holder erased their data: the next session's export no longer holds it.
    _import(app, fab.id, _session_export(1, both[:1], "2026-12-14T18:00:00Z"))
    garage = _cycle_projects(app, fab.id)[f"{CYCLE_UID}/project/2"]
    # Only a holder's erasure takes a project out of its cycle: its texts are forgotten,
    # in its history too; the row (and the members' work on it) stays.
    assert garage["absent"] and garage["history"] == ["created", "absent", "withdrawn"]
    assert (garage["title"], garage["summary"]) == ("", "")
    with app.app_context():
        events = db.session.scalars(
            select(ProjectEvent).where(ProjectEvent.project_id == garage["id"])
        )
        assert "Garage" not in str([event.data for event in events])
    # The first session's copy of the cycle follows the newest: the project left it too.
    assert _held_projects(app, SESSIONS[0]) == [f"{CYCLE_UID}/project/1"]
    # An older export imported afterwards leads nothing: the project stays absent.
    with app.app_context():
        held = db.session.scalars(
            select(PortfolioSession).where(PortfolioSession.workshop_uid == SESSIONS[0])
        ).one()
        db.session.delete(held)
        db.session.commit()
    _import(app, fab.id, _session_export(0, both, "2026-12-07T18:00:00Z"))
    assert _cycle_projects(app, fab.id)[f"{CYCLE_UID}/project/2"]["absent"]
    assert _held_projects(app, SESSIONS[0]) == [f"{CYCLE_UID}/project/1"]
    # A newer export holding it again: present again, same project.
    _import(app, fab.id, _session_export(1, both, "2026-12-15T18:00:00Z"))
    assert _held_projects(app, SESSIONS[0]) == [f"{CYCLE_UID}/project/{n}" for n in (1, 2)]
    back = _cycle_projects(app, fab.id)[f"{CYCLE_UID}/project/2"]
    assert not back["absent"] and back["id"] == garage["id"]
    assert back["title"] == "Garage"
    assert back["history"] == ["created", "absent", "withdrawn", "imported", "present"]


def test_another_fabrique_gets_its_own_projects(
    app: Flask, new_fabrique: Callable[..., FabriqueRef]
) -> None:
    one, other = new_fabrique(), new_fabrique()
    document = _session_export(0, [_project(1, "Épicerie")], "2026-12-07T18:00:00Z")
    _import(app, one.id, document)
    _import(app, other.id, document)
    mine, theirs = _cycle_projects(app, one.id), _cycle_projects(app, other.id)
    assert set(mine) == set(theirs) == {f"{CYCLE_UID}/project/1"}
    assert mine[f"{CYCLE_UID}/project/1"]["id"] != theirs[f"{CYCLE_UID}/project/1"]["id"]


def test_a_workshop_outside_a_cycle_brings_no_cycle_project(
    app: Flask, new_fabrique: Callable[..., FabriqueRef]
) -> None:
    fab = new_fabrique()
    document = _session_export(0, [], "2026-12-07T18:00:00Z")
    document["cycle"] = None
    _import(app, fab.id, sign(document))
    with app.app_context():
        assert db.session.scalars(select(PortfolioSession)).one().cycle is None
    assert _cycle_projects(app, fab.id) == {}


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
def test_older_exports_still_import(
    app: Flask, new_fabrique: Callable[..., FabriqueRef], version: str
) -> None:
    fab = new_fabrique()
    document = build_document(title=f"Avant les cycles {version}")
    document["version"] = version
    if version != "1.0":
        document["contribution_kinds"] = []
        document["tables"] = []
    if version == "1.2":
        document["workshop"]["participants_by_profile"] = {
            "citizen": 12,
            "elected": 0,
            "association": 0,
            "business": 0,
            "project_holder": 0,
            "other": 0,
        }
    assert _import(app, fab.id, sign(document)).status == "created"
    with app.app_context():
        held = db.session.scalars(select(PortfolioSession)).one()
        assert held.schema_version == version and held.cycle is None
    assert _cycle_projects(app, fab.id) == {}


def test_the_session_page_shows_its_cycle(
    app: Flask, new_fabrique: Callable[..., FabriqueRef], client: FlaskClient
) -> None:
    fab = new_fabrique()
    shown = _project(
        1,
        "Épicerie mobile",
        holder={"name": "Awa"},
        feedback={"counts": {"likes": 3}, "cards": None},
        decision={"decision": "kept", "reason": "", "decided_at": "2026-12-20T18:00:00Z"},
    )
    result = _import(app, fab.id, _session_export(0, [shown], "2026-12-07T18:00:00Z"))
    as_facilitator(client, fab.member_email)
    page = client.get(f"/fabriques/{fab.slug}/sessions/{result.session_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Lance-toi ! Ardèche" in html and "Épicerie mobile" in html and "Awa" in html
    assert f'data-project="{CYCLE_UID}/project/1"' in html
    assert "Séance 2" in html
    assert "Une séance d’un cycle" in html and "Ses projets" in html  # in French
    assert "3 cartes de retours" in html and "Retenu par le jury" in html


def test_two_cycles_keep_their_own_projects(
    app: Flask, new_fabrique: Callable[..., FabriqueRef]
) -> None:
    fab = new_fabrique()
    _import(app, fab.id, _session_export(0, [_project(1, "Épicerie")], "2026-12-07T18:00:00Z"))
    other = _session_export(0, [], "2026-12-08T18:00:00Z")
    other_uid, other_session = uuid.uuid4().hex, uuid.uuid4().hex
    other["workshop"]["uid"] = other_session
    other["cycle"]["uid"] = other_uid
    other["cycle"]["sessions"] = [
        {"uid": other_session, "title": "Ailleurs", "date": None, "theme": ""}
    ]
    other["cycle"]["projects"] = [
        dict(_project(1, "Ferme"), reference=f"{other_uid}/project/1"),
    ]
    _import(app, fab.id, sign(other))
    projects = _cycle_projects(app, fab.id)
    assert {ref: p["title"] for ref, p in projects.items()} == {
        f"{CYCLE_UID}/project/1": "Épicerie",
        f"{other_uid}/project/1": "Ferme",
    }
    # A newer export of the other cycle without its project touches only its own.
    other["exported_at"] = "2026-12-09T18:00:00Z"
    other["cycle"]["projects"] = []
    _import(app, fab.id, sign(other))
    after = _cycle_projects(app, fab.id)
    assert not after[f"{CYCLE_UID}/project/1"]["absent"]
    assert after[f"{other_uid}/project/1"]["absent"]
    assert _held_projects(app, SESSIONS[0]) == [f"{CYCLE_UID}/project/1"]


_texts = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=200
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(title=_texts.filter(bool), pitch=_texts, territory=_texts.map(lambda t: t[:140]))
def test_whatever_a_cycle_project_says_it_imports_as_written(
    app: Flask, new_fabrique: Callable[..., FabriqueRef], title: str, pitch: str, territory: str
) -> None:
    fab = new_fabrique()
    document = _session_export(
        0, [_project(1, title[:140], pitch)], "2026-12-07T18:00:00Z", territory=territory
    )
    assert _import(app, fab.id, document).status == "created"
    (project,) = _cycle_projects(app, fab.id).values()
    assert (project["title"], project["summary"]) == (title[:140], pitch)
    assert project["territory"] == (territory or "Privas")  # else the session's
