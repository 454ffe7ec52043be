"""Facilitator accounts, and the co-facilitators of each workshop."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table
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

    workshops: Mapped[list[Workshop]] = relationship(
        secondary=workshop_facilitators, back_populates="facilitators"
    )
