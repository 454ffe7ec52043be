"""Facilitator accounts, and the co-facilitators of each workshop."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .base import TimestampMixin

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
