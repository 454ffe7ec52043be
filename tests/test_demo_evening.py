"""``flask --app workshop demo --format challenges_evening``: a whole « Soirée défis »
played through the services, small enough to be quick (60 real Paris ideas, 4 défis,
40 people); what it leaves is checked in the database and in its export."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from workshop import exports
from workshop.extensions import db
from workshop.models import (
    Challenge,
    Contribution,
    ContributionVote,
    Idea,
    Participant,
    Phase,
    Seat,
    Table,
    Volunteer,
    Vote,
    Workshop,
    WorkshopStatus,
)
from workshop.phases import Format, PhaseKind

# 1,000 winning projects of the Paris participatory budget (id,text,category,source).
IDEAS = Path(__file__).parent / "data" / "duplicates" / "paris_bp_1000.csv"
SMALL = ["--ideas", "60", "--challenges", "4", "--people", "40"]


def count(model: Any, *where: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_the_evening_demo_plays_a_whole_evening(app: Flask, runner: Any) -> None:
    args = ["demo", "--format", "challenges_evening", "--ideas-file", str(IDEAS), *SMALL]
    result = runner.invoke(args=[*args, "--json"])
    assert result.exit_code == 0, result.output
    links = json.loads(result.stdout)
    assert links["evening"] == {
        "ideas": 60,
        "challenges": 4,
        "tables": 4,
        "people": 40,
        "contributions": links["evening"]["contributions"],
    }
    with app.app_context():
        workshop = db.session.get(Workshop, links["id"])
        assert workshop is not None
        wid = workshop.id
        assert workshop.format == Format.CHALLENGES_EVENING
        assert workshop.status == WorkshopStatus.OPEN
        assert workshop.current_phase is not None
        assert workshop.current_phase.kind == PhaseKind.RESULTS
        assert workshop.table_round == 2 and workshop.spotlight_table_id is None
        # Before the evening: the imported ideas, every one in a défi, a table per défi.
        assert count(Idea, Idea.workshop_id == wid, Idea.participant_id.is_(None)) == 60
        assert count(Idea, Idea.workshop_id == wid, Idea.challenge_id.is_(None)) == 0
        assert count(Challenge, Challenge.workshop_id == wid) == 4
        tables = list(db.session.scalars(select(Table).where(Table.workshop_id == wid)))
        assert len(tables) == 4 and all(t.host_participant_id is not None for t in tables)
        # Everybody seated in both rounds; every table mixes profiles.
        assert count(Participant, Participant.workshop_id == wid) == 40
        for round_ in (1, 2):
            assert count(Seat, Seat.workshop_id == wid, Seat.round == round_) == 40
        for table in tables:
            profiles = db.session.scalars(
                select(Participant.profile)
                .join(Seat, Seat.participant_id == Participant.id)
                .where(Seat.table_id == table.id, Seat.round == 1)
            )
            assert len(set(profiles)) >= 2
        # Contributions of every kind, one typed for someone without a phone, in both
        # rounds; votes; two or three kept and a synthesis at every table.
        contributions = list(
            db.session.scalars(select(Contribution).where(Contribution.workshop_id == wid))
        )
        assert len(contributions) == links["evening"]["contributions"]
        assert {c.kind for c in contributions} == {
            "needs",
            "solutions",
            "actors",
            "obstacles",
            "holders",
        }
        assert {c.round for c in contributions} == {1, 2}
        assert any(c.on_behalf for c in contributions)
        assert count(ContributionVote, ContributionVote.workshop_id == wid) > 0
        kept = Counter(c.table_id for c in contributions if c.kept)
        assert all(kept[t.id] in (2, 3) for t in tables)
        assert all(t.synthesis for t in tables)
        # The vote on the défis, frozen; offers to carry some of them.
        vote = next(p for p in workshop.phases if p.kind == PhaseKind.VOTE)
        assert db.session.get(Phase, vote.id).frozen_at is not None  # type: ignore[union-attr]
        assert count(Vote, Vote.phase_id == vote.id, Vote.challenge_id.is_not(None)) > 0
        assert count(Volunteer, Volunteer.workshop_id == wid, Volunteer.kind == "hold") > 0
        # Its export carries it all, and validates.
        document = exports.build_json(workshop)
        exports.validate(document)
        assert sum(t["seated"]["total"] for t in document["tables"]) >= 40
        assert all(t["synthesis"] for t in document["tables"])


def test_the_evening_demo_needs_its_file_of_ideas(app: Flask, runner: Any, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.csv"
    args = ["demo", "--format", "challenges_evening", "--ideas-file", str(missing), *SMALL]
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "--ideas-file" in result.output
    with app.app_context():
        assert count(Workshop) == 0


def test_the_default_ideas_ship_with_the_package() -> None:
    """A fresh clone (no ../shared beside it) plays the evening: its ideas are in the
    package, 1,000 at least, each readable by the import."""
    from workshop import services
    from workshop.exports.ideas_import import read_ideas
    from workshop.services import demo

    package = Path(services.__file__).resolve().parents[1]
    assert demo.DEFAULT_IDEAS_FILE.is_relative_to(package)
    assert len(read_ideas(demo.DEFAULT_IDEAS_FILE.read_bytes())) >= 1000
