"""The pitch step: one project at a time in the spotlight, timers, and peer feedback cards.

A session of a cycle (``Workshop.cycle_id``) may have pitch steps (``PhaseKind.PITCH``).
During one, a facilitator puts the cycle's projects (by ``CycleProject.position``) in the
spotlight one after the other (``Workshop.spotlight_project_id``), and runs the turn's
two timers: the pitch, then the questions (the workshop's own server-owned timer, set to
the step's ``pitch_seconds`` / ``questions_seconds``). Which part is running is kept in
the pitch step's ``settings`` (``part``), with those durations.

Meanwhile the others give the project feedback cards (:class:`FeedbackCard`) of the
cycle's kinds (``Cycle.feedback_kinds``), signed with their name or anonymous as the
cycle decides (``Cycle.feedback_signed``); never on their own project. Facilitators hide
and show cards, and select some for the screen.

What each role receives (see :mod:`workshop.wire.pitch`): phones and screens get counts
per kind and the selected cards, the author of a selected card only when it is signed;
a hidden card never reaches them (hiding a selected one redacts the event log, as hiding
an idea does). Facilitators get every card with its giver, signed or not: they moderate,
and the phones say so.

Facts: ``pitch_changed`` (spotlight, part, settings), ``timer_changed``,
``feedback_given``, ``feedback_changed``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import Forbidden, NotFound, ValidationError, WrongPhase
from ..extensions import db
from ..models import (
    Cycle,
    CycleProject,
    Enrolment,
    Facilitator,
    FeedbackCard,
    Participant,
    Phase,
    Workshop,
    utcnow,
)
from ..phases import PhaseKind
from ..realtime import Facts
from ..roles import Role
from ..schemas import iso, serialize_timer
from ..schemas.cycles import FEEDBACK_KIND_LABELS
from ..schemas.pitch import NewFeedback, Part, PitchSettings, SpotlightTarget
from ..wire import TimerChanged
from ..wire.pitch import (
    CardView,
    FeedbackChanged,
    FeedbackGiven,
    FeedbackKind,
    FeedbackSummary,
    PitchChanged,
    PitchView,
    ProjectItem,
    PublicCardView,
    SpotlightProject,
)
from . import event_log, lookup
from .guards import require_facilitator, require_not_closed, require_open

#: A pitch step's settings, and their defaults (seconds).
PITCH_DEFAULTS: dict[str, int] = {"pitch_seconds": 180, "questions_seconds": 300}
#: The feedback kinds of a cycle that names none (their labels are the translated
#: defaults, label ""): the ones a new cycle gets.
DEFAULT_KIND_KEYS = tuple(FEEDBACK_KIND_LABELS)
VISIBLE, HIDDEN = "visible", "hidden"


# ----------------------------------------------------------------- reading


def cycle_of(workshop: Workshop) -> Cycle | None:
    """The cycle ``workshop`` is a session of, if any."""
    return db.session.get(Cycle, workshop.cycle_id) if workshop.cycle_id is not None else None


def projects_of(cycle_id: int) -> list[CycleProject]:
    """The cycle's projects in the order of their turns."""
    return list(
        db.session.scalars(
            select(CycleProject)
            .where(CycleProject.cycle_id == cycle_id)
            .order_by(CycleProject.position, CycleProject.id)
        )
    )


def feedback_kinds(cycle: Cycle | None) -> list[FeedbackKind]:
    """The cycle's feedback kinds ``[{"key", "label"}]`` (label "": the default's)."""
    kinds = [
        {"key": str(kind.get("key") or ""), "label": str(kind.get("label") or "")}
        for kind in (cycle.feedback_kinds if cycle is not None else None) or []
        if kind.get("key")
    ]
    if not kinds:
        kinds = [{"key": key, "label": ""} for key in DEFAULT_KIND_KEYS]
    return [FeedbackKind(key=k["key"], label=k["label"]) for k in kinds]


def pitch_phase(workshop: Workshop) -> Phase | None:
    """The pitch step the settings are about: the current step if it is one, else the
    agenda's first pitch step."""
    current = workshop.current_phase
    if current is not None and current.kind == PhaseKind.PITCH:
        return current
    return next((p for p in workshop.phases if p.kind == PhaseKind.PITCH), None)


