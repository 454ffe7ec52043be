"""A cycle's personal data: an enrolled person's erasure across the cycle, and the
purge of cycles closed for longer than their retention."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select

from tests.cycles.conftest import enrol, make_cycle, owner_of
from tests.factories import make_facilitator, make_idea
from workshop.errors import NotFound
from workshop.extensions import db
from workshop.models import (
    Cycle,
    CycleProject,
    Enrolment,
    FeedbackCard,
    Idea,
    Juror,
    JuryGrade,
    LogbookEntry,
    Participant,
    QuestionnaireAnswer,
    Workshop,
    utcnow,
)
from workshop.schemas import PhaseTarget
from workshop.schemas.cycles import QuestionKind
from workshop.services import agenda, cycles, privacy


def holder_with_everything(cycle_id: int, session_id: int) -> tuple[int, int, str]:
    """An enrolled holder who came to a session, posted an idea, has a project with a
    logbook entry, a feedback card and a jury grade, and answered a questionnaire."""
    enrolment, token = enrol(cycle_id, "Awa", email="awa@example.org")
    participant, _t = cycles.participant_for(enrolment, session_id)
    workshop = db.session.get(Workshop, session_id)
    assert workshop is not None
    agenda.advance_phase(session_id, owner_of(cycle_id), PhaseTarget(direction="next"))
    make_idea(workshop, participant, title="Une épicerie itinérante")
    project = CycleProject(cycle_id=cycle_id, enrolment_id=enrolment.id, title="Épicerie")
    db.session.add(project)
    db.session.flush()
    workshop.spotlight_project_id = project.id
    juror = Juror(cycle_id=cycle_id, name="Élue", token_hash="x" * 64, email="elue@example.org")
    db.session.add_all([juror, LogbookEntry(project_id=project.id, text="Décidé : tester")])
    db.session.flush()
    db.session.add_all(
        [
            FeedbackCard(
                workshop_id=session_id,
                project_id=project.id,
                client_id="card-00000001",
                kind="likes",
                text="Bravo",
            ),
            JuryGrade(juror_id=juror.id, project_id=project.id, criterion="besoin", grade=5),
            QuestionnaireAnswer(
                cycle_id=cycle_id, enrolment_id=enrolment.id, moment="start", answers={"a": 3}
            ),
        ]
    )
    db.session.commit()
    cycles.send_link(token, f"https://semis.example/c/{token}")
    return enrolment.id, project.id, token


def test_erase_enrolment_reaches_every_copy(app: Flask) -> None:
    with app.app_context():
        ref = make_cycle(2)
        enrolment_id, project_id, token = holder_with_everything(ref.id, ref.sessions[0])
        someone_else, _t = enrol(ref.id, "Bruno")
        erasure = privacy.erase_enrolment(ref.id, enrolment_id)
        assert erasure.projects == 1 and erasure.answers == 1 and erasure.mails == 1
        assert len(erasure.sessions) == 1 and erasure.sessions[0].ideas_deleted == 1
        db.session.expire_all()
        enrolment = db.session.get(Enrolment, enrolment_id)
        assert enrolment is not None and enrolment.erased_at is not None
        assert (enrolment.display_name, enrolment.email) == ("", None)
        with pytest.raises(NotFound):
            cycles.enrolment_by_token(token)
        person = db.session.scalars(
            select(Participant).where(Participant.enrolment_id == enrolment_id)
        ).one()
        assert person.erased_at is not None and person.display_name == ""
        assert db.session.get(CycleProject, project_id) is None
        for model in (LogbookEntry, FeedbackCard, JuryGrade, QuestionnaireAnswer):
            assert db.session.scalars(select(model)).all() == []
        idea = db.session.scalars(select(Idea)).one()
        assert idea.status == "withdrawn" and idea.title == ""
        session = db.session.get(Workshop, ref.sessions[0])
        assert session is not None and session.spotlight_project_id is None
        # The others stay; erasing again changes nothing.
        assert cycles.enrolment_in(db.session.get(Cycle, ref.id), someone_else.id)  # type: ignore[arg-type]
        assert privacy.erase_enrolment(ref.id, enrolment_id).projects == 0


def test_erase_enrolment_isolation(app: Flask) -> None:
    with app.app_context():
        mine, other = make_cycle(1), make_cycle(1)
        enrolment, _t = enrol(other.id)
        with pytest.raises(NotFound):
            privacy.erase_enrolment(mine.id, enrolment.id)
        with pytest.raises(NotFound):
            privacy.erase_enrolment(other.id, enrolment.id, make_facilitator())
        assert privacy.erase_enrolment(other.id, enrolment.id, owner_of(other.id)).projects == 0


def test_purge_erases_cycles_closed_past_their_retention(app: Flask) -> None:
    with app.app_context():
        ref = make_cycle(1)
        kept = make_cycle(1)
        enrolment_id, _project, _token = holder_with_everything(ref.id, ref.sessions[0])
        enrol(kept.id, "Chloé")
        cycles.set_closed(ref.id, owner_of(ref.id), True)
        cycle = db.session.get(Cycle, ref.id)
        assert cycle is not None
        cycle.retention_days = 30
        closed_at = cycle.closed_at
        db.session.commit()
        assert closed_at is not None
        assert privacy.purge(now=closed_at + dt.timedelta(days=29)) == []
        dry = privacy.purge(now=closed_at + dt.timedelta(days=31), dry_run=True)
        assert [item.actions for item in dry] == [["cycle_personal_data"]]
        assert db.session.get(Enrolment, enrolment_id).erased_at is None  # type: ignore[union-attr]
        done = privacy.purge(now=closed_at + dt.timedelta(days=31))
        assert [(item.title, item.participants) for item in done] == [(cycle.title, 1)]
        db.session.expire_all()
        assert db.session.get(Enrolment, enrolment_id).erased_at is not None  # type: ignore[union-attr]
        juror = db.session.scalars(select(Juror)).one()
        assert (juror.name, juror.email) == ("", None) and juror.revoked_at is not None
        assert cycles.enrolments_of(db.session.get(Cycle, kept.id))[0].display_name == "Chloé"  # type: ignore[arg-type]
        assert privacy.purge(now=utcnow() + dt.timedelta(days=400)) == []


def test_questionnaire_results_are_aggregated(app: Flask) -> None:
    with app.app_context():
        ref = make_cycle(0)
        owner = owner_of(ref.id)
        questions = [
            {"key": "envie", "label": "Envie", "kind": QuestionKind.SCALE},
            {"key": "statut", "label": "Statut", "kind": "choice", "choices": ["Seul", "À deux"]},
            {"key": "attente", "label": "Attente", "kind": QuestionKind.TEXT},
        ]
        cycles.set_questions(ref.id, owner, "end", questions)
        for name, answers in (
            ("A", {"envie": 5, "statut": "Seul", "attente": "Du réseau"}),
            ("B", {"envie": 2, "statut": "Seul"}),
            ("C", {}),
        ):
            enrolment, _t = enrol(ref.id, name)
            cycles.answer(enrolment, "end", answers)
        count, results = cycles.questionnaire_results(db.session.get(Cycle, ref.id), "end")  # type: ignore[arg-type]
        assert count == 3
        scale, choice, text = results
        assert scale.mean == 3.5 and dict(scale.counts) == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}
        assert choice.counts == [("Seul", 2), ("À deux", 0)]
        assert text.texts == ["Du réseau"] and text.answered == 1
        with pytest.raises(NotFound):
            cycles.answer(enrolment, "start", {})  # no start questionnaire
        with pytest.raises(NotFound):
            cycles.set_questions(ref.id, owner, "middle", [])


@pytest.mark.parametrize("keeps", [True, False])
def test_feedback_given_follows_the_sessions_rule(app: Flask, keeps: bool) -> None:
    with app.app_context():
        ref = make_cycle(1)
        holder, _t = enrol(ref.id, "Awa")
        giver, _t2 = enrol(ref.id, "Bruno")
        person, _t3 = cycles.participant_for(giver, ref.sessions[0])
        project = CycleProject(cycle_id=ref.id, enrolment_id=holder.id, title="Épicerie")
        db.session.add(project)
        workshop = db.session.get(Workshop, ref.sessions[0])
        assert workshop is not None
        workshop.erasure_keeps_ideas = keeps
        db.session.flush()
        db.session.add(
            FeedbackCard(
                workshop_id=ref.sessions[0],
                project_id=project.id,
                participant_id=person.id,
                client_id="card-00000002",
                kind="likes",
                text="Bravo",
                signed=True,
            )
        )
        db.session.commit()
        privacy.erase_enrolment(ref.id, giver.id)
        cards = db.session.scalars(select(FeedbackCard)).all()
        if keeps:
            assert [(c.text, c.signed) for c in cards] == [("Bravo", False)]
        else:
            assert cards == []
