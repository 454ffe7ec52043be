"""The JSON of the portfolio's read API (``/api/v1/``, described in ``docs/openapi.yaml``).

Only the Fabrique's own tools read it (with one of its API tokens), so there is one view
for every caller: what the imported exports carried, and the portfolio's follow-up.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ...models import PortfolioChallenge, PortfolioIdea, PortfolioSession
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


def serialize_funnel(result: Funnel) -> dict[str, Any]:
    """The funnel of :func:`.funnel`, its sessions named as in an idea's lineage."""
    return {
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
