"""Socket.IO handlers of the défi tables (issue #13): parse, call one service, ack.

The same patterns as :mod:`workshop.sockets` (imported beside it by the factory, before
``socketio.init_app``): each command answers ``{"ok": true, "data"}`` or an error ack,
is guarded by :func:`workshop.auth.socket_role` (roles, command limits), and reads its
payload through :mod:`workshop.schemas.tables`. Facts are sent after the service's
commit: workshop-wide ones to the whole room, a table's to its rooms only
(:mod:`workshop.table_rooms`). ``docs/protocol.md`` documents every handler here.
"""

from __future__ import annotations

from typing import Any

from . import auth
from .extensions import socketio
from .models import Contribution
from .presence import Connection
from .realtime import Commands
from .roles import Role
from .schemas import tables as table_schemas
from .services import lookup, seating, tables
from .sockets import ok
from .table_rooms import enter_table
from .wire import OkAck
from .wire.tables import (
    ContributionView,
    ContributionVoteResult,
    JoinTableResult,
    PostContributionResult,
    PublicTableView,
    TablesSummary,
)


def _actor(connection: Connection) -> tables.Actor:
    if connection.role is Role.FACILITATOR:
        return tables.Actor(facilitator=auth.connection_facilitator(connection))
    return tables.Actor(participant_id=connection.participant_id or 0)


# ------------------------------------------------------------- facilitators


@socketio.on(Commands.CREATE_TABLES)
@auth.socket_role(Role.FACILITATOR)
def create_tables(connection: Connection, payload: Any = None) -> OkAck[dict[str, Any]]:
    """A facilitator turns défis into tables; ``tables_changed`` is broadcast."""
    new = table_schemas.parse_new_tables(payload)
    facilitator = auth.connection_facilitator(connection)
    created = tables.create_tables(connection.workshop_id, facilitator, new)
    views: list[PublicTableView] = [seating.public_table_view(t) for t in created]
    return ok({"tables": views})


@socketio.on(Commands.UPDATE_TABLE)
@auth.socket_role(Role.FACILITATOR)
def update_table(connection: Connection, payload: Any = None) -> OkAck[dict[str, Any]]:
    """A facilitator changes a table's capacity, défi or number."""
    edit = table_schemas.parse_table_edit(payload)
    facilitator = auth.connection_facilitator(connection)
    table = tables.update_table(connection.workshop_id, facilitator, edit)
    return ok({"table": seating.public_table_view(table)})


@socketio.on(Commands.DELETE_TABLE)
@auth.socket_role(Role.FACILITATOR)
def delete_table(connection: Connection, payload: Any = None) -> OkAck[None]:
    """A facilitator deletes a table (its contributions too); its people are unseated."""
    table_id = table_schemas.parse_table_ref(payload)
    tables.delete_table(connection.workshop_id, auth.connection_facilitator(connection), table_id)
    return ok(None)


@socketio.on(Commands.SET_TABLE_HOST)
@auth.socket_role(Role.FACILITATOR)
def set_table_host(connection: Connection, payload: Any = None) -> OkAck[dict[str, Any]]:
    """A facilitator makes a participant a table's host (or removes the host)."""
    change = table_schemas.parse_host_change(payload)
    facilitator = auth.connection_facilitator(connection)
    table = tables.set_table_host(connection.workshop_id, facilitator, change)
    return ok({"table": seating.public_table_view(table)})


@socketio.on(Commands.SEAT_PARTICIPANT)
@auth.socket_role(Role.FACILITATOR)
def seat_participant(connection: Connection, payload: Any = None) -> OkAck[None]:
    """A facilitator seats (or unseats) a participant; their phone hears ``table_changed``."""
    change = table_schemas.parse_seat_change(payload)
    facilitator = auth.connection_facilitator(connection)
    tables.seat_participant(connection.workshop_id, facilitator, change)
    return ok(None)


@socketio.on(Commands.BALANCE_TABLES)
@auth.socket_role(Role.FACILITATOR)
def balance_tables(connection: Connection, payload: Any = None) -> OkAck[dict[str, int]]:
    """A facilitator seats everyone and mixes profiles evenly; the ack says how many moved."""
    table_schemas.parse_empty(payload)
    facilitator = auth.connection_facilitator(connection)
    return ok({"moves": tables.balance_tables(connection.workshop_id, facilitator)})


@socketio.on(Commands.NEXT_ROUND)
@auth.socket_role(Role.FACILITATOR)
def next_round(connection: Connection, payload: Any = None) -> OkAck[dict[str, int]]:
    """A facilitator starts the next round (``free`` or ``rotate``); ``round_changed``."""
    mode = table_schemas.parse_round_mode(payload)
    facilitator = auth.connection_facilitator(connection)
    return ok({"round": tables.next_round(connection.workshop_id, facilitator, mode)})


@socketio.on(Commands.SET_CONTRIBUTION_KINDS)
@auth.socket_role(Role.FACILITATOR)
def set_contribution_kinds(connection: Connection, payload: Any = None) -> OkAck[None]:
    """A facilitator renames, adds or removes contribution kinds."""
    kinds = table_schemas.parse_contribution_kinds(payload)
    facilitator = auth.connection_facilitator(connection)
    tables.set_contribution_kinds(connection.workshop_id, facilitator, kinds)
    return ok(None)


