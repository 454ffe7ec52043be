"""One visibility rule for ideas: live facts and snapshots agree (workshop/visibility.py)."""

from __future__ import annotations

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.factories import make_idea, make_participant, make_workshop
from workshop.extensions import db
from workshop.models import Idea, IdeaStatus
from workshop.roles import Role
from workshop.schemas import serialize_idea
from workshop.services import ideas, snapshot
from workshop.visibility import ideas_seen_by, sees_idea


def _snapshot_ids(state: dict) -> dict[int, str]:
    return {idea["id"]: idea["status"] for idea in state["ideas"] if "title" in idea}


def test_an_author_keeps_their_hidden_idea_after_a_reload(app: Flask) -> None:
    """Hidden by moderation, an idea stays under « Mes idées » (with its badge) in the
    author's snapshot, as the live fact left it; nobody else sees it."""
    with app.app_context():
        workshop = make_workshop(status="open")
        author, other = make_participant(workshop), make_participant(workshop)
        idea = make_idea(workshop, author, title="Un composteur partagé")
        ideas.hide_idea(workshop.id, workshop.owner, idea.id)
        own = serialize_idea(idea, Role.PARTICIPANT, anonymous=False, viewer_id=author.id)
        assert own["status"] == "hidden" and own["title"] == "Un composteur partagé"

        mine = snapshot.build_state(workshop, Role.PARTICIPANT, author)
        assert _snapshot_ids(mine) == {idea.id: "hidden"}
        assert idea.id in mine["me"]["idea_ids"]
        theirs = snapshot.build_state(workshop, Role.PARTICIPANT, other)
        assert _snapshot_ids(theirs) == {}
        screen = snapshot.build_state(workshop, Role.SCREEN)
        assert _snapshot_ids(screen) == {}
        facilitators = snapshot.build_state(workshop, Role.FACILITATOR)
        assert _snapshot_ids(facilitators) == {idea.id: "hidden"}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    statuses=st.lists(st.sampled_from(list(IdeaStatus)), min_size=1, max_size=8),
    owners=st.lists(st.booleans(), min_size=8, max_size=8),
    role=st.sampled_from(list(Role)),
)
def test_the_sql_clause_and_the_python_check_agree(
    app: Flask, statuses: list[IdeaStatus], owners: list[bool], role: Role
) -> None:
    with app.app_context():
        workshop = make_workshop(status="open")
        viewer, other = make_participant(workshop), make_participant(workshop)
        made = []
        for status, own in zip(statuses, owners, strict=False):
            idea = make_idea(workshop, viewer if own else other)
            idea.status = status
            made.append(idea)
        db.session.commit()
        viewer_id = viewer.id if role is Role.PARTICIPANT else None
        by_sql = set(
            db.session.scalars(
                select(Idea.id).where(
                    Idea.workshop_id == workshop.id, ideas_seen_by(role, viewer_id)
                )
            )
        )
        by_python = {idea.id for idea in made if sees_idea(idea, role, viewer_id)}
        assert by_sql == by_python
        db.session.rollback()


@pytest.mark.parametrize("status", list(IdeaStatus))
def test_nobody_sees_a_withdrawn_idea_and_the_public_sees_only_visible_ones(
    app: Flask, status: IdeaStatus
) -> None:
    with app.app_context():
        workshop = make_workshop(status="open")
        author = make_participant(workshop)
        idea = make_idea(workshop, author)
        idea.status = status
        assert sees_idea(idea, Role.SCREEN) is (status == IdeaStatus.VISIBLE)
        assert sees_idea(idea, Role.PARTICIPANT) is (status == IdeaStatus.VISIBLE)
        assert sees_idea(idea, Role.PARTICIPANT, author.id) is (status != IdeaStatus.WITHDRAWN)
        assert sees_idea(idea, Role.FACILITATOR) is (status != IdeaStatus.WITHDRAWN)
        db.session.rollback()
