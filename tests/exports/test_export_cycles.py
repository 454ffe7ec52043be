"""Export 1.3: a session of a cycle carries its cycle (sessions, projects, note
d'intention, feedback, jury results, decisions) with texts only by consent; a workshop
outside a cycle has ``cycle: null``; 1.0, 1.1 and 1.2 documents still validate."""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import join_with_token, make_workshop, next_seq
from tests.portfolio.conftest import build_document, sign
from workshop import exports, majority
from workshop.errors import ValidationError
from workshop.extensions import db
from workshop.models import (
    Cycle,
    CycleProject,
    Enrolment,
    FeedbackCard,
    Juror,
    JuryGrade,
    JuryReview,
    LogbookEntry,
    Workshop,
)

GRID = [
    {"key": "besoin", "label": "Besoin", "description": "Un vrai besoin ?"},
    {"key": "faisabilite", "label": "Faisabilité", "description": ""},
]
TEMPLATE = [
    {"key": "besoin-public", "label": "Besoin et public", "prompt": ""},
    {"key": "modele", "label": "Modèle économique", "prompt": ""},
]
SECRET_CARD = "Ton prix est trop haut, parle à Joëlle"
SECRET_LOG = "Appeler la banque mardi"
JUROR_NAME = "Madame la Maire Dupont-Secret"
JUROR_COMMENT = "Commentaire confidentiel du jury"
HIDDEN_NAME = "Porteur Caché"
EMAIL = "awa.secret@example.org"


@dataclass(frozen=True)
class Cohort:
    cycle_uid: str
    first: int  # workshop ids
    second: int
    outside: int
    shown: int  # project ids: name shown, feedback shared
    private: int  # name hidden, feedback kept
    grades: dict[str, list[int]]  # shown project's grades by criterion


def _cohort(app: Flask) -> Cohort:
    """Two sessions of a cycle, a workshop outside it, two projects with everything."""
    with app.app_context():
        first = make_workshop(title="Séance 1 : charte sociale", territory="Privas")
        second = make_workshop(title="Séance 2 : modèle économique")
        outside = make_workshop(title="Hors cycle")
        cycle = Cycle(
            title="Lance-toi ! Ardèche",
            preset="lance_toi",
            territory="Centre Ardèche",
            criteria=[dict(c) for c in GRID],
            intention_template=[dict(t) for t in TEMPLATE],
            feedback_kinds=[{"key": "likes", "label": ""}, {"key": "idees", "label": "Idées"}],
        )
        db.session.add(cycle)
        db.session.flush()
        for workshop, day, theme in (
            (second, dt.date(2026, 12, 14), "Modèle économique"),
            (first, dt.date(2026, 12, 7), "Charte sociale"),
        ):
            workshop.cycle_id = cycle.id
            workshop.cycle_theme = theme
            workshop.date = day
        awa = Enrolment(
            cycle_id=cycle.id, display_name="Awa", email=EMAIL, token_hash=f"{next_seq():064d}"
        )
        hidden = Enrolment(
            cycle_id=cycle.id, display_name=HIDDEN_NAME, token_hash=f"{next_seq():064d}"
        )
        db.session.add_all([awa, hidden])
        db.session.flush()
        shown = CycleProject(
            cycle_id=cycle.id,
            enrolment_id=awa.id,
            title="Épicerie mobile",
            pitch="Une épicerie qui passe dans les hameaux.",
            intention={"modele": "Vente et adhésions", "besoin-public": "Les aînés isolés"},
            next_steps="Appeler la banque mardi",
            show_name=True,
            share_feedback=True,
            position=0,
            decision="declined",
            decision_reason="Pas encore de local",
            decided_at=dt.datetime(2026, 12, 20, 18, 0, tzinfo=dt.UTC),
        )
        private = CycleProject(
            cycle_id=cycle.id,
            enrolment_id=hidden.id,
            title="Garage solidaire",
            pitch="Réparer ensemble.",
            intention={"besoin-public": "Des voitures trop chères"},
            next_steps="Trouver un hangar",
            show_name=False,
            share_feedback=False,
            position=1,
        )
        db.session.add_all([shown, private])
        db.session.flush()
        db.session.add_all(
            [
                LogbookEntry(
                    project_id=shown.id,
                    workshop_id=first.id,
                    kind="intention",
                    text="besoin-public",
                    created_at=dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC),
                ),
                LogbookEntry(
                    project_id=shown.id, workshop_id=second.id, kind="next_step", text=SECRET_LOG
                ),
                LogbookEntry(project_id=private.id, kind="note", text="Note privée du garage"),
            ]
        )
        giver, _token = join_with_token(first, display_name="Léon Donneur")
        for project, kind, text, status in (
            (shown, "likes", SECRET_CARD, "visible"),
            (shown, "likes", "Bravo", "visible"),
            (shown, "idees", "Masqué par l'animation", "hidden"),
            (private, "idees", "Texte du garage", "visible"),
        ):
            db.session.add(
                FeedbackCard(
                    workshop_id=first.id,
                    project_id=project.id,
                    participant_id=giver.id,
                    client_id=f"c{next_seq()}",
                    kind=kind,
                    text=text,
                    signed=True,
                    status=status,
                )
            )
        jurors = [
            Juror(cycle_id=cycle.id, name=JUROR_NAME, token_hash=f"{next_seq():064d}"),
            Juror(cycle_id=cycle.id, name="Élu B", token_hash=f"{next_seq():064d}"),
            Juror(cycle_id=cycle.id, name="Partenaire C", token_hash=f"{next_seq():064d}"),
        ]
        db.session.add_all(jurors)
        db.session.flush()
        grades = {"besoin": [5, 3, 6], "faisabilite": [2, 4, 4]}
        for criterion, given_ in grades.items():
            for juror, grade in zip(jurors, given_, strict=True):
                db.session.add(
                    JuryGrade(
                        juror_id=juror.id, project_id=shown.id, criterion=criterion, grade=grade
                    )
                )
        # A grade on a criterion the grid no longer has is not counted.
        db.session.add(
            JuryGrade(juror_id=jurors[0].id, project_id=shown.id, criterion="ancien", grade=0)
        )
        db.session.add(
            JuryReview(juror_id=jurors[0].id, project_id=shown.id, comment=JUROR_COMMENT)
        )
        db.session.commit()
        return Cohort(cycle.uid, first.id, second.id, outside.id, shown.id, private.id, grades)


