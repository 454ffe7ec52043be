"""Mail fixtures: a Fabrique with a member (the portfolio's fixture) and its projects,
created directly so these tests do not depend on how imports make them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.portfolio.conftest import FabriqueRef, new_fabrique
from workshop.extensions import db
from workshop.models import Project

__all__ = ["FabriqueRef", "new_fabrique"]


@pytest.fixture
def new_project(app: Flask) -> Callable[..., int]:
    """Create a project of a Fabrique; returns its id."""

    def make(fabrique_id: int, title: str = "Épicerie mobile", **fields: Any) -> int:
        with app.app_context():
            project = Project(fabrique_id=fabrique_id, kind="challenge", title=title, **fields)
            db.session.add(project)
            db.session.commit()
            return project.id

    return make
