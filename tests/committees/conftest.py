"""Committee fixtures: a Fabrique with a member and projects, and helpers to drive the
services in short application contexts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from tests.portfolio.conftest import FabriqueRef, new_fabrique  # noqa: F401 - fixture
from workshop.extensions import db
from workshop.models import Fabrique, Project


@dataclass
class Portfolio:
    fabrique: FabriqueRef
    projects: list[int]


def add_project(fabrique_id: int, title: str, **extra: Any) -> int:
    """A project row of the Fabrique (what an import makes), in the current context."""
    project = Project(
        fabrique_id=fabrique_id,
        kind=extra.pop("kind", "challenge"),
        title=title,
        summary=extra.pop("summary", f"Résumé de {title}"),
        territory=extra.pop("territory", "Privas"),
        **extra,
    )
    db.session.add(project)
    db.session.commit()
    return project.id


@pytest.fixture
def portfolio(app: Flask, new_fabrique: Callable[..., FabriqueRef]) -> Callable[..., Portfolio]:  # noqa: F811
    """A Fabrique with one member and projects titled ``titles``."""

    def make(*titles: str, slug: str | None = None) -> Portfolio:
        ref = new_fabrique(slug)
        with app.app_context():
            ids = [
                add_project(
                    ref.id,
                    title,
                    sheet={
                        "need_who": "Familles",
                        "need_where": "Vallée",
                        "need_evidence": "Enquête",
                    },
                )
                for title in titles or ("Épicerie mobile", "Garage solidaire")
            ]
        return Portfolio(ref, ids)

    return make


def fabrique_of(ref: FabriqueRef) -> Fabrique:
    fabrique = db.session.get(Fabrique, ref.id)
    assert fabrique is not None
    return fabrique
