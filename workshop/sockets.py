"""Socket.IO handlers: authenticate on connect, then parse, call one service, ack.

Every command answers ``{"ok": true, "data": ...}`` or ``{"ok": false, "error":
{"code", "message"}}`` (:data:`workshop.wire.Ack`: :func:`ok` builds the first, the
error handler the second); the facts a service records are broadcast after its commit to
the whole room, sender included. ``docs/protocol.md`` documents every handler here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from flask import current_app
from flask_socketio import join_room
from socketio import packet
from socketio.exceptions import ConnectionRefusedError

from . import auth, schemas, table_rooms
from .errors import InternalError, WorkshopError
from .extensions import db, socketio
from .models import Idea, utcnow
from .presence import Connection
from .realtime import Commands, presence_notifier
from .schemas import Role, serialize_idea
from .schemas.votes import GradeChoice, parse_grade, parse_grade_ref
from .services import (
    agenda,
    challenges,
    duplicates,
    ideas,
    merging,
    privacy,
    qualification,
    snapshot,
    suggestions,
    volunteers,
    votes,
    workshops,
)
from .wire import (
    ChallengeChanged,
    ErasureResult,
    ErrorAck,
    IdeaChanged,
    IdeaStub,
    IdeaView,
    IdeaWithdrawn,
    OfferHelpResult,
    OkAck,
    PostIdeaResult,
    QualificationSaved,
    VolunteerView,
    VoteResult,
    WithdrawHelpResult,
)

log = logging.getLogger(__name__)

T = TypeVar("T")


# Event names Socket.IO keeps for itself: a client sending one as an event would run the
# connect or disconnect handler a second time (a new identity, a presence count off by one).
RESERVED_EVENTS = frozenset({"connect", "connect_error", "disconnect"})
# What a dropped packet becomes: an event no handler serves, so it has no effect.
_DROPPED = "\x00dropped"


class GuardedPacket(packet.Packet):  # type: ignore[misc]  # socketio ships no types
    """Socket.IO packets as the server reads them, with what a client may not send
    dropped at the door and logged in one line (not a traceback per packet): text that
    does not decode, unknown packet types, events that are not ``[name, ...]``, the
    reserved event names, and binary packets (our clients never send any).

    Installed as python-socketio's ``serializer`` (its documented hook for a ``Packet``
    subclass), so every server :data:`socketio` creates reads packets through it.
    """

    def decode(self, encoded_packet: Any) -> int:
        if not isinstance(encoded_packet, str):
            return self._drop("a binary message")
        try:
            attachments = int(super().decode(encoded_packet) or 0)
        except Exception as error:  # noqa: BLE001 - whatever the bytes, one log line
            return self._drop(f"undecodable ({type(error).__name__}: {error})")
        if attachments or self.packet_type in (packet.BINARY_EVENT, packet.BINARY_ACK):
            return self._drop("a binary packet")
        if self.packet_type not in (packet.CONNECT, packet.DISCONNECT, packet.EVENT, packet.ACK):
            return self._drop(f"packet type {self.packet_type!r}")
        if self.packet_type == packet.EVENT:
            data: Any = self.data
            if not isinstance(data, list) or not data or not isinstance(data[0], str):
                return self._drop("an event that is not [name, ...]")
            if data[0] in RESERVED_EVENTS:
                return self._drop(f"a client-sent {data[0]!r} event")
        return 0

    def _drop(self, reason: str) -> int:
        log.warning("dropped a Socket.IO packet: %s", reason)
        self.packet_type, self.namespace, self.id, self.data = packet.EVENT, None, None, [_DROPPED]
        return 0


# Read by socketio.init_app (factory imports this module first): every server it makes.
socketio.server_options["serializer"] = GuardedPacket  # type: ignore[attr-defined]  # the stubs omit server_options


def ok(data: T) -> OkAck[T]:
    """A command's answer when it succeeds (``ok(None)``: a command with no data)."""
    return {"ok": True, "data": data}


def _refuse(error: WorkshopError) -> NoReturn:
    # The client receives the message, and the error object as the connect_error data.
    raise ConnectionRefusedError(str(error.message), error.to_dict())


