"""A portfolio built for the report: two Fabriques, sessions in and out of the period and
the territory, projects of every source and stage, holders, launches, a merge, committee
decisions; rows written directly, with the dates each case needs.

The period is the first half of 2026, the territory « Nord Ardèche »; every figure the
report should give is in :data:`EXPECTED`. The other Fabrique (``other``) holds the same
kind of rows in the same period and territory: none may reach the first one's report.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from tests.factories import make_facilitator
from workshop.extensions import db
from workshop.models import (
    Committee,
    Fabrique,
    Meeting,
    MeetingItem,
    PortfolioIdea,
    PortfolioSession,
    Project,
    ProjectEvent,
    ProjectHolder,
)
from workshop.schemas import parse_new_fabrique
from workshop.services import fabriques

START = dt.date(2026, 1, 1)
END = dt.date(2026, 6, 30)
TERRITORY = "Nord Ardèche"
CAMPAIGN = "Alimentation"
PERSON = "Camille Dupont"
PERSON_EMAIL = "camille.dupont@example.org"
STRUCTURE = "La Ruche d'Ici"
COLLECTIVE = "Collectif des Bauges"

_n = itertools.count(1)


def at(text: str) -> dt.datetime:
    """An aware UTC time from ``2026-03-01T10:00``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def session(
    fabrique: Fabrique, day: dt.date | None, territory: str, **extra: Any
) -> PortfolioSession:
    values: dict[str, Any] = {
        "fabrique_id": fabrique.id,
        "workshop_uid": uuid.uuid4().hex,
        "title": f"Séance {next(_n)}",
        "territory": territory,
        "date": day,
        "format": "marathon",
        "participants_count": 0,
        "schema_version": "1.2",
        "exported_at": at("2026-07-01T10:00"),
        "digest": "0" * 64,
    }
    values.update(extra)
    row = PortfolioSession(**values)
    db.session.add(row)
    db.session.flush()
    return row


def idea(held: PortfolioSession, project: Project | None = None, **extra: Any) -> PortfolioIdea:
    n = next(_n)
    values: dict[str, Any] = {
        "fabrique_id": held.fabrique_id,
        "session_id": held.id,
        "reference": f"{held.workshop_uid}/idea/{n}",
        "title": f"Idée {n}",
        "territory": held.territory,
        "author_name": PERSON,
        "project_id": project.id if project else None,
    }
    values.update(extra)
    row = PortfolioIdea(**values)
    db.session.add(row)
    db.session.flush()
    return row


def project(fabrique: Fabrique, kind: str, stage: str, territory: str, **extra: Any) -> Project:
    values: dict[str, Any] = {
        "fabrique_id": fabrique.id,
        "kind": kind,
        "stage": stage,
        "territory": territory,
        "title": f"Projet {next(_n)}",
        "created_at": at("2026-01-10T10:00"),
        "author_name": PERSON,
    }
    values.update(extra)
    row = Project(**values)
    db.session.add(row)
    db.session.flush()
    return row


def holder(of: Project, kind: str, name: str, since: dt.date) -> ProjectHolder:
    row = ProjectHolder(
        project_id=of.id, kind=kind, name=name, since=since, contact_email=PERSON_EMAIL
    )
    db.session.add(row)
    return row


def decision(fabrique: Fabrique, on: Project, what: str, when: str) -> None:
    committee = Committee(fabrique_id=fabrique.id, name=f"Comité {next(_n)}")
    db.session.add(committee)
    db.session.flush()
    meeting = Meeting(committee_id=committee.id, date=at(when).date())
    db.session.add(meeting)
    db.session.flush()
    db.session.add(
        MeetingItem(meeting_id=meeting.id, project_id=on.id, decision=what, decided_at=at(when))
    )


BY_PROFILE = {
    "citizen": 6,
    "elected": 2,
    "association": 1,
    "business": 1,
    "project_holder": 1,
    "other": 0,
}

#: What the report of ``main`` says for START–END on TERRITORY.
EXPECTED: dict[str, Any] = {
    "sessions": 2,
    "participants": 20,
    # S1 counted 11 of its 12 people (one erased their data), S2 is an older export.
    "by_profile": {**BY_PROFILE, "not_given": 1 + 8},
    "sessions_without_profiles": 1,
    "ideas": {"session": 7, "box": 1, "relayed": 1},
    "stages": {
        "to_study": 1,
        "opportunity_study": 1,
        "holder_search": 1,
        "launching": 0,
        "launched": 2,
        "abandoned": 1,
    },
    "projects": 6,
    "with_holder": 3,
    "holders_added": {"person": 1, "collective": 0, "structure": 1},
    "launched_in_period": 1,
    "launched_total": 2,
    "decisions": {"prioritised": 1},
}


@dataclass(frozen=True)
class Portfolio:
    slug: str
    other_slug: str
    member_email: str
    other_email: str
    #: Project ids by name (P1…P11 of :func:`build`).
    projects: dict[str, int]
    other_projects: dict[str, int]


