"""The défi tables of an evening (issue #13): the facilitators set tables up, seat and
balance people, run world-café rounds and the restitution; the people seated at a
table contribute and vote there; its host moderates, keeps the best and writes the
synthesis that pre-fills the défi's qualification sheet.

Every command takes the workshop's lock first (:func:`event_log.lock_workshop`), so
seat counts, vote budgets, keep limits and the tables' own sequences are checked and
written in one consistent state. Workshop-wide changes are facts of the workshop's
stream (``tables_changed``, ``round_changed``, ``spotlight_changed``,
``contribution_kinds_changed``); what happens at one table goes to that table only
(:mod:`.seating`, :mod:`workshop.table_rooms`).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from ..errors import (
    DuplicateClientId,
    Forbidden,
    KeepLimit,
    KindInUse,
    NotFound,
    NotSeated,
    NoVotesLeft,
    StaleVersion,
    TableFull,
    ValidationError,
    WrongPhase,
    WrongWorkshop,
)
from ..extensions import db
from ..models import (
    Challenge,
    Contribution,
    ContributionVote,
    Facilitator,
    Participant,
    Phase,
    Qualification,
    Seat,
    Stage,
    Table,
    Workshop,
)
from ..phases import PhaseKind
from ..realtime import Facts
from ..schemas import QUALIFICATION_TEXTS, TargetRef, serialize_qualification
from ..schemas.tables import (
    TABLES_MAX,
    ContributionFlag,
    ContributionKind,
    HostChange,
    NewContribution,
    NewTables,
    RoundMode,
    SeatChange,
    SynthesisEdit,
    TableEdit,
)
from ..wire import QualificationSaved
from ..wire.tables import (
    ContributionVoteResult,
    TableSnapshot,
    TablesSummary,
)
from . import event_log, lookup, qualification, seating
from .guards import allows, require_facilitator, require_not_closed, require_open

#: At most this many contributions a table keeps (``keep_contribution``).
KEEP_LIMIT = 3


@dataclass(frozen=True)
class Actor:
    """Who sends a table command: a participant (a phone, perhaps a table's host) or a
    facilitator of the workshop."""

    participant_id: int | None = None
    facilitator: Facilitator | None = None


def _phase_kind(workshop: Workshop) -> str | None:
    return workshop.current_phase.kind if workshop.current_phase is not None else None


def _in_restitution(workshop: Workshop) -> bool:
    return _phase_kind(workshop) == PhaseKind.RESTITUTION


def _require_table_work(workshop: Workshop, *, restitution_too: bool = False) -> None:
    if allows(workshop, "table_work") or (restitution_too and _in_restitution(workshop)):
        return
    raise WrongPhase(_("The tables do not work in this step of the workshop."))


def _facilitator_lock(workshop_id: int, facilitator: Facilitator) -> Workshop:
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    require_not_closed(workshop)
    return workshop


@dataclass(frozen=True)
class _Role:
    """What an actor is at one table."""

    facilitator: bool
    host: bool
    participant: Participant | None


def _role_at(workshop: Workshop, actor: Actor, table: Table) -> _Role:
    if actor.facilitator is not None:
        require_facilitator(workshop, actor.facilitator)
        return _Role(True, False, None)
    participant = lookup.participant(workshop, actor.participant_id or 0)
    return _Role(False, table.host_participant_id == participant.id, participant)


def _require_host(workshop: Workshop, actor: Actor, table: Table) -> _Role:
    role = _role_at(workshop, actor, table)
    if not (role.facilitator or role.host):
        raise Forbidden(_("Only the table's host can do this."))
    return role


def _require_seated(workshop: Workshop, role: _Role, table: Table) -> None:
    if role.facilitator or role.host or role.participant is None:
        return
    seat = seating.seat_of(workshop, role.participant.id)
    if seat is None or seat.table_id != table.id:
        raise NotSeated()


def _contribution_in(workshop: Workshop, contribution_id: int) -> tuple[Contribution, Table]:
    contribution = db.session.get(Contribution, contribution_id)
    if contribution is None:
        raise NotFound()
    if contribution.workshop_id != workshop.id:
        raise WrongWorkshop()
    table = db.session.get(Table, contribution.table_id)
    assert table is not None  # noqa: S101 - the foreign key cascades
    return contribution, table


# ------------------------------------------------------------- facilitators


def create_tables(workshop_id: int, facilitator: Facilitator, new: NewTables) -> list[Table]:
    """One table per défi (``per_challenge``: n for some), numbered after the existing
    ones, in the défis' order. Raises ``not_found``/``wrong_workshop`` for a défi not
    of this workshop, ``invalid_input`` past :data:`TABLES_MAX`. Records
    ``tables_changed``."""
    workshop = _facilitator_lock(workshop_id, facilitator)
    challenges = list(
        db.session.scalars(
            select(Challenge)
            .where(Challenge.workshop_id == workshop.id)
            .order_by(Challenge.position, Challenge.id)
        )
    )
    by_id = {c.id: c for c in challenges}
    wanted = new.challenge_ids if new.challenge_ids is not None else [c.id for c in challenges]
    for challenge_id in [*wanted, *new.per_challenge]:
        if challenge_id not in by_id:
            lookup.in_workshop(workshop, Challenge, challenge_id)  # not_found / wrong_workshop
    order = {c.id: index for index, c in enumerate(challenges)}
    chosen = sorted(set(wanted) | set(new.per_challenge), key=order.__getitem__)
    existing = int(
        db.session.scalar(
            select(func.count()).select_from(Table).where(Table.workshop_id == workshop.id)
        )
        or 0
    )
    count = sum(new.per_challenge.get(cid, 1) for cid in chosen)
    if existing + count > TABLES_MAX:
        raise ValidationError(
            _("A workshop has %(max)d tables at most.", max=TABLES_MAX),
            field="challenge_ids",
            reason="too_many",
            max=TABLES_MAX,
        )
    number = int(
        db.session.scalar(select(func.max(Table.number)).where(Table.workshop_id == workshop.id))
        or 0
    )
    created = []
    for challenge_id in chosen:
        for _n in range(new.per_challenge.get(challenge_id, 1)):
            number += 1
            table = Table(
                workshop_id=workshop.id,
                number=number,
                challenge_id=challenge_id,
                capacity=new.capacity,
                synthesis="",
                synthesis_done=False,
                synthesis_version=1,
                seq=0,
            )
            db.session.add(table)
            created.append(table)
    db.session.flush()
    if created:
        seating.record_tables_changed(workshop)
    db.session.commit()
    return created


def update_table(workshop_id: int, facilitator: Facilitator, edit: TableEdit) -> Table:
    """Change a table's capacity, défi or number (a number another table has:
    ``invalid_input``). Records ``tables_changed`` when something changed."""
    workshop = _facilitator_lock(workshop_id, facilitator)
    table = seating.table_in(workshop, edit.table_id)
    changed = False
    if edit.challenge_id is not None and edit.challenge_id != table.challenge_id:
        lookup.in_workshop(workshop, Challenge, edit.challenge_id)
        table.challenge_id = edit.challenge_id
        changed = True
    if edit.number is not None and edit.number != table.number:
        taken = db.session.scalar(
            select(Table.id).where(Table.workshop_id == workshop.id, Table.number == edit.number)
        )
        if taken is not None:
            raise ValidationError(
                _("Another table already has this number."), field="number", reason="taken"
            )
        table.number = edit.number
        changed = True
    if edit.capacity is not None and edit.capacity != table.capacity:
        table.capacity = edit.capacity
        changed = True
    if changed:
        seating.record_tables_changed(workshop)
        db.session.commit()
    return table


def delete_table(workshop_id: int, facilitator: Facilitator, table_id: int) -> None:
    """Delete a table with its contributions; the people seated there (and its host)
    are unseated and told (``table_changed``). Records ``tables_changed`` (and
    ``spotlight_changed`` when it was in the spotlight)."""
    workshop = _facilitator_lock(workshop_id, facilitator)
    table = seating.table_in(workshop, table_id)
    people = set(seating.seated_ids(workshop, table.id))
    if table.host_participant_id is not None:
        people.add(table.host_participant_id)
    for model in (ContributionVote, Contribution, Seat):
        db.session.execute(delete(model).where(model.table_id == table.id))
    if workshop.spotlight_table_id == table.id:
        workshop.spotlight_table_id = None
        _record_spotlight(workshop)
    db.session.delete(table)
    db.session.flush()
    for participant_id in sorted(people):
        seating.moved(workshop, participant_id, None)
    seating.record_tables_changed(workshop)
    db.session.commit()


def set_table_host(workshop_id: int, facilitator: Facilitator, change: HostChange) -> Table:
    """Make a participant the table's host (``None``: no host). The new host is seated
    there (capacity aside) and leaves the table they hosted before; the former host
    stays seated as a participant. Records ``tables_changed``."""
    workshop = _facilitator_lock(workshop_id, facilitator)
    table = seating.table_in(workshop, change.table_id)
    host = lookup.participant(workshop, change.participant_id) if change.participant_id else None
    _make_host(workshop, table, host)
    db.session.commit()
    return table


def _make_host(workshop: Workshop, table: Table, host: Participant | None) -> None:
    previous = table.host_participant_id
    new = host.id if host is not None else None
    if previous == new:
        if host is not None:
            seating.place(workshop, host.id, table)
        return
    if host is not None:
        other = seating.hosted_table(workshop.id, host.id)
        if other is not None:
            other.host_participant_id = None
    table.host_participant_id = new
    db.session.flush()
    if host is not None:
        seating.place(workshop, host.id, table, notify=False)
        seating.moved(workshop, host.id, table.id)
    if previous is not None:  # now an ordinary participant: from the host's room to the table's
        seat = seating.seat_of(workshop, previous)
        seating.moved(workshop, previous, seat.table_id if seat is not None else None)
    seating.record_tables_changed(workshop)


def seat_participant(workshop_id: int, facilitator: Facilitator, change: SeatChange) -> None:
    """A facilitator seats someone (capacity may be exceeded), or unseats them
    (``table_id`` null). A host cannot be moved away from their table."""
    workshop = _facilitator_lock(workshop_id, facilitator)
    participant = lookup.participant(workshop, change.participant_id)
    table = seating.table_in(workshop, change.table_id) if change.table_id is not None else None
    hosted = seating.hosted_table(workshop.id, participant.id)
    if hosted is not None and (table is None or table.id != hosted.id):
        raise Forbidden(_("A host stays at their table. Choose another host first."))
    seating.place(workshop, participant.id, table)
    seating.summary_due(workshop)
    db.session.commit()


def balance_tables(workshop_id: int, facilitator: Facilitator) -> int:
    """Seat everyone of this round and spread the non-hosts so that each table mixes
    profiles as evenly as possible within its capacity: people sorted by profile then
    id, each dealt to the table with the fewest of their profile, then the fewest
    seated, then the lowest number. Deterministic. Returns how many people moved."""
    workshop = _facilitator_lock(workshop_id, facilitator)
    tables = seating.tables_of(workshop.id)
    if not tables:
        return 0
    hosts = {t.host_participant_id: t for t in tables if t.host_participant_id is not None}
    people = list(
        db.session.scalars(
            select(Participant)
            .where(Participant.workshop_id == workshop.id, Participant.erased_at.is_(None))
            .order_by(Participant.profile, Participant.id)
        )
    )
    seated: dict[int, int] = {t.id: 0 for t in tables}
    mix: dict[int, dict[str, int]] = {t.id: {} for t in tables}
    for person in people:
        if person.id in hosts:
            table_id = hosts[person.id].id
            seated[table_id] += 1
            mix[table_id][person.profile] = mix[table_id].get(person.profile, 0) + 1
    plan: dict[int, int | None] = {}
    for person in people:
        if person.id in hosts:
            continue
        room = [t for t in tables if seated[t.id] < t.capacity]
        if not room:
            plan[person.id] = None
            continue
        best = min(room, key=lambda t: (mix[t.id].get(person.profile, 0), seated[t.id], t.number))
        plan[person.id] = best.id
        seated[best.id] += 1
        mix[best.id][person.profile] = mix[best.id].get(person.profile, 0) + 1
    current = {
        seat.participant_id: seat.table_id
        for seat in db.session.scalars(
            select(Seat).where(Seat.workshop_id == workshop.id, Seat.round == workshop.table_round)
        )
    }
    by_id = {t.id: t for t in tables}
    changed_tables: set[int] = set()
    moves = 0
    for host_id, table in hosts.items():
        if current.get(host_id) != table.id:
            _reseat(workshop, host_id, table.id, current.get(host_id))
            changed_tables.update(x for x in (table.id, current.get(host_id)) if x is not None)
            seating.moved(workshop, host_id, table.id)
            moves += 1
    for participant_id, target in plan.items():
        old = current.get(participant_id)
        if old == target:
            continue
        _reseat(workshop, participant_id, target, old)
        changed_tables.update(x for x in (target, old) if x is not None)
        seating.moved(workshop, participant_id, target)
        moves += 1
    db.session.flush()
    for table_id in sorted(changed_tables):
        seating.record_seated(workshop, by_id[table_id])
    seating.summary_due(workshop)
    db.session.commit()
    return moves


def _reseat(workshop: Workshop, participant_id: int, table_id: int | None, old: int | None) -> None:
    if old is not None:
        db.session.execute(
            delete(Seat).where(
                Seat.participant_id == participant_id, Seat.round == workshop.table_round
            )
        )
    if table_id is not None:
        db.session.add(
            Seat(
                workshop_id=workshop.id,
                participant_id=participant_id,
                table_id=table_id,
                round=workshop.table_round,
            )
        )


def next_round(workshop_id: int, facilitator: Facilitator, mode: RoundMode) -> int:
    """Start the next world-café round: hosts stay at their table; with ``rotate`` each
    other person moves to the next table by number (wrapping; the next one with room
    when it is full), with ``free`` they choose again. Contributions stay with their
    table; everyone has fresh votes. Records ``round_changed``; returns the round."""
    workshop = _facilitator_lock(workshop_id, facilitator)
    tables = seating.tables_of(workshop.id)
    previous = {
        seat.participant_id: seat.table_id
        for seat in db.session.scalars(
            select(Seat)
            .where(Seat.workshop_id == workshop.id, Seat.round == workshop.table_round)
            .order_by(Seat.table_id, Seat.participant_id)
        )
    }
    workshop.table_round += 1
    db.session.flush()
    hosts = {t.host_participant_id: t.id for t in tables if t.host_participant_id is not None}
    seated = {t.id: 0 for t in tables}
    placed: dict[int, int | None] = {}
    for host_id, hosted_id in hosts.items():
        placed[host_id] = hosted_id
        seated[hosted_id] += 1
    index = {t.id: i for i, t in enumerate(tables)}
    order = sorted(
        (pid for pid in previous if pid not in hosts),
        key=lambda pid: (index.get(previous[pid], 0), pid),
    )
    for participant_id in order:
        target = None
        if mode == "rotate" and tables:
            start = index[previous[participant_id]]
            for step in range(1, len(tables) + 1):
                candidate = tables[(start + step) % len(tables)]
                if seated[candidate.id] < candidate.capacity:
                    target = candidate.id
                    break
        placed[participant_id] = target
        if target is not None:
            seated[target] += 1
    for participant_id, destination in placed.items():
        if destination is not None:
            _reseat(workshop, participant_id, destination, None)
    db.session.flush()
    for participant_id, destination in sorted(placed.items()):
        if previous.get(participant_id) != destination or participant_id in hosts:
            seating.moved(workshop, participant_id, destination)
    for table in tables:
        seating.record_seated(workshop, table)
    event_log.record(workshop, Facts.ROUND_CHANGED, {"round": workshop.table_round})
    seating.summary_due(workshop)
    db.session.commit()
    return workshop.table_round


def set_contribution_kinds(
    workshop_id: int, facilitator: Facilitator, kinds: list[ContributionKind]
) -> None:
    """Rename, add or remove kinds; a kind some contribution uses stays
    (``kind_in_use``, ``details.key``). Records ``contribution_kinds_changed``."""
    workshop = _facilitator_lock(workshop_id, facilitator)
    keys = {kind.key for kind in kinds}
    used = set(
        db.session.scalars(
            select(Contribution.kind).where(Contribution.workshop_id == workshop.id).distinct()
        )
    )
    missing = sorted(used - keys)
    if missing:
        raise KindInUse(key=missing[0])
    value = [{"key": kind.key, "label": kind.label} for kind in kinds]
    if value == seating.kinds_of(workshop):
        return
    workshop.contribution_kinds = value
    event_log.record(workshop, Facts.CONTRIBUTION_KINDS_CHANGED, {"kinds": value})
    db.session.commit()


def spotlight_table(workshop_id: int, facilitator: Facilitator, table_id: int | None) -> None:
    """Put one table in the restitution's spotlight (``None`` ends it). Records
    ``spotlight_changed`` with the table's synthesis and kept contributions."""
    workshop = _facilitator_lock(workshop_id, facilitator)
    if table_id is not None:
        seating.table_in(workshop, table_id)
    if workshop.spotlight_table_id == table_id:
        return
    workshop.spotlight_table_id = table_id
    _record_spotlight(workshop)
    db.session.commit()


