"""A whole session to export: posted, grouped, voted (frozen), qualified, volunteered,
with hostile text everywhere a participant or a facilitator can write."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from tests.factories import (
    cast,
    enter_grouping,
    enter_vote,
    join_with_token,
    make_challenge,
    make_idea,
    make_workshop,
    place,
)
from workshop.schemas import parse_qualification, parse_volunteer_offer
from workshop.services import qualification, volunteers, votes

FORMULA = '=HYPERLINK("http://evil.example","clic")'
DDE = "=cmd|' /C calc'!A0"
PLUS = "+33 6 12 34 56 78"
MINUS = "-2+3 idées"
AT = "@SUM(A1:A9)"
HTML = "<script>alert('x')</script><img src=x onerror=alert(1)>"
BIDI = "Jardin \u202etxt.exe\u202c partagé"
LONG = ("Une épicerie solidaire itinérante — " * 60)[:2000]
MULTILINE = "=1+1\nsecond line\n\tthird"
CONTACT_EMAIL = "camille@example.org"
HIDDEN_EMAIL = "secret@example.org"


@dataclass(frozen=True)
class Session:
    id: int
    code: str
    uid: str
    owner_email: str
    tokens: tuple[str, ...]
    challenge_ids: tuple[int, ...]
    idea_ids: tuple[int, ...]
    vote_phase_id: int
    hostile_idea_id: int


def build_session(app: Flask) -> Session:
    """Post, group, vote, freeze, qualify and volunteer in a new workshop."""
    with app.app_context():
        workshop = make_workshop(title=f"Atelier {FORMULA}", territory="Cœur des Bauges")
        people = [
            join_with_token(workshop, display_name=name)
            for name in ("Camille", "<b>Zoé</b>", "Léon", "Inès")
        ]
        tokens = tuple(token for _p, token in people)
        participants = [p for p, _t in people]
        hostile = make_idea(
            workshop, participants[0], title=FORMULA, description=LONG, need=MULTILINE
        )
        posted = [
            hostile,
            make_idea(workshop, participants[1], title=HTML, description=BIDI),
            make_idea(workshop, participants[2], title=PLUS, description=AT),
            make_idea(workshop, participants[3], title=MINUS),
            make_idea(workshop, participants[0], title="Un composteur de quartier"),
        ]
        enter_grouping(workshop)
        food = make_challenge(workshop, title=DDE, description=HTML)
        mobility = make_challenge(workshop, title="Comment pourrions-nous mieux nous déplacer ?")
        make_challenge(workshop, title="Un défi sans idée")
        for idea in posted[:3]:
            place(workshop, idea, food)
        place(workshop, posted[3], mobility)
        phase = enter_vote(workshop)
        cast(workshop, participants[1], posted[0], 1)
        cast(workshop, participants[2], posted[0], 1)
        cast(workshop, participants[3], posted[0], 1)
        cast(workshop, participants[0], posted[1], 1)
        cast(workshop, participants[2], posted[3], 1)
        votes.freeze_results(workshop.id, workshop.owner, phase.id)
        owner = workshop.owner
        qualification.qualify(
            workshop.id,
            owner,
            parse_qualification(
                {
                    "target": "challenge",
                    "target_id": food.id,
                    "version": 0,
                    "need_who": HTML,
                    "need_where": "Bourg",
                    "need_evidence": FORMULA,
                    "target_public": "Familles",
                    "territory": "Aillon-le-Jeune",
                    "insee_code": "73006",
                    "solution": BIDI,
                    "maturity": "project",
                    "stage": "holder_search",
                    "next_step": "Réunion en mairie",
                }
            ),
        )
        qualification.qualify(
            workshop.id,
            owner,
            parse_qualification(
                {"target": "idea", "target_id": posted[4].id, "version": 0, "stage": "to_study"}
            ),
        )
        offers: list[tuple[int, dict[str, Any]]] = [
            (
                participants[0].id,
                {
                    "target": "challenge",
                    "target_id": food.id,
                    "kind": "hold",
                    "consent_contact": True,
                    "contact_name": "Camille <i>D.</i>",
                    "contact_email": CONTACT_EMAIL,
                },
            ),
            (
                participants[1].id,
                {
                    "target": "challenge",
                    "target_id": food.id,
                    "kind": "contribute",
                    "consent_contact": False,
                    "contact_email": HIDDEN_EMAIL,
                },
            ),
            (
                participants[2].id,
                {
                    "target": "idea",
                    "target_id": posted[2].id,
                    "kind": "follow",
                    "consent_contact": True,
                    "contact_phone": "06 12 34 56 78",
                },
            ),
        ]
        for participant_id, payload in offers:
            volunteers.offer_help(workshop.id, participant_id, parse_volunteer_offer(payload))
        return Session(
            id=workshop.id,
            code=workshop.code,
            uid=workshop.uid,
            owner_email=owner.email,
            tokens=tokens,
            challenge_ids=(food.id, mobility.id),
            idea_ids=tuple(idea.id for idea in posted),
            vote_phase_id=phase.id,
            hostile_idea_id=hostile.id,
        )


@pytest.fixture
def session(app: Flask) -> Session:
    return build_session(app)