@socketio.on("connect")
def on_connect(auth_data: Any = None) -> None:
    """Sent by every client as it connects, with ``{"workshop_id", "role", "key"?}``.

    Refuses sockets without a valid identity for that workshop and role, and any
    connection whose check fails unexpectedly: an error never lets a socket in.
    """
    try:
        connection = auth.socket_connection(auth_data)
    except WorkshopError as error:
        _refuse(error)
    except Exception:
        db.session.rollback()
        log.exception("socket authentication failed")
        _refuse(InternalError())
    auth.presence().add(auth.socket_id(), connection)


@socketio.on("disconnect")
def on_disconnect(*_reason: Any) -> None:
    """Forget the socket; a participant's last socket leaving updates the presence count."""
    table_rooms.forget_socket(auth.socket_id())
    connection = auth.presence().remove(auth.socket_id())
    if connection is not None and connection.role is Role.PARTICIPANT:
        presence_notifier(current_app).changed(connection.workshop_id)


@socketio.on_error_default
def on_error(error: BaseException) -> ErrorAck:
    """Turn any failure of a handler into an error ack; nothing half-written remains."""
    db.session.rollback()
    if not isinstance(error, WorkshopError):
        log.exception("socket handler failed", exc_info=error)
        error = InternalError()
    return {"ok": False, "error": error.to_dict()}


@socketio.on(Commands.JOIN_WORKSHOP)
@auth.socket_role(*Role)
def join_workshop(connection: Connection, payload: Any = None) -> OkAck[dict[str, Any]]:
    """Any authenticated client: enter the rooms of its role; get a snapshot, or the
    events missed since ``last_seq`` when that is cheaper."""
    last_seq = schemas.parse_last_seq(payload)
    join_room(auth.room_name(connection))
    if connection.role is Role.PARTICIPANT:
        # Where table_changed reaches the phone (défi tables), whatever the worker.
        join_room(table_rooms.personal_room(connection.workshop_id, connection.participant_id or 0))
        presence_notifier(current_app).changed(connection.workshop_id)
    data = snapshot.resume(
        connection.workshop_id, connection.role, connection.participant_id, last_seq
    )
    live_data = data if data["mode"] == "replay" else data["state"]
    if connection.role is Role.PARTICIPANT and data["mode"] == "snapshot":
        _enter_snapshot_table(connection, data["state"])
    live_data["server_time"] = int(utcnow().timestamp() * 1000)
    live_data["connected"] = auth.presence().connected(connection.workshop_id)
    return ok(data)


def _enter_snapshot_table(connection: Connection, state: dict[str, Any]) -> None:
    """A phone's snapshot at a défi evening holds its table's snapshot: its socket
    follows that table from here (the table's room, the host's room for its host), as
    ``join_table`` would have done, so that a phone seated by its table's QR code needs
    no second round trip. A replay holds no table: the phone sends ``join_table``."""
    if "table" not in state:  # a workshop without tables
        return
    table = state["table"]
    me = state.get("me") or {}
    table_rooms.enter_table(
        auth.socket_id(),
        connection.workshop_id,
        table["id"] if table is not None else None,
        host=table is not None and me.get("host_of") == table["id"],
    )


@socketio.on(Commands.POST_IDEA)
@auth.socket_role(Role.PARTICIPANT)
def post_idea(connection: Connection, payload: Any = None) -> OkAck[PostIdeaResult]:
    """A participant posts an idea; ``idea_posted`` is broadcast (once, even if retried)."""
    new = schemas.parse_new_idea(payload)
    session, expire = db.session(), db.session().expire_on_commit
    # The ack shows the idea as the service wrote it (the fact it broadcast was built
    # from the same object): no need to read it back after the commit, which would
    # cost two queries (the idea, its author) on every post.
    session.expire_on_commit = False
    try:
        idea, created = ideas.post_idea(connection.workshop_id, connection.participant_id or 0, new)
        return ok({"idea": _own_view(idea), "created": created})
    finally:
        session.expire_on_commit = expire


@socketio.on(Commands.EDIT_IDEA)
@auth.socket_role(Role.PARTICIPANT)
def edit_idea(connection: Connection, payload: Any = None) -> OkAck[IdeaChanged]:
    """A participant edits their own idea; ``idea_updated`` is broadcast."""
    edit = schemas.parse_idea_edit(payload)
    idea = ideas.edit_idea(connection.workshop_id, connection.participant_id or 0, edit)
    return ok({"idea": _own_view(idea)})


