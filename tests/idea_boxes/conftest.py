"""Idea boxes' fixtures: a Fabrique with a member, and its boxes.

``world`` makes two Fabriques (each with one member), so every test can check that the
other one sees nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from tests.factories import make_facilitator
from workshop.models import Fabrique, Facilitator
from workshop.schemas import parse_new_fabrique
from workshop.schemas.idea_boxes import parse_box_form
from workshop.services import fabriques, idea_boxes

_ids = itertools.count(1)


@dataclass
class Place:
    """A Fabrique, its member, as a test keeps them outside an app context."""

    fabrique_id: int
    slug: str
    member_id: int
    member_email: str

    def fabrique(self) -> Fabrique:
        return fabriques.get_by_slug(self.slug)

    def member(self) -> Facilitator:
        from workshop.extensions import db

        found = db.session.get(Facilitator, self.member_id)
        assert found is not None
        return found


def make_place(slug: str | None = None) -> Place:
    """A Fabrique with one member (inside an app context)."""
    n = next(_ids)
    member = make_facilitator()
    fabrique = fabriques.create_fabrique(
        parse_new_fabrique({"slug": slug or f"fab-boxes-{n}", "name": f"Fabrique {n}"}),
        first_member=member,
    )
    return Place(fabrique.id, fabrique.slug, member.id, member.email)


def make_box(place: Place, **fields: Any) -> int:
    """An idea box of ``place`` (inside an app context); returns its id."""
    form: dict[str, Any] = {
        "title": "Idées pour Privas",
        "open": "on",
        "premoderation": "on",
        "territory": "Privas",
        "campaign": "Manger local",
    }
    form.update(fields)
    form = {k: v for k, v in form.items() if v is not None}
    return idea_boxes.create_box(place.fabrique(), parse_box_form(form)).id


@pytest.fixture
def place(app: Flask) -> Place:
    with app.app_context():
        return make_place()


@pytest.fixture
def other(app: Flask) -> Place:
    """Another Fabrique, which must see nothing of ``place``."""
    with app.app_context():
        return make_place()


@pytest.fixture
def new_box(app: Flask) -> Callable[..., int]:
    def make(where: Place, **fields: Any) -> int:
        with app.app_context():
            return make_box(where, **fields)

    return make
