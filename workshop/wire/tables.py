"""The défi tables on the wire (issue #13): views of tables and contributions, the
table snapshot ``join_table`` answers, the roll-up, and the commands' results.

Table facts are a :class:`TableFactEnvelope` (``workshop_id``, ``table_id``,
``table_seq``) merged with their payload; they are not in the workshop's ``seq``
stream (see :mod:`workshop.table_rooms`).
"""

from __future__ import annotations

from typing import NotRequired, TypedDict


class ContributionView(TypedDict):
    """A contribution; a hidden one reaches the table's phones as ``{id, table_id,
    hidden}`` only."""

    id: int
    table_id: int
    hidden: bool
    kind: NotRequired[str]
    text: NotRequired[str]
    author: NotRequired[str | None]  # None: anonymous workshop, erased or no author
    on_behalf: NotRequired[str]
    kept: NotRequired[bool]
    votes: NotRequired[int]
    round: NotRequired[int]
    created_at: NotRequired[str]


class PublicTableView(TypedDict):
    id: int
    number: int
    challenge_id: int
    capacity: int
    host: bool  # whether the table has a host
    host_participant_id: NotRequired[int | None]  # facilitators only
    host_name: NotRequired[str | None]  # facilitators only


class TableSummaryItem(TypedDict):
    id: int
    number: int
    challenge_id: int
    seated: int
    capacity: int
    contributions: int  # visible ones
    kept: int
    synthesis_done: bool
    host: bool


class TablesSummary(TypedDict):
    """``tables_summary`` and the ``list_tables`` ack: not sequenced."""

    workshop_id: int
    round: int
    tables: list[TableSummaryItem]


class TableSnapshot(TypedDict):
    id: int
    number: int
    challenge_id: int
    table_seq: int
    round: int
    capacity: int
    host: bool
    contributions: list[ContributionView]
    my_votes: list[int]
    votes_left: int
    synthesis: str
    synthesis_done: bool
    synthesis_version: int
    seated: int
    names: NotRequired[list[str]]  # the host and facilitators only


class TableFactEnvelope(TypedDict):
    workshop_id: int
    table_id: int
    table_seq: int


class TableChanged(TypedDict):
    """``table_changed``, to one participant's sockets: where they sit now."""

    workshop_id: int
    table_id: int | None
    host_of: int | None


class PostContributionResult(TypedDict):
    contribution: ContributionView
    created: bool


class ContributionVoteResult(TypedDict):
    contribution_id: int
    on: bool
    my_votes: list[int]
    votes_left: int


class JoinTableResult(TypedDict):
    table: TableSnapshot | None
