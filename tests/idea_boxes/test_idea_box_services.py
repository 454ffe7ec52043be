"""Idea boxes' services: postings become projects, moderation, relayed needs, projects
taken into a live workshop; every one checked against another Fabrique."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.factories import make_facilitator, make_workshop
from tests.idea_boxes.conftest import Place, make_box
from workshop.errors import Forbidden, NotFound, ValidationError, WorkshopClosed
from workshop.extensions import db
from workshop.models import Facilitator, Follower, Idea, IdeaBox, Project, ProjectEvent, Workshop
from workshop.schemas.idea_boxes import (
    IntoWorkshop,
    parse_box_form,
    parse_box_post,
    parse_relayed_need,
)
from workshop.services import idea_boxes
from workshop.services.portfolio.counted import counted_projects_clause, is_counted


def post(place: Place, box_id: int, **fields: Any) -> Project | None:
    box = db.session.get(IdeaBox, box_id)
    assert box is not None
    data = {"title": "Une épicerie mobile", "description": "Pour les hameaux", **fields}
    return idea_boxes.post_in_box(place.slug, box.slug, parse_box_post(data))


def history(project_id: int) -> list[ProjectEvent]:
    return list(
        db.session.scalars(
            select(ProjectEvent)
            .where(ProjectEvent.project_id == project_id)
            .order_by(ProjectEvent.id)
        )
    )


def counted(place: Place) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Project)
            .where(Project.fabrique_id == place.fabrique_id, counted_projects_clause())
        )
        or 0
    )


def test_a_posting_in_a_premoderated_box_waits_and_does_not_count(app: Flask, place: Place) -> None:
    with app.app_context():
        box_id = make_box(place)
        project = post(place, box_id, name="Camille", nature="need")
        assert project is not None
        assert project.kind == "box"
        assert project.box_id == box_id
        assert project.review == "pending"
        assert project.stage == "to_study"
        assert (project.territory, project.campaign) == ("Privas", "Manger local")
        assert project.author_name == "Camille"
        assert not is_counted(project)
        assert counted(place) == 0
        [created] = history(project.id)
        assert created.kind == "created"
        assert created.by_label == "Idées pour Privas"
        assert created.data["nature"] == "need"
        assert created.data["review"] == "pending"


def test_a_box_without_premoderation_accepts_at_once(app: Flask, place: Place) -> None:
    with app.app_context():
        box_id = make_box(place, premoderation=None)
        project = post(place, box_id)
        assert project is not None and project.review == "accepted"
        assert project.author_name is None  # anonymous
        assert counted(place) == 1


def test_the_same_posting_sent_twice_is_one_project(app: Flask, place: Place) -> None:
    with app.app_context():
        box_id = make_box(place)
        first = post(place, box_id)
        second = post(place, box_id)
        assert first is not None and second is not None and first.id == second.id
        third = post(place, box_id, title="Autre chose")
        assert third is not None and third.id != first.id
        # Someone else posting the same words under their name is someone else.
        fourth = post(place, box_id, name="Sam")
        assert fourth is not None and fourth.id != first.id


def test_a_robot_filling_the_honeypot_leaves_nothing(app: Flask, place: Place) -> None:
    with app.app_context():
        box_id = make_box(place)
        assert post(place, box_id, website="http://spam.example") is None
        assert db.session.scalar(select(func.count()).select_from(Project)) == 0


def test_a_closed_box_refuses_postings(app: Flask, place: Place) -> None:
    with app.app_context():
        box_id = make_box(place, open=None)
        with pytest.raises(idea_boxes.BoxClosed):
            post(place, box_id)
        assert db.session.scalar(select(func.count()).select_from(Project)) == 0


def test_an_unknown_box_or_another_fabriques_is_not_found(
    app: Flask, place: Place, other: Place
) -> None:
    with app.app_context():
        box_id = make_box(place)
        box = db.session.get(IdeaBox, box_id)
        assert box is not None
        with pytest.raises(NotFound):
            idea_boxes.post_in_box(other.slug, box.slug, parse_box_post({"title": "x"}))
        with pytest.raises(NotFound):
            idea_boxes.post_in_box(place.slug, "nope", parse_box_post({"title": "x"}))
        with pytest.raises(NotFound):
            idea_boxes.box_in(other.fabrique(), box_id)
        with pytest.raises(NotFound):
            idea_boxes.queue(other.fabrique(), box_id=box_id)


def test_the_email_follows_the_project_with_consent(app: Flask, place: Place) -> None:
    with app.app_context():
        box_id = make_box(place)
        project = post(place, box_id, name="Lou", email="Lou@Example.org", follow="on")
        assert project is not None
        follower = db.session.scalar(select(Follower))
        assert follower is not None
        assert (follower.project_id, follower.email) == (project.id, "lou@example.org")
        assert (follower.source, follower.name) == ("box", "Lou")
        # Without an email nobody follows.
        post(place, box_id, title="Sans adresse")
        assert db.session.scalar(select(func.count()).select_from(Follower)) == 1


def test_box_short_names_are_unique_per_fabrique(app: Flask, place: Place, other: Place) -> None:
    with app.app_context():
        make_box(place, slug="idees")
        with pytest.raises(ValidationError) as refused:
            make_box(place, title="Autre", slug="idees")
        assert refused.value.details["reason"] == "taken"
        make_box(other, slug="idees")  # another Fabrique may use it
        box_id = make_box(place, title="Deuxième")
        with pytest.raises(ValidationError):
            idea_boxes.update_box(
                place.fabrique(), box_id, parse_box_form({"title": "D", "slug": "idees"})
            )


def test_moderation_accepts_rejects_and_keeps_the_original_title(
    app: Flask, place: Place, other: Place
) -> None:
    with app.app_context():
        box_id = make_box(place)
        project = post(place, box_id, title="epicerie!!")
        assert project is not None
        fabrique, member = place.fabrique(), place.member()
        assert [p.project.id for p in idea_boxes.queue(fabrique)] == [project.id]
        assert [p.project.id for p in idea_boxes.queue(fabrique, box_id=box_id)] == [project.id]

        idea_boxes.retitle(fabrique, project.id, "Une épicerie mobile", member)
        idea_boxes.accept(fabrique, project.id, member)
        assert idea_boxes.queue(fabrique) == []
        assert counted(place) == 1
        [accepted] = idea_boxes.queue(fabrique, review="accepted")
        assert accepted.original_title == "epicerie!!"
        assert accepted.project.title == "Une épicerie mobile"

        idea_boxes.reject(fabrique, project.id, member)
        assert counted(place) == 0
        kinds = [(e.kind, e.data) for e in history(project.id)]
        assert kinds[1] == ("retitled", {"from": "epicerie!!", "to": "Une épicerie mobile"})
        assert [k for k, _ in kinds] == ["created", "retitled", "reviewed", "reviewed"]
        assert kinds[-1][1] == {"from": "accepted", "to": "rejected"}

        # Another Fabrique's member cannot reach it.
        for act in (idea_boxes.accept, idea_boxes.reject):
            with pytest.raises(NotFound):
                act(other.fabrique(), project.id, other.member())
        with pytest.raises(NotFound):
            idea_boxes.retitle(other.fabrique(), project.id, "x", other.member())


def test_only_box_postings_are_moderated(app: Flask, place: Place) -> None:
    with app.app_context():
        need = idea_boxes.add_relayed_need(
            place.fabrique(),
            parse_relayed_need(
                {"title": "Garde d'enfants", "source_kind": "company", "source_name": "Acme"}
            ),
            place.member(),
        )
        with pytest.raises(NotFound):
            idea_boxes.reject(place.fabrique(), need.id, place.member())


def test_a_relayed_need_keeps_its_source(app: Flask, place: Place) -> None:
    with app.app_context():
        need = parse_relayed_need(
            {
                "title": "Un lieu pour les jeunes",
                "description": "Le conseil municipal en parle depuis un an.",
                "territory": "Aubenas",
                "campaign": "Jeunesse",
                "source_kind": "collectivite",
                "source_name": "Mairie d'Aubenas",
                "relayer_contact": "Mme Roux, 06 00 00 00 00",
            }
        )
        project = idea_boxes.add_relayed_need(place.fabrique(), need, place.member())
        assert (project.kind, project.review, project.stage) == ("relayed", "accepted", "to_study")
        assert (project.source_kind, project.source_name) == ("collectivite", "Mairie d'Aubenas")
        assert (project.territory, project.campaign) == ("Aubenas", "Jeunesse")
        [created] = history(project.id)
        assert created.by_id == place.member_id
        assert created.data["relayer_contact"] == "Mme Roux, 06 00 00 00 00"
        assert counted(place) == 1
        assert [p.id for p in idea_boxes.relayed_needs(place.fabrique())] == [project.id]


def _workshop(owner_id: int, **overrides: Any) -> Workshop:
    """A workshop run by facilitator ``owner_id``."""
    return make_workshop(owner=db.session.get(Facilitator, owner_id), **overrides)


def test_projects_taken_into_a_workshop_become_imported_ideas(app: Flask, place: Place) -> None:
    with app.app_context():
        box_id = make_box(place, premoderation=None)
        posted = post(place, box_id, description="Pour les hameaux")
        need = idea_boxes.add_relayed_need(
            place.fabrique(),
            parse_relayed_need(
                {"title": "Garde d'enfants", "source_kind": "company", "source_name": "Acme"}
            ),
            place.member(),
        )
        assert posted is not None
        workshop = _workshop(place.member_id, status="draft", title="Soirée défis")
        assert workshop in idea_boxes.workshops_to_take_into(place.member())
        into = IntoWorkshop(project_ids=(posted.id, need.id), workshop_id=workshop.id)
        result = idea_boxes.take_into_workshop(place.fabrique(), into, place.member())
        assert (result.added, result.already) == (2, 0)
        ideas = list(
            db.session.scalars(
                select(Idea).where(Idea.workshop_id == workshop.id).order_by(Idea.position)
            )
        )
        assert [i.title for i in ideas] == ["Une épicerie mobile", "Garde d'enfants"]
        assert ideas[0].description == "Pour les hameaux"
        assert ideas[0].participant_id is None and ideas[0].status == "visible"
        assert ideas[0].details is not None and ideas[0].details["project"] == str(posted.id)
        assert "Acme" in (ideas[1].details or {})["source"]
        taken = history(posted.id)[-1]
        assert taken.kind == "taken_into_workshop"
        assert taken.data == {
            "workshop_id": workshop.id,
            "workshop": "Soirée défis",
            "code": workshop.code,
        }
        # Taken in again: nothing added, no second history entry.
        again = idea_boxes.take_into_workshop(place.fabrique(), into, place.member())
        assert (again.added, again.already) == (0, 2)
        assert [e.kind for e in history(posted.id)].count("taken_into_workshop") == 1


@pytest.mark.parametrize("case", ["closed", "not_facilitator", "pending", "other_fabrique"])
def test_taking_into_a_workshop_refuses_clearly(
    app: Flask, place: Place, other: Place, case: str
) -> None:
    with app.app_context():
        box_id = make_box(place, premoderation=None if case != "pending" else "on")
        project = post(place, box_id)
        assert project is not None
        owner = place.member_id if case != "not_facilitator" else make_facilitator().id
        workshop = _workshop(owner, status="closed" if case == "closed" else "open")
        fabrique, member = place.fabrique(), place.member()
        if case == "other_fabrique":
            fabrique, member = other.fabrique(), other.member()
            workshop = _workshop(other.member_id)
        into = IntoWorkshop(project_ids=(project.id,), workshop_id=workshop.id)
        expected: type[Exception] = {
            "closed": WorkshopClosed,
            "not_facilitator": Forbidden,
            "pending": ValidationError,
            "other_fabrique": NotFound,
        }[case]
        with pytest.raises(expected) as refused:
            idea_boxes.take_into_workshop(fabrique, into, member)
        if case == "closed":
            assert "Choisissez un atelier qui n’est pas clos" in refused.value.message
        if case == "not_facilitator":
            assert "demandez à l’un·e de ses animateur·rices" in refused.value.message
        assert db.session.scalar(select(func.count()).select_from(Idea)) == 0
        assert [e.kind for e in history(project.id)] == ["created"]


def test_a_workshop_that_does_not_exist_is_not_found(app: Flask, place: Place) -> None:
    with app.app_context():
        box_id = make_box(place, premoderation=None)
        project = post(place, box_id)
        assert project is not None
        into = IntoWorkshop(project_ids=(project.id,), workshop_id=999_999)
        with pytest.raises(NotFound):
            idea_boxes.take_into_workshop(place.fabrique(), into, place.member())


def test_a_posting_deleted_for_good_leaves_nothing(app: Flask, place: Place, other: Place) -> None:
    with app.app_context():
        box_id = make_box(place)
        project = post(place, box_id, name="Lou", email="lou@example.org", follow="on")
        assert project is not None
        project_id = project.id
        with pytest.raises(NotFound):
            idea_boxes.delete_posting(other.fabrique(), project_id)
        assert idea_boxes.delete_posting(place.fabrique(), project_id) == "Une épicerie mobile"
        db.session.expunge_all()
        assert db.session.get(Project, project_id) is None
        assert history(project_id) == []
        assert db.session.scalar(select(func.count()).select_from(Follower)) == 0
