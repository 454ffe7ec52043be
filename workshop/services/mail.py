"""Email: the outbox, and the worker that sends it through SMTP (or prints it to the console).

Nothing is sent during a request: a feature queues an :class:`~workshop.models.OutboxMail`
row (its ``dedupe_key`` is unique, so the same news is never queued twice for the same
person) and commits; the worker sends it later.

**Sending, once.** :func:`drain` claims due rows (``pending`` whose ``next_attempt_at``
has come, or ``sending`` whose claim ``claimed_until`` has passed: a worker that died
mid-send) with one conditional ``UPDATE`` per row, commits, and only then talks to the
SMTP server, so no transaction is held open meanwhile and two workers never send the
same row. A sent row is marked ``sent``; a failure is retried after
``MAIL_RETRY_DELAYS`` (1 min, 5 min, 30 min, 2 h, 6 h by default), and the row is
``failed`` after ``MAIL_MAX_ATTEMPTS`` attempts (or at once when the server refuses the
address for good), its error kept. The one case a message can leave twice: the server
accepted it and the worker died before marking it sent (at-least-once there, as any
mail queue).

**Backends.** ``MAIL_BACKEND`` "smtp" (the default when ``MAIL_SERVER`` is set, with
``MAIL_PORT``, ``MAIL_USERNAME``/``MAIL_PASSWORD``, ``MAIL_USE_TLS`` for STARTTLS or
``MAIL_USE_SSL``) or "console" (the default otherwise: the message is written to the
server's log, which ``make run`` prints).

**Placeholders.** A queued body or header may hold ``[[name]]`` placeholders that a
``personalise`` function fills at send time (the follower's unsubscribe link: its
secret is never stored, not even in the outbox); when it answers ``None`` the row is
dropped (the person left meanwhile).

**The worker** (:func:`start_worker`) is a background task of the server process
(``socketio.start_background_task``, whatever the async mode) that runs a ``prepare``
step (queue the news) and :func:`drain` every ``MAIL_WORKER_INTERVAL`` seconds.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from flask import Flask, current_app
from sqlalchemy import and_, delete, func, or_, select, update

from ..extensions import current_app_object, db, socketio
from ..models import MailStatus, OutboxMail, utcnow

logger = logging.getLogger(__name__)

#: Fills a row's ``[[name]]`` placeholders at send time; ``None`` drops the row.
Personaliser = Callable[[OutboxMail], Mapping[str, str] | None]

DEFAULT_RETRY_DELAYS = (60, 300, 1800, 7200, 21600)
#: How long a claimed row stays the claiming worker's (an SMTP exchange takes seconds).
CLAIM_SECONDS = 300
ERROR_MAX = 500
#: Headers are never folded into RFC 2047 encoded words: a ``List-Unsubscribe`` link
#: must stay a plain ``<https://…>`` that mail clients read (RFC 2369, RFC 8058).
MESSAGE_POLICY = policy.SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class Outgoing:
    """A claimed row, read before the transaction ends: what to send."""

    id: int
    to: str
    subject: str
    body: str
    headers: dict[str, Any]
    attempts: int
    claimed_until: dt.datetime
    follower_id: int | None


@dataclass
class DrainResult:
    """What one :func:`drain` did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    errors: list[str] = field(default_factory=list)


def backend() -> str:
    """ "smtp" or "console", from ``MAIL_BACKEND`` or whether ``MAIL_SERVER`` is set."""
    chosen = str(current_app.config.get("MAIL_BACKEND") or "").strip().lower()
    if chosen in ("smtp", "console"):
        return chosen
    return "smtp" if current_app.config.get("MAIL_SERVER") else "console"


def queue(
    *,
    dedupe_key: str,
    to: str,
    subject: str,
    body: str,
    headers: Mapping[str, str] | None = None,
    fabrique_id: int | None = None,
    follower_id: int | None = None,
) -> OutboxMail:
    """Add a mail to the outbox (not committed: it leaves with the caller's change).

    ``dedupe_key`` is unique: a second queue of the same key fails at the commit
    (``IntegrityError``), which callers use to never queue the same news twice."""
    mail = OutboxMail(
        fabrique_id=fabrique_id,
        follower_id=follower_id,
        dedupe_key=dedupe_key,
        to=to,
        # One line: a title typed with a line break must not break the header.
        subject=" ".join(subject.split()),
        body=body,
        headers=dict(headers or {}),
        status=MailStatus.PENDING.value,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    db.session.add(mail)
    return mail


def _due(now: dt.datetime) -> Any:
    return or_(
        and_(OutboxMail.status == MailStatus.PENDING, OutboxMail.next_attempt_at <= now),
        and_(OutboxMail.status == MailStatus.SENDING, OutboxMail.claimed_until < now),
    )


def claim(limit: int = 50, *, now: dt.datetime | None = None) -> list[Outgoing]:
    """Claim up to ``limit`` due rows for this worker and commit the claim.

    Each row is taken by a conditional ``UPDATE`` (still due, by the same condition):
    a row another worker took between the read and the update is left to it."""
    now = now or utcnow()
    until = now + dt.timedelta(seconds=CLAIM_SECONDS)
    ids = list(
        db.session.scalars(
            select(OutboxMail.id)
            .where(_due(now))
            .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
            .limit(limit)
        )
    )
    taken: list[int] = []
    for mail_id in ids:
        result = db.session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail_id, _due(now))
            .values(
                status=MailStatus.SENDING.value,
                claimed_until=until,
                attempts=OutboxMail.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]  # an UPDATE's Result is a CursorResult
            taken.append(mail_id)
    rows = (
        list(
            db.session.scalars(
                select(OutboxMail)
                .where(OutboxMail.id.in_(taken))
                .order_by(OutboxMail.id)
                .execution_options(populate_existing=True)
            )
        )
        if taken
        else []
    )
    outgoing = [
        Outgoing(
            id=row.id,
            to=row.to,
            subject=row.subject,
            body=row.body,
            headers=dict(row.headers or {}),
            attempts=row.attempts,
            claimed_until=until,
            follower_id=row.follower_id,
        )
        for row in rows
    ]
    db.session.commit()
    return outgoing