def settings_of(phase: Phase | None) -> dict[str, int]:
    """A pitch step's durations, over the defaults."""
    own = (phase.settings or {}) if phase is not None else {}
    return PITCH_DEFAULTS | {k: int(v) for k, v in own.items() if k in PITCH_DEFAULTS}


def _part(workshop: Workshop) -> Part | None:
    current = workshop.current_phase
    if current is None or current.kind != PhaseKind.PITCH:
        return None
    part = (current.settings or {}).get("part")
    return part if part in ("pitch", "questions") else None


def _holder_name(project: CycleProject) -> str | None:
    enrolment = db.session.get(Enrolment, project.enrolment_id) if project.enrolment_id else None
    if enrolment is None or enrolment.erased_at is not None:
        return None
    return enrolment.display_name


def _names(participant_ids: set[int]) -> dict[int, str]:
    if not participant_ids:
        return {}
    return {
        p.id: p.display_name
        for p in db.session.scalars(
            select(Participant).where(
                Participant.id.in_(participant_ids), Participant.erased_at.is_(None)
            )
        )
    }


def card_view(card: FeedbackCard, names: dict[int, str], *, full: bool) -> CardView:
    """A card as facilitators see it (``full``: with its giver, signed or not), or as
    its giver does (no giver: they know)."""
    view: CardView = {
        "id": card.id,
        "project_id": card.project_id,
        "kind": card.kind,
        "text": card.text,
        "signed": card.signed,
        "hidden": card.status == HIDDEN,
        "selected": card.selected,
        "created_at": iso(card.created_at),
    }
    if full:
        view["author"] = names.get(card.participant_id or 0)
        view["participant_id"] = card.participant_id
    return view


def _public_card(card: FeedbackCard, names: dict[int, str]) -> PublicCardView:
    return {
        "id": card.id,
        "project_id": card.project_id,
        "kind": card.kind,
        "text": card.text,
        "author": names.get(card.participant_id or 0) if card.signed else None,
    }


def _cards(workshop_id: int, project_id: int | None = None) -> list[FeedbackCard]:
    query = select(FeedbackCard).where(FeedbackCard.workshop_id == workshop_id)
    if project_id is not None:
        query = query.where(FeedbackCard.project_id == project_id)
    return list(db.session.scalars(query.order_by(FeedbackCard.id)))


def _summaries(cards: list[FeedbackCard], names: dict[int, str]) -> dict[int, FeedbackSummary]:
    summaries: dict[int, FeedbackSummary] = {}
    counts: dict[int, Counter[str]] = {}
    for card in cards:
        summary = summaries.setdefault(
            card.project_id, {"project_id": card.project_id, "counts": {}, "selected": []}
        )
        if card.status == HIDDEN:
            continue
        counts.setdefault(card.project_id, Counter())[card.kind] += 1
        if card.selected:
            summary["selected"].append(_public_card(card, names))
    for project_id, counted in counts.items():
        summaries[project_id]["counts"] = dict(counted)
    return summaries


def feedback_summary(workshop_id: int, project_id: int) -> FeedbackSummary:
    """What everybody sees of a project's cards in this session."""
    cards = _cards(workshop_id, project_id)
    names = _names({c.participant_id for c in cards if c.signed and c.participant_id})
    empty: FeedbackSummary = {"project_id": project_id, "counts": {}, "selected": []}
    return _summaries(cards, names).get(project_id, empty)


def pitch_view(workshop: Workshop, role: Role) -> PitchView:
    """The pitch step's state as ``role`` sees it (facilitators: with the projects'
    list and every card)."""
    cycle = cycle_of(workshop)
    projects = projects_of(cycle.id) if cycle is not None else []
    settings = settings_of(pitch_phase(workshop))
    spot = next((p for p in projects if p.id == workshop.spotlight_project_id), None)
    full = role is Role.FACILITATOR
    cards = _cards(workshop.id)
    names = _names({c.participant_id for c in cards if (full or c.signed) and c.participant_id})
    summaries = _summaries(cards, names)
    project: SpotlightProject | None = None
    if spot is not None:
        project = {
            "id": spot.id,
            "title": spot.title,
            "pitch": spot.pitch,
            "holder": _holder_name(spot) if spot.show_name else None,
            "position": projects.index(spot) + 1,
        }
    view: PitchView = {
        "project_id": spot.id if spot is not None else None,
        "part": _part(workshop) if spot is not None else None,
        "project": project,
        "count": len(projects),
        "pitch_seconds": settings["pitch_seconds"],
        "questions_seconds": settings["questions_seconds"],
        "kinds": feedback_kinds(cycle),
        "signed": bool(cycle.feedback_signed) if cycle is not None else False,
        "feedback": [summaries[p.id] for p in projects if p.id in summaries],
    }
    if full:
        view["projects"] = [
            ProjectItem(
                id=p.id,
                title=p.title,
                position=index + 1,
                holder=_holder_name(p),
                show_name=p.show_name,
            )
            for index, p in enumerate(projects)
        ]
        view["cards"] = [card_view(c, names, full=True) for c in cards]
    return view


