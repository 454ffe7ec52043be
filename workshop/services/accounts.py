"""Facilitator accounts: the first set-up, creation, sign-in, sessions and passwords."""

from __future__ import annotations

import functools
import hashlib
import hmac

from flask import current_app
from sqlalchemy import func, select, update
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
        email=new.email, name=new.name, password_hash=hash_password(new.password)
    )
    db.session.add(facilitator)
    db.session.commit()
    return facilitator


def hash_password(password: str) -> str:
    """What an account keeps of its password (the one way every account hashes it,
    whether made here or by an accepted invitation)."""
    return generate_password_hash(password)


@functools.cache
def _dummy_hash() -> str:
    """A hash of nothing anyone knows, made like real ones: checked when the account is
    missing, so that answer takes as long as a wrong password."""
    return generate_password_hash("semis-no-such-account")


def authenticate(email: str, password: str) -> Facilitator:
    """The facilitator with these credentials; raises :class:`BadCredentials`.

    A missing account costs one password check too: the answer's timing does not tell
    whether an address has an account."""
    facilitator = db.session.scalar(select(Facilitator).where(Facilitator.email == email))
    if facilitator is None:
        check_password_hash(_dummy_hash(), password)
        raise BadCredentials()
    if not check_password_hash(facilitator.password_hash, password):
        raise BadCredentials()
    return facilitator


def get_facilitator(facilitator_id: int) -> Facilitator | None:
    """The account with this id, if any."""
    return db.session.get(Facilitator, facilitator_id)


def session_facilitator(session_id: str) -> Facilitator | None:
    """The account a session or remember cookie names (``"<id>:<generation>"``, perhaps
    followed by ``":<nonce>"``), unless that account has ended its sessions since."""
    parts = session_id.split(":")
    if len(parts) < 2 or not (parts[0].isdigit() and parts[1].isdigit()):
        return None
    facilitator = get_facilitator(int(parts[0]))
    if facilitator is None or facilitator.session_generation != int(parts[1]):
        return None
    return facilitator


def end_sessions(facilitator: Facilitator) -> None:
    """End every session and remember cookie of the account (sign-out): a copy of one
    made before no longer signs anyone in."""
    db.session.execute(
        update(Facilitator)
        .where(Facilitator.id == facilitator.id)
        .values(session_generation=Facilitator.session_generation + 1)
    )
    db.session.commit()
    db.session.refresh(facilitator)


def change_password(facilitator: Facilitator, current: str, new: str) -> None:
    """Replace the password (``new`` already parsed) and end every session of the
    account; the caller signs its own session in again. Raises :class:`BadCredentials`
    when ``current`` is wrong."""
    if not check_password_hash(facilitator.password_hash, current):
        raise BadCredentials(field="current_password")
    facilitator.password_hash = generate_password_hash(new)
    db.session.commit()
    end_sessions(facilitator)


def setup_token() -> str:
    """The one-time token the first set-up asks for (``run.py`` prints the link).

    Derived from the secret key, so every server process agrees on it without storing
    it; it is of no use once an account exists (the set-up is closed then)."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"semis-first-setup", hashlib.sha256).hexdigest()[:32]


def setup_token_matches(token: object) -> bool:
    return isinstance(token, str) and hmac.compare_digest(token, setup_token())


def get_by_email(email: str) -> Facilitator | None:
    """The account with this email, however it is spaced or capitalised (emails are
    stored as :func:`~workshop.schemas.parse_email` gives them: lower case)."""
    normalized = email.strip().lower()
    return db.session.scalar(select(Facilitator).where(Facilitator.email == normalized))