def _fill(text: str, values: Mapping[str, str]) -> str:
    for name, value in values.items():
        text = text.replace(f"[[{name}]]", value)
    return text


def _sender() -> str:
    return str(current_app.config.get("MAIL_FROM") or "Semis <semis@localhost>")


def build_message(item: Outgoing, values: Mapping[str, str] | None = None) -> EmailMessage:
    """The email of a claimed row, placeholders filled."""
    values = values or {}
    message = EmailMessage(policy=MESSAGE_POLICY)
    sender = _sender()
    message["From"] = sender
    message["To"] = item.to
    message["Subject"] = _fill(item.subject, values)
    message["Date"] = format_datetime(utcnow())
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(idstring=f"semis.{item.id}", domain=domain)
    # A notification, not a person writing: auto-responders should not answer it.
    message["Auto-Submitted"] = "auto-generated"
    for name, value in item.headers.items():
        message[name] = _fill(str(value), values)
    message.set_content(_fill(item.body, values))
    return message


class _Transport:
    """One SMTP connection for a drain (opened on the first message), or the console."""

    def __init__(self, app: Flask) -> None:
        self.config = app.config
        self.kind = backend()
        self.smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        host = str(self.config.get("MAIL_SERVER") or "localhost")
        use_ssl = bool(self.config.get("MAIL_USE_SSL"))
        use_tls = bool(self.config.get("MAIL_USE_TLS"))
        port = self.config.get("MAIL_PORT") or (465 if use_ssl else 587 if use_tls else 25)
        timeout = float(self.config.get("MAIL_TIMEOUT") or 30)
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if use_ssl:
            smtp = smtplib.SMTP_SSL(host, int(port), timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, int(port), timeout=timeout)
            if use_tls:
                smtp.starttls(context=context)
        username = self.config.get("MAIL_USERNAME")
        if username:
            smtp.login(str(username), str(self.config.get("MAIL_PASSWORD") or ""))
        return smtp

    def send(self, message: EmailMessage) -> None:
        if self.kind == "console":
            logger.info(
                "Email (MAIL_SERVER is not set, so it is shown here):\n%s", readable(message)
            )
            return
        if self.smtp is None:
            self.smtp = self._connect()
        self.smtp.send_message(message)

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


def readable(message: EmailMessage) -> str:
    """The message as a person reads it: its headers and its text, decoded."""
    headers = "\n".join(f"{name}: {value}" for name, value in message.items())
    text = str(message.get_content()).replace("\r\n", "\n")
    return f"{headers}\n\n{text}"


def _permanent(error: Exception) -> bool:
    """Whether the server refused the address for good (5xx for every recipient)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in error.recipients.values())
    return False


def _retry_delay(attempts: int) -> int:
    delays = current_app.config.get("MAIL_RETRY_DELAYS") or DEFAULT_RETRY_DELAYS
    index = min(max(attempts, 1), len(delays)) - 1
    return int(delays[index])


def _owned(item: Outgoing) -> Any:
    """The row is still this worker's claim."""
    return and_(
        OutboxMail.id == item.id,
        OutboxMail.status == MailStatus.SENDING,
        OutboxMail.claimed_until == item.claimed_until,
    )


