"""services.tables: the défi tables of an evening (issue #13): set-up, seats and
capacity, hosts, balance by profile, rounds, contribution kinds, contributions exactly
once, votes (3 per table per round), moderation, keeps (≤ 3), the synthesis and the
qualification sheet it pre-fills, the spotlight, and every refusal changing nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests import query_plans
from tests.factories import (
    client_id,
    facts_since,
    make_challenge,
    make_facilitator,
    make_participant,
    make_workshop,
    recorded,
)
from workshop import table_rooms
from workshop.errors import (
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
    WorkshopClosed,
    WorkshopError,
    WrongPhase,
    WrongWorkshop,
)
from workshop.extensions import db
from workshop.models import Contribution, ContributionVote, Qualification, Seat, Table, Workshop
from workshop.phases import PhaseKind
from workshop.schemas import PhaseTarget
from workshop.schemas.tables import (
    ContributionFlag,
    ContributionKind,
    HostChange,
    NewContribution,
    NewTables,
    SeatChange,
    SynthesisEdit,
    TableEdit,
)
from workshop.services import agenda, seating, tables
from workshop.services.tables import Actor

# ----------------------------------------------------------------- helpers


@pytest.fixture
def delivered(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[table_rooms.Deferred]]:
    """What committed transactions hand to the table rooms, instead of sending it."""
    items: list[table_rooms.Deferred] = []
    monkeypatch.setattr(table_rooms, "deliver", lambda _app, new: items.extend(new))
    yield items


def go(workshop: Workshop, kind: PhaseKind) -> None:
    phase = next(p for p in workshop.phases if p.kind == kind)
    agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(phase_id=phase.id))


def evening(challenges: int = 2, phase: PhaseKind | None = PhaseKind.TABLES) -> Workshop:
    """A « Soirée défis » with ``challenges`` défis prepared in the draft, opened, in
    ``phase``."""
    workshop = make_workshop(format="challenges_evening", status="draft")
    for _ in range(challenges):
        make_challenge(workshop)
    agenda.open_workshop(workshop.id, workshop.owner)
    if phase is not None:
        go(workshop, phase)
    return workshop


def with_tables(challenges: int = 2, capacity: int = 12, **kw: Any) -> tuple[Workshop, list[Table]]:
    workshop = evening(challenges, **kw)
    made = tables.create_tables(workshop.id, workshop.owner, NewTables(capacity=capacity))
    return workshop, made


def contribute(
    workshop: Workshop, who: int | None, table: Table, text: str = "Un bus le dimanche", **kw: Any
) -> Contribution:
    actor = Actor(participant_id=who) if who is not None else Actor(facilitator=workshop.owner)
    new = NewContribution(
        table_id=table.id,
        kind=kw.pop("kind", "needs"),
        text=text,
        client_id=kw.pop("client_id", None) or client_id(),
        on_behalf=kw.pop("on_behalf", ""),
    )
    assert not kw
    contribution, _created = tables.post_contribution(workshop.id, actor, new)
    return contribution


def seat_rows(workshop_id: int) -> list[tuple[int, int, int]]:
    return [
        (s.participant_id, s.table_id, s.round)
        for s in db.session.scalars(
            select(Seat).where(Seat.workshop_id == workshop_id).order_by(Seat.participant_id)
        )
    ]


def state(workshop_id: int) -> tuple[Any, ...]:
    """Everything a refusal must leave unchanged."""
    contributions = [
        (c.id, c.table_id, c.kind, c.text, c.hidden, c.kept)
        for c in db.session.scalars(
            select(Contribution).where(Contribution.workshop_id == workshop_id)
        )
    ]
    votes = db.session.scalar(
        select(func.count())
        .select_from(ContributionVote)
        .where(ContributionVote.workshop_id == workshop_id)
    )
    table_rows = [
        (t.id, t.number, t.capacity, t.host_participant_id, t.synthesis, t.seq)
        for t in db.session.scalars(select(Table).where(Table.workshop_id == workshop_id))
    ]
    return (recorded(workshop_id), seat_rows(workshop_id), contributions, votes, table_rows)


def refused(workshop_id: int, error: type[WorkshopError], act: Callable[[], Any]) -> WorkshopError:
    """``act`` raises exactly ``error`` and changes nothing."""
    before = state(workshop_id)
    with pytest.raises(error) as raised:
        act()
    db.session.rollback()
    assert type(raised.value) is error, raised.value
    assert state(workshop_id) == before
    return raised.value


def table_facts(items: list[table_rooms.Deferred]) -> list[table_rooms.TableFact]:
    return [item for item in items if isinstance(item, table_rooms.TableFact)]


# ----------------------------------------------------------------- set-up


def test_one_table_per_challenge_numbered_in_the_challenges_order(app: Flask) -> None:
    with app.app_context():
        workshop, made = with_tables(3, capacity=8)
        seq = workshop.seq
        assert [t.number for t in made] == [1, 2, 3]
        assert [t.capacity for t in made] == [8, 8, 8]
        defis = sorted({t.challenge_id for t in made})
        assert len(defis) == 3
        more = tables.create_tables(
            workshop.id,
            workshop.owner,
            NewTables(challenge_ids=[defis[0]], per_challenge={defis[1]: 2}),
        )
        assert [(t.number, t.challenge_id) for t in more] == [
            (4, defis[0]),
            (5, defis[1]),
            (6, defis[1]),
        ]
        [(name, payload)] = facts_since(workshop.id, seq)
        assert name == "tables_changed" and len(payload["tables"]) == 6


def test_creating_tables_for_another_workshops_challenge_is_refused(app: Flask) -> None:
    with app.app_context():
        workshop = evening(1)
        other = evening(1)
        foreign = db.session.scalar(
            select(Table.challenge_id).where(Table.workshop_id == other.id)
        ) or make_challenge_id(other)
        refused(
            workshop.id,
            WrongWorkshop,
            lambda: tables.create_tables(
                workshop.id, workshop.owner, NewTables(challenge_ids=[foreign])
            ),
        )
        refused(
            workshop.id,
            NotFound,
            lambda: tables.create_tables(
                workshop.id, workshop.owner, NewTables(challenge_ids=[10**6])
            ),
        )


def make_challenge_id(workshop: Workshop) -> int:
    from workshop.models import Challenge

    found = db.session.scalar(select(Challenge.id).where(Challenge.workshop_id == workshop.id))
    assert found is not None
    return found


def test_only_the_workshops_facilitators_manage_tables(app: Flask) -> None:
    with app.app_context():
        workshop, [table, _] = with_tables()
        stranger = make_facilitator()
        refused(
            workshop.id,
            Forbidden,
            lambda: tables.create_tables(workshop.id, stranger, NewTables()),
        )
        refused(
            workshop.id,
            Forbidden,
            lambda: tables.update_table(workshop.id, stranger, TableEdit(table.id, capacity=5)),
        )
        refused(workshop.id, Forbidden, lambda: tables.balance_tables(workshop.id, stranger))


def test_update_table_refuses_a_taken_number(app: Flask) -> None:
    with app.app_context():
        workshop, [one, two] = with_tables()
        refused(
            workshop.id,
            ValidationError,
            lambda: tables.update_table(workshop.id, workshop.owner, TableEdit(one.id, number=2)),
        )
        tables.update_table(workshop.id, workshop.owner, TableEdit(one.id, number=7, capacity=3))
        assert (one.number, one.capacity) == (7, 3)


def test_a_closed_workshop_changes_no_table(app: Flask) -> None:
    with app.app_context():
        workshop, [table, _] = with_tables()
        agenda.close_workshop(workshop.id, workshop.owner)
        refused(
            workshop.id,
            WorkshopClosed,
            lambda: tables.update_table(
                workshop.id, workshop.owner, TableEdit(table.id, capacity=4)
            ),
        )


# ----------------------------------------------------------------- seats


def test_a_phone_chooses_a_table_until_it_is_full(app: Flask, delivered: list[Any]) -> None:
    with app.app_context():
        workshop, [table, other] = with_tables(capacity=2)
        a, b, c = (make_participant(workshop) for _ in range(3))
        snapshot = tables.choose_table(workshop.id, a.id, table.id)
        assert snapshot["id"] == table.id and snapshot["seated"] == 1
        tables.choose_table(workshop.id, b.id, table.id)
        error = refused(
            workshop.id, TableFull, lambda: tables.choose_table(workshop.id, c.id, table.id)
        )
        assert error.code == "table_full"
        # Choosing the same table again changes nothing; moving frees the seat.
        tables.choose_table(workshop.id, a.id, table.id)
        tables.choose_table(workshop.id, a.id, other.id)
        tables.choose_table(workshop.id, c.id, table.id)
        assert seating.seated_counts(workshop) == {table.id: 2, other.id: 1}
        moves = [i for i in delivered if isinstance(i, table_rooms.Move)]
        assert [(m.participant_id, m.table_id) for m in moves] == [
            (a.id, table.id),
            (b.id, table.id),
            (a.id, other.id),
            (c.id, table.id),
        ]
        seated = [f for f in table_facts(delivered) if f.name == "table_seated"]
        # Names only to the host and the facilitators.
        assert all(
            "names" in f.data and f.public_data == {"seated": f.data["seated"]} for f in seated
        )


def test_choosing_a_table_is_over_after_the_tables_step(app: Flask) -> None:
    with app.app_context():
        workshop, [table, _] = with_tables()
        person = make_participant(workshop)
        go(workshop, PhaseKind.RESTITUTION)
        refused(
            workshop.id, WrongPhase, lambda: tables.choose_table(workshop.id, person.id, table.id)
        )


def test_choosing_before_the_tables_step_is_allowed(app: Flask) -> None:
    with app.app_context():
        workshop, [table, _] = with_tables(phase=PhaseKind.WELCOME)
        person = make_participant(workshop)
        assert tables.choose_table(workshop.id, person.id, table.id)["seated"] == 1


def test_a_facilitator_may_seat_beyond_capacity_and_unseat(
    app: Flask, delivered: list[Any]
) -> None:
    with app.app_context():
        workshop, [table, _] = with_tables(capacity=2)
        people = [make_participant(workshop) for _ in range(3)]
        for person in people:
            tables.seat_participant(workshop.id, workshop.owner, SeatChange(person.id, table.id))
        assert seating.seated_counts(workshop) == {table.id: 3}
        tables.seat_participant(workshop.id, workshop.owner, SeatChange(people[0].id, None))
        assert seating.seated_counts(workshop) == {table.id: 2}
        assert delivered[-1] == table_rooms.SummaryDue(workshop.id) or any(
            isinstance(i, table_rooms.Move) and i.table_id is None for i in delivered
        )


def test_a_host_is_seated_at_their_table_and_cannot_leave_it(
    app: Flask, delivered: list[Any]
) -> None:
    with app.app_context():
        workshop, [table, other] = with_tables()
        host = make_participant(workshop)
        tables.set_table_host(workshop.id, workshop.owner, HostChange(table.id, host.id))
        assert table.host_participant_id == host.id
        assert seat_rows(workshop.id) == [(host.id, table.id, 1)]
        moves = [i for i in delivered if isinstance(i, table_rooms.Move)]
        assert moves[-1] == table_rooms.Move(workshop.id, host.id, table.id, table.id)
        refused(workshop.id, Forbidden, lambda: tables.choose_table(workshop.id, host.id, other.id))
        refused(
            workshop.id,
            Forbidden,
            lambda: tables.seat_participant(
                workshop.id, workshop.owner, SeatChange(host.id, other.id)
            ),
        )
        # Hosting another table moves them there and leaves the first without host.
        tables.set_table_host(workshop.id, workshop.owner, HostChange(other.id, host.id))
        assert (table.host_participant_id, other.host_participant_id) == (None, host.id)
        assert seat_rows(workshop.id) == [(host.id, other.id, 1)]
        tables.set_table_host(workshop.id, workshop.owner, HostChange(other.id, None))
        assert other.host_participant_id is None
        assert seat_rows(workshop.id) == [(host.id, other.id, 1)]


def test_deleting_a_table_unseats_its_people_and_takes_its_contributions(
    app: Flask, delivered: list[Any]
) -> None:
    with app.app_context():
        workshop, [table, other] = with_tables()
        person = make_participant(workshop)
        tables.choose_table(workshop.id, person.id, table.id)
        contribute(workshop, person.id, table)
        tables.spotlight_table(workshop.id, workshop.owner, table.id)
        seq = workshop.seq
        delivered.clear()
        tables.delete_table(workshop.id, workshop.owner, table.id)
        assert seat_rows(workshop.id) == []
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 0
        assert [name for name, _ in facts_since(workshop.id, seq)] == [
            "spotlight_changed",
            "tables_changed",
        ]
        assert workshop.spotlight_table_id is None
        assert table_rooms.Move(workshop.id, person.id, None, None) in delivered
        assert [t.id for t in seating.tables_of(workshop.id)] == [other.id]


def test_balance_mixes_profiles_within_capacity(app: Flask, delivered: list[Any]) -> None:
    with app.app_context():
        workshop, made = with_tables(3, capacity=3)
        host = make_participant(workshop, profile="elected")
        tables.set_table_host(workshop.id, workshop.owner, HostChange(made[0].id, host.id))
        people = [
            make_participant(workshop, profile=profile)
            for profile in ["citizen"] * 4
            + ["elected"] * 2
            + ["business"] * 2
            + ["association"] * 2
        ]
        # Two have already chosen the same table.
        tables.choose_table(workshop.id, people[0].id, made[1].id)
        tables.choose_table(workshop.id, people[1].id, made[1].id)
        moves = tables.balance_tables(workshop.id, workshop.owner)
        counts = seating.seated_counts(workshop)
        assert sum(counts.values()) == 9  # 3 tables × 3 seats: two people stay unseated
        assert all(counts[t.id] <= 3 for t in made)
        by_table: dict[int, list[str]] = {}
        profiles = {p.id: p.profile for p in [host, *people]}
        for pid, tid, _round in seat_rows(workshop.id):
            by_table.setdefault(tid, []).append(profiles[pid])
        for table_profiles in by_table.values():  # never two citizens where one is enough
            assert table_profiles.count("citizen") <= 2
        assert (host.id, made[0].id, 1) in seat_rows(workshop.id)
        assert moves >= 7
        # Deterministic: balancing again moves nobody.
        assert tables.balance_tables(workshop.id, workshop.owner) == 0


def test_next_round_rotates_people_keeps_hosts_and_resets_votes(
    app: Flask, delivered: list[Any]
) -> None:
    with app.app_context():
        workshop, [one, two] = with_tables(capacity=3)
        host = make_participant(workshop)
        tables.set_table_host(workshop.id, workshop.owner, HostChange(one.id, host.id))
        a, b, c = (make_participant(workshop) for _ in range(3))
        tables.choose_table(workshop.id, a.id, one.id)
        tables.choose_table(workshop.id, b.id, two.id)
        tables.choose_table(workshop.id, c.id, two.id)
        contribution = contribute(workshop, a.id, one)
        tables.vote_contribution(workshop.id, a.id, ContributionFlag(contribution.id, True))
        seq = workshop.seq
        assert tables.next_round(workshop.id, workshop.owner, "rotate") == 2
        current = {pid: tid for pid, tid, rnd in seat_rows(workshop.id) if rnd == 2}
        # b and c go to table 1 (host + 2 = capacity 3), a to table 2.
        assert current == {host.id: one.id, a.id: two.id, b.id: one.id, c.id: one.id}
        assert ("round_changed", {"round": 2}) in facts_since(workshop.id, seq)
        # Contributions stay with their table; a has 3 fresh votes at table 2.
        assert contribution.table_id == one.id
        assert seating.votes_left(workshop, two.id, a.id) == 3
        assert tables.next_round(workshop.id, workshop.owner, "free") == 3
        current = {pid: tid for pid, tid, rnd in seat_rows(workshop.id) if rnd == 3}
        assert current == {host.id: one.id}


# ----------------------------------------------------------------- kinds


def test_kinds_are_renamed_added_and_removed_unless_in_use(app: Flask) -> None:
    with app.app_context():
        workshop, [table, _] = with_tables()
        person = make_participant(workshop)
        tables.choose_table(workshop.id, person.id, table.id)
        contribute(workshop, person.id, table, kind="needs")
        seq = workshop.seq
        kinds = [ContributionKind("needs", "Besoins"), ContributionKind("ideas", "")]
        tables.set_contribution_kinds(workshop.id, workshop.owner, kinds)
        assert facts_since(workshop.id, seq) == [
            (
                "contribution_kinds_changed",
                {"kinds": [{"key": "needs", "label": "Besoins"}, {"key": "ideas", "label": ""}]},
            )
        ]
        error = refused(
            workshop.id,
            KindInUse,
            lambda: tables.set_contribution_kinds(
                workshop.id, workshop.owner, [ContributionKind("ideas", "")]
            ),
        )
        assert error.details == {"key": "needs"}
        # A kind the workshop no longer has cannot be posted.
        refused(
            workshop.id,
            ValidationError,
            lambda: contribute(workshop, person.id, table, kind="solutions"),
        )


# ----------------------------------------------------------------- contributions


def test_a_contribution_is_stored_once_per_client_id(app: Flask, delivered: list[Any]) -> None:
    with app.app_context():
        workshop, [table, other] = with_tables()
        person, stranger = make_participant(workshop), make_participant(workshop)
        tables.choose_table(workshop.id, person.id, table.id)
        tables.choose_table(workshop.id, stranger.id, table.id)
        delivered.clear()
        key = client_id()
        first = contribute(workshop, person.id, table, client_id=key)
        again = contribute(workshop, person.id, table, client_id=key)
        assert again.id == first.id
        posted = [f for f in table_facts(delivered) if f.name == "contribution_posted"]
        assert len(posted) == 1 and posted[0].table_id == table.id
        assert posted[0].table_seq == table.seq
        view = posted[0].data["contribution"]
        assert (view["kind"], view["text"], view["votes"], view["hidden"]) == (
            "needs",
            "Un bus le dimanche",
            0,
            False,
        )
        refused(
            workshop.id,
            DuplicateClientId,
            lambda: contribute(workshop, stranger.id, table, client_id=key),
        )


def test_table_seq_grows_by_one_per_table_fact(app: Flask, delivered: list[Any]) -> None:
    with app.app_context():
        workshop, [table, other] = with_tables()
        person = make_participant(workshop)
        tables.choose_table(workshop.id, person.id, table.id)
        for n in range(3):
            contribute(workshop, person.id, table, text=f"Idée {n}")
        seqs = [f.table_seq for f in table_facts(delivered) if f.table_id == table.id]
        assert seqs == list(range(1, len(seqs) + 1))
        assert other.seq == 0


def test_only_people_seated_there_contribute_in_the_tables_step(app: Flask) -> None:
    with app.app_context():
        workshop, [table, other] = with_tables()
        seated, elsewhere, nowhere = (make_participant(workshop) for _ in range(3))
        tables.choose_table(workshop.id, seated.id, table.id)
        tables.choose_table(workshop.id, elsewhere.id, other.id)
        refused(workshop.id, NotSeated, lambda: contribute(workshop, elsewhere.id, table))
        refused(workshop.id, NotSeated, lambda: contribute(workshop, nowhere.id, table))
        refused(
            workshop.id, Forbidden, lambda: contribute(workshop, seated.id, table, on_behalf="Lou")
        )
        go(workshop, PhaseKind.RESTITUTION)
        refused(workshop.id, WrongPhase, lambda: contribute(workshop, seated.id, table))
        # Facilitators still may, and on someone's behalf.
        made = contribute(workshop, None, table, on_behalf="Lou")
        assert (made.participant_id, made.on_behalf) == (None, "Lou")


def test_a_host_posts_on_behalf_of_someone_without_a_phone(app: Flask) -> None:
    with app.app_context():
        workshop, [table, _] = with_tables()
        host = make_participant(workshop, display_name="Hôte")
        tables.set_table_host(workshop.id, workshop.owner, HostChange(table.id, host.id))
        made = contribute(workshop, host.id, table, on_behalf="Mme Martin")
        view = seating.contribution_view(made, workshop, full=False)
        assert (view["author"], view["on_behalf"]) == ("Hôte", "Mme Martin")


def test_anonymous_workshops_show_no_author(app: Flask) -> None:
    with app.app_context():
        workshop, [table, _] = with_tables()
        person = make_participant(workshop)
        tables.choose_table(workshop.id, person.id, table.id)
        made = contribute(workshop, person.id, table)
        workshop.anonymous = True
        db.session.commit()
        assert seating.contribution_view(made, workshop, full=True)["author"] is None


# ----------------------------------------------------------------- votes


def test_three_votes_per_table_per_round(app: Flask, delivered: list[Any]) -> None:
    with app.app_context():
        workshop, [table, _] = with_tables()
        person = make_participant(workshop)
        tables.choose_table(workshop.id, person.id, table.id)
        made = [contribute(workshop, person.id, table, text=f"Idée {n}") for n in range(4)]
        for n, contribution in enumerate(made[:3]):
            result = tables.vote_contribution(
                workshop.id, person.id, ContributionFlag(contribution.id, True)
            )
            assert result["votes_left"] == 2 - n
        error = refused(
            workshop.id,
            NoVotesLeft,
            lambda: tables.vote_contribution(
                workshop.id, person.id, ContributionFlag(made[3].id, True)
            ),
        )
        assert error.code == "no_votes_left"
        # Voting again on the same one changes nothing; taking one back frees it.
        tables.vote_contribution(workshop.id, person.id, ContributionFlag(made[0].id, True))
        result = tables.vote_contribution(
            workshop.id, person.id, ContributionFlag(made[0].id, False)
        )
        assert result == {
            "contribution_id": made[0].id,
            "on": False,
            "my_votes": [made[1].id, made[2].id],
            "votes_left": 1,
        }
        tallies = [f.data for f in table_facts(delivered) if f.name == "table_votes_changed"]
        assert tallies[-1] == {"tallies": {str(made[0].id): 0}}
        assert len(tallies) == 4


def test_a_tables_vote_counts_are_read_through_its_own_index(app: Flask) -> None:
    """Every snapshot of a table's phones counts its contributions' votes: through an
    index on the table, not by walking every contribution vote of the database."""
    with app.app_context():
        workshop, [table, other] = with_tables()
        people = [make_participant(workshop) for _ in range(2)]
        for person, at in zip(people, (table, other), strict=True):
            tables.choose_table(workshop.id, person.id, at.id)
            made = contribute(workshop, person.id, at)
            tables.vote_contribution(workshop.id, person.id, ContributionFlag(made.id, True))
        with query_plans.statements(lambda sql: "FROM contribution_votes" in sql) as seen:
            counts = seating.vote_counts(table.id)
        [plan] = [query_plans.plan(sql, params) for sql, params in seen]
    assert list(counts.values()) == [1]
    assert "ix_contribution_votes_table" in plan, plan


def test_votes_need_a_seat_the_tables_step_and_a_visible_contribution(app: Flask) -> None:
    with app.app_context():
        workshop, [table, other] = with_tables()
        seated, elsewhere = make_participant(workshop), make_participant(workshop)
        tables.choose_table(workshop.id, seated.id, table.id)
        tables.choose_table(workshop.id, elsewhere.id, other.id)
        made = contribute(workshop, seated.id, table)
        refused(
            workshop.id,
            NotSeated,
            lambda: tables.vote_contribution(
                workshop.id, elsewhere.id, ContributionFlag(made.id, True)
            ),
        )
        tables.moderate_contribution(
            workshop.id, Actor(facilitator=workshop.owner), ContributionFlag(made.id, True)
        )
        refused(
            workshop.id,
            NotFound,
            lambda: tables.vote_contribution(
                workshop.id, seated.id, ContributionFlag(made.id, True)
            ),
        )
        go(workshop, PhaseKind.RESTITUTION)
        refused(
            workshop.id,
            WrongPhase,
            lambda: tables.vote_contribution(
                workshop.id, seated.id, ContributionFlag(made.id, True)
            ),
        )


# ----------------------------------------------------------------- host's tools


def test_the_host_hides_and_keeps_at_most_three(app: Flask, delivered: list[Any]) -> None:
    with app.app_context():
        workshop, [table, other] = with_tables()
        host, person, other_host = (make_participant(workshop) for _ in range(3))
        tables.set_table_host(workshop.id, workshop.owner, HostChange(table.id, host.id))
        tables.set_table_host(workshop.id, workshop.owner, HostChange(other.id, other_host.id))
        tables.choose_table(workshop.id, person.id, table.id)
        made = [contribute(workshop, person.id, table, text=f"Idée {n}") for n in range(5)]
        as_host = Actor(participant_id=host.id)
        refused(
            workshop.id,
            Forbidden,
            lambda: tables.keep_contribution(
                workshop.id, Actor(participant_id=person.id), ContributionFlag(made[0].id, True)
            ),
        )
        refused(
            workshop.id,
            Forbidden,
            lambda: tables.keep_contribution(
                workshop.id, Actor(participant_id=other_host.id), ContributionFlag(made[0].id, True)
            ),
        )
        for contribution in made[:3]:
            tables.keep_contribution(workshop.id, as_host, ContributionFlag(contribution.id, True))
        error = refused(
            workshop.id,
            KeepLimit,
            lambda: tables.keep_contribution(
                workshop.id, as_host, ContributionFlag(made[3].id, True)
            ),
        )
        assert error.code == "keep_limit"
        delivered.clear()
        tables.moderate_contribution(workshop.id, as_host, ContributionFlag(made[0].id, True))
        assert (made[0].hidden, made[0].kept) == (True, False)  # a hidden one is not kept
        [changed] = [f for f in table_facts(delivered) if f.name == "contribution_changed"]
        assert changed.public_data == {
            "contribution": {"id": made[0].id, "table_id": table.id, "hidden": True}
        }
        assert changed.data["contribution"]["text"] == "Idée 0"
        # Its keep slot is free again.
        tables.keep_contribution(workshop.id, as_host, ContributionFlag(made[3].id, True))
        snapshot = seating.table_snapshot(workshop, table, viewer_id=person.id, full=False)
        assert made[0].id not in [c["id"] for c in snapshot["contributions"]]
        full = seating.table_snapshot(workshop, table, viewer_id=host.id, full=True)
        assert made[0].id in [c["id"] for c in full["contributions"]]
        assert (
            sorted(full["names"]) == sorted([host.display_name, person.display_name])
            and "names" not in snapshot
        )


def test_the_synthesis_is_version_checked_and_prefills_the_sheet(
    app: Flask, delivered: list[Any]
) -> None:
    with app.app_context():
        workshop, [table, _] = with_tables()
        host, person = make_participant(workshop), make_participant(workshop)
        tables.set_table_host(workshop.id, workshop.owner, HostChange(table.id, host.id))
        tables.choose_table(workshop.id, person.id, table.id)
        need = contribute(workshop, person.id, table, "Les aînés isolés", kind="needs")
        idea = contribute(workshop, person.id, table, "Un minibus à la demande", kind="solutions")
        contribute(workshop, person.id, table, "Pas gardé", kind="solutions")
        as_host = Actor(participant_id=host.id)
        for contribution in (need, idea):
            tables.keep_contribution(workshop.id, as_host, ContributionFlag(contribution.id, True))
        seq = workshop.seq
        saved = tables.save_synthesis(
            workshop.id, as_host, SynthesisEdit(table.id, "Un transport solidaire.", True, 1)
        )
        assert (saved.synthesis_version, saved.synthesis_done) == (2, True)
        sheet = db.session.scalar(
            select(Qualification).where(Qualification.challenge_id == table.challenge_id)
        )
        assert sheet is not None
        assert sheet.need_who == "- Les aînés isolés"
        assert sheet.solution == "Un transport solidaire.\n- Un minibus à la demande"
        assert [name for name, _ in facts_since(workshop.id, seq)] == ["qualification_saved"]
        error = refused(
            workshop.id,
            StaleVersion,
            lambda: tables.save_synthesis(
                workshop.id, as_host, SynthesisEdit(table.id, "Autre", False, 1)
            ),
        )
        assert error.code == "stale_version" and error.details == {"current_version": 2}
        # A field someone filled is never overwritten.
        sheet.solution = "Écrit par l'équipe"
        db.session.commit()
        tables.save_synthesis(workshop.id, as_host, SynthesisEdit(table.id, "V3", True, 2))
        assert sheet.solution == "Écrit par l'équipe"
        facts = [f for f in table_facts(delivered) if f.name == "synthesis_saved"]
        assert facts[-1].data == {
            "synthesis": "V3",
            "synthesis_done": True,
            "synthesis_version": 3,
        }


def test_the_host_writes_the_synthesis_in_restitution_but_phones_cannot(app: Flask) -> None:
    with app.app_context():
        workshop, [table, _] = with_tables()
        host, person = make_participant(workshop), make_participant(workshop)
        tables.set_table_host(workshop.id, workshop.owner, HostChange(table.id, host.id))
        tables.choose_table(workshop.id, person.id, table.id)
        go(workshop, PhaseKind.RESTITUTION)
        refused(
            workshop.id,
            Forbidden,
            lambda: tables.save_synthesis(
                workshop.id, Actor(participant_id=person.id), SynthesisEdit(table.id, "x", False, 1)
            ),
        )
        tables.save_synthesis(
            workshop.id, Actor(participant_id=host.id), SynthesisEdit(table.id, "Fait", True, 1)
        )
        go(workshop, PhaseKind.VOTE)
        refused(
            workshop.id,
            WrongPhase,
            lambda: tables.save_synthesis(
                workshop.id, Actor(participant_id=host.id), SynthesisEdit(table.id, "y", True, 2)
            ),
        )


def test_the_spotlight_shows_the_synthesis_and_the_kept_contributions(app: Flask) -> None:
    with app.app_context():
        workshop, [table, _] = with_tables()
        person = make_participant(workshop)
        tables.choose_table(workshop.id, person.id, table.id)
        kept = contribute(workshop, person.id, table, "Gardée")
        contribute(workshop, person.id, table, "Pas gardée")
        owner = Actor(facilitator=workshop.owner)
        tables.keep_contribution(workshop.id, owner, ContributionFlag(kept.id, True))
        tables.save_synthesis(workshop.id, owner, SynthesisEdit(table.id, "Synthèse", True, 1))
        go(workshop, PhaseKind.RESTITUTION)
        seq = workshop.seq
        tables.spotlight_table(workshop.id, workshop.owner, table.id)
        [(name, payload)] = facts_since(workshop.id, seq)
        assert name == "spotlight_changed" and payload["table_id"] == table.id
        assert payload["table"]["synthesis"] == "Synthèse"
        assert [c["text"] for c in payload["table"]["kept"]] == ["Gardée"]
        tables.spotlight_table(workshop.id, workshop.owner, None)
        assert facts_since(workshop.id, seq)[-1] == (
            "spotlight_changed",
            {"table_id": None, "table": None},
        )


def test_join_table_gives_ones_own_table_only(app: Flask) -> None:
    with app.app_context():
        workshop, [table, other] = with_tables()
        person, host = make_participant(workshop), make_participant(workshop)
        tables.set_table_host(workshop.id, workshop.owner, HostChange(other.id, host.id))
        assert tables.join_table(workshop.id, Actor(participant_id=person.id), None).table is None
        tables.choose_table(workshop.id, person.id, table.id)
        access = tables.join_table(workshop.id, Actor(participant_id=person.id), None)
        assert access.table is not None and access.table.id == table.id and not access.host
        assert access.snapshot is not None and access.snapshot["votes_left"] == 3
        with pytest.raises(NotSeated):
            tables.join_table(workshop.id, Actor(participant_id=person.id), other.id)
        hosted = tables.join_table(workshop.id, Actor(participant_id=host.id), None)
        assert hosted.host and hosted.snapshot is not None and "names" in hosted.snapshot
        any_table = tables.join_table(workshop.id, Actor(facilitator=workshop.owner), table.id)
        assert any_table.snapshot is not None and any_table.snapshot["id"] == table.id


def test_the_summary_counts_seats_contributions_kept_and_done(app: Flask) -> None:
    with app.app_context():
        workshop, [table, other] = with_tables(capacity=5)
        person = make_participant(workshop)
        tables.choose_table(workshop.id, person.id, table.id)
        made = contribute(workshop, person.id, table)
        contribute(workshop, person.id, table, "Cachée")
        owner = Actor(facilitator=workshop.owner)
        tables.keep_contribution(workshop.id, owner, ContributionFlag(made.id, True))
        summary = tables.list_tables(workshop.id)
        assert summary["round"] == 1
        assert summary["tables"][0] == {
            "id": table.id,
            "number": 1,
            "challenge_id": table.challenge_id,
            "seated": 1,
            "capacity": 5,
            "contributions": 2,
            "kept": 1,
            "synthesis_done": False,
            "host": False,
        }
        assert summary["tables"][1]["seated"] == 0


# ----------------------------------------------------------------- snapshots, privacy


def test_a_phones_snapshot_holds_its_table_and_its_own_ideas_only(app: Flask) -> None:
    from workshop.models import Idea
    from workshop.roles import Role
    from workshop.services import snapshot

    with app.app_context():
        workshop = make_workshop(format="challenges_evening", status="draft")
        make_challenge(workshop)
        agenda.open_workshop(workshop.id, workshop.owner)
        person, other = make_participant(workshop), make_participant(workshop)
        # Ideas collected before the evening (this agenda has no ideas step: stored as
        # an import would).
        for author in (person, other):
            db.session.add(
                Idea(
                    workshop_id=workshop.id,
                    participant_id=author.id,
                    client_id=client_id(),
                    title=f"Idée de {author.display_name}",
                    status="visible",
                )
            )
        db.session.commit()
        before = snapshot.build_state(workshop, Role.PARTICIPANT, person)
        assert len(before["ideas"]) == 2 and "tables" not in before  # no tables yet
        go(workshop, PhaseKind.TABLES)
        [table] = tables.create_tables(workshop.id, workshop.owner, NewTables())
        tables.choose_table(workshop.id, person.id, table.id)
        contribute(workshop, person.id, table)
        state = snapshot.build_state(workshop, Role.PARTICIPANT, person)
        assert [idea["title"] for idea in state["ideas"]] == [f"Idée de {person.display_name}"]
        assert state["grouping"]["orders"] == [] and len(state["grouping"]["challenges"]) == 1
        assert state["tables"] == [seating.public_table_view(table)]
        assert state["contribution_kinds"][0] == {"key": "needs", "label": ""}
        assert (state["table_round"], state["spotlight"]) == (1, None)
        assert (state["me"]["table_id"], state["me"]["host_of"]) == (table.id, None)
        assert state["table"]["id"] == table.id and len(state["table"]["contributions"]) == 1
        assert "tables_summary" not in state and "names" not in state["table"]
        unseated = snapshot.build_state(workshop, Role.PARTICIPANT, other)
        assert unseated["table"] is None and unseated["me"]["table_id"] is None
        screen = snapshot.build_state(workshop, Role.SCREEN)
        assert len(screen["ideas"]) == 2 and screen["tables_summary"][0]["contributions"] == 1
        console = snapshot.build_state(workshop, Role.FACILITATOR)
        assert console["tables"][0]["host_name"] is None and "table" not in console


def test_erasing_a_participant_clears_their_seats_votes_hosting_and_authorship(
    app: Flask, delivered: list[Any]
) -> None:
    from workshop.services import privacy

    with app.app_context():
        workshop, [table, _] = with_tables()
        person, host = make_participant(workshop), make_participant(workshop)
        tables.set_table_host(workshop.id, workshop.owner, HostChange(table.id, host.id))
        tables.choose_table(workshop.id, person.id, table.id)
        made = contribute(workshop, person.id, table)
        hosts_own = contribute(workshop, host.id, table)
        tables.vote_contribution(workshop.id, person.id, ContributionFlag(hosts_own.id, True))
        delivered.clear()
        privacy.erase_participant(workshop.id, person.id, workshop.owner)
        assert seat_rows(workshop.id) == [(host.id, table.id, 1)]
        assert made.participant_id is None and db.session.get(Contribution, made.id) is not None
        assert seating.vote_counts(table.id) == {}
        names = {f.name for f in table_facts(delivered)}
        assert {"table_seated", "table_votes_changed", "contribution_changed"} <= names
        # A workshop that deletes ideas on erasure deletes contributions too; the host goes.
        workshop.erasure_keeps_ideas = False
        db.session.commit()
        privacy.erase_participant(workshop.id, host.id, workshop.owner)
        assert db.session.get(Contribution, hosts_own.id) is None
        assert table.host_participant_id is None and seat_rows(workshop.id) == []


def test_deleting_the_workshop_takes_its_tables(app: Flask) -> None:
    from workshop.services import privacy

    with app.app_context():
        workshop, [table, _] = with_tables()
        person = make_participant(workshop)
        tables.choose_table(workshop.id, person.id, table.id)
        made = contribute(workshop, person.id, table)
        tables.vote_contribution(workshop.id, person.id, ContributionFlag(made.id, True))
        workshop_id = workshop.id
        privacy.delete_workshop(workshop_id, workshop.owner)
        for model in (Table, Seat, Contribution, ContributionVote):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0


def test_a_challenge_merged_or_deleted_takes_care_of_its_tables(
    app: Flask, delivered: list[Any]
) -> None:
    """In the draft (where défis may still be regrouped): a défi folded into another
    hands it its tables; a défi deleted takes its tables and unseats their people."""
    from workshop.schemas import ChallengeMerge
    from workshop.services import merging

    with app.app_context():
        workshop, [one, two] = with_tables(phase=None)
        person = make_participant(workshop)
        workshop.status = "draft"  # back in preparation (as a test shortcut)
        db.session.commit()
        tables.seat_participant(workshop.id, workshop.owner, SeatChange(person.id, two.id))
        absorbed, into = two.challenge_id, one.challenge_id
        merging.merge_challenges(
            workshop.id, workshop.owner, ChallengeMerge(source_id=absorbed, target_id=into)
        )
        assert (one.challenge_id, two.challenge_id) == (into, into)
        assert seat_rows(workshop.id) == [(person.id, two.id, 1)]
        seq = workshop.seq
        delivered.clear()
        merging.delete_challenge(workshop.id, workshop.owner, into)
        assert seating.tables_of(workshop.id) == [] and seat_rows(workshop.id) == []
        assert "tables_changed" in [name for name, _ in facts_since(workshop.id, seq)]
        assert table_rooms.Move(workshop.id, person.id, None, None) in delivered
