"""What an export's workshop, défis and ideas become as portfolio rows.

Pure functions of the (already checked) export document: column values ready for
``insert``/``update``. Optional fields of the export arrive as ``None`` or are absent;
the portfolio stores an empty text, a zero or an empty list for them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ...models import IdeaStatus, Stage


def _parse_time(value: str | None) -> dt.datetime | None:
    """An export's ``date-time`` (``Z`` or an offset; naive read as UTC) in UTC."""
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _parse_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def session_values(document: dict[str, Any]) -> dict[str, Any]:
    """The columns of the session: the exported workshop, and the export's own version
    and time."""
    workshop = document["workshop"]
    return {
        "code": workshop.get("code") or "",
        "title": workshop.get("title") or "",
        "question": workshop.get("question") or "",
        "territory": workshop.get("territory") or "",
        "date": _parse_date(workshop.get("date")),
        "format": workshop.get("format") or "",
        "status": workshop.get("status") or "",
        "language": workshop.get("language") or "",
        "participants_count": workshop.get("participants_count") or 0,
        "participants_by_profile": workshop.get("participants_by_profile"),
        # Since 1.3: the cycle of a session of a cycle, as exported (None otherwise).
        "cycle": document.get("cycle"),
        "url": workshop.get("url") or "",
        "schema_version": document["version"],
        "exported_at": _parse_time(document["exported_at"]),
    }


def challenge_values(challenge: dict[str, Any]) -> dict[str, Any]:
    """The columns of one exported défi (its portfolio id and session aside)."""
    return {
        "reference": challenge["reference"],
        "title": challenge.get("title") or "",
        "body": challenge.get("body") or "",
        "position": challenge.get("position") or 0,
        "votes": challenge.get("votes") or 0,
        "rank": challenge.get("rank"),
        "qualification": challenge.get("qualification"),
        "volunteers": challenge.get("volunteers") or [],
    }


def follow_up_values(
    idea: dict[str, Any], challenge: dict[str, Any] | None, session_territory: str
) -> dict[str, Any]:
    """Stage, its source and the territory of an idea: its sheet's, else its défi's
    (an idea nobody qualified starts "to study", in its session's territory)."""
    own = idea.get("qualification")
    inherited = challenge.get("qualification") if challenge else None
    sheet, source = (
        (own, "idea") if own else (inherited, "challenge") if inherited else (None, "default")
    )
    territory = next(
        (
            t
            for t in (
                (own or {}).get("territory"),
                (inherited or {}).get("territory"),
                session_territory,
            )
            if t
        ),
        "",
    )
    return {
        "stage": (sheet or {}).get("stage") or Stage.TO_STUDY.value,
        "abandon_reason": (sheet or {}).get("abandon_reason") or "",
        "stage_source": source,
        "territory": territory,
    }


def idea_values(idea: dict[str, Any]) -> dict[str, Any]:
    """The columns of one exported idea, its défi and follow-up stage aside."""
    author = idea.get("author")
    return {
        "reference": idea["reference"],
        "title": idea.get("title") or "",
        "body": idea.get("body") or "",
        "need": idea.get("need") or "",
        "state": idea.get("state") or IdeaStatus.VISIBLE.value,
        "author_name": author.get("name") if isinstance(author, dict) else None,
        "votes": idea.get("votes") or 0,
        "published_at": _parse_time(idea.get("published_at")),
        "qualification": idea.get("qualification"),
        "volunteers": idea.get("volunteers") or [],
    }


# The fields of a project's sheet, flat, as the workshop's qualification form names
# them (``schemas.follow_up.QUALIFICATION_FIELDS`` without the stage and its reason,
# which the project itself holds).
SHEET_TEXTS = (
    "need_who",
    "need_where",
    "need_evidence",
    "target_public",
    "solution",
    "existing_offer",
    "partners",
    "economic_potential",
    "potential_holders",
    "next_step",
)
SHEET_FIELDS = (*SHEET_TEXTS, "territory", "insee_code", "maturity")


def sheet_from_export(qualification: dict[str, Any] | None) -> dict[str, Any] | None:
    """An exported qualification sheet as a project's sheet (flat, the workshop's field
    names); ``None`` when the export has none."""
    if not qualification:
        return None
    need = qualification.get("need") or {}
    sheet: dict[str, Any] = {
        "need_who": need.get("who") or "",
        "need_where": need.get("where") or "",
        "need_evidence": need.get("evidence") or "",
    }
    for key in SHEET_TEXTS[3:]:
        sheet[key] = qualification.get(key) or ""
    sheet["territory"] = qualification.get("territory") or ""
    sheet["insee_code"] = qualification.get("insee_code") or None
    sheet["maturity"] = qualification.get("maturity") or None
    return sheet


def project_follow_up(
    qualification: dict[str, Any] | None, session_territory: str
) -> dict[str, Any]:
    """What a project takes from its défi's or its idea's exported sheet while its
    follow-up still follows the exports: stage, reason, sheet and territory (the
    sheet's, else the session's)."""
    sheet = sheet_from_export(qualification)
    return {
        "stage": (qualification or {}).get("stage") or Stage.TO_STUDY.value,
        "abandon_reason": (qualification or {}).get("abandon_reason") or "",
        "sheet": sheet,
        "territory": (sheet or {}).get("territory") or session_territory,
    }
