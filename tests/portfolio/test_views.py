"""The portfolio pages: members only, upload, refusals in the page, stages, merges, funnel."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import as_facilitator
from tests.factories import make_facilitator
from tests.portfolio.conftest import build_document, challenge, idea, qualification
from workshop.extensions import db
from workshop.models import PortfolioIdea, PortfolioSession


def upload(client: FlaskClient, slug: str, document: Any, name: str = "export.json") -> Any:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    return client.post(
        f"/fabriques/{slug}/import",
        data={"file": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
    )


def document() -> dict[str, Any]:
    return build_document(
        title="Manger local",
        challenges=[
            challenge(1, "Vendre en circuit court", qualification=qualification("launching"))
        ],
        ideas=[
            idea(1, "<script>alert('x')</script>\u202eEpicerie", 1, body="=1+1"),
            idea(2, "Marché", None, qualification=qualification("abandoned", territory="Lyon")),
        ],
    )


def test_only_members_see_a_portfolio(app: Flask, client: FlaskClient, new_fabrique: Any) -> None:
    ref = new_fabrique()
    assert client.get(f"/fabriques/{ref.slug}/").status_code == 302  # to the sign-in page
    with app.app_context():
        outsider = make_facilitator()
        email = outsider.email
    as_facilitator(client, email)
    for path in ("/", "ideas", "funnel", "duplicates"):
        assert client.get(f"/fabriques/{ref.slug}/{path.strip('/')}").status_code == 403
    assert upload(client, ref.slug, document()).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(PortfolioSession)) is None
    # The menu leads every facilitator to the portfolios, where they may create their own
    # Fabrique; another's stays out of sight.
    assert "Portefeuille" in client.get("/f/").get_data(as_text=True)
    index = client.get("/fabriques/").get_data(as_text=True)
    assert "Créer une Fabrique" in index and ref.slug not in index


def test_upload_twice_then_browse_the_lineage(
    app: Flask, client: FlaskClient, new_fabrique: Any
) -> None:
    ref = new_fabrique()
    as_facilitator(client, ref.member_email)
    assert "Portefeuille" in client.get("/f/").get_data(as_text=True)
    assert client.get("/fabriques/").headers["Location"].endswith(f"/fabriques/{ref.slug}/")
    exported = document()
    first = upload(client, ref.slug, exported)
    assert first.status_code == 302
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "importée" in page
    # Hostile text is escaped, isolated, and shown exactly.
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\u202eEpicerie" in page
    assert re.search(r"<bdi>&lt;script&gt;", page)

    second = upload(client, ref.slug, exported)
    assert "déjà été importé" in client.get(second.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.query(PortfolioSession).count() == 1
        assert db.session.query(PortfolioIdea).count() == 2
        idea_id = db.session.scalar(select(PortfolioIdea.id).where(PortfolioIdea.title == "Marché"))

    ideas = client.get(f"/fabriques/{ref.slug}/ideas").get_data(as_text=True)
    assert "Manger local" in ideas and "Vendre en circuit court" in ideas
    assert 'data-stage="launching"' in ideas and "En lancement" in ideas
    detail = client.get(f"/fabriques/{ref.slug}/ideas/{idea_id}").get_data(as_text=True)
    assert "Abandonnée" in detail and "Lyon" in detail


def test_a_refused_file_is_explained_in_the_page(client: FlaskClient, new_fabrique: Any) -> None:
    ref = new_fabrique()
    as_facilitator(client, ref.member_email)
    bad = document()
    bad["ideas"][0]["title"] = "changé"
    response = upload(client, ref.slug, bad)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "/integrity/digest" in page and "modifié" in page
    cut = upload(client, ref.slug, json.dumps(document()).encode()[:200])
    assert cut.status_code == 400 and "incomplet" in cut.get_data(as_text=True)
    empty = client.post(
        f"/fabriques/{ref.slug}/import", data={}, content_type="multipart/form-data"
    )
    assert empty.status_code == 400


def test_an_oversized_upload_is_refused(app: Flask, client: FlaskClient, new_fabrique: Any) -> None:
    ref = new_fabrique()
    as_facilitator(client, ref.member_email)
    app.config["IMPORT_MAX_BYTES"] = 1000
    response = upload(client, ref.slug, b"{" + b" " * 2000 + b"}")
    assert response.status_code == 400 and "trop" in response.get_data(as_text=True)


def test_changing_a_stage_from_the_page(app: Flask, client: FlaskClient, new_fabrique: Any) -> None:
    ref = new_fabrique()
    as_facilitator(client, ref.member_email)
    upload(client, ref.slug, document())
    with app.app_context():
        idea_id = db.session.scalar(select(PortfolioIdea.id).where(PortfolioIdea.title == "Marché"))
    url = f"/fabriques/{ref.slug}/ideas/{idea_id}/stage"
    missing = client.post(url, data={"stage": "abandoned", "abandon_reason": "", "version": "1"})
    assert missing.status_code == 400 and 'aria-invalid="true"' in missing.get_data(as_text=True)
    saved = client.post(url, data={"stage": "holder_search", "version": "1"})
    assert saved.status_code == 302
    stale = client.post(url, data={"stage": "launched", "version": "1"})
    assert stale.status_code == 409
    with app.app_context():
        stored = db.session.get(PortfolioIdea, idea_id)
        assert stored is not None
        assert (stored.stage, stored.stage_source, stored.version) == (
            "holder_search",
            "fabrique",
            2,
        )


def test_duplicates_page_accepts_and_dismisses(
    app: Flask, client: FlaskClient, new_fabrique: Any
) -> None:
    ref = new_fabrique()
    as_facilitator(client, ref.member_email)
    upload(
        client,
        ref.slug,
        build_document(
            ideas=[idea(1, "Ressourcerie intercommunale"), idea(2, "Covoiturage solidaire")]
        ),
    )
    upload(
        client,
        ref.slug,
        build_document(
            ideas=[
                idea(1, "Une ressourcerie intercommunale"),
                idea(2, "Covoiturage solidaire des aînés"),
            ]
        ),
    )
    page = client.get(f"/fabriques/{ref.slug}/duplicates").get_data(as_text=True)
    ids = re.findall(r'data-proposal="(\d+)"', page)
    assert len(ids) == 2
    assert client.post(f"/fabriques/{ref.slug}/duplicates/{ids[0]}/accept").status_code == 302
    assert client.post(f"/fabriques/{ref.slug}/duplicates/{ids[1]}/dismiss").status_code == 302
    assert client.post(f"/fabriques/{ref.slug}/duplicates/{ids[1]}/accept").status_code == 409
    assert "data-proposal" not in client.get(f"/fabriques/{ref.slug}/duplicates").get_data(
        as_text=True
    )
    funnel = client.get(f"/fabriques/{ref.slug}/funnel").get_data(as_text=True)
    assert "3 projets dans le portefeuille" in funnel


def test_the_funnel_page_is_a_set_of_tables(client: FlaskClient, new_fabrique: Any) -> None:
    ref = new_fabrique()
    as_facilitator(client, ref.member_email)
    upload(client, ref.slug, document())
    page = client.get(f"/fabriques/{ref.slug}/funnel").get_data(as_text=True)
    assert page.count("<caption") == 4
    assert '<th scope="row"><bdi>Lyon</bdi></th>' in page
    by_territory = page[page.index('data-funnel="by-territory"') :]
    row = by_territory[by_territory.index("<bdi>Lyon</bdi>") :]
    assert re.search(r'data-stage="abandoned">1<', row)
    assert '<meter min="0" max="2" value="1">' in page
