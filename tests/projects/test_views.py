"""The projects' pages, in French: the list and its filters, a project's page and its
forms, and nothing of another Fabrique's."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import as_facilitator
from tests.portfolio.conftest import build_document, challenge, idea, qualification
from tests.projects.helpers import fabrique_of, project_titled
from workshop.extensions import db
from workshop.services import portfolio

DOCUMENT = build_document(
    title="Printemps",
    territory="Annonay",
    challenges=[challenge(1, "Comment mieux manger ?", qualification=qualification())],
    ideas=[idea(1, "Épicerie mobile", 1), idea(2, "Atelier vélo", None)],
)


def _setup(app: Flask, new_fabrique: Any, client: FlaskClient) -> tuple[Any, int, int]:
    ref = new_fabrique()
    with app.app_context():
        portfolio.import_export(fabrique_of(ref), DOCUMENT)
        defi, bike = project_titled("Comment mieux manger ?").id, project_titled("Atelier vélo").id
    as_facilitator(client, ref.member_email)
    return ref, defi, bike


def test_the_list_filters_and_links_to_each_project(
    app: Flask, client: FlaskClient, new_fabrique: Any
) -> None:
    ref, defi, bike = _setup(app, new_fabrique, client)
    page = client.get(f"/fabriques/{ref.slug}/projets/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Projets" in html
    assert f"/fabriques/{ref.slug}/projets/{defi}" in html and "Atelier vélo" in html
    only_ideas = client.get(f"/fabriques/{ref.slug}/projets/?kind=idea").get_data(as_text=True)
    assert "Atelier vélo" in only_ideas and "Comment mieux manger" not in only_ideas
    refused = client.get(f"/fabriques/{ref.slug}/projets/?start=2026-12-07&end=2026-01-01")
    assert refused.status_code == 400
    assert "La fin de la période" in refused.get_data(as_text=True)


def test_a_project_page_shows_its_origin_and_its_forms_work(
    app: Flask, client: FlaskClient, new_fabrique: Any
) -> None:
    ref, defi, _bike = _setup(app, new_fabrique, client)
    base = f"/fabriques/{ref.slug}/projets/{defi}"
    html = client.get(base).get_data(as_text=True)
    assert "Épicerie mobile" in html and "Printemps" in html and "Fiche de qualification" in html
    assert "Historique" in html

    # An abandon without a reason: refused, on the same page, what was typed kept.
    refused = client.post(base + "/stage", data={"stage": "abandoned", "version": "1"})
    assert refused.status_code == 400 and 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert (
        client.post(base + "/stage", data={"stage": "holder_search", "version": "1"}).status_code
        == 302
    )

    # A sheet saved from the old version: refused, the typed text kept.
    stale = client.post(base + "/sheet", data={"version": "1", "solution": "Mon texte à moi"})
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "Mon texte à moi" in body
    assert "entre-temps" in body
    saved = client.post(base + "/sheet", data={"version": "2", "solution": "Un camion"})
    assert saved.status_code == 302

    added = client.post(
        base + "/holders", data={"kind": "collective", "name": "Les Paniers", "contact_email": ""}
    )
    assert added.status_code == 302
    assert client.post(base + "/notes", data={"text": "Réunion le 12"}).status_code == 302
    html = client.get(base).get_data(as_text=True)
    assert "Les Paniers" in html and "Réunion le 12" in html and "Un camion" in html
    assert "Recherche de porteur" in html
    with app.app_context():
        project = project_titled("Comment mieux manger ?")
        assert project.stage == "holder_search" and len(project.holders) == 1
        holder_id = project.holders[0].id
    removed = client.post(f"{base}/holders/{holder_id}/remove")
    assert removed.status_code == 302
    with app.app_context():
        assert project_titled("Comment mieux manger ?").holders == []


def test_an_idea_page_links_to_its_project_and_moves_its_stage(
    app: Flask, client: FlaskClient, new_fabrique: Any
) -> None:
    ref, defi, _bike = _setup(app, new_fabrique, client)
    with app.app_context():
        from sqlalchemy import select

        from workshop.models import PortfolioIdea

        item = db.session.scalar(
            select(PortfolioIdea).where(PortfolioIdea.title == "Épicerie mobile")
        )
        assert item is not None
        idea_id, version = item.id, item.version
    html = client.get(f"/fabriques/{ref.slug}/ideas/{idea_id}").get_data(as_text=True)
    assert f"/fabriques/{ref.slug}/projets/{defi}" in html
    moved = client.post(
        f"/fabriques/{ref.slug}/ideas/{idea_id}/stage",
        data={"stage": "launching", "version": str(version)},
    )
    assert moved.status_code == 302
    with app.app_context():
        assert project_titled("Comment mieux manger ?").stage == "launching"


def test_another_fabriques_projects_are_not_found(
    app: Flask, client: FlaskClient, new_fabrique: Any
) -> None:
    _ref, defi, _bike = _setup(app, new_fabrique, client)
    other = new_fabrique()
    as_facilitator(client, other.member_email)
    base = f"/fabriques/{other.slug}/projets/{defi}"
    assert client.get(base).status_code == 404
    for path, data in [
        ("/stage", {"stage": "launched", "version": "1"}),
        ("/sheet", {"version": "1"}),
        ("/holders", {"name": "X"}),
        ("/notes", {"text": "x"}),
        ("/holders/1/remove", {}),
    ]:
        assert client.post(base + path, data=data).status_code == 404
    # Nor their Fabrique's list.
    assert client.get(f"/fabriques/{_ref.slug}/projets/").status_code in (403, 404)
    with app.app_context():
        assert project_titled("Comment mieux manger ?").version == 1


def test_a_session_page_links_each_defi_to_its_project(
    app: Flask, client: FlaskClient, new_fabrique: Any
) -> None:
    ref, defi, _bike = _setup(app, new_fabrique, client)
    with app.app_context():
        from sqlalchemy import select

        from workshop.models import PortfolioSession

        session_id = db.session.scalar(select(PortfolioSession.id))
    html = client.get(f"/fabriques/{ref.slug}/sessions/{session_id}").get_data(as_text=True)
    assert f"/fabriques/{ref.slug}/projets/{defi}" in html and "Son projet" in html


def test_the_list_is_paged_and_keeps_its_filters(
    app: Flask, client: FlaskClient, new_fabrique: Any, monkeypatch: Any
) -> None:
    from workshop.views import projects as view

    monkeypatch.setattr(view, "PER_PAGE", 1)
    ref, _defi, _bike = _setup(app, new_fabrique, client)
    first = client.get(f"/fabriques/{ref.slug}/projets/?stage=to_study").get_data(as_text=True)
    assert "Page 1 sur 2" in first and 'rel="next"' in first and "stage=to_study" in first
    second = client.get(f"/fabriques/{ref.slug}/projets/?stage=to_study&page=2")
    html = second.get_data(as_text=True)
    assert "Page 2 sur 2" in html and 'rel="prev"' in html
    assert client.get(f"/fabriques/{ref.slug}/projets/?page=99").status_code == 200
