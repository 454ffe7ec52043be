"""Idea boxes over HTTP, in French: the members' pages (boxes, moderation, relayed needs,
into a workshop), the public page of a box, and isolation between Fabriques."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import as_facilitator
from tests.factories import make_workshop
from tests.idea_boxes.conftest import Place
from workshop.extensions import db
from workshop.models import Facilitator, Follower, Idea, IdeaBox, Project


def text_of(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def box_slug(app: Flask, box_id: int) -> str:
    with app.app_context():
        box = db.session.get(IdeaBox, box_id)
        assert box is not None
        return box.slug


def projects(app: Flask) -> list[Project]:
    with app.app_context():
        found = list(db.session.scalars(select(Project).order_by(Project.id)))
        db.session.expunge_all()
        return found


def test_a_member_creates_a_box_and_sees_its_link_qr_and_poster(
    app: Flask, client: FlaskClient, place: Place
) -> None:
    as_facilitator(client, place.member_email)
    page = client.get(f"/fabriques/{place.slug}/boites")
    assert page.status_code == 200
    assert "Créer une boîte à idées" in text_of(page)
    assert page.headers["Cache-Control"] == "no-store"
    # Premoderation is ticked by default.
    assert re.search(r'name="premoderation"\s+checked', text_of(page))

    response = client.post(
        f"/fabriques/{place.slug}/boites",
        data={
            "title": "Idées de la vallée",
            "intro": "Dites-nous",
            "open": "on",
            "premoderation": "on",
            "contact": "contact@fabrique.example",
        },
    )
    assert response.status_code == 302
    box_page = client.get(response.headers["Location"])
    html = text_of(box_page)
    assert "http://localhost/p/" + place.slug + "/boite/idees-de-la-vallee" in html
    assert "<svg" in html
    assert "Affiche à imprimer" in html
    with app.app_context():
        box = db.session.scalar(select(IdeaBox))
        assert box is not None and box.premoderation and box.open
        box_id = box.id
    poster = client.get(f"/fabriques/{place.slug}/boites/{box_id}/affiche")
    assert poster.status_code == 200
    assert "Une idée, un besoin ?" in text_of(poster)


def test_a_refused_box_form_keeps_what_was_typed(client: FlaskClient, place: Place) -> None:
    as_facilitator(client, place.member_email)
    response = client.post(
        f"/fabriques/{place.slug}/boites",
        data={"title": "Ma boîte", "slug": "Pas Bon!", "intro": "Mon texte"},
    )
    assert response.status_code == 400
    html = text_of(response)
    assert "Utilisez seulement des minuscules" in html
    assert "Mon texte" in html


def test_the_public_box_takes_a_posting_without_account(
    app: Flask, client: FlaskClient, place: Place, new_box: Callable[..., int]
) -> None:
    slug = box_slug(app, new_box(place))
    page = client.get(f"/p/{place.slug}/boite/{slug}")
    html = text_of(page)
    assert page.status_code == 200
    assert "Une idée, un besoin ?" in html
    assert "Tenez-moi au courant de ce projet" in html
    assert "Qui est responsable" in html  # the notice
    assert "CNIL" in html
    response = client.post(
        f"/p/{place.slug}/boite/{slug}",
        data={
            "title": "  Une   épicerie mobile ",
            "description": "Pour les hameaux",
            "nature": "need",
            "name": "Lou",
            "email": "lou@example.org",
            "follow": "on",
            "website": "",
        },
    )
    assert response.status_code == 302
    thanks = client.get(response.headers["Location"])
    assert "Merci" in text_of(thanks)
    assert "modéré" in text_of(thanks)
    [project] = projects(app)
    assert project.title == "Une épicerie mobile"
    assert project.review == "pending"
    with app.app_context():
        assert db.session.scalar(select(Follower.email)) == "lou@example.org"


def test_an_email_without_consent_is_refused_and_the_form_kept(
    app: Flask, client: FlaskClient, place: Place, new_box: Callable[..., int]
) -> None:
    slug = box_slug(app, new_box(place))
    response = client.post(
        f"/p/{place.slug}/boite/{slug}",
        data={"title": "Un jardin", "description": "Partagé", "email": "a@example.org"},
    )
    assert response.status_code == 400
    html = text_of(response)
    assert "Cochez « Tenez-moi au courant de ce projet »" in html
    assert "Partagé" in html and "a@example.org" in html
    assert projects(app) == []
    empty = client.post(f"/p/{place.slug}/boite/{slug}", data={"title": "   "})
    assert empty.status_code == 400
    assert "Ce champ est obligatoire." in text_of(empty)


def test_a_closed_or_unknown_box(
    app: Flask, client: FlaskClient, place: Place, other: Place, new_box: Callable[..., int]
) -> None:
    slug = box_slug(app, new_box(place, open=None))
    page = client.get(f"/p/{place.slug}/boite/{slug}")
    assert page.status_code == 200
    assert "Cette boîte à idées est fermée" in text_of(page)
    assert 'id="box-form"' not in text_of(page)
    refused = client.post(f"/p/{place.slug}/boite/{slug}", data={"title": "Une idée"})
    assert refused.status_code == 409
    assert projects(app) == []
    assert client.get(f"/p/{place.slug}/boite/inconnue").status_code == 404
    assert client.get(f"/p/{other.slug}/boite/{slug}").status_code == 404
    assert client.get(f"/p/pas-de-fabrique/boite/{slug}").status_code == 404


def test_the_honeypot_answers_thanks_and_keeps_nothing(
    app: Flask, client: FlaskClient, place: Place, new_box: Callable[..., int]
) -> None:
    slug = box_slug(app, new_box(place))
    response = client.post(
        f"/p/{place.slug}/boite/{slug}", data={"title": "Achetez", "website": "spam"}
    )
    assert response.status_code == 302
    assert projects(app) == []


def test_postings_are_rate_limited_per_address(
    app: Flask, client: FlaskClient, place: Place, new_box: Callable[..., int]
) -> None:
    app.config["IDEA_BOX_POST_LIMIT"] = "3 per minute"
    slug = box_slug(app, new_box(place))
    codes = [
        client.post(f"/p/{place.slug}/boite/{slug}", data={"title": f"Idée {n}"}).status_code
        for n in range(4)
    ]
    assert codes == [302, 302, 302, 429]
    assert len(projects(app)) == 3


def test_the_moderation_queue_accepts_rejects_and_retitles(
    app: Flask, client: FlaskClient, place: Place, new_box: Callable[..., int]
) -> None:
    box_id = new_box(place)
    slug = box_slug(app, box_id)
    for title in ("epicerie", "Un garage solidaire"):
        client.post(f"/p/{place.slug}/boite/{slug}", data={"title": title})
    first, second = projects(app)
    as_facilitator(client, place.member_email)
    queue = client.get(f"/fabriques/{place.slug}/boites/moderation")
    html = text_of(queue)
    assert queue.status_code == 200
    assert "2 contributions" in html and "epicerie" in html and "anonyme" in html

    retitled = client.post(
        f"/fabriques/{place.slug}/boites/postings/{first.id}/title",
        data={"title": "Une épicerie mobile"},
    )
    assert retitled.status_code == 302
    refused = client.post(
        f"/fabriques/{place.slug}/boites/postings/{first.id}/title", data={"title": " "}
    )
    assert refused.status_code == 400
    assert "Ce champ est obligatoire." in text_of(refused)

    accepted = client.post(
        f"/fabriques/{place.slug}/boites/postings/{first.id}/accept?boite={box_id}"
    )
    assert accepted.status_code == 302
    assert f"boite={box_id}" in accepted.headers["Location"]
    rejected = client.post(f"/fabriques/{place.slug}/boites/postings/{second.id}/reject")
    page = client.get(rejected.headers["Location"])
    assert "ne compte plus dans le portefeuille" in text_of(page)
    assert [(p.title, p.review) for p in projects(app)] == [
        ("Une épicerie mobile", "accepted"),
        ("Un garage solidaire", "rejected"),
    ]
    shown = text_of(client.get(f"/fabriques/{place.slug}/boites/moderation?etat=accepted"))
    assert "publiée sous le titre « epicerie »" in shown

    deleted = client.post(
        f"/fabriques/{place.slug}/boites/postings/{second.id}/delete?etat=rejected"
    )
    assert deleted.status_code == 302
    page = text_of(client.get(deleted.headers["Location"]))
    assert "« Un garage solidaire » supprimée définitivement" in page
    assert [p.title for p in projects(app)] == ["Une épicerie mobile"]


def test_a_member_enters_a_relayed_need(app: Flask, client: FlaskClient, place: Place) -> None:
    as_facilitator(client, place.member_email)
    page = client.get(f"/fabriques/{place.slug}/besoins/nouveau")
    assert page.status_code == 200 and "Collectivité" in text_of(page)
    missing = client.post(
        f"/fabriques/{place.slug}/besoins/nouveau",
        data={"title": "Un lieu pour les jeunes", "source_name": "Mairie"},
    )
    assert missing.status_code == 400
    assert "Un lieu pour les jeunes" in text_of(missing)
    response = client.post(
        f"/fabriques/{place.slug}/besoins/nouveau",
        data={
            "title": "Un lieu pour les jeunes",
            "source_kind": "collectivite",
            "source_name": "Mairie de Privas",
            "relayer_contact": "Mme Roux",
        },
    )
    assert response.status_code == 302
    [project] = projects(app)
    assert (project.kind, project.source_name, project.review) == (
        "relayed",
        "Mairie de Privas",
        "accepted",
    )
    assert "Mairie de Privas" in text_of(client.get(response.headers["Location"]))


def test_a_member_takes_projects_into_a_workshop(
    app: Flask, client: FlaskClient, place: Place, new_box: Callable[..., int]
) -> None:
    slug = box_slug(app, new_box(place, premoderation=None))
    client.post(f"/p/{place.slug}/boite/{slug}", data={"title": "Une épicerie mobile"})
    [project] = projects(app)
    with app.app_context():
        mine = make_workshop(owner=db.session.get(Facilitator, place.member_id), title="Soirée")
        closed = make_workshop(
            owner=db.session.get(Facilitator, place.member_id), title="Fini", status="closed"
        )
        mine_id, closed_id = mine.id, closed.id
    as_facilitator(client, place.member_email)
    page = client.get(f"/fabriques/{place.slug}/vers-un-atelier?project={project.id}")
    html = text_of(page)
    assert "Soirée" in html and "Fini" not in html
    assert re.search(rf'value="{project.id}"\s+checked', html)

    nothing = client.post(f"/fabriques/{place.slug}/vers-un-atelier", data={"workshop": mine_id})
    assert nothing.status_code == 400
    assert "Cochez au moins un projet" in text_of(nothing)
    over = client.post(
        f"/fabriques/{place.slug}/vers-un-atelier",
        data={"workshop": closed_id, "project": project.id},
    )
    assert over.status_code == 409
    assert "est terminé" in text_of(over)

    done = client.post(
        f"/fabriques/{place.slug}/vers-un-atelier",
        data={"workshop": mine_id, "project": project.id},
    )
    assert done.status_code == 302
    after = text_of(client.get(done.headers["Location"]))
    assert "1 idée ajoutée à l’atelier « Soirée »." in after
    assert f'href="/f/w/{mine_id}" id="open-console"' in after
    with app.app_context():
        idea = db.session.scalar(select(Idea).where(Idea.workshop_id == mine_id))
        assert idea is not None and idea.title == "Une épicerie mobile"


def test_another_fabriques_member_sees_nothing(
    app: Flask, client: FlaskClient, place: Place, other: Place, new_box: Callable[..., int]
) -> None:
    box_id = new_box(place, premoderation="on")
    slug = box_slug(app, box_id)
    client.post(f"/p/{place.slug}/boite/{slug}", data={"title": "Une idée"})
    [project] = projects(app)
    as_facilitator(client, other.member_email)
    # Their own Fabrique's pages, naming this Fabrique's box and posting: 404.
    for url in (
        f"/fabriques/{other.slug}/boites/{box_id}",
        f"/fabriques/{other.slug}/boites/{box_id}/affiche",
        f"/fabriques/{other.slug}/boites/moderation?boite={box_id}",
    ):
        assert client.get(url).status_code == 404, url
    for action in ("accept", "reject", "title", "delete"):
        response = client.post(
            f"/fabriques/{other.slug}/boites/postings/{project.id}/{action}",
            data={"title": "x"},
        )
        assert response.status_code == 404, action
    assert "Une idée" not in text_of(client.get(f"/fabriques/{other.slug}/boites/moderation"))
    # This Fabrique's pages: not a member.
    assert client.get(f"/fabriques/{place.slug}/boites").status_code == 403
    assert client.get(f"/fabriques/{place.slug}/besoins/nouveau").status_code == 403
    assert [p.review for p in projects(app)] == ["pending"]


def test_members_pages_need_a_sign_in(client: FlaskClient, place: Place) -> None:
    for url in ("boites", "boites/moderation", "besoins/nouveau", "vers-un-atelier"):
        assert client.get(f"/fabriques/{place.slug}/{url}").status_code == 302
