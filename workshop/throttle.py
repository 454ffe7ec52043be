"""Limits on the Socket.IO commands, per identity: every command a socket may send
is counted, and one sent too often is refused before its handler runs.

:func:`workshop.auth.socket_role` calls :func:`check` for every command, so a handler
is limited without doing anything, and a command added later gets the default limit
(``"*"``, or ``"facilitator:*"`` for facilitators) until the table names it. The
counts are kept per **identity**: a participant (all its sockets and tabs together), a
facilitator account (all its consoles, whatever the workshop), or one screen socket of
one workshop (screens have no identity beyond their socket). Two participants, or a
participant of another workshop, never share a count.

The counters are :mod:`limits`'s (the library Flask-Limiter is built on), in the
storage ``RATELIMIT_STORAGE_URI`` names: ``memory://`` counts in this process,
``redis://…`` shares the counts between every worker of a scale-out deployment. The
strategy is the *moving window*: a limit ``N per minute`` allows N commands in any
60 seconds, never 2N around a window's edge as a fixed window would; it keeps one
timestamp per counted command (at most N per identity, command and limit), which the
small limits here make cheap in memory and in Redis. A refused command is not counted.

``docs/protocol.md`` ("Rate limits") lists the limits and why they fit a real room.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from .errors import RateLimited
from .presence import Connection
from .roles import Role

log = logging.getLogger(__name__)

#: The default for a participant's or a screen's command the table does not name.
DEFAULT = "*"
#: Keys of facilitators' limits: ``facilitator:<command>``, else ``facilitator:*``.
FACILITATOR = "facilitator:"

#: Limits per command, for one identity. ``COMMAND_LIMITS`` (config) overrides entries
#: or adds some. Sized from the real clients (``static/js``) and the benchmarks
#: (``bench/``); see ``docs/protocol.md``, "Rate limits". Refusals count too (a save
#: refused as not allowed, then sent again): no participant command allows fewer than
#: 5 a second.
DEFAULT_LIMITS: dict[str, str] = {
    # On every (re)connection, on a gap, on coming back to the foreground; a replay is
    # cheap but a snapshot may weigh a megabyte.
    "join_workshop": "5 per second;30 per minute",
    # Through the phone's outbox: one at a time, each after the previous ack, retried
    # after a lost ack. The service also caps ideas at IDEA_RATE_PER_MINUTE.
    "post_idea": "10 per second;30 per minute",
    "edit_idea": "5 per second;30 per minute",
    "withdraw_idea": "5 per second;30 per minute",
    # Dots: a tap each, through the outbox (taps on one item collapse into one set_vote).
    "cast_vote": "10 per second;120 per minute",
    "withdraw_vote": "10 per second;120 per minute",
    "set_vote": "10 per second;120 per minute",
    # Majority judgment: a tap per option (a grade changed costs one more).
    "grade_item": "10 per second;120 per minute",
    "withdraw_grade": "10 per second;120 per minute",
    "propose_challenge": "5 per second;30 per minute",
    # Sent 400 ms after the last keystroke while typing an idea (phone/similar.js).
    "find_similar": "5 per second;60 per minute",
    "save_qualification": "5 per second;30 per minute",
    "offer_help": "5 per second;30 per minute",
    "withdraw_help": "5 per second;30 per minute",
    # Défi tables: contributions through the outbox like ideas; votes a tap each; a
    # table joined on every (re)connection, table_changed or table_seq gap.
    "post_contribution": "10 per second;60 per minute",
    "vote_contribution": "10 per second;120 per minute",
    "choose_table": "5 per second;30 per minute",
    "join_table": "5 per second;30 per minute",
    DEFAULT: "5 per second;60 per minute",
    # Facilitators are accounts the operator created: generous, for fast drag and drop
    # and several consoles (or co-facilitators) on one account.
    FACILITATOR + DEFAULT: "20 per second;600 per minute",
    # The grouping engine runs on every call.
    FACILITATOR + "suggest_groups": "2 per second;30 per minute",
    # Every idea compared with every other (about a second for 1,000 ideas).
    FACILITATOR + "find_duplicates": "2 per second;30 per minute",
}

# A storage failure lets commands through (counting is protection, not function);
# logged at most this often.
_FAILURE_LOG_INTERVAL_S = 60.0


def identity(connection: Connection, sid: str) -> str:
    """Whose count a command of this socket goes to."""
    if connection.role is Role.PARTICIPANT:
        return f"participant:{connection.participant_id}"
    if connection.role is Role.FACILITATOR:
        return f"facilitator:{connection.facilitator_id}"
    return f"screen:{connection.workshop_id}:{sid}"


def table(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The effective table: the defaults, with ``overrides`` (``COMMAND_LIMITS``) over them."""
    return {**DEFAULT_LIMITS, **(overrides or {})}


