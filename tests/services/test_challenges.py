"""services.challenges: défis, placing ideas with absolute orders, merging ideas (and
their dots), suggestions applied and undone, close ideas, and every refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.factories import (
    GroupingModel,
    cast,
    client_id,
    enter_grouping,
    facts_since,
    make_challenge,
    make_facilitator,
    make_grouping_workshop,
    make_idea,
    make_participant,
    make_vote_workshop,
    make_workshop,
    place,
    placements,
    recorded,
    vote_phase,
    vote_rows,
)
from workshop import grouping
from workshop.errors import (
    Conflict,
    Forbidden,
    MergeCycle,
    NotAuthor,
    NotFound,
    NothingToUndo,
    SuggestionsUnavailable,
    ValidationError,
    WorkshopClosed,
    WorkshopError,
    WrongPhase,
    WrongWorkshop,
)
from workshop.extensions import db
from workshop.grouping import Group
from workshop.models import (
    Challenge,
    GroupingSnapshot,
    Idea,
    IdeaStatus,
    Phase,
    Vote,
    Workshop,
)
from workshop.schemas import (
    ChallengeEdit,
    ChallengeMerge,
    ChallengeSplit,
    IdeaEdit,
    IdeaMerge,
    IdeaMove,
    NewChallenge,
    PhaseTarget,
    Role,
    SettingsChange,
    SuggestedGroup,
    parse_challenge_edit,
    parse_challenge_split,
    parse_grouping,
    parse_new_challenge,
)
from workshop.services import (
    agenda,
    challenges,
    ideas,
    merging,
    snapshot,
    suggestions,
    votes,
    workshops,
)

Emitted = list[tuple[str, dict[str, Any], str]]


def state_of(workshop_id: int) -> tuple[Any, ...]:
    """Everything a refused command must leave as it was."""
    seq = db.session.scalar(select(Workshop.seq).where(Workshop.id == workshop_id))
    rows = db.session.execute(
        select(Challenge.id, Challenge.title, Challenge.description, Challenge.position)
        .where(Challenge.workshop_id == workshop_id)
        .order_by(Challenge.id)
    ).all()
    versions = db.session.execute(
        select(Challenge.id, Challenge.version).where(Challenge.workshop_id == workshop_id)
    ).all()
    idea_rows = db.session.execute(
        select(Idea.id, Idea.status, Idea.challenge_id, Idea.position, Idea.merged_into_id)
        .where(Idea.workshop_id == workshop_id)
        .order_by(Idea.id)
    ).all()
    snapshots = db.session.scalar(
        select(func.count())
        .select_from(GroupingSnapshot)
        .where(GroupingSnapshot.workshop_id == workshop_id)
    )
    return (
        seq,
        recorded(workshop_id),
        [tuple(r) for r in rows],
        sorted(tuple(v) for v in versions),
        [tuple(r) for r in idea_rows],
        vote_rows(workshop_id),
        snapshots,
    )


def by_room(emitted: Emitted, name: str) -> dict[str, dict[str, Any]]:
    """The last ``name`` payload each room received, by room suffix ("", facilitators, screens)."""
    return {room.partition(":")[2].partition(":")[2]: p for n, p, room in emitted if n == name}


def refused(workshop_id: int, error: type[WorkshopError], act: Callable[[], Any]) -> WorkshopError:
    """``act`` must raise ``error`` and change nothing: no row, no event, no ``seq``."""
    before = state_of(workshop_id)
    with pytest.raises(error) as raised:
        act()
    db.session.rollback()
    assert state_of(workshop_id) == before
    return raised.value


def orders(workshop: Workshop, role: Role = Role.FACILITATOR) -> dict[int | None, list[int]]:
    """The orders ``grouping_state`` gives ``role``, non-empty containers only."""
    state = challenges.grouping_state(workshop, role)
    return {o["challenge_id"]: o["idea_ids"] for o in state["orders"] if o["idea_ids"]}


def move(workshop: Workshop, idea_id: int, challenge_id: int | None, position: int | None = None):
    return challenges.move_idea(
        workshop.id, workshop.owner, IdeaMove(idea_id, challenge_id, position)
    )


# ------------------------------------------------------------------ défis


def test_create_appends_a_defi_and_tells_every_room(app: Flask, emitted: Emitted) -> None:
    with app.app_context():
        workshop, _ideas = make_grouping_workshop(ideas=0)
        emitted.clear()
        first = challenges.create_challenge(
            workshop.id, workshop.owner, NewChallenge("Comment pourrions-nous manger local ?")
        )
        second = make_challenge(workshop, title="Se déplacer", description="Sans voiture")
        assert [(c.id, c.position, c.version) for c in challenges.challenges_of(workshop)] == [
            (first.id, 0, 1),
            (second.id, 1, 1),
        ]
        assert [name for _seq, name in recorded(workshop.id)[-2:]] == ["challenge_created"] * 2
        workshop_id, seq, second_id = workshop.id, workshop.seq, second.id
    rooms = by_room(emitted, "challenge_created")
    assert set(rooms) == {"", "facilitators", "screens"}
    for payload in rooms.values():
        assert payload == {
            "workshop_id": workshop_id,
            "seq": seq,
            "challenge": {
                "id": second_id,
                "title": "Se déplacer",
                "description": "Sans voiture",
                "position": 1,
                "version": 1,
            },
        }


def test_defis_can_be_prepared_in_a_draft(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop(status="draft")
        challenge = make_challenge(workshop, title="Prepared")
        assert challenge.position == 0
        assert workshop.seq == 1 and recorded(workshop.id) == [(1, "challenge_created")]


def test_rename_and_describe_check_the_version(app: Flask, emitted: Emitted) -> None:
    with app.app_context():
        workshop, _ideas = make_grouping_workshop(ideas=0)
        challenge = make_challenge(workshop, title="Old", description="Words")
        emitted.clear()
        challenges.update_challenge(
            workshop.id, workshop.owner, ChallengeEdit(challenge.id, 1, "New")
        )
        assert (challenge.title, challenge.description, challenge.version) == ("New", "Words", 2)
        challenges.update_challenge(
            workshop.id, workshop.owner, ChallengeEdit(challenge.id, 2, description="Better")
        )
        assert (challenge.title, challenge.description, challenge.version) == ("New", "Better", 3)
        assert [name for _seq, name in recorded(workshop.id)[-2:]] == ["challenge_updated"] * 2
        [payload] = [p for n, p, room in emitted if room.endswith("screens")][-1:]
        assert payload["challenge"]["description"] == "Better"
        assert payload["challenge"]["version"] == 3

        # The other facilitator still had version 2 on screen: refused, nothing changed.
        error = refused(
            workshop.id,
            Conflict,
            lambda: challenges.update_challenge(
                workshop.id, workshop.owner, ChallengeEdit(challenge.id, 2, "Overwrite")
            ),
        )
        assert error.code == "conflict"
        assert db.session.get(Challenge, challenge.id).title == "New"

        # The same words again: nothing to announce.
        before = state_of(workshop.id)
        challenges.update_challenge(
            workshop.id, workshop.owner, ChallengeEdit(challenge.id, 3, "New", "Better")
        )
        assert state_of(workshop.id) == before


def test_reorder_must_list_every_defi_once(app: Flask, emitted: Emitted) -> None:
    with app.app_context():
        workshop, _ideas = make_grouping_workshop(ideas=0)
        a, b, c = (make_challenge(workshop) for _ in range(3))
        emitted.clear()
        challenges.reorder_challenges(workshop.id, workshop.owner, [c.id, a.id, b.id])
        assert [x.id for x in challenges.challenges_of(workshop)] == [c.id, a.id, b.id]
        assert [x.position for x in challenges.challenges_of(workshop)] == [0, 1, 2]
        assert recorded(workshop.id)[-1][1] == "challenges_reordered"
        assert by_room(emitted, "challenges_reordered")[""]["challenge_ids"] == [c.id, a.id, b.id]

        elsewhere = make_challenge(make_grouping_workshop(ideas=0)[0])
        for wrong in ([a.id, b.id], [a.id, b.id, c.id, elsewhere.id], [a.id, b.id, 999_999], []):
            error = refused(
                workshop.id,
                ValidationError,
                lambda wrong=wrong: challenges.reorder_challenges(
                    workshop.id, workshop.owner, wrong
                ),
            )
            assert error.to_dict()["details"] == {"field": "challenge_ids", "reason": "mismatch"}


def test_delete_sends_its_ideas_back_to_the_end_of_the_unclassified(
    app: Flask, emitted: Emitted
) -> None:
    with app.app_context():
        workshop, (a, b, c, d, e) = make_grouping_workshop(ideas=5)
        keep, gone = make_challenge(workshop), make_challenge(workshop)
        place(workshop, a, gone)
        place(workshop, b, gone, 0)
        place(workshop, c, keep)
        assert placements(workshop.id) == {
            None: [d.id, e.id],
            gone.id: [b.id, a.id],
            keep.id: [c.id],
        }
        emitted.clear()
        merging.delete_challenge(workshop.id, workshop.owner, gone.id)
        assert db.session.get(Challenge, gone.id) is None
        assert placements(workshop.id) == {None: [d.id, e.id, b.id, a.id], keep.id: [c.id]}
        assert [x.id for x in challenges.challenges_of(workshop)] == [keep.id]
        assert recorded(workshop.id)[-1][1] == "grouping_changed"
        keep_id, d_id, e_id, b_id, a_id, c_id = keep.id, d.id, e.id, b.id, a.id, c.id
    payload = by_room(emitted, "grouping_changed")["facilitators"]
    assert payload["reason"] == "challenge_deleted"
    assert [c["id"] for c in payload["grouping"]["challenges"]] == [keep_id]
    assert payload["grouping"]["orders"] == [
        {"challenge_id": None, "idea_ids": [d_id, e_id, b_id, a_id]},
        {"challenge_id": keep_id, "idea_ids": [c_id]},
    ]


def test_merging_two_defis_keeps_the_targets_ideas_first(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, c, d) = make_grouping_workshop(ideas=4)
        source, target, other = (make_challenge(workshop) for _ in range(3))
        place(workshop, a, source)
        place(workshop, b, source)
        place(workshop, c, target)
        place(workshop, d, other)
        merging.merge_challenges(workshop.id, workshop.owner, ChallengeMerge(source.id, target.id))
        assert db.session.get(Challenge, source.id) is None
        assert placements(workshop.id) == {target.id: [c.id, a.id, b.id], other.id: [d.id]}
        assert recorded(workshop.id)[-1][1] == "grouping_changed"
        assert orders(workshop) == placements(workshop.id)

        elsewhere = make_challenge(make_grouping_workshop(ideas=0)[0])
        refused(
            workshop.id,
            ValidationError,
            lambda: merging.merge_challenges(
                workshop.id, workshop.owner, ChallengeMerge(target.id, target.id)
            ),
        )
        for merge in (
            ChallengeMerge(elsewhere.id, target.id),
            ChallengeMerge(target.id, elsewhere.id),
        ):
            refused(
                workshop.id,
                WrongWorkshop,
                lambda merge=merge: merging.merge_challenges(workshop.id, workshop.owner, merge),
            )
        refused(
            workshop.id,
            NotFound,
            lambda: merging.merge_challenges(
                workshop.id, workshop.owner, ChallengeMerge(999_999, target.id)
            ),
        )


def test_splitting_moves_the_chosen_ideas_to_a_new_defi_right_after(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, c, d, e) = make_grouping_workshop(ideas=5)
        first, split, last = (make_challenge(workshop) for _ in range(3))
        for idea in (a, b, c, d):
            place(workshop, idea, split)
        place(workshop, e, first)
        created = challenges.split_challenge(
            workshop.id,
            workshop.owner,
            ChallengeSplit(split.id, [d.id, b.id], NewChallenge("Second half", "Split off")),
        )
        assert [x.id for x in challenges.challenges_of(workshop)] == [
            first.id,
            split.id,
            created.id,
            last.id,
        ]
        assert [x.position for x in challenges.challenges_of(workshop)] == [0, 1, 2, 3]
        assert (created.title, created.description) == ("Second half", "Split off")
        # The chosen ideas keep their relative order; both défis are renumbered.
        assert placements(workshop.id) == {
            first.id: [e.id],
            split.id: [a.id, c.id],
            created.id: [b.id, d.id],
        }
        assert recorded(workshop.id)[-1][1] == "grouping_changed"

        for chosen, error in (
            ([e.id], ValidationError),  # not in this défi
            ([a.id, e.id], ValidationError),  # one of them is not
            ([], ValidationError),
            ([999_999], ValidationError),
        ):
            refused(
                workshop.id,
                error,
                lambda chosen=chosen: challenges.split_challenge(
                    workshop.id, workshop.owner, ChallengeSplit(split.id, chosen, NewChallenge("X"))
                ),
            )


# ------------------------------------------------------------------ moving ideas


def test_moves_within_and_across_containers_carry_absolute_orders(
    app: Flask, emitted: Emitted
) -> None:
    with app.app_context():
        workshop, (a, b, c, d) = make_grouping_workshop(ideas=4)
        x, y = make_challenge(workshop), make_challenge(workshop)
        emitted.clear()

        move(workshop, a.id, x.id)  # to an empty défi
        [(seq, name)] = recorded(workshop.id)[-1:]
        assert name == "idea_moved"
        assert by_room(emitted, "idea_moved")["facilitators"] == {
            "workshop_id": workshop.id,
            "seq": seq,
            "idea_id": a.id,
            "orders": [
                {"challenge_id": x.id, "idea_ids": [a.id]},
                {"challenge_id": None, "idea_ids": [b.id, c.id, d.id]},
            ],
        }
        move(workshop, b.id, x.id, 0)  # at the front
        move(workshop, c.id, x.id, 1)  # in the middle
        assert placements(workshop.id) == {None: [d.id], x.id: [b.id, c.id, a.id]}
        move(workshop, d.id, x.id, 10**5)  # past the end: clamped to the end
        assert placements(workshop.id) == {x.id: [b.id, c.id, a.id, d.id]}

        emitted.clear()
        move(workshop, a.id, x.id, 0)  # within one défi: one order only
        assert by_room(emitted, "idea_moved")["facilitators"]["orders"] == [
            {"challenge_id": x.id, "idea_ids": [a.id, b.id, c.id, d.id]}
        ]
        move(workshop, d.id, x.id, 2)
        assert placements(workshop.id) == {x.id: [a.id, b.id, d.id, c.id]}
        move(workshop, b.id, y.id)
        move(workshop, c.id, None)  # back among the unclassified
        assert placements(workshop.id) == {None: [c.id], x.id: [a.id, d.id], y.id: [b.id]}
        assert orders(workshop) == placements(workshop.id)

        # Moving an idea to where it is records the same absolute order again, harmlessly.
        move(workshop, a.id, x.id, 0)
        assert placements(workshop.id) == {None: [c.id], x.id: [a.id, d.id], y.id: [b.id]}


def test_public_orders_never_list_hidden_or_pending_ideas(app: Flask, emitted: Emitted) -> None:
    with app.app_context():
        workshop = make_workshop()
        shown, hidden = make_idea(workshop), make_idea(workshop)
        ideas.hide_idea(workshop.id, workshop.owner, hidden.id)
        workshops.update_settings(workshop.id, workshop.owner, SettingsChange(moderation=True))
        pending = make_idea(workshop)
        assert pending.status == IdeaStatus.PENDING
        enter_grouping(workshop)
        x = make_challenge(workshop)
        emitted.clear()
        for idea in (hidden, shown, pending):
            move(workshop, idea.id, x.id)
        assert placements(workshop.id) == {x.id: [hidden.id, shown.id, pending.id]}
        rooms = by_room(emitted, "idea_moved")
        assert rooms["facilitators"]["orders"][0]["idea_ids"] == [hidden.id, shown.id, pending.id]
        for room in ("", "screens"):
            assert rooms[room]["orders"] == [
                {"challenge_id": x.id, "idea_ids": [shown.id]},
                {"challenge_id": None, "idea_ids": []},
            ]
        for role in (Role.PARTICIPANT, Role.SCREEN):
            assert orders(workshop, role) == {x.id: [shown.id]}
            assert snapshot.build_state(workshop, role)["grouping"] == {
                "challenges": [challenges.serialize_challenge(x)],
                "orders": [
                    {"challenge_id": None, "idea_ids": []},
                    {"challenge_id": x.id, "idea_ids": [shown.id]},
                ],
            }
        host = snapshot.build_state(workshop, Role.FACILITATOR)["grouping"]
        assert host["orders"][1]["idea_ids"] == [hidden.id, shown.id, pending.id]


def test_two_facilitators_moving_at_once_converge(app: Flask) -> None:
    """Each screen applies its own move at once, then every fact in ``seq`` order: both
    end with the database's placements, and no move is lost."""
    with app.app_context():
        workshop, posted = make_grouping_workshop(ideas=6)
        partner = make_facilitator()
        workshop.facilitators.append(partner)
        db.session.commit()
        x, y = make_challenge(workshop), make_challenge(workshop)
        start = challenges.grouping_state(workshop, Role.FACILITATOR)
        seen = workshop.seq
        screens = {
            "owner": GroupingModel.from_state(start),
            "partner": GroupingModel.from_state(start),
        }
        i = [idea.id for idea in posted]
        rounds = [
            [("owner", i[0], x.id, 0), ("partner", i[1], x.id, 0)],
            [("partner", i[2], x.id, 1), ("owner", i[3], y.id, None)],
            [("owner", i[1], y.id, 0), ("partner", i[1], x.id, 5)],  # the same idea
            [("partner", i[0], None, 0), ("owner", i[4], x.id, 0)],
            [("owner", i[5], y.id, 1), ("partner", i[3], x.id, 2)],
        ]
        facilitators = {"owner": workshop.owner, "partner": partner}
        for moves in rounds:
            for who, idea_id, challenge_id, position in moves:  # optimistic, locally
                screens[who].move(idea_id, challenge_id, position)
            for who, idea_id, challenge_id, position in moves:  # then the server
                challenges.move_idea(
                    workshop.id, facilitators[who], IdeaMove(idea_id, challenge_id, position)
                )
            facts = facts_since(workshop.id, seen)
            seen = workshop.seq
            for screen in screens.values():
                for name, data in facts:
                    screen.apply(name, data)
            expected = placements(workshop.id)
            assert screens["owner"].placed() == expected
            assert screens["partner"].placed() == expected
        assert placements(workshop.id) == {
            None: [i[0]],
            x.id: [i[4], i[2], i[3], i[1]],
            y.id: [i[5]],
        }


