"""The outbox and its worker: claims (two workers never send one row), retries then
giving up, a refused address, the console backend, the worker's start and its commands."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import build_app
from tests.mail.conftest import FabriqueRef, SmtpServer, _Inbox, free_port
from workshop.extensions import db, socketio
from workshop.models import MailStatus, OutboxMail, utcnow
from workshop.services import followers, mail


def _queue(app: Flask, key: str = "k1", to: str = "ana@example.org") -> int:
    with app.app_context():
        row = mail.queue(dedupe_key=key, to=to, subject="Sujet é", body="Corps [[who]]")
        db.session.commit()
        return row.id


def _row(app: Flask, mail_id: int) -> OutboxMail:
    with app.app_context():
        row = db.session.get(OutboxMail, mail_id)
        assert row is not None
        db.session.expunge(row)
        return row


def test_a_claimed_row_is_no_one_elses_until_its_claim_runs_out(app: Flask) -> None:
    mail_id = _queue(app)
    with app.app_context():
        first = mail.claim(10)
        assert [item.id for item in first] == [mail_id]
        assert mail.claim(10) == []  # a second worker finds nothing
        later = utcnow() + dt.timedelta(seconds=mail.CLAIM_SECONDS + 1)
        again = mail.claim(10, now=later)  # the first worker died mid-send
        assert [item.id for item in again] == [mail_id]
        assert again[0].attempts == 2


def test_a_server_that_stays_down_is_given_up_after_the_last_attempt(app: Flask) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_MAX_ATTEMPTS=2)
    mail_id = _queue(app)
    with app.app_context():
        assert mail.drain().retried == 1
        first_retry = _row(app, mail_id).next_attempt_at
        assert first_retry > utcnow() + dt.timedelta(seconds=30)
        result = mail.drain(now=utcnow() + dt.timedelta(minutes=2))
    assert (result.failed, result.retried, result.sent) == (1, 0, 0)
    row = _row(app, mail_id)
    assert row.status == MailStatus.FAILED
    assert row.attempts == 2
    assert "refused" in row.last_error.lower() or "errno" in row.last_error.lower()


class _Refusing(_Inbox):
    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        return "550 5.1.1 No such mailbox"


@pytest.fixture
def refusing_server() -> Iterator[SmtpServer]:
    server = SmtpServer(port=free_port(), inbox=_Refusing())
    server.start()
    yield server
    server.stop()


def test_an_address_refused_for_good_is_not_tried_again(
    app: Flask, refusing_server: SmtpServer
) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=refusing_server.port)
    mail_id = _queue(app)
    with app.app_context():
        assert mail.drain().failed == 1
    row = _row(app, mail_id)
    assert row.status == MailStatus.FAILED and row.attempts == 1
    assert "550" in row.last_error


def test_placeholders_are_filled_when_sent_and_a_gone_recipient_is_dropped(
    app: Flask, smtp_server: SmtpServer
) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    kept, gone = _queue(app, "k1", "ana@example.org"), _queue(app, "k2", "ben@example.org")

    def personalise(row: OutboxMail) -> dict[str, str] | None:
        return None if row.id == gone else {"who": "Ana"}

    with app.app_context():
        result = mail.drain(personalise=personalise)
        assert (result.sent, result.dropped) == (1, 1)
        assert db.session.get(OutboxMail, gone) is None
    assert _row(app, kept).status == MailStatus.SENT
    assert smtp_server.received[0].message.get_content().strip() == "Corps Ana"
    assert smtp_server.received[0].message["Subject"] == "Sujet é"


def test_without_a_server_mails_go_to_the_log(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    mail_id = _queue(app)
    with app.app_context(), caplog.at_level(logging.INFO, logger="workshop.services.mail"):
        assert mail.backend() == "console"
        assert mail.drain().sent == 1
    assert "To: ana@example.org" in caplog.text
    assert "Corps" in caplog.text
    assert _row(app, mail_id).status == MailStatus.SENT


def test_sent_mails_are_forgotten_after_the_keeping_time(app: Flask) -> None:
    mail_id = _queue(app)
    with app.app_context():
        mail.drain()
        assert mail.forget_sent(90) == 0
        assert mail.forget_sent(90, now=utcnow() + dt.timedelta(days=91)) == 1
        db.session.commit()
        assert db.session.get(OutboxMail, mail_id) is None


def test_the_worker_starts_with_the_servers_first_request_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[tuple[Any, ...]] = []
    monkeypatch.setattr(socketio, "start_background_task", lambda *args: started.append(args))
    quiet = build_app(MAIL_WORKER=True)  # a test app (TESTING): never on its own
    quiet.test_client().get("/")
    assert started == []
    served = build_app(MAIL_WORKER=True, TESTING=False)
    assert started == []  # built, not serving yet (a flask command)
    client = served.test_client()
    client.get("/")
    client.get("/")
    assert len(started) == 1
    loop, app, prepare, personalise = started[0]
    assert app is served and prepare is followers.prepare_mail
    assert personalise is followers.personalise
    assert callable(loop)
    off = build_app(MAIL_WORKER=False, TESTING=False)
    off.test_client().get("/")
    assert len(started) == 1
    for each in (quiet, served, off):
        with each.app_context():
            db.drop_all()
            db.engine.dispose()


def test_a_failing_pass_is_logged_and_the_worker_goes_on(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("database gone")

    with caplog.at_level(logging.ERROR, logger="workshop.services.mail"):
        assert mail.run_step(app, prepare=broken) is None
    assert "database gone" in caplog.text
    assert mail.run_step(app, prepare=lambda: None) is not None


def test_mail_commands(
    app: Flask,
    runner: Any,
    new_fabrique: Callable[..., FabriqueRef],
    new_project: Callable[..., int],
) -> None:
    fab = new_fabrique()
    pid = new_project(fab.id)
    with app.app_context():
        followers.subscribe(fab.id, pid, "ana@example.org", source="call")
        db.session.commit()
        from workshop.models import Fabrique
        from workshop.services.portfolio import projects

        fabrique = db.session.get(Fabrique, fab.id)
        assert fabrique is not None
        projects.set_stage(fabrique, pid, "launched")
        db.session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output and "console" in result.output
    result = runner.invoke(args=["mail", "status"])
    assert result.exit_code == 0
    assert "sent 1" in result.output and "failed 0" in result.output
    with app.app_context():
        assert db.session.scalars(select(OutboxMail)).one().status == MailStatus.SENT


def test_a_subject_with_line_breaks_goes_out_on_one_line(
    app: Flask, smtp_server: SmtpServer
) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    with app.app_context():
        mail.queue(
            dedupe_key="k",
            to="ana@example.org",
            subject="« Un\r\nprojet »\nBcc: x@evil.example",
            body="b",
        )
        db.session.commit()
        assert mail.drain().sent == 1
    message = smtp_server.received[0].message
    assert message["Subject"] == "« Un projet » Bcc: x@evil.example"
    assert message["Bcc"] is None
    assert smtp_server.received[0].rcpt_tos == ["ana@example.org"]
