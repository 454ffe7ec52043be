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
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import NotFound, ValidationError
from ..exports.links import external_url, public_base_url
from ..extensions import db
from ..models import (
    Fabrique,
    Follower,
    HolderKind,
    MailStatus,
    OutboxMail,
    PortfolioChallenge,
    PortfolioIdea,
    PortfolioSession,
    Project,
    ProjectEvent,
    Stage,
    utcnow,
)
from ..schemas.fields import parse_email
from ..stages import STAGE_LABELS, STAGES
from . import mail
from .fabriques import hash_token, lock_fabrique
from .portfolio.projects import project_in

#: Where a follower comes from.
SOURCES = ("session", "call", "box", "member")
#: Sources that are the person's own, new request: they subscribe again someone who left.
EXPLICIT_SOURCES = frozenset({"call", "box"})
LANGUAGES = ("fr", "en")
#: Why someone receives these emails, as the email reminds them.
SOURCE_LABELS = {
    "session": _l("you asked for it during a workshop"),
    "call": _l("you asked for it on the call for holders"),
    "box": _l("you asked for it when posting in the idea box"),
    "member": _l("you asked a member of the Fabrique"),
}
#: The secret of an unsubscribe link: 32 bytes in URL-safe base64, unpadded.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")


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
        # Their own new request: it no longer hangs on a session's offer.
        follower.language = _language(language)
        follower.source = source
        follower.source_ref = source_ref
    return follower


def follower_by_token(token: Any) -> Follower | None:
    """The follower whose unsubscribe link carries ``token``, or ``None`` (a token that
    cannot be one is not even looked up)."""
    if not is_token_shaped(token):
        return None
    return db.session.scalar(select(Follower).where(Follower.token_hash == hash_token(token)))


def is_token_shaped(token: Any) -> bool:
    """Whether ``token`` looks like an unsubscribe secret: 43 URL-safe base64 characters."""
    return isinstance(token, str) and TOKEN_RE.fullmatch(token) is not None


def unsubscribe_url(follower: Follower) -> str:
    """The one-click unsubscribe link of ``follower`` (works outside a request)."""
    return external_url("followers.unsubscribe", token=unsubscribe_token(follower))


# ------------------------------------------------------------- the one-click unsubscribe


@dataclass(frozen=True)
class Following:
    """What an unsubscribe page shows: the project followed, by whom, in which language."""

    follower_id: int
    project_title: str
    fabrique_name: str
    language: str
    unsubscribed: bool


def following(token: Any) -> Following | None:
    """What the link ``token`` follows, or ``None`` for an unknown link (nothing changes:
    mail scanners open links)."""
    follower = follower_by_token(token)
    if follower is None:
        return None
    project = db.session.get(Project, follower.project_id)
    fabrique = db.session.get(Fabrique, follower.fabrique_id)
    return Following(
        follower_id=follower.id,
        project_title=project.title if project is not None else "",
        fabrique_name=fabrique.name if fabrique is not None else "",
        language=follower.language,
        unsubscribed=follower.unsubscribed_at is not None,
    )


def unsubscribe(token: Any) -> Following | None:
    """Stop the emails of the link ``token`` (anyone holding the link may: it was sent to
    that address only) and drop its mails not sent yet; commits. Idempotent; ``None``
    for an unknown link."""
    follower = follower_by_token(token)
    if follower is None:
        return None
    _stop(follower)
    db.session.commit()
    return following(token)


def _stop(follower: Follower) -> None:
    """Unsubscribe ``follower`` and drop their mails not sent yet (not committed)."""
    if follower.unsubscribed_at is not None:
        return
    follower.unsubscribed_at = utcnow()
    db.session.execute(
        delete(OutboxMail)
        .where(
            OutboxMail.follower_id == follower.id,
            OutboxMail.status.in_((MailStatus.PENDING, MailStatus.FAILED)),
        )
        .execution_options(synchronize_session=False)
    )


def unsubscribe_for(fabrique: Fabrique, follower_id: int) -> Follower:
    """A member unsubscribes someone who asked them (by phone, by letter); commits.
    :class:`NotFound` for a follower of another Fabrique."""
    follower = db.session.get(Follower, follower_id)
    if follower is None or follower.fabrique_id != fabrique.id:
        raise NotFound()
    _stop(follower)
    db.session.commit()
    return follower


# ------------------------------------------------------------ followers from the sessions


