"""What a client starts from: the snapshot of a workshop as its role may see it, or
the facts it missed since the last ``seq`` it applied.

The top level of the services, with :mod:`.merging` and :mod:`.demo`: it reads
every feature and writes nothing.
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Event, Idea, IdeaStatus, Participant, Table, Workshop
from ..phases import PhaseKind
from ..realtime import Facts
from ..roles import Role
from ..schemas import (
    serialize_challenge,
    serialize_idea,
    serialize_participant,
    serialize_phase,
    serialize_timer,
    serialize_workshop,
)
from ..visibility import ideas_seen_by
from . import (
    challenges,
    event_log,
    lookup,
    participants,
    pitch,
    qualification,
    seating,
    volunteers,
    votes,
)


def resume(
    workshop_id: int, role: Role, participant_id: int | None, last_seq: int | None
) -> dict[str, Any]:
    """What a client joining the room gets: ``{"mode": "replay", "events", "me"?}``
    when it says the last ``seq`` it applied and replaying is cheaper, else
    ``{"mode": "snapshot", "state"}``.

    The caller must have joined the room first, so no fact recorded meanwhile is
    missed (re-applying one the answer already reflects changes nothing). A
    participant's own state (``me``: their votes and offers, which the room's facts do
    not carry) comes with every replay.
    """
    participant = db.session.get(Participant, participant_id) if participant_id else None
    if last_seq is not None:
        missed = event_log.replay(workshop_id, last_seq, role)
        if missed is not None:
            data: dict[str, Any] = {"mode": "replay", "events": missed}
            if participant_id:
                data["me"] = participant_view(participant) if participant else None
            return data
    workshop = lookup.get_workshop(workshop_id)
    return {"mode": "snapshot", "state": build_state(workshop, role, participant)}


def participant_view(participant: Participant, *, tables: bool = True) -> dict[str, Any]:
    """What a participant's own phone needs about them: identity, their ideas, their
    votes ``{phase_id: {idea_id: count}}`` and their volunteer offers (in every
    snapshot and every replay). ``tables=False``: the workshop has no table, so they
    sit at none and host none (not looked up)."""
    idea_ids = db.session.scalars(
        select(Idea.id)
        .where(Idea.participant_id == participant.id, Idea.status != IdeaStatus.WITHDRAWN)
        .order_by(Idea.id)
    )
    return {
        "id": participant.id,
        "display_name": participant.display_name,
        "profile": participant.profile,
        "idea_ids": list(idea_ids),
        "votes": {
            str(phase_id): {str(idea_id): n for idea_id, n in items.items()}
            for phase_id, items in votes.my_votes(participant).items()
        },
        "volunteers": volunteers.mine(participant.id),
        # Majority-judgment votes: {phase_id: {item_id: grade}}.
        "grades": votes.grades.my_grades(participant),
        **(seating.me_at_tables(participant) if tables else {"table_id": None, "host_of": None}),
    }


# The part of a snapshot every client of one role shares, by (workshop, role): the seq,
# redaction point and join code it was read at (a workshop deleted and another made with
# its id is not the same one), when (monotonic), and the state. See role_state. (The
# key's last part: whether the room's ideas are in it.)
_SHARED: dict[tuple[int, Role, bool], tuple[tuple[int, int, str], float, dict[str, Any]]] = {}
_SHARED_MAX = 1024  # workshops remembered at once; beyond, the cache starts afresh


def build_state(
    workshop: Workshop, role: Role, participant: Participant | None = None
) -> dict[str, Any]:
    """The snapshot a client starts from, as ``role`` may see it, with its ``seq``.

    Read-only; call it after joining the room so no later event can be missed. The
    ``seq`` is read first, so the data is at least that fresh; facts are absolute
    values, so re-applying one the snapshot already reflects changes nothing.

    What every client of the role sees is :func:`role_state`; a participant's phone
    adds its own ideas that others do not see (waiting for approval, hidden, merged)
    and ``me``.
    """
    # Their own ideas are read by author alone (_own_ideas): the author must be of here.
    assert participant is None or participant.workshop_id == workshop.id  # noqa: S101
    db.session.refresh(workshop)
    tables = seating.has_tables(workshop.id)
    # A phone at a défi evening gets its own ideas only (see with_tables): the room's
    # ideas (1,000 imported, say) are neither read nor serialised for it.
    room_ideas = not (tables and role is Role.PARTICIPANT)
    state = dict(role_state(workshop, role, ideas=room_ideas))
    if participant is not None:
        if not room_ideas:
            state["ideas"] = _own_ideas(workshop, role, participant)
        elif role is not Role.FACILITATOR:
            own = [
                serialize_idea(idea, role, anonymous=workshop.anonymous, viewer_id=participant.id)
                for idea in db.session.scalars(
                    select(Idea)
                    .where(
                        Idea.participant_id == participant.id,  # see _own_ideas
                        ideas_seen_by(role, participant.id),
                        ~ideas_seen_by(role),
                    )
                    .options(selectinload(Idea.author))
                )
            ]
            if own:
                state["ideas"] = sorted([*state["ideas"], *own], key=lambda idea: idea["id"])
        state["me"] = participant_view(participant, tables=tables)
    if tables:
        with_tables(state, workshop, role, participant)
    if participant is not None and "pitch" in state:  # the projects a phone holds
        state["pitch"] = {**state["pitch"], "mine": pitch.projects_held(workshop, participant)}
    return state


def _own_ideas(workshop: Workshop, role: Role, participant: Participant) -> list[Any]:
    """A phone's own ideas as it sees them, withdrawn ones left out: at a défi evening
    the whole of its snapshot's ``ideas`` (the same list :func:`with_tables` used to
    cut out of the room's, read alone; an idea the role sees in public serialises the
    same with or without ``viewer_id``).

    Read by author alone: a participant's ideas are all in their workshop. With the
    workshop in the condition as well, SQLite walks the workshop's ideas (its index on
    the workshop) instead of the author's, a cost growing with the room (1,000
    imported ideas, every phone joining)."""
    return [
        serialize_idea(idea, role, anonymous=workshop.anonymous, viewer_id=participant.id)
        for idea in db.session.scalars(
            select(Idea)
            .where(
                Idea.participant_id == participant.id,
                Idea.status != IdeaStatus.WITHDRAWN,
                ideas_seen_by(role, participant.id),
            )
            .order_by(Idea.id)
            .options(selectinload(Idea.author))
        )
    ]


def role_state(workshop: Workshop, role: Role, *, ideas: bool = True) -> dict[str, Any]:
    """The snapshot as every client of ``role`` sees it (no participant's own ideas, no
    ``me``), at the workshop's current ``seq``. Do not change what it returns: it is
    shared.

    When a room of phones connects at once they all ask for the same thing, so for
    participants and screens it is built once per ``seq`` and kept ``SNAPSHOT_CACHE_MS``
    (1 s): every change a client must see records a fact, which moves ``seq`` on, and
    the keeping time bounds what a change made without one (by another process, say)
    could leave unseen. Joins alone (``participant_joined``) do not make it build anew
    within that time (:func:`_after_joins`). Facilitators' snapshots are built each
    time.

    ``ideas=False`` leaves the room's ideas out (``"ideas": []``): a phone at a défi
    evening does not get them."""
    ttl_s = float(current_app.config.get("SNAPSHOT_CACHE_MS", 0)) / 1000
    if role is Role.FACILITATOR or ttl_s <= 0:
        return _role_state(workshop, role, ideas=ideas)
    key = (workshop.id, role, ideas)
    version = (workshop.seq or 0, workshop.redacted_seq or 0, workshop.code)
    now = time.monotonic()
    cached = _SHARED.get(key)
    if cached is not None and now - cached[1] < ttl_s:
        if cached[0] == version:
            return cached[2]
        joined = _after_joins(workshop, cached[0], cached[2])
        if joined is not None:  # kept from the same time: the keeping time still bounds it
            _SHARED[key] = (version, cached[1], joined)
            return joined
    state = _role_state(workshop, role, ideas=ideas)
    if len(_SHARED) >= _SHARED_MAX:
        _SHARED.clear()
    _SHARED[key] = (version, now, state)
    return state


# How many facts after a shared part's seq _after_joins reads at most before building
# it anew (a room scanning QR codes at once: about one second's joins).
_JOINS_MAX = 500


def _after_joins(
    workshop: Workshop, version: tuple[int, int, str], state: dict[str, Any]
) -> dict[str, Any] | None:
    """The shared part ``state``, built at ``version``, brought to the workshop's
    current seq when every fact since was a ``participant_joined`` (a room seating
    itself: each join moves seq on), else ``None``. Of what the shared part shows a
    join changes ``participant_count`` only (read again here) and ``seq``: people, seats
    and tables are not in it (facilitators' snapshots, which list people, are never
    shared; the tables are added by with_tables on each snapshot)."""
    seq, redacted_seq, code = version
    current = workshop.seq or 0
    if (redacted_seq, code) != (workshop.redacted_seq or 0, workshop.code) or not (
        0 < current - seq <= _JOINS_MAX
    ):
        return None
    names = list(
        db.session.scalars(
            select(Event.name).where(
                Event.workshop_id == workshop.id, Event.seq > seq, Event.seq <= current
            )
        )
    )
    # A fact missing from the log (none should be) counts as one that changed anything.
    if len(names) != current - seq or any(name != Facts.PARTICIPANT_JOINED for name in names):
        return None
    return {**state, "seq": workshop.seq, "participant_count": participants.count_in(workshop.id)}


def _role_state(workshop: Workshop, role: Role, *, ideas: bool = True) -> dict[str, Any]:
    ideas_query = (
        select(Idea)
        .where(Idea.workshop_id == workshop.id, ideas_seen_by(role))
        .order_by(Idea.id)
        .options(selectinload(Idea.author))  # one query for the authors, not one each
    )
    state: dict[str, Any] = {
        "seq": workshop.seq,
        "role": str(role),
        "workshop": serialize_workshop(workshop),
        "phases": [serialize_phase(p) for p in workshop.phases],
        "timer": serialize_timer(workshop),
        "ideas": [
            serialize_idea(idea, role, anonymous=workshop.anonymous)
            for idea in db.session.scalars(ideas_query)
        ]
        if ideas
        else [],
        "participant_count": participants.count_in(workshop.id),
    }
    if ideas:
        state["grouping"] = challenges.grouping_state(workshop, role)
    else:  # the défis without their ideas' places, as with_tables gives phones
        defis = [serialize_challenge(c) for c in challenges.challenges_of(workshop)]
        state["grouping"] = {"challenges": defis, "orders": []}
    state["qualifications"] = qualification.qualification_state(workshop, role)
    state["volunteers"] = volunteers.volunteer_state(workshop, role)
    if pitch.has_pitch(workshop):  # a cycle's session: the pitch step's spotlight, cards
        state["pitch"] = pitch.pitch_view(workshop, role)

    state["votes"] = {
        str(phase.id): votes.vote_state(phase, public=role is not Role.FACILITATOR)
        for phase in workshop.phases
        if phase.kind == PhaseKind.VOTE
    }
    # Majority-judgment votes: their grades' totals, and results where the role may see them.
    state["grades"] = {
        str(phase.id): votes.grades.grade_state(phase, public=role is not Role.FACILITATOR)
        for phase in workshop.phases
        if votes.grades.is_majority(phase)
    }
    if role is Role.FACILITATOR:
        state["participants"] = [
            serialize_participant(p)
            for p in db.session.scalars(
                select(Participant)
                .where(Participant.workshop_id == workshop.id, Participant.erased_at.is_(None))
                .order_by(Participant.id)
            )
        ]
    return state


def with_tables(
    state: dict[str, Any], workshop: Workshop, role: Role, participant: Participant | None
) -> None:
    """Add the défi tables to the snapshot of a workshop that has some, and scope a
    phone's to what it needs at a 1,000-idea evening (issue #13): once the workshop has
    tables, a participant gets their own ideas only (:func:`build_state` reads them
    alone), the défis without their idea lists, and their table's snapshot. Replaces
    keys, never changes the (possibly shared) values in ``state``."""
    full = role is Role.FACILITATOR
    state["tables"] = seating.table_views(workshop.id, full=full)
    state["contribution_kinds"] = seating.kinds_of(workshop)
    state["table_round"] = workshop.table_round
    state["spotlight"] = seating.spotlight_view(workshop)
    if role is not Role.PARTICIPANT:
        state["tables_summary"] = seating.summary_items(workshop)
        return
    state["grouping"] = {"challenges": state["grouping"]["challenges"], "orders": []}
    state["table"] = None
    if participant is not None:
        # The table they host, else where they sit (seating.table_of_participant), as
        # ``me`` has just read them; the tables are in the session since table_views.
        me = state["me"]
        table_id = me["host_of"] if me["host_of"] is not None else me["table_id"]
        table = db.session.get(Table, table_id) if table_id is not None else None
        if table is not None:
            host = table.host_participant_id == participant.id
            state["table"] = seating.table_snapshot(
                workshop, table, viewer_id=participant.id, full=host
            )
