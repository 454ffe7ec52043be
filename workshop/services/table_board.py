"""What the tables' HTTP pages show (issue #13): the tables in order with their défis,
who sits where this round, seats taken, and the profile mix of each table. Read-only:
every change goes through :mod:`workshop.services.tables` (socket commands or the table
links); this module only reads, for the facilitator's tables page, the cards, and the
list of tables with seats left that a phone sees when its table is full."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..extensions import db
from ..models import Challenge, Participant, Seat, Table, Workshop


@dataclass
class SeatingBoard:
    """The workshop's tables this round, and who sits at each."""

    round: int
    tables: list[Table]
    challenges: dict[int, Challenge]
    # participant id → table id, for the current round
    seats: dict[int, int] = field(default_factory=dict)
    # table id → seats taken (hosts included)
    seated: dict[int, int] = field(default_factory=dict)
    # table id → {profile: count}
    profiles: dict[int, dict[str, int]] = field(default_factory=dict)
    participants: list[Participant] = field(default_factory=list)

    @property
    def hosts(self) -> dict[int, Participant]:
        """Table id → its host, among the participants still there."""
        by_id = {p.id: p for p in self.participants}
        return {
            t.id: by_id[t.host_participant_id]
            for t in self.tables
            if t.host_participant_id is not None and t.host_participant_id in by_id
        }

    def seats_left(self, table: Table) -> int:
        return max(0, table.capacity - self.seated.get(table.id, 0))

    def unseated(self) -> list[Participant]:
        return [p for p in self.participants if p.id not in self.seats]


def seating_board(workshop: Workshop) -> SeatingBoard:
    """The workshop's tables (by number), their défis, and this round's seating."""
    round_ = workshop.table_round or 1
    tables = list(
        db.session.scalars(
            select(Table).where(Table.workshop_id == workshop.id).order_by(Table.number)
        )
    )
    challenges = {
        c.id: c
        for c in db.session.scalars(select(Challenge).where(Challenge.workshop_id == workshop.id))
    }
    participants = list(
        db.session.scalars(
            select(Participant)
            .where(Participant.workshop_id == workshop.id, Participant.erased_at.is_(None))
            .order_by(Participant.display_name, Participant.id)
        )
    )
    profile_of = {p.id: str(p.profile) for p in participants}
    seats = {
        participant_id: table_id
        for participant_id, table_id in db.session.execute(
            select(Seat.participant_id, Seat.table_id).where(
                Seat.workshop_id == workshop.id, Seat.round == round_
            )
        )
        if participant_id in profile_of
    }
    seated = Counter(seats.values())
    profiles: dict[int, Counter[str]] = {t.id: Counter() for t in tables}
    for participant_id, table_id in seats.items():
        profiles.setdefault(table_id, Counter())[profile_of[participant_id]] += 1
    return SeatingBoard(
        round=round_,
        tables=tables,
        challenges=challenges,
        seats=seats,
        seated=dict(seated),
        profiles={table_id: dict(counts) for table_id, counts in profiles.items()},
        participants=participants,
    )


@dataclass(frozen=True)
class FreeTable:
    """A table with seats left, for the phone whose table is full."""

    table: Table
    challenge: Challenge | None
    left: int


def seats_left(workshop: Workshop, table: Table) -> int:
    """The seats left at one table this round (a count: a table link asks it on every
    scan, and must not read the whole room)."""
    seated = db.session.scalar(
        select(func.count())
        .select_from(Seat)
        .where(Seat.table_id == table.id, Seat.round == (workshop.table_round or 1))
    )
    return max(0, table.capacity - int(seated or 0))


def free_tables(workshop: Workshop, *, besides: int | None = None) -> list[FreeTable]:
    """The tables (by number, other than ``besides``) with seats left this round:
    seats counted per table in the database, no participant read."""
    seated: dict[int, int] = {
        table_id: count
        for table_id, count in db.session.execute(
            select(Seat.table_id, func.count())
            .where(Seat.workshop_id == workshop.id, Seat.round == (workshop.table_round or 1))
            .group_by(Seat.table_id)
        )
    }
    challenges = {
        c.id: c
        for c in db.session.scalars(select(Challenge).where(Challenge.workshop_id == workshop.id))
    }
    return [
        FreeTable(table, challenges.get(table.challenge_id), left)
        for table in db.session.scalars(
            select(Table).where(Table.workshop_id == workshop.id).order_by(Table.number)
        )
        if table.id != besides and (left := table.capacity - seated.get(table.id, 0)) > 0
    ]


def find_table(workshop_id: int, table_id: int) -> Table | None:
    """The table ``table_id`` when it belongs to ``workshop_id``, else ``None``."""
    table = db.session.get(Table, table_id) if 0 < table_id < 2**31 else None
    return table if table is not None and table.workshop_id == workshop_id else None
