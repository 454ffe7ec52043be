"""The défi tables of an evening: tables, who sits where each round, what tables write.

A table works on one défi; participants are seated at one table per round (world café
rounds move them, hosts stay). Contributions belong to the table, not to the round:
they stay when people move. Rules live in :mod:`workshop.services.tables`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
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
from .base import UTCDateTime, utcnow

#: The kinds a new workshop's tables contribute in; ``label`` "" means the translated
#: default label of the key (:data:`workshop.phases.CONTRIBUTION_KIND_LABELS`).
DEFAULT_CONTRIBUTION_KINDS: list[dict[str, str]] = [
    {"key": "needs", "label": ""},
    {"key": "solutions", "label": ""},
    {"key": "actors", "label": ""},
    {"key": "obstacles", "label": ""},
    {"key": "holders", "label": ""},
]


def default_contribution_kinds() -> list[dict[str, str]]:
    """A fresh copy of :data:`DEFAULT_CONTRIBUTION_KINDS` (a column default)."""
    return [dict(kind) for kind in DEFAULT_CONTRIBUTION_KINDS]


class Table(Base):
    """One table of the evening, working on one défi.

    ``seq`` numbers the table's own facts (contributions, votes, synthesis, seating):
    they go to the table's room only, so they cannot share the workshop's ``seq``
    without leaving gaps for every other table's phones.
    """

    __tablename__ = "tables"
    __table_args__ = (
        UniqueConstraint("workshop_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("capacity >= 2 AND capacity <= 50", name="capacity_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    # A défi deleted takes its tables with it.
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True
    )
    capacity: Mapped[int] = mapped_column(Integer, default=12)
    host_participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), nullable=True
    )
    synthesis: Mapped[str] = mapped_column(Text, default="")
    synthesis_done: Mapped[bool] = mapped_column(Boolean, default=False)
    # Counts saves of the synthesis: a save must name the version it was made from.
    synthesis_version: Mapped[int] = mapped_column(Integer, default=1)
    seq: Mapped[int] = mapped_column(Integer, default=0)


class Seat(Base):
    """Where a participant sits during one round (at most one table per round)."""

    __tablename__ = "seats"
    __table_args__ = (
        UniqueConstraint("participant_id", "round"),
        Index("ix_seats_table_round", "table_id", "round"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    table_id: Mapped[int] = mapped_column(ForeignKey("tables.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)


class Contribution(Base):
    """What a table wrote about its défi, in one of the workshop's kinds."""

    __tablename__ = "contributions"
    __table_args__ = (
        # A retried post carries the same client id and is stored once.
        UniqueConstraint("workshop_id", "client_id"),
        Index("ix_contributions_table", "table_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    table_id: Mapped[int] = mapped_column(ForeignKey("tables.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(280))
    # The author (None once erased, or for an imported one).
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # Set when a host typed it for someone without a phone: that person's name.
    on_behalf: Mapped[str] = mapped_column(String(40), default="")
    client_id: Mapped[str] = mapped_column(String(64))
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    kept: Mapped[bool] = mapped_column(Boolean, default=False)
    round: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContributionVote(Base):
    """One participant's vote on one contribution of their table (3 per table per round,
    enforced by the service)."""

    __tablename__ = "contribution_votes"
    __table_args__ = (
        UniqueConstraint("participant_id", "contribution_id"),
        Index("ix_contribution_votes_contribution", "contribution_id"),
        # A table's counts (each snapshot of its phones), and its deletion's cascade.
        Index("ix_contribution_votes_table", "table_id", "contribution_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id", ondelete="CASCADE"))
    table_id: Mapped[int] = mapped_column(ForeignKey("tables.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
