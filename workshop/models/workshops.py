"""A workshop, its agenda (phases) and its log of committed changes (events)."""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .accounts import Facilitator, workshop_facilitators
from .base import TimestampMixin, UTCDateTime, new_uid, utcnow
from .tables import DEFAULT_CONTRIBUTION_KINDS, default_contribution_kinds

# The column's server default: what workshops created before the tables contribute in.
DEFAULT_KINDS_JSON = json.dumps(DEFAULT_CONTRIBUTION_KINDS, separators=(",", ":"))


class WorkshopStatus(StrEnum):
    DRAFT = "draft"  # being prepared; nobody can join yet
    OPEN = "open"  # live: joinable while joining_open is true
    CLOSED = "closed"  # over: read-only for everybody


class Workshop(TimestampMixin, Base):
    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    # Secret part of the screen URL: only a projector given the link shows the session.
    screen_key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(140))
    question: Mapped[str] = mapped_column(String(500), default="")
    territory: Mapped[str] = mapped_column(String(140), default="")
    date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    format: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default=WorkshopStatus.DRAFT)
    joining_open: Mapped[bool] = mapped_column(Boolean, default=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    moderation: Mapped[bool] = mapped_column(Boolean, default=False)
    # Participants may place their own ideas in a défi.
    participants_group: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Participants may fill qualification sheets too (facilitators always may).
    participants_qualify: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Stable identity across exports and imports (the join code may be reused one day).
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    current_phase_id: Mapped[int | None] = mapped_column(
        ForeignKey("phases.id", use_alter=True, ondelete="SET NULL"), nullable=True
    )
    # The timer belongs to the workshop: the server owns the deadline.
    timer_duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    timer_ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    timer_remaining_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Sequence number of the last event recorded for this workshop.
    seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Facts up to this seq may show what is no longer visible (an idea withdrawn or
    # hidden, an author erased, authors hidden): they are deleted and never replayed.
    redacted_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Who is responsible for the participants' data (the information notice at join).
    organiser: Mapped[str] = mapped_column(String(140), default="", server_default="")
    organiser_contact: Mapped[str] = mapped_column(String(254), default="", server_default="")
    # Who receives the results and the volunteers' contact details (a Fabrique).
    recipient: Mapped[str] = mapped_column(String(140), default="", server_default="")
    # Days a closed workshop keeps its personal data; None: the RETENTION_DAYS setting.
    retention_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # When a participant erases their data, their ideas stay without author (True) or
    # are deleted with the rest (False).
    erasure_keeps_ideas: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    owner_id: Mapped[int] = mapped_column(ForeignKey("facilitators.id"))
    # Défi tables (issue #13): the kinds tables contribute in ([{"key", "label"}], label
    # "" for the translated default), the current world-café round, and the table in the
    # restitution's spotlight.
    contribution_kinds: Mapped[list[dict[str, str]]] = mapped_column(
        JSON, default=default_contribution_kinds, server_default=DEFAULT_KINDS_JSON
    )
    table_round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Not a foreign key: adding one to ``workshops`` would make SQLite rebuild the table
    # (and cascade-delete everything under it) in the migration. A table that is gone
    # (deleted, or with its défi) simply is no spotlight; the services clear it.
    spotlight_table_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Cohorts (models/cycles.py): the cycle this workshop is a session of, and its theme
    # there (« charte sociale », « modèle économique »…); the project a pitch step has in
    # its spotlight. Plain integers, not foreign keys, for the reason above: the services
    # clear them.
    cycle_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    cycle_theme: Mapped[str] = mapped_column(String(140), default="", server_default="")
    spotlight_project_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    owner: Mapped[Facilitator] = relationship(foreign_keys=[owner_id])
    facilitators: Mapped[list[Facilitator]] = relationship(
        secondary=workshop_facilitators, back_populates="workshops"
    )
    phases: Mapped[list[Phase]] = relationship(
        back_populates="workshop",
        order_by="Phase.position",
        foreign_keys="Phase.workshop_id",
        cascade="all, delete-orphan",
    )
    current_phase: Mapped[Phase | None] = relationship(
        foreign_keys=[current_phase_id], post_update=True
    )


class Phase(Base):
    """One item of a workshop's agenda."""

    __tablename__ = "phases"
    __table_args__ = (Index("ix_phases_workshop_position", "workshop_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(80))
    duration_s: Mapped[int] = mapped_column(Integer, default=0)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Vote phases: when tallies were shown to everybody, and the ranking frozen at the end.
    revealed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    frozen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    frozen_ranking: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)

    workshop: Mapped[Workshop] = relationship(back_populates="phases", foreign_keys=[workshop_id])


class Event(Base):
    """A committed change, kept so reconnecting clients can replay what they missed.

    ``data`` is the facilitators' view of the fact; ``public_data`` what participants
    and screens receive (``None`` when both are the same).
    """

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("workshop_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    public_data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.current_timestamp()
    )