def has_pitch(workshop: Workshop) -> bool:
    """Whether snapshots of ``workshop`` carry the pitch state: a cycle's session, or an
    agenda with a pitch step."""
    return workshop.cycle_id is not None or pitch_phase(workshop) is not None


def projects_held(workshop: Workshop, participant: Participant) -> list[int]:
    """The ids of the cycle's projects ``participant`` holds (through their enrolment)."""
    if workshop.cycle_id is None or participant.enrolment_id is None:
        return []
    return list(
        db.session.scalars(
            select(CycleProject.id).where(
                CycleProject.cycle_id == workshop.cycle_id,
                CycleProject.enrolment_id == participant.enrolment_id,
            )
        )
    )


# ----------------------------------------------------------------- facts


def _record_pitch(workshop: Workshop) -> None:
    data: PitchChanged = {"pitch": pitch_view(workshop, Role.FACILITATOR)}
    public: PitchChanged = {"pitch": pitch_view(workshop, Role.PARTICIPANT)}
    event_log.record(workshop, Facts.PITCH_CHANGED, data, public)


def sessions_showing(project_ids: Collection[int]) -> list[int]:
    """The sessions whose spotlight shows one of these projects now, in id order."""
    if not project_ids:
        return []
    return list(
        db.session.scalars(
            select(Workshop.id)
            .where(Workshop.spotlight_project_id.in_(list(project_ids)))
            .order_by(Workshop.id)
        )
    )


def announce_spotlights(workshop_ids: Iterable[int]) -> None:
    """``pitch_changed`` in each of these sessions (locked in id order): what their
    spotlight shows changed (its project's title, pitch or shown name, or the project
    is gone). The caller commits."""
    for workshop_id in sorted(set(workshop_ids)):
        _record_pitch(event_log.lock_workshop(workshop_id))


def project_edited(project_id: int) -> None:
    """A holder saved their project's title, pitch or choices: the sessions showing it
    in the spotlight now show the new text (screens and phones without a reload);
    commits."""
    showing = sessions_showing([project_id])
    if showing:
        announce_spotlights(showing)
        db.session.commit()


def _record_timer(workshop: Workshop) -> None:
    timer: TimerChanged = {"timer": serialize_timer(workshop)}
    event_log.record(workshop, Facts.TIMER_CHANGED, timer)


def _set_timer(workshop: Workshop, seconds: int, *, running: bool) -> None:
    workshop.timer_duration_ms = seconds * 1000
    workshop.timer_remaining_ms = None
    workshop.timer_ends_at = utcnow() + dt.timedelta(seconds=seconds) if running else None


def _set_part(phase: Phase, part: Part | None) -> None:
    # A new dict: the JSON column only notices a reassignment.
    phase.settings = {**(phase.settings or {}), "part": part}


# ----------------------------------------------------------------- facilitators


def _in_pitch_step(workshop_id: int, facilitator: Facilitator) -> tuple[Workshop, Cycle, Phase]:
    """Lock an open session of a cycle in a pitch step, for one of its facilitators."""
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    require_open(workshop)
    phase = workshop.current_phase
    if phase is None or phase.kind != PhaseKind.PITCH:
        raise WrongPhase(_("This can only be done during a pitch step."))
    cycle = cycle_of(workshop)
    if cycle is None:
        raise WrongPhase(_("This session is not part of a cycle: it has no projects to pitch."))
    return workshop, cycle, phase


