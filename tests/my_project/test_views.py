"""« Mon projet » pages in French: a holder creates and writes their project through
their personal link, prints it; facilitators list, order and annotate the projects;
another cycle's facilitator, an unknown link or another cycle's project get 404."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import as_facilitator
from tests.factories import make_facilitator
from tests.my_project.conftest import World, give_card, new_project, person
from workshop.extensions import db
from workshop.models import Cycle, CycleProject
from workshop.services import cycle_projects


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def create(client: FlaskClient, token: str, **data: str) -> Any:
    return client.post(
        f"/c/{token}/projet",
        data={"title": "Épicerie mobile", "pitch": "De village en village.", **data},
    )


def project_id(app: Flask, token: str) -> int:
    with app.app_context():
        project = cycle_projects.project_of(person(token))
        assert project is not None
        return project.id


def test_a_holder_creates_writes_and_prints_their_project(
    app: Flask, client: FlaskClient, world: Callable[..., World]
) -> None:
    a = world()
    token = a.tokens["Awa"]
    empty = client.get(f"/c/{token}/projet")
    assert empty.status_code == 200
    assert "Créer mon projet" in text(empty) and "Bonjour Awa" in text(empty)
    assert empty.headers["Cache-Control"] == "no-store"
    assert 'name="referrer" content="no-referrer"' in text(empty)

    refused = create(client, token, title="")
    assert refused.status_code == 400
    assert "Ce champ est obligatoire." in text(refused)
    assert "De village en village." in text(refused)

    created = create(client, token, show_name="yes")
    assert created.status_code == 302
    page = text(client.get(created.headers["Location"]))
    assert "Votre projet est créé" in page
    assert "Mon pitch" in page and "Ma note d’intention" in page and "Mon carnet de bord" in page
    # The first session runs now: its theme (« Thème 1 ») matches no section here.
    assert "Séance en cours :" in page
    assert 'id="section-besoin"' in page and 'id="section-modele-economique"' in page

    saved = client.post(
        f"/c/{token}/projet/note/besoin", data={"text": "Des familles sans voiture", "version": "1"}
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#section-besoin")
    page = text(client.get(f"/c/{token}/projet"))
    assert "Des familles sans voiture" in page
    assert re.search(r"Enregistré le [^<]+ · séance « Thème 1 »", page)
    assert "1 partie sur 4 écrite" in page

    assert (
        client.post(
            f"/c/{token}/projet/carnet", data={"kind": "next_step", "text": "Rencontrer la mairie"}
        ).status_code
        == 302
    )
    page = text(client.get(f"/c/{token}/projet"))
    assert "Rencontrer la mairie" in page and "Prochaine étape" in page
    line = re.search(rf"/c/{re.escape(token)}/projet/carnet/(\d+)/supprimer", page)
    assert line and "Supprimer cette ligne" in page

    assert (
        client.post(f"/c/{a.tokens['Basile']}/projet/carnet/{line.group(1)}/supprimer").status_code
        == 404
    )
    printed = client.get(f"/c/{token}/projet/imprimer")
    assert printed.status_code == 200
    assert printed.headers["Cache-Control"] == "no-store"
    doc = text(printed)
    for expected in (
        "Épicerie mobile",
        "Porté par Awa",
        "De village en village.",
        "Des familles sans voiture",
        "Rencontrer la mairie",
        "Imprimer / enregistrer en PDF",
        "js/print.js",
    ):
        assert expected in doc, expected
    assert "data-print" in doc
    # No inline script (the CSP forbids it): every script has its own file.
    scripts = re.findall(r"<script\b[^>]*>", doc)
    assert scripts and all(" src=" in script for script in scripts), scripts


def test_a_conflict_keeps_the_typed_text_and_shows_the_saved_one(
    app: Flask, client: FlaskClient, world: Callable[..., World]
) -> None:
    a = world()
    token = a.tokens["Awa"]
    assert create(client, token).status_code == 302
    first = {"title": "Épicerie mobile", "pitch": "Version du téléphone", "version": "1"}
    assert client.post(f"/c/{token}/projet/modifier", data=first).status_code == 302
    stale = {"title": "Épicerie", "pitch": "Version de l'ordinateur", "version": "1"}
    refused = client.post(f"/c/{token}/projet/modifier", data=stale)
    assert refused.status_code == 409
    page = text(refused)
    assert "Ceci a été enregistré entre-temps, depuis un autre téléphone" in page
    assert "Voici ce qui est enregistré" in page
    assert "Version du téléphone" in page  # the saved text
    assert "Version de l&#39;ordinateur" in page  # the typed text, kept
    assert 'name="version" value="2"' in page  # saving again overwrites, on purpose
    section = client.post(
        f"/c/{token}/projet/note/impact", data={"text": "Mon texte tapé", "version": "1"}
    )
    assert section.status_code == 409 and "Mon texte tapé" in text(section)


def test_bad_links_and_sections_are_refused(
    app: Flask, client: FlaskClient, world: Callable[..., World]
) -> None:
    a = world()
    token = a.tokens["Awa"]
    assert client.get("/c/not-a-real-link/projet").status_code == 404
    assert client.get("/c/not-a-real-link/projet/imprimer").status_code == 404
    assert create(client, "not-a-real-link").status_code == 404
    # No project yet: the print page sends back to the project page.
    assert client.get(f"/c/{token}/projet/imprimer").status_code == 302
    assert (
        client.post(f"/c/{token}/projet/carnet", data={"kind": "note", "text": "x"}).status_code
        == 404
    )
    assert create(client, token).status_code == 302
    unknown = client.post(f"/c/{token}/projet/note/inconnue", data={"text": "x", "version": "1"})
    assert unknown.status_code == 400
    assert "Cette partie ne fait pas partie de la note d’intention." in text(unknown)
    bad_kind = client.post(f"/c/{token}/projet/carnet", data={"kind": "autre", "text": "x"})
    assert bad_kind.status_code == 400
    assert create(client, token, title="Deuxième").status_code == 409


def test_facilitators_list_order_and_annotate_projects(
    app: Flask, client: FlaskClient, world: Callable[..., World]
) -> None:
    a = world(names=("Awa", "Basile", "Chloé"))
    with app.app_context():
        awa = new_project(a.tokens["Awa"], "Épicerie mobile")
        garage = new_project(a.tokens["Basile"], "Garage solidaire", show_name=False)
        give_card(awa.id, a.cycle.sessions[0], "likes", "Bravo")
        cycle = db.session.get(Cycle, a.id)
        assert cycle is not None
        # The facilitator renamed a kind: its label is theirs.
        cycle.feedback_kinds = [{"key": "likes", "label": "Mes coups de cœur"}]
        db.session.commit()
        awa_id, garage_id = awa.id, garage.id
    as_facilitator(client, a.cycle.owner_email)
    base = f"/f/cycles/{a.id}/projets"
    page = text(client.get(base))
    assert "2 projets" in page
    assert page.index("Épicerie mobile") < page.index("Garage solidaire")
    assert "note d’intention : 0 partie(s) sur 4" in page
    assert "Mes coups de cœur</bdi> 1" in page
    assert "Chloé" in page  # waiting for a project

    moved = client.post(f"{base}/{garage_id}/deplacer", data={"direction": "up"})
    assert moved.status_code == 302
    page = text(client.get(base))
    assert page.index("Garage solidaire") < page.index("Épicerie mobile")

    created = client.post(
        base,
        data={"enrolment_id": str(person_id(app, a.tokens["Chloé"])), "title": "Tiers-lieu"},
    )
    assert created.status_code == 302
    assert "Tous les inscrits ont un projet." in text(client.get(base))

    one = text(client.get(f"{base}/{awa_id}"))
    assert "Épicerie mobile" in one and "Porté par Awa" in one and "Bravo" in one
    assert 'name="title"' not in one  # read-only for facilitators
    added = client.post(f"{base}/{awa_id}/carnet", data={"kind": "decided", "text": "Tester"})
    assert added.status_code == 302
    one = text(client.get(f"{base}/{awa_id}"))
    assert "Tester" in one and "l’équipe d’animation" in one
    holder_view = text(client.get(f"/c/{a.tokens['Awa']}/projet"))
    assert "Tester" in holder_view and "l’équipe d’animation" in holder_view
    assert "Supprimer cette ligne" not in holder_view  # the team's line is not theirs
    entry = re.search(rf"{base}/{awa_id}/carnet/(\d+)/supprimer", one)
    assert entry, one
    removed = client.post(entry.group(0))
    assert removed.status_code == 302
    assert "Tester" not in text(client.get(f"{base}/{awa_id}"))
    assert client.get(f"{base}/{awa_id}/imprimer").status_code == 200


def person_id(app: Flask, token: str) -> int:
    with app.app_context():
        return person(token).id


def test_other_facilitators_and_other_cycles_get_404(
    app: Flask, client: FlaskClient, world: Callable[..., World]
) -> None:
    a, b = world(), world()
    with app.app_context():
        project_a = new_project(a.tokens["Awa"]).id
        stranger = make_facilitator().email
    as_facilitator(client, b.cycle.owner_email)
    assert client.get(f"/f/cycles/{a.id}/projets").status_code == 404
    assert client.get(f"/f/cycles/{b.id}/projets").status_code == 200
    # A's project through B's address: not found, and nothing written.
    assert client.get(f"/f/cycles/{b.id}/projets/{project_a}").status_code == 404
    assert (
        client.post(
            f"/f/cycles/{b.id}/projets/{project_a}/carnet", data={"kind": "note", "text": "x"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/f/cycles/{b.id}/projets/{project_a}/deplacer", data={"direction": "up"}
        ).status_code
        == 404
    )
    client.post("/logout")
    as_facilitator(client, stranger)
    assert client.get(f"/f/cycles/{a.id}/projets/{project_a}").status_code == 404
    with app.app_context():
        project = db.session.get(CycleProject, project_a)
        assert project is not None and cycle_projects.project_page(project).logbook == []


def test_a_link_of_another_cycle_reads_and_writes_only_its_own_project(
    app: Flask, client: FlaskClient, world: Callable[..., World]
) -> None:
    a, b = world(), world()
    with app.app_context():
        new_project(a.tokens["Awa"], "Épicerie de la vallée A")
    token_b = b.tokens["Awa"]
    page = text(client.get(f"/c/{token_b}/projet"))
    assert "Créer mon projet" in page and "Épicerie de la vallée A" not in page
    assert client.get(f"/c/{token_b}/projet/imprimer").status_code == 302
    writes = [
        (f"/c/{token_b}/projet/modifier", {"title": "Piraté", "version": "1"}),
        (f"/c/{token_b}/projet/note/besoin", {"text": "Piraté", "version": "1"}),
        (f"/c/{token_b}/projet/carnet", {"kind": "note", "text": "Piraté"}),
    ]
    for url, data in writes:
        assert client.post(url, data=data).status_code == 404, url
    with app.app_context():
        project = cycle_projects.project_of(person(a.tokens["Awa"]))
        assert project is not None
        assert (project.title, project.version, project.intention) == (
            "Épicerie de la vallée A",
            1,
            {},
        )
        assert cycle_projects.project_page(project).logbook == []
