"""Who is calling: facilitators (Flask-Login), participants (token cookie), screens (key).

Identity is established over HTTP; Socket.IO handlers only read it. A socket is
authenticated once, when it connects (see :mod:`workshop.sockets`), and the result is
kept in the presence registry under its ``sid``.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from flask import current_app, request, session
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_login import login_required as _login_required
from flask_socketio import disconnect, join_room
from werkzeug.wrappers import Response as BaseResponse

from . import realtime, throttle
from .errors import Forbidden, NotAuthenticated, ValidationError
from .extensions import login_manager, socketio
from .models import Facilitator, Participant, Workshop
from .presence import Connection, Presence
from .roles import Role
from .schemas import INT_MAX
from .services import accounts, guards, lookup, participants

P = ParamSpec("P")
R = TypeVar("R")


def _load_facilitator(user_id: str) -> Facilitator | None:
    """The session's or remember cookie's account, unless it signed out since."""
    return accounts.session_facilitator(user_id)


# Registered by a call: Flask-Login ships no types, so as a decorator it would leave
# the loader untyped.
login_manager.user_loader(_load_facilitator)


def account_room(facilitator_id: int) -> str:
    """The room every socket of one facilitator account is in, whatever its workshop,
    on this process (:func:`disconnect_account`)."""
    return f"account:{facilitator_id}"


def sign_in(facilitator: Facilitator, *, remember: bool) -> None:
    """Sign ``facilitator`` in on this browser; a remember cookie only if asked.

    The session keeps ``"<id>:<generation>:<nonce>"``: the generation lets a sign-out
    end it, and the nonce, new at each sign-in, rotates the session and remember cookie
    (Flask-Login writes the remember cookie from this value)."""
    login_user(facilitator, remember=remember, fresh=True)
    session["_user_id"] = f"{facilitator.get_id()}:{secrets.token_urlsafe(12)}"


def sign_out(facilitator: Facilitator) -> None:
    """End every session of the account (copies of its cookies included), clear this
    browser's, and disconnect the account's sockets."""
    accounts.end_sessions(facilitator)
    logout_user()
    disconnect_account(facilitator.id)


def disconnect_account(facilitator_id: int) -> None:
    """Disconnect every socket of an account, on every worker, now.

    This process's are in the account's room; the presence registry knows those of
    every worker (shared through Redis in scale-out). For a socket held by another
    worker, python-socketio's message-queue manager (``PubSubManager``) publishes the
    disconnect and the worker holding it carries it out. A socket missed all the same
    (Redis down) is still refused at its next event (:func:`current_connection`)."""
    # Set by init_app; the stubs do not declare it.
    server: Any = getattr(socketio, "server", None)
    if server is None:
        return
    room = account_room(facilitator_id)
    sids = {sid for sid, _eio_sid in server.manager.get_participants("/", room)}
    sids.update(presence().account_sids(facilitator_id))
    for sid in sorted(sids):
        server.disconnect(sid, namespace="/")


def current_facilitator() -> Facilitator | None:
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        return user if isinstance(user, Facilitator) else None
    return None


def login_required(view: Callable[P, R]) -> Callable[P, R | BaseResponse]:
    """:func:`flask_login.login_required`, typed: without a signed-in facilitator the
    request gets the sign-in page (a redirect) instead of ``view``'s answer."""
    guarded: Callable[P, R | BaseResponse] = _login_required(view)
    return guarded


def disconnect_participant(workshop_id: int, participant_id: int) -> None:
    """Disconnect the sockets of a participant (whose data was just erased) that this
    process holds; on other workers their commands are refused (the participant no
    longer exists) and their phone is disconnected at its next reconnection."""
    server: Any = getattr(socketio, "server", None)
    if server is None:
        return
    for sid in presence().participant_sids(workshop_id, participant_id):
        server.disconnect(sid, namespace="/")


def participant_cookie(workshop_id: int) -> str:
    return f"semis_p{workshop_id}"


