"""For every command, the state it needs and a payload it accepts, built through the real
services: a workshop in the right step, with an idea, a défi, a vote... The payload
names the caller's own idea where only an author may act, so that an allowed caller
really succeeds and a refused one is refused for who it is, not for a bad payload.

A command without a scenario gets :data:`DEFAULT` (the ideas step, payload ``{}``):
enough for a command without a payload; add one here when it needs more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from tests.factories import cast, make_challenge, make_idea, place
from tests.security.conftest import Stage
from workshop import schemas
from workshop.exports.ideas_import import ImportRow, client_id_for
from workshop.extensions import db
from workshop.models import Challenge, Idea, Phase
from workshop.phases import PhaseKind
from workshop.schemas.votes import GradeChoice
from workshop.services import idea_import, volunteers, votes
from workshop.sockets import FACILITATOR_COMMANDS

Payload = dict[str, Any]


@dataclass(frozen=True)
class Scenario:
    setup: Callable[[Stage], Payload]
    # Whether an accepted command records a fact (read-only ones do not).
    writes: bool = True


def owner_does(s: Stage, command: str, payload: Any = None) -> None:
    """Run a facilitator command's service as the workshop's owner."""
    service, parse = FACILITATOR_COMMANDS[command]
    service(s.workshop.id, s.owner, *(() if parse is None else (parse(payload),)))


def phase(s: Stage, kind: PhaseKind) -> Phase:
    return next(p for p in s.workshop.phases if p.kind == kind)


def go(s: Stage, kind: PhaseKind) -> Phase:
    step = phase(s, kind)
    owner_does(s, "advance_phase", {"phase_id": step.id})
    return step


def idea(s: Stage, mine: bool = False, **texts: Any) -> Idea:
    """An idea posted in the ideas step (where every workshop starts), by the caller's
    participant (``mine``) or by the bystander."""
    return make_idea(s.workshop, s.me if mine else s.bystander, **texts)


def title(s: Stage) -> str:
    return f"Comment pourrions-nous essayer {s.n()} ?"


def _restore(s: Stage) -> Payload:
    hidden = idea(s)
    owner_does(s, "hide_idea", {"idea_id": hidden.id})
    return {"idea_id": hidden.id}


def _approve(s: Stage) -> Payload:
    owner_does(s, "update_settings", {"moderation": True})
    return {"idea_id": idea(s).id}


def _reword(s: Stage) -> Payload:
    """An idea imported from a file (no author): the one kind a facilitator rewords."""
    row_id = f"security-import-{s.n()}"
    new = schemas.NewIdea(client_id=client_id_for(row_id), title="Une idée importée")
    idea_import.import_ideas(s.workshop.id, s.owner, [ImportRow(2, row_id, new)])
    found = db.session.scalar(
        select(Idea).where(Idea.workshop_id == s.workshop.id, Idea.client_id == new.client_id)
    )
    assert found is not None
    return {"idea_id": found.id, "version": found.version, "title": "Une idée reformulée"}


def _open(s: Stage) -> Payload:
    owner_does(s, "close_workshop")
    return {}


def _pause(s: Stage) -> Payload:
    owner_does(s, "start_timer", {})
    return {}


def _vote_on(s: Stage, dots: int = 0, **payload: Any) -> Payload:
    target = idea(s)
    go(s, PhaseKind.VOTE)
    if dots:
        cast(s.workshop, s.me, target, dots)
    return {"idea_id": target.id, **payload}


def _grade_on(s: Stage, graded: bool = False, **payload: Any) -> Payload:
    """A vote by majority judgment on an idea (the caller's grade given first when
    ``graded``)."""
    target = idea(s)
    go(s, PhaseKind.VOTE)
    owner_does(s, "configure_vote", {"method": "majority"})
    if graded:
        votes.grades.grade_item(s.workshop.id, s.me.id, GradeChoice(target.id, "ideas", 3))
    return {"idea_id": target.id, **payload}


def _vote_phase(s: Stage, *then: str) -> Payload:
    idea(s)
    step = go(s, PhaseKind.VOTE)
    for command in then:
        owner_does(s, command, {"phase_id": step.id})
    return {"phase_id": step.id}


def _grouping(s: Stage, ideas: int = 0, challenges: int = 0) -> tuple[list[int], list[int]]:
    posted = [idea(s, title=f"Un composteur partagé {s.n()}").id for _ in range(ideas)]
    go(s, PhaseKind.GROUPING)
    made = [make_challenge(s.workshop, title=title(s)).id for _ in range(challenges)]
    return posted, made


def _update_challenge(s: Stage) -> Payload:
    _ideas, [defi] = _grouping(s, challenges=1)
    return {"challenge_id": defi, "title": title(s), "version": 1}


def _split(s: Stage) -> Payload:
    [one], [defi] = _grouping(s, ideas=1, challenges=1)
    place(s.workshop, db.session.get_one(Idea, one), db.session.get_one(Challenge, defi))
    return {"challenge_id": defi, "idea_ids": [one], "title": title(s)}


def _undo(s: Stage) -> Payload:
    [one], _made = _grouping(s, ideas=1)
    owner_does(s, "apply_grouping", {"groups": [{"title": title(s), "idea_ids": [one]}]})
    return {}


def _undo_change(s: Stage) -> Payload:
    absorbed, into = _grouping(s, ideas=2)[0]
    owner_does(s, "merge_ideas", {"idea_id": absorbed, "into_id": into})
    return {"kind": "ideas_merged", "id": absorbed}


def _propose(s: Stage) -> Payload:
    mine = idea(s, mine=True)
    owner_does(s, "update_settings", {"participants_group": True})
    _ideas, [defi] = _grouping(s, challenges=1)
    return {"idea_id": mine.id, "challenge_id": defi}


def _qualify(s: Stage) -> Payload:
    _ideas, [defi] = _grouping(s, challenges=1)
    owner_does(s, "update_settings", {"participants_qualify": True})
    go(s, PhaseKind.QUALIFICATION)
    return {"target": "challenge", "target_id": defi, "need_who": "Les familles du plateau"}


def _offer(s: Stage) -> Payload:
    return {"target": "idea", "target_id": idea(s).id, "kind": "follow"}


def _withdraw_help(s: Stage) -> Payload:
    offer = _offer(s)
    volunteers.offer_help(s.workshop.id, s.me.id, schemas.parse_volunteer_offer(offer))
    return offer


def _similar(s: Stage) -> Payload:
    idea(s, title="Un composteur de quartier")
    return {"text": "un composteur pour le quartier"}


def _duplicates(s: Stage, count: int) -> list[int]:
    """``count`` ideas saying the same thing (the duplicate review finds them)."""
    return [idea(s, title=f"Un composteur partagé dans la rue {s.n()}").id for _ in range(count)]


def _merge_duplicates(s: Stage) -> Payload:
    into, *others = _duplicates(s, 3)
    go(s, PhaseKind.GROUPING)
    return {"into_id": into, "idea_ids": others}


def _then(_done: object, payload: Payload) -> Payload:
    """``payload``, once the set-up given first has run."""
    return payload


def _move(s: Stage) -> Payload:
    [one], [defi] = _grouping(s, ideas=1, challenges=1)
    return {"idea_id": one, "challenge_id": defi}


# ----------------------------------------------------------------- défi tables


def _tables(s: Stage, host: bool = False, seat: bool = True) -> int:
    """A défi with its table, the workshop in a tables step (added to the agenda), the
    caller's participant seated there (unless not ``seat``; its host with ``host``);
    the table's id."""
    from workshop.models import Phase as PhaseRow
    from workshop.schemas.tables import HostChange, NewTables
    from workshop.services import tables

    _ideas, [defi] = _grouping(s, challenges=1)
    s.workshop.phases.append(
        PhaseRow(
            workshop_id=s.workshop.id,
            position=len(s.workshop.phases),
            kind=PhaseKind.TABLES,
            title="Tables",
            duration_s=600,
            settings={},
        )
    )
    db.session.commit()
    go(s, PhaseKind.TABLES)
    [table] = tables.create_tables(s.workshop.id, s.owner, NewTables(challenge_ids=[defi]))
    if host:
        tables.set_table_host(s.workshop.id, s.owner, HostChange(table.id, s.me.id))
    elif seat:
        tables.choose_table(s.workshop.id, s.me.id, table.id)
    return table.id


