"""Participants and their ideas."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .base import TimestampMixin, UTCDateTime


class Profile(StrEnum):
    """The profile categories a participant picks when joining."""

    CITIZEN = "citizen"
    ELECTED = "elected"
    ASSOCIATION = "association"
    BUSINESS = "business"
    PROJECT_HOLDER = "project_holder"
    OTHER = "other"


class IdeaStatus(StrEnum):
    VISIBLE = "visible"
    PENDING = "pending"  # held for the facilitator's approval
    HIDDEN = "hidden"  # hidden by moderation; can be restored
    WITHDRAWN = "withdrawn"  # withdrawn by its author
    MERGED = "merged"  # absorbed by another idea (merged_into_id), kept for traceability


class Participant(TimestampMixin, Base):
    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    display_name: Mapped[str] = mapped_column(String(40))
    profile: Mapped[str] = mapped_column(String(20))
    # SHA-256 of the token kept in the phone's cookie; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Set when the participant's data was erased (by them, a facilitator or the purge):
    # the row stays, empty, so that their anonymous votes still count.
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The cycle enrolment this participant is (the same person in every session of a
    # cycle: models/cycles.py); not a foreign key, so adding it rebuilds no table.
    enrolment_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)


class Idea(TimestampMixin, Base):
    __tablename__ = "ideas"
    __table_args__ = (
        # A retried post carries the same client id and is stored once.
        UniqueConstraint("workshop_id", "client_id"),
        Index("ix_ideas_author_created", "participant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), nullable=True
    )
    client_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(140))
    description: Mapped[str] = mapped_column(Text, default="")
    need: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default=IdeaStatus.VISIBLE)
    # Counts edits of the text (not moves or moderation): an edit must name it.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Where the idea is grouped: a défi (None: not classified yet) and its place there.
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("challenges.id", ondelete="SET NULL"), nullable=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("ideas.id", ondelete="SET NULL"), nullable=True
    )
    # What an imported idea's file said besides its text (source, commune, date, the
    # author's profile…): column name → value, bounded by exports.ideas_import. Shown
    # to facilitators and exported; None for ideas posted from a phone.
    details: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)

    author: Mapped[Participant | None] = relationship()
