"""The défi tables' foundations: finding a table, who sits where this round, what each
role sees of a table, and recording a table's facts.

Read-mostly: the commands are :mod:`.tables`; :mod:`.snapshot` and :mod:`.privacy`
read through here too. A table's facts are numbered by the table (``Table.seq``,
taken under the workshop's lock) and delivered after commit to the table's rooms
only (:mod:`workshop.table_rooms`).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select

from ..errors import NotFound, WrongWorkshop
from ..extensions import db
from ..models import (
    Challenge,
    Contribution,
    ContributionVote,
    Participant,
    Seat,
    Table,
    Workshop,
)
from ..realtime import Facts
from ..table_rooms import Move, SummaryDue, TableFact
from ..wire.tables import (
    ContributionView,
    PublicTableView,
    TableSnapshot,
    TablesSummary,
    TableSummaryItem,
)
from . import event_log


def table_in(workshop: Workshop, table_id: int) -> Table:
    """The table ``table_id`` of ``workshop``: :class:`NotFound`, :class:`WrongWorkshop`."""
    table = db.session.get(Table, table_id)
    if table is None:
        raise NotFound()
    if table.workshop_id != workshop.id:
        raise WrongWorkshop()
    return table


def tables_of(workshop_id: int) -> list[Table]:
    """The workshop's tables, by number."""
    return list(
        db.session.scalars(
            select(Table).where(Table.workshop_id == workshop_id).order_by(Table.number)
        )
    )


def has_tables(workshop_id: int) -> bool:
    return (
        db.session.scalar(select(Table.id).where(Table.workshop_id == workshop_id).limit(1))
        is not None
    )


def seat_of(workshop: Workshop, participant_id: int) -> Seat | None:
    """Where the participant sits this round (``None``: unseated)."""
    return db.session.scalar(
        select(Seat).where(
            Seat.participant_id == participant_id, Seat.round == workshop.table_round
        )
    )


def hosted_table(workshop_id: int, participant_id: int) -> Table | None:
    """The table the participant hosts, if any."""
    return db.session.scalar(
        select(Table).where(
            Table.workshop_id == workshop_id, Table.host_participant_id == participant_id
        )
    )


def table_of_participant(workshop: Workshop, participant_id: int) -> Table | None:
    """The participant's table: the one they host, else where they sit this round."""
    hosted = hosted_table(workshop.id, participant_id)
    if hosted is not None:
        return hosted
    seat = seat_of(workshop, participant_id)
    return db.session.get(Table, seat.table_id) if seat is not None else None


def me_at_tables(participant: Participant) -> dict[str, int | None]:
    """``me.table_id`` and ``me.host_of`` (snapshots and replays): where the
    participant sits this round and the table they host."""
    workshop = db.session.get(Workshop, participant.workshop_id)
    if workshop is None:
        return {"table_id": None, "host_of": None}
    seat = seat_of(workshop, participant.id)
    hosted = hosted_table(workshop.id, participant.id)
    return {
        "table_id": seat.table_id if seat is not None else None,
        "host_of": hosted.id if hosted is not None else None,
    }


def seated_counts(workshop: Workshop) -> dict[int, int]:
    """How many sit at each table this round, by table id."""
    rows = db.session.execute(
        select(Seat.table_id, func.count())
        .where(Seat.workshop_id == workshop.id, Seat.round == workshop.table_round)
        .group_by(Seat.table_id)
    )
    return {table_id: count for table_id, count in rows}


def seated_count(workshop: Workshop, table_id: int) -> int:
    """How many sit at the table this round: a count in the database, not a list, since
    every seat (a QR code scanned, a table chosen) asks it of a table that may hold 50."""
    count = db.session.scalar(
        select(func.count())
        .select_from(Seat)
        .where(Seat.table_id == table_id, Seat.round == workshop.table_round)
    )
    return int(count or 0)


def seated_ids(workshop: Workshop, table_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(Seat.participant_id)
            .where(Seat.table_id == table_id, Seat.round == workshop.table_round)
            .order_by(Seat.participant_id)
        )
    )