@socketio.on(Commands.WITHDRAW_IDEA)
@auth.socket_role(Role.PARTICIPANT)
def withdraw_idea(connection: Connection, payload: Any = None) -> OkAck[IdeaWithdrawn]:
    """A participant withdraws their own idea; ``idea_withdrawn`` is broadcast."""
    idea_id = schemas.parse_idea_ref(payload)
    ideas.withdraw_idea(connection.workshop_id, connection.participant_id or 0, idea_id)
    return ok({"idea_id": idea_id})


@socketio.on(Commands.CAST_VOTE)
@auth.socket_role(Role.PARTICIPANT)
def cast_vote(connection: Connection, payload: Any = None) -> OkAck[VoteResult]:
    """A participant adds a dot to an idea; ``votes_changed`` is broadcast (coalesced).

    The ack carries the participant's votes in this phase and the votes left."""
    return _vote(connection, "add", schemas.parse_vote_target(payload))


@socketio.on(Commands.WITHDRAW_VOTE)
@auth.socket_role(Role.PARTICIPANT)
def withdraw_vote(connection: Connection, payload: Any = None) -> OkAck[VoteResult]:
    """A participant takes a dot back; ``votes_changed`` is broadcast (coalesced)."""
    return _vote(connection, "remove", schemas.parse_vote_target(payload))


@socketio.on(Commands.SET_VOTE)
@auth.socket_role(Role.PARTICIPANT)
def set_vote(connection: Connection, payload: Any = None) -> OkAck[VoteResult]:
    """A participant sets their dots on one item to an exact count: idempotent, so an
    offline outbox or a retry after a lost ack can send it again safely."""
    return _vote(connection, "set", schemas.parse_vote_set(payload))


def _vote(connection: Connection, how: votes.How, target: schemas.VoteTarget) -> OkAck[VoteResult]:
    change = votes.VoteChange(connection.participant_id or 0, target, how)
    return ok(votes.submit(connection.workshop_id, change))


@socketio.on(Commands.GRADE_ITEM)
@auth.socket_role(Role.PARTICIPANT)
def grade_item(connection: Connection, payload: Any = None) -> OkAck[votes.grades.MyGrades]:
    """A participant grades one option of a majority vote (idempotent: a retry changes
    nothing); ``grades_changed`` is broadcast (coalesced). The ack carries their grades."""
    return _grade(connection, parse_grade(payload))


@socketio.on(Commands.WITHDRAW_GRADE)
@auth.socket_role(Role.PARTICIPANT)
def withdraw_grade(connection: Connection, payload: Any = None) -> OkAck[votes.grades.MyGrades]:
    """A participant takes a grade back; ``grades_changed`` is broadcast (coalesced)."""
    return _grade(connection, parse_grade_ref(payload))


def _grade(connection: Connection, choice: GradeChoice) -> OkAck[votes.grades.MyGrades]:
    change = votes.grades.GradeChange(connection.participant_id or 0, choice)
    return ok(votes.grades.submit(connection.workshop_id, change))


@socketio.on(Commands.PROPOSE_CHALLENGE)
@auth.socket_role(Role.PARTICIPANT)
def propose_challenge(connection: Connection, payload: Any = None) -> OkAck[None]:
    """A participant places their own idea in a défi (when the workshop allows it);
    ``idea_moved`` is broadcast."""
    move = schemas.parse_idea_move(payload)
    challenges.propose_challenge(connection.workshop_id, connection.participant_id or 0, move)
    return ok(None)


@socketio.on(Commands.FIND_SIMILAR)
@auth.socket_role(Role.PARTICIPANT, Role.FACILITATOR)
def find_similar(connection: Connection, payload: Any = None) -> OkAck[dict[str, Any]]:
    """Anyone typing an idea asks for close existing ones; nothing is broadcast."""
    text = schemas.parse_similar_query(payload)
    return ok({"ideas": suggestions.find_similar(connection.workshop_id, text)})


@socketio.on(Commands.SUGGEST_GROUPS)
@auth.socket_role(Role.FACILITATOR)
def suggest_groups(connection: Connection, payload: Any = None) -> OkAck[dict[str, Any]]:
    """A facilitator asks for suggested défis; the proposal comes back in the ack only."""
    k = schemas.parse_suggest(payload)
    facilitator = auth.connection_facilitator(connection)
    return ok({"groups": suggestions.suggest_groups(connection.workshop_id, facilitator, k)})


