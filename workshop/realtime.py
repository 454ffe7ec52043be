"""Event names, rooms and the broadcaster that delivers committed facts.

Names are defined once here and mirrored once in ``static/js/protocol.js`` (a test
keeps the two equal). Services never emit: they record events
(:func:`workshop.services.event_log.record`), and once the transaction commits the
broadcaster sends them, coalesced per workshop over a short window, to three rooms
per workshop, each getting its own serialisation of the fact.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Flask

from .extensions import sleep, socketio
from .roles import Role

if TYPE_CHECKING:
    from .presence import Presence
    from .wire import FactEnvelope, PresenceChanged

log = logging.getLogger(__name__)

_E = TypeVar("_E")


class Commands:
    """Client → server commands (``verb_noun``); each answers with an ack."""

    JOIN_WORKSHOP = "join_workshop"
    POST_IDEA = "post_idea"
    EDIT_IDEA = "edit_idea"
    REWORD_IDEA = "reword_idea"
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
    UNDO_GROUPING_CHANGE = "undo_grouping_change"
    PROPOSE_CHALLENGE = "propose_challenge"
    FIND_SIMILAR = "find_similar"
    FIND_DUPLICATES = "find_duplicates"
    MERGE_DUPLICATES = "merge_duplicates"
    DISMISS_DUPLICATES = "dismiss_duplicates"
    SAVE_QUALIFICATION = "save_qualification"
    OFFER_HELP = "offer_help"
    WITHDRAW_HELP = "withdraw_help"
    ERASE_PARTICIPANT = "erase_participant"
    # Défi tables (issue #13; workshop/table_sockets.py)
    CREATE_TABLES = "create_tables"
    UPDATE_TABLE = "update_table"
    DELETE_TABLE = "delete_table"
    SET_TABLE_HOST = "set_table_host"
    SEAT_PARTICIPANT = "seat_participant"
    BALANCE_TABLES = "balance_tables"
    NEXT_ROUND = "next_round"
    SET_CONTRIBUTION_KINDS = "set_contribution_kinds"
    SPOTLIGHT_TABLE = "spotlight_table"
    LIST_TABLES = "list_tables"
    CHOOSE_TABLE = "choose_table"
    JOIN_TABLE = "join_table"
    POST_CONTRIBUTION = "post_contribution"
    VOTE_CONTRIBUTION = "vote_contribution"
    MODERATE_CONTRIBUTION = "moderate_contribution"
    KEEP_CONTRIBUTION = "keep_contribution"
    SAVE_SYNTHESIS = "save_synthesis"
    # Majority judgment in a vote step (services/votes/grades.py)
    GRADE_ITEM = "grade_item"
    WITHDRAW_GRADE = "withdraw_grade"
    # The pitch step and peer feedback (issue #14; workshop/pitch_sockets.py)
    SPOTLIGHT_PROJECT = "spotlight_project"
    START_PITCH_TIMER = "start_pitch_timer"
    END_SPOTLIGHT = "end_spotlight"
    CONFIGURE_PITCH = "configure_pitch"
    GIVE_FEEDBACK = "give_feedback"
    MODERATE_FEEDBACK = "moderate_feedback"
    SELECT_FEEDBACK = "select_feedback"


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
    PARTICIPANT_ERASED = "participant_erased"
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
    DUPLICATES_MERGED = "duplicates_merged"
    DUPLICATES_UNMERGED = "duplicates_unmerged"
    DUPLICATES_DISMISSED = "duplicates_dismissed"
    QUALIFICATION_SAVED = "qualification_saved"
    VOLUNTEERS_CHANGED = "volunteers_changed"
    # Défi tables: workshop-wide (in the seq stream), then the coalesced roll-up (no seq),
    # then the table stream (``table_seq``, to one table's room and the facilitators),
    # then the personal ``table_changed`` (no seq).
    TABLES_CHANGED = "tables_changed"
    ROUND_CHANGED = "round_changed"
    SPOTLIGHT_CHANGED = "spotlight_changed"
    CONTRIBUTION_KINDS_CHANGED = "contribution_kinds_changed"
    TABLES_SUMMARY = "tables_summary"
    CONTRIBUTION_POSTED = "contribution_posted"
    CONTRIBUTION_CHANGED = "contribution_changed"
    TABLE_VOTES_CHANGED = "table_votes_changed"
    SYNTHESIS_SAVED = "synthesis_saved"
    TABLE_SEATED = "table_seated"
    TABLE_CHANGED = "table_changed"
    # Majority judgment: a vote step's grades (whole state, coalesced like tallies).
    GRADES_CHANGED = "grades_changed"
    # The pitch step: the spotlight and its part, and the feedback cards (counts and
    # the selected cards to phones and screens; every card to facilitators).
    PITCH_CHANGED = "pitch_changed"
    FEEDBACK_GIVEN = "feedback_given"
    FEEDBACK_CHANGED = "feedback_changed"


def names(cls: type) -> dict[str, str]:
    return {k: v for k, v in vars(cls).items() if k.isupper()}


def _merge_tallies(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """``votes_changed`` payloads as one: the union of the items' absolute tallies (the
    later wins) and the last totals."""
    merged = dict(payloads[-1])
    if any("tallies" in payload for payload in payloads):
        tallies: dict[str, Any] = {}
        for payload in payloads:
            tallies.update(payload.get("tallies", ()))
        merged["tallies"] = tallies
    return merged


def _keep_last(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    return payloads[-1]


def _gather_participants(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """``participant_joined`` payloads as one: the last count, and (facilitators) every
    newcomer of the run in ``participants`` instead of one ``participant``."""
    merged = dict(payloads[-1])
    joined = [payload["participant"] for payload in payloads if "participant" in payload]
    merged.pop("participant", None)
    if joined:
        merged["participants"] = joined
    return merged


# Facts whose consecutive occurrences may be folded into one: the merge function turns
# a run's payloads into one carrying them all; the envelope's ``since`` gives the first
# seq.
MERGERS: dict[str, Callable[[list[dict[str, Any]]], dict[str, Any]]] = {
    Facts.TIMER_CHANGED: _keep_last,
    Facts.VOTES_CHANGED: _merge_tallies,
    Facts.PARTICIPANT_JOINED: _gather_participants,
    Facts.GRADES_CHANGED: _keep_last,  # each carries the vote's whole state
}
MERGEABLE: frozenset[str] = frozenset(MERGERS)
# Facts that may wait longer before leaving: 400 phones voting at once then cost each
# phone a few tally messages per second, not one per vote; 1,000 phones scanning the
# QR codes at once cost each phone already there a few counts per second, not one
# message per newcomer (which made seating a room cost n²/2 messages).
SLOW_FACTS: frozenset[str] = frozenset(
    {Facts.VOTES_CHANGED, Facts.PARTICIPANT_JOINED, Facts.GRADES_CHANGED}
)


# The participants of a workshop are spread over this many rooms, the *lanes* (by
# participant id): a burst of tallies reaches the lanes a quarter of the tally window
# apart, so the server writes to a quarter of the phones at a time instead of stalling
# every connection while it writes to all of them (see Broadcaster).
LANES = 4


def participant_room(workshop_id: int, participant_id: int) -> str:
    """The participants' room (lane) a participant's sockets join."""
    return f"workshop:{workshop_id}:lane:{participant_id % LANES}"


def participant_rooms(workshop_id: int, lanes: Iterable[int] = range(LANES)) -> list[str]:
    return [f"workshop:{workshop_id}:lane:{lane}" for lane in lanes]


def facilitator_room(workshop_id: int) -> str:
    return f"workshop:{workshop_id}:facilitators"


def screen_room(workshop_id: int) -> str:
    return f"workshop:{workshop_id}:screens"


@dataclass(frozen=True)
class Fact:
    """A committed event ready to send: the facilitators' and the public payloads."""

    workshop_id: int
    seq: int
    name: str
    data: dict[str, Any]
    public_data: dict[str, Any] | None = None

    def payload(self, role: Role, since: int | None = None) -> dict[str, Any]:
        """What ``role``'s rooms receive: the :class:`~workshop.wire.FactEnvelope`
        and ``role``'s version of the fact's payload, in one object."""
        body = (
            self.data if role is Role.FACILITATOR or self.public_data is None else self.public_data
        )
        head: FactEnvelope = {"workshop_id": self.workshop_id, "seq": self.seq}
        message: dict[str, Any] = {**head, **body}
        if since is not None and since != self.seq:
            message["since"] = since  # FactEnvelope's third key
        return message


