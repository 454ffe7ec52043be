"""Qualification sheets: the Fabrique's questions about a défi or an idea.

A sheet records the social need (who, where, evidence), the target public, the
territory (text and an optional INSEE code), the envisaged solution, the existing
offer nearby, the partners to mobilise, the economic potential, the potential holders,
the maturity, the next step, and the follow-up stage (an abandoned project says why).

Facilitators fill sheets at any time until the workshop is closed; participants may
too, during a qualification step, when the workshop allows it
(``participants_qualify``). Each save names the version it was made from: two people
editing one sheet at once get ``conflict`` instead of silently overwriting each other.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..errors import (
    Conflict,
    QualificationNotAllowed,
    TargetUnavailable,
)
from ..extensions import db
from ..models import (
    Challenge,
    Facilitator,
    Idea,
    IdeaStatus,
    Qualification,
    Stage,
    Workshop,
)
from ..realtime import Facts
from ..schemas import (
    QUALIFICATION_FIELDS,
    QUALIFICATION_TEXTS,
    QualificationEdit,
    Role,
    TargetRef,
    serialize_qualification,
    target_of,
)
from ..stages import abandon_reason_for
from ..wire import QualificationSaved, QualificationView
from . import event_log, lookup
from .guards import allows, require_facilitator, require_not_closed, require_open


def resolve_target(workshop: Workshop, target: TargetRef) -> Challenge | Idea:
    """The défi or idea ``target`` names in ``workshop``.

    Raises :class:`NotFound` (no such item, or an idea withdrawn or merged),
    :class:`WrongWorkshop` (another workshop's item) and :class:`TargetUnavailable`
    (an idea hidden or waiting for approval: it is not public).
    """
    if target.kind == "challenge":
        return lookup.in_workshop(workshop, Challenge, target.id)
    idea = lookup.live_idea(workshop, target.id)
    if idea.status != IdeaStatus.VISIBLE:
        raise TargetUnavailable()
    return idea


def _target_filter(target: TargetRef) -> Any:
    if target.kind == "challenge":
        return Qualification.challenge_id == target.id
    return Qualification.idea_id == target.id


def sheet_of(workshop: Workshop, target: TargetRef) -> Qualification | None:
    return db.session.scalar(
        select(Qualification).where(
            Qualification.workshop_id == workshop.id, _target_filter(target)
        )
    )


def qualify(workshop_id: int, facilitator: Facilitator, edit: QualificationEdit) -> Qualification:
    """A facilitator creates or changes the sheet of a défi or a visible idea.

    Any phase, until the workshop is closed. Raises ``workshop_closed``,
    ``not_found``, ``wrong_workshop``, ``target_unavailable``, ``conflict`` (stale
    version) and ``abandon_reason_required``. Emits ``qualification_saved`` when
    something changed.
    """
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    require_not_closed(workshop)
    return _save(workshop, edit)


def qualify_as_participant(
    workshop_id: int, participant_id: int, edit: QualificationEdit
) -> Qualification:
    """A participant creates or changes a sheet, during a qualification step of an
    open workshop that lets participants qualify (``participants_qualify``).

    Raises ``workshop_not_open``, ``workshop_closed``, ``qualification_not_allowed``
    and the errors of :func:`qualify`. Emits ``qualification_saved``.
    """
    workshop = event_log.lock_workshop(workshop_id)
    require_open(workshop)
    if not workshop.participants_qualify or not allows(workshop, "qualify"):
        raise QualificationNotAllowed()
    lookup.participant(workshop, participant_id)
    return _save(workshop, edit)


def _save(workshop: Workshop, edit: QualificationEdit) -> Qualification:
    target = edit.target
    resolve_target(workshop, target)
    sheet = sheet_of(workshop, target)
    current_version = sheet.version if sheet is not None else 0
    if edit.version != current_version:
        raise Conflict(current_version=current_version)
    if sheet is None:
        sheet = Qualification(
            workshop_id=workshop.id,
            challenge_id=target.id if target.kind == "challenge" else None,
            idea_id=target.id if target.kind == "idea" else None,
            stage=Stage.TO_STUDY,
            version=0,
        )
        for field in (*QUALIFICATION_TEXTS, "territory"):
            setattr(sheet, field, "")
        db.session.add(sheet)
    changes = dict(edit.changes)
    changes["abandon_reason"] = abandon_reason_for(
        changes.get("stage", sheet.stage), changes.get("abandon_reason", sheet.abandon_reason)
    )
    changed = sheet.id is None
    for field, value in changes.items():
        if getattr(sheet, field) != value:
            setattr(sheet, field, value)
            changed = True
    if not changed:
        return sheet
    sheet.version = current_version + 1
    db.session.flush()
    saved: QualificationSaved = {"qualification": serialize_qualification(sheet)}
    event_log.record(workshop, Facts.QUALIFICATION_SAVED, saved)
    db.session.commit()
    return sheet


def for_workshop(workshop: Workshop) -> dict[tuple[str, int], Qualification]:
    """Every sheet of ``workshop``, by ``("challenge" | "idea", id)`` (for exports)."""
    sheets = db.session.scalars(
        select(Qualification)
        .where(Qualification.workshop_id == workshop.id)
        .order_by(Qualification.id)
    )
    found: dict[tuple[str, int], Qualification] = {}
    for sheet in sheets:
        target = target_of(sheet)
        found[(target.kind, target.id)] = sheet
    return found


def qualification_state(workshop: Workshop, role: Role) -> list[QualificationView]:
    """The sheets for a snapshot: facilitators get all of them; participants and
    screens only those of défis and of ideas everybody can see."""
    query = select(Qualification).where(Qualification.workshop_id == workshop.id)
    if role is not Role.FACILITATOR:
        query = query.outerjoin(Idea, Qualification.idea_id == Idea.id).where(
            (Qualification.idea_id.is_(None)) | (Idea.status == IdeaStatus.VISIBLE)
        )
    return [
        serialize_qualification(s) for s in db.session.scalars(query.order_by(Qualification.id))
    ]


def fold_sheet(workshop: Workshop, absorbed: TargetRef, into: TargetRef) -> None:
    """Carry the sheet of a défi or an idea that disappears (a merge) to the one
    absorbing it: it fills what the other's leaves empty, or becomes the other's.
    Records ``qualification_saved`` for ``into`` when it changes. The caller holds the
    lock."""
    source, kept = sheet_of(workshop, absorbed), sheet_of(workshop, into)
    if source is not None:
        if kept is None:
            source.challenge_id = into.id if into.kind == "challenge" else None
            source.idea_id = into.id if into.kind == "idea" else None
            kept = source
        else:
            for field in QUALIFICATION_FIELDS:
                if field in ("stage", "abandon_reason"):  # the kept sheet's own course
                    continue
                if not getattr(kept, field) and getattr(source, field):
                    setattr(kept, field, getattr(source, field))
            db.session.delete(source)
        kept.version += 1
        db.session.flush()
        saved: QualificationSaved = {"qualification": serialize_qualification(kept)}
        event_log.record(workshop, Facts.QUALIFICATION_SAVED, saved)
