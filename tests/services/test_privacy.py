"""services.privacy: a participant's erasure reaching every copy, the retention purge and
the compaction of closed workshops' event logs, a workshop's deletion; and the
redaction rule (no replay across a change that hides what earlier facts showed)."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.factories import (
    cast,
    make_facilitator,
    make_idea,
    make_participant,
    make_vote_workshop,
    make_workshop,
    recorded,
)
from workshop.errors import Forbidden, NotFound, WorkshopError
from workshop.extensions import db
from workshop.models import Event, Idea, IdeaStatus, Participant, Volunteer, Vote, Workshop
from workshop.schemas import (
    NewIdea,
    PrivacySettings,
    Role,
    SettingsChange,
    TargetRef,
    VolunteerOffer,
)
from workshop.services import agenda, event_log, ideas, privacy, snapshot, volunteers, workshops

CONTACT = {"contact_name": "Théo Martin", "contact_email": "theo@example.org"}


def offer(idea_id: int, kind: str = "hold", **contact: str) -> VolunteerOffer:
    return VolunteerOffer(
        target=TargetRef("idea", idea_id), kind=kind, consent_contact=bool(contact), **contact
    )


def settings(**overrides: object) -> PrivacySettings:
    values: dict[str, object] = {
        "organiser": "",
        "organiser_contact": "",
        "recipient": "",
        "retention_days": None,
        "erasure_keeps_ideas": True,
    }
    values.update(overrides)
    return PrivacySettings(**values)  # type: ignore[arg-type]


def test_an_erasure_takes_pseudonym_profile_offers_and_contacts_and_keeps_ideas_anonymous(
    app: Flask,
) -> None:
    with app.app_context():
        workshop = make_workshop()
        theo = make_participant(workshop, display_name="Théo")
        mine = make_idea(workshop, theo, title="Un jardin partagé")
        volunteers.offer_help(workshop.id, theo.id, offer(mine.id, **CONTACT))
        erasure = privacy.erase_participant(workshop.id, theo.id)
        assert (erasure.offers, erasure.ideas_kept, erasure.ideas_deleted) == (1, 1, 0)
        person = db.session.get(Participant, theo.id)
        assert person.erased_at is not None
        assert (person.display_name, person.profile) == ("", "")
        idea = db.session.get(Idea, mine.id)
        assert idea.title == "Un jardin partagé" and idea.participant_id is None
        assert db.session.scalar(select(func.count()).select_from(Volunteer)) == 0
        # Nothing before the erasure can be replayed any more; a snapshot instead.
        assert workshop.redacted_seq > 0
        names = [name for _seq, name in recorded(workshop.id)]
        assert names[-1] == "participant_erased" and "participant_joined" not in names
        assert event_log.replay(workshop.id, 0, Role.FACILITATOR) is None
        host = snapshot.build_state(workshop, Role.FACILITATOR)
        assert "Théo" not in repr(host) and "theo@example.org" not in repr(host)
        assert host["participants"] == []


def test_erased_participants_can_do_nothing_more(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        theo = make_participant(workshop)
        idea = make_idea(workshop)
        privacy.erase_participant(workshop.id, theo.id)
        refused = [
            lambda: ideas.post_idea(
                workshop.id, theo.id, NewIdea(client_id="c-after", title="Again")
            ),
            lambda: volunteers.offer_help(workshop.id, theo.id, offer(idea.id)),
        ]
        for attempt in refused:
            with pytest.raises(NotFound):
                attempt()
    assert privacy.erase_participant  # a second erasure is checked below


def test_an_erased_participant_votes_no_more_but_their_dots_still_count(app: Flask) -> None:
    with app.app_context():
        workshop, [idea, *_rest] = make_vote_workshop()
        voter = make_participant(workshop)
        cast(workshop, voter, idea, 1)
        privacy.erase_participant(workshop.id, voter.id)
        total = db.session.scalar(select(func.sum(Vote.count)).where(Vote.idea_id == idea.id))
        assert total == 1
        with pytest.raises(WorkshopError) as refused:
            cast(workshop, voter, idea, 1)
        assert refused.value.code == "not_found"


def test_the_workshop_can_say_ideas_go_with_their_author(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        privacy.update_settings(workshop.id, workshop.owner, settings(erasure_keeps_ideas=False))
        theo = make_participant(workshop)
        mine = make_idea(workshop, theo, title="Une recyclerie", description="Secret plan")
        erasure = privacy.erase_participant(workshop.id, theo.id)
        assert (erasure.ideas_kept, erasure.ideas_deleted) == (0, 1)
        idea = db.session.get(Idea, mine.id)
        assert idea.status == IdeaStatus.WITHDRAWN
        assert (idea.title, idea.description, idea.need, idea.participant_id) == ("", "", "", None)
        assert "Une recyclerie" not in repr(snapshot.build_state(workshop, Role.FACILITATOR))


def test_a_withdrawn_idea_keeps_no_text_and_no_replay_shows_it(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        theo = make_participant(workshop)
        before = workshop.seq
        mine = make_idea(workshop, theo, title="Oups", description="mon adresse perso")
        ideas.withdraw_idea(workshop.id, theo.id, mine.id)
        idea = db.session.get(Idea, mine.id)
        assert (idea.title, idea.description) == ("", "")
        assert event_log.replay(workshop.id, before, Role.PARTICIPANT) is None
        stored = db.session.scalars(select(Event.data).where(Event.workshop_id == workshop.id))
        assert "mon adresse perso" not in repr(list(stored))


def test_hiding_authors_redacts_the_facts_that_named_them(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        before = workshop.seq
        make_idea(workshop, make_participant(workshop, display_name="Zoé"))
        assert event_log.replay(workshop.id, before, Role.PARTICIPANT) is not None
        workshops.update_settings(workshop.id, workshop.owner, SettingsChange(anonymous=True))
        assert event_log.replay(workshop.id, before, Role.PARTICIPANT) is None
        stored = db.session.scalars(select(Event.data).where(Event.workshop_id == workshop.id))
        assert "Zoé" not in repr(list(stored))


def test_only_facilitators_of_the_workshop_erase_someone(app: Flask) -> None:
    with app.app_context():
        workshop, other = make_workshop(), make_workshop()
        theo = make_participant(workshop, display_name="Théo")
        with pytest.raises(Forbidden):
            privacy.erase_participant(workshop.id, theo.id, other.owner)
        with pytest.raises(WorkshopError):
            privacy.erase_participant(other.id, theo.id, other.owner)  # not of that one
        assert db.session.get(Participant, theo.id).display_name == "Théo"
        co = make_facilitator()
        workshop.facilitators.append(co)
        db.session.commit()
        privacy.erase_participant(workshop.id, theo.id, co)
        assert db.session.get(Participant, theo.id).erased_at is not None
        seq = db.session.get(Workshop, workshop.id).seq
        privacy.erase_participant(workshop.id, theo.id, co)  # again: nothing more
        assert db.session.get(Workshop, workshop.id).seq == seq


def test_an_erasure_works_once_the_workshop_is_closed(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        theo = make_participant(workshop, display_name="Théo")
        agenda.close_workshop(workshop.id, workshop.owner)
        privacy.erase_participant(workshop.id, theo.id)
        assert db.session.get(Participant, theo.id).display_name == ""


def _close_days_ago(workshop: Workshop, days: int) -> None:
    agenda.close_workshop(workshop.id, workshop.owner)
    workshop.closed_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    db.session.commit()


def test_the_purge_compacts_event_logs_then_erases_personal_data(app: Flask) -> None:
    with app.app_context():
        recent, old, open_one = make_workshop(), make_workshop(), make_workshop()
        for workshop in (recent, old, open_one):
            person = make_participant(workshop, display_name="Zoé")
            idea = make_idea(workshop, person, title="Des bancs")
            volunteers.offer_help(workshop.id, person.id, offer(idea.id, **CONTACT))
        _close_days_ago(recent, 10)  # past EVENT_LOG_DAYS (7), within RETENTION_DAYS
        _close_days_ago(old, 400)  # past both
        dry = privacy.purge(dry_run=True)
        assert {item.workshop_id: item.actions for item in dry} == {
            recent.id: ["event_log"],
            old.id: ["event_log", "personal_data"],
        }
        assert db.session.scalar(select(func.count()).select_from(Event)) > 0
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Participant)
                .where(Participant.erased_at.is_not(None))
            )
            == 0
        )
        done = privacy.purge()
        assert [item.workshop_id for item in done] == [recent.id, old.id]
        logs = dict(
            db.session.execute(
                select(Event.workshop_id, func.count()).group_by(Event.workshop_id)
            ).all()
        )
        assert recent.id not in logs and old.id not in logs and logs[open_one.id] > 0
        people = {p.workshop_id: p for p in db.session.scalars(select(Participant))}
        assert people[old.id].display_name == "" and people[recent.id].display_name == "Zoé"
        assert people[open_one.id].display_name == "Zoé"
        offers = {v.workshop_id: v for v in db.session.scalars(select(Volunteer))}
        assert old.id not in offers  # the offers went with the people who made them
        assert offers[recent.id].contact_email == "theo@example.org"
        kept = db.session.scalar(select(Idea).where(Idea.workshop_id == old.id))
        assert kept.title == "Des bancs" and kept.participant_id is None
        assert privacy.purge() == []  # nothing left to do


def test_a_workshop_sets_its_own_retention(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        make_participant(workshop, display_name="Zoé")
        privacy.update_settings(workshop.id, workshop.owner, settings(retention_days=30))
        _close_days_ago(workshop, 31)
        [item] = privacy.purge()
        assert "personal_data" in item.actions
        assert db.session.scalar(select(Participant.display_name)) == ""


def test_facilitators_delete_a_whole_workshop(app: Flask) -> None:
    with app.app_context():
        workshop, other = make_workshop(), make_workshop()
        make_idea(workshop, make_participant(workshop))
        with pytest.raises(Forbidden):
            privacy.delete_workshop(workshop.id, other.owner)
        workshop_id = workshop.id
        privacy.delete_workshop(workshop_id, workshop.owner)
        db.session.expire_all()
        assert db.session.get(Workshop, workshop_id) is None
        for model in (Participant, Idea, Event):
            assert (
                db.session.scalar(
                    select(func.count()).select_from(model).where(model.workshop_id == workshop_id)
                )
                == 0
            )
        with pytest.raises(NotFound):
            privacy.delete_workshop(workshop_id, workshop.owner)
