"""Emails through a real SMTP server (aiosmtpd on a free port, started by the test): a
project's follower is told when it changes stage, exactly once, after a retry when the
server was down, and never again once they unsubscribed with the email's link."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.mail.conftest import FabriqueRef, SmtpServer
from workshop.extensions import db
from workshop.models import Fabrique, MailStatus, OutboxMail, utcnow
from workshop.services import followers, mail
from workshop.services.portfolio import projects


def _change_stage(app: Flask, fabrique_id: int, project_id: int, stage: str, **kw: str) -> None:
    with app.app_context():
        fabrique = db.session.get(Fabrique, fabrique_id)
        assert fabrique is not None
        projects.set_stage(fabrique, project_id, stage, by_label="test", **kw)
        db.session.commit()


def _run(app: Flask, *, now: dt.datetime | None = None) -> mail.DrainResult:
    with app.app_context():
        if now is None:
            return followers.run_once()
        followers.prepare_mail()
        return mail.drain(personalise=followers.personalise, now=now)


def test_a_stage_change_reaches_the_follower_once_then_stops_after_unsubscribing(
    app: Flask,
    client: FlaskClient,
    new_fabrique: Callable[..., FabriqueRef],
    new_project: Callable[..., int],
    smtp_server: SmtpServer,
) -> None:
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_FROM="Fab <fab@example.org>"
    )
    fab = new_fabrique(slug="fabrique-ardeche")
    pid = new_project(fab.id, title="Épicerie mobile", published=True)
    with app.app_context():
        followers.subscribe(fab.id, pid, "alice@example.org", name="Alice", source="call")
        db.session.commit()

    _change_stage(app, fab.id, pid, "holder_search")
    result = _run(app)
    assert (result.sent, result.failed, result.retried) == (1, 0, 0)
    assert len(smtp_server.received) == 1
    got = smtp_server.received[0]
    assert got.rcpt_tos == ["alice@example.org"]
    message = got.message
    assert message["From"] == "Fab <fab@example.org>"
    assert "Épicerie mobile" in message["Subject"]
    assert "Recherche de porteur" in message["Subject"]
    body = message.get_content()
    assert "Bonjour Alice" in body
    assert "Nouvelle étape : Recherche de porteur" in body
    assert "/p/fabrique-ardeche/carnet" in body
    assert "[[" not in body
    unsubscribe = re.search(r"<(http[^>]+/desabonnement/[^>]+)>", message["List-Unsubscribe"])
    assert unsubscribe is not None
    assert unsubscribe.group(1) in body
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # On the wire, the link is plain (no RFC 2047 encoded word a mail client would not read).
    assert f"List-Unsubscribe: <{unsubscribe.group(1)}>".encode() in got.raw

    # A second drain (or a second worker) sends nothing more.
    assert _run(app).sent == 0
    assert len(smtp_server.received) == 1

    # The server is down: the mail waits and is tried again later.
    smtp_server.stop()
    _change_stage(app, fab.id, pid, "launching")
    result = _run(app)
    assert (result.sent, result.retried) == (0, 1)
    with app.app_context():
        row = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id.desc())).first()
        assert row is not None
        assert row.status == MailStatus.PENDING
        assert row.attempts == 1
        assert row.last_error
        assert row.next_attempt_at > utcnow()
    assert _run(app).sent == 0  # not due yet
    smtp_server.start()
    result = _run(app, now=utcnow() + dt.timedelta(minutes=2))
    assert result.sent == 1
    assert len(smtp_server.received) == 2
    assert "En lancement" in smtp_server.received[1].message["Subject"]

    # One click on the link (as a mail client's RFC 8058 POST): no more mail.
    path = urlsplit(unsubscribe.group(1)).path
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    _change_stage(app, fab.id, pid, "launched")
    assert _run(app).sent == 0
    assert len(smtp_server.received) == 2