def test_placing_changes_no_version(app: Flask) -> None:
    """Versions guard words, not places: a défi reordered or shifted by a split, or an
    idea renumbered by someone else's move, can still be edited with the version its
    editor holds."""
    with app.app_context():
        workshop = make_workshop()
        alice, bob = make_participant(workshop), make_participant(workshop)
        alices, bobs = make_idea(workshop, alice), make_idea(workshop, bob)
        enter_grouping(workshop)
        first, second = make_challenge(workshop), make_challenge(workshop)
        place(workshop, bobs, first)
        place(workshop, alices, second)
        challenges.reorder_challenges(workshop.id, workshop.owner, [second.id, first.id])
        # A split shifts the défis after the one split: here, the first.
        split = challenges.split_challenge(
            workshop.id, workshop.owner, ChallengeSplit(second.id, [alices.id], NewChallenge("S"))
        )
        assert [c.id for c in challenges.challenges_of(workshop)] == [second.id, split.id, first.id]
        move(workshop, alices.id, first.id, 0)  # Bob's idea is renumbered
        _to("ideas")(workshop)
        workshops.update_settings(
            workshop.id, workshop.owner, SettingsChange(participants_group=True)
        )
        # Alice takes hers out of Bob's défi: his idea is renumbered again.
        challenges.propose_challenge(workshop.id, alice.id, IdeaMove(alices.id, None))
        assert placements(workshop.id) == {None: [alices.id], first.id: [bobs.id]}
        assert db.session.get(Idea, bobs.id).version == 1
        ideas.edit_idea(workshop.id, bob.id, IdeaEdit(bobs.id, "Bob's words", "", "", 1))
        enter_grouping(workshop)
        for challenge in (first, second):
            edited = challenges.update_challenge(
                workshop.id, workshop.owner, ChallengeEdit(challenge.id, 1, "Renamed")
            )
            assert edited.version == 2