def seated_names(workshop: Workshop, table_id: int) -> list[str]:
    """The display names of the people seated at the table (hosts and facilitators
    only see them)."""
    return list(
        db.session.scalars(
            select(Participant.display_name)
            .join(Seat, Seat.participant_id == Participant.id)
            .where(
                Seat.table_id == table_id,
                Seat.round == workshop.table_round,
                Participant.erased_at.is_(None),
            )
            .order_by(Participant.display_name, Participant.id)
        )
    )


def votes_left(workshop: Workshop, table_id: int, participant_id: int) -> int:
    """Votes the participant may still give at this table this round."""
    used = db.session.scalar(
        select(func.count())
        .select_from(ContributionVote)
        .where(
            ContributionVote.participant_id == participant_id,
            ContributionVote.table_id == table_id,
            ContributionVote.round == workshop.table_round,
        )
    )
    return max(0, int(current_app.config["TABLE_VOTES"]) - int(used or 0))


# ----------------------------------------------------------------------- views


def _pairs(rows: Any) -> dict[Any, Any]:
    """Two-column rows as a dict."""
    return {key: value for key, value in rows}


def vote_counts(table_id: int) -> dict[int, int]:
    rows = db.session.execute(
        select(ContributionVote.contribution_id, func.count())
        .where(ContributionVote.table_id == table_id)
        .group_by(ContributionVote.contribution_id)
    )
    return {contribution_id: count for contribution_id, count in rows}


def votes_on(contribution_id: int) -> int:
    """The votes a contribution has (every round)."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(ContributionVote)
            .where(ContributionVote.contribution_id == contribution_id)
        )
        or 0
    )


def contribution_view(
    contribution: Contribution,
    workshop: Workshop,
    *,
    full: bool,
    votes: int | None = None,
    author: str | None = None,
) -> ContributionView:
    """A contribution as the table's phones (``full`` False) or its host and the
    facilitators see it. A hidden one reaches phones as its id and ``hidden`` only."""
    if contribution.hidden and not full:
        return {"id": contribution.id, "table_id": contribution.table_id, "hidden": True}
    if votes is None:
        votes = votes_on(contribution.id)
    if author is None and contribution.participant_id is not None:
        participant = db.session.get(Participant, contribution.participant_id)
        if participant is not None and participant.erased_at is None:
            author = participant.display_name
    view: ContributionView = {
        "id": contribution.id,
        "table_id": contribution.table_id,
        "kind": contribution.kind,
        "text": contribution.text,
        "author": None if workshop.anonymous else author,
        "on_behalf": contribution.on_behalf,
        "hidden": contribution.hidden,
        "kept": contribution.kept,
        "votes": votes,
        "round": contribution.round,
        "created_at": contribution.created_at.isoformat(),
    }
    return view


def table_contributions(workshop: Workshop, table: Table, *, full: bool) -> list[ContributionView]:
    """The table's contributions (hidden ones only when ``full``), oldest first."""
    query = select(Contribution).where(Contribution.table_id == table.id)
    if not full:
        query = query.where(Contribution.hidden.is_(False))
    contributions = list(db.session.scalars(query.order_by(Contribution.id)))
    votes = vote_counts(table.id)
    author_ids = {c.participant_id for c in contributions if c.participant_id is not None}
    names = {}
    if author_ids:
        names = _pairs(
            db.session.execute(
                select(Participant.id, Participant.display_name).where(
                    Participant.id.in_(author_ids), Participant.erased_at.is_(None)
                )
            )
        )
    return [
        contribution_view(
            c,
            workshop,
            full=full,
            votes=votes.get(c.id, 0),
            author=names.get(c.participant_id) if c.participant_id is not None else None,
        )
        for c in contributions
    ]


def public_table_view(table: Table) -> PublicTableView:
    return {
        "id": table.id,
        "number": table.number,
        "challenge_id": table.challenge_id,
        "capacity": table.capacity,
        "host": table.host_participant_id is not None,
    }