def _contribution(s: Stage, host: bool = False) -> int:
    from workshop.schemas.tables import NewContribution
    from workshop.services import tables

    table_id = _tables(s, host=host)
    made, _created = tables.post_contribution(
        s.workshop.id,
        tables.Actor(facilitator=s.owner),
        NewContribution(table_id, "needs", "Les aînés isolés", f"security-c-{s.n():04d}"),
    )
    return made.id


def _create_tables(s: Stage) -> Payload:
    _ideas, [defi] = _grouping(s, challenges=1)
    return {"challenge_ids": [defi]}


def _unseated(s: Stage) -> Payload:
    table_id = _tables(s)
    return {"participant_id": s.bystander.id, "table_id": table_id}


DEFAULT = Scenario(lambda s: {})

SCENARIOS: dict[str, Scenario] = {
    "join_workshop": Scenario(lambda s: {}, writes=False),
    "post_idea": Scenario(lambda s: {"client_id": f"security-{s.n():04d}", "title": "Une idée"}),
    "edit_idea": Scenario(
        lambda s: {"idea_id": idea(s, mine=True).id, "title": "Une idée reformulée", "version": 1}
    ),
    "withdraw_idea": Scenario(lambda s: {"idea_id": idea(s, mine=True).id}),
    "hide_idea": Scenario(lambda s: {"idea_id": idea(s).id}),
    "restore_idea": Scenario(_restore),
    "approve_idea": Scenario(_approve),
    "reword_idea": Scenario(_reword),
    "advance_phase": Scenario(lambda s: {"direction": "next"}),
    "open_workshop": Scenario(_open),
    "close_workshop": Scenario(lambda s: {}),
    "set_joining": Scenario(lambda s: {"open": False}),
    "update_settings": Scenario(lambda s: {"anonymous": True}),
    "start_timer": Scenario(lambda s: {}),
    "pause_timer": Scenario(_pause),
    "extend_timer": Scenario(lambda s: {"seconds": 60}),
    "reset_timer": Scenario(lambda s: {}),
    "cast_vote": Scenario(_vote_on),
    "withdraw_vote": Scenario(lambda s: _vote_on(s, dots=1)),
    "set_vote": Scenario(lambda s: _vote_on(s, count=1)),
    "grade_item": Scenario(lambda s: _grade_on(s, grade=5)),
    "withdraw_grade": Scenario(lambda s: _grade_on(s, graded=True)),
    "configure_vote": Scenario(lambda s: {**_vote_phase(s), "votes_per_participant": 3}),
    "reveal_votes": Scenario(_vote_phase),
    "freeze_results": Scenario(_vote_phase),
    "reopen_vote": Scenario(lambda s: _vote_phase(s, "freeze_results")),
    "create_challenge": Scenario(lambda s: _then(_grouping(s), {"title": title(s)})),
    "update_challenge": Scenario(_update_challenge),
    "delete_challenge": Scenario(lambda s: {"challenge_id": _grouping(s, challenges=1)[1][0]}),
    "reorder_challenges": Scenario(
        lambda s: {"challenge_ids": _grouping(s, challenges=2)[1][::-1]}
    ),
    "merge_challenges": Scenario(
        lambda s: dict(zip(("source_id", "target_id"), _grouping(s, challenges=2)[1], strict=True))
    ),
    "split_challenge": Scenario(_split),
    "move_idea": Scenario(_move),
    "merge_ideas": Scenario(
        lambda s: dict(zip(("idea_id", "into_id"), _grouping(s, ideas=2)[0], strict=True))
    ),
    "suggest_groups": Scenario(lambda s: _then(_grouping(s, ideas=2), {"k": 1}), writes=False),
    "apply_grouping": Scenario(
        lambda s: {"groups": [{"title": title(s), "idea_ids": _grouping(s, ideas=1)[0]}]}
    ),
    "undo_grouping": Scenario(_undo),
    "undo_grouping_change": Scenario(_undo_change),
    "propose_challenge": Scenario(_propose),
    "find_similar": Scenario(_similar, writes=False),
    "find_duplicates": Scenario(lambda s: _then(_duplicates(s, 2), {}), writes=False),
    "merge_duplicates": Scenario(_merge_duplicates),
    "dismiss_duplicates": Scenario(lambda s: {"idea_ids": _duplicates(s, 2)}),
    "save_qualification": Scenario(_qualify),
    "offer_help": Scenario(_offer),
    "withdraw_help": Scenario(_withdraw_help),
    "erase_participant": Scenario(lambda s: {"participant_id": s.bystander.id}),
    "create_tables": Scenario(_create_tables),
    "update_table": Scenario(lambda s: {"table_id": _tables(s), "capacity": 5}),
    "delete_table": Scenario(lambda s: {"table_id": _tables(s)}),
    "set_table_host": Scenario(lambda s: {**_unseated(s)}),
    "seat_participant": Scenario(_unseated),
    # The bystander is not seated yet: balancing seats them (a table fact).
    "balance_tables": Scenario(lambda s: _then(_tables(s), {}), writes=True),
    "next_round": Scenario(lambda s: _then(_tables(s), {"mode": "rotate"})),
    "set_contribution_kinds": Scenario(
        lambda s: _then(_tables(s), {"kinds": [{"key": "needs", "label": "Besoins"}]})
    ),
    "spotlight_table": Scenario(lambda s: {"table_id": _tables(s)}),
    "list_tables": Scenario(lambda s: _then(_tables(s), {}), writes=False),
    "choose_table": Scenario(lambda s: {"table_id": _tables(s, seat=False)}),
    "join_table": Scenario(lambda s: {"table_id": _tables(s)}, writes=False),
    "post_contribution": Scenario(
        lambda s: {
            "table_id": _tables(s),
            "kind": "needs",
            "text": "Un minibus",
            "client_id": f"security-{s.n():04d}",
        }
    ),
    "vote_contribution": Scenario(lambda s: {"contribution_id": _contribution(s), "on": True}),
    "moderate_contribution": Scenario(
        lambda s: {"contribution_id": _contribution(s, host=True), "hidden": True}
    ),
    "keep_contribution": Scenario(
        lambda s: {"contribution_id": _contribution(s, host=True), "kept": True}
    ),
    "save_synthesis": Scenario(
        lambda s: {
            "table_id": _tables(s, host=True),
            "text": "Synthèse",
            "done": True,
            "version": 1,
        }
    ),
    # The pitch step (issue #14)
    "spotlight_project": Scenario(lambda s: {"project_id": _pitch(s)[0]}),
    "start_pitch_timer": Scenario(lambda s: _then(_pitch(s, spotlight=True), {"part": "pitch"})),
    "end_spotlight": Scenario(lambda s: _then(_pitch(s, spotlight=True), {})),
    "configure_pitch": Scenario(
        lambda s: _then(_pitch(s), {"pitch_seconds": 120, "questions_seconds": 240})
    ),
    "give_feedback": Scenario(
        lambda s: {
            "client_id": f"security-f-{s.n():04d}",
            "project_id": _pitch(s)[0],
            "kind": "likes",
            "text": "Bravo",
        }
    ),
    "moderate_feedback": Scenario(lambda s: {"card_id": _card(s), "hidden": True}),
    "select_feedback": Scenario(lambda s: {"card_id": _card(s), "selected": True}),
}


