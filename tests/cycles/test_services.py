"""Cycle services: creation, who may see a cycle, enrolment and its personal link, and
one identity across the cycle's sessions."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select

from tests.cycles.conftest import START, enrol, make_cycle, owner_of, session
from tests.factories import make_facilitator, make_workshop, recorded
from workshop.errors import NotFound, ValidationError, WorkshopClosed, WorkshopNotOpen
from workshop.extensions import db
from workshop.models import Cycle, CycleProject, Enrolment, Participant
from workshop.schemas.cycles import CycleSettings, NewCycle, NewEnrolment, SessionForm
from workshop.services import agenda, cycles, participants, pitch


def test_create_cycle_has_defaults(app: Flask) -> None:
    with app.app_context():
        owner = make_facilitator()
        cycle = cycles.create_cycle(NewCycle(title="Lance-toi ! 2027"), owner)
        assert cycle.owner_id == owner.id
        assert [f.id for f in cycle.facilitators] == [owner.id]
        assert [s["key"] for s in cycle.intention_template] == [
            "besoin",
            "modele-economique",
            "gouvernance",
            "impact",
        ]
        assert [k["key"] for k in cycle.feedback_kinds] == [
            "likes",
            "questions",
            "suggestions",
            "resources",
        ]
        assert len(cycle.criteria) == 5
        assert cycle.questionnaires == {"start": [], "end": []}
        assert len(cycle.uid) == 32
        assert cycles.sessions_of(cycle) == []


def test_sessions_are_workshops_of_the_cycle_by_date(app: Flask) -> None:
    with app.app_context():
        ref = make_cycle(3, opened=False)
        cycle = db.session.get(Cycle, ref.id)
        assert cycle is not None
        found = cycles.sessions_of(cycle)
        assert [w.id for w in found] == list(ref.sessions)
        assert [w.cycle_theme for w in found] == ["Thème 1", "Thème 2", "Thème 3"]
        assert all(w.cycle_id == cycle.id and w.status == "draft" for w in found)
        assert cycles.cycle_of(found[0].id) is cycle
        assert cycles.cycle_of(make_workshop().id) is None


def test_require_cycle_facilitator_hides_other_cycles(app: Flask) -> None:
    with app.app_context():
        ref = make_cycle(1)
        owner = owner_of(ref.id)
        assert cycles.require_cycle_facilitator(ref.id, owner).id == ref.id
        stranger = make_facilitator()
        with pytest.raises(NotFound):
            cycles.require_cycle_facilitator(ref.id, stranger)
        with pytest.raises(NotFound):
            cycles.require_cycle_facilitator(ref.id, None)
        with pytest.raises(NotFound):
            cycles.require_cycle_facilitator(10**12, owner)
        assert cycles.cycles_of(stranger) == []
        # A facilitator of one of its sessions may open the cycle.
        first = session(ref.sessions[0])
        first.facilitators.append(stranger)
        db.session.commit()
        assert cycles.require_cycle_facilitator(ref.id, stranger).id == ref.id
        assert [c.id for c in cycles.cycles_of(stranger)] == [ref.id]


def test_enrol_keeps_only_the_hash(app: Flask) -> None:
    with app.app_context():
        ref = make_cycle(1)
        enrolment, token = cycles.enrol(
            ref.id, NewEnrolment(display_name="Awa", email="awa@example.org")
        )
        assert len(token) == 32
        stored = db.session.get(Enrolment, enrolment.id)
        assert stored is not None
        assert stored.token_hash == cycles.link_hash(token) != token
        assert stored.profile == "project_holder"
        assert cycles.enrolment_by_token(token).id == enrolment.id
        for wrong in ("", token + "x", "x" * 500, None):
            with pytest.raises(NotFound):
                cycles.enrolment_by_token(wrong)


def test_enrol_refused_once_the_cycle_is_closed(app: Flask) -> None:
    with app.app_context():
        ref = make_cycle(0)
        cycle = db.session.get(Cycle, ref.id)
        assert cycle is not None
        cycle.closed_at = cycle.created_at
        db.session.commit()
        with pytest.raises(WorkshopClosed):
            enrol(ref.id)
        with pytest.raises(NotFound):
            enrol(10**6)


def test_same_participant_in_each_session_and_a_new_token_each_time(app: Flask) -> None:
    with app.app_context():
        ref = make_cycle(2)
        enrolment, _token = enrol(ref.id, "Awa", profile="association")
        first, token1 = cycles.participant_for(enrolment, ref.sessions[0])
        assert first.display_name == "Awa" and first.profile == "association"
        assert first.enrolment_id == enrolment.id
        assert "participant_joined" in [name for _seq, name in recorded(ref.sessions[0])]
        # A new phone: the same participant, a new cookie; the old one no longer works.
        again, token2 = cycles.participant_for(enrolment, ref.sessions[0])
        assert again.id == first.id and token2 != token1
        assert participants.identify(ref.sessions[0], token2).id == first.id  # type: ignore[union-attr]
        assert participants.identify(ref.sessions[0], token1) is None
        # Another session of the cycle: another participant, the same person.
        second, _token3 = cycles.participant_for(enrolment, ref.sessions[1])
        assert second.id != first.id and second.enrolment_id == enrolment.id
        assert [p.id for p in cycles.participants_of(enrolment)] == [first.id, second.id]
        joined = [name for _seq, name in recorded(ref.sessions[0])].count("participant_joined")
        assert joined == 1


def test_participant_for_refuses_another_cycles_session(app: Flask) -> None:
    with app.app_context():
        mine, other = make_cycle(1), make_cycle(1)
        enrolment, _token = enrol(mine.id)
        with pytest.raises(NotFound):
            cycles.participant_for(enrolment, other.sessions[0])
        with pytest.raises(NotFound):
            cycles.participant_for(enrolment, make_workshop().id)
        with pytest.raises(NotFound):
            cycles.participant_for(enrolment, 10**12)
        assert (
            db.session.scalars(
                select(Participant).where(Participant.enrolment_id == enrolment.id)
            ).all()
            == []
        )


def test_participant_for_a_draft_or_closed_session(app: Flask) -> None:
    with app.app_context():
        ref = make_cycle(2, opened=False)
        owner = owner_of(ref.id)
        enrolment, _token = enrol(ref.id)
        with pytest.raises(WorkshopNotOpen):
            cycles.participant_for(enrolment, ref.sessions[0])
        agenda.open_workshop(ref.sessions[0], owner)
        came, _t = cycles.participant_for(enrolment, ref.sessions[0])
        agenda.close_workshop(ref.sessions[0], owner)
        # Someone who came may come back to a closed session (to read it)…
        assert cycles.participant_for(enrolment, ref.sessions[0])[0].id == came.id
        # …nobody new comes in.
        agenda.open_workshop(ref.sessions[1], owner)
        agenda.close_workshop(ref.sessions[1], owner)
        with pytest.raises(WorkshopClosed):
            cycles.participant_for(enrolment, ref.sessions[1])


@pytest.mark.parametrize(
    ("preset", "sessions", "themes", "pitch_title"),
    [
        (
            "lance_toi",
            None,
            ["Charte sociale", "Modèle économique", "Gouvernance participative", "Mesure d’impact"],
            "Temps de codéveloppement",
        ),
        ("ideateur", 3, ["Mon idée en un pitch", "Besoin et public", "Journée de pitch"], None),
        ("jury", None, ["Séance du jury"], "Pitchs devant le jury"),
    ],
)
def test_a_preset_creates_its_sessions_a_week_apart(
    app: Flask, preset: str, sessions: int | None, themes: list[str], pitch_title: str | None
) -> None:
    with app.app_context():
        owner = make_facilitator()
        new = NewCycle(
            title="Cycle", preset=preset, territory="Annonay", start_date=START, sessions=sessions
        )
        cycle = cycles.create_cycle(new, owner)
        found = cycles.sessions_of(cycle)
        assert [w.cycle_theme for w in found] == themes
        assert [w.date for w in found] == [
            START + dt.timedelta(weeks=i) for i in range(len(themes))
        ]
        assert all(w.territory == "Annonay" and w.status == "draft" for w in found)
        assert all(owner in w.facilitators for w in found)
        assert len({w.code for w in found}) == len(found)
        for workshop in found:
            assert [p.kind for p in workshop.phases] == ["welcome", "pitch", "results"]
        if pitch_title:
            assert found[0].phases[1].title == pitch_title
        assert found[0].title == f"Séance 1 : {themes[0]}"


def test_settings_reach_the_sessions_and_a_session_of_another_cycle_is_refused(
    app: Flask,
) -> None:
    with app.app_context():
        ref, other = make_cycle(2), make_cycle(1)
        owner = owner_of(ref.id)
        cycles.update_settings(
            ref.id,
            owner,
            CycleSettings(
                title="Idéateur 2027",
                description="",
                territory="Privas",
                organiser="Fabrique de Privas",
                organiser_contact="rgpd@fabrique.example",
                retention_days=90,
                feedback_signed=True,
            ),
        )
        for workshop_id in ref.sessions:
            workshop = session(workshop_id)
            assert (workshop.organiser, workshop.retention_days) == ("Fabrique de Privas", 90)
        form = SessionForm(title="Séance à Privas", date=None, territory="Privas", theme="Pitch")
        moved = cycles.update_session(ref.id, owner, ref.sessions[0], form)
        assert (moved.title, moved.cycle_theme) == ("Séance à Privas", "Pitch")
        assert "workshop_updated" in [name for _seq, name in recorded(ref.sessions[0])]
        with pytest.raises(NotFound):
            cycles.update_session(ref.id, owner, other.sessions[0], form)
        with pytest.raises(NotFound):
            cycles.update_session(other.id, owner, other.sessions[0], form)


def test_co_facilitators_join_the_cycle_and_its_sessions(app: Flask) -> None:
    with app.app_context():
        ref = make_cycle(2)
        owner = owner_of(ref.id)
        helper = make_facilitator()
        with pytest.raises(ValidationError):
            cycles.add_co_facilitator(ref.id, owner, "nobody@example.org")
        cycles.add_co_facilitator(ref.id, owner, helper.email)
        assert cycles.require_cycle_facilitator(ref.id, helper).id == ref.id
        assert all(helper in session(w).facilitators for w in ref.sessions)
        with pytest.raises(ValidationError):
            cycles.remove_co_facilitator(ref.id, helper, owner.id)
        cycles.remove_co_facilitator(ref.id, owner, helper.id)
        cycle = db.session.get(Cycle, ref.id)
        assert cycle is not None and helper not in cycle.facilitators


def test_a_new_link_kills_the_old_one(app: Flask) -> None:
    with app.app_context():
        ref, other = make_cycle(1), make_cycle(0)
        owner = owner_of(ref.id)
        enrolment, old = enrol(ref.id)
        first, _t = cycles.participant_for(enrolment, ref.sessions[0])
        _e, new = cycles.reissue_link(ref.id, owner, enrolment.id)
        with pytest.raises(NotFound):
            cycles.enrolment_by_token(old)
        again = cycles.enrolment_by_token(new)
        assert cycles.participant_for(again, ref.sessions[0])[0].id == first.id
        with pytest.raises(NotFound):
            cycles.reissue_link(other.id, owner_of(other.id), enrolment.id)


def test_the_same_project_in_every_session(app: Flask) -> None:
    with app.app_context():
        ref = make_cycle(2)
        enrolment, _token = enrol(ref.id, "Awa")
        other, _t = enrol(ref.id, "Bruno")
        project = CycleProject(cycle_id=ref.id, enrolment_id=enrolment.id, title="Épicerie")
        db.session.add(project)
        db.session.commit()
        for workshop_id in ref.sessions:
            mine, _t1 = cycles.participant_for(enrolment, workshop_id)
            theirs, _t2 = cycles.participant_for(other, workshop_id)
            assert pitch.projects_held(session(workshop_id), mine) == [project.id]
            assert pitch.projects_held(session(workshop_id), theirs) == []


@pytest.mark.parametrize(
    ("preset", "sessions", "themed"),
    [
        # Every « Lance-toi ! » theme, each its own part of « mon projet ».
        ("lance_toi", None, 4),
        # The Idéateur's weekly themes that are parts (not the pitch, the note itself or
        # the pitch day).
        ("ideateur", 7, 5),
    ],
)
def test_a_presets_themes_each_have_their_part_of_the_note_dintention(
    app: Flask, preset: str, sessions: int | None, themed: int
) -> None:
    from workshop.services.cycle_projects import theme_section

    with app.test_request_context(headers={"Accept-Language": "fr"}):
        owner = make_facilitator()
        new = NewCycle(title="Cycle", preset=preset, start_date=START, sessions=sessions)
        cycle = cycles.create_cycle(new, owner)
        parts = [
            theme_section(cycle.intention_template, w.cycle_theme)
            for w in cycles.sessions_of(cycle)
        ]
        found = [p for p in parts if p is not None]
        assert len(found) == themed and len(set(found)) == themed, parts