def table_views(workshop_id: int, *, full: bool) -> list[PublicTableView]:
    """Every table, for ``tables_changed`` and snapshots: the facilitators' view also
    names the host."""
    tables = tables_of(workshop_id)
    views = [public_table_view(table) for table in tables]
    if full:
        hosts = {t.host_participant_id for t in tables if t.host_participant_id is not None}
        names: dict[int, str] = {}
        if hosts:
            names = _pairs(
                db.session.execute(
                    select(Participant.id, Participant.display_name).where(
                        Participant.id.in_(hosts)
                    )
                )
            )
        for view, table in zip(views, tables, strict=True):
            view["host_participant_id"] = table.host_participant_id
            view["host_name"] = (
                names.get(table.host_participant_id)
                if table.host_participant_id is not None
                else None
            )
    return views


def summary_items(workshop: Workshop) -> list[TableSummaryItem]:
    """The roll-up of every table: seated, contributions, kept, synthesis done."""
    seated = seated_counts(workshop)
    counts = _pairs(
        db.session.execute(
            select(Contribution.table_id, func.count())
            .where(Contribution.workshop_id == workshop.id, Contribution.hidden.is_(False))
            .group_by(Contribution.table_id)
        )
    )
    kept = _pairs(
        db.session.execute(
            select(Contribution.table_id, func.count())
            .where(
                Contribution.workshop_id == workshop.id,
                Contribution.hidden.is_(False),
                Contribution.kept.is_(True),
            )
            .group_by(Contribution.table_id)
        )
    )
    return [
        {
            "id": table.id,
            "number": table.number,
            "challenge_id": table.challenge_id,
            "seated": seated.get(table.id, 0),
            "capacity": table.capacity,
            "contributions": counts.get(table.id, 0),
            "kept": kept.get(table.id, 0),
            "synthesis_done": table.synthesis_done,
            "host": table.host_participant_id is not None,
        }
        for table in tables_of(workshop.id)
    ]


def tables_summary(workshop_id: int) -> TablesSummary | None:
    """The ``tables_summary`` payload (``None`` when the workshop is gone): built when
    the coalesced roll-up leaves (:class:`workshop.table_rooms.TablesSummaryNotifier`)."""
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        return None
    return {
        "workshop_id": workshop.id,
        "round": workshop.table_round,
        "tables": summary_items(workshop),
    }


def table_snapshot(
    workshop: Workshop, table: Table, *, viewer_id: int | None, full: bool
) -> TableSnapshot:
    """What ``join_table`` answers: one table's state as its phones (``full`` False),
    its host or the facilitators see it. ``viewer_id``: the participant asking (their
    votes and votes left)."""
    my_votes: list[int] = []
    left = 0
    if viewer_id is not None:
        my_votes = list(
            db.session.scalars(
                select(ContributionVote.contribution_id)
                .where(
                    ContributionVote.participant_id == viewer_id,
                    ContributionVote.table_id == table.id,
                )
                .order_by(ContributionVote.contribution_id)
            )
        )
        left = votes_left(workshop, table.id, viewer_id)
    snapshot: TableSnapshot = {
        "id": table.id,
        "number": table.number,
        "challenge_id": table.challenge_id,
        "table_seq": table.seq,
        "round": workshop.table_round,
        "capacity": table.capacity,
        "host": table.host_participant_id is not None,
        "contributions": table_contributions(workshop, table, full=full),
        "my_votes": my_votes,
        "votes_left": left,
        "synthesis": table.synthesis,
        "synthesis_done": table.synthesis_done,
        "synthesis_version": table.synthesis_version,
        "seated": seated_count(workshop, table.id),
    }
    if full:
        snapshot["names"] = seated_names(workshop, table.id)
    return snapshot


def spotlight_view(workshop: Workshop) -> dict[str, Any] | None:
    """The table in the restitution's spotlight: its synthesis and kept contributions
    (``None`` when no table is, or it was deleted since)."""
    if workshop.spotlight_table_id is None:
        return None
    table = db.session.get(Table, workshop.spotlight_table_id)
    if table is None or table.workshop_id != workshop.id:
        return None
    kept = [
        contribution_view(c, workshop, full=False)
        for c in db.session.scalars(
            select(Contribution)
            .where(
                Contribution.table_id == table.id,
                Contribution.kept.is_(True),
                Contribution.hidden.is_(False),
            )
            .order_by(Contribution.id)
        )
    ]
    challenge = db.session.get(Challenge, table.challenge_id)
    return {
        "id": table.id,
        "number": table.number,
        "challenge_id": table.challenge_id,
        "challenge_title": challenge.title if challenge is not None else "",
        "synthesis": table.synthesis,
        "synthesis_done": table.synthesis_done,
        "kept": kept,
    }


