"""Event names, rooms and the broadcaster that delivers committed facts.

Names are defined once here and mirrored once in ``static/js/events.js`` (a test
keeps the two equal). Services never emit: they record events
(:func:`workshop.services.events.record`), and once the transaction commits the
broadcaster sends them, coalesced per workshop over a short window, to three rooms
per workshop, each getting its own serialisation of the fact.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from .extensions import socketio
from .schemas import Role

log = logging.getLogger(__name__)


class Commands:
    """Client → server commands (``verb_noun``); each answers with an ack."""

    JOIN_WORKSHOP = "join_workshop"
    POST_IDEA = "post_idea"
    EDIT_IDEA = "edit_idea"
    WITHDRAW_IDEA = "withdraw_idea"
    HIDE_IDEA = "hide_idea"
    RESTORE_IDEA = "restore_idea"
    APPROVE_IDEA = "approve_idea"
    ADVANCE_PHASE = "advance_phase"
    OPEN_WORKSHOP = "open_workshop"
    CLOSE_WORKSHOP = "close_workshop"
    SET_JOINING = "set_joining"
    UPDATE_SETTINGS = "update_settings"
    START_TIMER = "start_timer"
    PAUSE_TIMER = "pause_timer"
    EXTEND_TIMER = "extend_timer"
    RESET_TIMER = "reset_timer"
    CAST_VOTE = "cast_vote"
    WITHDRAW_VOTE = "withdraw_vote"
    SET_VOTE = "set_vote"
    CONFIGURE_VOTE = "configure_vote"
    REVEAL_VOTES = "reveal_votes"
    FREEZE_RESULTS = "freeze_results"
    REOPEN_VOTE = "reopen_vote"
    CREATE_CHALLENGE = "create_challenge"
    UPDATE_CHALLENGE = "update_challenge"
    DELETE_CHALLENGE = "delete_challenge"
    REORDER_CHALLENGES = "reorder_challenges"
    MERGE_CHALLENGES = "merge_challenges"
    SPLIT_CHALLENGE = "split_challenge"
    MOVE_IDEA = "move_idea"
    MERGE_IDEAS = "merge_ideas"
    SUGGEST_GROUPS = "suggest_groups"
    APPLY_GROUPING = "apply_grouping"
    UNDO_GROUPING = "undo_grouping"
    PROPOSE_CHALLENGE = "propose_challenge"
    FIND_SIMILAR = "find_similar"
    SAVE_QUALIFICATION = "save_qualification"
    OFFER_HELP = "offer_help"
    WITHDRAW_HELP = "withdraw_help"


class Facts:
    """Server → client facts (``noun_verbed``).

    Every broadcast fact carries ``workshop_id`` and ``seq``, except ``presence_changed``
    (ephemeral, not stored, no ``seq``). ``workshop_state`` names the snapshot returned
    in the ``join_workshop`` ack; it is never broadcast.
    """

    WORKSHOP_STATE = "workshop_state"
    WORKSHOP_UPDATED = "workshop_updated"
    SETTINGS_CHANGED = "settings_changed"
    AGENDA_CHANGED = "agenda_changed"
    PHASE_CHANGED = "phase_changed"
    TIMER_CHANGED = "timer_changed"
    PARTICIPANT_JOINED = "participant_joined"
    PRESENCE_CHANGED = "presence_changed"
    IDEA_POSTED = "idea_posted"
    IDEA_UPDATED = "idea_updated"
    IDEA_WITHDRAWN = "idea_withdrawn"
    IDEA_HIDDEN = "idea_hidden"
    IDEA_RESTORED = "idea_restored"
    IDEA_APPROVED = "idea_approved"
    VOTES_CHANGED = "votes_changed"
    VOTE_CONFIGURED = "vote_configured"
    VOTES_REVEALED = "votes_revealed"
    RESULTS_FROZEN = "results_frozen"
    VOTE_REOPENED = "vote_reopened"
    CHALLENGE_CREATED = "challenge_created"
    CHALLENGE_UPDATED = "challenge_updated"
    CHALLENGES_REORDERED = "challenges_reordered"
    GROUPING_CHANGED = "grouping_changed"
    IDEA_MOVED = "idea_moved"
    IDEAS_MERGED = "ideas_merged"
    QUALIFICATION_SAVED = "qualification_saved"
    VOLUNTEERS_CHANGED = "volunteers_changed"


def names(cls: type) -> dict[str, str]:
    return {k: v for k, v in vars(cls).items() if k.isupper()}


def _merge_tallies(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """Two ``votes_changed`` payloads as one: the union of the items' absolute tallies
    (the later wins) and the later totals."""
    merged = dict(second)
    if "tallies" in first or "tallies" in second:
        merged["tallies"] = {**first.get("tallies", {}), **second.get("tallies", {})}
    return merged


def _keep_last(_first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    return second


# Facts whose consecutive occurrences may be folded into one: the merge function turns
# two payloads into one carrying both; the envelope's ``since`` gives the first seq.
MERGERS: dict[str, Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]] = {
    Facts.TIMER_CHANGED: _keep_last,
    Facts.VOTES_CHANGED: _merge_tallies,
}
MERGEABLE: frozenset[str] = frozenset(MERGERS)
# Facts that may wait longer before leaving: 400 phones voting at once then cost each
# phone a few tally messages per second, not one per vote.
SLOW_FACTS: frozenset[str] = frozenset({Facts.VOTES_CHANGED})


def room(workshop_id: int) -> str:
    """The participants' room of a workshop."""
    return f"workshop:{workshop_id}"


