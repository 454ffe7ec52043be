"""Majority judgment in a room: a vote step whose ``method`` is ``"majority"``.

Each participant grades every option (the ideas, or the défis, the step votes on) on
the scale of :mod:`workshop.majority`, 0 « à rejeter » … 6 « excellent », and may change
a grade while the step is open. The results are each option's majority grade and the
distribution of its grades, ranked by majority judgment; an option a voter left
ungraded counts as « à rejeter » for them (:mod:`workshop.schemas.grades` holds the
rule). The step's other rules are the dots' ones (:mod:`.steps`): the results stay
hidden from the room until revealed when the step says so, freezing ends the vote and
keeps the ranking the exports use, leaving the step freezes it.

Grades that arrive together are written in one transaction and announced with one
``grades_changed`` (:func:`submit`, a group commit, as the dots are), which the
broadcaster also folds over its tally window: a room grading at once costs each phone
a few messages a second, not one per grade.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

from flask_babel import gettext as _
from sqlalchemy import func, select

from ...batching import GroupCommit
from ...errors import (
    ItemNotVotable,
    NotFound,
    OwnIdeaVote,
    ValidationError,
    VoteClosed,
    WorkshopError,
    WrongPhase,
    WrongWorkshop,
)
from ...extensions import create_event, current_app_object, db, sleep
from ...majority import Merit, check_grades
from ...models import (
    Challenge,
    GradeVote,
    Idea,
    IdeaStatus,
    Participant,
    Phase,
    Workshop,
)
from ...phases import PhaseKind, vote_settings
from ...realtime import Facts
from ...schemas.grades import GradeResult, merits, ranking_rows, results
from ...schemas.votes import GradeChoice
from ...tallies import tallies_public
from .. import event_log
from ..guards import require_open_status

#: ``GradeVote.item_kind`` of what a step votes on (its ``target`` setting).
ITEM_KINDS = {"ideas": "idea", "challenges": "challenge"}


class MyGrades(TypedDict):
    """A ``grade_item`` / ``withdraw_grade`` ack: the caller's grades in the step, by
    item id."""

    phase_id: int
    target: str
    grades: dict[str, int]


class GradeState(TypedDict, total=False):
    """A majority vote's state as a role sees it: how many people graded and how many
    grades they gave; ``results`` (ranked, see
    :class:`~workshop.schemas.grades.GradeResult`) where the role may see them."""

    phase_id: int
    target: str
    voters: int
    grades_cast: int
    results: list[GradeResult]


def is_majority(phase: Phase) -> bool:
    """Whether ``phase`` is a vote by majority judgment."""
    return phase.kind == PhaseKind.VOTE and vote_settings(phase)["method"] == "majority"


# ----------------------------------------------------------------------- reading


def _ballot(phase: Phase) -> tuple[list[int], dict[int, str], dict[int, int | None] | None]:
    """The options of ``phase``'s vote (ids in a stable order), their titles, and (when
    people may not vote for their own idea) each idea's author."""
    settings = vote_settings(phase)
    if settings["target"] == "challenges":
        rows = db.session.execute(
            select(Challenge.id, Challenge.title)
            .where(Challenge.workshop_id == phase.workshop_id)
            .order_by(Challenge.position, Challenge.id)
        ).all()
        return [int(r[0]) for r in rows], {int(r[0]): r[1] for r in rows}, None
    ideas = db.session.execute(
        select(Idea.id, Idea.title, Idea.participant_id)
        .where(Idea.workshop_id == phase.workshop_id, Idea.status == IdeaStatus.VISIBLE)
        .order_by(Idea.id)
    ).all()
    authors = None if settings["allow_own"] else {int(r[0]): r[2] for r in ideas}
    return [int(r[0]) for r in ideas], {int(r[0]): r[1] for r in ideas}, authors


def _merits(phase: Phase) -> tuple[list[Merit[int]], dict[int, str]]:
    options, titles, authors = _ballot(phase)
    kind = ITEM_KINDS[vote_settings(phase)["target"]]
    rows = db.session.execute(
        select(GradeVote.participant_id, GradeVote.item_id, GradeVote.grade).where(
            GradeVote.phase_id == phase.id, GradeVote.item_kind == kind
        )
    )
    return merits(options, ((int(p), int(i), int(g)) for p, i, g in rows), authors), titles


def grade_totals(phase: Phase) -> tuple[int, int]:
    """``(voters, grades given)`` in ``phase``, whatever the options are now."""
    voters, given = db.session.execute(
        select(func.count(func.distinct(GradeVote.participant_id)), func.count()).where(
            GradeVote.phase_id == phase.id
        )
    ).one()
    return int(voters), int(given)