def _record_spotlight(workshop: Workshop) -> None:
    db.session.flush()
    view = seating.spotlight_view(workshop)
    event_log.record(
        workshop,
        Facts.SPOTLIGHT_CHANGED,
        {"table_id": view["id"] if view is not None else None, "table": view},
    )


# ------------------------------------------------------------------ phones


def list_tables(workshop_id: int) -> TablesSummary:
    """The roll-up, on demand: phones choosing a table see the seats left."""
    summary = seating.tables_summary(lookup.get_workshop(workshop_id).id)
    assert summary is not None  # noqa: S101 - the workshop was just found
    return summary


def _require_choosing_time(workshop: Workshop) -> None:
    """Phones choose their table during the tables step or before it."""
    require_open(workshop)
    if workshop.current_phase_id is None:
        return
    # The steps' ids, kinds and positions in one query, without loading the steps
    # themselves (their settings): a phone seated by a table's QR code passes here.
    steps = db.session.execute(
        select(Phase.id, Phase.kind, Phase.position).where(Phase.workshop_id == workshop.id)
    ).all()
    current = next((step for step in steps if step.id == workshop.current_phase_id), None)
    if current is None:
        return
    table_steps = [step.position for step in steps if step.kind == PhaseKind.TABLES]
    if current.kind == PhaseKind.RESTITUTION or (
        table_steps and current.position > max(table_steps)
    ):
        raise WrongPhase(_("Tables can no longer be chosen at this step of the workshop."))


