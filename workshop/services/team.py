"""A workshop's organising team, and the invitations that bring new facilitators in.

A facilitator invites someone by email, to a workshop's team or only to have an account
on this server. Semis sends no email: the invitation is a link the facilitator copies
and sends themself. The link carries a random secret (:data:`TOKEN_BYTES` bytes) of
which only the SHA-256 is stored, so a copy of the database opens no team; it works
once, for ``INVITATION_DAYS`` days, and a new invitation to the same address replaces
the pending one (its link stops working).

Whoever opens the link joins as the account of the invited address: a new one (name and
password, the usual rules) when none exists, else the existing one once signed in with
its password. Accepting, revoking and expiring all erase the address from the
invitation; what stays of an accepted one is the team's record of who invited whom and
when, deleted with the membership. The purge (:func:`purge_invitations`) deletes the
expired and revoked ones.

Every member of a team may invite, revoke and remove, except the workshop's owner, who
always stays on it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import EmailTaken, Forbidden, NotFound, ValidationError
from ..extensions import db
from ..models import Facilitator, Invitation, Workshop, utcnow
from . import accounts, event_log
from .guards import require_facilitator

#: Bytes of randomness in an invitation link's secret.
TOKEN_BYTES = 32
#: The longest secret a link may carry (43 characters are made; anything longer is not one).
TOKEN_MAX = 64
#: Days an invitation link works, unless ``INVITATION_DAYS`` says otherwise.
DEFAULT_INVITATION_DAYS = 7
#: Pending invitations one workshop (or one facilitator, for accounts) may have at once.
MAX_PENDING = 50


class State(StrEnum):
    """What an invitation link leads to."""

    PENDING = "pending"
    EXPIRED = "expired"
    ACCEPTED = "accepted"
    REVOKED = "revoked"


@dataclass(frozen=True)
class IssuedInvitation:
    """A new invitation: ``secret`` goes in its link, is shown once and never stored."""

    invitation: Invitation
    secret: str


@dataclass(frozen=True)
class Member:
    """One facilitator of a team, with how they came in when an invitation says so."""

    facilitator: Facilitator
    owner: bool
    invited_by: Facilitator | None = None
    joined_at: dt.datetime | None = None
    created_account: bool = False


def hash_token(secret: str) -> str:
    """What is stored of a link's secret: its SHA-256 (32 random bytes need no salt)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def invitation_days() -> int:
    return int(current_app.config.get("INVITATION_DAYS", DEFAULT_INVITATION_DAYS))


def state_of(invitation: Invitation, now: dt.datetime | None = None) -> State:
    if invitation.accepted_at is not None:
        return State.ACCEPTED
    if invitation.revoked_at is not None:
        return State.REVOKED
    if (now or utcnow()) >= invitation.expires_at:
        return State.EXPIRED
    return State.PENDING


# ------------------------------------------------------------------------- inviting


def invite_to_team(workshop_id: int, by: Facilitator, email: str) -> IssuedInvitation:
    """Invite ``email`` (parsed: :func:`~workshop.schemas.parse_email`) to the team of
    the workshop, by one of its facilitators; allowed whatever the workshop's status.

    Raises :class:`NotFound`, :class:`Forbidden`, and :class:`ValidationError` on
    ``email`` when the address is already on the team (``already_member``) or the
    workshop has :data:`MAX_PENDING` pending invitations (``too_many``).
    """
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, by)
    if any(member.email == email for member in workshop.facilitators):
        db.session.rollback()
        raise ValidationError(
            _("%(email)s is already on the team.", email=email),
            field="email",
            reason="already_member",
        )
    _drop_pending(Invitation.workshop_id == workshop.id, email)
    if _pending_count(Invitation.workshop_id == workshop.id) >= MAX_PENDING:
        db.session.rollback()
        raise _too_many()
    return _issue(email, by, workshop)