def facilitator_room(workshop_id: int) -> str:
    return f"workshop:{workshop_id}:facilitators"


def screen_room(workshop_id: int) -> str:
    return f"workshop:{workshop_id}:screens"


def room_for(workshop_id: int, role: Role) -> str:
    return {
        Role.PARTICIPANT: room,
        Role.FACILITATOR: facilitator_room,
        Role.SCREEN: screen_room,
    }[role](workshop_id)


@dataclass(frozen=True)
class Fact:
    """A committed event ready to send: the facilitators' and the public payloads."""

    workshop_id: int
    seq: int
    name: str
    data: dict[str, Any]
    public_data: dict[str, Any] | None = None

    def payload(self, role: Role, since: int | None = None) -> dict[str, Any]:
        body = (
            self.data if role is Role.FACILITATOR or self.public_data is None else self.public_data
        )
        envelope = {"workshop_id": self.workshop_id, "seq": self.seq, **body}
        if since is not None and since != self.seq:
            envelope["since"] = since
        return envelope


def _merged(first: Fact, second: Fact) -> Fact:
    merge = MERGERS[second.name]
    public = None
    if first.public_data is not None or second.public_data is not None:
        public = merge(first.public_data or first.data, second.public_data or second.data)
    return Fact(second.workshop_id, second.seq, second.name, merge(first.data, second.data), public)


def coalesce(facts: list[Fact]) -> list[tuple[Fact, int]]:
    """Fold each run of one mergeable fact (same workshop) into one, keeping the run's
    first seq as ``since``; other facts pass unchanged, in order."""
    out: list[tuple[Fact, int]] = []
    for fact in facts:
        previous = out[-1][0] if out else None
        if (
            previous is not None
            and fact.name in MERGEABLE
            and previous.name == fact.name
            and previous.workshop_id == fact.workshop_id
        ):
            out[-1] = (_merged(previous, fact), out[-1][1])
        else:
            out.append((fact, fact.seq))
    return out


