"""A Fabrique à initiatives: its members, API tokens, and the portfolio of imported workshops."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .accounts import Facilitator
from .base import TimestampMixin, UTCDateTime, utcnow
from .follow_up import Stage
from .ideas import IdeaStatus

fabrique_members = Table(
    "fabrique_members",
    Base.metadata,
    Column("fabrique_id", ForeignKey("fabriques.id", ondelete="CASCADE"), primary_key=True),
    Column("facilitator_id", ForeignKey("facilitators.id", ondelete="CASCADE"), primary_key=True),
)


class Fabrique(TimestampMixin, Base):
    """A Fabrique à initiatives: it imports workshop exports into one portfolio.

    Its members (facilitator accounts) see and work on the portfolio; its API tokens
    let its own tools read it.
    """

    __tablename__ = "fabriques"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(140))

    # Introductions of its public pages: the call for holders, the « carnet de projets ».
    call_intro: Mapped[str] = mapped_column(Text, default="")
    carnet_intro: Mapped[str] = mapped_column(Text, default="")

    members: Mapped[list[Facilitator]] = relationship(secondary=fabrique_members)


class ApiToken(Base):
    """A bearer token of a Fabrique for ``/api/v1/``; only its SHA-256 is stored.

    ``prefix`` (the first characters of the token) names it in listings and logs.
    A revoked token is kept, with ``revoked_at``, so listings show what was revoked.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    fabrique_id: Mapped[int] = mapped_column(
        ForeignKey("fabriques.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # "read", or "read import" for a token that may also import exports.
    scopes: Mapped[str] = mapped_column(String(40), default="read")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    fabrique: Mapped[Fabrique] = relationship()


class PortfolioSession(TimestampMixin, Base):
    """One workshop as imported into a Fabrique's portfolio (its latest export)."""

    __tablename__ = "portfolio_sessions"
    __table_args__ = (UniqueConstraint("fabrique_id", "workshop_uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fabrique_id: Mapped[int] = mapped_column(
        ForeignKey("fabriques.id", ondelete="CASCADE"), index=True
    )
    workshop_uid: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(12), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    question: Mapped[str] = mapped_column(Text, default="")
    territory: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    format: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[str] = mapped_column(String(12), default="")
    language: Mapped[str] = mapped_column(String(8), default="")
    participants_count: Mapped[int] = mapped_column(Integer, default=0)
    # People by the profile they chose when joining (export 1.2 on), else None.
    participants_by_profile: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)
    # A session of a cycle (export 1.3 on): the cycle, its sessions and projects, as
    # exported (``cycle`` of docs/export.schema.json), else None.
    cycle: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    url: Mapped[str] = mapped_column(Text, default="")
    # Which export is held: its version, when it was made, and its integrity digest.
    schema_version: Mapped[str] = mapped_column(String(10))
    exported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    digest: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitators.id", ondelete="SET NULL"), nullable=True
    )


class PortfolioChallenge(Base):
    """A défi of an imported session, as exported (read-only in the portfolio)."""

    __tablename__ = "portfolio_challenges"
    __table_args__ = (UniqueConstraint("session_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("portfolio_sessions.id", ondelete="CASCADE"), index=True
    )
    # "<workshop uid>/challenge/<id>": the défi's identity across exports.
    reference: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    votes: Mapped[int] = mapped_column(Integer, default=0)
    rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    qualification: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    volunteers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Set when the newest export of its session no longer holds it (never deleted).
    absent_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PortfolioIdea(TimestampMixin, Base):
    """An idea of an imported session, with its lineage and follow-up stage.

    ``stage`` starts from the idea's qualification, else its défi's (``stage_source``
    says which, or "default"); once a member changes it in the portfolio
    (``stage_source`` = "fabrique") a newer export no longer overrides it.
    ``merged_into_id`` links a duplicate a member merged into an idea of another session.
    """

    __tablename__ = "portfolio_ideas"
    __table_args__ = (
        UniqueConstraint("session_id", "reference"),
        Index("ix_portfolio_ideas_fabrique_stage", "fabrique_id", "stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fabrique_id: Mapped[int] = mapped_column(
        ForeignKey("fabriques.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int] = mapped_column(
        ForeignKey("portfolio_sessions.id", ondelete="CASCADE"), index=True
    )
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("portfolio_challenges.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # "<workshop uid>/idea/<id>": the idea's identity across exports.
    reference: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    need: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(12), default=IdeaStatus.VISIBLE)
    author_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    votes: Mapped[int] = mapped_column(Integer, default=0)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The territory the funnel counts it in: its sheet's, its défi's, or its session's.
    territory: Mapped[str] = mapped_column(Text, default="")
    qualification: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    volunteers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    stage: Mapped[str] = mapped_column(String(20), default=Stage.TO_STUDY)
    stage_source: Mapped[str] = mapped_column(String(10), default="default")
    abandon_reason: Mapped[str] = mapped_column(Text, default="")
    # Counts stage changes made in the portfolio: a change must name it.
    version: Mapped[int] = mapped_column(Integer, default=1)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("portfolio_ideas.id", ondelete="SET NULL"), nullable=True
    )
    # The project (portfolio line) it belongs to; set when it no longer is in the newest
    # export of its session (never deleted).
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), nullable=True, index=True
    )
    absent_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MergeStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"


class PortfolioMergeProposal(Base):
    """Two ideas of different sessions that look alike, proposed for merging.

    ``idea_id`` is the later import (the one merged away on acceptance), ``keep_id``
    the earlier one it would be merged into. A decided proposal is kept, so a re-import
    never proposes the same pair again.
    """

    __tablename__ = "portfolio_merge_proposals"
    __table_args__ = (UniqueConstraint("idea_id", "keep_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fabrique_id: Mapped[int] = mapped_column(
        ForeignKey("fabriques.id", ondelete="CASCADE"), index=True
    )
    idea_id: Mapped[int] = mapped_column(
        ForeignKey("portfolio_ideas.id", ondelete="CASCADE"), index=True
    )
    keep_id: Mapped[int] = mapped_column(
        ForeignKey("portfolio_ideas.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10), default=MergeStatus.PROPOSED)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitators.id", ondelete="SET NULL"), nullable=True
    )

    idea: Mapped[PortfolioIdea] = relationship(foreign_keys=[idea_id])
    keep: Mapped[PortfolioIdea] = relationship(foreign_keys=[keep_id])
