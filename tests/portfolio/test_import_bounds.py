"""The bounds of a portfolio import (issue #11): a file too deep, too long, too large or
holding too many items is refused through the real page, with a clear 400 naming the
limit, nothing imported and never a 500; the depth scan agrees with the real depth."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.conftest import as_facilitator, build_app
from tests.portfolio.conftest import build_document, challenge, idea, sign
from workshop.errors import ImportInvalid
from workshop.extensions import db
from workshop.models import PortfolioChallenge, PortfolioIdea, PortfolioSession
from workshop.services.portfolio import importing
from workshop.services.portfolio.importing import (
    MAX_DEPTH,
    MAX_FIELDS,
    MAX_ITEMS,
    MAX_TEXT,
    read_within_bounds,
)


def multipart(raw: bytes, name: str) -> dict[str, Any]:
    """A form posting ``raw`` as its file, encoded in memory: the test client spools a
    large one to a temporary file it never closes."""
    boundary, body = encode_multipart(
        MultiDict({"file": FileStorage(io.BytesIO(raw), filename=name)})
    )
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def upload(client: FlaskClient, slug: str, raw: bytes) -> Any:
    return client.post(f"/fabriques/{slug}/import", **multipart(raw, "export.json"))


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def signed_with(text_inside: str) -> bytes:
    """A signed export whose ``ideas`` holds ``text_inside`` (raw JSON): a sender who
    computes the digest, as anyone can."""
    document = build_document(ideas=[idea(1, "Marché")])
    # Building the sender's document recurses as deep as its nesting: under pytest-xdist
    # the test already runs some frames down, so the sender gets room (the server's
    # import, called afterwards, runs with the usual limit).
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 5_000))
    try:
        document["ideas"] = json.loads(text_inside) if len(text_inside) < 10_000 else []
        raw = json.dumps(sign(document))
    finally:
        sys.setrecursionlimit(limit)
    if len(text_inside) >= 10_000:  # too deep for json: spliced in, digest left as is
        raw = raw.replace('"ideas": []', f'"ideas": {text_inside}')
    return raw.encode()


def nothing_imported(app: Flask) -> None:
    with app.app_context():
        for model in (PortfolioSession, PortfolioChallenge, PortfolioIdea):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0


def refused(app: Flask, client: FlaskClient, slug: str, raw: bytes, *words: str) -> str:
    response = upload(client, slug, raw)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[:500]
    for word in words:
        assert word in page, (word, page[page.find("alert") - 200 : page.find("alert") + 800])
    nothing_imported(app)
    return page


@pytest.mark.parametrize("depth", [950, 100_000])
def test_deep_nesting_is_refused_before_parsing(
    app: Flask, client: FlaskClient, new_fabrique: Any, depth: int
) -> None:
    ref = new_fabrique()
    as_facilitator(client, ref.member_email)
    # Where the attack put it: inside a list of the format, and at the top.
    refused(app, client, ref.slug, signed_with(f"[{nested(depth)}]"), "niveaux", "tel que")
    top = b'{"format": "semis.workshop-export", "x": ' + nested(depth).encode() + b"}"
    refused(app, client, ref.slug, top, "niveaux")


def test_one_hundred_thousand_invalid_items_are_refused_by_count(
    app: Flask, client: FlaskClient, new_fabrique: Any
) -> None:
    """The attack's file: 400 KB, 100,000 invalid ideas, correctly signed."""
    ref = new_fabrique()
    as_facilitator(client, ref.member_email)
    document = build_document()
    document["ideas"] = [{} for _ in range(100_000)]
    raw = json.dumps(sign(document)).encode()
    assert len(raw) < 500_000
    page = refused(app, client, ref.slug, raw, "100000 idées", "/ideas", "5000 au plus")
    assert "Internal" not in page


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("challenges", lambda n: challenge(n, f"Défi {n}")),
        ("votes", lambda n: {}),
        ("phases", lambda n: {}),
        ("rankings", lambda n: {}),
    ],
)
def test_every_list_has_its_bound(
    app: Flask, client: FlaskClient, new_fabrique: Any, name: str, make: Any
) -> None:
    ref = new_fabrique()
    as_facilitator(client, ref.member_email)
    document = build_document()
    document[name] = [make(n + 1) for n in range(MAX_ITEMS[name] + 1)]
    refused(app, client, ref.slug, json.dumps(sign(document)).encode(), f"/{name}")


