"""People kept informed of a project: who follows what, and the emails queued when it changes.

A *follower* ticked « Tenez-moi au courant » somewhere (a session's volunteer offer, the
call for holders, an idea box) and gave an address with their consent. They get an email
when the project they follow changes stage, gets a holder or is dropped, and leave with
one click.

**Subscribing is idempotent** per (project, address): asking again updates the name or
language and keeps the same row. **Someone who unsubscribed stays unsubscribed** unless
they ask again themselves: a new « keep me informed » ticked on a public form (source
"call" or "box") subscribes them again, with a fresh consent date and a new link; a
re-read of a session's export (source "session", the same old consent) or a member's entry
(source "member", someone else's act) does not, and :func:`subscribe` returns ``None``.

**The unsubscribe link's secret** is never stored: only its SHA-256 (``token_hash``). It
is derived (HMAC-SHA256 under the app's ``SECRET_KEY``) from the project, the address
and the consent date, so every email about the project can carry it again without the
database holding it; a re-subscription gives a new link. Should ``SECRET_KEY`` change,
the next email carries a new link and the older ones stop working.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Follower, utcnow
from ..schemas.fields import parse_email
from .fabriques import hash_token, lock_fabrique
from .portfolio.projects import project_in

#: Where a follower comes from.
SOURCES = ("session", "call", "box", "member")
#: Sources that are the person's own, new request: they subscribe again someone who left.
EXPLICIT_SOURCES = frozenset({"call", "box"})
LANGUAGES = ("fr", "en")


def unsubscribe_token(follower: Follower) -> str:
    """The secret of ``follower``'s one-click unsubscribe link (never stored)."""
    return _derive_token(follower.project_id, follower.email, follower.consented_at)


def _derive_token(project_id: int, email: str, consented_at: dt.datetime) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    moment = int(consented_at.timestamp())
    message = f"semis-unsubscribe\0{project_id}\0{email}\0{moment}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _language(value: str) -> str:
    value = (value or "").strip().lower()[:2]
    return value if value in LANGUAGES else "fr"


def subscribe(
    fabrique_id: int,
    project_id: int,
    email: str,
    *,
    name: str | None = None,
    source: str = "call",
    source_ref: str | None = None,
    language: str = "fr",
) -> Follower | None:
    """Keep ``email`` informed of the project ``project_id`` of ``fabrique_id`` (not
    committed: the caller commits with its own change).

    Idempotent per (project, address). Returns the follower, or ``None`` when the address
    had unsubscribed and ``source`` is not the person's own new request (see the module's
    docstring). Raises :class:`NotFound` for a project of another Fabrique and
    :class:`ValidationError` for an address that is not one. The caller has the person's
    consent (a ticked box); its date is kept.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown follower source {source!r}")
    address = parse_email(email)
    clean_name = (name or "").strip()[:80] or None
    lock_fabrique(fabrique_id)
    project = project_in(fabrique_id, project_id)
    follower = db.session.scalar(
        select(Follower).where(Follower.project_id == project.id, Follower.email == address)
    )
    now = utcnow()
    if follower is None:
        follower = Follower(
            fabrique_id=fabrique_id,
            project_id=project.id,
            email=address,
            name=clean_name,
            language=_language(language),
            source=source,
            source_ref=source_ref,
            consented_at=now,
            token_hash=hash_token(_derive_token(project.id, address, now)),
        )
        db.session.add(follower)
        db.session.flush()
        return follower
    if follower.unsubscribed_at is not None:
        if source not in EXPLICIT_SOURCES:
            return None
        follower.unsubscribed_at = None
        follower.consented_at = now
        follower.token_hash = hash_token(_derive_token(project.id, address, now))
        follower.source = source
        follower.source_ref = source_ref
    if clean_name:
        follower.name = clean_name
    if source in EXPLICIT_SOURCES:
        follower.language = _language(language)
    return follower


def follower_by_token(token: Any) -> Follower | None:
    """The follower whose unsubscribe link carries ``token``, or ``None``."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    return db.session.scalar(select(Follower).where(Follower.token_hash == hash_token(token)))


__all__ = [
    "EXPLICIT_SOURCES",
    "SOURCES",
    "follower_by_token",
    "subscribe",
    "unsubscribe_token",
]
