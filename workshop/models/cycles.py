"""Cohorts: a cycle of sessions for the same few people, each with their own project.

A *cycle* (a programme: « Lance-toi ! », the Idéateur, May'Idées…) groups workshops (its
sessions, ``Workshop.cycle_id``). People enrol once (:class:`Enrolment`: a personal link
that lasts for the cycle, no account); in every session of the cycle they are the same
person (``Participant.enrolment_id``). A holder's :class:`CycleProject` (« mon projet »)
lives across the sessions: its pitch, its note d'intention built session by session
(``intention``), its logbook (:class:`LogbookEntry`), the feedback received
(:class:`FeedbackCard`), the jury's grades (:class:`Juror`, :class:`JuryGrade`,
:class:`JuryReview`) and decision. :class:`GradeVote` is a room's majority-judgment vote.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .accounts import Facilitator
from .base import TimestampMixin, UTCDateTime, new_uid, utcnow

cycle_facilitators = Table(
    "cycle_facilitators",
    Base.metadata,
    Column("cycle_id", ForeignKey("cycles.id", ondelete="CASCADE"), primary_key=True),
    Column("facilitator_id", ForeignKey("facilitators.id", ondelete="CASCADE"), primary_key=True),
)


class CyclePreset(StrEnum):
    """The seed programmes a cycle can start from."""

    LANCE_TOI = "lance_toi"  # four themed workshops in different villages
    IDEATEUR = "ideateur"  # weekly sessions ending in a pitch day
    JURY = "jury"  # a single jury session
    CUSTOM = "custom"


class ProjectDecision(StrEnum):
    """A jury's decision on a cycle's project."""

    KEPT = "kept"
    REWORK = "rework"
    DECLINED = "declined"


class Cycle(TimestampMixin, Base):
    """A programme of sessions for one cohort.

    ``intention_template``: the note d'intention's sections ``[{"key", "label",
    "prompt"}]``; ``feedback_kinds``: the kinds of feedback cards ``[{"key", "label"}]``
    (label "" for the translated default); ``criteria``: the jury's grid ``[{"key",
    "label", "description"}]``; ``questionnaires``: ``{"start": [...], "end": [...]}``
    questions ``{"key", "label", "kind": "scale"|"text"|"choice", "choices"?}``.
    """

    __tablename__ = "cycles"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    title: Mapped[str] = mapped_column(String(140))
    description: Mapped[str] = mapped_column(Text, default="")
    preset: Mapped[str] = mapped_column(String(20), default=CyclePreset.CUSTOM)
    territory: Mapped[str] = mapped_column(String(140), default="")
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitators.id", ondelete="SET NULL"), nullable=True
    )
    intention_template: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    feedback_kinds: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Feedback cards are signed with the giver's name (True) or anonymous (False).
    feedback_signed: Mapped[bool] = mapped_column(Boolean, default=False)
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    questionnaires: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The personal-data rules, stated once for the whole cycle (as a workshop's).
    organiser: Mapped[str] = mapped_column(String(140), default="")
    organiser_contact: Mapped[str] = mapped_column(String(254), default="")
    retention_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    owner: Mapped[Facilitator | None] = relationship()
    facilitators: Mapped[list[Facilitator]] = relationship(secondary=cycle_facilitators)


class Enrolment(TimestampMixin, Base):
    """A person enrolled in a cycle: the same participant in each of its sessions.

    ``token_hash`` is the SHA-256 of their personal link's secret (the link is also
    their recovery link: kept, or sent to themselves, it brings their identity to a new
    phone). ``email`` only if they chose to give one.
    """

    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(40))
    profile: Mapped[str] = mapped_column(String(20), default="project_holder")
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CycleProject(TimestampMixin, Base):
    """A holder's project across the cycle (« mon projet »).

    ``intention``: the note d'intention, ``{section key: text}``; ``show_name``: the
    holder's name shown with the project on the screen; ``share_feedback``: the holder
    agrees that the feedback texts leave in exports (counts always do).
    """

    __tablename__ = "cycle_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrolments.id", ondelete="SET NULL"), nullable=True, index=True
    )
    title: Mapped[str] = mapped_column(String(140))
    pitch: Mapped[str] = mapped_column(Text, default="")
    intention: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    next_steps: Mapped[str] = mapped_column(Text, default="")
    show_name: Mapped[bool] = mapped_column(Boolean, default=True)
    share_feedback: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    decision: Mapped[str | None] = mapped_column(String(12), nullable=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitators.id", ondelete="SET NULL"), nullable=True
    )

    enrolment: Mapped[Enrolment | None] = relationship()


class LogbookEntry(Base):
    """One line of a project's carnet de bord: what was decided, a next step, a note;
    written by the holder or a facilitator, during a session or between them."""

    __tablename__ = "logbook_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("cycle_projects.id", ondelete="CASCADE"), index=True
    )
    # The session it was written in (not a foreign key: a deleted session leaves it).
    workshop_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(12), default="note")
    author: Mapped[str] = mapped_column(String(12), default="holder")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class FeedbackCard(Base):
    """Peer feedback given to a project during its spotlight (a pitch step)."""

    __tablename__ = "feedback_cards"
    __table_args__ = (UniqueConstraint("participant_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[int] = mapped_column(
        ForeignKey("cycle_projects.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), nullable=True
    )
    client_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    signed: Mapped[bool] = mapped_column(Boolean, default=False)
    # "visible" or "hidden" (moderated by a facilitator).
    status: Mapped[str] = mapped_column(String(10), default="visible")
    # Chosen by a facilitator to be shown on the screen.
    selected: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Juror(TimestampMixin, Base):
    """A jury member of a cycle: no account, a personal link (only its SHA-256 kept)."""

    __tablename__ = "jurors"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    role: Mapped[str] = mapped_column(String(80), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class JuryGrade(Base):
    """A juror's grade of a project on one criterion (0 « à rejeter » … 6 « excellent »)."""

    __tablename__ = "jury_grades"
    __table_args__ = (UniqueConstraint("juror_id", "project_id", "criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    juror_id: Mapped[int] = mapped_column(ForeignKey("jurors.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("cycle_projects.id", ondelete="CASCADE"), index=True
    )
    criterion: Mapped[str] = mapped_column(String(40))
    grade: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class JuryReview(Base):
    """A juror's comment on a project."""

    __tablename__ = "jury_reviews"
    __table_args__ = (UniqueConstraint("juror_id", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    juror_id: Mapped[int] = mapped_column(ForeignKey("jurors.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("cycle_projects.id", ondelete="CASCADE"), index=True
    )
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class QuestionnaireAnswer(Base):
    """An enrolled person's answers to the cycle's questionnaire at enrolment ("start")
    or at the end ("end")."""

    __tablename__ = "questionnaire_answers"
    __table_args__ = (UniqueConstraint("enrolment_id", "moment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    moment: Mapped[str] = mapped_column(String(8))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class GradeVote(Base):
    """One participant's grade of one option in a majority-judgment vote step.

    ``item_kind``: "challenge", "idea" or "project" (a cycle's project); the grade is on
    the 7-grade scale of :mod:`workshop.majority`.
    """

    __tablename__ = "grade_votes"
    __table_args__ = (UniqueConstraint("phase_id", "participant_id", "item_kind", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    phase_id: Mapped[int] = mapped_column(ForeignKey("phases.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    item_kind: Mapped[str] = mapped_column(String(10))
    item_id: Mapped[int] = mapped_column(Integer)
    grade: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
