"""The Fabrique's follow-up after the evening: projects and everything around them.

A *project* is one line of a Fabrique's portfolio: usually a défi of an imported session
with its ideas, or a single idea, or several merged across sessions, or an idea posted in
the always-open idea box, or a need relayed by a partner. What members do (stage,
qualification sheet, holders, notes, decisions) is kept on the project and its dated
history, never on the imported rows, so no newer export can undo it.

Around projects: committees (members invited by link, meetings with an agenda, grades on
a grid, decisions), the call for holders (candidates), the people kept informed
(followers, and the outbox of emails to them) and the idea boxes.
"""

from __future__ import annotations

import datetime as dt
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
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .base import TimestampMixin, UTCDateTime, utcnow
from .follow_up import Stage


class ProjectKind(StrEnum):
    """Where a project comes from."""

    CHALLENGE = "challenge"  # a défi of an imported session, with its ideas
    IDEA = "idea"  # one idea of an imported session (no défi, or taken out of it)
    BOX = "box"  # posted by an inhabitant in an idea box
    RELAYED = "relayed"  # a need relayed by a collectivité, an association, a company…
    CYCLE = "cycle"  # a holder's project of a cycle (cohort), imported with its session


class Review(StrEnum):
    """Moderation of what the public posts (idea boxes, applications)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class HolderKind(StrEnum):
    PERSON = "person"
    COLLECTIVE = "collective"
    STRUCTURE = "structure"  # an existing association, company, SCIC…


class Project(TimestampMixin, Base):
    """One line of a Fabrique's portfolio.

    ``sheet`` is the qualification sheet (the workshop's fields); ``version`` counts
    every change made in the portfolio, and a change must name the version it was made
    from. ``follow_source`` is "import" while the stage and sheet still follow the
    sessions' exports, "fabrique" once a member changed either (a newer export no longer
    overrides them). ``absent_since`` is set when the newest export of its session no
    longer holds it; ``merged_into_id`` when a member merged it into another project.
    """

    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_fabrique_stage", "fabrique_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fabrique_id: Mapped[int] = mapped_column(
        ForeignKey("fabriques.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    territory: Mapped[str] = mapped_column(Text, default="")
    campaign: Mapped[str] = mapped_column(String(80), default="")
    # Where it came from: a session (and its défi), an idea box, a relaying partner.
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("portfolio_sessions.id", ondelete="SET NULL"), nullable=True, index=True
    )
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("portfolio_challenges.id", ondelete="SET NULL"),
        nullable=True,
        unique=True,
    )
    box_id: Mapped[int | None] = mapped_column(
        ForeignKey("idea_boxes.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # A relayed need's source: its kind ("collectivite", "association", "company",
    # "other") and name; an idea box's author as they signed (or nothing).
    source_kind: Mapped[str] = mapped_column(String(20), default="")
    source_name: Mapped[str] = mapped_column(Text, default="")
    author_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    # A cycle project's identity across exports: "<cycle uid>/project/<id>".
    reference: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    review: Mapped[str] = mapped_column(String(10), default=Review.ACCEPTED)
    # Follow-up.
    stage: Mapped[str] = mapped_column(String(20), default=Stage.TO_STUDY)
    stage_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    abandon_reason: Mapped[str] = mapped_column(Text, default="")
    sheet: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    follow_source: Mapped[str] = mapped_column(String(10), default="import")
    version: Mapped[int] = mapped_column(Integer, default=1)
    absent_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # Public pages: the call for holders lists it while ``in_call`` (and it looks for a
    # holder); the « carnet de projets » shows it while ``published``, with
    # ``public_summary``.
    in_call: Mapped[bool] = mapped_column(Boolean, default=False)
    call_text: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    public_summary: Mapped[str] = mapped_column(Text, default="")

    holders: Mapped[list[ProjectHolder]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectHolder.id"
    )


class ProjectEvent(Base):
    """One dated change of a project: its history, and what followers are told.

    ``kind``: "created", "imported", "stage_changed", "sheet_saved", "holder_added",
    "holder_removed", "note", "decision", "merged", "absent", "present", "candidate",
    "published"…; ``data`` holds what changed (before/after, the note's text, …).
    ``notified_at`` is set once the followers' emails for it are queued (or when it
    warrants none).
    """

    __tablename__ = "project_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitators.id", ondelete="SET NULL"), nullable=True
    )
    # Who, when not a member: "import", an API token's name, a committee…
    by_label: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ProjectHolder(TimestampMixin, Base):
    """Who carries a project: a person, a collective or an existing structure."""

    __tablename__ = "project_holders"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(12), default=HolderKind.PERSON)
    name: Mapped[str] = mapped_column(Text)
    contact_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(30), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    since: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("candidates.id", ondelete="SET NULL"), nullable=True
    )

    project: Mapped[Project] = relationship(back_populates="holders")


# ---------------------------------------------------------------------- committees


class CommitteeKind(StrEnum):
    STEERING = "steering"  # comité de pilotage
    EXPERT = "expert"  # comité d'experts
    PROJECT = "project"  # one project's own committee


class Decision(StrEnum):
    """What a committee decides for a project on its agenda."""

    PRIORITISED = "prioritised"
    STUDY_FURTHER = "study_further"
    POSTPONED = "postponed"
    DROPPED = "dropped"


class Committee(TimestampMixin, Base):
    """A Fabrique's committee; ``criteria`` is its grid: ``[{"key", "label",
    "description"}]``, graded on the majority-judgment scale."""

    __tablename__ = "committees"

    id: Mapped[int] = mapped_column(primary_key=True)
    fabrique_id: Mapped[int] = mapped_column(
        ForeignKey("fabriques.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(140))
    kind: Mapped[str] = mapped_column(String(12), default=CommitteeKind.STEERING)
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=True, index=True
    )
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    members: Mapped[list[CommitteeMember]] = relationship(
        back_populates="committee", cascade="all, delete-orphan", order_by="CommitteeMember.id"
    )
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="committee", cascade="all, delete-orphan", order_by="Meeting.date"
    )


class CommitteeMember(TimestampMixin, Base):
    """A committee member (an élu, an expert, a partner): no account, a personal link.

    Only the SHA-256 of the link's secret is stored; a revoked member keeps their
    grades and comments, and their link stops working.
    """

    __tablename__ = "committee_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(
        ForeignKey("committees.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    role: Mapped[str] = mapped_column(String(80), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    committee: Mapped[Committee] = relationship(back_populates="members")


class Meeting(TimestampMixin, Base):
    """A committee meeting: a date, a place, an agenda of projects."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(
        ForeignKey("committees.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(140), default="")
    date: Mapped[dt.date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(Text, default="")
    # "planned", "open" (members grade), "closed" (decisions recorded, grades frozen).
    status: Mapped[str] = mapped_column(String(10), default="planned")

    committee: Mapped[Committee] = relationship(back_populates="meetings")
    items: Mapped[list[MeetingItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingItem.position"
    )


class MeetingItem(Base):
    """A project on a meeting's agenda, and the committee's decision on it."""

    __tablename__ = "meeting_items"
    __table_args__ = (UniqueConstraint("meeting_id", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    decision: Mapped[str | None] = mapped_column(String(16), nullable=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitators.id", ondelete="SET NULL"), nullable=True
    )

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    project: Mapped[Project] = relationship()


class Grade(Base):
    """One member's grade of one agenda item on one criterion (0 = « à rejeter » …
    6 = « excellent »), with an optional comment."""

    __tablename__ = "grades"
    __table_args__ = (UniqueConstraint("item_id", "member_id", "criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_items.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("committee_members.id", ondelete="CASCADE"), index=True
    )
    criterion: Mapped[str] = mapped_column(String(40))
    grade: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ItemComment(Base):
    """A comment on an agenda item, by a committee member or a Fabrique member."""

    __tablename__ = "item_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_items.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("committee_members.id", ondelete="CASCADE"), nullable=True
    )
    facilitator_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitators.id", ondelete="SET NULL"), nullable=True
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# ------------------------------------------------- call for holders, people informed


class CandidateStatus(StrEnum):
    RECEIVED = "received"
    MET = "met"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"


class Candidate(TimestampMixin, Base):
    """Someone who offers to carry a project: through the public call page
    (``source`` "call"), a volunteer of the session who consented to be contacted
    ("volunteer", ``source_ref`` names the offer), or entered by a member ("member")."""

    __tablename__ = "candidates"
    __table_args__ = (UniqueConstraint("project_id", "source_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fabrique_id: Mapped[int] = mapped_column(
        ForeignKey("fabriques.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(30), nullable=True)
    structure: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(12), default="call")
    source_ref: Mapped[str | None] = mapped_column(String(160), nullable=True)
    status: Mapped[str] = mapped_column(String(12), default=CandidateStatus.RECEIVED)
    notes: Mapped[str] = mapped_column(Text, default="")
    consented_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Follower(TimestampMixin, Base):
    """Someone kept informed of a project (« Tenez-moi au courant »), with consent.

    Only the SHA-256 of their one-click unsubscribe secret is stored.
    """

    __tablename__ = "followers"
    __table_args__ = (UniqueConstraint("project_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fabrique_id: Mapped[int] = mapped_column(
        ForeignKey("fabriques.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8), default="fr")
    # "session" (a volunteer's « tenez-moi informé·e »), "box", "call", "member".
    source: Mapped[str] = mapped_column(String(12), default="session")
    source_ref: Mapped[str | None] = mapped_column(String(160), nullable=True)
    consented_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unsubscribed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MailStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # given up after the last attempt


class OutboxMail(Base):
    """An email waiting to be sent, or sent: the outbox the mail worker drains.

    ``dedupe_key`` is unique, so the same news is never queued twice for the same
    person; a worker claims a row (``sending``, ``claimed_until``) before it talks to the
    SMTP server, so two workers never send it twice.
    """

    __tablename__ = "outbox_mails"
    __table_args__ = (Index("ix_outbox_mails_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fabrique_id: Mapped[int | None] = mapped_column(
        ForeignKey("fabriques.id", ondelete="CASCADE"), nullable=True, index=True
    )
    follower_id: Mapped[int | None] = mapped_column(
        ForeignKey("followers.id", ondelete="SET NULL"), nullable=True
    )
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # Extra headers (List-Unsubscribe…), as a JSON object.
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


# ----------------------------------------------------------------------- idea boxes


class IdeaBox(TimestampMixin, Base):
    """An always-open idea box (« Bourse à initiatives ») of a Fabrique: a public page
    where inhabitants post an idea or a need at any time, without an account.

    With ``premoderation`` what is posted waits for a member's approval (``Project.review``)
    before it counts in the portfolio.
    """

    __tablename__ = "idea_boxes"
    __table_args__ = (UniqueConstraint("fabrique_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fabrique_id: Mapped[int] = mapped_column(
        ForeignKey("fabriques.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(140))
    intro: Mapped[str] = mapped_column(Text, default="")
    territory: Mapped[str] = mapped_column(Text, default="")
    campaign: Mapped[str] = mapped_column(String(80), default="")
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    premoderation: Mapped[bool] = mapped_column(Boolean, default=True)
    # Who answers for the data posted here (the notice); else the Fabrique's name.
    contact: Mapped[str] = mapped_column(Text, default="")