@socketio.on(Commands.SPOTLIGHT_TABLE)
@auth.socket_role(Role.FACILITATOR)
def spotlight_table(connection: Connection, payload: Any = None) -> OkAck[None]:
    """A facilitator puts a table in the restitution's spotlight (or ends it)."""
    table_id = table_schemas.parse_spotlight(payload)
    facilitator = auth.connection_facilitator(connection)
    tables.spotlight_table(connection.workshop_id, facilitator, table_id)
    return ok(None)


# ------------------------------------------------------------------- anyone


@socketio.on(Commands.LIST_TABLES)
@auth.socket_role(*Role)
def list_tables(connection: Connection, payload: Any = None) -> OkAck[TablesSummary]:
    """Any client: the tables' roll-up (seats left for a phone choosing its table)."""
    table_schemas.parse_empty(payload)
    return ok(tables.list_tables(connection.workshop_id))


@socketio.on(Commands.CHOOSE_TABLE)
@auth.socket_role(Role.PARTICIPANT)
def choose_table(connection: Connection, payload: Any = None) -> OkAck[JoinTableResult]:
    """A phone sits at a table with seats left; its sockets move to the table's room."""
    table_id = table_schemas.parse_table_ref(payload)
    snapshot = tables.choose_table(connection.workshop_id, connection.participant_id or 0, table_id)
    # Already moved after commit (every socket of the phone on this process); this one
    # surely, even if the participant's presence entry was not there.
    enter_table(auth.socket_id(), connection.workshop_id, table_id, host=False)
    return ok({"table": snapshot})


@socketio.on(Commands.JOIN_TABLE)
@auth.socket_role(Role.PARTICIPANT, Role.FACILITATOR)
def join_table(connection: Connection, payload: Any = None) -> OkAck[JoinTableResult]:
    """A phone (re)joins its table's room and gets the table's snapshot (after
    ``join_workshop``, ``table_changed`` or a ``table_seq`` gap); a facilitator opens
    any table (its facts reach the facilitators' room anyway)."""
    table_id = table_schemas.parse_optional_table_ref(payload)
    access = tables.join_table(connection.workshop_id, _actor(connection), table_id)
    if connection.role is Role.PARTICIPANT:
        enter_table(
            auth.socket_id(),
            connection.workshop_id,
            access.table.id if access.table is not None else None,
            host=access.host,
        )
    return ok({"table": access.snapshot})


@socketio.on(Commands.POST_CONTRIBUTION)
@auth.socket_role(Role.PARTICIPANT, Role.FACILITATOR)
def post_contribution(connection: Connection, payload: Any = None) -> OkAck[PostContributionResult]:
    """Someone at the table (its host, a facilitator) adds a contribution; exactly once
    per ``client_id``. ``contribution_posted`` reaches the table only."""
    new = table_schemas.parse_new_contribution(payload)
    workshop_id = connection.workshop_id
    contribution, created = tables.post_contribution(workshop_id, _actor(connection), new)
    return ok({"contribution": _view(workshop_id, contribution), "created": created})


def _view(workshop_id: int, contribution: Contribution) -> ContributionView:
    workshop = lookup.get_workshop(workshop_id)
    return seating.contribution_view(contribution, workshop, full=True)


@socketio.on(Commands.VOTE_CONTRIBUTION)
@auth.socket_role(Role.PARTICIPANT)
def vote_contribution(connection: Connection, payload: Any = None) -> OkAck[ContributionVoteResult]:
    """A seated participant gives or takes back one of their 3 votes at the table."""
    flag = table_schemas.parse_contribution_vote(payload)
    return ok(
        tables.vote_contribution(connection.workshop_id, connection.participant_id or 0, flag)
    )


@socketio.on(Commands.MODERATE_CONTRIBUTION)
@auth.socket_role(Role.PARTICIPANT, Role.FACILITATOR)
def moderate_contribution(
    connection: Connection, payload: Any = None
) -> OkAck[dict[str, ContributionView]]:
    """The table's host (or a facilitator) hides or restores a contribution."""
    flag = table_schemas.parse_contribution_hidden(payload)
    contribution = tables.moderate_contribution(connection.workshop_id, _actor(connection), flag)
    return ok({"contribution": _view(connection.workshop_id, contribution)})


@socketio.on(Commands.KEEP_CONTRIBUTION)
@auth.socket_role(Role.PARTICIPANT, Role.FACILITATOR)
def keep_contribution(
    connection: Connection, payload: Any = None
) -> OkAck[dict[str, ContributionView]]:
    """The table's host (or a facilitator) keeps (≤ 3) or releases a contribution."""
    flag = table_schemas.parse_contribution_kept(payload)
    contribution = tables.keep_contribution(connection.workshop_id, _actor(connection), flag)
    return ok({"contribution": _view(connection.workshop_id, contribution)})


@socketio.on(Commands.SAVE_SYNTHESIS)
@auth.socket_role(Role.PARTICIPANT, Role.FACILITATOR)
def save_synthesis(connection: Connection, payload: Any = None) -> OkAck[dict[str, Any]]:
    """The table's host (or a facilitator) saves the synthesis (version-checked); it
    pre-fills the défi's qualification sheet where that is empty."""
    edit = table_schemas.parse_synthesis(payload)
    table = tables.save_synthesis(connection.workshop_id, _actor(connection), edit)
    return ok(
        {
            "table_id": table.id,
            "synthesis": table.synthesis,
            "synthesis_done": table.synthesis_done,
            "synthesis_version": table.synthesis_version,
        }
    )