def kinds_of(workshop: Workshop) -> list[dict[str, str]]:
    """The workshop's contribution kinds ``[{"key", "label"}]`` (label "": the
    translated default of the key, which clients hold)."""
    return [
        {"key": str(kind.get("key", "")), "label": str(kind.get("label", ""))}
        for kind in (workshop.contribution_kinds or [])
    ]


# ----------------------------------------------------------------- recording


def record_table(
    workshop: Workshop,
    table: Table,
    name: str,
    data: dict[str, Any],
    public_data: dict[str, Any] | None = None,
) -> TableFact:
    """Record a fact of ``table`` (its next ``table_seq``), delivered after commit to
    its rooms. The caller holds the workshop's lock (:func:`event_log.lock_workshop`),
    so table sequences grow without gaps even across workers."""
    table.seq = (table.seq or 0) + 1
    fact = TableFact(workshop.id, table.id, table.seq, name, data, public_data)
    event_log.defer_table(fact)
    return fact


def record_seated(workshop: Workshop, table: Table) -> None:
    """``table_seated``: the count to the table's phones, the names to its host and
    the facilitators."""
    db.session.flush()
    names = seated_names(workshop, table.id)
    count = seated_count(workshop, table.id)
    record_table(
        workshop,
        table,
        Facts.TABLE_SEATED,
        {"seated": count, "names": names},
        {"seated": count},
    )


def summary_due(workshop: Workshop) -> None:
    event_log.defer_table(SummaryDue(workshop.id))


def record_tables_changed(workshop: Workshop) -> None:
    """``tables_changed`` (workshop stream): the list of tables, the host's name only
    for facilitators."""
    db.session.flush()
    event_log.record(
        workshop,
        Facts.TABLES_CHANGED,
        {"tables": table_views(workshop.id, full=True)},
        {"tables": table_views(workshop.id, full=False)},
    )
    summary_due(workshop)


class _Unknown:
    """Not looked up yet (``None`` is an answer: no seat, no table hosted)."""


UNKNOWN = _Unknown()


def place(
    workshop: Workshop,
    participant_id: int,
    table: Table | None,
    *,
    notify: bool = True,
    seat: Seat | None | _Unknown = UNKNOWN,
    hosted: Table | None | _Unknown = UNKNOWN,
) -> int | None:
    """Seat the participant at ``table`` for this round (``None``: unseated); returns
    the table they left (or ``None``). Records ``table_seated`` for both tables and
    moves their sockets (``table_changed``). No capacity check: the caller's rule.
    ``seat`` and ``hosted``: their current seat and hosted table when the caller has
    just looked them up under the same lock (each phone seated saves two queries)."""
    if isinstance(seat, _Unknown):
        seat = seat_of(workshop, participant_id)
    old = seat.table_id if seat is not None else None
    new = table.id if table is not None else None
    if old == new:
        return old
    if seat is not None:
        db.session.delete(seat)
        db.session.flush()
    if table is not None:
        db.session.add(
            Seat(
                workshop_id=workshop.id,
                participant_id=participant_id,
                table_id=table.id,
                round=workshop.table_round,
            )
        )
        db.session.flush()
    if old is not None:
        old_table = db.session.get(Table, old)
        if old_table is not None:
            record_seated(workshop, old_table)
    if table is not None:
        record_seated(workshop, table)
    if notify:
        moved(workshop, participant_id, new, hosted=hosted)
    return old


def moved(
    workshop: Workshop,
    participant_id: int,
    table_id: int | None,
    *,
    hosted: Table | None | _Unknown = UNKNOWN,
) -> None:
    """After commit: the participant's sockets change rooms, and hear ``table_changed``."""
    if isinstance(hosted, _Unknown):
        hosted = hosted_table(workshop.id, participant_id)
    event_log.defer_table(
        Move(workshop.id, participant_id, table_id, hosted.id if hosted is not None else None)
    )