def choose_table(workshop_id: int, participant_id: int, table_id: int) -> TableSnapshot:
    """A phone sits at a table with seats left (``table_full`` otherwise), during the
    tables step or before it; a host cannot leave their table. Returns the table's
    snapshot (the phone's sockets join its room after commit)."""
    workshop = event_log.lock_workshop(workshop_id)
    participant = lookup.participant(workshop, participant_id)
    _require_choosing_time(workshop)
    table = seating.table_in(workshop, table_id)
    _sit(workshop, participant, table)
    db.session.commit()
    return seating.table_snapshot(workshop, table, viewer_id=participant.id, full=False)


def _sit(
    workshop: Workshop, participant: Participant, table: Table, *, newcomer: bool = False
) -> None:
    """Seat the participant at ``table`` (:class:`TableFull` when it is). A
    ``newcomer``, created in this transaction, sits nowhere and hosts nothing yet: not
    looked up."""
    seat = None if newcomer else seating.seat_of(workshop, participant.id)
    if seat is not None and seat.table_id == table.id:
        return
    hosted = None if newcomer else seating.hosted_table(workshop.id, participant.id)
    if hosted is not None and hosted.id != table.id:
        raise Forbidden(_("A host stays at their table."))
    if seating.seated_count(workshop, table.id) >= table.capacity:
        raise TableFull()
    seating.place(workshop, participant.id, table, seat=seat, hosted=hosted)
    seating.summary_due(workshop)