def spotlight_project(
    workshop_id: int, facilitator: Facilitator, target: SpotlightTarget
) -> Workshop:
    """Put a project of the session's cycle in the spotlight: one by id, or the next /
    previous in the cycle's order. Facilitators only, during a pitch step. The turn
    starts over: no part running, the timer stopped at the pitch's duration.

    Raises :class:`NotFound` for a project of another cycle, :class:`WrongPhase` past
    either end. Emits ``pitch_changed`` and ``timer_changed``.
    """
    workshop, cycle, phase = _in_pitch_step(workshop_id, facilitator)
    projects = projects_of(cycle.id)
    if target.project_id is not None:
        project = next((p for p in projects if p.id == target.project_id), None)
        if project is None:
            raise NotFound(_("This project is not one of the cycle's."))
    else:
        ids = [p.id for p in projects]
        current = (
            ids.index(workshop.spotlight_project_id)
            if workshop.spotlight_project_id in ids
            else None
        )
        if current is None:
            index = 0 if target.direction == "next" else len(ids) - 1
        else:
            index = current + (1 if target.direction == "next" else -1)
        if not 0 <= index < len(ids):
            raise WrongPhase(_("There is no project in that direction."))
        project = projects[index]
    if project.id == workshop.spotlight_project_id:
        return workshop
    workshop.spotlight_project_id = project.id
    _set_part(phase, None)
    _set_timer(workshop, settings_of(phase)["pitch_seconds"], running=False)
    _record_pitch(workshop)
    _record_timer(workshop)
    db.session.commit()
    return workshop


def start_pitch_timer(workshop_id: int, facilitator: Facilitator, part: Part) -> Workshop:
    """Start the turn's pitch or questions: the workshop's timer runs for the step's
    ``pitch_seconds`` or ``questions_seconds`` (again from the start if it ran).
    Facilitators only, during a pitch step, with a project in the spotlight.

    Emits ``pitch_changed`` and ``timer_changed``.
    """
    workshop, _cycle, phase = _in_pitch_step(workshop_id, facilitator)
    if workshop.spotlight_project_id is None:
        raise WrongPhase(_("Put a project in the spotlight first."))
    _set_part(phase, part)
    _set_timer(workshop, settings_of(phase)[f"{part}_seconds"], running=True)
    _record_pitch(workshop)
    _record_timer(workshop)
    db.session.commit()
    return workshop


def end_spotlight(workshop_id: int, facilitator: Facilitator) -> Workshop:
    """Take the project out of the spotlight (the screen goes back to the step); the
    timer stops at the step's duration. Facilitators only, in an open workshop (in any
    step: the spotlight may be ended after leaving the pitch step).

    Emits ``pitch_changed`` and ``timer_changed`` (nothing when no project was in it).
    """
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    require_open(workshop)
    if workshop.spotlight_project_id is None:
        return workshop
    workshop.spotlight_project_id = None
    phase = workshop.current_phase
    if phase is not None and phase.kind == PhaseKind.PITCH:
        _set_part(phase, None)
    _set_timer(workshop, phase.duration_s if phase is not None else 0, running=False)
    _record_pitch(workshop)
    _record_timer(workshop)
    db.session.commit()
    return workshop


def configure_pitch(
    workshop_id: int, facilitator: Facilitator, settings: PitchSettings
) -> Workshop:
    """Set how long each project's pitch and questions last, on the current pitch step
    (else the agenda's first one). Facilitators only, before or during the session.

    Raises :class:`WrongPhase` when the agenda has no pitch step. Emits ``pitch_changed``.
    """
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    require_not_closed(workshop)
    phase = pitch_phase(workshop)
    if phase is None:
        raise WrongPhase(_("The agenda has no pitch step."))
    phase.settings = {
        **(phase.settings or {}),
        "pitch_seconds": settings.pitch_seconds,
        "questions_seconds": settings.questions_seconds,
    }
    _record_pitch(workshop)
    db.session.commit()
    return workshop


# ----------------------------------------------------------------- feedback


