"""views.team: the « Équipe d'animation » page, account invitations and the page an
invitation link opens, over HTTP: who may see and post what, the forms' token (CSRF),
links that are bad, expired or used, and wrong passwords counted like the sign-in's."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import as_facilitator
from tests.factories import PASSWORD, WorkshopRef, make_facilitator
from workshop.extensions import db
from workshop.models import Facilitator, Invitation, Workshop, utcnow
from workshop.services import team

NewWorkshop = Callable[..., WorkshopRef]
FR = {"Accept-Language": "fr"}
NEW_ACCOUNT = {"name": "Zoé", "password": PASSWORD, "password_confirm": PASSWORD}


@pytest.fixture
def workshop(new_workshop: NewWorkshop) -> WorkshopRef:
    return new_workshop()


@pytest.fixture
def owner(app: Flask, workshop: WorkshopRef) -> FlaskClient:
    client = app.test_client()
    as_facilitator(client, workshop.owner_email)
    return client


def invite(client: FlaskClient, workshop: WorkshopRef, email: str) -> str:
    """Invite ``email`` from the team page; the link's path, as the page shows it."""
    response = client.post(f"/f/w/{workshop.id}/team", data={"email": email})
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    found = re.search(r'id="invitation-url"[^>]*value="([^"]+)"', page)
    assert found, page
    return urlsplit(found.group(1)).path


def team_ids(app: Flask, workshop: WorkshopRef) -> set[int]:
    with app.app_context():
        held = db.session.get(Workshop, workshop.id)
        assert held is not None
        return {f.id for f in held.facilitators}


def account_id(app: Flask, email: str) -> int | None:
    with app.app_context():
        return db.session.scalar(select(Facilitator.id).where(Facilitator.email == email))


def invitations(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Invitation)) or 0)


# ---------------------------------------------------------------- the team page


def test_the_team_page_lists_the_team_and_marks_the_owner(
    app: Flask, owner: FlaskClient, workshop: WorkshopRef
) -> None:
    page = owner.get(f"/f/w/{workshop.id}/team", headers=FR)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "Équipe d’animation" in text or "Équipe d'animation" in text
    assert workshop.owner_email in text and "Propriétaire" in text
    # The console links to it.
    assert f"/f/w/{workshop.id}/team" in owner.get(f"/f/w/{workshop.id}").get_data(as_text=True)


def test_strangers_and_phones_do_not_see_the_team(
    app: Flask, client: FlaskClient, workshop: WorkshopRef
) -> None:
    assert client.get(f"/f/w/{workshop.id}/team").status_code == 302  # to sign in
    with app.app_context():
        stranger = make_facilitator().email
    as_facilitator(client, stranger)
    assert client.get(f"/f/w/{workshop.id}/team").status_code == 403
    assert (
        client.post(f"/f/w/{workshop.id}/team", data={"email": "z@example.org"}).status_code == 403
    )
    assert invitations(app) == 0


def test_inviting_shows_the_link_once_and_says_no_email_is_sent(
    app: Flask, owner: FlaskClient, workshop: WorkshopRef
) -> None:
    response = owner.post(
        f"/f/w/{workshop.id}/team", data={"email": " Zoe@Example.org "}, headers=FR
    )
    text = response.get_data(as_text=True)
    assert "Semis n’envoie pas d’e-mail" in text
    link = re.search(r'id="invitation-url"[^>]*value="([^"]+)"', text)
    assert link and link.group(1).startswith("http")
    secret = link.group(1).rsplit("/", 1)[-1]
    with app.app_context():
        stored = team.find(secret)
        assert stored.email == "zoe@example.org" and secret not in stored.token_hash
    # Afterwards the page lists it as pending, without its link.
    page = owner.get(f"/f/w/{workshop.id}/team").get_data(as_text=True)
    assert "zoe@example.org" in page and secret not in page


@pytest.mark.parametrize(
    ("email", "reason"),
    [("", "required"), ("not-an-address", "format"), ("x" * 250 + "@e.org", "length")],
)
def test_a_bad_address_is_refused_next_to_its_field(
    app: Flask, owner: FlaskClient, workshop: WorkshopRef, email: str, reason: str
) -> None:
    response = owner.post(f"/f/w/{workshop.id}/team", data={"email": email})
    assert response.status_code == 400
    assert 'id="invite-email"' in (text := response.get_data(as_text=True))
    assert 'aria-invalid="true"' in text
    assert invitations(app) == 0


