"""Portfolio fixtures: a Fabrique with a member, and export documents built by hand.

``build_document`` writes an export the way docs/export.schema.json describes it and
signs it with the exporter's own digest, so the importer can be tested on exactly the
documents it must accept, and on each way they can be wrong. Tests that need a real
session use ``workshop.exports.document.build_json`` instead.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from tests.factories import make_facilitator
from workshop.exports.document import digest
from workshop.schemas import parse_new_fabrique
from workshop.services import fabriques

_ids = itertools.count(1)


def qualification(stage: str = "to_study", territory: str = "", **extra: Any) -> dict[str, Any]:
    sheet: dict[str, Any] = {
        "need": {"who": "Familles", "where": "Vallée", "evidence": "Enquête"},
        "target_public": "Jeunes parents",
        "territory": territory,
        "insee_code": None,
        "solution": "Une épicerie mobile",
        "existing_offer": "",
        "partners": "Mairie",
        "economic_potential": "",
        "potential_holders": "",
        "maturity": "idea",
        "next_step": "Étude",
        "stage": stage,
        "abandon_reason": "Pas de porteur" if stage == "abandoned" else None,
        "updated_at": "2026-11-20T10:00:00Z",
    }
    sheet.update(extra)
    return sheet


def challenge(cid: int, title: str, **extra: Any) -> dict[str, Any]:
    item = {
        "id": cid,
        "title": title,
        "body": "",
        "position": cid,
        "ideas_count": 0,
        "votes": 0,
        "rank": None,
        "qualification": None,
        "volunteers": [],
    }
    item.update(extra)
    return item


def idea(iid: int, title: str, challenge_id: int | None = None, **extra: Any) -> dict[str, Any]:
    item = {
        "id": iid,
        "title": title,
        "body": "",
        "need": "",
        "state": "visible",
        "challenge_id": challenge_id,
        "merged_into_id": None,
        "author": {"name": "Camille"},
        "votes": 0,
        "published_at": "2026-11-20T09:00:00Z",
        "qualification": None,
        "volunteers": [],
    }
    item.update(extra)
    return item


def sign(document: dict[str, Any]) -> dict[str, Any]:
    document["integrity"] = {"algorithm": "sha256", "digest": digest(document)}
    return document


def build_document(
    *,
    uid: str | None = None,
    title: str = "Manger local",
    territory: str = "Privas",
    exported_at: str = "2026-11-21T18:00:00Z",
    challenges: list[dict[str, Any]] | None = None,
    ideas: list[dict[str, Any]] | None = None,
    language: str = "fr",
) -> dict[str, Any]:
    """A signed export of a workshop ``uid`` (fresh when not given)."""
    uid = uid or uuid.uuid4().hex
    challenges = challenges or []
    ideas = ideas or []
    for item in challenges:
        item["reference"] = f"{uid}/challenge/{item['id']}"
    for item in ideas:
        item["reference"] = f"{uid}/idea/{item['id']}"
    return sign(
        {
            "format": "semis.workshop-export",
            "version": "1.0",
            "exported_at": exported_at,
            "generator": {"name": "Semis", "version": "0.1.0"},
            "workshop": {
                "uid": uid,
                "code": "K7PM3Q",
                "title": title,
                "question": "Comment pourrions-nous mieux nourrir le territoire ?",
                "territory": territory,
                "date": "2026-11-20",
                "format": "marathon",
                "status": "closed",
                "language": language,
                "participants_count": 12,
                "url": "http://localhost/j/K7PM3Q",
            },
            "phases": [],
            "challenges": challenges,
            "ideas": ideas,
            "votes": [],
            "rankings": [],
        }
    )


@dataclass
class FabriqueRef:
    id: int
    slug: str
    member_email: str


@pytest.fixture
def new_fabrique(app: Flask) -> Callable[..., FabriqueRef]:
    """Create a Fabrique with one facilitator member."""

    def make(slug: str | None = None, member_email: str | None = None) -> FabriqueRef:
        with app.app_context():
            n = next(_ids)
            member = make_facilitator(**({"email": member_email} if member_email else {}))
            fabrique = fabriques.create_fabrique(
                parse_new_fabrique({"slug": slug or f"fabrique-{n}", "name": f"Fab {n}"})
            )
            fabriques.add_member(fabrique, member)
            return FabriqueRef(fabrique.id, fabrique.slug, member.email)

    return make
