"""The call for holders' services: what the public call lists (and never), applying,
the members' candidates, statuses and the choice, the session's volunteers brought in
(with consent only, once), isolation between Fabriques, retention."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.calls.conftest import NEED_WHERE, NEED_WHO, FabriqueRef, ProjectRef, hold
from workshop.errors import Conflict, NotFound, ValidationError
from workshop.extensions import db
from workshop.models import (
    Candidate,
    Fabrique,
    Follower,
    PortfolioIdea,
    Project,
    ProjectEvent,
    ProjectHolder,
    utcnow,
)
from workshop.schemas.candidates import (
    Application,
    CallSetting,
    CandidateChange,
    MetCandidate,
)
from workshop.services import candidates, privacy

APPLICATION = Application(
    name="Dominique",
    email="dominique@example.org",
    phone=None,
    structure="",
    message="J'ai un camion et du temps.",
    follow=False,
)

NewProject = Callable[..., ProjectRef]
NewFabrique = Callable[..., FabriqueRef]


def fab(ref: FabriqueRef) -> Fabrique:
    fabrique = db.session.get(Fabrique, ref.id)
    assert fabrique is not None
    return fabrique


def events(project_id: int, kind: str | None = None) -> list[ProjectEvent]:
    query = select(ProjectEvent).where(ProjectEvent.project_id == project_id)
    if kind:
        query = query.where(ProjectEvent.kind == kind)
    return list(db.session.scalars(query.order_by(ProjectEvent.id)))


def test_the_public_call_lists_projects_looking_for_a_holder_only(
    app: Flask, new_fabrique: NewFabrique, new_project: NewProject
) -> None:
    ref = new_fabrique()
    shown = new_project(ref, title="Épicerie", in_call=True, call_text="Cherche porteur")
    new_project(ref, title="Pas dans l'appel", in_call=False)
    new_project(ref, title="Lancé", in_call=True, stage="launched")
    new_project(ref, title="Absent", in_call=True, absent_since=utcnow())
    new_project(ref, title="À modérer", in_call=True, review="pending")
    other = new_project(new_fabrique(), title="Autre Fabrique", in_call=True)
    with app.app_context():
        listed = candidates.call_projects(fab(ref))
        assert [p.title for p in listed] == ["Épicerie"]
        project = listed[0]
        assert project.id == shown.id
        assert project.call_text == "Cherche porteur"
        assert (project.need_who, project.need_where) == (NEED_WHO, NEED_WHERE)
        assert project.challenge_title == "Épicerie"
        assert (project.ideas_count, project.votes) == (2, 7)
        assert project.session_title == "Soirée manger local"
        assert project.session_date == dt.date(2026, 11, 20)
        # Nothing personal: the ideas' author is nowhere in what the call holds.
        assert "Camille" not in repr(dataclasses.asdict(project))
        with pytest.raises(NotFound):
            candidates.call_project(fab(ref), other.id)


def test_putting_a_project_into_the_call_moves_it_to_holder_search(
    app: Flask, new_fabrique: NewFabrique, new_project: NewProject
) -> None:
    ref = new_fabrique()
    project = new_project(ref, stage="to_study")
    with app.app_context():
        version = db.session.get(Project, project.id).version  # type: ignore[union-attr]
        candidates.set_in_call(fab(ref), project.id, CallSetting(True, "Venez !", version))
        row = db.session.get(Project, project.id)
        assert row is not None
        assert (row.in_call, row.call_text, row.stage) == (True, "Venez !", "holder_search")
        assert [e.kind for e in events(project.id)] == ["stage_changed", "call"]
        assert [p.id for p in candidates.call_projects(fab(ref))] == [project.id]
        # A form made from the older version is refused, and changes nothing.
        with pytest.raises(Conflict):
            candidates.set_in_call(fab(ref), project.id, CallSetting(False, "", version))
        candidates.set_in_call(fab(ref), project.id, CallSetting(False, "Venez !", None))
        assert candidates.call_projects(fab(ref)) == []
        assert events(project.id, "call")[-1].data == {"in_call": False}


def test_a_launched_project_cannot_enter_the_call(
    app: Flask, new_fabrique: NewFabrique, new_project: NewProject
) -> None:
    ref = new_fabrique()
    project = new_project(ref, stage="launched")
    with app.app_context():
        with pytest.raises(ValidationError):
            candidates.set_in_call(fab(ref), project.id, CallSetting(True, "", None))
        assert db.session.get(Project, project.id).in_call is False  # type: ignore[union-attr]


def test_applying_keeps_the_candidate_once_and_subscribes_on_request(
    app: Flask, new_fabrique: NewFabrique, new_project: NewProject
) -> None:
    ref = new_fabrique()
    project = new_project(ref, in_call=True)
    with app.app_context():
        first = candidates.apply(fab(ref), project.id, APPLICATION)
        again = candidates.apply(
            fab(ref),
            project.id,
            dataclasses.replace(APPLICATION, message="Et une remorque.", follow=True),
            language="en",
        )
        assert first.id == again.id
        rows = list(db.session.scalars(select(Candidate)))
        assert len(rows) == 1
        assert (rows[0].source, rows[0].status, rows[0].message) == (
            "call",
            "received",
            "Et une remorque.",
        )
        assert rows[0].consented_at is not None
        follower = db.session.scalar(select(Follower))
        assert follower is not None
        assert (follower.email, follower.source, follower.language) == (
            "dominique@example.org",
            "call",
            "en",
        )
        # The history says a candidate came, never who.
        entries = events(project.id)
        assert [e.kind for e in entries] == ["candidate", "candidate_updated"]
        assert "dominique" not in repr([e.data for e in entries])


def test_no_application_to_a_project_out_of_the_call(
    app: Flask, new_fabrique: NewFabrique, new_project: NewProject
) -> None:
    ref = new_fabrique()
    out = new_project(ref, in_call=False)
    elsewhere = new_project(new_fabrique(), in_call=True)
    with app.app_context():
        for project_id in (out.id, elsewhere.id, 999_999):
            with pytest.raises(NotFound):
                candidates.apply(fab(ref), project_id, APPLICATION)
        assert db.session.scalar(select(Candidate)) is None


def test_statuses_notes_and_the_choice(
    app: Flask, new_fabrique: NewFabrique, new_project: NewProject
) -> None:
    ref = new_fabrique()
    project = new_project(ref, in_call=True)
    with app.app_context():
        applied = candidates.apply(fab(ref), project.id, APPLICATION)
        met = candidates.add_candidate(
            fab(ref),
            project.id,
            MetCandidate("Asso Roule", None, "06 12 34 56 78", "Roule ma poule", "Vue au forum"),
        )
        assert (met.source, met.status) == ("member", "met")
        candidates.change_candidate(
            fab(ref), project.id, applied.id, CandidateChange("met", "Très motivée")
        )
        holder = candidates.select_candidate(fab(ref), project.id, applied.id)
        assert (holder.name, holder.kind, holder.contact_email, holder.candidate_id) == (
            "Dominique",
            "person",
            "dominique@example.org",
            applied.id,
        )
        row = db.session.get(Project, project.id)
        assert row is not None and row.in_call is False  # the call for it is over
        assert db.session.get(Candidate, applied.id).status == "selected"  # type: ignore[union-attr]
        kinds = [e.kind for e in events(project.id)]
        assert kinds[-3:] == ["holder_added", "candidate_status", "call"]
        # Chosen once; the others set aside together.
        with pytest.raises(ValidationError):
            candidates.select_candidate(fab(ref), project.id, applied.id)
        with pytest.raises(ValidationError):
            candidates.change_candidate(
                fab(ref), project.id, applied.id, CandidateChange("received", "")
            )
        assert candidates.others_not_selected(fab(ref), project.id) == 1
        assert db.session.get(Candidate, met.id).status == "not_selected"  # type: ignore[union-attr]
        # A structure's representative makes the structure the holder.
        second = candidates.add_candidate(
            fab(ref), project.id, MetCandidate("Léa", "lea@example.org", None, "SCIC Bauges", "")
        )
        structure = candidates.select_candidate(fab(ref), project.id, second.id)
        assert (structure.name, structure.kind) == ("SCIC Bauges", "structure")
        assert "Léa" in structure.note
        assert len(list(db.session.scalars(select(ProjectHolder)))) == 2


def test_another_fabrique_never_reaches_a_candidate(
    app: Flask, new_fabrique: NewFabrique, new_project: NewProject
) -> None:
    mine, theirs = new_fabrique(), new_fabrique()
    project = new_project(mine, in_call=True)
    other_project = new_project(theirs, in_call=True)
    with app.app_context():
        candidate = candidates.apply(fab(mine), project.id, APPLICATION)
        attempts: list[Callable[[], Any]] = [
            lambda: candidates.candidates_of(fab(theirs), project.id),
            lambda: candidates.change_candidate(
                fab(theirs), project.id, candidate.id, CandidateChange("met", "")
            ),
            lambda: candidates.select_candidate(fab(theirs), project.id, candidate.id),
            # Its own project's id with another's candidate: still not found.
            lambda: candidates.select_candidate(fab(theirs), other_project.id, candidate.id),
            lambda: candidates.add_candidate(
                fab(theirs), project.id, MetCandidate("X", None, None, "", "")
            ),
            lambda: candidates.set_in_call(fab(theirs), project.id, CallSetting(False, "", None)),
            lambda: candidates.sync_volunteers(fab(theirs), project.id),
            lambda: candidates.others_not_selected(fab(theirs), project.id),
        ]
        for attempt in attempts:
            with pytest.raises(NotFound):
                attempt()
            db.session.rollback()
        assert db.session.get(Candidate, candidate.id).status == "received"  # type: ignore[union-attr]
        assert db.session.scalar(select(ProjectHolder)) is None


def test_volunteers_with_consent_become_candidates_once(
    app: Flask, new_fabrique: NewFabrique, new_project: NewProject
) -> None:
    ref = new_fabrique()
    project = new_project(
        ref,
        challenge_volunteers=[
            hold("Bruno", "bruno@example.org"),
            hold(None, consent=False),
            {
                "kind": "follow",
                "consent_contact": True,
                "contact": {"name": "F", "email": "f@example.org", "phone": None},
            },
        ],
        idea_volunteers=[
            [hold("Chloé", None, "06 00 00 00 00"), hold("Sans contact", None, None)],
            [hold("Bruno", "bruno@example.org")],  # the same person on an idea: another offer
        ],
    )
    with app.app_context():
        assert candidates.sync_volunteers(fab(ref), project.id) == 3
        assert candidates.sync_volunteers(fab(ref), project.id) == 0
        rows = list(db.session.scalars(select(Candidate).order_by(Candidate.id)))
        assert sorted((c.name, c.email, c.phone) for c in rows) == [
            ("Bruno", "bruno@example.org", None),
            ("Bruno", "bruno@example.org", None),
            ("Chloé", None, "06 00 00 00 00"),
        ]
        assert {c.source for c in rows} == {"volunteer"}
        assert all(c.source_ref and c.source_ref.startswith("volunteer:") for c in rows)
        assert len(events(project.id, "candidate")) == 3
        # A re-import that rewrites the rows with the same offers adds nobody; an offer
        # withdrawn takes its untouched candidate out, a met one stays.
        idea = db.session.get(PortfolioIdea, project.idea_ids[0])
        assert idea is not None
        chloe = next(c for c in rows if c.name == "Chloé")
        idea.volunteers = [hold("Sans contact", None, None)]
        bruno_on_idea = db.session.get(PortfolioIdea, project.idea_ids[1])
        assert bruno_on_idea is not None
        bruno_on_idea.volunteers = []
        met_bruno = next(c for c in rows if c.source_ref and project_ref_of(c, bruno_on_idea))
        met_bruno.status = "met"
        db.session.commit()
        assert candidates.sync_volunteers(fab(ref), project.id) == 0
        names = sorted(c.name for c in db.session.scalars(select(Candidate)))
        assert names == ["Bruno", "Bruno"]
        assert db.session.get(Candidate, chloe.id) is None


def project_ref_of(candidate: Candidate, idea: PortfolioIdea) -> bool:
    return bool(candidate.source_ref and idea.reference in candidate.source_ref)


@pytest.mark.parametrize("through", ["candidates", "the purge command's service"])
def test_purge_deletes_candidates_unchanged_for_a_year(
    app: Flask, new_fabrique: NewFabrique, new_project: NewProject, through: str
) -> None:
    ref = new_fabrique()
    project = new_project(ref, in_call=True)
    with app.app_context():
        old = candidates.apply(fab(ref), project.id, APPLICATION)
        fresh = candidates.apply(
            fab(ref), project.id, dataclasses.replace(APPLICATION, email="new@example.org")
        )
        db.session.execute(
            Candidate.__table__.update()
            .where(Candidate.id == old.id)
            .values(updated_at=utcnow() - dt.timedelta(days=366))
        )
        db.session.commit()
        if through == "candidates":
            assert candidates.purge_expired() == 1
        else:
            privacy.purge()
        assert [c.id for c in db.session.scalars(select(Candidate))] == [fresh.id]


def test_a_deleted_or_purged_volunteer_is_not_brought_back(
    app: Flask, new_fabrique: NewFabrique, new_project: NewProject
) -> None:
    ref = new_fabrique()
    project = new_project(
        ref,
        challenge_volunteers=[hold("Bruno", "bruno@example.org"), hold("Chloé", "c@example.org")],
    )
    with app.app_context():
        assert candidates.sync_volunteers(fab(ref), project.id) == 2
        bruno, chloe = sorted(db.session.scalars(select(Candidate)), key=lambda c: c.name)
        candidates.delete_candidate(fab(ref), project.id, bruno.id)
        assert db.session.get(Candidate, bruno.id) is None
        deleted = events(project.id, "candidate_deleted")[0].data
        assert "bruno" not in repr(deleted).lower()  # which offer, never who
        db.session.execute(
            Candidate.__table__.update()
            .where(Candidate.id == chloe.id)
            .values(updated_at=utcnow() - dt.timedelta(days=400))
        )
        db.session.commit()
        assert candidates.purge_expired() == 1
        assert candidates.sync_volunteers(fab(ref), project.id) == 0
        assert db.session.scalar(select(Candidate)) is None
        with pytest.raises(NotFound):
            candidates.delete_candidate(fab(new_fabrique()), project.id, chloe.id)


def test_the_call_page_brings_every_listed_projects_volunteers_in(
    app: Flask, new_fabrique: NewFabrique, new_project: NewProject
) -> None:
    ref = new_fabrique()
    listed = new_project(ref, challenge_volunteers=[hold("Bruno", "b@example.org")])
    early = new_project(
        ref, stage="to_study", challenge_volunteers=[hold("Chloé", "c@example.org")]
    )
    with app.app_context():
        assert candidates.sync_call_volunteers(fab(ref)) == 1
        assert candidates.sync_call_volunteers(fab(ref)) == 0
        lines = {line.project.id: line for line in candidates.call_overview(fab(ref))}
        assert lines[listed.id].counts == {"received": 1}
        assert early.id not in lines  # not looking for a holder yet: synced when opened