# ------------------------------------------------------------------ merging ideas


def test_merging_an_idea_keeps_it_traceable_with_both_authors(app: Flask, emitted: Emitted) -> None:
    with app.app_context():
        workshop, (a, b, c) = make_grouping_workshop(ideas=3, anonymous=True)
        x = make_challenge(workshop)
        place(workshop, a, x)
        place(workshop, c, x)
        a_author, b_author = a.participant_id, b.participant_id
        emitted.clear()
        into = merging.merge_ideas(workshop.id, workshop.owner, IdeaMerge(a.id, b.id))
        assert into.id == b.id
        absorbed = db.session.get(Idea, a.id)
        assert (absorbed.status, absorbed.merged_into_id) == (IdeaStatus.MERGED, b.id)
        assert (absorbed.participant_id, into.participant_id) == (a_author, b_author)
        assert into.status == IdeaStatus.VISIBLE and into.merged_into_id is None
        # The absorbed idea leaves its défi, which is renumbered.
        assert placements(workshop.id) == {None: [b.id], x.id: [c.id]}
        assert recorded(workshop.id)[-1][1] == "ideas_merged"
        a_id, b_id = a.id, b.id
    rooms = by_room(emitted, "ideas_merged")
    host = rooms["facilitators"]
    assert host["idea"]["id"] == b_id and host["idea"]["participant_id"] == b_author
    assert host["merged"]["participant_id"] == a_author
    assert (host["merged"]["status"], host["merged"]["merged_into_id"]) == ("merged", b_id)
    for room in ("", "screens"):
        assert rooms[room]["merged"] == {"id": a_id, "status": "merged", "merged_into_id": b_id}
        assert rooms[room]["idea"]["id"] == b_id and rooms[room]["idea"]["author"] is None
    assert "votes_changed" not in {name for name, _p, _r in emitted}


