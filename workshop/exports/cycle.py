"""The ``cycle`` of a workshop export (format 1.3): what a session of a cycle carries.

A workshop that is a session of a cycle (``Workshop.cycle_id``) exports its cycle: the
cycle's identity, its sessions (uid, title, date, theme), the feedback kinds and the
jury's grid, and its projects, each with its reference ``"<cycle uid>/project/<id>"``,
title, pitch, note d'intention (each section with its label, and when and in which
session it was last saved), feedback counts per kind, the jury's results (majority
grade and distribution per criterion and overall, rank, how many jurors: never who)
and the decision with its reason and date.

Consent: the holder's name only when they chose to show it (and never once they
erased their data); the feedback texts, the carnet de bord and the next steps only
when the holder agreed that the feedback texts leave in exports (``share_feedback``:
the carnet is the holder's own working notes, it follows the same consent). Feedback
cards never carry who gave them, jurors never appear by name, their comments never.
A workshop outside a cycle exports ``"cycle": null``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select

from .. import majority
from ..extensions import db
from ..models import (
    Cycle,
    CycleProject,
    Enrolment,
    FeedbackCard,
    JuryGrade,
    LogbookEntry,
    Workshop,
)
from ..schemas.cycles import feedback_kind_label

# The logbook's kind for a saved section of the note d'intention (its text is the
# section's key): a date, not a line of the carnet de bord.
SECTION_SAVED = "intention"


def project_reference(cycle_uid: str, project_id: int) -> str:
    """A cycle project's identity across exports and sessions."""
    return f"{cycle_uid}/project/{project_id}"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _holder(project: CycleProject, enrolments: dict[int, Enrolment]) -> dict[str, str] | None:
    if not project.show_name or project.enrolment_id is None:
        return None
    enrolment = enrolments.get(project.enrolment_id)
    if enrolment is None or enrolment.erased_at is not None or not enrolment.display_name:
        return None
    return {"name": enrolment.display_name}


def _grades(merit: majority.Merit[Any]) -> dict[str, Any]:
    return {"majority_grade": merit.majority, "grades": list(merit.counts)}


def _jury(
    cycle: Cycle, projects: list[CycleProject]
) -> tuple[list[dict[str, str]], dict[int, dict[str, Any]]]:
    """The grid and, per project, its results (as the deliberation computes them:
    overall = every criterion's grades together; tied projects share a rank; a project
    nobody graded has no rank)."""
    criteria = [
        {
            "key": _text(c.get("key")),
            "label": _text(c.get("label")) or _text(c.get("key")),
            "description": _text(c.get("description")),
        }
        for c in cycle.criteria or []
        if c.get("key")
    ]
    keys = [c["key"] for c in criteria]
    ids = [p.id for p in projects]
    by_project: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    graders: dict[int, set[int]] = defaultdict(set)
    if ids and keys:
        for project_id, juror_id, criterion, grade in db.session.execute(
            select(
                JuryGrade.project_id, JuryGrade.juror_id, JuryGrade.criterion, JuryGrade.grade
            ).where(JuryGrade.project_id.in_(ids))
        ):
            if criterion in keys and grade in majority.SCALE:
                by_project[int(project_id)][str(criterion)].append(int(grade))
                graders[int(project_id)].add(int(juror_id))
    overall = {pid: [g for key in keys for g in by_project[pid][key]] for pid in ids}
    ranked = {merit.option: merit for merit in majority.rank(overall)}
    results = {}
    for pid in ids:
        merit = ranked[pid]
        results[pid] = {
            "jurors": len(graders[pid]),
            "rank": merit.rank if merit.graders else None,
            **_grades(merit),
            "criteria": [
                {"key": key, **_grades(majority.merit(key, by_project[pid][key]))} for key in keys
            ],
        }
    return criteria, results


