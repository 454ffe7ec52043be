"""Défis (groups of ideas), the snapshot that undoes a suggested grouping, and votes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base
from .base import TimestampMixin, UTCDateTime, utcnow


class Challenge(TimestampMixin, Base):
    """A défi: a group of ideas, often titled « Comment pourrions-nous … ? »."""

    __tablename__ = "challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(140))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Counts edits of the title and description: an edit must name it.
    version: Mapped[int] = mapped_column(Integer, default=1)


class GroupingSnapshot(Base):
    """How ideas were grouped before a suggested grouping was applied, to undo it."""

    __tablename__ = "grouping_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    # {"placements": {idea_id: [challenge_id | None, position]}, "created": [challenge ids]}
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Vote(TimestampMixin, Base):
    """Dots a participant put on one item during one vote phase (``count`` ≥ 1).

    Budgets and caps are enforced by :mod:`workshop.services.votes` in the same
    transaction; the unique constraint and the check are the last guard.
    """

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("phase_id", "participant_id", "idea_id"),
        UniqueConstraint("phase_id", "participant_id", "challenge_id"),
        CheckConstraint("count > 0", name="count_positive"),
        # Exactly one target: an idea or a défi.
        CheckConstraint("(idea_id IS NULL) <> (challenge_id IS NULL)", name="one_target"),
        Index("ix_votes_phase_idea", "phase_id", "idea_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    phase_id: Mapped[int] = mapped_column(ForeignKey("phases.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    # The voted item: an idea, or a défi when the vote is on défis.
    idea_id: Mapped[int | None] = mapped_column(
        ForeignKey("ideas.id", ondelete="CASCADE"), nullable=True
    )
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), nullable=True
    )
    count: Mapped[int] = mapped_column(Integer, default=1)
