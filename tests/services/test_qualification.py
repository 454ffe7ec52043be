"""services.qualification: sheets filled by facilitators (and by participants when the
workshop allows it), the optimistic version, the follow-up stage, the events, the
snapshot, the migration's uid backfill, and every refusal changing nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import select, text

from tests.factories import (
    facts_since,
    make_challenge,
    make_facilitator,
    make_grouping_workshop,
    make_idea,
    make_participant,
    make_workshop,
    recorded,
)
from workshop import create_app
from workshop.config import TestConfig
from workshop.errors import (
    AbandonReasonRequired,
    Conflict,
    Forbidden,
    InvalidInseeCode,
    NotFound,
    QualificationNotAllowed,
    TargetUnavailable,
    ValidationError,
    WorkshopClosed,
    WorkshopError,
    WrongWorkshop,
)
from workshop.extensions import db
from workshop.models import Idea, Qualification, Workshop
from workshop.phases import PhaseKind
from workshop.schemas import (
    PhaseTarget,
    QualificationEdit,
    Role,
    SettingsChange,
    parse_qualification,
)
from workshop.services import agenda, ideas, qualification, snapshot, workshops

FULL_SHEET: dict[str, Any] = {
    "need_who": "Les familles du plateau",
    "need_where": "Six villages sans commerce",
    "need_evidence": "Enquête de la mairie, 2025 : 40 % des foyers à plus de 15 km",
    "target_public": "Personnes âgées sans voiture",
    "territory": "Communauté de communes du Cœur des Bauges",
    "insee_code": "73010",
    "solution": "Une épicerie itinérante",
    "existing_offer": "Un marché le samedi à Lescheraines",
    "partners": "AMAP, épiceries du canton",
    "economic_potential": "Chiffre d'affaires visé : 120 k€",
    "potential_holders": "La Ruche d'Ici",
    "maturity": "project",
    "next_step": "Étude d'opportunité en mars",
    "stage": "opportunity_study",
}


def sheet_rows(workshop_id: int) -> list[tuple[Any, ...]]:
    rows = db.session.execute(
        select(Qualification).where(Qualification.workshop_id == workshop_id)
    ).scalars()
    return [
        tuple(getattr(q, c.name) for c in Qualification.__table__.columns if c.name != "updated_at")
        for q in rows
    ]


def refused(workshop_id: int, error: type[WorkshopError], act: Callable[[], Any]) -> WorkshopError:
    """``act`` must raise exactly ``error`` and change nothing: no sheet, no event."""
    before = (recorded(workshop_id), sheet_rows(workshop_id))
    with pytest.raises(error) as raised:
        act()
    db.session.rollback()
    assert type(raised.value) is error
    assert (recorded(workshop_id), sheet_rows(workshop_id)) == before
    return raised.value


def edit(kind: str, target_id: int, version: int = 0, **changes: Any) -> QualificationEdit:
    return parse_qualification(
        {"target": kind, "target_id": target_id, "version": version, **changes}
    )


def test_a_facilitator_fills_every_field_of_a_challenge_sheet(app: Flask) -> None:
    with app.app_context():
        workshop, _ = make_grouping_workshop(ideas=1)
        defi = make_challenge(workshop)
        seq = workshop.seq
        sheet = qualification.qualify(
            workshop.id, workshop.owner, edit("challenge", defi.id, **FULL_SHEET)
        )
        assert sheet.version == 1 and sheet.challenge_id == defi.id and sheet.idea_id is None
        for field, value in FULL_SHEET.items():
            assert getattr(sheet, field) == value
        [(name, payload)] = facts_since(workshop.id, seq)
        assert name == "qualification_saved"
        assert payload["qualification"]["target"] == "challenge"
        assert payload["qualification"]["target_id"] == defi.id
        assert payload["qualification"]["stage"] == "opportunity_study"
        # The same for everybody: a sheet holds no personal data.
        assert facts_since(workshop.id, seq, public=True) == facts_since(workshop.id, seq)


def test_a_partial_save_keeps_the_other_fields_and_bumps_the_version(app: Flask) -> None:
    with app.app_context():
        workshop, [idea] = make_grouping_workshop(ideas=1)
        qualification.qualify(workshop.id, workshop.owner, edit("idea", idea.id, **FULL_SHEET))
        sheet = qualification.qualify(
            workshop.id, workshop.owner, edit("idea", idea.id, 1, next_step="Rencontrer l'EHPAD")
        )
        assert sheet.version == 2
        assert sheet.next_step == "Rencontrer l'EHPAD"
        assert sheet.solution == FULL_SHEET["solution"]


def test_saving_what_is_there_changes_nothing(app: Flask) -> None:
    with app.app_context():
        workshop, [idea] = make_grouping_workshop(ideas=1)
        qualification.qualify(workshop.id, workshop.owner, edit("idea", idea.id, **FULL_SHEET))
        events = recorded(workshop.id)
        sheet = qualification.qualify(
            workshop.id, workshop.owner, edit("idea", idea.id, 1, **FULL_SHEET)
        )
        assert sheet.version == 1
        assert recorded(workshop.id) == events


def test_two_facilitators_editing_at_once_get_a_conflict(app: Flask) -> None:
    with app.app_context():
        workshop, [idea, other] = make_grouping_workshop(ideas=2)
        cohost = make_facilitator()
        workshop.facilitators.append(cohost)
        db.session.commit()
        qualification.qualify(workshop.id, workshop.owner, edit("idea", idea.id, solution="A"))
        # Both opened version 1; the owner saves first.
        qualification.qualify(workshop.id, workshop.owner, edit("idea", idea.id, 1, solution="B"))
        error = refused(
            workshop.id,
            Conflict,
            lambda: qualification.qualify(
                workshop.id, cohost, edit("idea", idea.id, 1, solution="C")
            ),
        )
        assert error.details["current_version"] == 2
        # Creating a sheet that someone created meanwhile is a conflict too.
        qualification.qualify(workshop.id, workshop.owner, edit("idea", other.id, solution="X"))
        refused(
            workshop.id,
            Conflict,
            lambda: qualification.qualify(
                workshop.id, cohost, edit("idea", other.id, solution="Y")
            ),
        )


def test_abandoning_needs_a_reason_and_leaving_abandon_clears_it(app: Flask) -> None:
    with app.app_context():
        workshop, [idea] = make_grouping_workshop(ideas=1)
        owner = workshop.owner
        refused(
            workshop.id,
            AbandonReasonRequired,
            lambda: qualification.qualify(
                workshop.id, owner, edit("idea", idea.id, stage="abandoned")
            ),
        )
        with pytest.raises(AbandonReasonRequired):
            edit("idea", idea.id, stage="abandoned", abandon_reason="   ")
        sheet = qualification.qualify(
            workshop.id,
            owner,
            edit("idea", idea.id, stage="abandoned", abandon_reason="Une offre existe déjà"),
        )
        assert (sheet.stage, sheet.abandon_reason) == ("abandoned", "Une offre existe déjà")
        # Emptying the reason of an abandoned project is refused.
        refused(
            workshop.id,
            AbandonReasonRequired,
            lambda: qualification.qualify(
                workshop.id, owner, edit("idea", idea.id, 1, abandon_reason="")
            ),
        )
        sheet = qualification.qualify(
            workshop.id, owner, edit("idea", idea.id, 1, stage="launching")
        )
        assert (sheet.stage, sheet.abandon_reason) == ("launching", "")


def test_bad_targets_are_refused(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        owner = workshop.owner
        idea, hidden, gone = make_idea(workshop), make_idea(workshop), make_idea(workshop)
        ideas.hide_idea(workshop.id, owner, hidden.id)
        ideas.withdraw_idea(workshop.id, gone.participant_id or 0, gone.id)
        other, [elsewhere] = make_grouping_workshop(ideas=1)
        other_defi = make_challenge(other)

        def save(kind: str, target_id: int) -> Callable[[], Any]:
            return lambda: qualification.qualify(
                workshop.id, owner, edit(kind, target_id, solution="x")
            )

        refused(workshop.id, NotFound, save("idea", 999_999))
        refused(workshop.id, NotFound, save("challenge", 999_999))
        refused(workshop.id, NotFound, save("idea", gone.id))
        refused(workshop.id, WrongWorkshop, save("idea", elsewhere.id))
        refused(workshop.id, WrongWorkshop, save("challenge", other_defi.id))
        refused(workshop.id, TargetUnavailable, save("idea", hidden.id))
        # A facilitator of another workshop has no rights here.
        refused(
            workshop.id,
            Forbidden,
            lambda: qualification.qualify(
                workshop.id, other.owner, edit("idea", idea.id, solution="x")
            ),
        )


def test_a_closed_workshop_refuses_sheets(app: Flask) -> None:
    with app.app_context():
        workshop, [idea] = make_grouping_workshop(ideas=1)
        agenda.close_workshop(workshop.id, workshop.owner)
        refused(
            workshop.id,
            WorkshopClosed,
            lambda: qualification.qualify(
                workshop.id, workshop.owner, edit("idea", idea.id, solution="x")
            ),
        )


@pytest.mark.parametrize(
    ("payload", "error", "field"),
    [
        ({"insee_code": "7301"}, InvalidInseeCode, "insee_code"),
        ({"insee_code": "00123"}, InvalidInseeCode, "insee_code"),
        ({"insee_code": "2C123"}, InvalidInseeCode, "insee_code"),
        ({"solution": "x" * 2001}, ValidationError, "solution"),
        ({"territory": "x" * 141}, ValidationError, "territory"),
        ({"stage": "someday"}, ValidationError, "stage"),
        ({"maturity": "ripe"}, ValidationError, "maturity"),
        ({"version": -1}, ValidationError, "version"),
    ],
)
def test_the_parser_refuses_bad_fields(payload: dict[str, Any], error: type, field: str) -> None:
    with pytest.raises(error) as raised:
        parse_qualification({"target": "idea", "target_id": 1, **payload})
    assert type(raised.value) is error
    assert raised.value.details["field"] == field


def test_the_parser_normalises_insee_codes() -> None:
    assert edit("idea", 1, insee_code=" 2a004 ").changes["insee_code"] == "2A004"
    assert edit("idea", 1, insee_code="97101").changes["insee_code"] == "97101"
    assert edit("idea", 1, insee_code="").changes["insee_code"] is None
    assert edit("idea", 1, maturity="").changes["maturity"] is None


def qualification_step(workshop: Workshop) -> None:
    phase = next(p for p in workshop.phases if p.kind == PhaseKind.QUALIFICATION)
    agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(phase_id=phase.id))


def test_participants_qualify_only_when_allowed_and_in_a_qualification_step(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        person = make_participant(workshop)
        idea = make_idea(workshop)

        def save(version: int = 0) -> Callable[[], Any]:
            return lambda: qualification.qualify_as_participant(
                workshop.id, person.id, edit("idea", idea.id, version, need_who="Les voisins")
            )

        refused(workshop.id, QualificationNotAllowed, save())  # ideas step, not allowed
        qualification_step(workshop)
        refused(workshop.id, QualificationNotAllowed, save())  # still not allowed
        workshops.update_settings(
            workshop.id, workshop.owner, SettingsChange(participants_qualify=True)
        )
        assert save()().need_who == "Les voisins"
        # Someone of another workshop cannot write here.
        other = make_workshop()
        stranger = make_participant(other)
        refused(
            workshop.id,
            WrongWorkshop,
            lambda: qualification.qualify_as_participant(
                workshop.id, stranger.id, edit("idea", idea.id, 1, solution="x")
            ),
        )
        agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(direction="next"))
        refused(workshop.id, QualificationNotAllowed, save(1))


def test_the_snapshot_carries_sheets_but_not_those_of_hidden_ideas(app: Flask) -> None:
    with app.app_context():
        workshop, [shown, later_hidden] = make_grouping_workshop(ideas=2)
        defi = make_challenge(workshop)
        owner = workshop.owner
        for kind, target_id in (
            ("idea", shown.id),
            ("idea", later_hidden.id),
            ("challenge", defi.id),
        ):
            qualification.qualify(workshop.id, owner, edit(kind, target_id, solution="s"))
        ideas.hide_idea(workshop.id, owner, later_hidden.id)
        for role, expected in (
            (
                Role.FACILITATOR,
                {("idea", shown.id), ("idea", later_hidden.id), ("challenge", defi.id)},
            ),
            (Role.SCREEN, {("idea", shown.id), ("challenge", defi.id)}),
        ):
            state = snapshot.build_state(workshop, role)
            assert {(q["target"], q["target_id"]) for q in state["qualifications"]} == expected
        found = qualification.for_workshop(workshop)
        assert set(found) == {("idea", shown.id), ("idea", later_hidden.id), ("challenge", defi.id)}


def test_deleting_the_target_deletes_its_sheet(app: Flask) -> None:
    with app.app_context():
        workshop, [idea] = make_grouping_workshop(ideas=1)
        qualification.qualify(workshop.id, workshop.owner, edit("idea", idea.id, solution="s"))
        if db.engine.dialect.name == "sqlite":  # PostgreSQL always enforces them
            db.session.execute(text("PRAGMA foreign_keys=ON"))
        db.session.delete(db.session.get(Idea, idea.id))
        db.session.commit()
        assert qualification.for_workshop(workshop) == {}


def test_the_migration_gives_existing_workshops_distinct_uids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKSHOP_INSTANCE_PATH", str(tmp_path))
    config = type(
        "UidConfig", (TestConfig,), {"DATABASE_URL": f"sqlite:///{tmp_path / 'semis.sqlite3'}"}
    )
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade(revision="9c4a996896ad")
        owner = db.session.execute(
            text(
                "INSERT INTO facilitators (email, name, password_hash, created_at, updated_at) "
                "VALUES ('a@example.org', 'A', 'x', '2026-01-01', '2026-01-01') RETURNING id"
            )
        ).scalar_one()
        for code in ("AAAAAA", "BBBBBB"):
            db.session.execute(
                text(
                    "INSERT INTO workshops (code, screen_key, title, question, territory, format,"
                    " status, joining_open, anonymous, moderation, timer_duration_ms, owner_id,"
                    " created_at, updated_at) VALUES (:code, 'k', 't', '', '', 'custom', 'draft',"
                    " 1, 0, 0, 0, :owner, '2026-01-01', '2026-01-01')"
                ),
                {"code": code, "owner": owner},
            )
        db.session.commit()
        flask_migrate.upgrade()
        uids = db.session.scalars(select(Workshop.uid)).all()
        db.session.remove()
        db.engine.dispose()
    assert len(uids) == 2 and len(set(uids)) == 2
    assert all(len(uid) == 32 and int(uid, 16) >= 0 for uid in uids)
