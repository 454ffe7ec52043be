"""The JSON of the portfolio's read API (``/api/v1/``, described in ``docs/openapi.yaml``).

Only the Fabrique's own tools read it (with one of its API tokens), so there is one view
for every caller: what the imported exports carried, and the portfolio's follow-up.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from ...extensions import db
from ...models import PortfolioChallenge, PortfolioIdea, PortfolioSession, Project
from .queries import Funnel


def _iso(value: dt.datetime | None) -> str | None:
    """A stored time as RFC 3339 in UTC, ``Z`` suffixed."""
    return None if value is None else value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _session_ref(session: PortfolioSession) -> dict[str, Any]:
    """How an idea's lineage or a funnel row names its session."""
    return {"id": session.id, "workshop_uid": session.workshop_uid, "title": session.title}


def serialize_session(session: PortfolioSession) -> dict[str, Any]:
    """An imported session: the workshop as exported, and when it was exported and
    imported."""
    return {
        "id": session.id,
        "workshop_uid": session.workshop_uid,
        "code": session.code,
        "title": session.title,
        "question": session.question,
        "territory": session.territory,
        "date": session.date.isoformat() if session.date else None,
        "format": session.format,
        "status": session.status,
        "language": session.language,
        "participants_count": session.participants_count,
        "url": session.url,
        "schema_version": session.schema_version,
        "exported_at": _iso(session.exported_at),
        "imported_at": _iso(session.imported_at),
    }


def serialize_challenge(challenge: PortfolioChallenge) -> dict[str, Any]:
    """A défi of an imported session, as exported."""
    return {
        "id": challenge.id,
        "reference": challenge.reference,
        "title": challenge.title,
        "body": challenge.body,
        "position": challenge.position,
        "votes": challenge.votes,
        "rank": challenge.rank,
        "qualification": challenge.qualification,
        "volunteers": challenge.volunteers,
    }


def serialize_idea(
    idea: PortfolioIdea, session: PortfolioSession, challenge: PortfolioChallenge | None
) -> dict[str, Any]:
    """An idea with its lineage (``session`` and ``challenge``, those of :func:`.lineage`)
    and its follow-up stage."""
    return {
        "id": idea.id,
        "reference": idea.reference,
        "title": idea.title,
        "body": idea.body,
        "need": idea.need,
        "author": None if idea.author_name is None else {"name": idea.author_name},
        "votes": idea.votes,
        "published_at": _iso(idea.published_at),
        "lineage": {
            "session": _session_ref(session),
            "challenge": None
            if challenge is None
            else {"id": challenge.id, "reference": challenge.reference, "title": challenge.title},
        },
        "territory": idea.territory,
        "stage": idea.stage,
        "stage_source": idea.stage_source,
        "abandon_reason": idea.abandon_reason,
        "version": idea.version,
        "merged_into_id": idea.merged_into_id,
        "qualification": idea.qualification,
        "volunteers": idea.volunteers,
    }


def serialize_funnel(result: Funnel, *, extended: bool = False) -> dict[str, Any]:
    """The funnel of :func:`.funnel` (it counts projects), its sessions named as in an
    idea's lineage. With ``extended``, also ``unit`` ("projects"), ``ideas_total``,
    ``reached`` (projects that got at least as far as each stage), ``by_kind`` and
    ``by_period`` (the year they came in): the API gives them once its document
    describes them."""
    data = {
        "stages": list(result.stages),
        "total": result.total,
        "by_stage": result.by_stage,
        "by_session": [
            {
                "session": _session_ref(row["session"]),
                "counts": row["counts"],
                "total": row["total"],
            }
            for row in result.by_session
        ],
        "by_territory": result.by_territory,
    }
    if extended:
        data.update(
            {
                "unit": result.unit,
                "ideas_total": result.ideas_total,
                "reached": result.reached,
                "by_kind": result.by_kind,
                "by_period": result.by_period,
            }
        )
    return data


def serialize_project(project: Project) -> dict[str, Any]:
    """A project for the Fabrique's own tools: what it is, where it came from (its
    session, défi and ideas by reference), its follow-up and its holders (name and kind
    only: a holder's contact details never leave the portfolio's pages)."""
    session = db.session.get(PortfolioSession, project.session_id) if project.session_id else None
    challenge = (
        db.session.get(PortfolioChallenge, project.challenge_id) if project.challenge_id else None
    )
    references = db.session.scalars(
        select(PortfolioIdea.reference)
        .where(PortfolioIdea.project_id == project.id)
        .order_by(PortfolioIdea.id)
    )
    return {
        "id": project.id,
        "kind": project.kind,
        "title": project.title,
        "summary": project.summary,
        "territory": project.territory,
        "campaign": project.campaign,
        "stage": project.stage,
        "abandon_reason": project.abandon_reason,
        "version": project.version,
        "sheet": project.sheet,
        "session": None
        if session is None
        else {"uid": session.workshop_uid, "title": session.title},
        "challenge": None if challenge is None else challenge.reference,
        "ideas": list(references),
        "holders": [{"name": h.name, "kind": h.kind} for h in project.holders],
        "absent_since": _iso(project.absent_since),
        "merged_into": project.merged_into_id,
        "in_call": project.in_call,
        "published": project.published,
        "created_at": _iso(project.created_at),
        "updated_at": _iso(project.updated_at),
    }
