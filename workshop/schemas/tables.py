"""Défi tables payloads (issue #13): tables, seats, rounds, contribution kinds,
contributions, table votes and the table's synthesis.

Each ``parse_*`` checks one command's payload alone (types, ranges, lengths, the shape
of the contribution kinds); the rules that need the workshop (capacity, seats, votes
left, kinds in use) are the service's (:mod:`workshop.services.tables`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from flask_babel import gettext as _

from ..errors import ValidationError
from .fields import (
    CLIENT_ID_RE,
    DISPLAY_NAME_MAX,
    boolean,
    id_list,
    identifier,
    integer,
    require_mapping,
    text,
)

#: A table seats this many people at least and at most (the host included).
CAPACITY_MIN = 2
CAPACITY_MAX = 50
CAPACITY_DEFAULT = 12
#: Tables one défi may get in one ``create_tables``.
PER_CHALLENGE_MAX = 5
#: A workshop has at most this many tables (30 défis × 5, with room to spare).
TABLES_MAX = 200
#: A table's number is shown on its card: 1 to this.
TABLE_NUMBER_MAX = 999
CONTRIBUTION_MAX = 280
SYNTHESIS_MAX = 2000
KINDS_MAX = 8
KIND_LABEL_MAX = 40
KIND_KEY_RE = re.compile(r"^[a-z_]{1,20}$")
#: Who a host posts for, when that person has no phone (a name, as a pseudonym).
ON_BEHALF_MAX = DISPLAY_NAME_MAX

RoundMode = Literal["free", "rotate"]
ROUND_MODES: tuple[RoundMode, ...] = ("free", "rotate")


def _required_id(data: dict[str, Any], name: str) -> int:
    value = identifier(data, name)
    assert value is not None  # noqa: S101 - required=True raised otherwise
    return value


def _nullable_id(data: dict[str, Any], name: str) -> int | None:
    """An id that must be present, ``null`` meaning « none »."""
    if name not in data:
        raise ValidationError(_("This field is required."), field=name, reason="required")
    return identifier(data, name, required=False)


def _required_flag(data: dict[str, Any], name: str) -> bool:
    value = boolean(data, name)
    if value is None:
        raise ValidationError(_("This field is required."), field=name, reason="required")
    return value


def _capacity(data: dict[str, Any]) -> int | None:
    return integer(data, "capacity", minimum=CAPACITY_MIN, maximum=CAPACITY_MAX, required=False)


@dataclass(frozen=True)
class NewTables:
    """``create_tables``: which défis (``None``: every défi), how many tables each, and
    their capacity."""

    challenge_ids: list[int] | None = None
    per_challenge: dict[int, int] = field(default_factory=dict)
    capacity: int = CAPACITY_DEFAULT


def parse_new_tables(payload: Any) -> NewTables:
    """``{"challenge_ids"?: [id], "per_challenge"?: {id: 1..5}, "capacity"?: 2..50}``."""
    data = require_mapping(payload or {})
    challenge_ids = None
    if data.get("challenge_ids") is not None:
        challenge_ids = id_list(data, "challenge_ids", max_len=TABLES_MAX)
    per_challenge: dict[int, int] = {}
    raw = data.get("per_challenge")
    if raw is not None:
        if not isinstance(raw, dict) or len(raw) > TABLES_MAX:
            raise ValidationError(
                _("The request is not in the expected format."),
                field="per_challenge",
                reason="type",
            )
        for key, value in raw.items():
            challenge_id = identifier({"per_challenge": key}, "per_challenge")
            count = integer(
                {"per_challenge": value}, "per_challenge", minimum=1, maximum=PER_CHALLENGE_MAX
            )
            assert challenge_id is not None and count is not None  # noqa: S101
            per_challenge[challenge_id] = count
    return NewTables(challenge_ids, per_challenge, _capacity(data) or CAPACITY_DEFAULT)


@dataclass(frozen=True)
class TableEdit:
    """``update_table``: what to change (``None`` keeps the current value)."""

    table_id: int
    capacity: int | None = None
    challenge_id: int | None = None
    number: int | None = None


def parse_table_edit(payload: Any) -> TableEdit:
    """``{"table_id", "capacity"?, "challenge_id"?, "number"?}``."""
    data = require_mapping(payload)
    return TableEdit(
        table_id=_required_id(data, "table_id"),
        capacity=_capacity(data),
        challenge_id=identifier(data, "challenge_id", required=False),
        number=integer(data, "number", minimum=1, maximum=TABLE_NUMBER_MAX, required=False),
    )


def parse_table_ref(payload: Any) -> int:
    """``{"table_id"}``."""
    return _required_id(require_mapping(payload), "table_id")


def parse_optional_table_ref(payload: Any) -> int | None:
    """``{"table_id"?}`` (``join_table``: omitted, one's own table)."""
    return identifier(require_mapping(payload or {}), "table_id", required=False)


@dataclass(frozen=True)
class HostChange:
    table_id: int
    participant_id: int | None


def parse_host_change(payload: Any) -> HostChange:
    """``{"table_id", "participant_id": id | null}``."""
    data = require_mapping(payload)
    return HostChange(_required_id(data, "table_id"), _nullable_id(data, "participant_id"))


@dataclass(frozen=True)
class SeatChange:
    participant_id: int
    table_id: int | None


def parse_seat_change(payload: Any) -> SeatChange:
    """``{"participant_id", "table_id": id | null}`` (null: unseated)."""
    data = require_mapping(payload)
    return SeatChange(_required_id(data, "participant_id"), _nullable_id(data, "table_id"))


def parse_spotlight(payload: Any) -> int | None:
    """``{"table_id": id | null}`` (null ends the spotlight)."""
    return _nullable_id(require_mapping(payload), "table_id")


def parse_round_mode(payload: Any) -> RoundMode:
    """``{"mode": "free" | "rotate"}``."""
    mode = require_mapping(payload).get("mode")
    for known in ROUND_MODES:
        if mode == known:
            return known
    raise ValidationError(_("Please choose one of the options."), field="mode", reason="choice")


def parse_empty(payload: Any) -> None:
    """``{}`` (or nothing): commands without parameters still take an object."""
    require_mapping(payload if payload is not None else {})


@dataclass(frozen=True)
class ContributionKind:
    key: str
    label: str  # "" : the translated default label of ``key``


def parse_contribution_kinds(payload: Any) -> list[ContributionKind]:
    """``{"kinds": [{"key", "label"}]}``: 1 to 8 kinds, keys ``[a-z_]{1,20}`` unique,
    labels ≤ 40 characters ("" for the default label)."""
    raw = require_mapping(payload).get("kinds")
    if not isinstance(raw, list):
        raise ValidationError(_("This field must be a list."), field="kinds", reason="type")
    if not 1 <= len(raw) <= KINDS_MAX:
        raise ValidationError(
            _("Give between 1 and %(max)d kinds of contribution.", max=KINDS_MAX),
            field="kinds",
            reason="count",
            max=KINDS_MAX,
        )
    kinds: list[ContributionKind] = []
    for item in raw:
        entry = require_mapping(item)
        key = entry.get("key")
        if not isinstance(key, str) or not KIND_KEY_RE.match(key):
            raise ValidationError(
                _("A kind's key is 1 to 20 lowercase letters or underscores."),
                field="kinds",
                reason="key",
            )
        label = text(entry, "label", max_len=KIND_LABEL_MAX)
        kinds.append(ContributionKind(key, label))
    keys = [kind.key for kind in kinds]
    if len(set(keys)) != len(keys):
        raise ValidationError(_("An item appears twice."), field="kinds", reason="duplicate")
    return kinds


@dataclass(frozen=True)
class NewContribution:
    table_id: int
    kind: str
    text: str
    client_id: str
    on_behalf: str = ""


def parse_new_contribution(payload: Any) -> NewContribution:
    """``{"table_id", "kind", "text", "client_id", "on_behalf"?}``."""
    data = require_mapping(payload)
    client_id = data.get("client_id")
    if not isinstance(client_id, str) or not CLIENT_ID_RE.match(client_id):
        raise ValidationError(
            _("The request is not in the expected format."), field="client_id", reason="format"
        )
    kind = data.get("kind")
    if not isinstance(kind, str) or not KIND_KEY_RE.match(kind):
        raise ValidationError(_("Please choose one of the options."), field="kind", reason="choice")
    return NewContribution(
        table_id=_required_id(data, "table_id"),
        kind=kind,
        text=text(data, "text", max_len=CONTRIBUTION_MAX, required=True),
        client_id=client_id,
        on_behalf=text(data, "on_behalf", max_len=ON_BEHALF_MAX),
    )


@dataclass(frozen=True)
class ContributionFlag:
    """A yes/no on one contribution: a vote (``on``), hidden, or kept."""

    contribution_id: int
    value: bool


def _flag(payload: Any, name: str) -> ContributionFlag:
    data = require_mapping(payload)
    return ContributionFlag(_required_id(data, "contribution_id"), _required_flag(data, name))


def parse_contribution_vote(payload: Any) -> ContributionFlag:
    """``{"contribution_id", "on": bool}``."""
    return _flag(payload, "on")


def parse_contribution_hidden(payload: Any) -> ContributionFlag:
    """``{"contribution_id", "hidden": bool}``."""
    return _flag(payload, "hidden")


def parse_contribution_kept(payload: Any) -> ContributionFlag:
    """``{"contribution_id", "kept": bool}``."""
    return _flag(payload, "kept")


@dataclass(frozen=True)
class SynthesisEdit:
    table_id: int
    text: str
    done: bool
    version: int


def parse_synthesis(payload: Any) -> SynthesisEdit:
    """``{"table_id", "text", "done": bool, "version"}`` (multi-line, ≤ 2000)."""
    data = require_mapping(payload)
    version = integer(data, "version", minimum=1)
    assert version is not None  # noqa: S101
    return SynthesisEdit(
        table_id=_required_id(data, "table_id"),
        text=text(data, "text", max_len=SYNTHESIS_MAX, multiline=True),
        done=_required_flag(data, "done"),
        version=version,
    )
