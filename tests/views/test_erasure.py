"""Erasure that erases: a participant gives a unique contact and pseudonym, they reach
the live room, the exports and a Fabrique's portfolio; the participant presses
« Supprimer mes données » on their phone, the operator runs the purge; then neither
string is anywhere: not in the database files (every table, free pages and write-ahead
log included), nor in any export, replay or API answer."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio.test_client import SocketIOTestClient

from tests.conftest import as_facilitator, build_app, join_as
from tests.factories import WorkshopRef, make_idea, make_workshop, ref
from tests.realtime.sockets import ack
from workshop.extensions import db, socketio
from workshop.models import Workshop
from workshop.schemas import parse_new_fabrique
from workshop.services import fabriques

EMAIL = "zq-unique-7731@example.org"
PSEUDONYM = "Xylophonia Quartz"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """The app on a database file, as `make run` has it (not in memory)."""
    app = build_app(DATABASE_URL=f"sqlite:///{tmp_path / 'semis.sqlite3'}")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _database_bytes(app: Flask) -> bytes:
    with app.app_context():
        path = Path(db.engine.url.database or "")
        db.session.remove()
        db.engine.dispose()
    return b"".join(
        candidate.read_bytes()
        for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-journal"))
        if candidate.exists()
    )


def _everything_the_server_answers(
    app: Flask, host: FlaskClient, workshop: WorkshopRef, uid: str, token: str
) -> str:
    """Exports, the contacts page, the live snapshot and replay, the API."""
    answers = []
    for fmt in ("json", "csv", "report"):
        answers.append(host.get(f"/f/w/{workshop.id}/export/{fmt}").get_data())
    for table in ("volunteers", "ideas"):
        answers.append(host.get(f"/f/w/{workshop.id}/tables/{table}.csv").get_data())
    answers.append(host.get(f"/f/w/{workshop.id}/contacts").get_data())
    bearer = {"Authorization": f"Bearer {token}"}
    api = app.test_client()
    for path in (f"/api/v1/workshops/{uid}/export", f"/api/v1/sessions/{uid}", "/api/v1/ideas"):
        answers.append(api.get(path, headers=bearer).get_data())
    console = socketio.test_client(
        app, flask_test_client=host, auth={"workshop_id": workshop.id, "role": "facilitator"}
    )
    for payload in (None, {"last_seq": 0}, {"last_seq": 1}):
        answers.append(json.dumps(ack(console, "join_workshop", payload)).encode())
    console.disconnect()
    text = b"\n".join(answers)
    # The CSV export is a ZIP: look inside it too.
    import zipfile

    csv_zip = host.get(f"/f/w/{workshop.id}/export/csv").get_data()
    with zipfile.ZipFile(io.BytesIO(csv_zip)) as archive:
        text += b"".join(archive.read(name) for name in archive.namelist())
    return text.decode("utf-8", errors="replace")


def test_erased_data_is_nowhere_after_the_purge(
    app: Flask, socket_client: Callable[..., SocketIOTestClient]
) -> None:
    with app.app_context():
        made = make_workshop()
        idea = make_idea(made, title="Une cantine solidaire")
        workshop, idea_id, uid = ref(made), idea.id, made.uid
        fabrique = fabriques.create_fabrique(
            parse_new_fabrique({"slug": "fabrique-bauges", "name": "Fabrique des Bauges"})
        )
        fabriques.add_member(fabrique, made.owner)
        token = fabriques.issue_token(fabrique, "outil de suivi").token

    # A phone joins under a unique pseudonym and offers to carry the idea, with consent.
    phone_http = app.test_client()
    join_as(phone_http, workshop.code, PSEUDONYM)
    phone = socket_client(workshop, http=phone_http)
    assert ack(phone, "join_workshop")["ok"]
    offered = ack(
        phone,
        "offer_help",
        {
            "target": "idea",
            "target_id": idea_id,
            "kind": "hold",
            "consent_contact": True,
            "contact_name": PSEUDONYM,
            "contact_email": EMAIL,
        },
    )
    assert offered["ok"], offered
    mine = ack(phone, "post_idea", {"client_id": "client-zq-0001", "title": "Un atelier vélo"})
    assert mine["ok"], mine

    # The facilitators see it where they should, and a Fabrique imports the export.
    host = app.test_client()
    as_facilitator(host, workshop.owner_email)
    assert EMAIL in host.get(f"/f/w/{workshop.id}/contacts").get_data(as_text=True)
    document = host.get(f"/f/w/{workshop.id}/export/json").get_data()
    assert EMAIL.encode() in document
    imported = host.post(
        "/fabriques/fabrique-bauges/import",
        data={"file": (io.BytesIO(document), "export.json")},
        content_type="multipart/form-data",
    )
    assert imported.status_code in (200, 302), imported.status_code
    before = _everything_the_server_answers(app, host, workshop, uid, token)
    assert EMAIL in before and PSEUDONYM in before

    # « Supprimer mes données » on the phone: the page says what goes, then it goes.
    page = phone_http.get(f"/j/{workshop.code}/erase")
    assert page.status_code == 200
    assert "Supprimer mes données" in page.get_data(as_text=True)
    erased = phone_http.post(f"/j/{workshop.code}/erase")
    assert erased.status_code == 200
    assert "Vos données sont supprimées" in erased.get_data(as_text=True)
    assert phone_http.get(f"/w/{workshop.code}").status_code in (302, 303)

    # The operator's daily purge, then nothing anywhere.
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    after = _everything_the_server_answers(app, host, workshop, uid, token)
    assert EMAIL not in after and PSEUDONYM not in after
    assert "Un atelier vélo" in after  # the idea stays, without its author (the default)
    stored = _database_bytes(app)
    assert len(stored) > 10_000
    for secret in (EMAIL, PSEUDONYM):
        for encoded in (secret.encode(), json.dumps(secret).encode()):
            assert encoded not in stored, f"{secret!r} is still in the database file"


def test_an_erased_phone_is_disconnected_and_refused(
    app: Flask, socket_client: Callable[..., SocketIOTestClient]
) -> None:
    with app.app_context():
        workshop = ref(make_workshop())
    phone_http = app.test_client()
    join_as(phone_http, workshop.code, "Camille")
    phone = socket_client(workshop, http=phone_http)
    other = socket_client(workshop, name="Dominique")
    host = socket_client(workshop, "facilitator")
    for client in (phone, other, host):
        assert ack(client, "join_workshop")["ok"]
    people = ack(host, "join_workshop")["data"]["state"]["participants"]
    camille = next(p["id"] for p in people if p["display_name"] == "Camille")
    host.get_received()
    answer = ack(host, "erase_participant", {"participant_id": camille})
    assert answer["ok"], answer
    assert answer["data"]["participant_id"] == camille
    assert not phone.is_connected()
    assert other.is_connected()
    facts = [m for m in host.get_received() if m["name"] == "participant_erased"]
    assert facts and facts[0]["args"][0]["participant_id"] == camille
    # The phone's cookie no longer opens anything: it is sent to the join page.
    assert phone_http.get(f"/w/{workshop.code}").status_code in (302, 303)
    with app.app_context():
        assert db.session.get(Workshop, workshop.id).redacted_seq > 0
