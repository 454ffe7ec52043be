"""The one-click unsubscribe pages and the members' page of the people kept informed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask, render_template
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import as_facilitator
from tests.mail.conftest import FabriqueRef
from workshop.extensions import db
from workshop.models import Follower, MailStatus, OutboxMail
from workshop.services import followers, mail
from workshop.services.portfolio import projects


def _subscribe(app: Flask, fab: FabriqueRef, pid: int, email: str, language: str = "fr") -> str:
    with app.app_context():
        follower = followers.subscribe(fab.id, pid, email, source="call", language=language)
        assert follower is not None
        db.session.commit()
        return followers.unsubscribe_token(follower)


def _is_following(app: Flask, email: str) -> bool:
    with app.app_context():
        follower = db.session.scalars(select(Follower).where(Follower.email == email)).one()
        return follower.unsubscribed_at is None


def test_get_shows_what_is_followed_and_changes_nothing(
    app: Flask,
    client: FlaskClient,
    new_fabrique: Callable[..., FabriqueRef],
    new_project: Callable[..., int],
) -> None:
    fab = new_fabrique()
    pid = new_project(fab.id, title="Ressourcerie du Cheylard")
    token = _subscribe(app, fab, pid, "ana@example.org")
    response = client.get(f"/desabonnement/{token}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ressourcerie du Cheylard" in page
    assert "Ne plus recevoir d’e-mails sur ce projet" in page
    assert "ana@example.org" not in page
    assert response.headers["Cache-Control"] == "no-store"
    assert _is_following(app, "ana@example.org")

    response = client.post(f"/desabonnement/{token}")
    assert response.status_code == 200
    assert "Vous ne recevrez plus d’e-mails sur « Ressourcerie du Cheylard »" in response.get_data(
        as_text=True
    )
    assert not _is_following(app, "ana@example.org")
    # Again, or the GET afterwards: it says so, nothing breaks.
    assert client.post(f"/desabonnement/{token}").status_code == 200
    assert "Vous ne recevez plus" in client.get(f"/desabonnement/{token}").get_data(as_text=True)


def test_the_page_speaks_the_followers_language(
    app: Flask,
    client: FlaskClient,
    new_fabrique: Callable[..., FabriqueRef],
    new_project: Callable[..., int],
) -> None:
    fab = new_fabrique()
    pid = new_project(fab.id, title="Repair café")
    token = _subscribe(app, fab, pid, "sam@example.org", language="en")
    page = client.post(f"/desabonnement/{token}").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "You will no longer receive emails about « Repair café »." in page


@pytest.mark.parametrize("token", ["x", "A" * 43, "A" * 500, "é" * 43, "..%2F..%2Fetc", "a b c"])
def test_an_unknown_link_gets_a_clear_page(client: FlaskClient, token: str) -> None:
    for method in (client.get, client.post):
        response = method(f"/desabonnement/{token}")
        assert response.status_code == 404
        assert "Ce lien ne fonctionne pas" in response.get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_one_click_post_needs_no_csrf_token_but_members_forms_do(
    app: Flask,
    client: FlaskClient,
    new_fabrique: Callable[..., FabriqueRef],
    new_project: Callable[..., int],
) -> None:
    fab = new_fabrique()
    pid = new_project(fab.id)
    token = _subscribe(app, fab, pid, "ana@example.org")
    response = client.post(
        f"/desabonnement/{token}",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not _is_following(app, "ana@example.org")
    with app.app_context():
        queued = mail.queue(
            dedupe_key="k", to="x@example.org", subject="s", body="b", fabrique_id=fab.id
        )
        queued.status = MailStatus.FAILED.value
        db.session.commit()
        mail_id = queued.id
    response = client.post(f"/fabriques/{fab.slug}/abonnes/courriels/{mail_id}/renvoyer")
    assert response.status_code == 400  # CSRF still guards every other form


def _failed_mail(app: Flask, fab: FabriqueRef, pid: int, email: str) -> int:
    """A follower of ``pid`` with one mail given up."""
    with app.app_context():
        follower = followers.subscribe(fab.id, pid, email, source="call")
        assert follower is not None
        row = mail.queue(
            dedupe_key=f"test:{email}",
            to=email,
            subject="« Projet » : nouvelle étape",
            body="b",
            fabrique_id=fab.id,
            follower_id=follower.id,
        )
        row.status = MailStatus.FAILED.value
        row.attempts = 6
        row.last_error = "SMTPRecipientsRefused: 550 mailbox unavailable"
        db.session.commit()
        return row.id


def test_members_see_counts_and_failures_and_resend(
    app: Flask,
    client: FlaskClient,
    new_fabrique: Callable[..., FabriqueRef],
    new_project: Callable[..., int],
) -> None:
    fab = new_fabrique()
    pid = new_project(fab.id, title="Garage solidaire")
    _subscribe(app, fab, pid, "ana@example.org")
    mail_id = _failed_mail(app, fab, pid, "ben@example.org")
    assert client.get(f"/fabriques/{fab.slug}/abonnes").status_code == 302  # sign in first
    as_facilitator(client, fab.member_email)

    response = client.get(f"/fabriques/{fab.slug}/abonnes")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Garage solidaire" in page
    assert '<td data-count="followers">2</td>' in page
    assert '<td data-count="failed">1</td>' in page
    assert "550 mailbox unavailable" in page
    assert "ana@example.org" not in page and "ben@example.org" not in page

    contacts = client.get(f"/fabriques/{fab.slug}/abonnes/adresses")
    assert contacts.status_code == 200
    assert contacts.headers["Cache-Control"] == "no-store"
    assert "ana@example.org" in contacts.get_data(as_text=True)

    response = client.post(f"/fabriques/{fab.slug}/abonnes/courriels/{mail_id}/renvoyer")
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(OutboxMail, mail_id)
        assert row is not None and row.status == MailStatus.PENDING and row.attempts == 0
    # Sent again already: nothing to resend.
    assert (
        client.post(f"/fabriques/{fab.slug}/abonnes/courriels/{mail_id}/renvoyer").status_code
        == 404
    )


def test_another_fabriques_followers_and_mails_are_invisible(
    app: Flask,
    client: FlaskClient,
    new_fabrique: Callable[..., FabriqueRef],
    new_project: Callable[..., int],
) -> None:
    mine, theirs = new_fabrique(), new_fabrique()
    their_project = new_project(theirs.id, title="Leur projet secret")
    their_mail = _failed_mail(app, theirs, their_project, "zoe@example.org")
    as_facilitator(client, mine.member_email)
    page = client.get(f"/fabriques/{mine.slug}/abonnes").get_data(as_text=True)
    assert "Leur projet secret" not in page
    assert "zoe@example.org" not in client.get(f"/fabriques/{mine.slug}/abonnes/adresses").get_data(
        as_text=True
    )
    assert (
        client.post(f"/fabriques/{mine.slug}/abonnes/courriels/{their_mail}/renvoyer").status_code
        == 404
    )
    assert client.get(f"/fabriques/{theirs.slug}/abonnes").status_code in (403, 404)
    assert client.get(f"/fabriques/{theirs.slug}/abonnes/adresses").status_code in (403, 404)
    with app.app_context():
        row = db.session.get(OutboxMail, their_mail)
        assert row is not None and row.status == MailStatus.FAILED


def test_the_project_page_section_counts_followers_and_lists_news(
    app: Flask, new_fabrique: Callable[..., FabriqueRef], new_project: Callable[..., int]
) -> None:
    fab = new_fabrique()
    pid = new_project(fab.id, title="Tiers-lieu")
    _subscribe(app, fab, pid, "ana@example.org")
    _subscribe(app, fab, pid, "ben@example.org")
    with app.app_context():
        from workshop.models import Fabrique

        fabrique = db.session.get(Fabrique, fab.id)
        assert fabrique is not None
        projects.set_stage(fabrique, pid, "launched")
        db.session.commit()
        followers.queue_news()
        mail.drain(personalise=followers.personalise)
        project = projects.project_in(fab.id, pid)
        with app.test_request_context():
            html = render_template("projects/_followers.html", fabrique=fabrique, project=project)
    assert "2 personnes suivent ce projet" in html
    assert "« Tiers-lieu » : nouvelle étape, « Lancée »" in html
    assert "envoyé à 2 personnes" in html
    assert "ana@example.org" not in html


def test_a_member_unsubscribes_someone_who_asked(
    app: Flask,
    client: FlaskClient,
    new_fabrique: Callable[..., FabriqueRef],
    new_project: Callable[..., int],
) -> None:
    mine, theirs = new_fabrique(), new_fabrique()
    _subscribe(app, mine, new_project(mine.id), "ana@example.org")
    _subscribe(app, theirs, new_project(theirs.id), "zoe@example.org")
    with app.app_context():
        ana, zoe = (
            db.session.scalars(select(Follower.id).where(Follower.email == email)).one()
            for email in ("ana@example.org", "zoe@example.org")
        )
    as_facilitator(client, mine.member_email)
    assert client.post(f"/fabriques/{mine.slug}/abonnes/{zoe}/desabonner").status_code == 404
    assert _is_following(app, "zoe@example.org")
    response = client.post(
        f"/fabriques/{mine.slug}/abonnes/{ana}/desabonner", follow_redirects=True
    )
    assert response.status_code == 200
    assert "ana@example.org ne recevra plus d’e-mails sur ce projet." in response.get_data(
        as_text=True
    )
    assert not _is_following(app, "ana@example.org")