def seat_from_link(workshop_id: int, participant_id: int, table_id: int, *, as_host: bool) -> Table:
    """A phone scanned a table's QR code (or its host link): seated there, or made
    its host. The same rules as :func:`choose_table` for a seat (``table_full``); a
    host link seats whatever the capacity."""
    workshop = event_log.lock_workshop(workshop_id)
    participant = lookup.participant(workshop, participant_id)
    require_open(workshop)
    table = seating.table_in(workshop, table_id)
    if as_host:
        _make_host(workshop, table, participant)
    else:
        _require_choosing_time(workshop)
        _sit(workshop, participant, table)
    db.session.commit()
    return table


def seat_newcomer(
    workshop: Workshop, participant: Participant, table_id: int, *, as_host: bool
) -> WrongPhase | TableFull | None:
    """In the transaction of a join by a table's link (:func:`participants.join`'s
    ``then``, under its lock): the newcomer sits at that table, or hosts it by a host
    link. Just created, they sit nowhere and host nothing yet (no look-up). When they
    cannot sit (the table full, tables no longer chosen at this step), the refusal is
    returned, nothing is written for the seat and the join stands: the phone then
    chooses among the tables with seats left."""
    table = seating.table_in(workshop, table_id)
    if as_host:
        _make_host(workshop, table, participant)
        return None
    try:
        _require_choosing_time(workshop)
        _sit(workshop, participant, table, newcomer=True)  # refuses before writing
    except (WrongPhase, TableFull) as refused:
        return refused
    return None


