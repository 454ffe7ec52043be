"""API fixtures: a Fabrique with a token, and a client whose every answer is checked
against docs/openapi.yaml (request and response), so the document cannot drift."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from sqlalchemy import select
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from tests.factories import make_facilitator
from tests.portfolio.conftest import build_document, challenge, idea, qualification
from workshop.extensions import db
from workshop.models import Fabrique, Project
from workshop.schemas import parse_new_fabrique
from workshop.services import fabriques, portfolio

OPENAPI_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


@cache
def openapi_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
    return document


@cache
def openapi() -> OpenAPI:
    # The server URL is relative; tests call http://localhost/api/v1/...
    document = dict(openapi_document(), servers=[{"url": "http://localhost/api/v1"}])
    return OpenAPI.from_dict(document)


class CheckedClient:
    """A Flask test client for ``/api/v1`` that validates every exchange against the
    OpenAPI document: an undocumented path, status, parameter or field fails the test."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token
        self.checked = 0

    def _headers(self, token: Any, extra: dict[str, str] | None) -> dict[str, str]:
        token = self.token if token is ... else token
        headers = dict(extra or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def _send(self, method: str, path: str, token: Any, headers: Any, kwargs: Any) -> Any:
        headers = self._headers(token, headers)
        url = f"/api/v1{path}"
        response = self.client.open(url, method=method, headers=headers, **kwargs)
        # The app consumed the request body: rebuild the request for the validator.
        sent = Request(
            EnvironBuilder(
                url, "http://localhost", method=method, headers=headers, **kwargs
            ).get_environ()
        )
        if response.status_code < 400:  # what the app accepted, the document must accept
            openapi().validate_request(WerkzeugOpenAPIRequest(sent))
        openapi().validate_response(WerkzeugOpenAPIRequest(sent), WerkzeugOpenAPIResponse(response))
        self.checked += 1
        return response

    def get(
        self, path: str, token: Any = ..., headers: dict[str, str] | None = None, **kwargs: Any
    ) -> Any:
        return self._send("GET", path, token, headers, kwargs)

    def post(
        self, path: str, token: Any = ..., headers: dict[str, str] | None = None, **kwargs: Any
    ) -> Any:
        return self._send("POST", path, token, headers, kwargs)

    def patch(
        self, path: str, token: Any = ..., headers: dict[str, str] | None = None, **kwargs: Any
    ) -> Any:
        return self._send("PATCH", path, token, headers, kwargs)


@dataclass
class ApiFabrique:
    id: int
    slug: str
    member_email: str
    token: str
    import_token: str
    write_token: str


@pytest.fixture
def api_fabrique(app: Flask) -> Callable[..., ApiFabrique]:
    """A Fabrique with a member, a read token, a read + import token and a read + write
    token (named « synchro »)."""

    def make(slug: str = "fabrique-api") -> ApiFabrique:
        with app.app_context():
            member = make_facilitator()
            fabrique = fabriques.create_fabrique(
                parse_new_fabrique({"slug": slug, "name": slug.title()})
            )
            fabriques.add_member(fabrique, member)
            read = fabriques.issue_token(fabrique, "tableur")
            importer = fabriques.issue_token(fabrique, "import", ("read", "import"))
            writer = fabriques.issue_token(fabrique, "synchro", ("read", "write"))
            return ApiFabrique(
                fabrique.id,
                fabrique.slug,
                member.email,
                read.secret,
                importer.secret,
                writer.secret,
            )

    return make


@pytest.fixture
def api(client: FlaskClient) -> Callable[[str | None], CheckedClient]:
    def make(token: str | None) -> CheckedClient:
        return CheckedClient(client, token)

    return make


def import_projects(app: Flask, fabrique_id: int, title: str = "Manger local") -> dict[str, int]:
    """Import a session of two défis (three ideas) and an idea without a défi into the
    Fabrique's portfolio: its projects' ids by title."""
    document = build_document(
        title=title,
        territory="Privas",
        challenges=[
            challenge(1, "Vendre en circuit court", qualification=qualification("holder_search")),
            challenge(2, "Cuisiner ensemble"),
        ],
        ideas=[
            idea(1, "Épicerie mobile", 1),
            idea(2, "Marché", 1),
            idea(3, "Cuisine partagée", 2),
            idea(4, "Composteur", None, qualification=qualification("launched", territory="Lyon")),
        ],
    )
    with app.app_context():
        fabrique = db.session.get(Fabrique, fabrique_id)
        assert fabrique is not None
        portfolio.import_export(fabrique, document)
        rows = db.session.execute(
            select(Project.title, Project.id).where(Project.fabrique_id == fabrique_id)
        )
        return {row_title: row_id for row_title, row_id in rows}