def _export(app: Flask, workshop_id: int) -> dict[str, Any]:
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        assert workshop is not None
        document = exports.build_json(workshop)
        exports.validate(document)
        return document


def _refused(app: Flask, document: dict[str, Any]) -> ValidationError:
    with app.app_context(), pytest.raises(ValidationError) as caught:
        exports.validate(document)
    return caught.value


def test_a_session_exports_its_cycle_with_sessions_projects_and_jury(app: Flask) -> None:
    cohort = _cohort(app)
    document = _export(app, cohort.first)
    assert document["version"] == "1.3"
    cycle = document["cycle"]
    assert cycle["uid"] == cohort.cycle_uid
    assert (cycle["title"], cycle["preset"], cycle["territory"]) == (
        "Lance-toi ! Ardèche",
        "lance_toi",
        "Centre Ardèche",
    )
    # Both sessions, by date, the exported one among them.
    assert [(s["title"], s["date"], s["theme"]) for s in cycle["sessions"]] == [
        ("Séance 1 : charte sociale", "2026-12-07", "Charte sociale"),
        ("Séance 2 : modèle économique", "2026-12-14", "Modèle économique"),
    ]
    assert document["workshop"]["uid"] == cycle["sessions"][0]["uid"]
    # The default kind is named in the instance's language, a custom one as typed.
    assert cycle["feedback_kinds"] == [
        {"key": "likes", "label": "Ce qui me plaît"},
        {"key": "idees", "label": "Idées"},
    ]
    assert cycle["criteria"] == GRID

    shown, private = cycle["projects"]
    assert shown["reference"] == f"{cohort.cycle_uid}/project/{cohort.shown}"
    assert (shown["title"], shown["pitch"], shown["holder"]) == (
        "Épicerie mobile",
        "Une épicerie qui passe dans les hameaux.",
        {"name": "Awa"},
    )
    # The note d'intention in the template's order, labelled, dated with its session.
    assert [(s["key"], s["label"], s["text"]) for s in shown["intention"]] == [
        ("besoin-public", "Besoin et public", "Les aînés isolés"),
        ("modele", "Modèle économique", "Vente et adhésions"),
    ]
    assert shown["intention"][0]["saved_at"] == "2026-12-07T10:00:00Z"
    assert shown["intention"][0]["session_uid"] == document["workshop"]["uid"]
    assert shown["intention"][1]["saved_at"] is None
    # Consent given: the carnet (without the section saves) and the cards, no giver.
    assert [(e["kind"], e["text"]) for e in shown["logbook"]] == [("next_step", SECRET_LOG)]
    assert shown["logbook"][0]["session_uid"] == cycle["sessions"][1]["uid"]
    assert shown["next_steps"] == SECRET_LOG
    assert shown["feedback"]["counts"] == {"likes": 2}  # the hidden card is not counted
    assert sorted(card["text"] for card in shown["feedback"]["cards"]) == ["Bravo", SECRET_CARD]
    assert all(
        set(card) == {"kind", "text", "signed", "session_uid", "given_at"}
        for card in shown["feedback"]["cards"]
    )
    # The jury: per criterion and overall, as workshop.majority computes them.
    jury = shown["jury"]
    assert jury["jurors"] == 3 and jury["rank"] == 1
    for result in jury["criteria"]:
        grades = cohort.grades[result["key"]]
        assert result["majority_grade"] == majority.majority_grade(grades)
        assert result["grades"] == list(majority.distribution(grades))
    everything = [g for grades in cohort.grades.values() for g in grades]
    assert jury["majority_grade"] == majority.majority_grade(everything)
    assert jury["grades"] == list(majority.distribution(everything))
    assert shown["decision"] == {
        "decision": "declined",
        "reason": "Pas encore de local",
        "decided_at": "2026-12-20T18:00:00Z",
    }

    # No consent: counts only, no name, no carnet, no next steps, no card texts.
    assert private["holder"] is None
    assert private["feedback"] == {"counts": {"idees": 1}, "cards": None}
    assert private["logbook"] is None and private["next_steps"] is None
    assert private["jury"]["jurors"] == 0 and private["jury"]["rank"] is None
    assert private["jury"]["majority_grade"] is None and private["decision"] is None

    text = json.dumps(document, ensure_ascii=False)
    for secret in (
        HIDDEN_NAME,
        "Texte du garage",
        "Note privée du garage",
        "Trouver un hangar",
        "Masqué par l'animation",
        JUROR_NAME,
        JUROR_COMMENT,
        "Léon Donneur",
        EMAIL,
    ):
        assert secret not in text, secret
    assert "token" not in text