def invite_account(by: Facilitator, email: str) -> IssuedInvitation:
    """Invite ``email`` to create a facilitator account on this server (no workshop).

    Raises :class:`ValidationError` on ``email`` when an account already uses it
    (``has_account``: invite them to a workshop's team instead) or ``by`` has
    :data:`MAX_PENDING` pending account invitations (``too_many``).
    """
    if accounts.get_by_email(email) is not None:
        raise ValidationError(
            _(
                "This person already has an account on this server. To work together, "
                "invite them from the « Organising team » page of a workshop."
            ),
            field="email",
            reason="has_account",
        )
    _drop_pending(Invitation.workshop_id.is_(None), email)
    mine = (Invitation.workshop_id.is_(None)) & (Invitation.invited_by_id == by.id)
    if _pending_count(mine) >= MAX_PENDING:
        db.session.rollback()
        raise _too_many()
    return _issue(email, by, None)


def _too_many() -> ValidationError:
    return ValidationError(
        _(
            "There are already %(max)d pending invitations: withdraw some before "
            "inviting more people.",
            max=MAX_PENDING,
        ),
        field="email",
        reason="too_many",
    )


def _pending(where: ColumnElement[bool]) -> ColumnElement[bool]:
    """``where``, for invitations nobody accepted or withdrew (expired ones included)."""
    return where & Invitation.accepted_at.is_(None) & Invitation.revoked_at.is_(None)


def _pending_count(where: ColumnElement[bool]) -> int:
    query = (
        select(func.count())
        .select_from(Invitation)
        .where(_pending(where), Invitation.expires_at > utcnow())
    )
    return int(db.session.scalar(query) or 0)


def _drop_pending(where: ColumnElement[bool], email: str) -> None:
    """Delete the not yet accepted invitations of ``email`` under ``where``: a new
    invitation replaces them, and their links stop working."""
    db.session.execute(
        delete(Invitation).where(
            _pending(where),
            Invitation.email == email,
        )
    )


def _issue(email: str, by: Facilitator, workshop: Workshop | None) -> IssuedInvitation:
    secret = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    invitation = Invitation(
        token_hash=hash_token(secret),
        email=email,
        workshop_id=None if workshop is None else workshop.id,
        invited_by_id=by.id,
        created_at=now,
        expires_at=now + dt.timedelta(days=invitation_days()),
    )
    db.session.add(invitation)
    db.session.commit()
    return IssuedInvitation(invitation, secret)


# ------------------------------------------------------------------------ accepting


def find(secret: object) -> Invitation:
    """The invitation whose link carries ``secret``, in whatever state; raises
    :class:`NotFound` (``unknown``) when there is none."""
    if not isinstance(secret, str) or not 0 < len(secret) <= TOKEN_MAX:
        raise _unknown()
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(secret))
    )
    if invitation is None:
        raise _unknown()
    return invitation


def _unknown() -> NotFound:
    return NotFound(
        _(
            "This invitation link is not valid. Check that it was copied whole, or ask "
            "for a new invitation."
        ),
        reason="unknown",
    )


def require_usable(invitation: Invitation) -> None:
    """Raise :class:`NotFound`, saying why, unless ``invitation`` can still be accepted."""
    state = state_of(invitation)
    if state is State.PENDING:
        return
    messages = {
        State.EXPIRED: _(
            "This invitation has expired. Ask the person who invited you for a new one."
        ),
        State.ACCEPTED: _(
            "This invitation was already used: a link works only once. Sign in with "
            "your account, or ask for a new invitation."
        ),
        State.REVOKED: _(
            "This invitation was withdrawn. Ask the person who invited you for a new one."
        ),
    }
    raise NotFound(messages[state], reason=str(state))


def usable(secret: object) -> Invitation:
    """The invitation of ``secret`` if it can still be accepted; else :class:`NotFound`."""
    invitation = find(secret)
    require_usable(invitation)
    return invitation