def _follow_offers(volunteers: Any) -> list[tuple[str, str | None]]:
    """The (address, name) of the « tenez-moi informé·e » offers of an imported row's
    ``volunteers`` (docs/export.schema.json ``volunteer``) given with consent."""
    offers: list[tuple[str, str | None]] = []
    if not isinstance(volunteers, list):
        return offers
    for offer in volunteers:
        if not isinstance(offer, dict) or offer.get("kind") != "follow":
            continue
        if offer.get("consent_contact") is not True:
            continue
        contact = offer.get("contact")
        if not isinstance(contact, dict) or not isinstance(contact.get("email"), str):
            continue
        try:
            address = parse_email(contact["email"])
        except ValidationError:
            continue
        name = contact.get("name")
        offers.append((address, name if isinstance(name, str) else None))
    return offers


def _offer_rows(fabrique_id: int | None, project_ids: Iterable[int] | None) -> list[Any]:
    """(fabrique id, project id, row reference, volunteers, session language) of the
    imported défis and ideas of projects that hold a follow offer."""
    chosen = None if project_ids is None else list(project_ids)
    # A cheap filter first: only rows whose offers mention "follow" are read.
    mentions = cast(PortfolioChallenge.volunteers, String).like('%"follow"%')
    challenges = (
        select(
            Project.fabrique_id,
            Project.id,
            PortfolioChallenge.reference,
            PortfolioChallenge.volunteers,
            PortfolioSession.language,
        )
        .join(PortfolioChallenge, Project.challenge_id == PortfolioChallenge.id)
        .join(PortfolioSession, PortfolioChallenge.session_id == PortfolioSession.id)
        .where(mentions)
    )
    ideas = (
        select(
            PortfolioIdea.fabrique_id,
            PortfolioIdea.project_id,
            PortfolioIdea.reference,
            PortfolioIdea.volunteers,
            PortfolioSession.language,
        )
        .join(PortfolioSession, PortfolioIdea.session_id == PortfolioSession.id)
        .where(
            PortfolioIdea.project_id.is_not(None),
            cast(PortfolioIdea.volunteers, String).like('%"follow"%'),
        )
    )
    if fabrique_id is not None:
        challenges = challenges.where(Project.fabrique_id == fabrique_id)
        ideas = ideas.where(PortfolioIdea.fabrique_id == fabrique_id)
    if chosen is not None:
        challenges = challenges.where(Project.id.in_(chosen))
        ideas = ideas.where(PortfolioIdea.project_id.in_(chosen))
    return [*db.session.execute(challenges), *db.session.execute(ideas)]


def sync_from_sessions(fabrique_id: int, project_ids: Iterable[int] | None = None) -> int:
    """Make followers of the volunteers who asked, during a session, to be kept informed
    of a défi or an idea (kind "follow", with consent and an address) of the projects
    ``project_ids`` of ``fabrique_id`` (all its projects when ``None``). Not committed.

    Idempotent: an address already following the project (or that unsubscribed from
    it) is left as it is; ``source_ref`` is the imported row's reference. A follower who
    came from an offer that the imports no longer hold (consent withdrawn, data erased
    in the workshop) is deleted with their emails. Returns how many followers were
    added."""
    return _sync(fabrique_id, project_ids)


def sync_all() -> int:
    """:func:`sync_from_sessions` for every Fabrique (the worker's pass); not committed."""
    return _sync(None, None)


def _sync(fabrique_id: int | None, project_ids: Iterable[int] | None) -> int:
    chosen = None if project_ids is None else list(project_ids)
    wanted: dict[tuple[int, str], tuple[int, str | None, str, str]] = {}
    for row_fabrique, project_id, reference, volunteers, language in _offer_rows(
        fabrique_id, chosen
    ):
        for address, name in _follow_offers(volunteers):
            wanted.setdefault(
                (project_id, address), (row_fabrique, name, reference, language or "fr")
            )
    _forget_withdrawn(fabrique_id, chosen, set(wanted))
    if not wanted:
        return 0
    known = {
        (project_id, email)
        for project_id, email in db.session.execute(
            select(Follower.project_id, Follower.email).where(
                Follower.project_id.in_({project_id for project_id, _ in wanted})
            )
        )
    }
    added = 0
    for (project_id, address), (row_fabrique, name, reference, language) in sorted(wanted.items()):
        if (project_id, address) in known:
            continue
        follower = subscribe(
            row_fabrique,
            project_id,
            address,
            name=name,
            source="session",
            source_ref=reference,
            language=language,
        )
        added += follower is not None
    return added


