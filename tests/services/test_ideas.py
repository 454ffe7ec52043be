"""services.ideas: posting (idempotent, rate-limited), editing, withdrawing, moderation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.factories import (
    client_id,
    make_facilitator,
    make_idea,
    make_participant,
    make_workshop,
    recorded,
)
from workshop.errors import (
    Conflict,
    DuplicateClientId,
    Forbidden,
    NotAuthor,
    NotFound,
    RateLimited,
    WorkshopClosed,
    WorkshopError,
    WrongPhase,
    WrongWorkshop,
)
from workshop.extensions import db
from workshop.models import Idea, IdeaStatus, Workshop, utcnow
from workshop.phases import PhaseKind
from workshop.schemas import IdeaEdit, NewIdea, PhaseTarget
from workshop.services import agenda, ideas


def new_idea(**overrides: Any) -> NewIdea:
    return NewIdea(
        **{
            "client_id": client_id(),
            "title": "Un frigo solidaire",
            "description": "Devant la mairie.",
            "need": "",
            **overrides,
        }
    )


def test_post_records_one_event_with_a_view_per_role(app: Flask, emitted: list) -> None:
    with app.app_context():
        workshop = make_workshop()
        author = make_participant(workshop, display_name="Josiane")
        emitted.clear()
        idea, created = ideas.post_idea(workshop.id, author.id, new_idea())
        assert created
        assert idea.status == IdeaStatus.VISIBLE and idea.participant_id == author.id
        assert recorded(workshop.id)[-1] == (workshop.seq, "idea_posted")
        seq, idea_id, workshop_id, author_id = workshop.seq, idea.id, workshop.id, author.id
    rooms = {room: payload for name, payload, room in emitted}
    assert set(rooms) == {
        f"workshop:{workshop_id}",
        f"workshop:{workshop_id}:facilitators",
        f"workshop:{workshop_id}:screens",
    }
    for payload in rooms.values():
        assert payload["seq"] == seq and payload["idea"]["id"] == idea_id
        assert payload["idea"]["author"] == "Josiane"
    assert rooms[f"workshop:{workshop_id}:facilitators"]["idea"]["participant_id"] == author_id
    assert "participant_id" not in rooms[f"workshop:{workshop_id}"]["idea"]
    assert "client_id" not in rooms[f"workshop:{workshop_id}:screens"]["idea"]


def test_a_retry_returns_the_stored_idea_and_records_nothing(app: Flask, emitted: list) -> None:
    with app.app_context():
        workshop = make_workshop()
        author = make_participant(workshop)
        first = new_idea()
        idea, _created = ideas.post_idea(workshop.id, author.id, first)
        seq, sent = workshop.seq, len(emitted)
        again, created = ideas.post_idea(workshop.id, author.id, first)
        assert not created and again.id == idea.id
        assert db.session.get(Workshop, workshop.id).seq == seq
        assert len(emitted) == sent


def test_a_retry_after_the_phase_moved_on_still_returns_the_idea(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        author = make_participant(workshop)
        first = new_idea()
        idea, _ = ideas.post_idea(workshop.id, author.id, first)
        agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(direction="next"))
        assert ideas.post_idea(workshop.id, author.id, first) == (idea, False)


def test_another_participant_reusing_a_client_id(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        first, second = make_participant(workshop), make_participant(workshop)
        payload = new_idea()
        ideas.post_idea(workshop.id, first.id, payload)
        seq = workshop.seq
        with pytest.raises(DuplicateClientId):
            ideas.post_idea(workshop.id, second.id, payload)
        db.session.rollback()
        assert db.session.get(Workshop, workshop.id).seq == seq


def test_client_ids_are_unique_per_workshop_only(app: Flask) -> None:
    with app.app_context():
        here, there = make_workshop(), make_workshop()
        payload = new_idea()
        ideas.post_idea(here.id, make_participant(here).id, payload)
        _idea, created = ideas.post_idea(there.id, make_participant(there).id, payload)
        assert created


def test_moderation_holds_ideas_until_approved(app: Flask, emitted: list) -> None:
    with app.app_context():
        workshop = make_workshop(moderation=True)
        author = make_participant(workshop)
        emitted.clear()
        idea, _ = ideas.post_idea(workshop.id, author.id, new_idea(title="Secret"))
        assert idea.status == IdeaStatus.PENDING
        public = next(p for n, p, room in emitted if room == f"workshop:{workshop.id}")
        screen = next(p for n, p, room in emitted if room.endswith(":screens"))
        facilitators = next(p for n, p, room in emitted if room.endswith(":facilitators"))
        assert public["idea"] == screen["idea"] == {"id": idea.id, "status": "pending"}
        assert facilitators["idea"]["title"] == "Secret"
        ideas.approve_idea(workshop.id, workshop.owner, idea.id)
        ideas.approve_idea(workshop.id, workshop.owner, idea.id)  # already visible: no-op
        assert idea.status == IdeaStatus.VISIBLE
        assert [n for _s, n in recorded(workshop.id)[-2:]] == ["idea_posted", "idea_approved"]


def test_edit_own_idea_bumps_its_version(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        author = make_participant(workshop)
        idea = make_idea(workshop, author, title="Avant")
        version = idea.version
        edited = ideas.edit_idea(
            workshop.id,
            author.id,
            IdeaEdit(idea_id=idea.id, title="Après", description="", need="", version=version),
        )
        assert edited.title == "Après" and edited.version == version + 1
        assert recorded(workshop.id)[-1][1] == "idea_updated"
        seq = workshop.seq
        ideas.edit_idea(
            workshop.id,
            author.id,
            IdeaEdit(  # nothing changes: no event
                idea_id=idea.id, title="Après", description="", need=""
            ),
        )
        assert db.session.get(Workshop, workshop.id).seq == seq


def test_edit_with_a_stale_version_conflicts(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        author = make_participant(workshop)
        idea = make_idea(workshop, author)
        stale = idea.version
        ideas.edit_idea(
            workshop.id,
            author.id,
            IdeaEdit(idea_id=idea.id, title="Version 2", description="", need="", version=stale),
        )
        with pytest.raises(Conflict):
            ideas.edit_idea(
                workshop.id,
                author.id,
                IdeaEdit(
                    idea_id=idea.id, title="Version 3", description="", need="", version=stale
                ),
            )
        db.session.rollback()
        assert db.session.get(Idea, idea.id).title == "Version 2"


def test_withdraw_own_idea(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        author = make_participant(workshop)
        idea = make_idea(workshop, author)
        ideas.withdraw_idea(workshop.id, author.id, idea.id)
        assert idea.status == IdeaStatus.WITHDRAWN
        assert recorded(workshop.id)[-1][1] == "idea_withdrawn"
        before = len(recorded(workshop.id))
        # A retried withdrawal (an offline phone sending again) answers the same.
        assert ideas.withdraw_idea(workshop.id, author.id, idea.id).id == idea.id
        assert len(recorded(workshop.id)) == before
        other = make_participant(workshop)
        with pytest.raises(NotFound):  # gone for everybody else
            ideas.withdraw_idea(workshop.id, other.id, idea.id)


def test_hide_and_restore(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        idea = make_idea(workshop)
        ideas.hide_idea(workshop.id, workshop.owner, idea.id)
        assert idea.status == IdeaStatus.HIDDEN
        ideas.restore_idea(workshop.id, workshop.owner, idea.id)
        ideas.restore_idea(workshop.id, workshop.owner, idea.id)  # already visible: no-op
        assert idea.status == IdeaStatus.VISIBLE
        assert [n for _s, n in recorded(workshop.id)[-2:]] == ["idea_hidden", "idea_restored"]


@pytest.mark.parametrize(
    ("start", "action"),
    [
        ("pending", ideas.restore_idea),
        ("hidden", ideas.approve_idea),
    ],
)
def test_moderation_transitions_that_make_no_sense_conflict(
    app: Flask, start: str, action: Callable[..., Any]
) -> None:
    with app.app_context():
        workshop = make_workshop(moderation=True)
        idea = make_idea(workshop)
        if start == "hidden":
            ideas.hide_idea(workshop.id, workshop.owner, idea.id)
        with pytest.raises(Conflict):
            action(workshop.id, workshop.owner, idea.id)


# Every participant-side guard: (name, arrange, act, expected error).
def _edit(workshop: Workshop, participant_id: int, idea_id: int) -> None:
    ideas.edit_idea(
        workshop.id,
        participant_id,
        IdeaEdit(idea_id=idea_id, title="Changed", description="", need=""),
    )


def _withdraw(workshop: Workshop, participant_id: int, idea_id: int) -> None:
    ideas.withdraw_idea(workshop.id, participant_id, idea_id)


@pytest.mark.parametrize("act", [_edit, _withdraw])
@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("not_author", NotAuthor),
        ("unknown_idea", NotFound),
        ("other_workshops_idea", WrongWorkshop),
        ("other_workshops_participant", WrongWorkshop),
        ("hidden", Forbidden),
        ("closed", WorkshopClosed),
    ],
)
def test_author_guards(
    app: Flask, act: Callable[..., None], case: str, error: type[WorkshopError]
) -> None:
    with app.app_context():
        workshop, other = make_workshop(), make_workshop()
        author = make_participant(workshop)
        idea = make_idea(workshop, author)
        participant_id, idea_id = author.id, idea.id
        if case == "not_author":
            participant_id = make_participant(workshop).id
        elif case == "unknown_idea":
            idea_id = 999_999
        elif case == "other_workshops_idea":
            idea_id = make_idea(other).id
        elif case == "other_workshops_participant":
            participant_id = make_participant(other).id
        elif case == "hidden":
            ideas.hide_idea(workshop.id, workshop.owner, idea.id)
        elif case == "closed":
            agenda.close_workshop(workshop.id, workshop.owner)
        seq = db.session.get(Workshop, workshop.id).seq
        with pytest.raises(error):
            act(workshop, participant_id, idea_id)
        db.session.rollback()
        assert db.session.get(Workshop, workshop.id).seq == seq
        assert db.session.get(Idea, idea.id).status in (IdeaStatus.VISIBLE, IdeaStatus.HIDDEN)


@pytest.mark.parametrize("kind", [k for k in PhaseKind if k != PhaseKind.IDEAS])
def test_posting_and_editing_only_in_an_ideas_phase(app: Flask, kind: PhaseKind) -> None:
    with app.app_context():
        workshop = make_workshop(format="marathon")
        author = make_participant(workshop)
        idea = make_idea(workshop, author)
        target = next((p for p in workshop.phases if p.kind == kind), None)
        if target is None:  # the défi tables' steps: the last step becomes one
            target = workshop.phases[-1]
            target.kind = kind
            db.session.commit()
        agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(phase_id=target.id))
        with pytest.raises(WrongPhase):
            ideas.post_idea(workshop.id, author.id, new_idea())
        with pytest.raises(WrongPhase):
            _edit(workshop, author.id, idea.id)
        ideas.withdraw_idea(workshop.id, author.id, idea.id)  # withdrawing is always allowed


def test_posting_in_a_closed_workshop(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        author = make_participant(workshop)
        agenda.close_workshop(workshop.id, workshop.owner)
        with pytest.raises(WorkshopClosed):
            ideas.post_idea(workshop.id, author.id, new_idea())


@pytest.mark.parametrize(
    ("workshop_id", "participant_id", "error"),
    [
        (999_999, None, NotFound),
        (None, 999_999, NotFound),
    ],
)
def test_posting_to_unknown_rows(
    app: Flask, workshop_id: int | None, participant_id: int | None, error: type[Exception]
) -> None:
    with app.app_context():
        workshop = make_workshop()
        author = make_participant(workshop)
        with pytest.raises(error):
            ideas.post_idea(workshop_id or workshop.id, participant_id or author.id, new_idea())


@pytest.mark.parametrize("app_config", [{"IDEA_RATE_PER_MINUTE": 3}])
def test_rate_limit_per_participant(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    with app.app_context():
        workshop = make_workshop()
        hasty, calm = make_participant(workshop), make_participant(workshop)
        for _ in range(3):
            ideas.post_idea(workshop.id, hasty.id, new_idea())
        seq = workshop.seq
        with pytest.raises(RateLimited):
            ideas.post_idea(workshop.id, hasty.id, new_idea())
        db.session.rollback()
        assert db.session.get(Workshop, workshop.id).seq == seq
        ideas.post_idea(workshop.id, calm.id, new_idea())  # the others are not slowed down
        later = utcnow() + dt.timedelta(seconds=61)
        monkeypatch.setattr(ideas, "utcnow", lambda: later)
        _idea, created = ideas.post_idea(workshop.id, hasty.id, new_idea())
        assert created


def test_facilitator_of_another_workshop_cannot_moderate(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        idea = make_idea(workshop)
        with pytest.raises(Forbidden):
            ideas.hide_idea(workshop.id, make_facilitator(), idea.id)


def test_moderating_an_idea_of_another_workshop(app: Flask) -> None:
    with app.app_context():
        workshop, other = make_workshop(), make_workshop()
        foreign = make_idea(other)
        with pytest.raises(WrongWorkshop):
            ideas.hide_idea(workshop.id, workshop.owner, foreign.id)
        db.session.rollback()
        assert db.session.get(Idea, foreign.id).status == IdeaStatus.VISIBLE
