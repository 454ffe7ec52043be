"""The public carnet de projets: only the projects a Fabrique published, by stage, and
nothing personal; each Fabrique's carnet holds its own projects only."""

from __future__ import annotations

import re

import pytest
from flask import Flask, render_template
from flask.testing import FlaskClient

from tests.factories import make_facilitator
from tests.reports.conftest import COLLECTIVE, PERSON, PERSON_EMAIL, STRUCTURE, Portfolio
from workshop.errors import Forbidden, NotFound
from workshop.extensions import db
from workshop.models import Fabrique, Project
from workshop.schemas.reports import Publication
from workshop.services import fabriques, reports


def _publish(app: Flask, slug: str, ids: list[int], summary: str = "") -> None:
    with app.app_context():
        fabrique = fabriques.get_by_slug(slug)
        member = fabriques.members_of(fabrique)[0]
        for project_id in ids:
            reports.set_publication(
                fabrique, project_id, Publication(True, summary or f"Résumé {project_id}"), member
            )


def _titles(app: Flask, ids: list[int]) -> list[str]:
    with app.app_context():
        return [db.session.get(Project, i).title for i in ids]  # type: ignore[union-attr]


def test_the_carnet_shows_the_published_projects_by_stage_and_nothing_personal(
    app: Flask, client: FlaskClient, built: Portfolio
) -> None:
    p = built.projects
    _publish(app, built.slug, [p["p1"], p["p2"], p["p3"], p["p10"]])
    with app.app_context():
        # Published, but not accepted or merged away: never shown.
        for name in ("p4", "p6", "p7"):
            project = db.session.get(Project, p[name])
            assert project is not None
            project.published = True
        fabrique = db.session.get(Fabrique, fabriques.get_by_slug(built.slug).id)
        assert fabrique is not None
        fabrique.carnet_intro = "Les projets\nque nous accompagnons."
        db.session.commit()
    response = client.get(f"/p/{built.slug}/carnet")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Carnet de projets" in html and "Les projets\nque nous accompagnons." in html
    assert "4 projets" in html
    for title in _titles(app, [p["p1"], p["p2"], p["p3"], p["p10"]]):
        assert f"<bdi>{title}</bdi>" in html
    for title in _titles(app, [p["p4"], p["p5"], p["p6"], p["p7"], p["p8"]]):
        assert f"<bdi>{title}</bdi>" not in html
    assert f"Résumé {p['p1']}" in html
    # Stages in the pipeline's order, in words.
    assert re.findall(r'data-stage="(\w+)"', html) == ["holder_search", "launched", "abandoned"]
    assert "Recherche de porteur" in html and "Abandonnée" in html
    # Structures and collectives by name; a person never.
    assert "La Ruche d&#39;Ici" in html and COLLECTIVE in html
    assert "un porteur ou une porteuse" in html
    for personal in (PERSON, "Camille", PERSON_EMAIL, "Mairie d&#39;Annonay", "Pas de porteur"):
        assert personal not in html
    assert STRUCTURE.replace("'", "&#39;") in html


def test_each_fabriques_carnet_shows_its_own_projects_only(
    app: Flask, client: FlaskClient, built: Portfolio
) -> None:
    _publish(app, built.slug, [built.projects["p1"]])
    _publish(app, built.other_slug, [built.other_projects["p8"]])
    mine = client.get(f"/p/{built.slug}/carnet").get_data(as_text=True)
    theirs = client.get(f"/p/{built.other_slug}/carnet").get_data(as_text=True)
    [my_title] = _titles(app, [built.projects["p1"]])
    [their_title] = _titles(app, [built.other_projects["p8"]])
    assert f"<bdi>{my_title}</bdi>" in mine and f"<bdi>{their_title}</bdi>" not in mine
    assert f"<bdi>{their_title}</bdi>" in theirs and f"<bdi>{my_title}</bdi>" not in theirs
    assert client.get("/p/nobody/carnet").status_code == 404


def test_an_empty_carnet_says_so(client: FlaskClient, built: Portfolio) -> None:
    html = client.get(f"/p/{built.slug}/carnet").get_data(as_text=True)
    assert "Aucun projet n’est encore montré ici." in html


def test_only_members_publish_and_only_their_fabriques_projects(
    app: Flask, built: Portfolio
) -> None:
    with app.app_context():
        fabrique = fabriques.get_by_slug(built.slug)
        outsider = make_facilitator()
        with pytest.raises(Forbidden):
            reports.set_publication(fabrique, built.projects["p1"], Publication(True, ""), outsider)
        with pytest.raises(Forbidden):
            reports.set_carnet_intro(fabrique, "x", outsider)
        member = fabriques.members_of(fabrique)[0]
        with pytest.raises(NotFound):
            reports.set_publication(
                fabrique, built.other_projects["p1"], Publication(True, ""), member
            )
        other = db.session.get(Project, built.other_projects["p1"])
        assert other is not None and not other.published


def test_the_project_pages_carnet_section_posts_back_to_the_page(
    app: Flask, built: Portfolio
) -> None:
    page = f"/fabriques/{built.slug}/projets/{built.projects['p6']}"
    with app.test_request_context(page):
        fabrique = fabriques.get_by_slug(built.slug)
        project = db.session.get(Project, built.projects["p6"])
        html = render_template("projects/_public.html", fabrique=fabrique, project=project)
    assert f'action="{page}/carnet"' in html
    assert f'name="next" value="{page}"' in html
    assert 'name="published"' in html and 'name="public_summary"' in html
    assert f'href="/p/{built.slug}/carnet"' in html
    # A posting waiting for moderation is not shown until accepted: the page says so.
    assert "Il n’y apparaîtra pas tant qu’il n’est pas accepté." in html
