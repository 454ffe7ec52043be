"""Export 1.2: the participants by profile, made, validated, imported; 1.0 and 1.1 still read."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.factories import join_with_token, make_workshop
from tests.portfolio.conftest import build_document, sign
from workshop import exports
from workshop.errors import ValidationError
from workshop.extensions import db
from workshop.models import PortfolioSession, Workshop
from workshop.schemas import parse_new_fabrique
from workshop.services import fabriques, portfolio, privacy


def _refused(app: Flask, document: dict[str, Any]) -> ValidationError:
    with app.app_context(), pytest.raises(ValidationError) as caught:
        exports.validate(document)
    return caught.value


def _export_of_five_people(app: Flask) -> dict[str, Any]:
    with app.app_context():
        workshop = make_workshop(title="Bouger au village")
        for profile in ("citizen", "citizen", "elected", "association"):
            join_with_token(workshop, profile=profile)
        erased, _token = join_with_token(workshop, profile="business")
        privacy.erase_participant(workshop.id, erased.id)
        document = exports.build_json(db.session.get(Workshop, workshop.id))
        exports.validate(document)
        return document


def test_the_export_counts_people_by_the_profile_they_chose(app: Flask) -> None:
    document = _export_of_five_people(app)
    workshop = document["workshop"]
    assert document["version"] == "1.3"
    assert workshop["participants_count"] == 5
    # The erased participant is in the total, under no profile; every profile is a key.
    assert workshop["participants_by_profile"] == {
        "citizen": 2,
        "elected": 1,
        "association": 1,
        "business": 0,
        "project_holder": 0,
        "other": 0,
    }


def test_a_1_2_export_must_carry_the_counts_and_they_must_add_up(app: Flask) -> None:
    document = _export_of_five_people(app)
    missing = copy.deepcopy(document)
    del missing["workshop"]["participants_by_profile"]
    assert _refused(app, sign(missing)).details["reason"] == "schema"
    names = copy.deepcopy(document)
    names["workshop"]["participants_by_profile"]["names"] = 1
    assert _refused(app, sign(names)).details["reason"] == "schema"
    negative = copy.deepcopy(document)
    negative["workshop"]["participants_by_profile"]["citizen"] = -1
    assert _refused(app, sign(negative)).details["reason"] == "schema"
    too_many = copy.deepcopy(document)
    too_many["workshop"]["participants_by_profile"]["other"] = 9
    error = _refused(app, sign(too_many))
    assert error.details["path"] == "/workshop/participants_by_profile"
    # A 1.1 document has no counts (as a 1.0 one has no tables).
    older = copy.deepcopy(document)
    older["version"] = "1.1"
    assert _refused(app, sign(older)).details["reason"] == "schema"
    del older["workshop"]["participants_by_profile"]
    with app.app_context():
        exports.validate(sign(older))


@pytest.mark.parametrize("version", ["1.0", "1.2"])
def test_the_portfolio_keeps_the_counts_and_older_exports_still_import(
    app: Flask, version: str
) -> None:
    document = build_document(title="Manger local")
    if version == "1.2":
        document["version"] = "1.2"
        document["contribution_kinds"] = []
        document["tables"] = []
        document["workshop"]["participants_by_profile"] = {
            "citizen": 7,
            "elected": 2,
            "association": 1,
            "business": 0,
            "project_holder": 1,
            "other": 0,
        }
        sign(document)
    with app.app_context():
        fabrique = fabriques.create_fabrique(parse_new_fabrique({"slug": "fab", "name": "Fab"}))
        result = portfolio.import_export(fabrique, document)
        assert result.status == "created"
        session = db.session.scalars(select(PortfolioSession)).one()
        assert session.schema_version == version
        if version == "1.2":
            assert (
                session.participants_by_profile == document["workshop"]["participants_by_profile"]
            )
        else:
            assert session.participants_by_profile is None
