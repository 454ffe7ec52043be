"""Small helpers shared by the project tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from workshop.extensions import db
from workshop.models import Fabrique, Facilitator, PortfolioIdea, Project


def fabrique_of(ref: Any) -> Fabrique:
    found = db.session.get(Fabrique, ref.id)
    assert found is not None
    return found


def member_of(ref: Any) -> Facilitator:
    found = db.session.scalar(select(Facilitator).where(Facilitator.email == ref.member_email))
    assert found is not None
    return found


def project_titled(title: str) -> Project:
    found = db.session.scalar(select(Project).where(Project.title == title))
    assert found is not None
    return found


def project_of_idea(title: str) -> Project:
    item = db.session.scalar(select(PortfolioIdea).where(PortfolioIdea.title == title))
    assert item is not None and item.project_id is not None
    project = db.session.get(Project, item.project_id)
    assert project is not None
    return project
