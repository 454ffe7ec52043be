"""services.challenges: défis, placing ideas with absolute orders, participants placing
their own idea, and who may group when (every grouping command, whichever module holds
it), with every refusal changing nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.factories import (
    GroupingModel,
    enter_grouping,
    facts_since,
    make_challenge,
    make_facilitator,
    make_grouping_workshop,
    make_idea,
    make_participant,
    make_workshop,
    place,
    placements,
    recorded,
)
from tests.services.grouping_support import (
    Emitted,
    by_room,
    move,
    orders,
    refused,
    state_of,
    to_step,
)
from workshop.errors import (
    Conflict,
    Forbidden,
    NotAuthor,
    NotFound,
    NothingToUndo,
    ValidationError,
    WorkshopClosed,
    WorkshopError,
    WrongPhase,
    WrongWorkshop,
)
from workshop.extensions import db
from workshop.models import (
    Challenge,
    Idea,
    IdeaStatus,
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
    workshops,
)


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
        to_step("ideas")(workshop)
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


WHEN_AND_WHO: dict[str, tuple[Callable[[Workshop], Any], str, type[WorkshopError]]] = {
    "in_the_ideas_step": (to_step("ideas"), "owner", WrongPhase),
    "in_the_vote_step": (to_step("vote"), "owner", WrongPhase),
    "in_the_welcome_step": (to_step("welcome"), "owner", WrongPhase),
    "once_closed": (
        lambda w: agenda.close_workshop(w.id, w.owner),
        "owner",
        WorkshopClosed,
    ),
    "by_another_facilitator": (lambda w: None, "stranger", Forbidden),
    "by_nobody": (lambda w: None, "nobody", Forbidden),
}


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


def _proposing(**overrides: Any) -> tuple[Workshop, Any, Idea, Idea, Challenge]:
    """Ideas step, participants allowed to group: an author, their idea, another's, a défi."""
    workshop = make_workshop(**overrides)
    author = make_participant(workshop)
    mine, theirs = make_idea(workshop, author), make_idea(workshop)
    enter_grouping(workshop)
    challenge = make_challenge(workshop)
    to_step("ideas")(workshop)
    workshops.update_settings(workshop.id, workshop.owner, SettingsChange(participants_group=True))
    return workshop, author, mine, theirs, challenge


@pytest.mark.parametrize("step", ["ideas", "grouping"])
def test_participants_may_place_their_own_idea_when_allowed(
    app: Flask, emitted: Emitted, step: str
) -> None:
    with app.app_context():
        workshop, author, mine, theirs, challenge = _proposing()
        to_step(step)(workshop)
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
    "in_the_vote_step": (
        lambda w, a, m, t, c: (to_step("vote")(w), (a.id, m.id, c.id))[1],
        WrongPhase,
    ),
    "in_the_welcome_step": (
        lambda w, a, m, t, c: (to_step("welcome")(w), (a.id, m.id, c.id))[1],
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