def _pitch(s: Stage, spotlight: bool = False) -> list[int]:
    """The workshop as a session of a cycle, in a pitch step: two projects, the
    bystander's first; that one in the spotlight when asked."""
    import secrets

    from workshop.models import Cycle, CycleProject, Enrolment
    from workshop.schemas.pitch import SpotlightTarget
    from workshop.services import pitch

    cycle = Cycle(title=f"Cycle {s.n()}", owner_id=s.owner.id)
    db.session.add(cycle)
    db.session.flush()
    enrolment = Enrolment(
        cycle_id=cycle.id, display_name="Hélène", token_hash=secrets.token_hex(32)
    )
    db.session.add(enrolment)
    db.session.flush()
    s.bystander.enrolment_id = enrolment.id
    made = [
        CycleProject(cycle_id=cycle.id, title="Un café", position=0, enrolment_id=enrolment.id),
        CycleProject(cycle_id=cycle.id, title="Une ferme", position=1),
    ]
    db.session.add_all(made)
    s.workshop.cycle_id = cycle.id
    step = Phase(
        workshop_id=s.workshop.id,
        position=len(s.workshop.phases),
        kind=PhaseKind.PITCH,
        title="Pitch",
        duration_s=600,
        settings={},
    )
    db.session.add(step)
    db.session.commit()
    owner_does(s, "advance_phase", {"phase_id": step.id})
    ids = [p.id for p in made]
    if spotlight:
        pitch.spotlight_project(s.workshop.id, s.owner, SpotlightTarget(project_id=ids[0]))
    return ids


def _card(s: Stage) -> int:
    """A feedback card the caller's participant gave the bystander's project."""
    from workshop.schemas.pitch import NewFeedback
    from workshop.services import pitch

    project = _pitch(s)[0]
    new = NewFeedback(f"security-card-{s.n():04d}", project, "likes", "Bravo")
    card, _created = pitch.give_feedback(s.workshop.id, s.me.id, new)
    return card.id


def scenario(command: str) -> Scenario:
    return SCENARIOS.get(command, DEFAULT)
