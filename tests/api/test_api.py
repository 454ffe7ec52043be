"""The read API: tokens, scopes, what each Fabrique sees, and the OpenAPI document."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from openapi_spec_validator import validate as validate_spec

from tests.api.conftest import CheckedClient, openapi_document
from tests.factories import make_facilitator, make_idea, make_workshop
from tests.portfolio.conftest import build_document, challenge, idea, qualification
from workshop.exports.validation import validate as validate_export
from workshop.extensions import db
from workshop.models import Fabrique
from workshop.services import fabriques, portfolio


def test_the_openapi_document_is_valid_openapi_3_1() -> None:
    document = openapi_document()
    assert document["openapi"].startswith("3.1")
    validate_spec(document)


def test_every_route_is_documented_and_every_documented_path_exists(app: Flask) -> None:
    documented = {
        (path, method.upper())
        for path, item in openapi_document()["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(
                r"<(?:int:)?(\w+)>",
                lambda m: "{id}" if m[1] in ("idea_id", "project_id") else f"{{{m[1]}}}",
                rule.rule.removeprefix("/api/v1"),
            )
            served |= {(path, m) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")}
    assert served == documented


def _import(app: Flask, fabrique_id: int, document: dict[str, Any]) -> None:
    with app.app_context():
        found = db.session.get(Fabrique, fabrique_id)
        assert found is not None
        portfolio.import_export(found, document)


def _document(title: str = "Manger local", territory: str = "Privas") -> dict[str, Any]:
    return build_document(
        title=title,
        territory=territory,
        challenges=[
            challenge(1, "Vendre en circuit court", qualification=qualification("holder_search"))
        ],
        ideas=[
            idea(
                1,
                "Épicerie mobile",
                1,
                volunteers=[
                    {
                        "kind": "hold",
                        "consent_contact": True,
                        "contact": {"name": "Léa", "email": "lea@example.org", "phone": None},
                    },
                    {"kind": "follow", "consent_contact": False, "contact": None},
                ],
            ),
            idea(
                2,
                "Marché",
                None,
                author=None,
                qualification=qualification("launched", territory="Lyon"),
            ),
            idea(3, "Jardin", None),
        ],
    )


def test_without_a_valid_token_nothing_is_readable(app: Flask, api: Any, api_fabrique: Any) -> None:
    fab = api_fabrique()
    for token in (None, "semis_not-a-token", "Basic abc", fab.token + "x"):
        response = api(token).get("/sessions")
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.json["error"]["code"] == "not_authenticated"
    with app.app_context():
        found = db.session.get(Fabrique, fab.id)
        assert found is not None
        fabriques.revoke_token(found, fab.token[:14])
    assert api(fab.token).get("/fabrique").status_code == 401
    # The document itself is public.
    assert api(None).get("/openapi.yaml").status_code == 200


def test_a_token_reads_its_own_portfolio(app: Flask, api: Any, api_fabrique: Any) -> None:
    fab = api_fabrique()
    document = _document()
    uid = document["workshop"]["uid"]
    _import(app, fab.id, document)
    client: CheckedClient = api(fab.token)

    me = client.get("/fabrique").json
    assert me["fabrique"]["slug"] == fab.slug and me["token"]["scopes"] == ["read"]

    sessions = client.get("/sessions").json["sessions"]
    assert [s["workshop_uid"] for s in sessions] == [uid]
    one = client.get(f"/sessions/{uid}").json
    assert one["challenges"][0]["reference"] == f"{uid}/challenge/1"

    ideas = client.get("/ideas").json
    assert ideas["total"] == 3 and [i["title"] for i in ideas["ideas"]] == [
        "Épicerie mobile",
        "Marché",
        "Jardin",
    ]
    first = ideas["ideas"][0]
    assert first["lineage"]["session"]["workshop_uid"] == uid
    assert first["lineage"]["challenge"]["title"] == "Vendre en circuit court"
    assert (first["stage"], first["stage_source"]) == ("holder_search", "challenge")
    assert first["volunteers"][0]["contact"]["email"] == "lea@example.org"
    assert first["volunteers"][1]["contact"] is None
    assert ideas["ideas"][1]["author"] is None

    assert client.get("/ideas", query_string={"stage": "launched"}).json["total"] == 1
    assert client.get("/ideas", query_string={"territory": "Lyon"}).json["total"] == 1
    assert (
        client.get("/ideas", query_string={"session": uid, "per_page": 2, "page": 2}).json["ideas"][
            0
        ]["title"]
        == "Jardin"
    )
    assert client.get(f"/ideas/{first['id']}").json["idea"]["reference"] == first["reference"]

    funnel = client.get("/funnel").json
    assert funnel["total"] == 3
    assert funnel["by_stage"]["holder_search"] == 1 and funnel["by_stage"]["launched"] == 1
    assert {row["territory"]: row["total"] for row in funnel["by_territory"]} == {
        "Lyon": 1,
        "Privas": 2,
    }
    assert client.checked == 9  # every answer above was checked against the document


@pytest.mark.parametrize(
    "query",
    [{"per_page": "0"}, {"per_page": "501"}, {"page": "x"}, {"stage": "sold"}],
)
def test_bad_parameters_are_refused_clearly(
    api: Any, api_fabrique: Any, query: dict[str, str]
) -> None:
    fab = api_fabrique()
    response = api(fab.token).client.get(
        "/api/v1/ideas", query_string=query, headers={"Authorization": f"Bearer {fab.token}"}
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_input"


def test_a_token_never_sees_another_fabrique(app: Flask, api: Any, api_fabrique: Any) -> None:
    mine, theirs = api_fabrique("mine"), api_fabrique("theirs")
    document = _document()
    _import(app, theirs.id, document)
    client = api(mine.token)
    assert client.get("/sessions").json["sessions"] == []
    assert client.get(f"/sessions/{document['workshop']['uid']}").status_code == 404
    their_idea = api(theirs.token).get("/ideas").json["ideas"][0]["id"]
    assert client.get(f"/ideas/{their_idea}").status_code == 404
    assert (
        client.get("/ideas", query_string={"session": document["workshop"]["uid"]}).status_code
        == 404
    )
    assert client.get("/funnel").json["total"] == 0


def test_importing_through_the_api_needs_the_import_scope(
    app: Flask, api: Any, api_fabrique: Any
) -> None:
    fab = api_fabrique()
    raw = json.dumps(_document(), ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json"}
    refused = api(fab.token).post("/imports", data=raw, headers=headers)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    writer = api(fab.import_token)
    created = writer.post("/imports", data=raw, headers=headers)
    assert created.status_code == 201 and created.json["status"] == "created"
    again = writer.post("/imports", data=raw, headers=headers)
    assert again.status_code == 200 and again.json["status"] == "unchanged"
    broken = writer.post("/imports", data=raw[:-40], headers=headers)
    assert broken.status_code == 400 and broken.json["error"]["code"] == "import_truncated"
    assert writer.get("/funnel").json["total"] == 3


def test_live_exports_of_members_workshops(app: Flask, api: Any, api_fabrique: Any) -> None:
    fab = api_fabrique()
    with app.app_context():
        member = fabriques.get_by_slug(fab.slug).members[0]
        ours = make_workshop(owner=member, title="Atelier de la Fabrique")
        make_idea(ours, title="Une ressourcerie")
        outsider = make_workshop(owner=make_facilitator(), title="Atelier d'ailleurs")
        ours_uid, outsider_uid = ours.uid, outsider.uid
    client = api(fab.token)
    listed = client.get("/workshops").json["workshops"]
    assert [w["uid"] for w in listed] == [ours_uid]
    export = client.get(f"/workshops/{ours_uid}/export").json
    validate_export(export)
    assert [i["title"] for i in export["ideas"]] == ["Une ressourcerie"]
    assert client.get(f"/workshops/{outsider_uid}/export").status_code == 404
    # What the API exports imports back into the portfolio.
    writer = api(fab.import_token)
    imported = writer.post(
        "/imports", data=json.dumps(export), headers={"Content-Type": "application/json"}
    )
    assert imported.status_code == 201 and imported.json["ideas"] == 1


def test_the_message_follows_the_language_asked(api: Any, api_fabrique: Any) -> None:
    french = api(None).get("/sessions")
    english = api(None).get("/sessions", headers={"Accept-Language": "en"})
    assert "jeton" in french.json["error"]["message"]
    assert "token is required" in english.json["error"]["message"]


def test_an_import_too_large_is_refused(app: Flask, api: Any, api_fabrique: Any) -> None:
    fab = api_fabrique()
    app.config["IMPORT_MAX_BYTES"] = 100
    response = api(fab.import_token).post(
        "/imports", data=b"{" + b" " * 200 + b"}", headers={"Content-Type": "application/json"}
    )
    assert (
        response.status_code == 400 and response.json["error"]["details"]["reason"] == "too_large"
    )