def _mark_sent(item: Outgoing) -> None:
    db.session.execute(
        update(OutboxMail)
        .where(_owned(item))
        .values(status=MailStatus.SENT.value, sent_at=utcnow(), claimed_until=None, last_error="")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _mark_failed(item: Outgoing, error: Exception, *, permanent: bool) -> bool:
    """Record a failed attempt; ``True`` when it is given up."""
    max_attempts = int(current_app.config.get("MAIL_MAX_ATTEMPTS") or 6)
    give_up = permanent or item.attempts >= max_attempts
    text = f"{type(error).__name__}: {error}"[:ERROR_MAX]
    values: dict[str, Any] = {"claimed_until": None, "last_error": text}
    if give_up:
        values["status"] = MailStatus.FAILED.value
    else:
        values["status"] = MailStatus.PENDING.value
        values["next_attempt_at"] = utcnow() + dt.timedelta(seconds=_retry_delay(item.attempts))
    db.session.execute(
        update(OutboxMail)
        .where(_owned(item))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return give_up


def _drop(item: Outgoing) -> None:
    db.session.execute(
        delete(OutboxMail).where(_owned(item)).execution_options(synchronize_session=False)
    )
    db.session.commit()


def drain(
    *,
    limit: int | None = None,
    personalise: Personaliser | None = None,
    now: dt.datetime | None = None,
) -> DrainResult:
    """Send the outbox's due mails once (the worker's step, and ``flask mail send``).

    Called in an application context; commits each row's outcome on its own. No
    transaction is open while the SMTP server is spoken to."""
    app = current_app_object()
    batch = limit or int(app.config.get("MAIL_BATCH") or 50)
    result = DrainResult()
    items = claim(batch, now=now)
    if not items:
        return result
    transport = _Transport(app)
    try:
        for item in items:
            values: Mapping[str, str] | None = {}
            if personalise is not None:
                row = db.session.get(OutboxMail, item.id)
                values = personalise(row) if row is not None else None
                db.session.commit()  # end the read before talking to the server
            if values is None:
                _drop(item)
                result.dropped += 1
                continue
            try:
                transport.send(build_message(item, values))
            except (smtplib.SMTPException, OSError, ValueError) as error:
                transport.close()  # a broken connection is opened again for the next one
                if _mark_failed(item, error, permanent=_permanent(error)):
                    result.failed += 1
                else:
                    result.retried += 1
                result.errors.append(f"{item.to}: {error}")
                logger.warning("Email %s to %s not sent: %s", item.id, item.to, error)
                continue
            _mark_sent(item)
            result.sent += 1
    finally:
        transport.close()
    return result


def resend(mail_id: int, *, fabrique_id: int) -> bool:
    """Put a failed mail of ``fabrique_id`` back in the queue (not committed); ``False``
    when there is no such failed mail of that Fabrique."""
    result = db.session.execute(
        update(OutboxMail)
        .where(
            OutboxMail.id == mail_id,
            OutboxMail.fabrique_id == fabrique_id,
            OutboxMail.status == MailStatus.FAILED,
        )
        .values(
            status=MailStatus.PENDING.value,
            attempts=0,
            next_attempt_at=utcnow(),
            claimed_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]  # an UPDATE's Result is a CursorResult


def forget_sent(days: int, *, now: dt.datetime | None = None) -> int:
    """Delete mails sent more than ``days`` ago (not committed); how many."""
    limit = (now or utcnow()) - dt.timedelta(days=days)
    result = db.session.execute(
        delete(OutboxMail)
        .where(OutboxMail.status == MailStatus.SENT, OutboxMail.sent_at < limit)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # a DELETE's Result is a CursorResult


@dataclass(frozen=True)
class OutboxCounts:
    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0


def counts(fabrique_id: int | None = None) -> OutboxCounts:
    """How many mails are in each state (of one Fabrique, or all)."""
    query = select(OutboxMail.status, func.count()).group_by(OutboxMail.status)
    if fabrique_id is not None:
        query = query.where(OutboxMail.fabrique_id == fabrique_id)
    found = {status: int(n) for status, n in db.session.execute(query)}
    return OutboxCounts(
        pending=found.get(MailStatus.PENDING.value, 0),
        sending=found.get(MailStatus.SENDING.value, 0),
        sent=found.get(MailStatus.SENT.value, 0),
        failed=found.get(MailStatus.FAILED.value, 0),
    )


# ------------------------------------------------------------------------ the worker

WORKER_KEY = "semis_mail_worker"


def start_worker(
    app: Flask,
    *,
    prepare: Callable[[], object] | None = None,
    personalise: Personaliser | None = None,
) -> bool:
    """Start the mail worker of ``app`` as a background task (once per app); ``False``
    when it runs already.

    Every ``MAIL_WORKER_INTERVAL`` seconds, in an application context: ``prepare()``
    (queue what is new) then :func:`drain`. It waits one interval first, so it starts
    once the app is fully built. An error is logged and the loop goes on."""
    if app.extensions.get(WORKER_KEY):
        return False
    app.extensions[WORKER_KEY] = True
    socketio.start_background_task(_worker_loop, app, prepare, personalise)
    return True


def _worker_loop(
    app: Flask, prepare: Callable[[], object] | None, personalise: Personaliser | None
) -> None:
    interval = max(1, int(app.config.get("MAIL_WORKER_INTERVAL") or 15))
    while True:
        socketio.sleep(interval)
        run_step(app, prepare=prepare, personalise=personalise)


def run_step(
    app: Flask,
    *,
    prepare: Callable[[], object] | None = None,
    personalise: Personaliser | None = None,
) -> DrainResult | None:
    """One pass of the worker: ``prepare()`` then :func:`drain`; ``None`` when it failed
    (logged, never raised: the loop must go on)."""
    with app.app_context():
        try:
            if prepare is not None:
                prepare()
            return drain(personalise=personalise)
        except Exception:
            logger.exception("The mail worker's pass failed; it will try again")
            db.session.rollback()
            return None
        finally:
            db.session.remove()
