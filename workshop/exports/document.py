"""The JSON export of a workshop: one versioned document every other format is made from.

:func:`build_json` reads the workshop in a few aggregated queries (a workshop of 1,000
ideas and 5,000 votes is exported in well under a second) and returns a plain dict that
validates against ``docs/export.schema.json``. It never contains participant tokens or
ids: authors appear by pseudonym only (and not at all when the workshop hides authors),
volunteers' contact details only when they consented to be contacted.

Votes: for each vote step, the dots per item; a frozen step gives its frozen ranking (the
result seen when the vote ended), an open one its live tallies. The ``votes`` of an idea
come from the last vote step on ideas that received votes; the ``votes`` and ``rank`` of
a défi from the last vote step on défis, or, without one, from the dots its ideas
received. A vote step by majority judgment has no dots: its ranking (``"method":
"majority"``) gives each item's majority grade and its grades' distribution
(``majority_grade``, ``grades``; optional fields, read by nothing that needs them).

Défi tables (format 1.1): each table with its défi, its capacity, whether it has a host,
who sat there as counts by profile only (never names), its contributions (the author as
for ideas: a pseudonym, none when the workshop hides authors), what it kept and its
synthesis. The offers to carry a défi are its ``volunteers`` of kind ``hold``. A 1.0
document (before tables) has neither ``tables`` nor ``contribution_kinds``.

Participants by profile (format 1.2): ``workshop.participants_by_profile`` counts the
people who joined by the profile they chose (counts only; an erased participant has no
profile any more and is counted in ``participants_count`` alone). A 1.0 or 1.1 document
does not have it.

Cycles (format 1.3): ``cycle`` is the cycle a workshop is a session of, with its
sessions and its projects (:mod:`.cycle`: what leaves with whose consent), ``null`` for
a workshop outside a cycle. A document before 1.3 may leave it out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from importlib import metadata
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    Challenge,
    Contribution,
    ContributionVote,
    GradeVote,
    Idea,
    IdeaStatus,
    Participant,
    Phase,
    Profile,
    Qualification,
    Seat,
    Table,
    Volunteer,
    Vote,
    Workshop,
)
from ..phases import CONTRIBUTION_KIND_LABELS, PhaseKind, vote_settings
from ..schemas.grades import merits
from ..tallies import ranks
from .cycle import build_cycle
from .links import join_url

FORMAT = "semis.workshop-export"
# 1.1 added the défi tables (``tables``, ``contribution_kinds``), 1.2 the participants by
# profile (``workshop.participants_by_profile``), 1.3 the cycle (``cycle``); 1.0, 1.1
# and 1.2 files still import.
VERSION = "1.3"
SCHEMA_ID = "https://semis.example/schemas/export/1.json"


def timestamp(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC to the second, ``Z`` suffixed (JSON Schema ``date-time``, Table
    Schema ``datetime``)."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical_bytes(document: dict[str, Any]) -> bytes:
    """The canonical JSON of ``document`` without its ``integrity`` key, as hashed."""
    body = {key: value for key, value in document.items() if key != "integrity"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def digest(document: dict[str, Any]) -> str:
    """SHA-256 (hex) of :func:`canonical_bytes`: what ``integrity.digest`` must be."""
    return hashlib.sha256(canonical_bytes(document)).hexdigest()


def _generator_version() -> str:
    try:
        return metadata.version("semis")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "0.0.0"


def _phase_votes(phase: Phase) -> tuple[str, dict[int, int], dict[int, int]]:
    """``(target, votes per item, voters per item)`` of a vote step; a frozen step's
    votes are those of its frozen ranking."""
    target = "challenge" if vote_settings(phase)["target"] == "challenges" else "idea"
    column = Vote.challenge_id if target == "challenge" else Vote.idea_id
    live: dict[int, int] = {}
    voters: dict[int, int] = {}
    for item_id, total, people in db.session.execute(
        select(column, func.sum(Vote.count), func.count(func.distinct(Vote.participant_id)))
        .where(Vote.phase_id == phase.id, column.is_not(None))
        .group_by(column)
    ):
        live[int(item_id or 0)] = int(total or 0)
        voters[int(item_id or 0)] = int(people or 0)
    if phase.frozen_at is not None and phase.frozen_ranking is not None:
        key = f"{target}_id"
        frozen = {int(row[key]): int(row["votes"]) for row in phase.frozen_ranking if key in row}
        return target, frozen, {item: voters.get(item, 0) for item in frozen}
    return target, live, voters


def _majority_items(phase: Phase) -> list[dict[str, Any]]:
    """The ranking of a vote step by majority judgment, items with grades only: a frozen
    step's frozen ranking, an open one's live results (the ballot of
    ``services/votes/grades.py``: visible ideas or every défi; the rule of
    :mod:`workshop.schemas.grades`)."""
    settings = vote_settings(phase)
    target = "challenge" if settings["target"] == "challenges" else "idea"
    if phase.frozen_at is not None and phase.frozen_ranking is not None:
        key = f"{target}_id"
        return [
            {
                "rank": int(row["rank"]),
                "item_id": int(row[key]),
                "target": target,
                "votes": int(row["votes"]),
                "majority_grade": row["majority_grade"],
                "grades": list(row["grades"]),
            }
            for row in phase.frozen_ranking
            if key in row and row.get("votes")
        ]
    authors: dict[int, int | None] | None = None
    if target == "challenge":
        options = list(
            db.session.scalars(
                select(Challenge.id)
                .where(Challenge.workshop_id == phase.workshop_id)
                .order_by(Challenge.position, Challenge.id)
            )
        )
    else:
        ideas = db.session.execute(
            select(Idea.id, Idea.participant_id)
            .where(Idea.workshop_id == phase.workshop_id, Idea.status == IdeaStatus.VISIBLE)
            .order_by(Idea.id)
        ).all()
        options = [int(idea_id) for idea_id, _author in ideas]
        if not settings["allow_own"]:
            authors = {int(idea_id): author for idea_id, author in ideas}
    rows = db.session.execute(
        select(GradeVote.participant_id, GradeVote.item_id, GradeVote.grade).where(
            GradeVote.phase_id == phase.id, GradeVote.item_kind == target
        )
    )
    ranked = merits(options, ((int(p), int(i), int(g)) for p, i, g in rows), authors)
    return [
        {
            "rank": merit.rank,
            "item_id": merit.option,
            "target": target,
            "votes": merit.graders,
            "majority_grade": merit.majority,
            "grades": list(merit.counts),
        }
        for merit in ranked
        if merit.graders
    ]


def _qualification(sheet: Qualification | None) -> dict[str, Any] | None:
    if sheet is None:
        return None
    return {
        "need": {
            "who": sheet.need_who,
            "where": sheet.need_where,
            "evidence": sheet.need_evidence,
        },
        "target_public": sheet.target_public,
        "territory": sheet.territory,
        "insee_code": sheet.insee_code,
        "solution": sheet.solution,
        "existing_offer": sheet.existing_offer,
        "partners": sheet.partners,
        "economic_potential": sheet.economic_potential,
        "potential_holders": sheet.potential_holders,
        "maturity": sheet.maturity,
        "next_step": sheet.next_step,
        "stage": sheet.stage,
        "abandon_reason": sheet.abandon_reason or None,
        "updated_at": timestamp(sheet.updated_at),
    }


def _volunteer(offer: Volunteer) -> dict[str, Any]:
    contact = None
    if offer.consent_contact:
        contact = {
            "name": offer.contact_name or None,
            "email": offer.contact_email or None,
            "phone": offer.contact_phone or None,
        }
    return {"kind": offer.kind, "consent_contact": bool(offer.consent_contact), "contact": contact}


def _by_profile(counts: dict[str, int]) -> dict[str, int]:
    """Counts for every profile, in the enum's order (zeros included: stable columns).
    An erased participant has no profile any more: counted in a total, under none."""
    return {profile.value: int(counts.get(profile.value, 0)) for profile in Profile}


def _seated(workshop: Workshop) -> dict[int, dict[str, Any]]:
    """Per table: how many people sat there, over all rounds and per round, by profile."""
    per_round: dict[int, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for table_id, round_, profile, people in db.session.execute(
        select(Seat.table_id, Seat.round, Participant.profile, func.count())
        .join(Participant, Participant.id == Seat.participant_id)
        .where(Seat.workshop_id == workshop.id)
        .group_by(Seat.table_id, Seat.round, Participant.profile)
    ):
        per_round[int(table_id)][int(round_)][str(profile)] = int(people)
    overall: dict[int, dict[str, int]] = defaultdict(dict)
    for table_id, profile, people in db.session.execute(
        select(Seat.table_id, Participant.profile, func.count(func.distinct(Seat.participant_id)))
        .join(Participant, Participant.id == Seat.participant_id)
        .where(Seat.workshop_id == workshop.id)
        .group_by(Seat.table_id, Participant.profile)
    ):
        overall[int(table_id)][str(profile)] = int(people)
    return {
        table_id: {
            "total": sum(overall[table_id].values()),
            "by_profile": _by_profile(overall[table_id]),
            "rounds": [
                {
                    "round": round_,
                    "total": sum(counts.values()),
                    "by_profile": _by_profile(counts),
                }
                for round_, counts in sorted(rounds.items())
            ],
        }
        for table_id, rounds in per_round.items()
    }


def contribution_kinds(workshop: Workshop) -> list[dict[str, str]]:
    """The workshop's contribution kinds, each with the label people saw: its own, or
    its key's default label in the instance's language (not the reader's: the same
    workshop always exports the same document)."""
    kinds = []
    with force_locale(str(current_app.config["BABEL_DEFAULT_LOCALE"])):
        for kind in workshop.contribution_kinds or []:
            key = str(kind.get("key", ""))
            default = CONTRIBUTION_KIND_LABELS.get(key)
            label = str(kind.get("label") or "") or (str(default) if default else key)
            kinds.append({"key": key, "label": label})
    return kinds


def _tables(workshop: Workshop) -> list[dict[str, Any]]:
    """The workshop's tables, by number, with their contributions (see the module
    docstring)."""
    votes = {
        int(contribution_id): int(count)
        for contribution_id, count in db.session.execute(
            select(ContributionVote.contribution_id, func.count())
            .where(ContributionVote.workshop_id == workshop.id)
            .group_by(ContributionVote.contribution_id)
        )
    }
    contributions: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for contribution, author_name in db.session.execute(
        select(Contribution, Participant.display_name)
        .outerjoin(Participant, Participant.id == Contribution.participant_id)
        .where(Contribution.workshop_id == workshop.id)
        .order_by(Contribution.table_id, Contribution.id)
    ):
        # Typed by a host for someone without a phone: that person is the author.
        name = contribution.on_behalf or author_name
        contributions[contribution.table_id].append(
            {
                "id": contribution.id,
                "kind": contribution.kind,
                "text": contribution.text,
                "round": contribution.round,
                "kept": bool(contribution.kept),
                "hidden": bool(contribution.hidden),
                "votes": votes.get(contribution.id, 0),
                "on_behalf": bool(contribution.on_behalf),
                "author": None if workshop.anonymous or not name else {"name": name},
                "published_at": timestamp(contribution.created_at),
            }
        )
    seated = _seated(workshop)
    nobody = {"total": 0, "by_profile": _by_profile({}), "rounds": []}
    return [
        {
            "id": table.id,
            "number": table.number,
            "challenge_id": table.challenge_id,
            "capacity": table.capacity,
            "has_host": table.host_participant_id is not None,
            "seated": seated.get(table.id, nobody),
            "synthesis": table.synthesis or "",
            "synthesis_done": bool(table.synthesis_done),
            "contributions": contributions.get(table.id, []),
        }
        for table in db.session.scalars(
            select(Table).where(Table.workshop_id == workshop.id).order_by(Table.number)
        )
    ]


def build_json(workshop: Workshop) -> dict[str, Any]:
    """The export document of ``workshop`` (see the module docstring), with its digest.

    Read-only: callers decide who may export (facilitators of the workshop, an operator
    on the command line).
    """
    phases = list(workshop.phases)
    challenges = list(
        db.session.scalars(
            select(Challenge)
            .where(Challenge.workshop_id == workshop.id)
            .order_by(Challenge.position, Challenge.id)
        )
    )
    ideas = list(
        db.session.execute(
            select(Idea, Participant.display_name)
            .outerjoin(Participant, Participant.id == Idea.participant_id)
            .where(Idea.workshop_id == workshop.id)
            .order_by(Idea.id)
        )
    )
    participants_count = db.session.scalar(
        select(func.count()).select_from(Participant).where(Participant.workshop_id == workshop.id)
    )
    profiles = {
        str(profile): int(people)
        for profile, people in db.session.execute(
            select(Participant.profile, func.count())
            .where(Participant.workshop_id == workshop.id)
            .group_by(Participant.profile)
        )
    }
    sheets: dict[tuple[str, int], Qualification] = {}
    for sheet in db.session.scalars(
        select(Qualification).where(Qualification.workshop_id == workshop.id)
    ):
        if sheet.challenge_id is not None:
            sheets[("challenge", sheet.challenge_id)] = sheet
        elif sheet.idea_id is not None:
            sheets[("idea", sheet.idea_id)] = sheet
    offers: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for offer in db.session.scalars(
        select(Volunteer)
        .where(Volunteer.workshop_id == workshop.id)
        .order_by(Volunteer.created_at, Volunteer.id)
    ):
        if offer.challenge_id is not None:
            offers[("challenge", offer.challenge_id)].append(_volunteer(offer))
        elif offer.idea_id is not None:
            offers[("idea", offer.idea_id)].append(_volunteer(offer))

    vote_rows: list[dict[str, Any]] = []
    rankings: list[dict[str, Any]] = []
    idea_votes: dict[int, int] | None = None
    challenge_votes: dict[int, int] | None = None
    for phase in phases:
        if phase.kind != PhaseKind.VOTE:
            continue
        if vote_settings(phase)["method"] == "majority":
            graded = _majority_items(phase)
            if graded:
                rankings.append(
                    {
                        "phase_id": phase.id,
                        "frozen_at": timestamp(phase.frozen_at),
                        "method": "majority",
                        "items": graded,
                    }
                )
            continue
        target, votes, voters = _phase_votes(phase)
        if not votes:
            continue
        ranked = ranks(votes)
        for item_id in sorted(votes):
            vote_rows.append(
                {
                    "phase_id": phase.id,
                    "target": target,
                    "item_id": item_id,
                    "votes": votes[item_id],
                    "voters": voters.get(item_id, 0),
                }
            )
        rankings.append(
            {
                "phase_id": phase.id,
                "frozen_at": timestamp(phase.frozen_at),
                "items": [
                    {"rank": ranked[item], "item_id": item, "target": target, "votes": votes[item]}
                    for item in sorted(ranked, key=lambda i: (ranked[i], i))
                ],
            }
        )
        # Phases are in agenda order: the last vote with votes wins.
        if target == "idea":
            idea_votes = votes
        else:
            challenge_votes = votes

    live_states = {IdeaStatus.VISIBLE, IdeaStatus.PENDING, IdeaStatus.HIDDEN}
    ideas_count: dict[int, int] = defaultdict(int)
    for idea, _name in ideas:
        if idea.challenge_id is not None and idea.status in live_states:
            ideas_count[idea.challenge_id] += 1
    idea_dots = idea_votes or {}
    if challenge_votes is None:
        challenge_votes = defaultdict(int)
        for idea, _name in ideas:
            if idea.challenge_id is not None and idea.id in idea_dots:
                challenge_votes[idea.challenge_id] += idea_dots[idea.id]
    challenge_ranks = ranks(challenge_votes)

    uid = workshop.uid
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timestamp(dt.datetime.now(dt.UTC)),
        "generator": {"name": "Semis", "version": _generator_version()},
        "workshop": {
            "uid": uid,
            "code": workshop.code,
            "title": workshop.title,
            "question": workshop.question,
            "territory": workshop.territory,
            "date": workshop.date.isoformat() if workshop.date else None,
            "format": workshop.format,
            "status": workshop.status,
            "language": str(current_app.config["BABEL_DEFAULT_LOCALE"]),
            "participants_count": int(participants_count or 0),
            "participants_by_profile": _by_profile(profiles),
            "url": join_url(workshop),
        },
        "phases": [
            {"id": p.id, "position": p.position, "kind": p.kind, "title": p.title} for p in phases
        ],
        "challenges": [
            {
                "id": c.id,
                "reference": f"{uid}/challenge/{c.id}",
                "title": c.title,
                "body": c.description,
                "position": c.position,
                "ideas_count": ideas_count.get(c.id, 0),
                "votes": int(challenge_votes.get(c.id, 0)),
                "rank": challenge_ranks.get(c.id),
                "qualification": _qualification(sheets.get(("challenge", c.id))),
                "volunteers": offers.get(("challenge", c.id), []),
            }
            for c in challenges
        ],
        "ideas": [
            {
                "id": idea.id,
                "reference": f"{uid}/idea/{idea.id}",
                "title": idea.title,
                "body": idea.description,
                "need": idea.need,
                "state": idea.status,
                "challenge_id": idea.challenge_id,
                "merged_into_id": idea.merged_into_id,
                "author": None
                if workshop.anonymous or author_name is None
                else {"name": author_name},
                "votes": idea_dots.get(idea.id, 0),
                "published_at": timestamp(idea.created_at),
                "qualification": _qualification(sheets.get(("idea", idea.id))),
                "volunteers": offers.get(("idea", idea.id), []),
                # The other columns of an imported idea's file (optional, since 1.1).
                **({"details": idea.details} if idea.details else {}),
            }
            for idea, author_name in ideas
        ],
        "votes": vote_rows,
        "rankings": rankings,
        "contribution_kinds": contribution_kinds(workshop),
        "tables": _tables(workshop),
        "cycle": build_cycle(workshop, timestamp),
    }
    document["integrity"] = {"algorithm": "sha256", "digest": digest(document)}
    return document
