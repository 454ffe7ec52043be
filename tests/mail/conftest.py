"""Mail fixtures: a Fabrique with a member (the portfolio's fixture) and its projects,
created directly so these tests do not depend on how imports make them; a real SMTP
server (aiosmtpd) on a free port."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from tests.portfolio.conftest import FabriqueRef, new_fabrique
from workshop.extensions import db
from workshop.models import Project

__all__ = ["FabriqueRef", "new_fabrique"]


@pytest.fixture
def new_project(app: Flask) -> Callable[..., int]:
    """Create a project of a Fabrique; returns its id."""

    def make(fabrique_id: int, title: str = "Épicerie mobile", **fields: Any) -> int:
        with app.app_context():
            project = Project(fabrique_id=fabrique_id, kind="challenge", title=title, **fields)
            db.session.add(project)
            db.session.commit()
            return project.id

    return make


@dataclass
class Received:
    """A message the test SMTP server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes


class _Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.received: list[Received] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        assert isinstance(message, EmailMessage)
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), message, envelope.content)
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SmtpServer:
    """A real SMTP server on a free port of this machine, started and stopped at will."""

    port: int
    inbox: _Inbox
    controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        return self.inbox.received

    def start(self) -> None:
        if self.controller is None:
            self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
            self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer(port=free_port(), inbox=_Inbox())
    server.start()
    yield server
    server.stop()