def test_nested_lists_texts_and_objects_have_bounds(
    app: Flask, client: FlaskClient, new_fabrique: Any
) -> None:
    ref = new_fabrique()
    as_facilitator(client, ref.member_email)
    volunteer = {"kind": "follow", "consent_contact": False, "contact": None}
    many = build_document(ideas=[idea(1, "Marché", volunteers=[volunteer] * 2001)])
    refused(app, client, ref.slug, json.dumps(many).encode(), "/ideas/0/volunteers", "2000")
    long = build_document(ideas=[idea(1, "Marché", body="x" * (MAX_TEXT + 1))])
    refused(app, client, ref.slug, json.dumps(long).encode(), "/ideas/0/body", "caractères")
    wide = build_document(ideas=[idea(1, "Marché", **{f"f{n}": n for n in range(MAX_FIELDS)})])
    refused(app, client, ref.slug, json.dumps(wide).encode(), "/ideas/0", "champs")
    key = build_document()
    key["x" * (MAX_TEXT + 1)] = 1
    refused(app, client, ref.slug, json.dumps(sign(key)).encode(), "caractères")


def test_an_oversize_file_is_refused_with_the_limit(
    app: Flask, client: FlaskClient, new_fabrique: Any
) -> None:
    ref = new_fabrique()
    as_facilitator(client, ref.member_email)
    app.config["IMPORT_MAX_BYTES"] = 2 * 1024 * 1024
    document = build_document(ideas=[idea(n, f"Idée {n}", body="x" * 1500) for n in range(1, 1500)])
    refused(app, client, ref.slug, json.dumps(document).encode(), "trop gros", "2 Mo au plus")


def test_a_real_export_at_the_bounds_imports(
    app: Flask, client: FlaskClient, new_fabrique: Any
) -> None:
    """The bounds leave room: 5,000 ideas with a défi each of 500, all imported."""
    ref = new_fabrique()
    as_facilitator(client, ref.member_email)
    challenges = [challenge(n, f"Défi {n}") for n in range(1, 501)]
    ideas = [idea(n, f"Idée {n}", (n % 500) + 1, body="b" * 200) for n in range(1, 5001)]
    response = upload(
        client, ref.slug, json.dumps(build_document(challenges=challenges, ideas=ideas)).encode()
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PortfolioIdea)) == 5000


def test_a_dict_passed_by_a_caller_is_bounded_too(app: Flask) -> None:
    document = build_document()
    document["ideas"] = json.loads(nested(MAX_DEPTH + 5))
    with app.test_request_context(), pytest.raises(ImportInvalid) as caught:
        read_within_bounds(sign(document))
    assert caught.value.details["reason"] == "too_deep"


def true_depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((true_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((true_depth(v) for v in value.values()), default=0)
    return 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab\n', max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(alphabet='[]{}"\\k', max_size=4), children, max_size=3)
    ),
    max_leaves=60,
)


SCAN_APP = build_app()


@settings(max_examples=300, deadline=None)
@given(json_values, st.booleans())
def test_the_depth_scan_agrees_with_the_parsed_depth(value: Any, ascii_only: bool) -> None:
    """Brackets, quotes and backslashes inside texts and keys never fool the scan."""
    raw = json.dumps({"v": value}, ensure_ascii=ascii_only).encode()
    depth = true_depth({"v": value})
    with SCAN_APP.test_request_context():
        check_at_limits(raw, depth)


def check_at_limits(raw: bytes, depth: int) -> None:
    for limit in (max(depth - 1, 0), depth):
        original = importing.MAX_DEPTH
        importing.MAX_DEPTH = limit
        try:
            importing._check_shape(raw)
            accepted = True
        except ImportInvalid:
            accepted = False
        finally:
            importing.MAX_DEPTH = original
        assert accepted == (depth <= limit), (raw, depth, limit)
