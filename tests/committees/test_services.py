"""Committee services: the grid, members' links, meetings and their agenda, grades,
the deliberation's ranking and the decisions written into the projects' history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.committees.conftest import fabrique_of
from tests.factories import make_facilitator
from workshop.errors import Conflict, NotFound, ValidationError
from workshop.extensions import db
from workshop.models import CommitteeMember, Grade, Project, ProjectEvent
from workshop.schemas.committees import (
    DecisionForm,
    Grading,
    MeetingForm,
    NewCommittee,
    NewMember,
    parse_criteria,
)
from workshop.services import committees
from workshop.services.fabriques import hash_token

DAY = dt.date(2027, 1, 14)


def setup_meeting(app: Flask, portfolio: Any, members: int = 2) -> dict[str, Any]:
    """A committee with ``members`` members and an open meeting holding every project."""
    world = portfolio()
    with app.app_context():
        fabrique = fabrique_of(world.fabrique)
        committee = committees.create_committee(
            fabrique, NewCommittee("Comité de pilotage", "steering", None)
        )
        links = [
            committees.add_member(fabrique, committee.id, NewMember(f"Membre {i}", None, "Élue"))
            for i in range(members)
        ]
        meeting = committees.create_meeting(
            fabrique, committee.id, MeetingForm("Comité de janvier", DAY, "Mairie")
        )
        items = [
            committees.add_to_agenda(fabrique, committee.id, meeting.id, pid).id
            for pid in world.projects
        ]
        committees.set_status(fabrique, committee.id, meeting.id, "open")
        return {
            "world": world,
            "committee": committee.id,
            "meeting": meeting.id,
            "items": items,
            "secrets": [link.secret for link in links],
            "keys": committees.criteria_keys(committee),
        }


def all_grades(keys: list[str], grade: int) -> Grading:
    return Grading({key: grade for key in keys}, "")


def test_a_new_committee_has_the_default_grid(app: Flask, portfolio: Any) -> None:
    world = portfolio()
    with app.app_context():
        committee = committees.create_committee(
            fabrique_of(world.fabrique), NewCommittee("Experts", "expert", None)
        )
        assert committees.criteria_keys(committee) == [
            "besoin-social",
            "potentiel-economique",
            "ancrage-territorial",
            "faisabilite",
            "engagement-partenaires",
        ]
        assert committee.criteria[0]["label"] == "Besoin social"  # stored in French


def test_editing_the_grid_keeps_keys_and_their_grades(app: Flask, portfolio: Any) -> None:
    s = setup_meeting(app, portfolio, members=1)
    with app.app_context():
        member = committees.member_by_link(s["secrets"][0])
        committees.grade_item(member, s["items"][0], all_grades(s["keys"], 5))
        fabrique = fabrique_of(s["world"].fabrique)
        committee = committees.committee_in(fabrique, s["committee"])
        rows = [
            {"key": c["key"], "label": c["label"], "description": c["description"]}
            for c in committee.criteria
        ]
        rows[0]["label"] = "Utilité sociale"  # renamed
        rows[1]["remove"] = True
        rows.append({"key": "", "label": "Impact écologique", "description": "Moins de CO2"})
        committees.save_criteria(fabrique, committee.id, parse_criteria(rows, committee.criteria))
        keys = committees.criteria_keys(committee)
        assert keys[0] == "besoin-social" and "potentiel-economique" not in keys
        assert keys[-1] == "impact-ecologique"
        result = committees.deliberation(fabrique, s["committee"], s["meeting"])
        first = next(r for r in result.items if r.item.id == s["items"][0])
        assert [c.criterion["label"] for c in first.criteria][0] == "Utilité sociale"
        assert first.criteria[0].merit.majority == 5  # the renamed criterion kept its grade
        assert first.overall.graders == 4  # 5 graded, 1 removed, the new one not graded


def test_links_store_only_a_digest_and_can_be_revoked_or_replaced(
    app: Flask, portfolio: Any
) -> None:
    s = setup_meeting(app, portfolio, members=1)
    secret = s["secrets"][0]
    with app.app_context():
        member = db.session.scalar(select(CommitteeMember))
        assert member is not None and member.token_hash == hash_token(secret)
        assert secret not in repr(member.__dict__)
        fabrique = fabrique_of(s["world"].fabrique)
        issued = committees.regenerate_link(fabrique, s["committee"], member.id)
        with pytest.raises(NotFound):
            committees.member_by_link(secret)  # the old link no longer works
        assert committees.member_by_link(issued.secret).id == member.id
        committees.revoke_member(fabrique, s["committee"], member.id)
        with pytest.raises(NotFound):
            committees.member_by_link(issued.secret)
        with pytest.raises(NotFound):
            committees.grade_item(member, s["items"][0], all_grades(s["keys"], 3))


def test_grades_are_replaced_and_only_while_the_meeting_is_open(app: Flask, portfolio: Any) -> None:
    s = setup_meeting(app, portfolio, members=1)
    with app.app_context():
        member = committees.member_by_link(s["secrets"][0])
        item = s["items"][0]
        committees.grade_item(member, item, Grading({s["keys"][0]: 2}, "Bien ancré"))
        committees.grade_item(member, item, Grading({s["keys"][0]: 4, s["keys"][1]: None}, ""))
        grades = list(db.session.scalars(select(Grade)))
        assert [(g.criterion, g.grade) for g in grades] == [(s["keys"][0], 4)]
        mine = committees.member_meetings(member)[0].items[0]
        assert mine.grades == {s["keys"][0]: 4} and mine.comment == ""
        fabrique = fabrique_of(s["world"].fabrique)
        committees.set_status(fabrique, s["committee"], s["meeting"], "closed")
        with pytest.raises(Conflict):
            committees.grade_item(member, item, all_grades(s["keys"], 6))
        assert committees.member_meetings(member) == []  # closed meetings leave the page


def test_the_deliberation_ranks_by_majority_judgment(app: Flask, portfolio: Any) -> None:
    s = setup_meeting(app, portfolio, members=3)
    first, second = s["items"]
    with app.app_context():
        members = [committees.member_by_link(secret) for secret in s["secrets"]]
        for member, (a, b) in zip(members, [(3, 5), (4, 4), (2, 3)], strict=True):
            committees.grade_item(member, first, Grading(dict.fromkeys(s["keys"], a), f"Avis {a}"))
            committees.grade_item(member, second, all_grades(s["keys"], b))
        result = committees.deliberation(
            fabrique_of(s["world"].fabrique), s["committee"], s["meeting"]
        )
        assert [r.item.id for r in result.items] == [second, first]
        top = result.items[0]
        assert top.overall.rank == 1 and top.overall.majority == 4 and top.graders == 3
        crit = result.items[1].criteria[0].merit
        assert crit.counts == (0, 0, 1, 1, 1, 0, 0)
        assert (crit.majority, crit.lowest, crit.highest, crit.graders) == (3, 2, 4, 3)
        assert [c.text for c in result.items[1].comments] == ["Avis 3", "Avis 4", "Avis 2"]
        assert result.items[1].comments[0].author == "Membre 0"


def test_a_dropped_project_is_abandoned_with_its_reason(app: Flask, portfolio: Any) -> None:
    s = setup_meeting(app, portfolio)
    with app.app_context():
        fabrique = fabrique_of(s["world"].fabrique)
        chair = make_facilitator()
        with pytest.raises(ValidationError):
            from workshop.schemas.committees import parse_decision

            parse_decision({"decision": "dropped", "reason": " "})
        item = committees.decide(
            fabrique,
            s["committee"],
            s["meeting"],
            s["items"][0],
            DecisionForm("dropped", "faute de potentiel", None),
            by=chair,
        )
        assert item.decision == "dropped" and item.decided_by_id == chair.id
        assert item.decided_at is not None
        project = db.session.get(Project, s["world"].projects[0])
        assert project is not None
        assert (project.stage, project.abandon_reason) == ("abandoned", "faute de potentiel")
        kinds = [
            (e.kind, e.by_label, e.data.get("decision"))
            for e in db.session.scalars(
                select(ProjectEvent)
                .where(ProjectEvent.project_id == project.id)
                .order_by(ProjectEvent.id)
            )
        ]
        assert kinds == [
            ("decision", "Comité de pilotage", "dropped"),
            ("stage_changed", "Comité de pilotage", "dropped"),
        ]
        sittings = committees.project_sittings(project)
        assert [(x.meeting.id, x.item.decision) for x in sittings] == [(s["meeting"], "dropped")]


def test_other_decisions_keep_the_stage_unless_one_is_chosen(app: Flask, portfolio: Any) -> None:
    s = setup_meeting(app, portfolio)
    with app.app_context():
        fabrique = fabrique_of(s["world"].fabrique)
        chair = make_facilitator()
        for item, stage in zip(s["items"], [None, "opportunity_study"], strict=True):
            committees.decide(
                fabrique,
                s["committee"],
                s["meeting"],
                item,
                DecisionForm("prioritised", "", stage),
                by=chair,
            )
        stages = [db.session.get(Project, pid).stage for pid in s["world"].projects]  # type: ignore[union-attr]
        assert stages == ["to_study", "opportunity_study"]


def test_a_planned_meeting_takes_no_decision_and_an_empty_one_does_not_open(
    app: Flask, portfolio: Any
) -> None:
    world = portfolio()
    with app.app_context():
        fabrique = fabrique_of(world.fabrique)
        committee = committees.create_committee(fabrique, NewCommittee("C", "steering", None))
        meeting = committees.create_meeting(fabrique, committee.id, MeetingForm("R", DAY, ""))
        with pytest.raises(ValidationError):
            committees.set_status(fabrique, committee.id, meeting.id, "open")
        item = committees.add_to_agenda(fabrique, committee.id, meeting.id, world.projects[0])
        with pytest.raises(Conflict):
            committees.add_to_agenda(fabrique, committee.id, meeting.id, world.projects[0])
        with pytest.raises(Conflict):
            committees.decide(
                fabrique,
                committee.id,
                meeting.id,
                item.id,
                DecisionForm("prioritised", "", None),
                by=make_facilitator(),
            )


def test_agenda_order_and_removal(app: Flask, portfolio: Any) -> None:
    world = portfolio("A", "B", "C")
    with app.app_context():
        fabrique = fabrique_of(world.fabrique)
        committee = committees.create_committee(fabrique, NewCommittee("C", "steering", None))
        meeting = committees.create_meeting(fabrique, committee.id, MeetingForm("R", DAY, ""))
        items = [
            committees.add_to_agenda(fabrique, committee.id, meeting.id, pid).id
            for pid in world.projects
        ]
        committees.move_on_agenda(fabrique, committee.id, meeting.id, items[2], -1)
        committees.move_on_agenda(fabrique, committee.id, meeting.id, items[0], -1)  # already first
        committees.remove_from_agenda(fabrique, committee.id, meeting.id, items[1])
        titles = [
            i.project.title
            for i in sorted(
                committees.meeting_in(fabrique, committee.id, meeting.id).items,
                key=lambda i: i.position,
            )
        ]
        assert titles == ["A", "C"]
        assert [p.title for p in committees.agenda_choices(fabrique, meeting)] == ["B"]


def test_a_project_committee_starts_its_meetings_with_its_project(
    app: Flask, portfolio: Any
) -> None:
    world = portfolio()
    with app.app_context():
        fabrique = fabrique_of(world.fabrique)
        with pytest.raises(ValidationError):
            from workshop.schemas.committees import parse_committee_form

            parse_committee_form({"name": "Suivi", "kind": "project"})
        committee = committees.create_committee(
            fabrique, NewCommittee("Suivi du garage", "project", world.projects[1])
        )
        meeting = committees.create_meeting(fabrique, committee.id, MeetingForm("R", DAY, ""))
        assert [i.project_id for i in meeting.items] == [world.projects[1]]


def test_nothing_crosses_fabriques(app: Flask, portfolio: Any) -> None:
    """Another Fabrique's committee, member, meeting, item or project: NotFound."""
    s = setup_meeting(app, portfolio, members=1)
    other = setup_meeting(app, portfolio, members=1)
    with app.app_context():
        mine = fabrique_of(s["world"].fabrique)
        theirs_committee, theirs_meeting = other["committee"], other["meeting"]
        member_id = committees.member_by_link(other["secrets"][0]).id
        for call in (
            lambda: committees.committee_in(mine, theirs_committee),
            lambda: committees.meeting_in(mine, theirs_committee, theirs_meeting),
            lambda: committees.meeting_in(mine, s["committee"], theirs_meeting),
            lambda: committees.revoke_member(mine, s["committee"], member_id),
            lambda: committees.regenerate_link(mine, theirs_committee, member_id),
            lambda: committees.add_to_agenda(
                mine, s["committee"], s["meeting"], other["world"].projects[0]
            ),
            lambda: committees.create_committee(
                mine, NewCommittee("X", "project", other["world"].projects[0])
            ),
            lambda: committees.deliberation(mine, theirs_committee, theirs_meeting),
            lambda: committees.remove_from_agenda(
                mine, s["committee"], s["meeting"], other["items"][0]
            ),
        ):
            with pytest.raises(NotFound):
                call()
        # A member's link grades their own committee's meetings only.
        member = committees.member_by_link(s["secrets"][0])
        with pytest.raises(NotFound):
            committees.grade_item(member, other["items"][0], all_grades(s["keys"], 6))
        assert db.session.scalar(select(Grade)) is None


def test_removing_a_member_erases_their_grades(app: Flask, portfolio: Any) -> None:
    s = setup_meeting(app, portfolio, members=1)
    with app.app_context():
        member = committees.member_by_link(s["secrets"][0])
        committees.grade_item(member, s["items"][0], Grading({s["keys"][0]: 3}, "Un avis"))
        committees.remove_member(fabrique_of(s["world"].fabrique), s["committee"], member.id)
        assert db.session.scalar(select(Grade)) is None
        assert db.session.scalar(select(CommitteeMember)) is None


def test_a_decision_recorded_by_a_tool_names_it(app: Flask, portfolio: Any) -> None:
    s = setup_meeting(app, portfolio)
    with app.app_context():
        item = committees.decide(
            fabrique_of(s["world"].fabrique),
            s["committee"],
            s["meeting"],
            s["items"][0],
            DecisionForm("postponed", "Attendre le budget", None),
            by_label="Outil de suivi",
        )
        assert item.decided_by_id is None and item.decision == "postponed"
        event = db.session.scalars(
            select(ProjectEvent).where(ProjectEvent.kind == "decision")
        ).one()
        assert (event.by_id, event.by_label) == (None, "Outil de suivi")
        assert event.data["reason"] == "Attendre le budget"