def _open_vote_while_grouping(**vote: Any) -> tuple[Workshop, Phase, list[Idea]]:
    """A workshop in its vote step (``vote`` settings), with three ideas."""
    workshop, posted = make_vote_workshop(ideas=3, vote=vote or None)
    return workshop, vote_phase(workshop), posted


@pytest.mark.parametrize(
    ("cap", "on_absorbed", "on_into", "after"),
    [(1, 1, 1, 1), (3, 2, 2, 3), (3, 1, 1, 2), (2, 2, 0, 2)],
)
def test_merging_folds_open_votes_without_exceeding_the_cap(
    app: Flask, emitted: Emitted, cap: int, on_absorbed: int, on_into: int, after: int
) -> None:
    with app.app_context():
        workshop, phase, (a, b, c) = _open_vote_while_grouping(
            votes_per_participant=5, max_per_item=cap
        )
        both, elsewhere = make_participant(workshop), make_participant(workshop)
        if on_absorbed:
            cast(workshop, both, a, on_absorbed)
        if on_into:
            cast(workshop, both, b, on_into)
        cast(workshop, elsewhere, a)
        cast(workshop, elsewhere, c)
        enter_grouping(workshop)  # leaving the vote step freezes it...
        # ...so an open vote beside a grouping step only happens behind the services'
        # back today; the fold must hold for it all the same.
        phase.frozen_at = None
        phase.frozen_ranking = None
        db.session.commit()
        emitted.clear()

        merging.merge_ideas(workshop.id, workshop.owner, IdeaMerge(a.id, b.id))

        assert vote_rows(workshop.id) == sorted(
            [(phase.id, both.id, b.id, after), (phase.id, elsewhere.id, b.id, 1)]
            + [(phase.id, elsewhere.id, c.id, 1)]
        )
        # What went beyond the cap is given back: it can be spent again.
        spent = sum(n for _p, pid, _i, n in vote_rows(workshop.id) if pid == both.id)
        assert spent == after <= cap
        assert votes.tallies(phase) == {b.id: after + 1, c.id: 1}
        names = [name for _seq, name in recorded(workshop.id)[-3:]]
        assert names == ["ideas_merged", "votes_changed", "votes_changed"]
        # Both tallies, absolute; the broadcaster folds the two facts into one message.
        [changed] = [p for n, p, room in emitted if n == "votes_changed" and "facilitators" in room]
        assert changed["tallies"] == {str(b.id): after + 1, str(a.id): 0}


def test_merging_leaves_a_frozen_vote_untouched(app: Flask) -> None:
    with app.app_context():
        workshop, phase, (a, b, _c) = _open_vote_while_grouping()
        voter = make_participant(workshop)
        cast(workshop, voter, a)
        cast(workshop, voter, b)
        enter_grouping(workshop)
        assert phase.frozen_at is not None
        rows, ranking = vote_rows(workshop.id), phase.frozen_ranking
        merging.merge_ideas(workshop.id, workshop.owner, IdeaMerge(a.id, b.id))
        assert vote_rows(workshop.id) == rows
        assert db.session.get(Phase, phase.id).frozen_ranking == ranking
        assert recorded(workshop.id)[-1][1] == "ideas_merged"