def invited_email(secret: object) -> str:
    """The address a pending link invites, or ``""`` (to count wrong passwords per
    account when a link signs in, as the sign-in page does)."""
    try:
        return usable(secret).email
    except NotFound:
        return ""


def accept_with_new_account(secret: object, name: str, password: str) -> Facilitator:
    """Create the account of the invited address (``name`` and ``password`` parsed) and
    join the workshop's team, if the invitation names one; in one transaction.

    Raises :class:`NotFound` (unknown, expired, used or withdrawn link) and
    :class:`EmailTaken` when an account has the address by now (it signs in instead).
    """
    invitation = _lock_usable(secret)
    if accounts.get_by_email(invitation.email) is not None:
        db.session.rollback()
        raise EmailTaken()
    facilitator = Facilitator(
        email=invitation.email,
        name=name or invitation.email.split("@")[0],
        password_hash=accounts.hash_password(password),
    )
    db.session.add(facilitator)
    try:
        db.session.flush()
    except IntegrityError:  # created by someone else at this very moment
        db.session.rollback()
        raise EmailTaken() from None
    _join(invitation, facilitator, created=True)
    db.session.commit()
    return facilitator


def accept_as(secret: object, facilitator: Facilitator) -> Invitation:
    """Join the invitation's team (if any) as ``facilitator``, whom the caller has
    signed in (by password, or their session). Joining a team one is already on just
    uses the invitation.

    Raises :class:`NotFound` (unknown, expired, used or withdrawn link) and
    :class:`Forbidden` when ``facilitator`` is not the invited address's account.
    """
    invitation = _lock_usable(secret)
    if facilitator.email != invitation.email:
        db.session.rollback()
        raise Forbidden(
            _("This invitation is for another email address: %(email)s.", email=invitation.email)
        )
    _join(invitation, facilitator, created=False)
    db.session.commit()
    return invitation


def _lock_usable(secret: object) -> Invitation:
    """Lock the workshop of the invitation (if any), then the invitation, and return it
    freshly loaded if it can still be accepted. Locks are always taken workshop first,
    as :func:`invite_to_team` does."""
    invitation = find(secret)
    if invitation.workshop_id is not None:
        event_log.lock_workshop(invitation.workshop_id)
    matched = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id)
        .values(updated_at=Invitation.updated_at)
    )
    if matched.rowcount == 0:  # type: ignore[attr-defined]  # an UPDATE's Result is a CursorResult
        db.session.rollback()
        raise _unknown()
    db.session.refresh(invitation)
    try:
        require_usable(invitation)
    except NotFound:
        db.session.rollback()
        raise
    return invitation


def _join(invitation: Invitation, facilitator: Facilitator, *, created: bool) -> None:
    workshop = invitation.workshop
    if workshop is not None and facilitator not in workshop.facilitators:
        workshop.facilitators.append(facilitator)
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = facilitator.id
    invitation.created_account = created
    invitation.email = ""
    if created:
        # Accepting an account invitation (or joining a team with a new account) makes
        # the other pending invitations to this address pointless for the account ones.
        db.session.execute(
            delete(Invitation).where(
                _pending(Invitation.workshop_id.is_(None)),
                Invitation.email == facilitator.email,
                Invitation.id != invitation.id,
            )
        )


# --------------------------------------------------------------------- the team page


def team_of(workshop: Workshop) -> list[Member]:
    """The workshop's facilitators, the owner first then by name, with who invited each
    (when an invitation brought them in)."""
    records = {
        record.accepted_by_id: record
        for record in db.session.scalars(
            select(Invitation)
            .where(Invitation.workshop_id == workshop.id, Invitation.accepted_at.is_not(None))
            .order_by(Invitation.accepted_at)
        )
    }
    members = []
    for facilitator in workshop.facilitators:
        record = records.get(facilitator.id)
        owner = facilitator.id == workshop.owner_id
        joined_at = workshop.created_at if owner else None
        members.append(
            Member(
                facilitator=facilitator,
                owner=owner,
                invited_by=None if record is None else record.invited_by,
                joined_at=joined_at if record is None else record.accepted_at,
                created_account=record is not None and record.created_account,
            )
        )
    return sorted(
        members, key=lambda m: (not m.owner, m.facilitator.name.lower(), m.facilitator.email)
    )