def _folded(run: list[Fact]) -> Fact:
    merge = MERGERS[run[-1].name]
    public = None
    if any(fact.public_data is not None for fact in run):
        public = merge(
            [fact.data if fact.public_data is None else fact.public_data for fact in run]
        )
    last = run[-1]
    return Fact(last.workshop_id, last.seq, last.name, merge([fact.data for fact in run]), public)


def coalesce(facts: list[Fact]) -> list[tuple[Fact, int]]:
    """Fold each run of one mergeable fact (same workshop) into one, keeping the run's
    first seq as ``since``; other facts pass unchanged, in order."""
    runs: list[list[Fact]] = []
    for fact in facts:
        previous = runs[-1][-1] if runs else None
        if (
            previous is not None
            and fact.name in MERGEABLE
            and previous.name == fact.name
            and previous.workshop_id == fact.workshop_id
        ):
            runs[-1].append(fact)
        else:
            runs.append([fact])
    return [(run[0] if len(run) == 1 else _folded(run), run[0].seq) for run in runs]


@dataclass
class Broadcaster:
    """Sends committed facts to the rooms of their workshop: the facilitators' (full
    payloads), and the screens' and the participants' lanes (public payloads).

    With ``window_ms`` > 0 a workshop's facts are sent at most once per window
    (``slow_window_ms`` when only tallies wait), mergeable facts folded: a burst of
    changes costs each client one flush per window rather than one message per change.
    A fact arriving after a quiet window leaves at once (from a background task, after
    the command's ack), so an isolated change pays no window; the ones following it
    within the window wait for the next flush. With 0 (tests) they leave at once, from
    the caller.

    Each lane of participants keeps its own buffer and window. Facts that must leave
    soon go to every lane at the same moment (one emit to all of them); tallies, which
    may wait, reach lane *k* ``k/LANES`` of the tally window later than lane 0 (which
    also carries the facilitators and the screens): during a vote storm the lanes'
    flushes stay that far apart, and writing the tallies to 1,000 phones becomes four
    writes to 250, with commands and acks handled in between. A lane's facts always
    leave in ``seq`` order, so a phone (in one lane) never sees them out of order.
    """

    window_ms: int
    slow_window_ms: int = 0
    lanes: int = LANES
    emit: Callable[..., Any] = field(default=socketio.emit)
    _buffers: dict[tuple[int, int], list[Fact]] = field(default_factory=lambda: defaultdict(list))
    _deadlines: dict[tuple[int, int], float] = field(default_factory=dict)
    _last_flush: dict[tuple[int, int], float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, facts: list[Fact]) -> None:
        if not facts:
            return
        if self.window_ms <= 0:
            self._send(facts, range(self.lanes))
            return
        slow_s = max(self.window_ms, self.slow_window_ms) / 1000
        window_s = self.window_ms / 1000
        schedule: dict[tuple[int, float], list[int]] = defaultdict(list)
        now = time.monotonic()
        with self._lock:
            for fact in facts:
                slow = fact.name in SLOW_FACTS
                for lane in range(self.lanes):
                    key = (fact.workshop_id, lane)
                    self._buffers[key].append(fact)
                    last = self._last_flush.get(key, float("-inf"))
                    if slow:
                        deadline = max(now + slow_s * lane / self.lanes, last + slow_s)
                    else:
                        deadline = max(now, last + window_s)
                    if self._deadlines.get(key, float("inf")) > deadline:
                        self._deadlines[key] = deadline
                        schedule[(fact.workshop_id, deadline)].append(lane)
        for (workshop_id, deadline), lanes in schedule.items():
            socketio.start_background_task(
                self._flush_later, workshop_id, sorted(set(lanes)), max(0.0, deadline - now)
            )

    def _flush_later(self, workshop_id: int, lanes: list[int], delay_s: float) -> None:
        sleep(delay_s)
        self.flush(workshop_id, lanes)

    def flush(self, workshop_id: int, lanes: Iterable[int] | None = None) -> None:
        """Send what the workshop's ``lanes`` (default: all) hold, if their flush is due.

        A lane whose deadline moved earlier was flushed by that earlier task; if it has
        filled again since, its new deadline has its own task: this one leaves it."""
        now = time.monotonic()
        groups: dict[tuple[int, ...], tuple[list[Fact], list[int]]] = {}
        with self._lock:
            for lane in range(self.lanes) if lanes is None else lanes:
                key = (workshop_id, lane)
                deadline = self._deadlines.get(key)
                if deadline is None or deadline > now + 0.0001:  # not due: a later task has it
                    continue
                del self._deadlines[key]
                facts = self._buffers.pop(key, [])
                self._last_flush[key] = now
                if facts:  # lanes holding the same facts share each emit
                    groups.setdefault(tuple(f.seq for f in facts), (facts, []))[1].append(lane)
            if len(self._last_flush) > 4096 * self.lanes:  # long-quiet workshops: forget
                horizon = now - 60
                self._last_flush = {k: v for k, v in self._last_flush.items() if v > horizon}
        for facts, group in groups.values():
            self._send(facts, group)

    def _send(self, facts: list[Fact], lanes: Iterable[int]) -> None:
        lanes = list(lanes)
        for fact, since in coalesce(sorted(facts, key=lambda f: (f.workshop_id, f.seq))):
            public_rooms = participant_rooms(fact.workshop_id, lanes)
            sends: list[tuple[Role, str | list[str]]] = []
            if 0 in lanes:  # the facilitators and the screens go with lane 0
                sends.append((Role.FACILITATOR, facilitator_room(fact.workshop_id)))
                public_rooms.append(screen_room(fact.workshop_id))
            sends.append((Role.PARTICIPANT, public_rooms))
            for role, rooms in sends:
                try:
                    self.emit(fact.name, fact.payload(role, since), to=rooms)
                except Exception:  # a broken transport must not lose the other rooms
                    log.exception("broadcast of %s #%s failed", fact.name, fact.seq)