@socketio.on(Commands.FIND_DUPLICATES)
@auth.socket_role(Role.FACILITATOR)
def find_duplicates(connection: Connection, payload: Any = None) -> OkAck[dict[str, Any]]:
    """A facilitator asks for the likely duplicates among the visible ideas (the duplicate
    review); the clusters come back in the ack only."""
    schemas.require_mapping({} if payload is None else payload)
    facilitator = auth.connection_facilitator(connection)
    return ok(duplicates.find_duplicates(connection.workshop_id, facilitator))


@socketio.on(Commands.CREATE_CHALLENGE)
@auth.socket_role(Role.FACILITATOR)
def create_challenge(connection: Connection, payload: Any = None) -> OkAck[ChallengeChanged]:
    """A facilitator adds a défi; ``challenge_created`` is broadcast."""
    new = schemas.parse_new_challenge(payload)
    facilitator = auth.connection_facilitator(connection)
    challenge = challenges.create_challenge(connection.workshop_id, facilitator, new)
    return ok({"challenge": schemas.serialize_challenge(challenge)})


@socketio.on(Commands.SAVE_QUALIFICATION)
@auth.socket_role(Role.FACILITATOR, Role.PARTICIPANT)
def save_qualification(connection: Connection, payload: Any = None) -> OkAck[QualificationSaved]:
    """A facilitator (or a participant, when allowed) saves a qualification sheet;
    ``qualification_saved`` is broadcast."""
    edit = schemas.parse_qualification(payload)
    if connection.role is Role.FACILITATOR:
        facilitator = auth.connection_facilitator(connection)
        sheet = qualification.qualify(connection.workshop_id, facilitator, edit)
    else:
        sheet = qualification.qualify_as_participant(
            connection.workshop_id, connection.participant_id or 0, edit
        )
    return ok({"qualification": schemas.serialize_qualification(sheet)})


@socketio.on(Commands.OFFER_HELP)
@auth.socket_role(Role.PARTICIPANT)
def offer_help(connection: Connection, payload: Any = None) -> OkAck[OfferHelpResult]:
    """A participant offers to hold, contribute to or follow a défi or an idea (or
    changes their consent); ``volunteers_changed`` is broadcast (counts only, except to
    facilitators). The ack carries the caller's offers."""
    offer = schemas.parse_volunteer_offer(payload)
    volunteers.offer_help(connection.workshop_id, connection.participant_id or 0, offer)
    return ok({"volunteers": _my_offers(connection)})


@socketio.on(Commands.WITHDRAW_HELP)
@auth.socket_role(Role.PARTICIPANT)
def withdraw_help(connection: Connection, payload: Any = None) -> OkAck[WithdrawHelpResult]:
    """A participant withdraws an offer (its contact details are erased);
    ``volunteers_changed`` is broadcast. The ack carries the caller's offers."""
    ref = schemas.parse_volunteer_ref(payload)
    removed = volunteers.withdraw_help(connection.workshop_id, connection.participant_id or 0, ref)
    return ok({"removed": removed, "volunteers": _my_offers(connection)})


@socketio.on(Commands.ERASE_PARTICIPANT)
@auth.socket_role(Role.FACILITATOR)
def erase_participant(connection: Connection, payload: Any = None) -> OkAck[ErasureResult]:
    """A facilitator erases a participant's data (at their request, in the room or by
    mail): pseudonym, profile, offers and contact details go; their ideas stay without
    author or go, as the workshop says. ``participant_erased`` is broadcast; the ack
    comes back, then the participant's sockets on this process are closed (on other
    processes their commands are refused: the participant no longer exists). A phone
    erases its own data over HTTP (``POST /j/<code>/erase``)."""
    participant_id = schemas.parse_participant_ref(payload)
    facilitator = auth.connection_facilitator(connection)
    erasure = privacy.erase_participant(connection.workshop_id, participant_id, facilitator)
    auth.disconnect_participant(connection.workshop_id, erasure.participant_id)
    return ok(_erasure_result(erasure))


def _erasure_result(erasure: privacy.Erasure) -> ErasureResult:
    return {
        "participant_id": erasure.participant_id,
        "offers": erasure.offers,
        "ideas_kept": erasure.ideas_kept,
        "ideas_deleted": erasure.ideas_deleted,
    }