def test_ideas_can_be_merged_while_the_workshop_is_a_draft(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop(status="draft")
        # Nobody posts in a draft; ideas brought in beforehand are rows like these.
        a, b = (
            Idea(workshop_id=workshop.id, client_id=client_id(), title=t, position=n)
            for n, t in enumerate(("Compost", "Composteur"))
        )
        db.session.add_all([a, b])
        db.session.commit()
        merging.merge_ideas(workshop.id, workshop.owner, IdeaMerge(a.id, b.id))
        assert (a.status, a.merged_into_id) == (IdeaStatus.MERGED, b.id)
        assert placements(workshop.id) == {None: [b.id]}


def _merge_of(
    arrange: Callable[[Workshop, list[Idea]], tuple[int, int]],
) -> Callable[[], tuple[Workshop, Callable[[], Any]]]:
    def arranged() -> tuple[Workshop, Callable[[], Any]]:
        workshop, posted = make_grouping_workshop(ideas=3)
        idea_id, into_id = arrange(workshop, posted)
        return workshop, lambda: merging.merge_ideas(
            workshop.id, workshop.owner, IdeaMerge(idea_id, into_id)
        )

    return arranged


def _merged(workshop: Workshop, idea: Idea, into: Idea) -> None:
    merging.merge_ideas(workshop.id, workshop.owner, IdeaMerge(idea.id, into.id))


def _cycle(w: Workshop, p: list[Idea]) -> tuple[int, int]:
    _merged(w, p[0], p[1])  # 0 → 1
    return p[1].id, p[0].id  # 1 → 0 would close the loop


def _long_cycle(w: Workshop, p: list[Idea]) -> tuple[int, int]:
    _merged(w, p[0], p[1])  # 0 → 1
    _merged(w, p[1], p[2])  # 1 → 2
    return p[2].id, p[0].id  # 2 → 0 → 1 → 2


def _into_merged(w: Workshop, p: list[Idea]) -> tuple[int, int]:
    _merged(w, p[0], p[1])
    return p[2].id, p[0].id  # not a loop, but 0 is gone


def _absorbed_merged(w: Workshop, p: list[Idea]) -> tuple[int, int]:
    _merged(w, p[0], p[1])
    return p[0].id, p[2].id


def _withdrawn(w: Workshop, p: list[Idea], which: int) -> tuple[int, int]:
    author = p[which].participant_id
    assert author is not None
    ideas.withdraw_idea(w.id, author, p[which].id)
    return p[0].id, p[1].id  # 0 absorbed by 1: one of them is withdrawn


def _foreign(w: Workshop, p: list[Idea], first: bool) -> tuple[int, int]:
    other = make_grouping_workshop(ideas=1)[1][0]
    return (other.id, p[0].id) if first else (p[0].id, other.id)


MERGE_GUARDS: dict[str, tuple[Callable[[], Any], type[WorkshopError]]] = {
    "into_itself": (_merge_of(lambda w, p: (p[0].id, p[0].id)), MergeCycle),
    "cycle": (_merge_of(_cycle), MergeCycle),
    "longer_cycle": (_merge_of(_long_cycle), MergeCycle),
    "into_a_merged_idea": (_merge_of(_into_merged), NotFound),
    "a_merged_idea": (_merge_of(_absorbed_merged), NotFound),
    "a_withdrawn_idea": (_merge_of(lambda w, p: _withdrawn(w, p, 0)), NotFound),
    "into_a_withdrawn_idea": (_merge_of(lambda w, p: _withdrawn(w, p, 1)), NotFound),
    "an_unknown_idea": (_merge_of(lambda w, p: (999_999, p[0].id)), NotFound),
    "into_an_unknown_idea": (_merge_of(lambda w, p: (p[0].id, 999_999)), NotFound),
    "an_idea_of_another_workshop": (_merge_of(lambda w, p: _foreign(w, p, True)), WrongWorkshop),
    "into_an_idea_of_another_workshop": (
        _merge_of(lambda w, p: _foreign(w, p, False)),
        WrongWorkshop,
    ),
}


@pytest.mark.parametrize("case", list(MERGE_GUARDS))
def test_merge_guards(app: Flask, emitted: Emitted, case: str) -> None:
    arrange, error = MERGE_GUARDS[case]
    with app.app_context():
        workshop, act = arrange()
        emitted.clear()
        refused(workshop.id, error, act)
    assert emitted == []


# ------------------------------------------------------------------ who, when, and bad input


def _setup() -> tuple[Workshop, dict[str, Any]]:
    """A grouping step with défis x (ideas 0, 1) and y (empty), ideas 2 and 3
    unclassified, and a suggested grouping applied (idea 4 into défi z) to undo."""
    workshop, posted = make_grouping_workshop(ideas=5)
    x, y = make_challenge(workshop), make_challenge(workshop)
    place(workshop, posted[0], x)
    place(workshop, posted[1], x)
    suggestions.apply_grouping(workshop.id, workshop.owner, [SuggestedGroup("z", [posted[4].id])])
    return workshop, {"ideas": [i.id for i in posted], "x": x.id, "y": y.id}


Command = Callable[[Workshop, Any, dict[str, Any]], Any]

COMMANDS: dict[str, Command] = {
    "create_challenge": lambda w, f, s: challenges.create_challenge(w.id, f, NewChallenge("T")),
    "update_challenge": lambda w, f, s: challenges.update_challenge(
        w.id, f, ChallengeEdit(s["x"], 1, "Renamed")
    ),
    "reorder_challenges": lambda w, f, s: challenges.reorder_challenges(
        w.id, f, [c.id for c in reversed(challenges.challenges_of(w))]
    ),
    "delete_challenge": lambda w, f, s: merging.delete_challenge(w.id, f, s["x"]),
    "merge_challenges": lambda w, f, s: merging.merge_challenges(
        w.id, f, ChallengeMerge(s["x"], s["y"])
    ),
    "split_challenge": lambda w, f, s: challenges.split_challenge(
        w.id, f, ChallengeSplit(s["x"], [s["ideas"][1]], NewChallenge("S"))
    ),
    "move_idea": lambda w, f, s: challenges.move_idea(w.id, f, IdeaMove(s["ideas"][2], s["y"], 0)),
    "merge_ideas": lambda w, f, s: merging.merge_ideas(
        w.id, f, IdeaMerge(s["ideas"][2], s["ideas"][3])
    ),
    "apply_grouping": lambda w, f, s: suggestions.apply_grouping(
        w.id, f, [SuggestedGroup("G", s["ideas"][2:4])]
    ),
    "undo_grouping": lambda w, f, s: suggestions.undo_grouping(w.id, f),
    "suggest_groups": lambda w, f, s: suggestions.suggest_groups(w.id, f, None),
}


def _to(kind: str) -> Callable[[Workshop], None]:
    def arrange(workshop: Workshop) -> None:
        phase = next(p for p in workshop.phases if p.kind == kind)
        agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(phase_id=phase.id))

    return arrange


