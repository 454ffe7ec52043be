"""The JSON ``/api/v1/`` answers about the follow-up around projects: their history,
their candidates and the committees' decisions (projects themselves are
:func:`workshop.services.portfolio.serialize_project`).

Only the Fabrique's own tools read them, with one of its tokens: a candidate's contact is
the Fabrique's data and goes out with it; a holder's contact never does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..models import Candidate, Committee, Meeting, MeetingItem, ProjectEvent, ProjectHolder


def iso(value: dt.datetime | None) -> str | None:
    """A stored time as RFC 3339 in UTC, ``Z`` suffixed."""
    return None if value is None else value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def serialize_entry(event: ProjectEvent, member_name: str | None) -> dict[str, Any]:
    """One entry of a project's history; ``member_name`` is its member's (``by_id``)."""
    return {
        "id": event.id,
        "at": iso(event.at),
        "kind": event.kind,
        "by": {"member": member_name, "label": event.by_label},
        "data": event.data or {},
    }


def serialize_holder(holder: ProjectHolder) -> dict[str, Any]:
    """A holder as the API shows it: never their contact."""
    return {"id": holder.id, "name": holder.name, "kind": holder.kind}


def serialize_candidate(candidate: Candidate) -> dict[str, Any]:
    """A candidate to carry a project, with their contact (the Fabrique's own data)."""
    return {
        "id": candidate.id,
        "project_id": candidate.project_id,
        "name": candidate.name,
        "contact": {"email": candidate.email, "phone": candidate.phone},
        "structure": candidate.structure,
        "message": candidate.message,
        "source": candidate.source,
        "status": candidate.status,
        "notes": candidate.notes,
        "consented_at": iso(candidate.consented_at),
        "created_at": iso(candidate.created_at),
        "updated_at": iso(candidate.updated_at),
    }


def serialize_agenda_item(
    item: MeetingItem, meeting: Meeting, committee: Committee
) -> dict[str, Any]:
    """A project on a meeting's agenda, still waiting for the committee's decision."""
    return {
        "id": item.id,
        "project_id": item.project_id,
        "committee": {"id": committee.id, "name": committee.name, "kind": committee.kind},
        "meeting": {
            "id": meeting.id,
            "title": meeting.title,
            "date": meeting.date.isoformat(),
            "place": meeting.place,
            "status": meeting.status,
        },
    }


def serialize_decision(item: MeetingItem, meeting: Meeting, committee: Committee) -> dict[str, Any]:
    """A committee's decision on a project of a meeting's agenda (``item.decision`` set)."""
    return {
        **serialize_agenda_item(item, meeting, committee),
        "decision": item.decision,
        "reason": item.decision_reason,
        "decided_at": iso(item.decided_at),
    }
