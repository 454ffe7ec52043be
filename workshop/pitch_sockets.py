"""Socket.IO handlers of the pitch step (issue #14): parse, call one service, ack.

The same patterns as :mod:`workshop.table_sockets` (imported beside it by the factory,
before ``socketio.init_app``): each command answers ``{"ok": true, "data"}`` or an error
ack, is guarded by :func:`workshop.auth.socket_role` (roles, command limits), and reads
its payload through :mod:`workshop.schemas.pitch`. The facts the service records reach
every room of the workshop after its commit, each role its own version
(:mod:`workshop.services.pitch`). ``docs/protocol.md`` documents every handler here.
"""

from __future__ import annotations

from typing import Any

from . import auth
from .extensions import socketio
from .presence import Connection
from .realtime import Commands
from .roles import Role
from .schemas import pitch as pitch_schemas
from .services import pitch
from .sockets import ok
from .wire import OkAck
from .wire.pitch import CardView, GiveFeedbackResult


@socketio.on(Commands.SPOTLIGHT_PROJECT)
@auth.socket_role(Role.FACILITATOR)
def spotlight_project(connection: Connection, payload: Any = None) -> OkAck[None]:
    """A facilitator puts a project in the spotlight (by id, next or previous);
    ``pitch_changed`` and ``timer_changed`` are broadcast."""
    target = pitch_schemas.parse_spotlight_target(payload)
    facilitator = auth.connection_facilitator(connection)
    pitch.spotlight_project(connection.workshop_id, facilitator, target)
    return ok(None)


@socketio.on(Commands.START_PITCH_TIMER)
@auth.socket_role(Role.FACILITATOR)
def start_pitch_timer(connection: Connection, payload: Any = None) -> OkAck[None]:
    """A facilitator starts the spotlit project's pitch or questions timer."""
    part = pitch_schemas.parse_part(payload)
    facilitator = auth.connection_facilitator(connection)
    pitch.start_pitch_timer(connection.workshop_id, facilitator, part)
    return ok(None)


@socketio.on(Commands.END_SPOTLIGHT)
@auth.socket_role(Role.FACILITATOR)
def end_spotlight(connection: Connection, payload: Any = None) -> OkAck[None]:
    """A facilitator takes the project out of the spotlight."""
    pitch_schemas.parse_empty(payload)
    pitch.end_spotlight(connection.workshop_id, auth.connection_facilitator(connection))
    return ok(None)


@socketio.on(Commands.CONFIGURE_PITCH)
@auth.socket_role(Role.FACILITATOR)
def configure_pitch(connection: Connection, payload: Any = None) -> OkAck[None]:
    """A facilitator sets how long each pitch and its questions last."""
    settings = pitch_schemas.parse_pitch_settings(payload)
    facilitator = auth.connection_facilitator(connection)
    pitch.configure_pitch(connection.workshop_id, facilitator, settings)
    return ok(None)


@socketio.on(Commands.GIVE_FEEDBACK)
@auth.socket_role(Role.PARTICIPANT)
def give_feedback(connection: Connection, payload: Any = None) -> OkAck[GiveFeedbackResult]:
    """A participant gives a feedback card (exactly once per ``client_id``);
    ``feedback_given`` is broadcast (counts only, but to facilitators)."""
    new = pitch_schemas.parse_new_feedback(payload)
    card, created = pitch.give_feedback(connection.workshop_id, connection.participant_id or 0, new)
    return ok({"card": pitch.own_card_view(card), "created": created})


@socketio.on(Commands.MODERATE_FEEDBACK)
@auth.socket_role(Role.FACILITATOR)
def moderate_feedback(connection: Connection, payload: Any = None) -> OkAck[dict[str, CardView]]:
    """A facilitator hides a card or shows it again; ``feedback_changed``."""
    flag = pitch_schemas.parse_feedback_hidden(payload)
    facilitator = auth.connection_facilitator(connection)
    card = pitch.moderate_feedback(connection.workshop_id, facilitator, flag.card_id, flag.value)
    return ok({"card": pitch.own_card_view(card)})


@socketio.on(Commands.SELECT_FEEDBACK)
@auth.socket_role(Role.FACILITATOR)
def select_feedback(connection: Connection, payload: Any = None) -> OkAck[dict[str, CardView]]:
    """A facilitator shows a card on the screen or takes it off; ``feedback_changed``."""
    flag = pitch_schemas.parse_feedback_selected(payload)
    facilitator = auth.connection_facilitator(connection)
    card = pitch.select_feedback(connection.workshop_id, facilitator, flag.card_id, flag.value)
    return ok({"card": pitch.own_card_view(card)})