WHEN_AND_WHO: dict[str, tuple[Callable[[Workshop], Any], str, type[WorkshopError]]] = {
    "in_the_ideas_step": (_to("ideas"), "owner", WrongPhase),
    "in_the_vote_step": (_to("vote"), "owner", WrongPhase),
    "in_the_welcome_step": (_to("welcome"), "owner", WrongPhase),
    "once_closed": (
        lambda w: agenda.close_workshop(w.id, w.owner),
        "owner",
        WorkshopClosed,
    ),
    "by_another_facilitator": (lambda w: None, "stranger", Forbidden),
    "by_nobody": (lambda w: None, "nobody", Forbidden),
}


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Replace the grouping worker: pairs of ideas, in order; records its calls."""
    calls: list[tuple[Any, ...]] = []

    def suggest(texts: list[str], k: int | None, lang: str, timeout: float) -> list[Group]:
        calls.append((texts, k, lang, timeout))
        return [
            Group(f"Group {n}", list(range(start, min(start + 2, len(texts)))))
            for n, start in enumerate(range(0, len(texts), 2))
        ]

    monkeypatch.setattr(grouping, "suggest_groups_in_worker", suggest)
    return calls


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", list(WHEN_AND_WHO))
def test_grouping_is_for_facilitators_in_a_grouping_step(
    app: Flask, emitted: Emitted, fake_engine: Any, command: str, case: str
) -> None:
    arrange, who, error = WHEN_AND_WHO[case]
    with app.app_context():
        workshop, setup = _setup()
        arrange(workshop)
        facilitator = {"owner": workshop.owner, "stranger": make_facilitator(), "nobody": None}[who]
        emitted.clear()
        refused(workshop.id, error, lambda: COMMANDS[command](workshop, facilitator, setup))
    assert emitted == []


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_grouping_command_works_in_the_grouping_step(
    app: Flask, emitted: Emitted, fake_engine: Any, command: str
) -> None:
    with app.app_context():
        workshop, setup = _setup()
        seq = workshop.seq
        emitted.clear()
        COMMANDS[command](workshop, workshop.owner, setup)
        if command == "suggest_groups":  # read-only
            assert db.session.get(Workshop, workshop.id).seq == seq and emitted == []
        else:
            assert db.session.get(Workshop, workshop.id).seq > seq
            assert {room.rpartition(":")[2] for _n, _p, room in emitted} >= {
                "facilitators",
                "screens",
            }
            assert placements(workshop.id) == orders(workshop)


def _other_workshops_defi(w: Workshop, s: dict[str, Any]) -> Any:
    other = make_challenge(make_grouping_workshop(ideas=0)[0])
    return lambda: challenges.move_idea(w.id, w.owner, IdeaMove(s["ideas"][2], other.id))


def _other_workshops_idea(w: Workshop, s: dict[str, Any]) -> Any:
    other = make_grouping_workshop(ideas=1)[1][0]
    return lambda: challenges.move_idea(w.id, w.owner, IdeaMove(other.id, s["x"]))


def _merged_idea_moved(w: Workshop, s: dict[str, Any]) -> Any:
    merging.merge_ideas(w.id, w.owner, IdeaMerge(s["ideas"][2], s["ideas"][3]))
    return lambda: challenges.move_idea(w.id, w.owner, IdeaMove(s["ideas"][2], s["x"]))


def _withdrawn_idea_moved(w: Workshop, s: dict[str, Any]) -> Any:
    idea = db.session.get(Idea, s["ideas"][2])
    ideas.withdraw_idea(w.id, idea.participant_id, idea.id)
    return lambda: challenges.move_idea(w.id, w.owner, IdeaMove(idea.id, None))


def _stale_edit(w: Workshop, s: dict[str, Any]) -> Any:
    challenges.update_challenge(w.id, w.owner, ChallengeEdit(s["x"], 1, "First"))
    return lambda: challenges.update_challenge(w.id, w.owner, ChallengeEdit(s["x"], 1, "Second"))


def _apply_foreign(w: Workshop, s: dict[str, Any]) -> Any:
    other = make_grouping_workshop(ideas=1)[1][0]
    groups = [SuggestedGroup("G", [s["ideas"][2]]), SuggestedGroup("H", [other.id])]
    return lambda: suggestions.apply_grouping(w.id, w.owner, groups)


def _apply(*groups: tuple[str, list[int]]) -> Callable[[Workshop, dict[str, Any]], Any]:
    def arrange(w: Workshop, s: dict[str, Any]) -> Any:
        parsed = [SuggestedGroup(title, ids) for title, ids in groups]
        return lambda: suggestions.apply_grouping(w.id, w.owner, parsed)

    return arrange


def _nothing_to_undo(w: Workshop, s: dict[str, Any]) -> Any:
    suggestions.undo_grouping(w.id, w.owner)  # the one applied in _setup
    return lambda: suggestions.undo_grouping(w.id, w.owner)


BAD_INPUT: dict[str, tuple[Callable[[Workshop, dict[str, Any]], Any], type[WorkshopError]]] = {
    "move_to_a_defi_of_another_workshop": (_other_workshops_defi, WrongWorkshop),
    "move_an_idea_of_another_workshop": (_other_workshops_idea, WrongWorkshop),
    "move_to_an_unknown_defi": (
        lambda w, s: lambda: challenges.move_idea(w.id, w.owner, IdeaMove(s["ideas"][2], 999_999)),
        NotFound,
    ),
    "move_an_unknown_idea": (
        lambda w, s: lambda: challenges.move_idea(w.id, w.owner, IdeaMove(999_999, s["x"])),
        NotFound,
    ),
    "move_a_merged_idea": (_merged_idea_moved, NotFound),
    "move_a_withdrawn_idea": (_withdrawn_idea_moved, NotFound),
    "stale_version": (_stale_edit, Conflict),
    "future_version": (
        lambda w, s: (
            lambda: challenges.update_challenge(w.id, w.owner, ChallengeEdit(s["x"], 7, "Later"))
        ),
        Conflict,
    ),
    "rename_a_defi_of_another_workshop": (
        lambda w, s: (
            lambda other: (
                lambda: challenges.update_challenge(
                    w.id, w.owner, ChallengeEdit(other.id, 1, "Mine")
                )
            )
        )(make_challenge(make_grouping_workshop(ideas=0)[0])),
        WrongWorkshop,
    ),
    "delete_an_unknown_defi": (
        lambda w, s: lambda: merging.delete_challenge(w.id, w.owner, 999_999),
        NotFound,
    ),
    "apply_an_unknown_idea": (lambda w, s: _apply(("G", [s["ideas"][2], 999_999]))(w, s), NotFound),
    "apply_an_idea_of_another_workshop": (_apply_foreign, WrongWorkshop),
    "apply_an_idea_twice": (
        lambda w, s: _apply(("G", [s["ideas"][2]]), ("H", [s["ideas"][3], s["ideas"][2]]))(w, s),
        ValidationError,
    ),
    "apply_an_idea_twice_in_one_group": (
        lambda w, s: _apply(("G", [s["ideas"][2], s["ideas"][2]]))(w, s),
        ValidationError,
    ),
    "undo_with_nothing_to_undo": (_nothing_to_undo, NothingToUndo),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_refused_and_changes_nothing(app: Flask, emitted: Emitted, case: str) -> None:
    arrange, error = BAD_INPUT[case]
    with app.app_context():
        workshop, setup = _setup()
        act = arrange(workshop, setup)
        emitted.clear()
        refused(workshop.id, error, act)
    assert emitted == []


@pytest.mark.parametrize(
    ("parse", "payload"),
    [
        (parse_new_challenge, {"title": "x" * 141}),
        (parse_new_challenge, {"title": "  "}),
        (parse_new_challenge, {"title": "Fine", "description": "x" * 2001}),
        (parse_challenge_edit, {"challenge_id": 1, "version": 1, "title": "x" * 141}),
        (parse_challenge_edit, {"challenge_id": 1, "title": "No version"}),
        (parse_challenge_split, {"challenge_id": 1, "idea_ids": [2], "title": "x" * 141}),
        (parse_grouping, {"groups": [{"title": "x" * 141, "idea_ids": [1]}]}),
        (
            parse_grouping,
            {"groups": [{"title": "A", "idea_ids": [1]}, {"title": "B", "idea_ids": [1]}]},
        ),
        (parse_grouping, {"groups": []}),
    ],
)
def test_titles_over_the_limit_and_other_bad_payloads_never_reach_a_service(
    parse: Callable[[Any], Any], payload: Any
) -> None:
    with pytest.raises(ValidationError):
        parse(payload)


def test_a_title_of_exactly_the_limit_is_accepted() -> None:
    assert parse_new_challenge({"title": "é" * 140}).title == "é" * 140


# ------------------------------------------------------------------ participants


def _proposing(**overrides: Any) -> tuple[Workshop, Any, Idea, Idea, Challenge]:
    """Ideas step, participants allowed to group: an author, their idea, another's, a défi."""
    workshop = make_workshop(**overrides)
    author = make_participant(workshop)
    mine, theirs = make_idea(workshop, author), make_idea(workshop)
    enter_grouping(workshop)
    challenge = make_challenge(workshop)
    _to("ideas")(workshop)
    workshops.update_settings(workshop.id, workshop.owner, SettingsChange(participants_group=True))
    return workshop, author, mine, theirs, challenge


