"""« Mon projet »'s services: one project per person and cycle, versioned edits, the
note d'intention dated by session, the logbook, the feedback shown, the pitch order,
and isolation between cycles and between holders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from tests.cycles.conftest import owner_of
from tests.factories import make_facilitator
from tests.my_project.conftest import World, cycle_of, give_card, new_project, person
from workshop.errors import Conflict, NotFound
from workshop.extensions import db
from workshop.models import CycleProject, LogbookEntry, Workshop
from workshop.models.workshops import WorkshopStatus
from workshop.schemas.cycle_projects import (
    Direction,
    NewLogbookEntry,
    NewProjectFor,
    ProjectForm,
    SectionEdit,
)
from workshop.services import cycle_projects
from workshop.services.cycle_projects import theme_section


def form(version: int | None, title: str = "Épicerie mobile", pitch: str = "") -> ProjectForm:
    return ProjectForm(
        title=title, pitch=pitch, show_name=False, share_feedback=True, version=version
    )


def test_one_project_per_person_and_cycle(app: Flask, world: Callable[..., World]) -> None:
    a = world()
    with app.app_context():
        project = new_project(a.tokens["Awa"])
        assert project.position == 0 and project.version == 1
        assert new_project(a.tokens["Basile"], "Garage").position == 1
        with pytest.raises(Conflict) as refused:
            new_project(a.tokens["Awa"], "Un second projet")
        assert refused.value.details["reason"] == "has_project"
        assert cycle_projects.project_of(person(a.tokens["Awa"])) == project
        titles = [p.title for p in cycle_projects.projects_of(cycle_of(a))]
        assert titles == ["Épicerie mobile", "Garage"]


def test_an_outdated_save_is_refused_and_writes_nothing(
    app: Flask, world: Callable[..., World]
) -> None:
    a = world()
    with app.app_context():
        new_project(a.tokens["Awa"])
        awa = person(a.tokens["Awa"])
        saved = cycle_projects.update_project(awa, form(1, "Épicerie itinérante", "Le pitch"))
        assert (saved.version, saved.title, saved.show_name, saved.share_feedback) == (
            2,
            "Épicerie itinérante",
            False,
            True,
        )
        with pytest.raises(Conflict):
            cycle_projects.update_project(awa, form(1, "Écrit sur un autre téléphone"))
        with pytest.raises(Conflict):
            cycle_projects.save_section(awa, SectionEdit("besoin", "Texte", 1))
        db.session.rollback()
        project = cycle_projects.project_of(awa)
        assert project is not None
        assert (project.version, project.title, project.intention) == (2, "Épicerie itinérante", {})


def test_a_section_is_dated_with_the_session_running_now(
    app: Flask, world: Callable[..., World]
) -> None:
    a = world()
    with app.app_context():
        new_project(a.tokens["Awa"])
        awa = person(a.tokens["Awa"])
        cycle_projects.save_section(awa, SectionEdit("besoin", "Des familles sans voiture", 1))
        project = cycle_projects.save_section(awa, SectionEdit("impact", "Paniers vendus", 2))
        assert project.intention == {
            "besoin": "Des familles sans voiture",
            "impact": "Paniers vendus",
        }
        page = cycle_projects.project_page(project)
        sections = {s.key: s for s in page.sections}
        assert [s.key for s in page.sections] == [
            "besoin",
            "modele-economique",
            "gouvernance",
            "impact",
        ]
        assert sections["besoin"].saved_at is not None and sections["besoin"].saved_in == "Thème 1"
        assert sections["gouvernance"].saved_at is None and sections["gouvernance"].text == ""
        assert page.filled == 2
        # The saves date the sections; they are not lines of the carnet de bord.
        assert page.logbook == []


def test_the_logbook_ties_each_line_to_the_session_running_now(
    app: Flask, world: Callable[..., World]
) -> None:
    running, later = world(), world(opened=False)
    with app.app_context():
        for w in (running, later):
            new_project(w.tokens["Awa"])
            awa = person(w.tokens["Awa"])
            cycle_projects.add_logbook_entry(awa, NewLogbookEntry("decided", "Tester à Annonay"))
            cycle_projects.add_logbook_entry(awa, NewLogbookEntry("next_step", "Voir la mairie"))
            cycle_projects.add_logbook_entry(
                awa, NewLogbookEntry("next_step", "Un devis\nde camion")
            )
        owner = owner_of(running.id)
        project = cycle_projects.project_of(person(running.tokens["Awa"]))
        assert project is not None
        cycle_projects.add_facilitator_entry(
            running.id, owner, project.id, NewLogbookEntry("note", "Belle énergie")
        )
        page = cycle_projects.project_page(project)
        assert [(line.entry.kind, line.entry.author, line.session) for line in page.logbook] == [
            ("decided", "holder", "Thème 1"),
            ("next_step", "holder", "Thème 1"),
            ("next_step", "holder", "Thème 1"),
            ("note", "facilitator", "Thème 1"),
        ]
        assert [line.entry.text for line in page.next_steps] == [
            "Voir la mairie",
            "Un devis\nde camion",
        ]
        assert project.next_steps == "Voir la mairie\nUn devis de camion"
        other = cycle_projects.project_of(person(later.tokens["Awa"]))
        assert other is not None
        assert {line.session for line in cycle_projects.project_page(other).logbook} == {""}
        assert all(
            e.workshop_id is None
            for e in db.session.scalars(
                select(LogbookEntry).where(LogbookEntry.project_id == other.id)
            )
        )


def test_another_cycle_never_reaches_a_project(app: Flask, world: Callable[..., World]) -> None:
    a, b = world(), world()
    with app.app_context():
        project_a = new_project(a.tokens["Awa"])
        owner_b = owner_of(b.id)
        entry = NewLogbookEntry("note", "Intrusion")
        with pytest.raises(NotFound):
            cycle_projects.add_facilitator_entry(b.id, owner_b, project_a.id, entry)
        with pytest.raises(NotFound):
            cycle_projects.move_project(b.id, owner_b, project_a.id, Direction.DOWN)
        with pytest.raises(NotFound):
            cycle_projects.project_in(cycle_of(b), project_a.id)
        # B's facilitator cannot act on cycle A, nor a stranger.
        for someone in (owner_b, make_facilitator()):
            with pytest.raises(NotFound):
                cycle_projects.add_facilitator_entry(a.id, someone, project_a.id, entry)
        # A person of B has no project: they never see A's.
        assert cycle_projects.project_of(person(b.tokens["Awa"])) is None
        with pytest.raises(NotFound):
            cycle_projects.add_logbook_entry(person(b.tokens["Awa"]), entry)
        # Nor does another holder of A.
        assert cycle_projects.project_of(person(a.tokens["Basile"])) is None
        with pytest.raises(NotFound):
            cycle_projects.save_section(person(a.tokens["Basile"]), SectionEdit("besoin", "x", 1))
        # A facilitator of B cannot create a project for a person of A.
        awa_a = person(a.tokens["Basile"])
        new = NewProjectFor(awa_a.id, form(None))
        with pytest.raises(NotFound):
            cycle_projects.create_project_for(b.id, owner_b, new)
        assert db.session.scalars(select(LogbookEntry)).all() == []
        assert db.session.scalar(select(CycleProject).where(CycleProject.cycle_id == b.id)) is None


def test_a_facilitator_creates_a_project_for_a_holder(
    app: Flask, world: Callable[..., World]
) -> None:
    a = world()
    with app.app_context():
        owner = owner_of(a.id)
        basile = person(a.tokens["Basile"])
        waiting = cycle_projects.holders_without_project(cycle_of(a))
        assert [e.display_name for e in waiting] == ["Awa", "Basile"]
        project = cycle_projects.create_project_for(
            a.id, owner, NewProjectFor(basile.id, form(None))
        )
        assert project.enrolment_id == basile.id
        assert cycle_projects.project_of(person(a.tokens["Basile"])) == project
        assert [e.display_name for e in cycle_projects.holders_without_project(cycle_of(a))] == [
            "Awa"
        ]
        with pytest.raises(Conflict):
            cycle_projects.create_project_for(a.id, owner, NewProjectFor(basile.id, form(None)))


def test_the_pitch_order_moves_one_place_at_a_time(app: Flask, world: Callable[..., World]) -> None:
    a = world(names=("Awa", "Basile", "Chloé"))
    with app.app_context():
        ids = [new_project(a.tokens[n], f"Projet {n}").id for n in ("Awa", "Basile", "Chloé")]
        owner = owner_of(a.id)

        def order() -> list[int]:
            return [p.id for p in cycle_projects.projects_of(cycle_of(a))]

        cycle_projects.move_project(a.id, owner, ids[2], Direction.UP)
        assert order() == [ids[0], ids[2], ids[1]]
        cycle_projects.move_project(a.id, owner, ids[0], Direction.UP)  # already first
        assert order() == [ids[0], ids[2], ids[1]]
        cycle_projects.move_project(a.id, owner, ids[0], Direction.DOWN)
        assert order() == [ids[2], ids[0], ids[1]]
        assert [p.position for p in cycle_projects.projects_of(cycle_of(a))] == [0, 1, 2]
        # The order is not the holder's text: their next save still works.
        awa = person(a.tokens["Awa"])
        assert cycle_projects.update_project(awa, form(1)).version == 2


def test_feedback_shows_visible_cards_by_kind_signed_only_when_signed(
    app: Flask, world: Callable[..., World]
) -> None:
    a = world()
    with app.app_context():
        project = new_project(a.tokens["Awa"])
        session = a.cycle.sessions[0]
        give_card(project.id, session, "likes", "Le camion !", signed=True)
        give_card(project.id, session, "likes", "L'idée", signed=False)
        give_card(project.id, session, "questions", "Quel prix ?")
        give_card(project.id, session, "questions", "Masquée", status="hidden")
        give_card(project.id, session, "ancienne", "Une sorte retirée")
        other = new_project(a.tokens["Basile"], "Garage")
        give_card(other.id, session, "likes", "Pour le garage")
        page = cycle_projects.project_page(project)
        groups = {g.key: g for g in page.feedback}
        assert [(c.text, c.signer) for c in groups["likes"].cards] == [
            ("Le camion !", "Léa"),
            ("L'idée", None),
        ]
        assert [c.text for c in groups["questions"].cards] == ["Quel prix ?"]
        assert groups["suggestions"].cards == [] and groups["resources"].cards == []
        assert [c.text for c in groups[""].cards] == ["Une sorte retirée"]
        assert page.feedback_total == 4
        counts = cycle_projects.feedback_counts(cycle_of(a), project)
        assert [(key, count) for key, _label, count in counts] == [
            ("likes", 2),
            ("questions", 1),
            ("suggestions", 0),
            ("resources", 0),
        ]


def test_the_sessions_theme_highlights_its_section(app: Flask, world: Callable[..., World]) -> None:
    a = world(opened=False)
    with app.app_context():
        project = new_project(a.tokens["Awa"])
        first = db.session.get(Workshop, a.cycle.sessions[0])
        assert first is not None
        first.cycle_theme = "Gouvernance participative"
        first.status = WorkshopStatus.OPEN
        db.session.commit()
        page = cycle_projects.project_page(project)
        assert page.current_session == first
        assert [s.key for s in page.sections if s.current] == ["gouvernance"]


TEMPLATE = [
    {"key": "besoin", "label": "Besoin et public"},
    {"key": "modele-economique", "label": "Modèle économique"},
    {"key": "gouvernance", "label": "Gouvernance"},
    {"key": "impact", "label": "Indicateurs d'impact"},
]


@pytest.mark.parametrize(
    ("theme", "key"),
    [
        ("Modèle économique", "modele-economique"),
        ("MODELE ECONOMIQUE", "modele-economique"),
        ("modele-economique", "modele-economique"),
        ("Gouvernance participative", "gouvernance"),
        ("Mesure d'impact", "impact"),
        ("Le besoin", "besoin"),
        ("Charte sociale", None),
        ("", None),
    ],
)
def test_a_theme_finds_its_section(theme: str, key: str | None) -> None:
    assert theme_section(TEMPLATE, theme) == key


def test_each_side_deletes_only_its_own_logbook_lines(
    app: Flask, world: Callable[..., World]
) -> None:
    a, b = world(), world()
    with app.app_context():
        project = new_project(a.tokens["Awa"])
        new_project(a.tokens["Basile"], "Garage")
        awa = person(a.tokens["Awa"])
        owner = owner_of(a.id)
        first = cycle_projects.add_logbook_entry(awa, NewLogbookEntry("next_step", "Mairie"))
        second = cycle_projects.add_logbook_entry(awa, NewLogbookEntry("next_step", "Devis"))
        theirs = cycle_projects.add_facilitator_entry(
            a.id, owner, project.id, NewLogbookEntry("note", "De l'équipe")
        )
        cycle_projects.save_section(awa, SectionEdit("besoin", "Texte", 1))
        dated = db.session.scalar(select(LogbookEntry).where(LogbookEntry.kind == "intention"))
        assert dated is not None
        ids = (first.id, second.id, theirs.id, dated.id)
        refused = [
            lambda: cycle_projects.remove_logbook_entry(awa, ids[2]),  # the team's line
            lambda: cycle_projects.remove_logbook_entry(awa, ids[3]),  # a section's date
            lambda: cycle_projects.remove_logbook_entry(person(a.tokens["Basile"]), ids[0]),
            lambda: cycle_projects.remove_facilitator_entry(a.id, owner, project.id, ids[0]),
            lambda: cycle_projects.remove_facilitator_entry(
                b.id, owner_of(b.id), project.id, ids[2]
            ),
        ]
        for attempt in refused:
            with pytest.raises(NotFound):
                attempt()
        db.session.rollback()
        cycle_projects.remove_logbook_entry(awa, ids[0])
        cycle_projects.remove_facilitator_entry(a.id, owner, project.id, ids[2])
        remaining = db.session.scalars(
            select(LogbookEntry.id).where(LogbookEntry.project_id == project.id)
        ).all()
        assert sorted(remaining) == sorted([ids[1], ids[3]])
        assert project.next_steps == "Devis"


def test_between_sessions_the_next_planned_one_gives_the_theme(
    app: Flask, world: Callable[..., World]
) -> None:
    a = world(opened=False)
    with app.app_context():
        project = new_project(a.tokens["Awa"])
        first, second = (db.session.get(Workshop, w) for w in a.cycle.sessions)
        assert first is not None and second is not None
        first.cycle_theme, second.cycle_theme = "Mesure d'impact", "Modèle économique"
        db.session.commit()
        assert first.date is not None
        assert cycle_projects.project_page(project).current_session is None
        # On the first session's day (it is not opened yet), its theme counts.
        assert cycle_projects.theme_session(cycle_of(a), first.date) == first
        # Once its day has passed, the next one's does.
        assert (
            cycle_projects.theme_session(cycle_of(a), first.date + dt.timedelta(days=1)) == second
        )
        # A closed cycle session is never « the next one ».
        second.status = WorkshopStatus.CLOSED
        db.session.commit()
        later = first.date + dt.timedelta(days=1)
        assert cycle_projects.theme_session(cycle_of(a), later) is None
