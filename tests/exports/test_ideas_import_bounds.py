"""The bounds of a CSV import of ideas (issue #11), through the real upload route: too
many lines, a huge line, too many columns, an oversize file or body, and 5,000 faulty
lines are each refused with a clear 400, nothing imported, never a 500."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.conftest import as_facilitator
from tests.exports.conftest import Session
from tests.exports.test_export_views import idea_count
from workshop.exports.ideas_import import MAX_BYTES, MAX_ROWS
from workshop.services.idea_import import MAX_COLUMNS, MAX_LINE_CHARS, MAX_LINES


@pytest.fixture
def owner(client: FlaskClient, session: Session) -> FlaskClient:
    as_facilitator(client, session.owner_email)
    return client


def upload(client: FlaskClient, workshop_id: int, data: bytes) -> Any:
    # Encoded in memory: the test client spools a large form to a file it never closes.
    boundary, body = encode_multipart(
        MultiDict({"file": FileStorage(io.BytesIO(data), filename="avant.csv")})
    )
    return client.post(
        f"/f/w/{workshop_id}/ideas/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def refused(app: Flask, client: FlaskClient, session: Session, data: bytes, *words: str) -> str:
    before = idea_count(app, session.id)
    response = upload(client, session.id, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[:300]
    for word in words:
        assert word in page, (word, page[page.find("alert") - 100 : page.find("alert") + 600])
    assert idea_count(app, session.id) == before
    return page


def test_too_many_lines(app: Flask, owner: FlaskClient, session: Session) -> None:
    data = b"id;text\n1;Une idee\n" + b"\n" * MAX_LINES
    refused(app, owner, session, data, f"{MAX_LINES} au plus", "lignes vides")


def test_a_huge_line_and_a_huge_cell(app: Flask, owner: FlaskClient, session: Session) -> None:
    commas = b"id;text\n1;x" + b";" * (MAX_BYTES - 100) + b"\n"
    refused(app, owner, session, commas, "La ligne 2", f"{MAX_LINE_CHARS} caractères")
    cell = "id;text\n1;idée\n2;" + "é" * (MAX_LINE_CHARS + 1) + "\n"
    refused(app, owner, session, cell.encode(), "La ligne 3")
    # Just under the bound, a long cell is refused line by line as any too-long idea.
    near = "id;text\n1;" + "é" * (MAX_LINE_CHARS - 10) + "\n"
    refused(app, owner, session, near.encode(), "Ligne 2", "trop long")


def test_too_many_columns(app: Flask, owner: FlaskClient, session: Session) -> None:
    header = ",".join(["id", "text", *(f"c{n}" for n in range(MAX_COLUMNS))])
    refused(app, owner, session, f"{header}\n1,x\n".encode(), "colonnes", f"{MAX_COLUMNS} au")
    wide = b"id;text" + b";c" * (MAX_BYTES // 2 - 10) + b"\n1;x\n"
    refused(app, owner, session, wide, "La ligne 1")


def test_oversize_file_and_body(app: Flask, owner: FlaskClient, session: Session) -> None:
    data = b"id;text\n" + b"".join(b"%d;%s\n" % (n, b"x" * 100) for n in range(60_000))
    assert len(data) > MAX_BYTES
    refused(app, owner, session, data, "trop gros", "5 Mo au plus")


def test_too_many_ideas(app: Flask, owner: FlaskClient, session: Session) -> None:
    data = "id;text\n" + "".join(f"{n};Idée {n}\n" for n in range(MAX_ROWS + 1))
    refused(app, owner, session, data.encode(), str(MAX_ROWS))


def test_five_thousand_faulty_lines(app: Flask, owner: FlaskClient, session: Session) -> None:
    """The worst a file within the bounds can ask: every line checked, every one wrong."""
    # A text longer than a title is imported (split); a need over its limit is not.
    data = "id;text;need\n" + "".join(f"{n};Mot. Mot;{'n' * 1001}\n" for n in range(MAX_ROWS))
    assert len(data.encode()) < MAX_BYTES
    refused(app, owner, session, data.encode(), f"{MAX_ROWS} lignes ne peuvent pas")


def test_a_file_at_the_bounds_imports(app: Flask, owner: FlaskClient, session: Session) -> None:
    before = idea_count(app, session.id)
    data = "id;text;description;need\n" + "".join(
        f"{n};Idée {n};{'d' * 500};{'n' * 300}\n" for n in range(MAX_ROWS)
    )
    assert len(data.encode()) < MAX_BYTES
    response = upload(owner, session.id, data.encode())
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert idea_count(app, session.id) == before + MAX_ROWS