@dataclass(frozen=True)
class TableAccess:
    """What ``join_table`` resolved: the table (or none) and how its socket listens."""

    table: Table | None
    host: bool
    snapshot: TableSnapshot | None


def join_table(workshop_id: int, actor: Actor, table_id: int | None) -> TableAccess:
    """The snapshot of the caller's table (a facilitator names any table; a
    participant gets their own: their seat, or the table they host). Read-only."""
    workshop = lookup.get_workshop(workshop_id)
    if actor.facilitator is not None:
        require_facilitator(workshop, actor.facilitator)
        if table_id is None:
            raise ValidationError(_("This field is required."), field="table_id", reason="required")
        table = seating.table_in(workshop, table_id)
        return TableAccess(
            table, True, seating.table_snapshot(workshop, table, viewer_id=None, full=True)
        )
    participant = lookup.participant(workshop, actor.participant_id or 0)
    hosted = seating.hosted_table(workshop.id, participant.id)
    if hosted is not None:
        mine: Table | None = hosted
    else:
        seat = seating.seat_of(workshop, participant.id)
        mine = db.session.get(Table, seat.table_id) if seat is not None else None
    if table_id is not None and (mine is None or mine.id != table_id):
        seating.table_in(workshop, table_id)  # not_found / wrong_workshop first
        raise NotSeated()
    if mine is None:
        return TableAccess(None, False, None)
    host = hosted is not None
    return TableAccess(
        mine,
        host,
        seating.table_snapshot(workshop, mine, viewer_id=participant.id, full=host),
    )


