"""Fabriques à initiatives: accounts, members and the API tokens of their tools.

A Fabrique is created, and its members added, by a facilitator in the browser (who
becomes its first member) or from the command line by whoever runs the server; its tokens
are managed from the command line. Its members work on its portfolio in the browser
(:mod:`workshop.services.portfolio`) and its tokens read it through ``/api/v1/``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, select, update

from ..errors import Forbidden, NotAuthenticated, NotFound, ValidationError
from ..extensions import db
from ..models import (
    ApiToken,
    Fabrique,
    Facilitator,
    Workshop,
    fabrique_members,
    utcnow,
    workshop_facilitators,
)
from ..schemas.portfolio import NewFabrique, parse_token_name

TOKEN_PREFIX = "semis_"  # noqa: S105 - a public prefix, not a secret
# "read": the portfolio and the members' workshops; "import": post exports; "write": change
# projects, candidates and decisions (recorded in their history as « API : <token name> »).
SCOPES = ("read", "import", "write")
# A token's last use is written at most this often: reads must not all take a write lock.
_TOUCH_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued token: ``secret`` is shown once and never stored."""

    token: ApiToken
    secret: str


def create_fabrique(new: NewFabrique, first_member: Facilitator | None = None) -> Fabrique:
    """Create a Fabrique, with ``first_member`` as its member (none from the command
    line). Raises :class:`ValidationError` if the slug is taken."""
    if db.session.scalar(select(Fabrique.id).where(Fabrique.slug == new.slug)) is not None:
        raise ValidationError(
            _("A Fabrique with this short name already exists."), field="slug", reason="taken"
        )
    fabrique = Fabrique(slug=new.slug, name=new.name)
    if first_member is not None:
        fabrique.members.append(first_member)
    db.session.add(fabrique)
    db.session.commit()
    return fabrique


def lock_fabrique(fabrique_id: int) -> Fabrique:
    """Take the Fabrique's write lock (a row lock on PostgreSQL, the write lock on SQLite)
    and return it freshly loaded: writes to one portfolio run one after the other.

    Raises :class:`NotFound` when it does not exist.
    """
    result = db.session.execute(
        update(Fabrique).where(Fabrique.id == fabrique_id).values(updated_at=Fabrique.updated_at)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]  # an UPDATE's Result is a CursorResult
        raise NotFound()
    fabrique = db.session.get(Fabrique, fabrique_id, populate_existing=True)
    assert fabrique is not None  # noqa: S101 - the update just matched it
    return fabrique


def get_by_slug(slug: str) -> Fabrique:
    """The Fabrique called ``slug``; raises :class:`NotFound`."""
    fabrique = db.session.scalar(select(Fabrique).where(Fabrique.slug == slug))
    if fabrique is None:
        raise NotFound(_("No Fabrique has this name."))
    return fabrique


def all_fabriques() -> list[Fabrique]:
    """Every Fabrique of this server, by name (for the command line)."""
    return list(db.session.scalars(select(Fabrique).order_by(Fabrique.name)))


def fabriques_of(facilitator: Facilitator) -> list[Fabrique]:
    """The Fabriques ``facilitator`` is a member of, by name."""
    return list(
        db.session.scalars(
            select(Fabrique)
            .join(fabrique_members, fabrique_members.c.fabrique_id == Fabrique.id)
            .where(fabrique_members.c.facilitator_id == facilitator.id)
            .order_by(Fabrique.name)
        )
    )


def is_member(fabrique: Fabrique, facilitator: Facilitator | None) -> bool:
    """Whether ``facilitator`` (``None``: nobody signed in) is a member of ``fabrique``."""
    if facilitator is None:
        return False
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    fabrique_members.c.fabrique_id == fabrique.id,
                    fabrique_members.c.facilitator_id == facilitator.id,
                )
            )
        )
    )


def require_member(fabrique: Fabrique, facilitator: Facilitator | None) -> None:
    """Raise :class:`Forbidden` unless ``facilitator`` is a member of ``fabrique``."""
    if not is_member(fabrique, facilitator):
        raise Forbidden(_("Only the members of this Fabrique can see its portfolio."))


def add_member(fabrique: Fabrique, facilitator: Facilitator) -> bool:
    """Make ``facilitator`` a member; ``False`` when they already were."""
    if is_member(fabrique, facilitator):
        return False
    fabrique.members.append(facilitator)
    db.session.commit()
    return True


def remove_member(fabrique: Fabrique, facilitator: Facilitator) -> bool:
    """Remove ``facilitator`` from the members; ``False`` when they were not one."""
    if not is_member(fabrique, facilitator):
        return False
    fabrique.members.remove(facilitator)
    db.session.commit()
    return True


def members_of(fabrique: Fabrique) -> list[Facilitator]:
    """``fabrique``'s members, by name then email."""
    return list(
        db.session.scalars(
            select(Facilitator)
            .join(fabrique_members, fabrique_members.c.facilitator_id == Facilitator.id)
            .where(fabrique_members.c.fabrique_id == fabrique.id)
            .order_by(Facilitator.name, Facilitator.email)
        )
    )