def _parse(limit: str) -> tuple[RateLimitItem, ...]:
    items = tuple(sorted(parse_many(limit), key=lambda item: item.get_expiry()))
    if not items:
        raise ValueError(f"empty command limit: {limit!r}")
    return items


class SweptMemoryStorage(MemoryStorage):
    """limits' in-memory counters, with their expired entries swept once a second.

    ``MemoryStorage`` starts a new thread 10 ms after any counted command, whenever the
    last one has ended, and that thread walks every key of the process (a participant
    and a command each): with 1,000 phones sending commands, a sweep of thousands of
    keys and a thread start for nearly every command. Whether a command is allowed
    never depends on the sweep (the counters compare their own timestamps), which only
    frees memory: once a second is as good."""

    SWEEP_INTERVAL_S = 1.0
    # Registered for ``memory://`` in place of limits' own class (limits keeps one class
    # per scheme, the last registered): Flask-Limiter's HTTP limits (the join form's,
    # the sign-in's), which build their storage from ``RATELIMIT_STORAGE_URI``, sweep
    # once a second too instead of starting a thread after each request.
    STORAGE_SCHEME = ["memory"]

    def __init__(self, uri: str | None = None, **options: Any) -> None:
        self._next_sweep = 0.0
        super().__init__(uri, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - overrides a private
        now = time.time()  # the counters' clock (the tests move it by hand)
        if now < self._next_sweep or self.timer.is_alive():
            return
        self._next_sweep = now + self.SWEEP_INTERVAL_S
        sweep = getattr(self, "_MemoryStorage__expire_events")  # noqa: B009 - a private
        self.timer = threading.Timer(self.SWEEP_INTERVAL_S, sweep)
        self.timer.daemon = True
        self.timer.start()


class Throttle:
    """The command limits of one app: its table, parsed, and its counters."""

    def __init__(self, limits: Mapping[str, str], storage_uri: str = "memory://") -> None:
        for required in (DEFAULT, FACILITATOR + DEFAULT):
            if required not in limits:
                raise ValueError(f"the command limits need a default ({required!r})")
        self.limits: dict[str, str] = dict(limits)
        self._items = {key: _parse(value) for key, value in self.limits.items()}
        self.storage = (
            SweptMemoryStorage() if storage_uri == "memory://" else storage_from_string(storage_uri)
        )
        self.limiter = MovingWindowRateLimiter(self.storage)
        self._last_failure_log = float("-inf")

    def limits_for(self, command: str, role: Role) -> tuple[RateLimitItem, ...]:
        """The limits ``role`` is held to for ``command`` (never none)."""
        if role is Role.FACILITATOR:
            return self._items.get(FACILITATOR + command) or self._items[FACILITATOR + DEFAULT]
        return self._items.get(command) or self._items[DEFAULT]

    def hit(self, command: str, connection: Connection, sid: str) -> int | None:
        """Count one ``command`` of this socket: ``None`` when allowed, else the
        seconds to wait before it would be (nothing is counted then)."""
        who = identity(connection, sid)
        try:
            # Shortest window first: a burst is refused before it eats the longer budget.
            for item in self.limits_for(command, connection.role):
                if not self.limiter.hit(item, "command", command, who):
                    reset_at, _remaining = self.limiter.get_window_stats(
                        item, "command", command, who
                    )
                    return max(1, math.ceil(reset_at - time.time()))
        except Exception:  # noqa: BLE001 - the storage is down: let the room go on
            now = time.monotonic()
            if now - self._last_failure_log >= _FAILURE_LOG_INTERVAL_S:
                self._last_failure_log = now
                log.warning("command limits: storage unavailable, not counting", exc_info=True)
        return None

    def reset(self) -> None:
        """Forget every count (tests; an operator lifting a refusal)."""
        self.storage.reset()


_lock = threading.Lock()
_KEY = "semis_throttle"


def throttle(app: Flask) -> Throttle:
    """``app``'s throttle, made from its config on first use (``COMMAND_LIMITS``,
    ``RATELIMIT_STORAGE_URI``)."""
    found: Any = app.extensions.get(_KEY)
    if found is None:
        with _lock:
            found = app.extensions.get(_KEY)
            if found is None:
                found = Throttle(
                    table(app.config.get("COMMAND_LIMITS")),
                    str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://"),
                )
                app.extensions[_KEY] = found
    if not isinstance(found, Throttle):
        raise TypeError(f"app.extensions[{_KEY!r}] is a {type(found).__name__}")
    return found


def check(app: Flask, command: str, connection: Connection, sid: str) -> None:
    """Count ``command``; raises :class:`RateLimited` (``details.retry_after``, in
    seconds) when this identity sent it too often."""
    retry_after = throttle(app).hit(command, connection, sid)
    if retry_after is not None:
        raise RateLimited(retry_after=retry_after)