def pending_of(workshop: Workshop) -> list[Invitation]:
    """The workshop's invitations nobody accepted or withdrew, expired ones included
    (until the purge), newest first."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(_pending(Invitation.workshop_id == workshop.id))
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def account_invitations_by(facilitator: Facilitator) -> list[Invitation]:
    """The account invitations ``facilitator`` made that were not withdrawn: pending or
    expired ones, and accepted ones (the accounts they brought in), newest first."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.workshop_id.is_(None),
                Invitation.invited_by_id == facilitator.id,
                Invitation.revoked_at.is_(None),
            )
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def revoke(workshop_id: int | None, by: Facilitator, invitation_id: int) -> Invitation:
    """Withdraw a pending invitation: of the workshop's team (by one of its
    facilitators), or with ``workshop_id`` ``None`` an account invitation ``by`` made.
    Its link stops working at once and its address is erased.

    Raises :class:`NotFound` (no such pending invitation there) and :class:`Forbidden`.
    """
    if workshop_id is not None:
        workshop = event_log.lock_workshop(workshop_id)
        require_facilitator(workshop, by)
        where = Invitation.workshop_id == workshop.id
    else:
        where = Invitation.workshop_id.is_(None) & (Invitation.invited_by_id == by.id)
    invitation = db.session.scalar(
        select(Invitation).where(
            Invitation.id == invitation_id,
            _pending(where),
        )
    )
    if invitation is None:
        db.session.rollback()
        raise NotFound(_("This invitation does not exist or was already used or withdrawn."))
    invitation.revoked_at = utcnow()
    invitation.email = ""
    db.session.commit()
    return invitation


def remove_member(workshop_id: int, by: Facilitator, member_id: int) -> Facilitator:
    """Take ``member_id`` off the workshop's team (``by`` may remove themself: they
    leave). The owner always stays; the record of how the member was invited goes.

    Raises :class:`NotFound`, :class:`Forbidden`, and :class:`ValidationError`
    for the owner (``owner``) or the last facilitator (``last_member``). The caller
    disconnects the member's consoles.
    """
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, by)
    member = next((f for f in workshop.facilitators if f.id == member_id), None)
    if member is None:
        db.session.rollback()
        raise NotFound(_("This person is not on the team."))
    if member.id == workshop.owner_id:
        db.session.rollback()
        raise ValidationError(
            _("The workshop's owner stays on its team: they cannot be removed."),
            reason="owner",
        )
    if len(workshop.facilitators) <= 1:
        db.session.rollback()
        raise ValidationError(
            _("A workshop keeps at least one facilitator: invite someone else first."),
            reason="last_member",
        )
    workshop.facilitators.remove(member)
    db.session.execute(
        delete(Invitation).where(
            Invitation.workshop_id == workshop.id, Invitation.accepted_by_id == member.id
        )
    )
    db.session.commit()
    return member


# -------------------------------------------------------------------------- the purge


def purge_invitations(*, now: dt.datetime | None = None, dry_run: bool = False) -> int:
    """Delete the invitations nobody accepted whose link has expired (their address
    with them), and the withdrawn ones; returns how many (would) go. The caller commits
    (or rolls back, for ``dry_run``)."""
    now = now or utcnow()
    gone = Invitation.accepted_at.is_(None) & (
        (Invitation.expires_at <= now) | Invitation.revoked_at.is_not(None)
    )
    count = int(db.session.scalar(select(func.count()).select_from(Invitation).where(gone)) or 0)
    if count and not dry_run:
        db.session.execute(delete(Invitation).where(gone))
    return count
