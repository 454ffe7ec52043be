"""Facilitator accounts, the co-facilitators of each workshop, and the invitations that
make new ones."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .base import TimestampMixin, UTCDateTime

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

    from .workshops import Workshop

else:
    from flask_login import UserMixin


workshop_facilitators = Table(
    "workshop_facilitators",
    Base.metadata,
    Column("workshop_id", ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True),
    Column("facilitator_id", ForeignKey("facilitators.id", ondelete="CASCADE"), primary_key=True),
    # A facilitator's workshops (their dashboard), not only a workshop's facilitators.
    Index("ix_workshop_facilitators_facilitator_id", "facilitator_id"),
)


class Facilitator(UserMixin, TimestampMixin, Base):
    __tablename__ = "facilitators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Bumped when the account signs out or changes its password: every session and
    # remember cookie carries the value it was signed in under, and a stale one is refused.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    workshops: Mapped[list[Workshop]] = relationship(
        secondary=workshop_facilitators, back_populates="facilitators"
    )

    def get_id(self) -> str:
        """``"<id>:<generation>"``: what Flask-Login keeps in the session and the remember
        cookie, so that bumping :attr:`session_generation` ends them all."""
        return f"{self.id}:{self.session_generation}"


class Invitation(TimestampMixin, Base):
    """An invitation to become a facilitator: of one workshop's team (``workshop_id``),
    or only to have an account on this server (no workshop).

    Its link carries a random secret of which only the SHA-256 is kept here
    (:mod:`workshop.services.team`). It works once, until ``expires_at``. Once accepted
    or revoked, the row keeps no email (the person's account has its own, or nobody
    accepted): what stays of an accepted one is the team's record of who invited whom
    and when; an expired or revoked one is deleted by the purge.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Lower case, as parse_email gives it; "" once accepted or revoked.
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    workshop_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), nullable=True, index=True
    )
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitators.id", ondelete="SET NULL"), nullable=True, index=True
    )
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The account that accepted; the record goes with the account.
    accepted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitators.id", ondelete="CASCADE"), nullable=True, index=True
    )
    # Whether accepting created that account (else it signed in to an existing one).
    created_account: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    invited_by: Mapped[Facilitator | None] = relationship(foreign_keys=[invited_by_id])
    accepted_by: Mapped[Facilitator | None] = relationship(foreign_keys=[accepted_by_id])
    workshop: Mapped[Workshop | None] = relationship(foreign_keys=[workshop_id])
