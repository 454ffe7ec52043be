"""Facilitator accounts: the first set-up, creation and sign-in."""

from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import AlreadySetUp, BadCredentials, EmailTaken
from ..extensions import db
from ..models import Facilitator
from ..schemas import NewFacilitator


def has_facilitators() -> bool:
    """Whether at least one facilitator account exists (the first visit offers set-up)."""
    return bool(db.session.scalar(select(func.count()).select_from(Facilitator)))


def create_facilitator(new: NewFacilitator, *, first: bool = False) -> Facilitator:
    """Create an account. ``first=True`` (the set-up page) fails once any account exists.

    Raises :class:`EmailTaken`, :class:`AlreadySetUp`.
    """
    if first and has_facilitators():
        raise AlreadySetUp()
    if db.session.scalar(select(Facilitator.id).where(Facilitator.email == new.email)):
        raise EmailTaken()
    facilitator = Facilitator(
        email=new.email, name=new.name, password_hash=generate_password_hash(new.password)
    )
    db.session.add(facilitator)
    db.session.commit()
    return facilitator


def authenticate(email: str, password: str) -> Facilitator:
    """The facilitator with these credentials; raises :class:`BadCredentials`."""
    facilitator = db.session.scalar(select(Facilitator).where(Facilitator.email == email))
    if facilitator is None or not check_password_hash(facilitator.password_hash, password):
        raise BadCredentials()
    return facilitator


def get_facilitator(facilitator_id: int) -> Facilitator | None:
    """The account with this id, if any (the session's user loader)."""
    return db.session.get(Facilitator, facilitator_id)


def get_by_email(email: str) -> Facilitator | None:
    """The account with this email, however it is spaced or capitalised (emails are
    stored as :func:`~workshop.schemas.parse_email` gives them: lower case)."""
    normalized = email.strip().lower()
    return db.session.scalar(select(Facilitator).where(Facilitator.email == normalized))