def _forget_withdrawn(
    fabrique_id: int | None, project_ids: list[int] | None, offered: set[tuple[int, str]]
) -> None:
    """Delete the followers who came from a session's offer that the newest import no
    longer holds (the person withdrew their consent or erased their data in the
    workshop), with their emails: their address goes with their consent."""
    query = select(Follower).where(Follower.source == "session")
    if fabrique_id is not None:
        query = query.where(Follower.fabrique_id == fabrique_id)
    if project_ids is not None:
        query = query.where(Follower.project_id.in_(project_ids))
    for follower in db.session.scalars(query):
        if (follower.project_id, follower.email) in offered:
            continue
        db.session.execute(
            delete(OutboxMail)
            .where(OutboxMail.follower_id == follower.id)
            .execution_options(synchronize_session=False)
        )
        db.session.delete(follower)


# ------------------------------------------------------------------------- the news

#: History entries that followers are told of (and "imported" when it moved the stage).
NEWS_KINDS = frozenset({"stage_changed", "holder_added", "holder_removed", "imported"})
#: Holders named in an email: a structure or a collective is public by nature; a
#: person's name is theirs, and is not sent to people they never met.
NAMED_HOLDER_KINDS = frozenset({HolderKind.COLLECTIVE.value, HolderKind.STRUCTURE.value})


@dataclass(frozen=True)
class News:
    """What changed for a project over a few history entries, as its followers read it.

    ``stage_from``/``stage_to``: a stage change (``None`` when there is none, or when it
    was put back); ``dropped`` with ``reason`` when the project is abandoned;
    ``holders``: the holders added (and still there), ``None`` in place of a person's
    name."""

    stage_from: str | None = None
    stage_to: str | None = None
    reason: str = ""
    holders: tuple[str | None, ...] = ()

    @property
    def dropped(self) -> bool:
        return self.stage_to == Stage.ABANDONED.value

    def __bool__(self) -> bool:
        return self.stage_to is not None or bool(self.holders)


def _stage_change(event: ProjectEvent) -> tuple[str | None, str | None, str]:
    data = event.data or {}
    if event.kind == "stage_changed":
        return data.get("from"), data.get("to"), str(data.get("reason") or "")
    if event.kind == "imported":
        change = (data.get("changes") or {}).get("stage")
        if isinstance(change, dict):
            reason = ((data.get("changes") or {}).get("abandon_reason") or {}).get("to")
            return change.get("from"), change.get("to"), str(reason or "")
    return None, None, ""


def news_of(events: list[ProjectEvent]) -> News:
    """The news in ``events`` (oldest first): the stage from the first change to the
    last (none when it came back), the holders added and not removed since."""
    first: str | None = None
    last: str | None = None
    reason = ""
    added: dict[int, str | None] = {}
    for event in events:
        before, after, why = _stage_change(event)
        if after is not None:
            first = before if first is None else first
            last, reason = after, why
        data = event.data or {}
        holder_id = data.get("holder_id")
        if event.kind == "holder_added" and isinstance(holder_id, int):
            named = data.get("kind") in NAMED_HOLDER_KINDS
            added[holder_id] = str(data.get("name") or "") if named else None
        elif event.kind == "holder_removed" and isinstance(holder_id, int):
            added.pop(holder_id, None)
    if last is not None and last == first:
        last = first = None
    if last not in STAGES:
        last = first = None
    return News(
        stage_from=first if first in STAGES else None,
        stage_to=last,
        reason=reason if last == Stage.ABANDONED.value else "",
        holders=tuple(added.values()),
    )


def carnet_url(fabrique: Fabrique, project: Project) -> str | None:
    """The public « carnet de projets » of the Fabrique, when ``project`` is shown there."""
    if not project.published:
        return None
    return f"{public_base_url()}/p/{fabrique.slug}/carnet"


def render_news(
    follower: Follower, project: Project, fabrique: Fabrique, news: News
) -> tuple[str, str]:
    """The subject and text of the email telling ``follower`` of ``news``, in their
    language; the body keeps the ``[[unsubscribe_url]]`` placeholder (filled when sent)."""
    with force_locale(_language(follower.language)):
        title = project.title or _("a project")
        if news.dropped:
            subject = _("« %(title)s »: the project is dropped", title=title)
        elif news.stage_to is not None:
            subject = _(
                "« %(title)s »: now at « %(stage)s »",
                title=title,
                stage=str(STAGE_LABELS[news.stage_to]),
            )
        else:
            subject = _("« %(title)s » has found a holder", title=title)
        body = render_template(
            "mail/news.html",
            follower=follower,
            project=project,
            fabrique=fabrique,
            news=news,
            title=title,
            carnet_url=carnet_url(fabrique, project),
            source_label=str(SOURCE_LABELS.get(follower.source, "")),
        )
    return subject, body