@pytest.mark.parametrize("step", ["ideas", "grouping"])
def test_participants_may_place_their_own_idea_when_allowed(
    app: Flask, emitted: Emitted, step: str
) -> None:
    with app.app_context():
        workshop, author, mine, theirs, challenge = _proposing()
        _to(step)(workshop)
        emitted.clear()
        challenges.propose_challenge(workshop.id, author.id, IdeaMove(mine.id, challenge.id, 0))
        assert placements(workshop.id) == {None: [theirs.id], challenge.id: [mine.id]}
        assert recorded(workshop.id)[-1][1] == "idea_moved"
        assert len(by_room(emitted, "idea_moved")) == 3
        # And take it out again: at the end of the unclassified ones.
        challenges.propose_challenge(workshop.id, author.id, IdeaMove(mine.id, None, 0))
        assert placements(workshop.id) == {None: [theirs.id, mine.id]}


def _not_allowed(w: Workshop) -> None:
    workshops.update_settings(w.id, w.owner, SettingsChange(participants_group=False))


PROPOSE_GUARDS: dict[str, tuple[Callable[..., Any], type[WorkshopError]]] = {
    "not_allowed": (lambda w, a, m, t, c: (_not_allowed(w), (a.id, m.id, c.id))[1], Forbidden),
    "someone_elses_idea": (lambda w, a, m, t, c: (a.id, t.id, c.id), NotAuthor),
    "in_the_vote_step": (lambda w, a, m, t, c: (_to("vote")(w), (a.id, m.id, c.id))[1], WrongPhase),
    "in_the_welcome_step": (
        lambda w, a, m, t, c: (_to("welcome")(w), (a.id, m.id, c.id))[1],
        WrongPhase,
    ),
    "once_closed": (
        lambda w, a, m, t, c: (agenda.close_workshop(w.id, w.owner), (a.id, m.id, c.id))[1],
        WorkshopClosed,
    ),
    "a_defi_of_another_workshop": (
        lambda w, a, m, t, c: (a.id, m.id, make_challenge(make_grouping_workshop(ideas=0)[0]).id),
        WrongWorkshop,
    ),
    "a_participant_of_another_workshop": (
        lambda w, a, m, t, c: (make_participant(make_workshop()).id, m.id, c.id),
        WrongWorkshop,
    ),
    "an_unknown_defi": (lambda w, a, m, t, c: (a.id, m.id, 999_999), NotFound),
}


@pytest.mark.parametrize("case", list(PROPOSE_GUARDS))
def test_propose_guards(app: Flask, emitted: Emitted, case: str) -> None:
    arrange, error = PROPOSE_GUARDS[case]
    with app.app_context():
        workshop, author, mine, theirs, challenge = _proposing()
        participant_id, idea_id, challenge_id = arrange(workshop, author, mine, theirs, challenge)
        emitted.clear()
        refused(
            workshop.id,
            error,
            lambda: challenges.propose_challenge(
                workshop.id, participant_id, IdeaMove(idea_id, challenge_id)
            ),
        )
    assert emitted == []


# ------------------------------------------------------------------ suggestions, apply, undo


def test_suggestions_come_from_the_engine_and_write_nothing(
    app: Flask, emitted: Emitted, fake_engine: list[tuple[Any, ...]]
) -> None:
    with app.app_context():
        workshop = make_workshop()
        a, b = make_idea(workshop, title="Compost"), make_idea(workshop, title="Jardins")
        hidden, placed = make_idea(workshop), make_idea(workshop)
        c = make_idea(workshop, title="Vélos", description="")
        ideas.hide_idea(workshop.id, workshop.owner, hidden.id)
        enter_grouping(workshop)
        place(workshop, placed, make_challenge(workshop))
        before = state_of(workshop.id)
        emitted.clear()
        groups = suggestions.suggest_groups(workshop.id, workshop.owner, 2)
        assert groups == [
            {"label": "Group 0", "idea_ids": [a.id, b.id]},
            {"label": "Group 1", "idea_ids": [c.id]},
        ]
        # Only the unclassified visible ideas, title and description together.
        [(texts, k, lang, _timeout)] = fake_engine
        assert texts == [
            "Compost. A shared fridge near the town hall.",
            "Jardins. A shared fridge near the town hall.",
            "Vélos",
        ]
        assert (k, lang) == (2, "fr")
        assert state_of(workshop.id) == before
    assert emitted == []