def grade_state(phase: Phase, *, public: bool) -> GradeState:
    """What a client shows of a majority vote: totals, and the ranked results unless
    ``public`` and the step hides them still (:func:`workshop.tallies.tallies_public`)."""
    voters, given = grade_totals(phase)
    state: GradeState = {
        "phase_id": phase.id,
        "target": vote_settings(phase)["target"],
        "voters": voters,
        "grades_cast": given,
    }
    if not public or tallies_public(vote_settings(phase), phase.revealed_at, phase.frozen_at):
        state["results"] = results(_merits(phase)[0])
    return state


def ranking(phase: Phase) -> list[dict[str, Any]]:
    """The ranking frozen when a majority vote ends (``Phase.frozen_ranking``): the dot
    ranking's rows plus each option's ``majority_grade`` and ``grades``."""
    ranked, titles = _merits(phase)
    key = "challenge_id" if vote_settings(phase)["target"] == "challenges" else "idea_id"
    return ranking_rows(ranked, key, titles)


def my_grades(participant: Participant) -> dict[str, dict[str, int]]:
    """A participant's grades, ``{phase id: {item id: grade}}`` (a snapshot's and a
    replay's ``me.grades``)."""
    mine: dict[str, dict[str, int]] = {}
    for phase_id, item_id, grade in db.session.execute(
        select(GradeVote.phase_id, GradeVote.item_id, GradeVote.grade).where(
            GradeVote.participant_id == participant.id
        )
    ):
        mine.setdefault(str(phase_id), {})[str(item_id)] = int(grade)
    return mine


def has_grades(phase: Phase) -> bool:
    """Whether anybody graded anything in ``phase`` (its method and target are then
    fixed)."""
    return grade_totals(phase)[1] > 0


def record_state(workshop: Workshop, phase: Phase) -> None:
    """Record ``grades_changed`` with ``phase``'s whole state (the facilitators' with the
    results, the room's without them while hidden). The caller holds the lock."""
    full = grade_state(phase, public=False)
    hidden = not tallies_public(vote_settings(phase), phase.revealed_at, phase.frozen_at)
    public = {k: v for k, v in full.items() if k != "results"} if hidden else None
    event_log.record(workshop, Facts.GRADES_CHANGED, dict(full), public)


# ----------------------------------------------------------------------- grading


def grade_item(workshop_id: int, participant_id: int, choice: GradeChoice) -> MyGrades:
    """Give one option a grade (``choice.grade`` set) or take it back (``None``);
    returns the participant's grades in the step.

    A participant, while the workshop is open and its current step is a majority vote
    that is not frozen, on an option of that vote: an idea that is visible (not their
    own when the step forbids it) or a défi of the same workshop. Giving the same grade
    again, or taking back a grade never given, changes nothing and records nothing.
    Raises :class:`WrongPhase` (not a vote step, or a vote by dots), :class:`VoteClosed`,
    :class:`ValidationError` (an idea in a vote on défis, or the reverse; a grade off
    the scale), :class:`NotFound`, :class:`WrongWorkshop`, :class:`ItemNotVotable`,
    :class:`OwnIdeaVote`. Emits ``grades_changed``.
    """
    return _one(workshop_id, GradeChange(participant_id, choice))


@dataclass(frozen=True)
class GradeChange:
    """One participant's grade command on one option."""

    participant_id: int
    choice: GradeChoice


def _one(workshop_id: int, change: GradeChange) -> MyGrades:
    [result] = change_grades(workshop_id, [change])
    if isinstance(result, WorkshopError):
        raise result
    return result


def _foreign(workshop_id: int, participant_id: int) -> WorkshopError | None:
    """Refuses a participant erased, unknown, or of another workshop."""
    row = db.session.execute(
        select(Participant.workshop_id, Participant.erased_at).where(
            Participant.id == participant_id
        )
    ).one_or_none()
    if row is None or row[1] is not None:
        return NotFound()
    return WrongWorkshop() if row[0] != workshop_id else None


def _vote_step(workshop: Workshop) -> Phase:
    require_open_status(workshop.status)
    phase = workshop.current_phase
    if phase is None or phase.kind != PhaseKind.VOTE:
        raise WrongPhase(_("Grades can only be given during a vote step."))
    if not is_majority(phase):
        raise WrongPhase(_("This vote is by dots, not by grades."))
    if phase.frozen_at is not None:
        raise VoteClosed()
    return phase


