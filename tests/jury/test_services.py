"""The jury's services: jurors' links, grades, grading open or closed, deliberation,
decisions; every name checked against its cycle."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.factories import make_facilitator, make_workshop
from tests.jury.conftest import CycleRef
from workshop.errors import Conflict, NotFound, ValidationError
from workshop.extensions import db
from workshop.models import (
    Cycle,
    CycleProject,
    Enrolment,
    Facilitator,
    Juror,
    JuryGrade,
    JuryReview,
    Phase,
    utcnow,
)
from workshop.schemas.jury import (
    NewJuror,
    jury_criteria_rows,
    parse_decision,
    parse_jury_criteria,
    parse_jury_grading,
)
from workshop.services import jury

KEYS = ["besoin", "faisabilite"]


def owner(ref: CycleRef) -> Facilitator:
    facilitator = db.session.get(Facilitator, ref.owner_id)
    assert facilitator is not None
    return facilitator


def grading(**grades: int | str | None) -> object:
    payload = {f"grade-{k}": "" if v is None else str(v) for k, v in grades.items()}
    comment = payload.pop("grade-comment", "")
    return parse_jury_grading({**payload, "comment": comment}, KEYS)


def test_a_juror_link_is_random_hashed_replaceable_and_revocable(
    app: Flask, new_cycle: Callable[..., CycleRef]
) -> None:
    ref = new_cycle()
    with app.test_request_context():
        issued = jury.add_juror(ref.id, owner(ref), NewJuror("Inès Martin", None, "Élue"))
        assert len(issued.secret) >= 40
        stored = db.session.get(Juror, issued.juror.id)
        assert stored is not None
        assert stored.token_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
        assert issued.secret not in (stored.name, stored.role, stored.email)
        assert jury.juror_by_link(issued.secret).id == stored.id

        renewed = jury.new_link(ref.id, owner(ref), stored.id)
        assert renewed.secret != issued.secret
        with pytest.raises(NotFound):
            jury.juror_by_link(issued.secret)
        assert jury.juror_by_link(renewed.secret).id == stored.id

        jury.revoke_juror(ref.id, owner(ref), stored.id)
        with pytest.raises(NotFound) as refused:
            jury.juror_by_link(renewed.secret)
        assert "révoqué" in str(refused.value.message)
        for bad in ("", "x", "a" * 101, issued.secret[:-1]):
            with pytest.raises(NotFound):
                jury.juror_by_link(bad)


def test_another_facilitator_is_told_the_cycle_does_not_exist(
    app: Flask, new_cycle: Callable[..., CycleRef]
) -> None:
    ref = new_cycle()
    with app.test_request_context():
        issued = jury.add_juror(ref.id, owner(ref), NewJuror("Juré", None, ""))
        juror_id = issued.juror.id
        stranger = make_facilitator()
        criteria = parse_jury_criteria(
            [{"key": "besoin", "label": "Besoin réel", "description": ""}],
            db.session.get(Cycle, ref.id).criteria,  # type: ignore[union-attr]
        )
        calls: list[Callable[[], object]] = [
            lambda: jury.add_juror(ref.id, stranger, NewJuror("Intrus", None, "")),
            lambda: jury.revoke_juror(ref.id, stranger, juror_id),
            lambda: jury.new_link(ref.id, stranger, juror_id),
            lambda: jury.remove_juror(ref.id, stranger, juror_id),
            lambda: jury.set_open(ref.id, stranger, False),
            lambda: jury.save_criteria(ref.id, stranger, criteria),
            lambda: jury.decide(
                ref.id, stranger, ref.projects[0], parse_decision({"decision": "kept"})
            ),
        ]
        for call in calls:
            with pytest.raises(NotFound):
                call()
        db.session.rollback()
        assert db.session.get(Juror, juror_id).revoked_at is None  # type: ignore[union-attr]
        assert db.session.get(CycleProject, ref.projects[0]).decision is None  # type: ignore[union-attr]


def test_names_of_another_cycle_are_not_found(
    app: Flask, new_cycle: Callable[..., CycleRef]
) -> None:
    a = new_cycle("Projet A")
    b = new_cycle("Projet B")
    with app.test_request_context():
        juror_a = jury.add_juror(a.id, owner(a), NewJuror("Juré A", None, "")).juror.id
        juror_b = jury.add_juror(b.id, owner(b), NewJuror("Juré B", None, "")).juror.id
        # A's facilitator names B's juror or B's project under A.
        with pytest.raises(NotFound):
            jury.revoke_juror(a.id, owner(a), juror_b)
        with pytest.raises(NotFound):
            jury.decide(a.id, owner(a), b.projects[0], parse_decision({"decision": "kept"}))
        # A's juror sees only A's projects and cannot grade B's.
        juror = db.session.get(Juror, juror_a)
        assert juror is not None
        assert [p.project.id for p in jury.juror_projects(juror)] == a.projects
        with pytest.raises(NotFound):
            jury.grade_project(juror_a, b.projects[0], grading(besoin=6))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(JuryGrade)) == 0
        assert db.session.get(Juror, juror_b).revoked_at is None  # type: ignore[union-attr]


def test_grades_are_replaced_cleared_and_commented(
    app: Flask, new_cycle: Callable[..., CycleRef]
) -> None:
    ref = new_cycle()
    project = ref.projects[0]
    with app.test_request_context():
        juror_id = jury.add_juror(ref.id, owner(ref), NewJuror("Juré", None, "")).juror.id
        jury.grade_project(juror_id, project, grading(besoin=5, faisabilite=2, comment="Solide"))
        jury.grade_project(juror_id, project, grading(besoin=6, faisabilite=None, comment=""))
        rows = db.session.scalars(select(JuryGrade).where(JuryGrade.juror_id == juror_id)).all()
        assert [(g.criterion, g.grade) for g in rows] == [("besoin", 6)]
        assert db.session.scalar(select(func.count()).select_from(JuryReview)) == 0
        jury.grade_project(juror_id, project, grading(besoin=6, comment="Encore à préciser"))
        juror = db.session.get(Juror, juror_id)
        assert juror is not None
        seen = {p.project.id: p for p in jury.juror_projects(juror)}
        assert seen[project].grades == {"besoin": 6}
        assert seen[project].comment == "Encore à préciser"
        assert seen[ref.projects[1]].grades == {}
        cycle = db.session.get(Cycle, ref.id)
        assert cycle is not None
        assert jury.progress(cycle) == {}  # one criterion of two: not done
        jury.grade_project(juror_id, project, grading(besoin=6, faisabilite=0))
        assert jury.progress(cycle) == {juror_id: 1}


def test_closed_grading_and_revoked_links_refuse_grades(
    app: Flask, new_cycle: Callable[..., CycleRef]
) -> None:
    ref = new_cycle()
    with app.test_request_context():
        juror_id = jury.add_juror(ref.id, owner(ref), NewJuror("Juré", None, "")).juror.id
        cycle = jury.set_open(ref.id, owner(ref), False)
        assert not jury.is_open(cycle)
        with pytest.raises(Conflict):
            jury.grade_project(juror_id, ref.projects[0], grading(besoin=3))
        db.session.rollback()
        cycle = jury.set_open(ref.id, owner(ref), True)
        assert jury.is_open(cycle)
        jury.grade_project(juror_id, ref.projects[0], grading(besoin=3))

        jury.revoke_juror(ref.id, owner(ref), juror_id)
        with pytest.raises(NotFound):
            jury.grade_project(juror_id, ref.projects[0], grading(besoin=4))
        db.session.rollback()
        grades = db.session.scalars(select(JuryGrade.grade)).all()
        assert grades == [3]

        # A cycle that is over cannot be graded, nor opened again.
        cycle = db.session.get(Cycle, ref.id)
        assert cycle is not None
        cycle.closed_at = utcnow()
        db.session.commit()
        assert not jury.is_open(cycle)
        with pytest.raises(Conflict):
            jury.set_open(ref.id, owner(ref), True)


def test_the_deliberation_ranks_by_majority_judgment(
    app: Flask, new_cycle: Callable[..., CycleRef]
) -> None:
    ref = new_cycle("Épicerie", "Garage", "Ressourcerie")
    epicerie, garage, ressourcerie = ref.projects
    with app.test_request_context():
        me = owner(ref)
        jurors = [
            jury.add_juror(ref.id, me, NewJuror(name, None, role)).juror.id
            for name, role in (("Inès", "Élue"), ("Marc", "Partenaire"), ("Léa", ""))
        ]
        given = {
            epicerie: [(4, 3), (5, 4), (2, 4)],
            garage: [(6, 5), (5, 5), (5, 6)],
        }
        for project, rows in given.items():
            for juror_id, (besoin, faisabilite) in zip(jurors, rows, strict=True):
                jury.grade_project(
                    juror_id,
                    project,
                    grading(besoin=besoin, faisabilite=faisabilite, comment=f"Avis {juror_id}"),
                )
        # A grade on a criterion since removed does not count.
        db.session.add(
            JuryGrade(juror_id=jurors[0], project_id=epicerie, criterion="ancien", grade=6)
        )
        db.session.commit()
        jury.revoke_juror(ref.id, me, jurors[2])
        cycle = db.session.get(Cycle, ref.id)
        assert cycle is not None
        result = jury.deliberation(cycle)
        assert jury.progress(cycle) == dict.fromkeys(jurors, 2)

    assert [r.project.id for r in result.projects] == [garage, epicerie, ressourcerie]
    assert [r.overall.rank for r in result.projects] == [1, 2, 3]
    assert result.jurors == 2  # the revoked juror's grades still count
    top, second, last = result.projects
    assert top.overall.majority == 5 and top.jurors == 3
    besoin = second.criteria[0]
    assert besoin.criterion["key"] == "besoin"
    assert besoin.merit.majority == 4 and besoin.merit.graders == 3
    assert (besoin.merit.lowest, besoin.merit.highest) == (2, 5)
    assert besoin.merit.counts == (0, 0, 1, 0, 1, 1, 0)
    assert sum(second.overall.counts) == 6  # « ancien » left out
    assert [c.author for c in second.comments] == ["Inès", "Marc", "Léa"]
    assert [(d.author, d.role, d.grades) for d in second.detail] == [
        ("Inès", "Élue", {"besoin": 4, "faisabilite": 3}),
        ("Marc", "Partenaire", {"besoin": 5, "faisabilite": 4}),
        ("Léa", "", {"besoin": 2, "faisabilite": 4}),
    ]
    assert last.detail == []
    assert second.comments[1].role == "Partenaire"
    assert last.overall.majority is None and last.jurors == 0
    assert top.holder == "" and second.holder == "Porteuse 1"


def test_a_decision_is_recorded_with_date_and_who(
    app: Flask, new_cycle: Callable[..., CycleRef]
) -> None:
    ref = new_cycle()
    with app.test_request_context():
        me = owner(ref)
        before = utcnow()
        project = jury.decide(
            ref.id,
            me,
            ref.projects[1],
            parse_decision({"decision": "declined", "reason": "Trop tôt"}),
        )
        assert (project.decision, project.decision_reason) == ("declined", "Trop tôt")
        assert project.decided_at is not None and project.decided_at >= before
        assert project.decided_by_id == me.id and jury.decided_by(project) == me.name
        version = project.version
        project = jury.decide(ref.id, me, ref.projects[1], parse_decision({"decision": "rework"}))
        assert (project.decision, project.decision_reason) == ("rework", "")
        assert project.version == version  # the holder's own edits are not made stale
        with pytest.raises(ValidationError):
            parse_decision({"decision": "declined", "reason": "  "})


def test_the_grid_keeps_its_keys_and_removing_a_juror_erases_their_grades(
    app: Flask, new_cycle: Callable[..., CycleRef]
) -> None:
    ref = new_cycle()
    with app.test_request_context():
        me = owner(ref)
        juror_id = jury.add_juror(ref.id, me, NewJuror("Juré", "jure@example.org", "")).juror.id
        jury.grade_project(juror_id, ref.projects[0], grading(besoin=4, comment="Oui"))
        cycle = db.session.get(Cycle, ref.id)
        assert cycle is not None

        class Form(dict[str, list[str]]):
            def getlist(self, key: str) -> list[str]:
                return self.get(key, [])

        rows = jury_criteria_rows(
            Form(
                key=["besoin", "faisabilite", ""],
                label=["Besoin social", "Faisabilité", "Innovation"],
                description=["", "", "Du neuf ici ?"],
                remove=["faisabilite"],
            )
        )
        cycle = jury.save_criteria(ref.id, me, parse_jury_criteria(rows, cycle.criteria))
        assert [(c["key"], c["label"]) for c in cycle.criteria] == [
            ("besoin", "Besoin social"),
            ("innovation", "Innovation"),
        ]
        result = jury.deliberation(cycle)
        first = next(r for r in result.projects if r.project.id == ref.projects[0])
        assert first.criteria[0].merit.counts[4] == 1  # renamed, its grade kept

        jury.remove_juror(ref.id, me, juror_id)
        assert db.session.scalar(select(func.count()).select_from(JuryGrade)) == 0
        assert db.session.scalar(select(func.count()).select_from(JuryReview)) == 0
        assert db.session.get(Juror, juror_id) is None


def test_holders_name_only_when_shown_and_not_erased(
    app: Flask, new_cycle: Callable[..., CycleRef]
) -> None:
    ref = new_cycle()
    with app.test_request_context():
        shown = db.session.get(CycleProject, ref.projects[0])
        hidden = db.session.get(CycleProject, ref.projects[1])
        assert shown is not None and hidden is not None
        assert jury.holder_name(shown) == "Porteuse 1"
        assert jury.holder_name(hidden) == ""
        enrolment = db.session.get(Enrolment, ref.enrolments[0])
        assert enrolment is not None
        enrolment.erased_at = utcnow()
        db.session.commit()
        assert jury.holder_name(shown) == ""


def test_a_removed_criteria_grades_never_count_for_a_new_one(
    app: Flask, new_cycle: Callable[..., CycleRef]
) -> None:
    ref = new_cycle()
    with app.test_request_context():
        me = owner(ref)
        juror_id = jury.add_juror(ref.id, me, NewJuror("Juré", None, "")).juror.id
        jury.grade_project(juror_id, ref.projects[0], grading(besoin=0, faisabilite=6))
        # « besoin » removed elsewhere (the cycle's page), then a new criterion takes its key.
        cycle = db.session.get(Cycle, ref.id)
        assert cycle is not None
        cycle.criteria = [c for c in cycle.criteria if c["key"] != "besoin"]
        db.session.commit()
        rows = [
            {"key": "faisabilite", "label": "Faisabilité", "description": ""},
            {"key": "", "label": "Besoin", "description": ""},
        ]
        cycle = jury.save_criteria(ref.id, me, parse_jury_criteria(rows, cycle.criteria))
        assert [c["key"] for c in cycle.criteria] == ["faisabilite", "besoin"]
        kept = db.session.scalars(select(JuryGrade.criterion)).all()
        assert kept == ["faisabilite"]
        results = jury.deliberation(cycle).projects
        first = next(r for r in results if r.project.id == ref.projects[0])
        assert first.criteria[1].merit.graders == 0


def test_the_project_on_stage_at_a_pitch_day(
    app: Flask, new_cycle: Callable[..., CycleRef]
) -> None:
    ref = new_cycle()
    other = new_cycle("Ailleurs")
    with app.test_request_context():
        cycle = db.session.get(Cycle, ref.id)
        assert cycle is not None
        assert jury.on_stage(cycle) is None
        session = make_workshop(owner=owner(ref))
        session.cycle_id = ref.id
        session.spotlight_project_id = ref.projects[1]
        db.session.commit()
        assert jury.on_stage(cycle) is None  # its current step is not a pitch
        pitch = Phase(workshop_id=session.id, position=99, kind="pitch", title="Pitch")
        db.session.add(pitch)
        db.session.flush()
        session.current_phase_id = pitch.id
        db.session.commit()
        assert jury.on_stage(cycle) == ref.projects[1]
        elsewhere = db.session.get(Cycle, other.id)
        assert elsewhere is not None and jury.on_stage(elsewhere) is None
        session.status = "closed"
        db.session.commit()
        assert jury.on_stage(cycle) is None