class OncePerInterval:
    """Sends a workshop's ephemeral message at most once per ``interval_ms``, built when
    it leaves (so it says the latest): the first change schedules the sending, the
    changes meanwhile ride along. With ``interval_ms`` ≤ 0 (tests) it leaves at once.

    Subclasses are dataclasses declaring ``interval_ms``, ``_scheduled`` (a set) and
    ``_lock``, and implement ``_send``."""

    interval_ms: int
    _scheduled: set[int]
    _lock: threading.Lock

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
        sleep(self.interval_ms / 1000)
        with self._lock:
            self._scheduled.discard(workshop_id)
        self._send(workshop_id)

    def _send(self, workshop_id: int) -> None:
        raise NotImplementedError


@dataclass
class PresenceNotifier(OncePerInterval):
    """Sends ``presence_changed`` (not sequenced: it is not stored) at most once per
    ``interval_ms`` per workshop, with the count at the time of sending."""

    interval_ms: int
    count: Callable[[int], int]
    emit: Callable[..., Any] = field(default=socketio.emit)
    _scheduled: set[int] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _send(self, workshop_id: int) -> None:
        payload: PresenceChanged = {
            "workshop_id": workshop_id,
            "connected": self.count(workshop_id),
        }
        rooms = [facilitator_room(workshop_id), screen_room(workshop_id)]
        self.emit(Facts.PRESENCE_CHANGED, payload, to=rooms + participant_rooms(workshop_id))


def init_app(app: Flask) -> None:
    """Attach this app's broadcaster, presence registry and presence notifier."""
    from .presence import make_presence

    presence = make_presence(
        app.config["MESSAGE_QUEUE"], start_task=socketio.start_background_task, sleep=sleep
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


def _extension(app: Flask, key: str, kind: type[_E]) -> _E:
    found = app.extensions[key]
    if not isinstance(found, kind):
        raise TypeError(
            f"app.extensions[{key!r}] is a {type(found).__name__}, not a {kind.__name__}"
        )
    return found


def broadcaster(app: Flask) -> Broadcaster:
    """``app``'s broadcaster (:func:`init_app`)."""
    return _extension(app, "semis_broadcaster", Broadcaster)


def presence_notifier(app: Flask) -> PresenceNotifier:
    """``app``'s ``presence_changed`` notifier (:func:`init_app`)."""
    return _extension(app, "semis_presence_notifier", PresenceNotifier)


def presence_registry(app: Flask) -> Presence:
    """``app``'s registry of connected sockets (:func:`init_app`)."""
    from .presence import Presence

    return _extension(app, "semis_presence", Presence)