def test_the_forms_need_their_token(app: Flask, owner: FlaskClient, workshop: WorkshopRef) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    assert (
        owner.post(f"/f/w/{workshop.id}/team", data={"email": "z@example.org"}).status_code == 400
    )
    assert invitations(app) == 0
    page = owner.get(f"/f/w/{workshop.id}/team").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    response = owner.post(
        f"/f/w/{workshop.id}/team", data={"email": "z@example.org", "csrf_token": token.group(1)}
    )
    assert response.status_code == 200 and invitations(app) == 1
    # The link's page: its form needs the token too.
    path = re.search(r'id="invitation-url"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert path
    guest = app.test_client()
    url = urlsplit(path.group(1)).path
    assert guest.post(url, data=NEW_ACCOUNT).status_code == 400
    assert account_id(app, "z@example.org") is None
    form = guest.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    assert guest.post(url, data={**NEW_ACCOUNT, "csrf_token": token.group(1)}).status_code == 302
    assert account_id(app, "z@example.org") is not None


# --------------------------------------------------------------- opening a link


def test_a_new_account_is_created_and_lands_on_the_console(
    app: Flask, owner: FlaskClient, workshop: WorkshopRef
) -> None:
    path = invite(owner, workshop, "zoe@example.org")
    guest = app.test_client()
    form = guest.get(path, headers=FR)
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    assert "zoe@example.org" in (text := form.get_data(as_text=True))
    assert 'id="invitation-create"' in text
    # Two different passwords, then a short one: refused, nothing created.
    mismatch = guest.post(path, data={**NEW_ACCOUNT, "password_confirm": "something else 1"})
    assert mismatch.status_code == 400 and account_id(app, "zoe@example.org") is None
    short = guest.post(path, data={"name": "Zoé", "password": "short", "password_confirm": "short"})
    assert short.status_code == 400 and account_id(app, "zoe@example.org") is None
    response = guest.post(path, data=NEW_ACCOUNT)
    assert response.status_code == 302
    assert response.location == f"/f/w/{workshop.id}"
    # Signed in: the console, the dashboard, and the team page that now lists her.
    assert guest.get(f"/f/w/{workshop.id}").status_code == 200
    assert f"/f/w/{workshop.id}" in guest.get("/f/").get_data(as_text=True)
    zoe = account_id(app, "zoe@example.org")
    assert zoe in team_ids(app, workshop)
    listed = owner.get(f"/f/w/{workshop.id}/team", headers=FR).get_data(as_text=True)
    assert "Zoé" in listed and "Invité·e par" in listed
    # The link is used: a second visit says so.
    again = app.test_client().get(path, headers=FR)
    assert again.status_code == 404
    assert "déjà été utilisée" in again.get_data(as_text=True)


def test_an_existing_account_signs_in_with_its_password(
    app: Flask, owner: FlaskClient, workshop: WorkshopRef
) -> None:
    with app.app_context():
        bob = make_facilitator(email="bob@example.org").id
    path = invite(owner, workshop, "bob@example.org")
    guest = app.test_client()
    assert 'id="invitation-sign-in"' in guest.get(path).get_data(as_text=True)
    wrong = guest.post(path, data={"password": "not the password"})
    assert wrong.status_code == 401 and bob not in team_ids(app, workshop)
    assert guest.get(f"/f/w/{workshop.id}").status_code == 302  # not signed in
    response = guest.post(path, data={"password": PASSWORD})
    assert response.status_code == 302 and response.location == f"/f/w/{workshop.id}"
    assert bob in team_ids(app, workshop)
    assert guest.get(f"/f/w/{workshop.id}").status_code == 200


def test_already_signed_in_joins_in_one_click(
    app: Flask, owner: FlaskClient, workshop: WorkshopRef
) -> None:
    with app.app_context():
        bob = make_facilitator(email="bob@example.org").id
    path = invite(owner, workshop, "bob@example.org")
    guest = app.test_client()
    as_facilitator(guest, "bob@example.org")
    assert 'id="invitation-join"' in guest.get(path).get_data(as_text=True)
    assert guest.post(path).status_code == 302
    assert bob in team_ids(app, workshop)


def test_signed_in_as_someone_else_signs_out_first(
    app: Flask, owner: FlaskClient, workshop: WorkshopRef
) -> None:
    path = invite(owner, workshop, "zoe@example.org")
    with app.app_context():
        other = make_facilitator().email
    guest = app.test_client()
    as_facilitator(guest, other)
    assert 'id="invitation-sign-out"' in guest.get(path).get_data(as_text=True)
    # Posting as the wrong account is refused: nobody joins.
    refused = guest.post(path)
    assert refused.status_code == 403 and len(team_ids(app, workshop)) == 1
    out = guest.post(path, data={"action": "sign_out"})
    assert out.status_code == 302 and out.location == path
    assert guest.get("/f/").status_code == 302  # signed out
    assert 'id="invitation-create"' in guest.get(path).get_data(as_text=True)


@pytest.mark.parametrize("token", ["nope", "x" * 43, "x" * 300, quote("é ü\x00", safe="")])
def test_a_bad_link_says_so(
    app: Flask, client: FlaskClient, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        for response in (
            client.get(f"/f/join/{token}", headers=FR),
            client.post(f"/f/join/{token}"),
        ):
            assert response.status_code == 404
    # A link inviting nobody has no account to count guesses against: no error logged.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    text = client.get(f"/f/join/{token}", headers=FR).get_data(as_text=True)
    assert "lien d’invitation n’est pas valide" in text


def test_an_expired_link_says_so(app: Flask, owner: FlaskClient, workshop: WorkshopRef) -> None:
    path = invite(owner, workshop, "zoe@example.org")
    with app.app_context():
        held = team.find(path.rsplit("/", 1)[-1])
        held.expires_at = utcnow() - dt.timedelta(minutes=1)
        db.session.commit()
    guest = app.test_client()
    response = guest.get(path, headers=FR)
    assert response.status_code == 404 and "a expiré" in response.get_data(as_text=True)
    assert guest.post(path, data=NEW_ACCOUNT).status_code == 404
    assert account_id(app, "zoe@example.org") is None
    listed = owner.get(f"/f/w/{workshop.id}/team", headers=FR).get_data(as_text=True)
    assert "Expirée" in listed


@pytest.mark.parametrize(
    "app_config",
    [{"LOGIN_ACCOUNT_LIMIT": "3 per minute", "LOGIN_ADDRESS_LIMIT": "100 per minute"}],
)
def test_wrong_passwords_through_a_link_are_counted(
    app: Flask, owner: FlaskClient, workshop: WorkshopRef
) -> None:
    with app.app_context():
        make_facilitator(email="bob@example.org")
    path = invite(owner, workshop, "bob@example.org")
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        response = app.test_client().post(
            path, data={"password": "wrong one"}, environ_base={"REMOTE_ADDR": address}
        )
        assert response.status_code == 401
    response = app.test_client().post(
        path, data={"password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.0.0.4"}
    )
    assert response.status_code == 429


# ----------------------------------------------------- removing and withdrawing


def test_removing_a_co_facilitator_closes_the_console_to_them(
    app: Flask, owner: FlaskClient, workshop: WorkshopRef
) -> None:
    path = invite(owner, workshop, "zoe@example.org")
    zoe_client = app.test_client()
    zoe_client.post(path, data=NEW_ACCOUNT)
    zoe = account_id(app, "zoe@example.org")
    assert zoe is not None
    owner_id = account_id(app, workshop.owner_email)
    # Nobody removes the owner.
    refused = zoe_client.post(f"/f/w/{workshop.id}/team/{owner_id}/remove", headers=FR)
    assert refused.status_code == 400 and "propriétaire" in refused.get_data(as_text=True)
    response = owner.post(f"/f/w/{workshop.id}/team/{zoe}/remove")
    assert response.status_code == 302 and response.location == f"/f/w/{workshop.id}/team"
    assert team_ids(app, workshop) == {owner_id}
    assert zoe_client.get(f"/f/w/{workshop.id}").status_code == 403
    assert owner.post(f"/f/w/{workshop.id}/team/{zoe}/remove").status_code == 404


def test_a_co_facilitator_leaves(app: Flask, owner: FlaskClient, workshop: WorkshopRef) -> None:
    path = invite(owner, workshop, "zoe@example.org")
    zoe_client = app.test_client()
    zoe_client.post(path, data=NEW_ACCOUNT)
    zoe = account_id(app, "zoe@example.org")
    response = zoe_client.post(f"/f/w/{workshop.id}/team/{zoe}/remove")
    assert response.status_code == 302 and response.location == "/f/"
    assert zoe not in team_ids(app, workshop)


def test_withdrawing_an_invitation(app: Flask, owner: FlaskClient, workshop: WorkshopRef) -> None:
    path = invite(owner, workshop, "zoe@example.org")
    with app.app_context():
        invitation_id = team.find(path.rsplit("/", 1)[-1]).id
    with app.app_context():
        stranger = make_facilitator().email
    other = app.test_client()
    as_facilitator(other, stranger)
    revoke = f"/f/w/{workshop.id}/team/invitations/{invitation_id}/revoke"
    assert other.post(revoke).status_code == 403
    assert app.test_client().get(path).status_code == 200  # still works
    response = owner.post(revoke)
    assert response.status_code == 302
    withdrawn = app.test_client().get(path, headers=FR)
    assert withdrawn.status_code == 404 and "retirée" in withdrawn.get_data(as_text=True)
    assert owner.post(revoke).status_code == 404


# ----------------------------------------------------------- account invitations


def test_any_facilitator_invites_a_new_account_from_the_dashboard(
    app: Flask, owner: FlaskClient
) -> None:
    dashboard = owner.get("/f/", headers=FR).get_data(as_text=True)
    assert "/f/invitations" in dashboard
    response = owner.post("/f/invitations", data={"email": "zoe@example.org"})
    assert response.status_code == 200
    found = re.search(r'id="invitation-url"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert found
    path = urlsplit(found.group(1)).path
    guest = app.test_client()
    response = guest.post(path, data=NEW_ACCOUNT)
    assert response.status_code == 302 and response.location == "/f/"
    assert guest.get("/f/").status_code == 200
    # The inviter's page now says who joined.
    mine = owner.get("/f/invitations", headers=FR).get_data(as_text=True)
    assert "Zoé" in mine and "Compte créé" in mine
    # An address with an account is refused, with the way to invite it to a team.
    taken = owner.post("/f/invitations", data={"email": "zoe@example.org"}, headers=FR)
    assert taken.status_code == 400 and "Équipe d’animation" in taken.get_data(as_text=True)


def test_only_its_author_withdraws_an_account_invitation(app: Flask, owner: FlaskClient) -> None:
    owner.post("/f/invitations", data={"email": "zoe@example.org"})
    with app.app_context():
        invitation_id = db.session.scalar(select(Invitation.id))
        stranger = make_facilitator().email
    other = app.test_client()
    as_facilitator(other, stranger)
    assert other.post(f"/f/invitations/{invitation_id}/revoke").status_code == 404
    assert app.test_client().post(f"/f/invitations/{invitation_id}/revoke").status_code == 302
    assert owner.post(f"/f/invitations/{invitation_id}/revoke").status_code == 302
    assert owner.post(f"/f/invitations/{invitation_id}/revoke").status_code == 404


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(token=st.text(min_size=1, max_size=120), password=st.text(max_size=50))
def test_no_token_breaks_the_link_page(app: Flask, token: str, password: str) -> None:
    """Any path segment as a token: a clear refusal, never a 500 nor an account."""
    client = app.test_client()
    path = "/f/join/" + quote(token, safe="")
    for response in (
        client.get(path),
        client.post(path, data={"name": "N", "password": password, "password_confirm": password}),
    ):
        assert response.status_code in (404, 308), response.status_code
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Facilitator)) == 0


def test_an_account_invitation_to_an_address_that_got_an_account_meanwhile(
    app: Flask, owner: FlaskClient
) -> None:
    response = owner.post("/f/invitations", data={"email": "zoe@example.org"})
    found = re.search(r'id="invitation-url"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert found
    with app.app_context():
        make_facilitator(email="zoe@example.org")  # from the command line, meanwhile
    zoe = app.test_client()
    path = urlsplit(found.group(1)).path
    assert 'id="invitation-sign-in"' in zoe.get(path).get_data(as_text=True)
    response = zoe.post(path, data={"password": PASSWORD}, headers=FR)
    assert response.status_code == 302 and response.location == "/f/"
    dashboard = zoe.get("/f/", headers=FR).get_data(as_text=True)
    assert "Vous aviez déjà un compte" in dashboard
    assert "Votre compte est prêt" not in dashboard
