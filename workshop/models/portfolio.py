"""SQLAlchemy models: columns, relationships and invariants only.

Behaviour lives in :mod:`workshop.services`; these classes only describe what is
stored. Enumerated columns store the ``StrEnum`` values as plain strings so a new
value needs no schema migration.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from ..extensions import Base

if TYPE_CHECKING:

    class UserMixin:
        """What mypy sees of :class:`flask_login.UserMixin` (Flask-Login ships no types:
        subclassing it as it is would make :class:`Facilitator` an ``Any``)."""

        @property
        def is_active(self) -> bool: ...
        @property
        def is_authenticated(self) -> bool: ...
        @property
        def is_anonymous(self) -> bool: ...
        def get_id(self) -> str: ...

else:
    from flask_login import UserMixin


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A datetime stored naive in UTC and always read back timezone-aware.

    SQLite has no timezone type; normalising here keeps comparisons correct on
    both SQLite and PostgreSQL.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


def new_uid() -> str:
    """A fresh workshop ``uid``: 32 hexadecimal characters."""
    return uuid.uuid4().hex


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class WorkshopStatus(StrEnum):
    DRAFT = "draft"  # being prepared; nobody can join yet
    OPEN = "open"  # live: joinable while joining_open is true
    CLOSED = "closed"  # over: read-only for everybody


class Profile(StrEnum):
    """The profile categories a participant picks when joining."""

    CITIZEN = "citizen"
    ELECTED = "elected"
    ASSOCIATION = "association"
    BUSINESS = "business"
    PROJECT_HOLDER = "project_holder"
    OTHER = "other"


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


class IdeaStatus(StrEnum):
    VISIBLE = "visible"
    PENDING = "pending"  # held for the facilitator's approval
    HIDDEN = "hidden"  # hidden by moderation; can be restored
    WITHDRAWN = "withdrawn"  # withdrawn by its author
    MERGED = "merged"  # absorbed by another idea (merged_into_id), kept for traceability


workshop_facilitators = Table(
    "workshop_facilitators",
    Base.metadata,
    Column("workshop_id", ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True),
    Column("facilitator_id", ForeignKey("facilitators.id", ondelete="CASCADE"), primary_key=True),
)


class Facilitator(UserMixin, TimestampMixin, Base):
    __tablename__ = "facilitators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))

    workshops: Mapped[list[Workshop]] = relationship(
        secondary=workshop_facilitators, back_populates="facilitators"
    )


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
    owner_id: Mapped[int] = mapped_column(ForeignKey("facilitators.id"))

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

    author: Mapped[Participant | None] = relationship()


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
    # A commune or an intercommunalité, as text, and optionally its INSEE code.
    territory: Mapped[str] = mapped_column(String(140), default="")
    insee_code: Mapped[str | None] = mapped_column(String(5), nullable=True)
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


# ------------------------------------------------------------- Fabrique portfolio

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