def set_participant_cookie(response: BaseResponse, workshop_id: int, token: str) -> None:
    response.set_cookie(
        participant_cookie(workshop_id),
        token,
        max_age=current_app.config["PARTICIPANT_COOKIE_DAYS"] * 86400,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


def current_participant(workshop_id: int) -> Participant | None:
    """The participant this browser joined ``workshop_id`` as, from its cookie."""
    return participants.identify(workshop_id, request.cookies.get(participant_cookie(workshop_id)))


def screen_key_matches(workshop: Workshop, key: Any) -> bool:
    return isinstance(key, str) and hmac.compare_digest(key, workshop.screen_key)


def socket_connection(auth_data: Any) -> Connection:
    """Who a connecting socket is, from its ``{"workshop_id", "role", "key"?}`` and the
    HTTP session or cookie it carries. Raises :class:`NotAuthenticated` (or
    :class:`NotFound`, :class:`Forbidden`) instead of letting it in."""
    data = auth_data if isinstance(auth_data, dict) else {}
    workshop_id, role = data.get("workshop_id"), data.get("role")
    if (
        isinstance(workshop_id, bool)
        or not isinstance(workshop_id, int)
        # Bounded: an id beyond the database's integer range would fail the query itself.
        or not 0 < workshop_id <= INT_MAX
        or role not in {r.value for r in Role}
    ):
        raise NotAuthenticated()
    workshop = lookup.get_workshop(workshop_id)
    if role == Role.PARTICIPANT:
        participant = current_participant(workshop.id)
        if participant is None:
            raise NotAuthenticated()
        return Connection(workshop.id, Role.PARTICIPANT, participant_id=participant.id)
    if role == Role.FACILITATOR:
        facilitator = current_facilitator()
        if facilitator is None:
            raise NotAuthenticated()
        guards.require_facilitator(workshop, facilitator)
        join_room(account_room(facilitator.id))
        return Connection(workshop.id, Role.FACILITATOR, facilitator_id=facilitator.id)
    if not screen_key_matches(workshop, data.get("key")):
        raise NotAuthenticated()
    return Connection(workshop.id, Role.SCREEN)


def presence() -> Presence:
    """This app's registry of connected sockets."""
    return realtime.presence_registry(current_app)


def socket_id() -> str:
    """The Socket.IO session id of the socket whose event is being handled."""
    sid: str = request.sid  # type: ignore[attr-defined]  # Flask-SocketIO sets it on Flask's request
    return sid


def current_connection() -> Connection:
    """The authenticated socket's connection; raises :class:`NotAuthenticated`.

    A facilitator's socket whose session has ended since it connected (signed out,
    password changed, perhaps on another worker) is disconnected instead."""
    connection = presence().get(socket_id())
    if connection is None:
        raise NotAuthenticated()
    if connection.role is Role.FACILITATOR and current_facilitator() is None:
        disconnect()
        raise NotAuthenticated()
    return connection


def command_name() -> str:
    """The name of the event being handled (Flask-SocketIO keeps it on the request)."""
    event: Any = getattr(request, "event", None)
    name = event.get("message") if isinstance(event, dict) else None
    return name if isinstance(name, str) else ""


def socket_role(
    *roles: Role,
) -> Callable[[Callable[Concatenate[Connection, P], R]], Callable[P, R]]:
    """Guard a socket handler: the connection must be one of ``roles``, and within its
    limit for this command (:mod:`workshop.throttle`), else the handler does not run.

    The handler receives the :class:`Connection` as its first argument.
    """

    def decorate(handler: Callable[Concatenate[Connection, P], R]) -> Callable[P, R]:
        @functools.wraps(handler)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            connection = current_connection()
            if connection.role not in roles:
                raise Forbidden()
            throttle.check(current_app, command_name(), connection, socket_id())
            if len(args) > 1 or kwargs:  # every command takes one payload at most
                raise ValidationError(_("A command takes one payload at most."), reason="arguments")
            return handler(connection, *args, **kwargs)

        return wrapper

    return decorate


def connection_facilitator(connection: Connection) -> Facilitator:
    facilitator = accounts.get_facilitator(connection.facilitator_id or 0)
    if facilitator is None:
        raise NotAuthenticated()
    return facilitator


def room_name(connection: Connection) -> str:
    """The one room a connection joins: its role's, or for a participant its lane."""
    if connection.role is Role.FACILITATOR:
        return realtime.facilitator_room(connection.workshop_id)
    if connection.role is Role.SCREEN:
        return realtime.screen_room(connection.workshop_id)
    return realtime.participant_room(connection.workshop_id, connection.participant_id or 0)
