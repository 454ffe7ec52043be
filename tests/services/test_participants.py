"""services.participants: joining without an account, and recognising a phone."""

from __future__ import annotations

import hashlib

import pytest
from flask import Flask
from sqlalchemy import text

from tests.factories import join_with_token, make_workshop, recorded
from workshop.errors import JoiningClosed, NotFound, WorkshopClosed, WorkshopNotOpen
from workshop.extensions import db
from workshop.models import Participant, Workshop
from workshop.schemas import JoinRequest
from workshop.services import participants, workshops


def test_join_stores_only_the_hash_of_the_token(app: Flask, emitted: list) -> None:
    with app.app_context():
        workshop = make_workshop()
        participant, token = join_with_token(workshop, display_name="Karim", profile="association")
        workshop_id, participant_id = workshop.id, participant.id
    assert len(token) >= 32
    with app.app_context():
        stored = db.session.get(Participant, participant_id)
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        # Every row of every table, on SQLite as on PostgreSQL: the token is nowhere.
        dump = "\n".join(
            repr(row)
            for table in db.metadata.sorted_tables
            for row in db.session.execute(table.select())
        )
        assert token not in dump and "Karim" in dump
        assert recorded(workshop_id)[-1][1] == "participant_joined"
    facts = {
        room.rsplit(":", 1)[-1]: payload
        for name, payload, room in emitted
        if name == "participant_joined"
    }
    assert facts["facilitators"]["participant"]["display_name"] == "Karim"
    assert "token" not in str(facts["facilitators"]) and token not in str(facts)
    assert set(facts["screens"]) == {"workshop_id", "seq", "participant_count"}
    assert facts["screens"]["participant_count"] == 1


def test_identify_recognises_the_token_of_this_workshop_only(app: Flask) -> None:
    with app.app_context():
        here, there = make_workshop(), make_workshop()
        participant, token = join_with_token(here)
        assert participants.identify(here.id, token).id == participant.id
        assert participants.identify(there.id, token) is None


@pytest.mark.parametrize("token", [None, "", "not-a-token", "x" * 129])
def test_identify_refuses_anything_else(app: Flask, token: str | None) -> None:
    with app.app_context():
        workshop = make_workshop()
        join_with_token(workshop)
        assert participants.identify(workshop.id, token) is None


@pytest.mark.parametrize(
    ("state", "error"),
    [
        ("draft", WorkshopNotOpen),
        ("closed", WorkshopClosed),
        ("joining_closed", JoiningClosed),
    ],
)
def test_join_guards_record_nothing(app: Flask, state: str, error: type[Exception]) -> None:
    with app.app_context():
        workshop = make_workshop(status="open" if state == "joining_closed" else state)
        if state == "joining_closed":
            workshops.set_joining(workshop.id, workshop.owner, False)
        workshop_id, seq = workshop.id, workshop.seq
        with pytest.raises(error):
            participants.join(workshop_id, JoinRequest(display_name="Late", profile="citizen"))
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM participants")) == 0
        assert db.session.get(Workshop, workshop_id).seq == seq
        assert len(recorded(workshop_id)) == seq


def test_join_an_unknown_workshop(app: Flask) -> None:
    with app.app_context(), pytest.raises(NotFound):
        participants.join(12345, JoinRequest(display_name="X", profile="citizen"))
