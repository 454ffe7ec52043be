"""A real session, exported by the exporter, imported into a portfolio: nothing lost."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from tests.exports.conftest import (
    BIDI,
    CONTACT_EMAIL,
    DDE,
    FORMULA,
    HIDDEN_EMAIL,
    HTML,
    LONG,
    MULTILINE,
    build_session,
)
from workshop import exports
from workshop.extensions import db
from workshop.models import Fabrique, PortfolioChallenge, PortfolioIdea, Workshop
from workshop.services import portfolio


def test_a_whole_session_round_trips_through_the_json_export(app: Flask, new_fabrique: Any) -> None:
    ref = new_fabrique()
    session = build_session(app)
    with app.app_context():
        workshop = db.session.get(Workshop, session.id)
        fabrique = db.session.get(Fabrique, ref.id)
        assert workshop is not None and fabrique is not None
        raw, mimetype, _name = exports.render(workshop, "json")
        assert mimetype == "application/json"
        first = portfolio.import_export(fabrique, raw)
        assert (first.status, first.ideas, first.challenges) == ("created", 5, 3)
        assert portfolio.import_export(fabrique, raw).status == "unchanged"

        ideas = {i.reference: i for i in db.session.scalars(select(PortfolioIdea))}
        challenges = {c.id: c for c in db.session.scalars(select(PortfolioChallenge))}
        hostile = ideas[f"{session.uid}/idea/{session.hostile_idea_id}"]
        assert (hostile.title, hostile.body, hostile.need) == (FORMULA, LONG, MULTILINE)
        food = challenges[hostile.challenge_id or 0]
        assert food.title == DDE and food.body == HTML
        # The défi's sheet gives its stage and territory to its ideas.
        assert (hostile.stage, hostile.stage_source, hostile.territory) == (
            "holder_search",
            "challenge",
            "Aillon-le-Jeune",
        )
        assert food.qualification is not None and food.qualification["solution"] == BIDI
        contacts = [v["contact"] for v in food.volunteers]
        assert {"name": "Camille <i>D.</i>", "email": CONTACT_EMAIL, "phone": None} in contacts
        assert HIDDEN_EMAIL not in str(food.volunteers)
        # The idea with its own sheet keeps it; the idea outside any défi has no défi.
        compost = ideas[f"{session.uid}/idea/{session.idea_ids[4]}"]
        assert (compost.stage_source, compost.challenge_id) == ("idea", None)
        counted = portfolio.funnel(fabrique)
        # Projects: the three défis and the idea outside any (the qualified défi once).
        assert (counted.total, counted.ideas_total) == (4, 5)
        assert counted.by_stage["holder_search"] == 1