def erase_participant(
    workshop: Workshop, participant_id: int, *, keep_contributions: bool, live: bool
) -> None:
    """What an erased participant leaves at the tables: their seats, their votes and
    their hosting go; their contributions stay without author (``keep_contributions``,
    as ideas do) or go. ``live``: record the facts the tables need (counts, tallies,
    contributions changed or gone). The caller holds the lock and commits."""
    seats = list(db.session.scalars(select(Seat).where(Seat.participant_id == participant_id)))
    votes = list(
        db.session.scalars(
            select(ContributionVote).where(ContributionVote.participant_id == participant_id)
        )
    )
    hosted = hosted_table(workshop.id, participant_id)
    authored = list(
        db.session.scalars(
            select(Contribution)
            .where(Contribution.participant_id == participant_id)
            .order_by(Contribution.id)
        )
    )
    if not (seats or votes or hosted or authored):
        return
    seated_at = {seat.table_id for seat in seats if seat.round == workshop.table_round}
    voted = {vote.contribution_id for vote in votes}
    for row in (*seats, *votes):
        db.session.delete(row)
    if hosted is not None:
        hosted.host_participant_id = None
    gone: list[Contribution] = []
    for contribution in authored:
        contribution.participant_id = None
        if not keep_contributions:
            db.session.execute(
                delete(ContributionVote).where(ContributionVote.contribution_id == contribution.id)
            )
            db.session.delete(contribution)
            gone.append(contribution)
    db.session.flush()
    if not live:
        return
    tables_by_id = {t.id: t for t in tables_of(workshop.id)}
    for table_id in sorted(seated_at):
        if table_id in tables_by_id:
            record_seated(workshop, tables_by_id[table_id])
    gone_ids = {c.id for c in gone}
    for contribution_id in sorted(voted - gone_ids):
        voted_on = db.session.get(Contribution, contribution_id)
        if voted_on is not None:
            counts = vote_counts(voted_on.table_id)
            record_table(
                workshop,
                tables_by_id[voted_on.table_id],
                Facts.TABLE_VOTES_CHANGED,
                {"tallies": {str(voted_on.id): counts.get(voted_on.id, 0)}},
            )
    for contribution in authored:
        table = tables_by_id[contribution.table_id]
        if contribution in gone:
            removed: ContributionView = {
                "id": contribution.id,
                "table_id": contribution.table_id,
                "hidden": True,
            }
            record_table(workshop, table, Facts.CONTRIBUTION_CHANGED, {"contribution": removed})
        else:
            record_table(
                workshop,
                table,
                Facts.CONTRIBUTION_CHANGED,
                {"contribution": contribution_view(contribution, workshop, full=True)},
                {"contribution": contribution_view(contribution, workshop, full=False)},
            )
    if hosted is not None:
        record_tables_changed(workshop)
    summary_due(workshop)


def carry_tables(workshop: Workshop, absorbed_id: int, into_id: int) -> None:
    """A défi folded into another (a merge): its tables, with their people and
    contributions, now work on the absorbing défi. Records ``tables_changed`` when it
    had tables. The caller holds the lock."""
    moved = [t for t in tables_of(workshop.id) if t.challenge_id == absorbed_id]
    for table in moved:
        table.challenge_id = into_id
    if moved:
        record_tables_changed(workshop)


def drop_tables_of(workshop: Workshop, challenge_id: int) -> None:
    """A défi deleted takes its tables (and their contributions) with it: its people
    are unseated and told, the spotlight cleared, ``tables_changed`` recorded. Call it
    before deleting the défi; the caller holds the lock."""
    going = [t for t in tables_of(workshop.id) if t.challenge_id == challenge_id]
    if not going:
        return
    people: set[int] = set()
    for table in going:
        people.update(seated_ids(workshop, table.id))
        if table.host_participant_id is not None:
            people.add(table.host_participant_id)
        for model in (ContributionVote, Contribution, Seat):
            db.session.execute(delete(model).where(model.table_id == table.id))
        if workshop.spotlight_table_id == table.id:
            workshop.spotlight_table_id = None
            event_log.record(workshop, Facts.SPOTLIGHT_CHANGED, {"table_id": None, "table": None})
        db.session.delete(table)
    db.session.flush()
    for participant_id in sorted(people):
        moved(workshop, participant_id, None)
    record_tables_changed(workshop)
