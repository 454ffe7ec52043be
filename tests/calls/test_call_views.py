"""The call for holders' pages: the public call and its form (in French, no account,
no personal data, refusals in the page, honeypot, rate limit), the members' pages
(candidates, statuses, the choice, the switch), and isolation between Fabriques."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.calls.conftest import NEED_WHO, FabriqueRef, ProjectRef, hold
from tests.conftest import as_facilitator
from tests.factories import make_facilitator
from workshop.extensions import db
from workshop.models import Candidate, Follower, Project, ProjectHolder

NewProject = Callable[..., ProjectRef]
NewFabrique = Callable[..., FabriqueRef]

FORM = {
    "name": "Dominique",
    "email": "dominique@example.org",
    "phone": "",
    "message": "J'ai un camion et du temps le mardi.",
    "consent": "1",
}


def page(response: Any) -> str:
    return str(response.get_data(as_text=True))


def test_the_public_call_shows_what_is_known_and_nobody(
    client: FlaskClient, new_fabrique: NewFabrique, new_project: NewProject
) -> None:
    ref = new_fabrique()
    project = new_project(
        ref,
        title="Épicerie mobile",
        in_call=True,
        call_text="Nous cherchons qui la fera rouler.",
        challenge_volunteers=[hold("Bruno Privé", "bruno@example.org", "0611111111")],
    )
    hidden = new_project(ref, title="Projet discret", in_call=False)
    listing = client.get(f"/p/{ref.slug}/appel")
    assert listing.status_code == 200
    html = page(listing)
    assert "Appel à porteurs de projet" in html
    assert "Épicerie mobile" in html and "Nous cherchons qui la fera rouler." in html
    assert NEED_WHO in html and "Soirée manger local" in html
    assert "2 idées" in html and "7 votes" in html
    assert "Projet discret" not in html
    one = client.get(f"/p/{ref.slug}/appel/{project.id}")
    assert one.status_code == 200
    for shown in (listing, one):
        text = page(shown)
        # No author, no volunteer, no contact on a public page.
        for secret in ("Camille Secret", "Bruno Privé", "bruno@example.org", "0611111111"):
            assert secret not in text
    form = page(one)
    assert "Je représente une structure" in form
    assert "Pourquoi vous" in form
    assert "Tenez-moi au courant" in form
    assert "CNIL" in form and ref.member_email in form  # the notice, with its contact
    assert client.get(f"/p/{ref.slug}/appel/{hidden.id}").status_code == 404
    assert client.get("/p/nope/appel").status_code == 404


def test_an_empty_call_says_so(client: FlaskClient, new_fabrique: NewFabrique) -> None:
    ref = new_fabrique()
    assert "Aucun projet ne cherche de porteur" in page(client.get(f"/p/{ref.slug}/appel"))


def test_applying_then_the_confirmation(
    app: Flask, client: FlaskClient, new_fabrique: NewFabrique, new_project: NewProject
) -> None:
    ref = new_fabrique()
    project = new_project(ref, in_call=True)
    url = f"/p/{ref.slug}/appel/{project.id}"
    # A missing contact is refused in the page, with what was typed kept.
    refused = client.post(url, data=FORM | {"email": ""})
    assert refused.status_code == 400
    html = page(refused)
    assert "adresse e-mail ou un numéro de téléphone" in html
    assert "J&#39;ai un camion et du temps le mardi." in html
    # No consent, nothing kept.
    assert client.post(url, data=FORM | {"consent": ""}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Candidate)) is None
    sent = client.post(
        url, data=FORM | {"follow": "1", "represents_structure": "1", "structure": "SCIC"}
    )
    assert sent.status_code == 302
    thanks = client.get(sent.headers["Location"])
    assert thanks.status_code == 200 and "Merci" in page(thanks)
    with app.app_context():
        candidate = db.session.scalar(select(Candidate))
        assert candidate is not None
        assert (candidate.name, candidate.structure, candidate.source) == (
            "Dominique",
            "SCIC",
            "call",
        )
        assert db.session.scalar(select(Follower.email)) == "dominique@example.org"


def test_a_robot_filling_the_hidden_field_is_thanked_and_forgotten(
    app: Flask, client: FlaskClient, new_fabrique: NewFabrique, new_project: NewProject
) -> None:
    ref = new_fabrique()
    project = new_project(ref, in_call=True)
    response = client.post(
        f"/p/{ref.slug}/appel/{project.id}", data=FORM | {"website": "http://spam"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Candidate)) is None


@pytest.mark.parametrize("app_config", [{"CALL_APPLY_LIMIT": "2 per hour"}])
def test_applications_are_limited_per_address(
    client: FlaskClient, new_fabrique: NewFabrique, new_project: NewProject
) -> None:
    ref = new_fabrique()
    project = new_project(ref, in_call=True)
    url = f"/p/{ref.slug}/appel/{project.id}"
    assert client.post(url, data=FORM).status_code == 302
    assert client.post(url, data=FORM | {"email": "x@example.org"}).status_code == 302
    assert client.post(url, data=FORM | {"email": "y@example.org"}).status_code == 429
    assert client.get(url).status_code == 200  # reading is never limited


def test_members_follow_candidates_and_choose(
    app: Flask, client: FlaskClient, new_fabrique: NewFabrique, new_project: NewProject
) -> None:
    ref = new_fabrique()
    project = new_project(
        ref,
        stage="to_study",
        challenge_volunteers=[hold("Bruno", "bruno@example.org"), hold(None, consent=False)],
    )
    assert client.get(f"/fabriques/{ref.slug}/appel").status_code == 302  # sign in first
    as_facilitator(client, ref.member_email)
    base = f"/fabriques/{ref.slug}/appel/{project.id}"
    # Into the call, from « to study ».
    with app.app_context():
        version = db.session.get(Project, project.id).version  # type: ignore[union-attr]
    moved = client.post(
        f"{base}/call", data={"in_call": "1", "call_text": "Venez !", "version": version}
    )
    assert moved.status_code == 302
    overview = page(client.get(f"/fabriques/{ref.slug}/appel"))
    assert "Appel à porteurs" in overview and "Oui, visible publiquement" in overview
    # The candidates' page brings the volunteer in (once), with their contact.
    response = client.get(base)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = page(response)
    assert "Bruno" in html and "bruno@example.org" in html
    assert "Volontaire pendant la session" in html
    client.get(base)
    with app.app_context():
        bruno = db.session.scalar(select(Candidate))
        assert bruno is not None
        assert len(list(db.session.scalars(select(Candidate)))) == 1
    # Met, with notes; then a candidate met elsewhere; then the choice.
    assert (
        client.post(
            f"{base}/candidats/{bruno.id}", data={"status": "met", "notes": "Motivé"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"{base}/candidats", data={"name": "Asso Roule", "phone": "0612345678"}
        ).status_code
        == 302
    )
    refused = client.post(f"{base}/candidats", data={"name": "", "phone": "abc"})
    assert refused.status_code == 400 and "obligatoire" in page(refused)
    chosen = client.post(f"{base}/candidats/{bruno.id}/choisir", data={"leave_call": "1"})
    assert chosen.status_code == 302
    after = page(client.get(base))
    assert "Bruno est maintenant porteur du projet." in after
    assert "Porteur :" in after
    assert "Retenu" in after
    with app.app_context():
        holder = db.session.scalar(select(ProjectHolder))
        assert holder is not None and holder.name == "Bruno"
        assert db.session.get(Project, project.id).in_call is False  # type: ignore[union-attr]
    assert client.post(f"{base}/non-retenus").status_code == 302
    with app.app_context():
        statuses = sorted(c.status for c in db.session.scalars(select(Candidate)))
        assert statuses == ["not_selected", "selected"]
    # A candidate deleted with their data.
    with app.app_context():
        other = db.session.scalar(select(Candidate).where(Candidate.name == "Asso Roule"))
        assert other is not None
    assert client.post(f"{base}/candidats/{other.id}/supprimer").status_code == 302
    with app.app_context():
        assert db.session.get(Candidate, other.id) is None
    # A bad status is refused in the page.
    bad = client.post(f"{base}/candidats/{bruno.id}", data={"status": "selected", "notes": ""})
    assert bad.status_code == 400


def test_the_introduction_of_the_call(client: FlaskClient, new_fabrique: NewFabrique) -> None:
    ref = new_fabrique()
    as_facilitator(client, ref.member_email)
    saved = client.post(
        f"/fabriques/{ref.slug}/appel/intro", data={"call_intro": "Bienvenue aux porteurs !"}
    )
    assert saved.status_code == 302
    assert "Bienvenue aux porteurs !" in page(client.get(f"/p/{ref.slug}/appel"))
    too_long = client.post(f"/fabriques/{ref.slug}/appel/intro", data={"call_intro": "x" * 5000})
    assert too_long.status_code == 400


def test_other_fabriques_and_strangers_reach_nothing(
    app: Flask, client: FlaskClient, new_fabrique: NewFabrique, new_project: NewProject
) -> None:
    mine, theirs = new_fabrique(), new_fabrique()
    project = new_project(mine, in_call=True)
    their_project = new_project(theirs, in_call=True)
    with app.app_context():
        from workshop.models import Fabrique
        from workshop.schemas.candidates import Application
        from workshop.services import candidates

        fabrique = db.session.get(Fabrique, mine.id)
        assert fabrique is not None
        candidate = candidates.apply(
            fabrique, project.id, Application("D", "d@example.org", None, "", "m", False)
        ).id
        stranger = make_facilitator().email
    # A project of another Fabrique through mine's public address: not found.
    assert client.get(f"/p/{mine.slug}/appel/{their_project.id}").status_code == 404
    assert client.post(f"/p/{mine.slug}/appel/{their_project.id}", data=FORM).status_code == 404
    # Their member: my pages are forbidden; my project under their address is not found.
    as_facilitator(client, theirs.member_email)
    assert client.get(f"/fabriques/{mine.slug}/appel").status_code == 403
    assert client.get(f"/fabriques/{mine.slug}/appel/{project.id}").status_code == 403
    base = f"/fabriques/{theirs.slug}/appel/{project.id}"
    assert client.get(base).status_code == 404
    assert client.post(f"{base}/candidats/{candidate}", data={"status": "met"}).status_code == 404
    assert client.post(f"{base}/candidats/{candidate}/choisir").status_code == 404
    assert client.post(f"{base}/call", data={"in_call": ""}).status_code == 404
    assert client.post(f"{base}/candidats", data={"name": "X"}).status_code == 404
    assert client.post(f"{base}/candidats/{candidate}/supprimer").status_code == 404
    # Their own project's address with my candidate: not found either.
    own = f"/fabriques/{theirs.slug}/appel/{their_project.id}"
    assert client.post(f"{own}/candidats/{candidate}/choisir").status_code == 404
    client.post("/logout")
    as_facilitator(client, stranger)
    assert client.get(f"/fabriques/{mine.slug}/appel/{project.id}").status_code == 403
    with app.app_context():
        row = db.session.get(Candidate, candidate)
        assert row is not None and row.status == "received"
        assert db.session.get(Project, project.id).in_call is True  # type: ignore[union-attr]


def test_the_project_pages_section(
    app: Flask, new_fabrique: NewFabrique, new_project: NewProject
) -> None:
    """templates/projects/_candidates.html, as the project's page includes it."""
    from flask import render_template_string

    from workshop.models import Fabrique
    from workshop.schemas.candidates import Application
    from workshop.services import candidates

    ref = new_fabrique()
    project = new_project(ref, in_call=True, call_text="Texte public")
    with app.test_request_context(f"/fabriques/{ref.slug}/projets/{project.id}"):
        fabrique = db.session.get(Fabrique, ref.id)
        assert fabrique is not None
        candidates.apply(
            fabrique, project.id, Application("D", "d@example.org", None, "", "m", False)
        )
        row = db.session.get(Project, project.id)
        html = render_template_string(
            '{% include "projects/_candidates.html" %}', fabrique=fabrique, project=row
        )
    assert "Visible sur la page publique." in html
    assert "Texte public" in html and 'name="in_call" value="1" id="in_call" checked' in html
    assert f'name="next" value="/fabriques/{ref.slug}/projets/{project.id}"' in html
    assert "1 candidature" in html and "Reçue : 1" in html
    assert "d@example.org" not in html  # the summary counts, the candidates' page shows


def test_a_refused_call_keeps_what_was_typed(
    client: FlaskClient, new_fabrique: NewFabrique, new_project: NewProject
) -> None:
    ref = new_fabrique()
    project = new_project(ref, stage="launched")
    as_facilitator(client, ref.member_email)
    response = client.post(
        f"/fabriques/{ref.slug}/appel/{project.id}/call",
        data={
            "in_call": "1",
            "call_text": "Texte tapé",
            "next": f"/fabriques/{ref.slug}/projets/{project.id}",
        },
    )
    assert response.status_code == 400
    html = page(response)
    assert "Seul un projet qui cherche un porteur peut être dans l’appel" in html
    assert "Texte tapé" in html
    stale = client.post(
        f"/fabriques/{ref.slug}/appel/{project.id}/call",
        data={"in_call": "", "call_text": "x", "version": "999"},
    )
    assert stale.status_code == 409