def _check_option(workshop_id: int, participant_id: int, phase: Phase, choice: GradeChoice) -> None:
    """``choice`` names an option of the step's ballot that this participant may grade
    (taking a grade back only needs the item to be the workshop's)."""
    settings = vote_settings(phase)
    if settings["target"] != choice.kind:
        raise ValidationError(
            _("This vote is on challenges.")
            if choice.kind == "ideas"
            else _("This vote is on ideas."),
            field="challenge_id" if choice.kind == "challenges" else "idea_id",
            reason="target",
        )
    item: Idea | Challenge | None = (
        db.session.get(Idea, choice.item_id)
        if choice.kind == "ideas"
        else db.session.get(Challenge, choice.item_id)
    )
    if item is None:
        raise NotFound()
    if item.workshop_id != workshop_id:
        raise WrongWorkshop()
    if choice.grade is None or not isinstance(item, Idea):
        return
    if item.status != IdeaStatus.VISIBLE:
        raise ItemNotVotable()
    if not settings["allow_own"] and item.participant_id == participant_id:
        raise OwnIdeaVote()


def _apply(workshop_id: int, phase: Phase, change: GradeChange) -> bool:
    """Check and write one change; whether it changed anything."""
    refusal = _foreign(workshop_id, change.participant_id)
    if refusal is not None:
        raise refusal
    choice = change.choice
    if choice.phase_id is not None and choice.phase_id != phase.id:
        raise VoteClosed()  # made in a vote step that has ended since (an offline queue)
    _check_option(workshop_id, change.participant_id, phase, choice)
    if choice.grade is not None:
        try:
            check_grades([choice.grade])
        except ValueError:
            raise ValidationError(
                _("Please choose one of the options."), field="grade", reason="choice"
            ) from None
    kind = ITEM_KINDS[choice.kind]
    existing = db.session.scalar(
        select(GradeVote).where(
            GradeVote.phase_id == phase.id,
            GradeVote.participant_id == change.participant_id,
            GradeVote.item_kind == kind,
            GradeVote.item_id == choice.item_id,
        )
    )
    if choice.grade is None:
        if existing is None:
            return False
        db.session.delete(existing)
    elif existing is None:
        db.session.add(
            GradeVote(
                workshop_id=workshop_id,
                phase_id=phase.id,
                participant_id=change.participant_id,
                item_kind=kind,
                item_id=choice.item_id,
                grade=choice.grade,
            )
        )
    elif existing.grade == choice.grade:
        return False
    else:
        existing.grade = choice.grade
    db.session.flush()
    return True


def _mine(phase: Phase, participant_id: int) -> MyGrades:
    target = vote_settings(phase)["target"]
    rows = db.session.execute(
        select(GradeVote.item_id, GradeVote.grade).where(
            GradeVote.phase_id == phase.id,
            GradeVote.participant_id == participant_id,
            GradeVote.item_kind == ITEM_KINDS[target],
        )
    )
    return {
        "phase_id": phase.id,
        "target": target,
        "grades": {str(item_id): int(grade) for item_id, grade in rows},
    }


def change_grades(workshop_id: int, changes: list[GradeChange]) -> list[MyGrades | WorkshopError]:
    """Apply grade changes of one workshop in one transaction and record one
    ``grades_changed`` for all of them (none when nothing changed: refusals and
    repeats). Each change is checked in turn after the workshop's lock; its result is
    its participant's ack or the :class:`WorkshopError` that refused it (a refused
    change writes nothing; the others still apply)."""
    workshop = event_log.lock_workshop(workshop_id)
    try:
        phase = _vote_step(workshop)
    except WorkshopError as refusal:
        db.session.rollback()
        return [_foreign(workshop_id, c.participant_id) or refusal for c in changes]
    answers: list[MyGrades | WorkshopError] = []
    changed = False
    for change in changes:
        try:  # every check comes before the one write: a refusal leaves nothing
            changed = _apply(workshop_id, phase, change) or changed
        except WorkshopError as refusal:
            answers.append(refusal)
            continue
        answers.append(_mine(phase, change.participant_id))
    if not changed:
        db.session.rollback()
        return answers
    record_state(workshop, phase)
    db.session.commit()
    return answers


def submit(workshop_id: int, change: GradeChange) -> MyGrades:
    """Apply one participant's change, written together with the grades that arrive at
    the same moment (one transaction and one ``grades_changed`` for all of them,
    :mod:`workshop.batching`); returns the participant's ack or raises the refusal.
    The socket handlers' entry point; :func:`grade_item` applies one change alone."""
    app = current_app_object()
    writer: GroupCommit[GradeChange] | None = app.extensions.get("semis_grade_writer")
    if writer is None:
        writer = app.extensions["semis_grade_writer"] = GroupCommit(
            process=_write_batch, create_event=create_event, sleep=sleep
        )
    ack: MyGrades = writer.submit(workshop_id, change)
    return ack


def _write_batch(workshop_id: int, changes: list[GradeChange]) -> list[MyGrades | WorkshopError]:
    try:
        return change_grades(workshop_id, changes)
    except Exception:
        db.session.rollback()  # the leader's session goes on to its own handler
        raise