def test_every_session_of_the_cycle_exports_the_same_projects(app: Flask) -> None:
    cohort = _cohort(app)
    first, second = _export(app, cohort.first), _export(app, cohort.second)
    assert first["cycle"]["projects"] == second["cycle"]["projects"]
    assert first["workshop"]["uid"] != second["workshop"]["uid"]


def test_a_workshop_outside_a_cycle_exports_cycle_null(app: Flask) -> None:
    cohort = _cohort(app)
    document = _export(app, cohort.outside)
    assert document["version"] == "1.3" and document["cycle"] is None


def test_the_digest_covers_the_cycle(app: Flask) -> None:
    cohort = _cohort(app)
    document = _export(app, cohort.first)
    changed = copy.deepcopy(document)
    changed["cycle"]["projects"][1]["feedback"]["cards"] = [
        {
            "kind": "idees",
            "text": "ajouté après l'export",
            "signed": False,
            "session_uid": None,
            "given_at": None,
        }
    ]
    assert _refused(app, changed).details["reason"] == "integrity"


def test_a_1_3_export_must_hold_a_coherent_cycle(app: Flask) -> None:
    cohort = _cohort(app)
    document = _export(app, cohort.first)

    missing = copy.deepcopy(document)
    del missing["cycle"]
    assert _refused(app, sign(missing)).details["reason"] == "schema"

    wrong_reference = copy.deepcopy(document)
    wrong_reference["cycle"]["projects"][0]["reference"] = f"{'0' * 32}/project/1"
    error = _refused(app, sign(wrong_reference))
    assert error.details["path"] == "/cycle/projects/0/reference"

    not_a_session = copy.deepcopy(document)
    not_a_session["cycle"]["sessions"] = not_a_session["cycle"]["sessions"][1:]
    assert _refused(app, sign(not_a_session)).details["path"] == "/cycle/sessions"

    twice = copy.deepcopy(document)
    twice["cycle"]["projects"][1]["id"] = twice["cycle"]["projects"][0]["id"]
    twice["cycle"]["projects"][1]["reference"] = twice["cycle"]["projects"][0]["reference"]
    assert _refused(app, sign(twice)).details["path"] == "/cycle/projects/1/id"

    other_grid = copy.deepcopy(document)
    other_grid["cycle"]["projects"][0]["jury"]["criteria"].pop()
    assert _refused(app, sign(other_grid)).details["path"] == "/cycle/projects/0/jury/criteria"

    named_juror = copy.deepcopy(document)
    named_juror["cycle"]["projects"][0]["jury"]["names"] = [JUROR_NAME]
    assert _refused(app, sign(named_juror)).details["reason"] == "schema"

    bad_grade = copy.deepcopy(document)
    bad_grade["cycle"]["projects"][0]["jury"]["majority_grade"] = 7
    assert _refused(app, sign(bad_grade)).details["reason"] == "schema"

    card_giver = copy.deepcopy(document)
    card_giver["cycle"]["projects"][0]["feedback"]["cards"][0]["giver"] = "Léon"
    assert _refused(app, sign(card_giver)).details["reason"] == "schema"


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
def test_older_exports_still_validate_without_a_cycle(app: Flask, version: str) -> None:
    document = build_document(title="Manger local")
    document["version"] = version
    if version != "1.0":
        document["contribution_kinds"] = []
        document["tables"] = []
    if version == "1.2":
        document["workshop"]["participants_by_profile"] = {
            "citizen": 7,
            "elected": 2,
            "association": 1,
            "business": 0,
            "project_holder": 1,
            "other": 0,
        }
    with app.app_context():
        exports.validate(sign(document))