def build_cycle(
    workshop: Workshop, timestamp: Callable[[dt.datetime | None], str | None]
) -> dict[str, Any] | None:
    """The ``cycle`` object of ``workshop``'s export (see the module docstring); ``None``
    outside a cycle. ``timestamp`` formats a datetime as the export does."""
    if workshop.cycle_id is None:
        return None
    cycle = db.session.get(Cycle, workshop.cycle_id)
    if cycle is None:
        return None
    sessions = list(
        db.session.execute(
            select(Workshop.id, Workshop.uid, Workshop.title, Workshop.date, Workshop.cycle_theme)
            .where(Workshop.cycle_id == cycle.id)
            .order_by(Workshop.date.is_(None), Workshop.date, Workshop.id)
        )
    )
    session_uids = {int(row.id): str(row.uid) for row in sessions}
    projects = list(
        db.session.scalars(
            select(CycleProject)
            .where(CycleProject.cycle_id == cycle.id)
            .order_by(CycleProject.position, CycleProject.id)
        )
    )
    ids = [p.id for p in projects]
    enrolments = {
        e.id: e for e in db.session.scalars(select(Enrolment).where(Enrolment.cycle_id == cycle.id))
    }
    with force_locale(str(current_app.config["BABEL_DEFAULT_LOCALE"])):
        kinds = [
            {"key": _text(kind.get("key")), "label": feedback_kind_label(kind)}
            for kind in cycle.feedback_kinds or []
            if kind.get("key")
        ]
    labels = {
        _text(s.get("key")): _text(s.get("label")) or _text(s.get("key"))
        for s in cycle.intention_template or []
        if s.get("key")
    }
    order = list(labels)

    counts: dict[int, dict[str, int]] = defaultdict(dict)
    cards: dict[int, list[dict[str, Any]]] = defaultdict(list)
    logbook: dict[int, list[dict[str, Any]]] = defaultdict(list)
    saved: dict[tuple[int, str], LogbookEntry] = {}
    if ids:
        for project_id, kind, number in db.session.execute(
            select(FeedbackCard.project_id, FeedbackCard.kind, func.count())
            .where(FeedbackCard.project_id.in_(ids), FeedbackCard.status == "visible")
            .group_by(FeedbackCard.project_id, FeedbackCard.kind)
        ):
            counts[int(project_id)][str(kind)] = int(number)
        sharing = [p.id for p in projects if p.share_feedback]
        if sharing:
            for card in db.session.scalars(
                select(FeedbackCard)
                .where(FeedbackCard.project_id.in_(sharing), FeedbackCard.status == "visible")
                .order_by(FeedbackCard.created_at, FeedbackCard.id)
            ):
                cards[card.project_id].append(
                    {
                        "kind": card.kind,
                        "text": card.text,
                        "signed": bool(card.signed),
                        "session_uid": session_uids.get(card.workshop_id),
                        "given_at": timestamp(card.created_at),
                    }
                )
        for entry in db.session.scalars(
            select(LogbookEntry)
            .where(LogbookEntry.project_id.in_(ids))
            .order_by(LogbookEntry.created_at, LogbookEntry.id)
        ):
            if entry.kind == SECTION_SAVED:
                saved[(entry.project_id, entry.text)] = entry  # the last save wins
            else:
                logbook[entry.project_id].append(
                    {
                        "kind": entry.kind,
                        "author": entry.author,
                        "text": entry.text,
                        "session_uid": session_uids.get(entry.workshop_id or 0),
                        "written_at": timestamp(entry.created_at),
                    }
                )
    criteria, jury = _jury(cycle, projects)

    def intention(project: CycleProject) -> list[dict[str, Any]]:
        written = {_text(k): _text(v).strip() for k, v in (project.intention or {}).items()}
        keys = [k for k in order if written.get(k)]
        keys += sorted(k for k in written if written[k] and k not in labels)
        sections = []
        for key in keys:
            entry = saved.get((project.id, key))
            sections.append(
                {
                    "key": key,
                    "label": labels.get(key, key),
                    "text": written[key],
                    "saved_at": timestamp(entry.created_at) if entry else None,
                    "session_uid": session_uids.get(entry.workshop_id or 0) if entry else None,
                }
            )
        return sections

    def decision(project: CycleProject) -> dict[str, Any] | None:
        if not project.decision:
            return None
        return {
            "decision": project.decision,
            "reason": project.decision_reason or "",
            "decided_at": timestamp(project.decided_at),
        }

    return {
        "uid": cycle.uid,
        "title": cycle.title,
        "preset": cycle.preset,
        "territory": cycle.territory or "",
        "sessions": [
            {
                "uid": str(row.uid),
                "title": row.title,
                "date": row.date.isoformat() if row.date else None,
                "theme": row.cycle_theme or "",
            }
            for row in sessions
        ],
        "feedback_kinds": kinds,
        "criteria": criteria,
        "projects": [
            {
                "id": project.id,
                "reference": project_reference(cycle.uid, project.id),
                "title": project.title,
                "pitch": project.pitch or "",
                "position": project.position,
                "holder": _holder(project, enrolments),
                "intention": intention(project),
                "share_feedback": bool(project.share_feedback),
                "next_steps": (project.next_steps or "") if project.share_feedback else None,
                "logbook": logbook.get(project.id, []) if project.share_feedback else None,
                "feedback": {
                    "counts": counts.get(project.id, {}),
                    "cards": cards.get(project.id, []) if project.share_feedback else None,
                },
                "jury": jury[project.id],
                "decision": decision(project),
            }
            for project in projects
        ],
    }