def _fabrique(slug: str) -> tuple[Fabrique, str]:
    member = make_facilitator()
    fabrique = fabriques.create_fabrique(parse_new_fabrique({"slug": slug, "name": slug.title()}))
    fabriques.add_member(fabrique, member)
    return fabrique, member.email


def _fill(fabrique: Fabrique) -> dict[str, int]:
    """The rows of one Fabrique (see EXPECTED for what they add up to)."""
    s1 = session(
        fabrique,
        dt.date(2026, 3, 10),
        TERRITORY,
        participants_count=12,
        participants_by_profile=BY_PROFILE,
    )
    # Another spelling of the same territory; an export before 1.2 (no profiles).
    s2 = session(fabrique, dt.date(2026, 5, 2), "  nord  ARDÈCHE ", participants_count=8)
    s3 = session(fabrique, dt.date(2025, 11, 20), TERRITORY, participants_count=30)
    s4 = session(fabrique, dt.date(2026, 4, 1), "Privas", participants_count=15)

    p1 = project(
        fabrique, "challenge", "holder_search", TERRITORY, session_id=s1.id, campaign=CAMPAIGN
    )
    p2 = project(fabrique, "idea", "launched", TERRITORY, session_id=s1.id)
    db.session.add(
        ProjectEvent(
            project_id=p2.id,
            at=at("2026-05-10T09:00"),
            kind="stage_changed",
            data={"from": "launching", "to": "launched", "reason": ""},
        )
    )
    p3 = project(
        fabrique,
        "idea",
        "launched",
        TERRITORY,
        session_id=s3.id,
        stage_changed_at=at("2025-12-15T10:00"),
        created_at=at("2025-11-25T10:00"),
    )
    p4 = project(fabrique, "challenge", "launching", TERRITORY, session_id=s2.id)
    p4.merged_into_id = p1.id
    # Just after midnight on 1 January in Paris: in the period.
    p5 = project(
        fabrique,
        "box",
        "to_study",
        TERRITORY,
        created_at=at("2025-12-31T23:30"),
        campaign=CAMPAIGN,
    )
    p6 = project(fabrique, "box", "to_study", TERRITORY, review="pending")
    p7 = project(fabrique, "box", "launched", TERRITORY, review="rejected")
    p8 = project(
        fabrique,
        "relayed",
        "opportunity_study",
        TERRITORY,
        created_at=at("2026-03-01T10:00"),
        source_kind="collectivite",
        source_name="Mairie d'Annonay",
    )
    p9 = project(fabrique, "relayed", "to_study", TERRITORY, created_at=at("2026-08-01T10:00"))
    # Absent from its session's newest export: counted, since a member worked on it.
    p10 = project(
        fabrique,
        "challenge",
        "abandoned",
        TERRITORY,
        session_id=s2.id,
        absent_since=at("2026-06-01T10:00"),
        abandon_reason="Pas de porteur",
        follow_source="fabrique",
    )
    p11 = project(fabrique, "idea", "launched", "Privas", session_id=s4.id)
    # Absent and never touched by a member: no longer a line of the Fabrique's work.
    p12 = project(
        fabrique,
        "idea",
        "launching",
        TERRITORY,
        session_id=s2.id,
        absent_since=at("2026-06-01T10:00"),
    )

    # Ideas of S1: 5 collected (3 of P1, 1 of P2, 1 without a project); not: withdrawn,
    # hidden, merged in the workshop, merged into another idea of the portfolio.
    idea(s1, p1)
    idea(s1, p1)
    idea(s1, p2)
    idea(s1)
    idea(s1, state="withdrawn")
    idea(s1, state="hidden")
    idea(s1, state="merged")
    kept = idea(s1, p1, state="visible")
    idea(s1, p1, merged_into_id=kept.id)
    # S2: 2 collected, one of them absent from the newest export (still counted).
    idea(s2, p10)
    idea(s2, p10, absent_since=at("2026-06-01T10:00"))
    for _ in range(5):
        idea(s3, p3)
    for _ in range(3):
        idea(s4, p11)

    holder(p1, "structure", STRUCTURE, dt.date(2026, 4, 2))
    holder(p2, "person", PERSON, dt.date(2026, 2, 1))
    holder(p3, "collective", COLLECTIVE, dt.date(2025, 12, 1))
    holder(p11, "person", PERSON, dt.date(2026, 2, 1))

    decision(fabrique, p1, "prioritised", "2026-03-15T18:00")
    decision(fabrique, p8, "dropped", "2026-07-15T18:00")
    decision(fabrique, p11, "postponed", "2026-03-15T18:00")
    names = ("p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10", "p11", "p12")
    rows = (p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12)
    return {name: row.id for name, row in zip(names, rows, strict=True)}


@pytest.fixture
def built(app: Flask) -> Portfolio:
    """Two Fabriques with the same rows (see the module docstring)."""
    with app.app_context():
        main, email = _fabrique("fabrique-nord")
        other, other_email = _fabrique("fabrique-sud")
        ids = _fill(main)
        other_ids = _fill(other)
        db.session.commit()
        return Portfolio(main.slug, other.slug, email, other_email, ids, other_ids)