def add_member_by_email(fabrique: Fabrique, email: str) -> tuple[Facilitator, bool]:
    """Make the facilitator whose account has ``email`` a member: ``(them, added)``,
    ``added`` false when they already were. Raises :class:`NotFound` (on ``email``) when
    no account has it: accounts are not created here."""
    facilitator = db.session.scalar(
        select(Facilitator).where(Facilitator.email == email.strip().lower())
    )
    if facilitator is None:
        raise NotFound(
            _(
                "No facilitator account uses this email. The person must have an account "
                "on this server first."
            ),
            field="email",
            reason="unknown",
        )
    fabrique = lock_fabrique(fabrique.id)
    return facilitator, add_member(fabrique, facilitator)


def remove_member_by_id(fabrique: Fabrique, facilitator_id: int) -> Facilitator:
    """Remove the member ``facilitator_id``; raises :class:`NotFound` when they are not
    one, :class:`ValidationError` (``last_member``) for the only member left: a Fabrique
    with no member could no longer be reached by anyone."""
    fabrique = lock_fabrique(fabrique.id)
    facilitator = db.session.get(Facilitator, facilitator_id)
    if facilitator is None or not is_member(fabrique, facilitator):
        db.session.rollback()
        raise NotFound(_("This person is not a member of this Fabrique."))
    if len(fabrique.members) <= 1:
        db.session.rollback()
        raise ValidationError(
            _("A Fabrique keeps at least one member: add someone else before removing them."),
            reason="last_member",
        )
    remove_member(fabrique, facilitator)
    return facilitator


# ------------------------------------------------------------------------ API tokens


def hash_token(secret: str) -> str:
    """What is stored of a token: its SHA-256 (a random 32-byte secret needs no salt)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_token(fabrique: Fabrique, name: str, scopes: tuple[str, ...] = ("read",)) -> IssuedToken:
    """Issue a bearer token for ``fabrique``'s tools; the secret is returned once.

    ``scopes``: "read" always, plus "import" for a token that may post exports and
    "write" for one that may change projects, candidates and decisions.
    """
    label = parse_token_name(name)
    unknown = set(scopes) - set(SCOPES)
    if unknown:
        raise ValidationError(_("Please choose one of the options."), field="scopes")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        fabrique_id=fabrique.id,
        name=label,
        prefix=secret[: len(TOKEN_PREFIX) + 8],
        token_hash=hash_token(secret),
        scopes=" ".join(s for s in SCOPES if s in {"read", *scopes}),
    )
    db.session.add(token)
    db.session.commit()
    return IssuedToken(token, secret)


def tokens_of(fabrique: Fabrique) -> list[ApiToken]:
    """``fabrique``'s tokens, revoked ones included, oldest first."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.fabrique_id == fabrique.id).order_by(ApiToken.id)
        )
    )


def revoke_token(fabrique: Fabrique, token_id_or_prefix: str) -> ApiToken:
    """Revoke one of ``fabrique``'s tokens, named by id or prefix; raises :class:`NotFound`.

    Revoking twice is harmless: the first revocation time is kept.
    """
    query = select(ApiToken).where(ApiToken.fabrique_id == fabrique.id)
    if token_id_or_prefix.isdigit():
        query = query.where(ApiToken.id == int(token_id_or_prefix))
    else:
        query = query.where(ApiToken.prefix == token_id_or_prefix)
    token = db.session.scalar(query)
    if token is None:
        raise NotFound(_("This Fabrique has no such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token


def authenticate_token(secret: str | None) -> ApiToken:
    """The live token whose secret is ``secret``; raises :class:`NotAuthenticated`."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise NotAuthenticated(_("A valid API token is required (Authorization: Bearer …)."))
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None:
        raise NotAuthenticated(_("This API token is not valid or was revoked."))
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
    return token


def require_scope(token: ApiToken, scope: str) -> None:
    """Raise :class:`Forbidden` unless ``token`` was issued with ``scope``."""
    if scope not in token.scopes.split():
        raise Forbidden(
            _("This API token may not do this (it lacks the %(scope)s scope).", scope=scope)
        )


# -------------------------------------------------------- workshops a Fabrique reads


def readable_workshops_query(fabrique: Fabrique) -> Any:
    """Workshops one of whose facilitators is a member of ``fabrique``, newest first.

    Being a member of a Fabrique means handing it one's sessions: its tools may read
    their exports.
    """
    members = select(fabrique_members.c.facilitator_id).where(
        fabrique_members.c.fabrique_id == fabrique.id
    )
    co_run = select(workshop_facilitators.c.workshop_id).where(
        workshop_facilitators.c.facilitator_id.in_(members)
    )
    return (
        select(Workshop)
        .where(Workshop.id.in_(co_run))
        .order_by(Workshop.created_at.desc(), Workshop.id.desc())
    )


def readable_workshop(fabrique: Fabrique, uid: str) -> Workshop:
    """The workshop ``uid`` if ``fabrique`` may read it; else :class:`NotFound`."""
    query = readable_workshops_query(fabrique).where(Workshop.uid == uid)
    workshop: Workshop | None = db.session.scalar(query)
    if workshop is None:
        raise NotFound()
    return workshop