@dataclass
class Broadcaster:
    """Sends committed facts to the three rooms of their workshop.

    With ``window_ms`` > 0 a workshop's facts are sent at most once per window
    (``slow_window_ms`` when only tallies wait), mergeable facts folded: a burst of
    changes costs each client one flush per window rather than one message per change.
    A fact arriving after a quiet window leaves at once (from a background task, after
    the command's ack), so an isolated change pays no window; the ones following it
    within the window wait for the next flush. With 0 (tests) they leave at once, from
    the caller.
    """

    window_ms: int
    slow_window_ms: int = 0
    emit: Callable[..., Any] = field(default=socketio.emit)
    _buffers: dict[int, list[Fact]] = field(default_factory=lambda: defaultdict(list))
    _deadlines: dict[int, float] = field(default_factory=dict)
    _last_flush: dict[int, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, facts: list[Fact]) -> None:
        if not facts:
            return
        if self.window_ms <= 0:
            self._send(facts)
            return
        schedule: list[tuple[int, float]] = []
        now = time.monotonic()
        with self._lock:
            for fact in facts:
                self._buffers[fact.workshop_id].append(fact)
                delay = (
                    max(self.window_ms, self.slow_window_ms)
                    if fact.name in SLOW_FACTS
                    else self.window_ms
                )
                last = self._last_flush.get(fact.workshop_id, float("-inf"))
                deadline = max(now, last + delay / 1000)
                if self._deadlines.get(fact.workshop_id, float("inf")) > deadline:
                    self._deadlines[fact.workshop_id] = deadline
                    schedule.append((fact.workshop_id, deadline - now))
        for workshop_id, delay_s in schedule:
            socketio.start_background_task(self._flush_later, workshop_id, delay_s)

    def _flush_later(self, workshop_id: int, delay_s: float) -> None:
        socketio.sleep(delay_s)
        self.flush(workshop_id)

    def flush(self, workshop_id: int) -> None:
        with self._lock:
            facts = self._buffers.pop(workshop_id, [])
            self._deadlines.pop(workshop_id, None)
            if facts:
                self._last_flush[workshop_id] = time.monotonic()
            if len(self._last_flush) > 4096:  # long-quiet workshops: forget them
                horizon = time.monotonic() - 60
                self._last_flush = {k: v for k, v in self._last_flush.items() if v > horizon}
        self._send(facts)

    def _send(self, facts: list[Fact]) -> None:
        for fact, since in coalesce(sorted(facts, key=lambda f: (f.workshop_id, f.seq))):
            for role in Role:
                try:
                    self.emit(
                        fact.name, fact.payload(role, since), to=room_for(fact.workshop_id, role)
                    )
                except Exception:  # a broken transport must not lose the other rooms
                    log.exception("broadcast of %s #%s failed", fact.name, fact.seq)


@dataclass
class PresenceNotifier:
    """Sends ``presence_changed`` (not sequenced: it is not stored) at most once per
    ``interval_ms`` per workshop, with the count at the time of sending."""

    interval_ms: int
    count: Callable[[int], int]
    emit: Callable[..., Any] = field(default=socketio.emit)
    _scheduled: set[int] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def changed(self, workshop_id: int) -> None:
        if self.interval_ms <= 0:
            self._send(workshop_id)
            return
        with self._lock:
            if workshop_id in self._scheduled:
                return
            self._scheduled.add(workshop_id)
        socketio.start_background_task(self._send_later, workshop_id)

    def _send_later(self, workshop_id: int) -> None:
        socketio.sleep(self.interval_ms / 1000)
        with self._lock:
            self._scheduled.discard(workshop_id)
        self._send(workshop_id)

    def _send(self, workshop_id: int) -> None:
        payload = {"workshop_id": workshop_id, "connected": self.count(workshop_id)}
        for role in Role:
            self.emit(Facts.PRESENCE_CHANGED, payload, to=room_for(workshop_id, role))


def init_app(app: Flask) -> None:
    """Attach this app's broadcaster, presence registry and presence notifier."""
    from .presence import make_presence

    presence = make_presence(
        app.config["MESSAGE_QUEUE"], start_task=socketio.start_background_task, sleep=socketio.sleep
    )
    app.extensions["semis_presence"] = presence
    app.extensions["semis_broadcaster"] = Broadcaster(
        window_ms=int(app.config["BROADCAST_WINDOW_MS"]),
        # Tallies must stay live: never held longer than 250 ms, whatever is configured.
        slow_window_ms=min(250, int(app.config["TALLY_WINDOW_MS"])),
    )
    app.extensions["semis_presence_notifier"] = PresenceNotifier(
        interval_ms=int(app.config["PRESENCE_INTERVAL_MS"]), count=presence.connected
    )


def broadcaster(app: Flask) -> Broadcaster:
    return app.extensions["semis_broadcaster"]