def _my_offers(connection: Connection) -> list[VolunteerView]:
    return volunteers.mine(connection.participant_id or 0)


def _own_view(idea: Idea) -> IdeaView | IdeaStub:
    return serialize_idea(idea, Role.PARTICIPANT, anonymous=False, viewer_id=idea.participant_id)


def _facilitator_command(
    service: Callable[..., object], parse: Callable[[Any], object] | None = None
) -> Callable[[Any], OkAck[None]]:
    """Build a facilitator handler: parse the payload, call ``service``, ack its result."""

    @auth.socket_role(Role.FACILITATOR)
    def handler(connection: Connection, payload: Any = None) -> OkAck[None]:
        facilitator = auth.connection_facilitator(connection)
        args = () if parse is None else (parse(payload),)
        service(connection.workshop_id, facilitator, *args)
        return ok(None)

    handler.__doc__ = f"A facilitator calls ``{service.__module__}.{service.__name__}``."
    return handler


FACILITATOR_COMMANDS: dict[str, tuple[Callable[..., object], Callable[[Any], object] | None]] = {
    Commands.HIDE_IDEA: (ideas.hide_idea, schemas.parse_idea_ref),
    Commands.RESTORE_IDEA: (ideas.restore_idea, schemas.parse_idea_ref),
    Commands.APPROVE_IDEA: (ideas.approve_idea, schemas.parse_idea_ref),
    Commands.REWORD_IDEA: (ideas.reword_idea, schemas.parse_idea_edit),
    Commands.ADVANCE_PHASE: (agenda.advance_phase, schemas.parse_phase_target),
    Commands.OPEN_WORKSHOP: (agenda.open_workshop, None),
    Commands.CLOSE_WORKSHOP: (agenda.close_workshop, None),
    Commands.SET_JOINING: (workshops.set_joining, lambda p: schemas.parse_flag(p, "open")),
    Commands.UPDATE_SETTINGS: (workshops.update_settings, schemas.parse_settings),
    Commands.START_TIMER: (
        agenda.start_timer,
        lambda p: schemas.parse_seconds(p or {}, required=False),
    ),
    Commands.PAUSE_TIMER: (agenda.pause_timer, None),
    Commands.EXTEND_TIMER: (agenda.extend_timer, schemas.parse_seconds),
    Commands.RESET_TIMER: (agenda.reset_timer, None),
    Commands.CONFIGURE_VOTE: (votes.configure_vote, schemas.parse_vote_settings),
    Commands.REVEAL_VOTES: (votes.reveal_votes, schemas.parse_phase_ref),
    Commands.FREEZE_RESULTS: (votes.freeze_results, schemas.parse_phase_ref),
    Commands.REOPEN_VOTE: (votes.reopen_vote, schemas.parse_phase_ref),
    Commands.UPDATE_CHALLENGE: (challenges.update_challenge, schemas.parse_challenge_edit),
    Commands.DELETE_CHALLENGE: (merging.delete_challenge, schemas.parse_challenge_ref),
    Commands.REORDER_CHALLENGES: (challenges.reorder_challenges, schemas.parse_challenge_order),
    Commands.MERGE_CHALLENGES: (merging.merge_challenges, schemas.parse_challenge_merge),
    Commands.SPLIT_CHALLENGE: (challenges.split_challenge, schemas.parse_challenge_split),
    Commands.MOVE_IDEA: (challenges.move_idea, schemas.parse_idea_move),
    Commands.MERGE_IDEAS: (merging.merge_ideas, schemas.parse_idea_merge),
    Commands.MERGE_DUPLICATES: (merging.merge_duplicates, schemas.parse_duplicate_merge),
    Commands.DISMISS_DUPLICATES: (
        duplicates.dismiss_duplicates,
        schemas.parse_duplicate_dismissal,
    ),
    Commands.APPLY_GROUPING: (suggestions.apply_grouping, schemas.parse_grouping),
    Commands.UNDO_GROUPING: (suggestions.undo_grouping, None),
    Commands.UNDO_GROUPING_CHANGE: (merging.undo_grouping_change, schemas.parse_grouping_undo),
}

for _name, (_service, _parse) in FACILITATOR_COMMANDS.items():
    socketio.on(_name)(_facilitator_command(_service, _parse))