def _settle_old_events(now: dt.datetime) -> None:
    """Mark told, without a mail, the entries that warrant none: other kinds, entries
    older than ``MAIL_NEWS_MAX_AGE_DAYS``, and entries of projects nobody follows."""
    max_age = dt.timedelta(days=float(current_app.config.get("MAIL_NEWS_MAX_AGE_DAYS") or 7))
    following = select(Follower.project_id).where(Follower.unsubscribed_at.is_(None))
    # A project is followed through the projects merged into it too.
    followed = following.union(
        select(Project.merged_into_id).where(
            Project.id.in_(following), Project.merged_into_id.is_not(None)
        )
    )
    db.session.execute(
        update(ProjectEvent)
        .where(
            ProjectEvent.notified_at.is_(None),
            or_(
                ProjectEvent.kind.not_in(NEWS_KINDS),
                ProjectEvent.at < now - max_age,
                ProjectEvent.project_id.not_in(followed),
            ),
        )
        .values(notified_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def queue_news(*, now: dt.datetime | None = None) -> int:
    """Turn the projects' new history entries into emails to their followers; returns
    how many mails were queued. Commits project by project.

    Entries with ``notified_at`` unset are taken project by project once the project's
    newest one is ``MAIL_NEWS_DELAY_SECONDS`` old: each active follower gets one mail
    for them all (``dedupe_key`` ``event:<first entry>:follower:<id>``), and the entries
    get ``notified_at``. Entries are claimed by a conditional ``UPDATE`` in the same
    transaction as the mails, so two workers, or a crash between the steps, never
    queue the same news twice (the unique ``dedupe_key`` is the last line)."""
    now = now or utcnow()
    _settle_old_events(now)
    delay = dt.timedelta(seconds=float(current_app.config.get("MAIL_NEWS_DELAY_SECONDS") or 0))
    waiting = db.session.execute(
        select(ProjectEvent.project_id, func.max(ProjectEvent.at))
        .where(ProjectEvent.notified_at.is_(None))
        .group_by(ProjectEvent.project_id)
    ).all()
    db.session.commit()
    queued = 0
    for project_id, newest in waiting:
        if newest.replace(tzinfo=dt.UTC) > now - delay:
            continue  # a change still in progress: told as one, once it settles
        queued += _queue_project(project_id, now)
    return queued


def _queue_project(project_id: int, now: dt.datetime) -> int:
    events = list(
        db.session.scalars(
            select(ProjectEvent)
            .where(
                ProjectEvent.project_id == project_id,
                ProjectEvent.notified_at.is_(None),
                ProjectEvent.at <= now,
            )
            .order_by(ProjectEvent.at, ProjectEvent.id)
        )
    )
    if not events:
        db.session.commit()
        return 0
    ids = [event.id for event in events]
    claimed = db.session.execute(
        update(ProjectEvent)
        .where(ProjectEvent.id.in_(ids), ProjectEvent.notified_at.is_(None))
        .values(notified_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != len(ids):  # type: ignore[attr-defined]  # an UPDATE's Result is a CursorResult
        db.session.rollback()  # another worker took (some of) them
        return 0
    news = news_of([event for event in events if event.kind in NEWS_KINDS])
    project = db.session.get(Project, project_id)
    count = 0
    if news and project is not None:
        fabrique = db.session.get(Fabrique, project.fabrique_id)
        assert fabrique is not None  # noqa: S101 - a project's Fabrique (cascade)
        first = next(event.id for event in events if event.kind in NEWS_KINDS)
        told: set[str] = set()
        for follower in _audience(project_id):
            if follower.email in told:
                continue  # following both a project and one merged into it: one mail
            told.add(follower.email)
            subject, body = render_news(follower, project, fabrique, news)
            mail.queue(
                dedupe_key=f"event:{first}:follower:{follower.id}",
                to=follower.email,
                subject=subject,
                body=body,
                headers={
                    "List-Unsubscribe": "<[[unsubscribe_url]]>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
                fabrique_id=fabrique.id,
                follower_id=follower.id,
            )
            count += 1
    try:
        db.session.commit()
    except IntegrityError:
        # This news was queued already (a key that exists): never twice. The entries
        # are marked told all the same, or every pass would stumble on them again.
        db.session.rollback()
        db.session.execute(
            update(ProjectEvent)
            .where(ProjectEvent.id.in_(ids), ProjectEvent.notified_at.is_(None))
            .values(notified_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        return 0
    return count


def _audience(project_id: int) -> list[Follower]:
    """Who is told of a project's news: its active followers, and those of the projects
    merged into it (they followed what became part of it)."""
    merged = select(Project.id).where(Project.merged_into_id == project_id)
    return list(
        db.session.scalars(
            select(Follower)
            .where(
                or_(Follower.project_id == project_id, Follower.project_id.in_(merged)),
                Follower.unsubscribed_at.is_(None),
            )
            .order_by(Follower.id)
        )
    )


def personalise(row: OutboxMail) -> dict[str, str] | None:
    """Fill a queued mail's placeholders when it is sent: the follower's unsubscribe
    link. ``None`` (the mail is dropped) when the follower left or is gone."""
    if row.follower_id is None:
        return {} if "[[unsubscribe_url]]" not in row.body else None
    follower = db.session.get(Follower, row.follower_id)
    if follower is None or follower.unsubscribed_at is not None:
        return None
    return {"unsubscribe_url": unsubscribe_url(follower)}


def prepare_mail() -> None:
    """The worker's first step: followers from newly imported sessions, then the news."""
    sync_all()
    db.session.commit()
    queue_news()
    days = int(current_app.config.get("MAIL_KEEP_DAYS") or 0)
    if days > 0:
        mail.forget_sent(days)
        db.session.commit()


def run_once() -> mail.DrainResult:
    """One full pass, as the worker makes it: :func:`prepare_mail`, then send what is
    due (``flask --app workshop mail send``, and tests)."""
    prepare_mail()
    return mail.drain(personalise=personalise)


# ----------------------------------------------------------------- the members' view


@dataclass(frozen=True)
class SentMail:
    """A mail of the outbox as members see it: never its text (it may name the person)."""

    id: int
    subject: str
    status: str
    attempts: int
    created_at: dt.datetime
    sent_at: dt.datetime | None
    last_error: str


@dataclass(frozen=True)
class ProjectFollowers:
    """A project's followers (counted) and the emails sent about it."""

    project_id: int
    title: str
    followers: int
    unsubscribed: int
    pending: int = 0
    sent: int = 0
    failed: int = 0
    last_news: tuple[NewsSent, ...] = ()


@dataclass(frozen=True)
class NewsSent:
    """One piece of news mailed about a project: its subject (in the first recipient's
    language), when, and how its emails fared."""

    subject: str
    created_at: dt.datetime
    recipients: int
    sent: int
    waiting: int
    failed: int


def _sent_mail(row: OutboxMail) -> SentMail:
    return SentMail(
        id=row.id,
        subject=row.subject,
        status=row.status,
        attempts=row.attempts,
        created_at=row.created_at,
        sent_at=row.sent_at,
        last_error=row.last_error,
    )


def _mail_counts(fabrique_id: int) -> dict[int, dict[str, int]]:
    rows = db.session.execute(
        select(Follower.project_id, OutboxMail.status, func.count())
        .join(Follower, OutboxMail.follower_id == Follower.id)
        .where(OutboxMail.fabrique_id == fabrique_id)
        .group_by(Follower.project_id, OutboxMail.status)
    )
    found: dict[int, dict[str, int]] = {}
    for project_id, status, n in rows:
        found.setdefault(project_id, {})[status] = int(n)
    return found


def overview(fabrique: Fabrique) -> list[ProjectFollowers]:
    """Per followed project of ``fabrique``: how many follow it (never who), and its
    outbox's counts; the caller checked membership."""
    counted = db.session.execute(
        select(
            Project.id,
            Project.title,
            func.count(Follower.id).filter(Follower.unsubscribed_at.is_(None)),
            func.count(Follower.id).filter(Follower.unsubscribed_at.is_not(None)),
        )
        .join(Follower, Follower.project_id == Project.id)
        .where(Project.fabrique_id == fabrique.id)
        .group_by(Project.id, Project.title)
        .order_by(Project.title, Project.id)
    ).all()
    mails = _mail_counts(fabrique.id)
    result = []
    for project_id, title, active, left in counted:
        states = mails.get(project_id, {})
        result.append(
            ProjectFollowers(
                project_id=project_id,
                title=title,
                followers=int(active),
                unsubscribed=int(left),
                pending=states.get(MailStatus.PENDING.value, 0)
                + states.get(MailStatus.SENDING.value, 0),
                sent=states.get(MailStatus.SENT.value, 0),
                failed=states.get(MailStatus.FAILED.value, 0),
            )
        )
    return result


def project_followers(
    fabrique: Fabrique | int, project_id: int, *, last: int = 5
) -> ProjectFollowers:
    """A project's followers (counted) and its last emails; :class:`NotFound` across
    Fabriques."""
    project = project_in(fabrique, project_id)
    active, left = db.session.execute(
        select(
            func.count(Follower.id).filter(Follower.unsubscribed_at.is_(None)),
            func.count(Follower.id).filter(Follower.unsubscribed_at.is_not(None)),
        ).where(Follower.project_id == project.id)
    ).one()
    states = _mail_counts(project.fabrique_id).get(project.id, {})
    rows = db.session.scalars(
        select(OutboxMail)
        .join(Follower, OutboxMail.follower_id == Follower.id)
        .where(Follower.project_id == project.id)
        .order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
        .limit(500)
    )
    return ProjectFollowers(
        project_id=project.id,
        title=project.title,
        followers=int(active),
        unsubscribed=int(left),
        pending=states.get(MailStatus.PENDING.value, 0) + states.get(MailStatus.SENDING.value, 0),
        sent=states.get(MailStatus.SENT.value, 0),
        failed=states.get(MailStatus.FAILED.value, 0),
        last_news=_group_news(rows, last),
    )


def _group_news(rows: Iterable[OutboxMail], last: int) -> tuple[NewsSent, ...]:
    """The mails grouped by the news they carry (their ``dedupe_key`` up to the follower)."""
    groups: dict[str, list[OutboxMail]] = {}
    for row in rows:
        key = row.dedupe_key.partition(":follower:")[0]
        if key not in groups and len(groups) == last:
            continue
        groups.setdefault(key, []).append(row)
    news = []
    for items in groups.values():
        first = min(items, key=lambda row: row.id)
        news.append(
            NewsSent(
                subject=first.subject,
                created_at=first.created_at,
                recipients=len(items),
                sent=sum(row.status == MailStatus.SENT for row in items),
                waiting=sum(
                    row.status in (MailStatus.PENDING, MailStatus.SENDING) for row in items
                ),
                failed=sum(row.status == MailStatus.FAILED for row in items),
            )
        )
    return tuple(news)


def failed_mails(fabrique: Fabrique, *, limit: int = 50) -> list[tuple[SentMail, str]]:
    """The Fabrique's mails given up, newest first, with the title of their project."""
    rows = db.session.execute(
        select(OutboxMail, Project.title)
        .join(Follower, OutboxMail.follower_id == Follower.id)
        .join(Project, Follower.project_id == Project.id)
        .where(OutboxMail.fabrique_id == fabrique.id, OutboxMail.status == MailStatus.FAILED)
        .order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
        .limit(limit)
    ).all()
    return [(_sent_mail(row), title) for row, title in rows]


@dataclass(frozen=True)
class Contact:
    """A follower as members see them on the contacts page."""

    id: int
    project_id: int
    project_title: str
    name: str | None
    email: str
    source: str
    consented_at: dt.datetime
    unsubscribed_at: dt.datetime | None


def contacts(fabrique: Fabrique) -> list[Contact]:
    """Every follower of ``fabrique``'s projects with their address (members only; the
    page is not kept by browsers)."""
    rows = db.session.execute(
        select(Follower, Project.title)
        .join(Project, Follower.project_id == Project.id)
        .where(Follower.fabrique_id == fabrique.id)
        .order_by(Project.title, Project.id, Follower.email)
    ).all()
    return [
        Contact(
            id=follower.id,
            project_id=follower.project_id,
            project_title=title,
            name=follower.name,
            email=follower.email,
            source=follower.source,
            consented_at=follower.consented_at,
            unsubscribed_at=follower.unsubscribed_at,
        )
        for follower, title in rows
    ]


def resend(fabrique: Fabrique, mail_id: int) -> None:
    """Queue a failed mail of ``fabrique`` again (« renvoyer »); commits. :class:`NotFound`
    for a mail that is not one of its failed mails (another Fabrique's, one sent)."""
    row = db.session.get(OutboxMail, mail_id)
    if row is None or row.fabrique_id != fabrique.id:
        raise NotFound()
    if not mail.resend(mail_id, fabrique_id=fabrique.id):
        raise NotFound()
    db.session.commit()
