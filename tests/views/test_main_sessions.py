"""views.main and auth: sign-out and password change end sessions, the remember cookie,
sign-in throttling, the set-up token, security headers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio.test_client import SocketIOTestClient

from tests.conftest import as_facilitator
from tests.factories import PASSWORD, WorkshopRef, make_facilitator
from workshop.services import accounts

NEW_PASSWORD = "an-entirely-new-passphrase"


@pytest.fixture
def anne(app: Flask) -> str:
    with app.app_context():
        return make_facilitator(email="anne@example.org").email


def sign_in(client: FlaskClient, email: str, *, remember: bool = False, **kwargs: Any) -> Any:
    data = {"email": email, "password": PASSWORD} | ({"remember": "on"} if remember else {})
    response = client.post("/login", data=data, **kwargs)
    assert response.status_code == 302, response.status_code
    return response


def remember_header(response: Any) -> str | None:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    return cookies[0] if cookies else None


def copy_cookie(source: FlaskClient, target: FlaskClient, name: str) -> None:
    cookie = source.get_cookie(name)
    assert cookie is not None, name
    target.set_cookie(name, cookie.value)


def signed_in(client: FlaskClient) -> bool:
    return client.get("/f/").status_code == 200


# ------------------------------------------------------------------ sign-out


def test_a_copied_session_cookie_stops_working_after_sign_out(app: Flask, anne: str) -> None:
    browser, thief = app.test_client(), app.test_client()
    sign_in(browser, anne)
    copy_cookie(browser, thief, "session")
    assert signed_in(thief)
    browser.post("/logout")
    response = thief.get("/f/")
    assert response.status_code == 302 and "/login" in response.location


def test_a_copied_remember_cookie_stops_working_after_sign_out(app: Flask, anne: str) -> None:
    browser, thief = app.test_client(), app.test_client()
    sign_in(browser, anne, remember=True)
    copy_cookie(browser, thief, "remember_token")
    stolen = thief.get_cookie("remember_token").value  # type: ignore[union-attr]
    assert signed_in(thief)  # the remember cookie alone signs in
    browser.post("/logout")
    assert not signed_in(thief)
    only_the_cookie = app.test_client()
    only_the_cookie.set_cookie("remember_token", stolen)
    assert not signed_in(only_the_cookie)


# ------------------------------------------------------------------ remember cookie


def test_no_remember_cookie_unless_ticked(client: FlaskClient, anne: str) -> None:
    assert remember_header(sign_in(client, anne)) is None
    assert client.get_cookie("remember_token") is None


def test_remember_cookie_flags_when_ticked(client: FlaskClient, anne: str) -> None:
    header = remember_header(sign_in(client, anne, remember=True))
    assert header is not None
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert "Secure" not in header  # plain HTTP: a Secure cookie would never come back


def test_remember_and_session_cookies_are_secure_over_https(app: Flask, anne: str) -> None:
    client = app.test_client()
    response = sign_in(client, anne, remember=True, base_url="https://localhost")
    header = remember_header(response)
    assert header is not None and "; Secure" in header
    session = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert session and "; Secure" in session[0]


def test_remember_cookie_rotates_at_each_sign_in(app: Flask, anne: str) -> None:
    first = remember_header(sign_in(app.test_client(), anne, remember=True))
    second = remember_header(sign_in(app.test_client(), anne, remember=True))
    assert first is not None and second is not None
    assert first.split(";")[0] != second.split(";")[0]


# ------------------------------------------------------------------ password change


def test_password_page_needs_a_signed_in_facilitator(client: FlaskClient) -> None:
    response = client.get("/account/password")
    assert response.status_code == 302 and "/login" in response.location


def test_password_change_ends_other_sessions_and_keeps_this_one(app: Flask, anne: str) -> None:
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, anne)
    sign_in(elsewhere, anne, remember=True)
    old_session = here.get_cookie("session")
    assert old_session is not None
    assert here.get("/account/password").status_code == 200
    response = here.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert signed_in(here)
    new_session = here.get_cookie("session")
    assert new_session is not None and new_session.value != old_session.value  # rotated
    elsewhere.delete_cookie("session")  # only the remember cookie is left: refused too
    assert not signed_in(elsewhere)
    replay = app.test_client()
    replay.set_cookie("session", old_session.value)
    assert not signed_in(replay)
    with app.app_context():
        assert accounts.authenticate(anne, NEW_PASSWORD).email == anne


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"current_password": "wrong-password!", "new_password": NEW_PASSWORD}, 401),
        ({"current_password": PASSWORD, "new_password": "short"}, 400),
        ({"current_password": PASSWORD, "new_password": NEW_PASSWORD}, 400),  # no second copy
    ],
)
def test_password_change_refusals(
    app: Flask, client: FlaskClient, anne: str, form: dict[str, str], status: int
) -> None:
    sign_in(client, anne)
    if "new_password_confirm" not in form and status == 401:
        form = form | {"new_password_confirm": NEW_PASSWORD}
    assert client.post("/account/password", data=form).status_code == status
    assert signed_in(client)
    with app.app_context():
        assert accounts.authenticate(anne, PASSWORD).email == anne


# ------------------------------------------------------------------ throttling


@pytest.mark.parametrize(
    "app_config",
    [{"LOGIN_ACCOUNT_LIMIT": "3 per minute", "LOGIN_ADDRESS_LIMIT": "100 per minute"}],
)
def test_sign_in_is_throttled_per_account(app: Flask, anne: str) -> None:
    wrong = {"email": anne, "password": "not-the-password"}
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        client = app.test_client()
        response = client.post("/login", data=wrong, environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 401
    other = app.test_client()
    response = other.post(
        "/login",
        data={"email": anne, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.4"},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)
    # Another account is not held up.
    with app.app_context():
        bob = make_facilitator(email="bob@example.org").email
    sign_in(app.test_client(), bob)


@pytest.mark.parametrize(
    "app_config",
    [{"LOGIN_ACCOUNT_LIMIT": "100 per minute", "LOGIN_ADDRESS_LIMIT": "3 per minute"}],
)
def test_sign_in_is_throttled_per_address(app: Flask, client: FlaskClient, anne: str) -> None:
    for n in range(3):
        response = client.post("/login", data={"email": f"x{n}@example.org", "password": "nope"})
        assert response.status_code == 401
    response = client.post("/login", data={"email": anne, "password": PASSWORD})
    assert response.status_code == 429
    sign_in(app.test_client(), anne, environ_base={"REMOTE_ADDR": "10.9.9.9"})


def test_a_sign_in_without_an_address_is_refused_and_logs_no_error(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    """No email typed: the form says so, and there is no account to count a guess
    against, so the server's log gets no error about the limit's empty key."""
    with caplog.at_level(logging.WARNING):
        for email in ("", " "):
            response = client.post("/login", data={"email": email, "password": "nope"})
            assert response.status_code == 400
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_right_passwords_do_not_count(client: FlaskClient, anne: str) -> None:
    for _ in range(8):
        sign_in(client, anne)


# ------------------------------------------------------------------ first set-up


def test_set_up_refused_without_its_token(app: Flask, client: FlaskClient) -> None:
    for response in (
        client.get("/setup", headers={"Accept-Language": "fr"}),
        client.get("/setup?token=wrong"),
        client.post("/setup", data={"email": "eve@example.org", "password": PASSWORD}),
    ):
        assert response.status_code == 403
    assert "terminal" in client.get("/setup", headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )
    with app.app_context():
        assert not accounts.has_facilitators()


def test_set_up_token_is_single_use(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        url = f"/setup?token={accounts.setup_token()}"
    form = {"email": "anne@example.org", "name": "Anne", "password": PASSWORD}
    assert client.post(url, data=form).status_code == 302
    again = app.test_client().post(url, data=form | {"email": "eve@example.org"})
    assert again.status_code == 302 and again.location.endswith("/login")
    with app.app_context():
        assert accounts.get_by_email("eve@example.org") is None


# ------------------------------------------------------------------ headers


def test_csp_limits_connections_to_the_site(client: FlaskClient) -> None:
    csp = client.get("/healthz").headers["Content-Security-Policy"]
    assert "connect-src 'self';" in csp + ";"
    assert "ws:" not in csp and "wss:" not in csp


def test_private_pages_are_not_stored(
    client: FlaskClient, new_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = new_workshop()
    as_facilitator(client, workshop.owner_email)
    assert client.get("/healthz").headers.get("Cache-Control") != "no-store"
    w = f"/f/w/{workshop.id}"
    for url in (
        "/f/",
        w,  # the console
        f"{w}/exports",
        f"{w}/export/json",
        "/fabriques/",  # the portfolio
        "/api/v1/sessions",  # refused without a token, still not stored
        "/account/password",
        "/login",
    ):
        assert client.get(url).headers.get("Cache-Control") == "no-store", url
    # The published schemas stay cacheable.
    schema = client.get("/schemas/export.schema.json")
    assert schema.headers["Cache-Control"] == "public, max-age=3600"


def test_hsts_only_when_enabled(app: Flask, client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/healthz").headers


@pytest.mark.parametrize("app_config", [{"HSTS_SECONDS": 31536000}])
def test_hsts_when_enabled(client: FlaskClient) -> None:
    assert client.get("/healthz").headers["Strict-Transport-Security"] == "max-age=31536000"


# ------------------------------------------------------------------ sockets


def test_sign_out_disconnects_the_accounts_sockets(
    app: Flask,
    new_workshop: Callable[..., WorkshopRef],
    socket_client: Callable[..., SocketIOTestClient],
) -> None:
    workshop = new_workshop()
    browser = app.test_client()
    as_facilitator(browser, workshop.owner_email)
    console = socket_client(workshop, "facilitator", http=browser)
    assert console.is_connected()
    browser.post("/logout")
    assert not console.is_connected()


def test_a_socket_of_an_ended_session_is_refused_at_its_next_event(
    app: Flask,
    new_workshop: Callable[..., WorkshopRef],
    socket_client: Callable[..., SocketIOTestClient],
) -> None:
    """As when the account signs out through another worker, which cannot disconnect
    this process's sockets at once."""
    workshop = new_workshop()
    console = socket_client(workshop, "facilitator")
    assert console.is_connected()
    with app.app_context():
        anne = accounts.get_by_email(workshop.owner_email)
        assert anne is not None
        accounts.end_sessions(anne)
    console.emit("join_workshop", {}, callback=True)
    assert not console.is_connected()