def post_contribution(
    workshop_id: int, actor: Actor, new: NewContribution
) -> tuple[Contribution, bool]:
    """Add a contribution at a table: its seated people and host during the tables
    step, facilitators also during the restitution; ``on_behalf`` (someone without a
    phone) only from the host or a facilitator. A retried ``client_id`` returns the
    contribution stored the first time (exactly once). Records ``contribution_posted``
    (table stream)."""
    workshop = event_log.lock_workshop(workshop_id)
    existing = db.session.scalar(
        select(Contribution).where(
            Contribution.workshop_id == workshop.id, Contribution.client_id == new.client_id
        )
    )
    if existing is not None:
        same_author = (
            existing.participant_id == actor.participant_id
            if actor.facilitator is None
            else existing.participant_id is None
        )
        if not same_author or existing.table_id != new.table_id:
            raise DuplicateClientId()
        return existing, False
    table = seating.table_in(workshop, new.table_id)
    role = _role_at(workshop, actor, table)
    require_open(workshop)
    _require_table_work(workshop, restitution_too=role.facilitator)
    _require_seated(workshop, role, table)
    if new.on_behalf and not (role.host or role.facilitator):
        raise Forbidden(_("Only the table's host can post for someone else."))
    if new.kind not in {kind["key"] for kind in seating.kinds_of(workshop)}:
        raise ValidationError(_("Please choose one of the options."), field="kind", reason="choice")
    contribution = Contribution(
        workshop_id=workshop.id,
        table_id=table.id,
        kind=new.kind,
        text=new.text,
        participant_id=role.participant.id if role.participant is not None else None,
        on_behalf=new.on_behalf,
        client_id=new.client_id,
        hidden=False,
        kept=False,
        round=workshop.table_round,
    )
    db.session.add(contribution)
    db.session.flush()
    view = seating.contribution_view(contribution, workshop, full=True, votes=0)
    seating.record_table(workshop, table, Facts.CONTRIBUTION_POSTED, {"contribution": view})
    seating.summary_due(workshop)
    db.session.commit()
    return contribution, True