def give_feedback(
    workshop_id: int, participant_id: int, new: NewFeedback
) -> tuple[FeedbackCard, bool]:
    """A participant gives a feedback card to a project of the session's cycle (the one
    in the spotlight on their phone; a card typed just before the next project came
    still counts). Exactly once per ``client_id``: a retry returns the card stored
    first, ``created`` False. Signed with the giver's name when the cycle signs cards.

    During a pitch step of an open session of a cycle. Raises :class:`NotFound` for a
    project of another cycle, :class:`Forbidden` on the giver's own project,
    :class:`ValidationError` for a kind the cycle does not have. Emits
    ``feedback_given``.
    """
    workshop = event_log.lock_workshop(workshop_id)
    participant = lookup.participant(workshop, participant_id)
    existing = db.session.scalar(
        select(FeedbackCard).where(
            FeedbackCard.participant_id == participant.id,
            FeedbackCard.client_id == new.client_id,
        )
    )
    if existing is not None:
        db.session.rollback()
        return existing, False
    require_open(workshop)
    phase = workshop.current_phase
    if phase is None or phase.kind != PhaseKind.PITCH:
        raise WrongPhase(_("Feedback is given during a pitch step."))
    cycle = cycle_of(workshop)
    project = db.session.get(CycleProject, new.project_id)
    if cycle is None or project is None or project.cycle_id != cycle.id:
        raise NotFound(_("This project is not one of the cycle's."))
    if participant.enrolment_id is not None and project.enrolment_id == participant.enrolment_id:
        raise Forbidden(_("This is your project: the others give you their feedback."))
    if new.kind not in {kind["key"] for kind in feedback_kinds(cycle)}:
        raise ValidationError(_("Please choose one of the options."), field="kind", reason="choice")
    card = FeedbackCard(
        workshop_id=workshop.id,
        project_id=project.id,
        participant_id=participant.id,
        client_id=new.client_id,
        kind=new.kind,
        text=new.text,
        signed=bool(cycle.feedback_signed),
        status=VISIBLE,
        selected=False,
    )
    db.session.add(card)
    db.session.flush()
    summary = feedback_summary(workshop.id, project.id)
    data: FeedbackGiven = {
        "feedback": summary,
        "card": card_view(card, {participant.id: participant.display_name}, full=True),
    }
    public: FeedbackGiven = {"feedback": summary}
    event_log.record(workshop, Facts.FEEDBACK_GIVEN, data, public)
    db.session.commit()
    return card, True


def _moderated(
    workshop_id: int, facilitator: Facilitator, card_id: int
) -> tuple[Workshop, FeedbackCard]:
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    require_not_closed(workshop)
    card = db.session.get(FeedbackCard, card_id)
    if card is None or card.workshop_id != workshop.id:
        raise NotFound()
    return workshop, card


def _record_card(workshop: Workshop, card: FeedbackCard) -> None:
    db.session.flush()
    summary = feedback_summary(workshop.id, card.project_id)
    names = _names({card.participant_id} if card.participant_id else set())
    data: FeedbackChanged = {"feedback": summary, "card": card_view(card, names, full=True)}
    public: FeedbackChanged = {"feedback": summary}
    event_log.record(workshop, Facts.FEEDBACK_CHANGED, data, public)


def moderate_feedback(
    workshop_id: int, facilitator: Facilitator, card_id: int, hidden: bool
) -> FeedbackCard:
    """Hide a card (it leaves the counts, the screen and the holder's page) or show it
    again. Facilitators only, until the workshop closes; a hidden card is no longer
    selected. Hiding a card the screen showed redacts the event log (earlier facts
    carried its text). Emits ``feedback_changed`` (nothing if unchanged).
    """
    workshop, card = _moderated(workshop_id, facilitator, card_id)
    if (card.status == HIDDEN) == hidden:
        db.session.rollback()
        return card
    if hidden and card.selected:
        event_log.redact(workshop)
    card.status = HIDDEN if hidden else VISIBLE
    card.selected = False
    _record_card(workshop, card)
    db.session.commit()
    return card


def select_feedback(
    workshop_id: int, facilitator: Facilitator, card_id: int, selected: bool
) -> FeedbackCard:
    """Show a card on the screen (``selected``) or take it off. Facilitators only, until
    the workshop closes; a hidden card must be shown first (:class:`WrongPhase`).
    Emits ``feedback_changed`` (nothing if unchanged).
    """
    workshop, card = _moderated(workshop_id, facilitator, card_id)
    if selected and card.status == HIDDEN:
        raise WrongPhase(_("This card is hidden: show it again first."))
    if card.selected == selected:
        db.session.rollback()
        return card
    card.selected = selected
    _record_card(workshop, card)
    db.session.commit()
    return card


def own_card_view(card: FeedbackCard) -> CardView:
    """The card as its giver's ack returns it."""
    return card_view(card, {}, full=False)
