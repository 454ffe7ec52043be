"""Where links point (workshop/exports/links.py): commands print the server's real
address, and the console warns when phones could not open its links."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD, WorkshopRef
from workshop.exports import links
from workshop.exports.links import is_loopback, phone_reachability, server_base_url

NewWorkshop = Callable[..., WorkshopRef]


@pytest.fixture(autouse=True)
def _no_address(monkeypatch: pytest.MonkeyPatch) -> None:
    """No HOST, PORT or network address from the machine running the tests."""
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.setattr(links, "lan_address", lambda: None)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.1.1", True),
        ("localhost", True),
        ("LOCALHOST.", True),
        ("semis.localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("192.168.1.20", False),
        ("10.0.0.5", False),
        ("0.0.0.0", False),
        ("semis.example.org", False),
        ("fe80::1", False),
        ("", False),
        (None, False),
    ],
)
def test_loopback_hosts(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_command_uses_host_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    assert server_base_url() == "http://127.0.0.1:5000"
    monkeypatch.setenv("PORT", "8000")
    assert server_base_url() == "http://127.0.0.1:8000"
    monkeypatch.setenv("HOST", "192.168.1.20")
    assert server_base_url() == "http://192.168.1.20:8000"
    monkeypatch.setenv("HOST", "::1")
    assert server_base_url() == "http://[::1]:8000"
    monkeypatch.setenv("PORT", "not a port")
    assert server_base_url() == "http://[::1]:5000"


def test_every_interface_means_the_network_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "8080")
    assert server_base_url() == "http://127.0.0.1:8080"  # no network: the loopback still
    monkeypatch.setattr(links, "lan_address", lambda: "192.168.1.20")
    assert server_base_url() == "http://192.168.1.20:8080"


def test_workshops_create_prints_links_on_the_servers_port(
    app: Flask, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "8000")
    monkeypatch.setattr(links, "lan_address", lambda: "192.168.1.20")
    result = runner.invoke(args=["demo", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    for key in ("join_url", "screen_url", "console_url"):
        assert printed[key].startswith("http://192.168.1.20:8000/"), printed[key]


@pytest.mark.parametrize("app_config", [{"PUBLIC_URL": "https://semis.example.org/"}])
def test_public_url_wins_over_host_and_port(
    app: Flask, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORT", "8000")
    result = runner.invoke(args=["demo", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["join_url"].startswith("https://semis.example.org/j/")


def reach(app: Flask, url: str) -> Any:
    with app.app_context():
        return phone_reachability(url, "/f/w/1")


def test_reachability(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    # make run's default: the loopback, in the link and where the server listens.
    found = reach(app, "http://127.0.0.1:5000/j/ABCD")
    assert (found.host, found.loopback_url, found.loopback_listen) == ("127.0.0.1", True, True)
    assert found.lan_url is None
    monkeypatch.setattr(links, "lan_address", lambda: "192.168.1.20")
    assert reach(app, "http://localhost:5000/j/ABCD").lan_url == "http://192.168.1.20:5000/f/w/1"
    # Listening everywhere but opened on the loopback: only the link is wrong.
    monkeypatch.setenv("HOST", "0.0.0.0")
    found = reach(app, "http://[::1]:5000/j/ABCD")
    assert (found.loopback_url, found.loopback_listen) == (True, False)
    # Opened at the network address: nothing to say.
    assert reach(app, "http://192.168.1.20:5000/j/ABCD") is None
    # A network address in the link, but a server listening on the loopback only.
    monkeypatch.setenv("HOST", "127.0.0.1")
    found = reach(app, "http://semis.local:5000/j/ABCD")
    assert (found.loopback_url, found.loopback_listen) == (False, True)


@pytest.mark.parametrize(
    "app_config",
    [{"PUBLIC_URL": "https://semis.example.org"}, {"PROXY_COUNT": 1}],
)
def test_behind_a_proxy_only_the_link_counts(app: Flask) -> None:
    assert reach(app, "https://semis.example.org/j/ABCD") is None
    found = reach(app, "http://127.0.0.1:8080/j/ABCD")
    assert (found.loopback_url, found.loopback_listen, found.lan_url) == (True, False, None)
    assert found.public_url == bool(app.config.get("PUBLIC_URL"))


@pytest.mark.parametrize(
    "app_config", [{"SERVER_NAME": None, "PUBLIC_URL": "http://127.0.0.1:8080"}]
)
def test_the_console_asks_for_another_public_url(
    client: FlaskClient, new_workshop: NewWorkshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(links, "lan_address", lambda: "192.168.1.20")
    html = console(client, new_workshop, "http://192.168.1.20:5000")
    assert "Les téléphones ne pourront pas ouvrir ce lien" in html
    assert "Donnez à <code>WORKSHOP_PUBLIC_URL</code> une adresse" in html
    assert "make run" not in html and "Ouvrez" not in html


def console(client: FlaskClient, new_workshop: NewWorkshop, base_url: str) -> str:
    """The console as opened at ``base_url`` (signed in there: cookies follow the host)."""
    workshop = new_workshop()
    login = {"email": workshop.owner_email, "password": PASSWORD}
    assert client.post("/login", data=login, base_url=base_url).status_code == 302
    response = client.get(f"/f/w/{workshop.id}", base_url=base_url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


# Requests on any host name (TestConfig's SERVER_NAME would tie cookies to "localhost").
on_any_host = pytest.mark.parametrize("app_config", [{"SERVER_NAME": None}])


@on_any_host
def test_the_console_warns_on_the_loopback(
    client: FlaskClient, new_workshop: NewWorkshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(links, "lan_address", lambda: "192.168.1.20")
    html = console(client, new_workshop, "http://127.0.0.1:5000")
    assert 'id="reach-warning"' in html
    assert "Les téléphones ne pourront pas ouvrir ce lien" in html
    assert "<code>HOST=0.0.0.0 make run</code>" in html
    assert "Ouvrez ensuite cette console" in html and "<code>http://192.168.1.20:5000/f/w/" in html
    assert "<code>WORKSHOP_PUBLIC_URL</code>" in html


@on_any_host
def test_listening_everywhere_the_console_only_says_where_to_open_it(
    client: FlaskClient, new_workshop: NewWorkshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOST", "0.0.0.0")
    html = console(client, new_workshop, "http://localhost:5000")
    assert "Ouvrez cette console avec l’adresse de l’ordinateur sur le réseau" in html
    assert "make run" not in html and "ensuite" not in html


@on_any_host
def test_the_console_warns_when_the_server_listens_on_the_loopback_only(
    client: FlaskClient, new_workshop: NewWorkshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOST", "127.0.0.1")
    html = console(client, new_workshop, "http://semis.local:5000")
    assert "Les téléphones ne pourront pas joindre ce serveur" in html
    assert "<code>HOST=0.0.0.0 make run</code>" in html


@on_any_host
def test_the_console_says_nothing_at_a_network_address(
    client: FlaskClient, new_workshop: NewWorkshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOST", "0.0.0.0")
    html = console(client, new_workshop, "http://192.168.1.20:5000")
    assert 'id="reach-warning"' not in html
    assert "http://192.168.1.20:5000/j/" in html