def vote_contribution(
    workshop_id: int, participant_id: int, flag: ContributionFlag
) -> ContributionVoteResult:
    """A seated participant gives (``on``) or takes back a vote on a visible
    contribution of their table: ``TABLE_VOTES`` (3) per table per round
    (``no_votes_left``). Idempotent. Records ``table_votes_changed`` when it changed."""
    workshop = event_log.lock_workshop(workshop_id)
    contribution, table = _contribution_in(workshop, flag.contribution_id)
    role = _role_at(workshop, Actor(participant_id=participant_id), table)
    require_open(workshop)
    _require_table_work(workshop)
    _require_seated(workshop, role, table)
    if contribution.hidden:
        raise NotFound()
    vote = db.session.scalar(
        select(ContributionVote).where(
            ContributionVote.participant_id == participant_id,
            ContributionVote.contribution_id == contribution.id,
        )
    )
    changed = False
    if flag.value and vote is None:
        if seating.votes_left(workshop, table.id, participant_id) <= 0:
            raise NoVotesLeft()
        db.session.add(
            ContributionVote(
                workshop_id=workshop.id,
                participant_id=participant_id,
                contribution_id=contribution.id,
                table_id=table.id,
                round=workshop.table_round,
            )
        )
        changed = True
    elif not flag.value and vote is not None:
        db.session.delete(vote)
        changed = True
    db.session.flush()
    if changed:
        count = seating.votes_on(contribution.id)
        seating.record_table(
            workshop,
            table,
            Facts.TABLE_VOTES_CHANGED,
            {"tallies": {str(contribution.id): count}},
        )
    result: ContributionVoteResult = {
        "contribution_id": contribution.id,
        "on": flag.value,
        "my_votes": list(
            db.session.scalars(
                select(ContributionVote.contribution_id)
                .where(
                    ContributionVote.participant_id == participant_id,
                    ContributionVote.table_id == table.id,
                )
                .order_by(ContributionVote.contribution_id)
            )
        ),
        "votes_left": seating.votes_left(workshop, table.id, participant_id),
    }
    db.session.commit()
    return result


def _host_may_act(workshop: Workshop, role: _Role) -> None:
    """Hosts moderate and keep while the table works and during the restitution;
    facilitators whenever the workshop is not closed."""
    if role.facilitator:
        require_not_closed(workshop)
        return
    require_open(workshop)
    _require_table_work(workshop, restitution_too=True)


def _record_contribution_changed(
    workshop: Workshop, table: Table, contribution: Contribution
) -> None:
    seating.record_table(
        workshop,
        table,
        Facts.CONTRIBUTION_CHANGED,
        {"contribution": seating.contribution_view(contribution, workshop, full=True)},
        {"contribution": seating.contribution_view(contribution, workshop, full=False)},
    )
    seating.summary_due(workshop)


def moderate_contribution(workshop_id: int, actor: Actor, flag: ContributionFlag) -> Contribution:
    """The table's host (or a facilitator) hides or restores a contribution; a hidden
    one is no longer kept. Records ``contribution_changed`` (phones get the hidden
    one as ``{id, table_id, hidden}``)."""
    workshop = event_log.lock_workshop(workshop_id)
    contribution, table = _contribution_in(workshop, flag.contribution_id)
    role = _require_host(workshop, actor, table)
    _host_may_act(workshop, role)
    if contribution.hidden == flag.value:
        return contribution
    contribution.hidden = flag.value
    if flag.value:
        contribution.kept = False
    db.session.flush()
    _record_contribution_changed(workshop, table, contribution)
    db.session.commit()
    return contribution