# ------------------------------------------------------------------ property test

_texts = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
    max_size=300,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    title=st.text(min_size=1, max_size=140).filter(lambda t: "\x00" not in t and t.isprintable()),
    pitch=_texts,
    section=_texts,
    card=_texts,
    shown=st.booleans(),
    share=st.booleans(),
    grades=st.lists(st.integers(min_value=0, max_value=6), max_size=5),
)
def test_whatever_a_holder_writes_the_export_validates_and_keeps_consent(
    app: Flask,
    title: str,
    pitch: str,
    section: str,
    card: str,
    shown: bool,
    share: bool,
    grades: list[int],
) -> None:
    with app.app_context():
        workshop = make_workshop(title=f"Séance {next_seq()}")
        cycle = Cycle(title="Cycle", criteria=[dict(GRID[0])], feedback_kinds=[{"key": "k"}])
        db.session.add(cycle)
        db.session.flush()
        workshop.cycle_id = cycle.id
        enrolment = Enrolment(
            cycle_id=cycle.id, display_name="Zoé", token_hash=f"{next_seq():064d}"
        )
        db.session.add(enrolment)
        db.session.flush()
        project = CycleProject(
            cycle_id=cycle.id,
            enrolment_id=enrolment.id,
            title=title,
            pitch=pitch,
            intention={"besoin-public": section},
            show_name=shown,
            share_feedback=share,
        )
        db.session.add(project)
        db.session.flush()
        db.session.add(
            FeedbackCard(
                workshop_id=workshop.id,
                project_id=project.id,
                client_id=f"c{next_seq()}",
                kind="k",
                text=card,
            )
        )
        for grade in grades:
            juror = Juror(cycle_id=cycle.id, name="J", token_hash=f"{next_seq():064d}")
            db.session.add(juror)
            db.session.flush()
            db.session.add(
                JuryGrade(juror_id=juror.id, project_id=project.id, criterion="besoin", grade=grade)
            )
        db.session.commit()
        document = exports.build_json(workshop)
        exports.validate(document)
        (exported,) = document["cycle"]["projects"]
        assert exported["title"] == title and exported["pitch"] == pitch
        assert (exported["holder"] is not None) == shown
        assert exported["feedback"]["counts"] == {"k": 1}
        assert (exported["feedback"]["cards"] is not None) == share
        assert exported["jury"]["jurors"] == len(grades)
        assert exported["jury"]["majority_grade"] == majority.majority_grade(grades)
        assert [s["text"] for s in exported["intention"]] == (
            [section.strip()] if section.strip() else []
        )
