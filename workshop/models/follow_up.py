"""Follow-up of défis and ideas: qualification sheets and volunteer offers."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .base import TimestampMixin, UTCDateTime
from .ideas import Participant


class Maturity(StrEnum):
    """How far a qualified défi or idea has gone."""

    IDEA = "idea"
    PROJECT = "project"
    TESTED = "tested"


class Stage(StrEnum):
    """Follow-up stage of a qualified défi or idea, in the Fabrique's pipeline."""

    TO_STUDY = "to_study"
    OPPORTUNITY_STUDY = "opportunity_study"
    HOLDER_SEARCH = "holder_search"
    LAUNCHING = "launching"
    LAUNCHED = "launched"
    ABANDONED = "abandoned"


class VolunteerKind(StrEnum):
    HOLD = "hold"  # « je pourrais porter ce projet »
    CONTRIBUTE = "contribute"  # « je veux contribuer »
    FOLLOW = "follow"  # « tenez-moi informé·e »


class Qualification(TimestampMixin, Base):
    """The qualification sheet of one défi or one idea (at most one per target)."""

    __tablename__ = "qualifications"
    __table_args__ = (
        UniqueConstraint("challenge_id"),
        UniqueConstraint("idea_id"),
        CheckConstraint("(idea_id IS NULL) <> (challenge_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), nullable=True
    )
    idea_id: Mapped[int | None] = mapped_column(
        ForeignKey("ideas.id", ondelete="CASCADE"), nullable=True
    )
    # The social need: who has it, where, and what shows it.
    need_who: Mapped[str] = mapped_column(Text, default="")
    need_where: Mapped[str] = mapped_column(Text, default="")
    need_evidence: Mapped[str] = mapped_column(Text, default="")
    target_public: Mapped[str] = mapped_column(Text, default="")
    # A commune or an intercommunalité, as text, and optionally its code: a commune's
    # INSEE code (5 characters) or an intercommunalité's SIREN number (9 digits).
    territory: Mapped[str] = mapped_column(String(140), default="")
    insee_code: Mapped[str | None] = mapped_column(String(9), nullable=True)
    solution: Mapped[str] = mapped_column(Text, default="")
    existing_offer: Mapped[str] = mapped_column(Text, default="")
    partners: Mapped[str] = mapped_column(Text, default="")
    economic_potential: Mapped[str] = mapped_column(Text, default="")
    potential_holders: Mapped[str] = mapped_column(Text, default="")
    next_step: Mapped[str] = mapped_column(Text, default="")
    maturity: Mapped[str | None] = mapped_column(String(12), nullable=True)
    stage: Mapped[str] = mapped_column(String(20), default=Stage.TO_STUDY)
    abandon_reason: Mapped[str] = mapped_column(Text, default="")
    # Counts saves: a save must name the version it was made from.
    version: Mapped[int] = mapped_column(Integer, default=1)


class Volunteer(TimestampMixin, Base):
    """A participant's offer to hold, contribute to or follow a défi or an idea.

    Contact details are kept only while ``consent_contact`` is true.
    """

    __tablename__ = "volunteers"
    __table_args__ = (
        UniqueConstraint("participant_id", "challenge_id", "kind"),
        UniqueConstraint("participant_id", "idea_id", "kind"),
        CheckConstraint("(idea_id IS NULL) <> (challenge_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), nullable=True, index=True
    )
    idea_id: Mapped[int | None] = mapped_column(
        ForeignKey("ideas.id", ondelete="CASCADE"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(12))
    consent_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(30), nullable=True)
    consented_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    participant: Mapped[Participant] = relationship()