def keep_contribution(workshop_id: int, actor: Actor, flag: ContributionFlag) -> Contribution:
    """The table's host (or a facilitator) marks a visible contribution as kept by the
    table (:data:`KEEP_LIMIT` at most: ``keep_limit``) or releases it. Records
    ``contribution_changed``."""
    workshop = event_log.lock_workshop(workshop_id)
    contribution, table = _contribution_in(workshop, flag.contribution_id)
    role = _require_host(workshop, actor, table)
    _host_may_act(workshop, role)
    if contribution.kept == flag.value:
        return contribution
    if flag.value:
        if contribution.hidden:
            raise NotFound()
        kept = db.session.scalar(
            select(func.count())
            .select_from(Contribution)
            .where(Contribution.table_id == table.id, Contribution.kept.is_(True))
        )
        if int(kept or 0) >= KEEP_LIMIT:
            raise KeepLimit()
    contribution.kept = flag.value
    db.session.flush()
    _record_contribution_changed(workshop, table, contribution)
    db.session.commit()
    return contribution


def save_synthesis(workshop_id: int, actor: Actor, edit: SynthesisEdit) -> Table:
    """The table's host (or a facilitator) saves the synthesis from the version they
    read (``stale_version`` otherwise). The défi's qualification sheet gets what it
    lacks: an empty ``need_who`` the kept needs, an empty ``solution`` the synthesis
    and the kept solution ideas; a field already filled is never overwritten. Records
    ``synthesis_saved`` (table stream) and ``qualification_saved`` when the sheet
    changed."""
    workshop = event_log.lock_workshop(workshop_id)
    table = seating.table_in(workshop, edit.table_id)
    role = _require_host(workshop, actor, table)
    _host_may_act(workshop, role)
    if edit.version != table.synthesis_version:
        raise StaleVersion(current_version=table.synthesis_version)
    if edit.text == table.synthesis and edit.done == table.synthesis_done:
        return table
    table.synthesis = edit.text
    table.synthesis_done = edit.done
    table.synthesis_version += 1
    db.session.flush()
    seating.record_table(
        workshop,
        table,
        Facts.SYNTHESIS_SAVED,
        {
            "synthesis": table.synthesis,
            "synthesis_done": table.synthesis_done,
            "synthesis_version": table.synthesis_version,
        },
    )
    _prefill_sheet(workshop, table)
    if workshop.spotlight_table_id == table.id:
        _record_spotlight(workshop)
    seating.summary_due(workshop)
    db.session.commit()
    return table


def _kept_texts(table: Table, kind: str) -> list[str]:
    return list(
        db.session.scalars(
            select(Contribution.text)
            .where(
                Contribution.table_id == table.id,
                Contribution.kind == kind,
                Contribution.kept.is_(True),
                Contribution.hidden.is_(False),
            )
            .order_by(Contribution.id)
        )
    )


def _prefill_sheet(workshop: Workshop, table: Table) -> None:
    needs = "\n".join(f"- {text}" for text in _kept_texts(table, "needs"))
    solutions = [table.synthesis.strip()] if table.synthesis.strip() else []
    solutions += [f"- {text}" for text in _kept_texts(table, "solutions")]
    proposed = {"need_who": needs, "solution": "\n".join(solutions)}
    proposed = {
        name: value[: QUALIFICATION_TEXTS[name]] for name, value in proposed.items() if value
    }
    if not proposed:
        return
    target = TargetRef("challenge", table.challenge_id)
    sheet = qualification.sheet_of(workshop, target)
    if sheet is None:
        sheet = Qualification(
            workshop_id=workshop.id,
            challenge_id=table.challenge_id,
            stage=Stage.TO_STUDY,
            version=0,
        )
        for name in (*QUALIFICATION_TEXTS, "territory"):
            setattr(sheet, name, "")
        db.session.add(sheet)
    changed = False
    for name, value in proposed.items():
        if not (getattr(sheet, name) or "").strip():
            setattr(sheet, name, value)
            changed = True
    if not changed:
        return
    sheet.version = (sheet.version or 0) + 1
    db.session.flush()
    saved: QualificationSaved = {"qualification": serialize_qualification(sheet)}
    event_log.record(workshop, Facts.QUALIFICATION_SAVED, saved)