def test_too_few_ideas_need_no_engine(app: Flask, fake_engine: list[Any]) -> None:
    with app.app_context():
        workshop, _none = make_grouping_workshop(ideas=0)
        assert suggestions.suggest_groups(workshop.id, workshop.owner, None) == []
        workshop, (only,) = make_grouping_workshop(ideas=1)
        assert suggestions.suggest_groups(workshop.id, workshop.owner, None) == [
            {
                "label": f"{only.title}. A shared fridge near the town hall."[:60],
                "idea_ids": [only.id],
            }
        ]
    assert fake_engine == []


def test_a_failing_engine_answers_suggestions_unavailable(
    app: Flask, emitted: Emitted, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise grouping.GroupingError("the worker timed out")

    monkeypatch.setattr(grouping, "suggest_groups_in_worker", broken)
    with app.app_context():
        workshop, _ideas = make_grouping_workshop(ideas=3)
        before = state_of(workshop.id)
        emitted.clear()
        with pytest.raises(SuggestionsUnavailable) as raised:
            suggestions.suggest_groups(workshop.id, workshop.owner, None)
        assert raised.value.code == "suggestions_unavailable" and raised.value.status == 503
        assert state_of(workshop.id) == before
    assert emitted == []


def test_apply_then_undo_restores_the_grouping_exactly(app: Flask, emitted: Emitted) -> None:
    with app.app_context():
        workshop, (a, b, c, d, e, f) = make_grouping_workshop(ideas=6)
        kept = make_challenge(workshop, title="Kept")
        place(workshop, a, kept)
        place(workshop, b, kept)
        place(workshop, f, kept)
        move(workshop, e.id, None, 0)
        before = placements(workshop.id)
        assert before == {None: [e.id, c.id, d.id], kept.id: [a.id, b.id, f.id]}
        challenges_before = [
            (x.id, x.title, x.position) for x in challenges.challenges_of(workshop)
        ]
        emitted.clear()

        suggestions.apply_grouping(
            workshop.id,
            workshop.owner,
            [SuggestedGroup("Food", [d.id, c.id]), SuggestedGroup("Mixed", [b.id])],
        )
        food, mixed = challenges.challenges_of(workshop)[1:]
        assert [(x.title, x.position) for x in (food, mixed)] == [("Food", 1), ("Mixed", 2)]
        # An idea taken from an existing défi leaves it renumbered.
        assert placements(workshop.id) == {
            None: [e.id],
            kept.id: [a.id, f.id],
            food.id: [d.id, c.id],
            mixed.id: [b.id],
        }
        assert recorded(workshop.id)[-1][1] == "grouping_changed"
        assert by_room(emitted, "grouping_changed")["facilitators"]["reason"] == "grouping_applied"
        assert orders(workshop) == placements(workshop.id)

        # Meanwhile: a move, and a new idea posted (back in the ideas step).
        move(workshop, a.id, food.id, 0)
        _to("ideas")(workshop)
        late = make_idea(workshop)
        enter_grouping(workshop)
        food_id, mixed_id = food.id, mixed.id
        emitted.clear()

        suggestions.undo_grouping(workshop.id, workshop.owner)
        assert db.session.get(Challenge, food_id) is None
        assert db.session.get(Challenge, mixed_id) is None
        assert [(x.id, x.title, x.position) for x in challenges.challenges_of(workshop)] == (
            challenges_before
        )
        # Every idea is back where it was; the late one stays, at the end.
        assert placements(workshop.id) == {**before, None: [*before[None], late.id]}
        assert orders(workshop) == placements(workshop.id)
        assert by_room(emitted, "grouping_changed")["facilitators"]["reason"] == "grouping_undone"
        assert db.session.scalar(select(func.count()).select_from(GroupingSnapshot)) == 0

        refused(
            workshop.id,
            NothingToUndo,
            lambda: suggestions.undo_grouping(workshop.id, workshop.owner),
        )


def test_an_idea_moved_into_a_suggested_defi_goes_back_when_it_is_undone(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        a, b = make_idea(workshop), make_idea(workshop)
        enter_grouping(workshop)
        suggestions.apply_grouping(workshop.id, workshop.owner, [SuggestedGroup("G", [a.id])])
        [suggested] = challenges.challenges_of(workshop)
        _to("ideas")(workshop)
        late = make_idea(workshop)
        enter_grouping(workshop)
        move(workshop, late.id, suggested.id)
        suggestions.undo_grouping(workshop.id, workshop.owner)
        assert placements(workshop.id) == {None: [a.id, b.id, late.id]}


def test_undo_takes_back_the_last_grouping_first(app: Flask) -> None:
    with app.app_context():
        workshop, (a, b, c) = make_grouping_workshop(ideas=3)
        suggestions.apply_grouping(workshop.id, workshop.owner, [SuggestedGroup("One", [a.id])])
        first = placements(workshop.id)
        suggestions.apply_grouping(
            workshop.id, workshop.owner, [SuggestedGroup("Two", [b.id, c.id])]
        )
        suggestions.undo_grouping(workshop.id, workshop.owner)
        assert placements(workshop.id) == first
        assert [x.title for x in challenges.challenges_of(workshop)] == ["One"]
        suggestions.undo_grouping(workshop.id, workshop.owner)
        assert placements(workshop.id) == {None: [a.id, b.id, c.id]}
        assert challenges.challenges_of(workshop) == []


# ------------------------------------------------------------------ close ideas


def test_find_similar_gives_at_most_three_visible_ideas(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        compost = [
            make_idea(workshop, title=title, description="Composteur partagé au jardin")
            for title in (
                "Composteur de quartier",
                "Un composteur collectif",
                "Composteur dans la cour",
                "Compost pour le jardin partagé",
            )
        ]
        hidden = make_idea(workshop, title="Composteur caché", description="Composteur partagé")
        ideas.hide_idea(workshop.id, workshop.owner, hidden.id)
        make_idea(workshop, title="Navette vers la gare", description="Un minibus le matin")
        found = suggestions.find_similar(workshop.id, "un composteur partagé pour le quartier")
        assert 1 <= len(found) <= 3
        assert {f["id"] for f in found} <= {i.id for i in compost}
        assert all(set(f) == {"id", "title", "score"} for f in found)
        assert [f["score"] for f in found] == sorted((f["score"] for f in found), reverse=True)
        assert suggestions.find_similar(workshop.id, "com") == []
        # Read-only, and no other workshop's ideas.
        other = make_workshop()
        assert suggestions.find_similar(other.id, "un composteur partagé pour le quartier") == []
        assert db.session.scalar(select(func.count()).select_from(Vote)) == 0
