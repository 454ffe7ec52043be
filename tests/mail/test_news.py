"""What followers are told: followers from the sessions' offers, the history entries
turned into one mail per follower (never twice), what the email says and hides."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.mail.conftest import FabriqueRef
from workshop.extensions import db
from workshop.models import (
    Fabrique,
    Follower,
    OutboxMail,
    PortfolioChallenge,
    PortfolioIdea,
    PortfolioSession,
    ProjectEvent,
    utcnow,
)
from workshop.services import followers, mail
from workshop.services.portfolio import projects
from workshop.services.portfolio.projects import NewHolder


def offer(kind: str, email: str | None, *, consent: bool = True, name: str = "Léa") -> Any:
    contact = {"name": name, "email": email, "phone": None} if consent else None
    return {"kind": kind, "consent_contact": consent, "contact": contact}


def imported(
    app: Flask,
    fabrique_id: int,
    project_id: int,
    *,
    challenge_offers: list[Any],
    idea_offers: list[Any],
    language: str = "fr",
) -> None:
    """A session with one défi (the project's) and one idea of the project."""
    with app.app_context():
        session = PortfolioSession(
            fabrique_id=fabrique_id,
            workshop_uid=f"uid{project_id:029d}",
            language=language,
            schema_version="1.2",
            exported_at=utcnow(),
            digest="0" * 64,
        )
        db.session.add(session)
        db.session.flush()
        challenge = PortfolioChallenge(
            session_id=session.id,
            reference=f"{session.workshop_uid}/challenge/1",
            volunteers=challenge_offers,
        )
        db.session.add(challenge)
        db.session.flush()
        db.session.add(
            PortfolioIdea(
                fabrique_id=fabrique_id,
                session_id=session.id,
                challenge_id=challenge.id,
                reference=f"{session.workshop_uid}/idea/7",
                volunteers=idea_offers,
                project_id=project_id,
            )
        )
        from workshop.models import Project

        project = db.session.get(Project, project_id)
        assert project is not None
        project.challenge_id = challenge.id
        db.session.commit()


def all_followers(app: Flask) -> list[tuple[int, str, str, str | None, str]]:
    with app.app_context():
        return [
            (f.project_id, f.email, f.source, f.source_ref, f.language)
            for f in db.session.scalars(select(Follower).order_by(Follower.email))
        ]


def test_followers_come_from_the_consented_follow_offers_once(
    app: Flask, new_fabrique: Callable[..., FabriqueRef], new_project: Callable[..., int]
) -> None:
    fab, other = new_fabrique(), new_fabrique()
    pid = new_project(fab.id)
    theirs = new_project(other.id)
    imported(
        app,
        fab.id,
        pid,
        challenge_offers=[
            offer("follow", "Ana@Example.org"),
            offer("follow", "nobody@example.org", consent=False),
            offer("hold", "holder@example.org"),
            offer("follow", "not an address"),
        ],
        idea_offers=[offer("follow", "ana@example.org"), offer("follow", "ben@example.org")],
        language="en",
    )
    imported(
        app, other.id, theirs, challenge_offers=[offer("follow", "zoe@example.org")], idea_offers=[]
    )
    with app.app_context():
        assert followers.sync_from_sessions(fab.id) == 2
        db.session.commit()
        assert followers.sync_from_sessions(fab.id) == 0
    rows = all_followers(app)
    assert [(r[1], r[2], r[4]) for r in rows] == [
        ("ana@example.org", "session", "en"),
        ("ben@example.org", "session", "en"),
    ]
    assert rows[0][3] is not None and rows[0][3].endswith("/challenge/1")
    assert all(r[0] == pid for r in rows)  # the other Fabrique's offers were left alone


def test_sessions_do_not_subscribe_again_who_left(
    app: Flask, new_fabrique: Callable[..., FabriqueRef], new_project: Callable[..., int]
) -> None:
    fab = new_fabrique()
    pid = new_project(fab.id)
    imported(
        app, fab.id, pid, challenge_offers=[offer("follow", "ana@example.org")], idea_offers=[]
    )
    with app.app_context():
        followers.sync_all()
        db.session.commit()
        follower = db.session.scalars(select(Follower)).one()
        assert followers.unsubscribe(followers.unsubscribe_token(follower)) is not None
        assert followers.sync_all() == 0
        db.session.commit()
        assert db.session.scalars(select(Follower)).one().unsubscribed_at is not None


def _follow(app: Flask, fab: FabriqueRef, pid: int, *emails: str, language: str = "fr") -> None:
    with app.app_context():
        for email in emails:
            followers.subscribe(fab.id, pid, email, source="box", language=language)
        db.session.commit()


def _outbox(app: Flask) -> list[OutboxMail]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))
        db.session.expunge_all()
        return rows


def _fabrique(fab: FabriqueRef) -> Fabrique:
    fabrique = db.session.get(Fabrique, fab.id)
    assert fabrique is not None
    return fabrique


def test_a_stage_change_queues_one_mail_per_active_follower_and_never_twice(
    app: Flask, new_fabrique: Callable[..., FabriqueRef], new_project: Callable[..., int]
) -> None:
    fab = new_fabrique()
    pid = new_project(fab.id, title="Ressourcerie")
    _follow(app, fab, pid, "a@example.org", "b@example.org", "c@example.org")
    with app.app_context():
        gone = db.session.scalars(select(Follower).where(Follower.email == "c@example.org")).one()
        followers.unsubscribe(followers.unsubscribe_token(gone))
        projects.record(projects.project_in(fab.id, pid), "note", {"text": "Appelé la mairie"})
        projects.set_stage(_fabrique(fab), pid, "opportunity_study")
        db.session.commit()
        assert followers.queue_news() == 2
        assert followers.queue_news() == 0
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(ProjectEvent)
                .where(ProjectEvent.notified_at.is_(None))
            )
            == 0
        )
    rows = _outbox(app)
    assert sorted(row.to for row in rows) == ["a@example.org", "b@example.org"]
    assert {row.dedupe_key.partition(":follower:")[0] for row in rows} == {
        rows[0].dedupe_key.partition(":follower:")[0]
    }
    assert {row.subject for row in rows} == {
        "« Ressourcerie » : nouvelle étape, « Étude d'opportunité »"
    }
    assert all(
        "[[unsubscribe_url]]" in row.body and "/desabonnement/" not in row.body for row in rows
    )
    assert rows[0].headers == {
        "List-Unsubscribe": "<[[unsubscribe_url]]>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def test_news_already_queued_is_not_queued_again_and_does_not_block(
    app: Flask, new_fabrique: Callable[..., FabriqueRef], new_project: Callable[..., int]
) -> None:
    fab = new_fabrique()
    pid = new_project(fab.id)
    _follow(app, fab, pid, "a@example.org")
    with app.app_context():
        projects.set_stage(_fabrique(fab), pid, "launching")
        db.session.commit()
        event = db.session.scalars(select(ProjectEvent)).one()
        follower = db.session.scalars(select(Follower)).one()
        # As if another worker had queued it and crashed before marking the entry.
        mail.queue(
            dedupe_key=f"event:{event.id}:follower:{follower.id}",
            to="a@example.org",
            subject="s",
            body="b",
        )
        db.session.commit()
        assert followers.queue_news() == 0
        assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 1
        assert db.session.get(ProjectEvent, event.id).notified_at is not None  # type: ignore[union-attr]


def test_a_correction_within_the_delay_makes_no_mail(
    app: Flask, new_fabrique: Callable[..., FabriqueRef], new_project: Callable[..., int]
) -> None:
    app.config["MAIL_NEWS_DELAY_SECONDS"] = 60
    fab = new_fabrique()
    pid = new_project(fab.id)
    _follow(app, fab, pid, "a@example.org")
    with app.app_context():
        projects.set_stage(_fabrique(fab), pid, "launched")
        db.session.commit()
        assert followers.queue_news() == 0  # still settling
        projects.set_stage(_fabrique(fab), pid, "to_study")
        db.session.commit()
        assert followers.queue_news(now=utcnow() + dt.timedelta(minutes=2)) == 0
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(ProjectEvent)
                .where(ProjectEvent.notified_at.is_(None))
            )
            == 0
        )


def test_old_history_is_never_mailed(
    app: Flask, new_fabrique: Callable[..., FabriqueRef], new_project: Callable[..., int]
) -> None:
    fab = new_fabrique()
    pid = new_project(fab.id)
    _follow(app, fab, pid, "a@example.org")
    with app.app_context():
        projects.set_stage(_fabrique(fab), pid, "launched")
        db.session.commit()
        assert followers.queue_news(now=utcnow() + dt.timedelta(days=30)) == 0
    assert _outbox(app) == []


def test_a_dropped_project_says_why_and_a_person_holder_stays_unnamed(
    app: Flask, new_fabrique: Callable[..., FabriqueRef], new_project: Callable[..., int]
) -> None:
    fab = new_fabrique()
    dropped = new_project(fab.id, title="Cantine")
    carried = new_project(fab.id, title="Garage solidaire", published=True)
    _follow(app, fab, dropped, "a@example.org")
    _follow(app, fab, carried, "a@example.org", language="en")
    with app.app_context():
        projects.set_stage(_fabrique(fab), dropped, "abandoned", reason="Pas de local")
        projects.add_holder(
            _fabrique(fab),
            carried,
            NewHolder(
                name="Jeanne Martin", contact_email="jeanne@example.org", contact_phone="0601"
            ),
        )
        projects.add_holder(
            _fabrique(fab), carried, NewHolder(name="Asso Roue Libre", kind="structure")
        )
        db.session.commit()
        assert followers.queue_news() == 2
    by_subject = {row.subject: row.body for row in _outbox(app)}
    dropped_body = by_subject["« Cantine » : le projet est abandonné"]
    assert "Le projet est abandonné. Raison donnée : Pas de local" in dropped_body
    assert "/carnet" not in dropped_body  # not published
    carried_body = by_subject["« Garage solidaire » has found a holder"]
    assert "It has a new holder: Asso Roue Libre." in carried_body
    assert "Someone has committed to carry it." in carried_body
    assert (
        "Jeanne" not in carried_body
        and "jeanne@" not in carried_body
        and "0601" not in carried_body
    )
    assert "/p/" in carried_body and "/carnet" in carried_body


def test_an_import_that_moves_the_stage_is_news(
    app: Flask, new_fabrique: Callable[..., FabriqueRef], new_project: Callable[..., int]
) -> None:
    fab = new_fabrique()
    pid = new_project(fab.id, title="Épicerie")
    _follow(app, fab, pid, "a@example.org")
    with app.app_context():
        project = projects.project_in(fab.id, pid)
        projects.record(
            project,
            "imported",
            {
                "changes": {
                    "stage": {"from": "to_study", "to": "holder_search"},
                    "title": {"from": "x", "to": "y"},
                }
            },
            by_label="import",
        )
        projects.record(project, "imported", {"changes": {"title": {"from": "y", "to": "z"}}})
        db.session.commit()
        assert followers.queue_news() == 1
    assert "Recherche de porteur" in _outbox(app)[0].subject


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        (
            [("stage_changed", {"from": "to_study", "to": "launched", "reason": ""})],
            ("to_study", "launched", ()),
        ),
        (
            [
                ("stage_changed", {"from": "to_study", "to": "launching"}),
                ("stage_changed", {"from": "launching", "to": "to_study"}),
            ],
            (None, None, ()),
        ),
        (
            [
                ("holder_added", {"holder_id": 1, "name": "Léa", "kind": "person"}),
                ("holder_added", {"holder_id": 2, "name": "SCIC", "kind": "structure"}),
                ("holder_removed", {"holder_id": 1, "name": "Léa", "kind": "person"}),
            ],
            (None, None, ("SCIC",)),
        ),
        ([("stage_changed", {"from": "to_study", "to": "nonsense"})], (None, None, ())),
    ],
)
def test_news_of_sums_up_a_few_entries(
    events: list[tuple[str, dict[str, Any]]], expected: tuple[Any, ...]
) -> None:
    news = followers.news_of([ProjectEvent(kind=kind, data=data) for kind, data in events])
    assert (news.stage_from, news.stage_to, news.holders) == expected
    assert bool(news) == (expected[1] is not None or bool(expected[2]))


def test_followers_of_a_project_merged_into_another_hear_of_it_once(
    app: Flask, new_fabrique: Callable[..., FabriqueRef], new_project: Callable[..., int]
) -> None:
    fab = new_fabrique()
    kept = new_project(fab.id, title="Mobilité rurale")
    merged = new_project(fab.id, title="Covoiturage", merged_into_id=kept)
    _follow(app, fab, merged, "a@example.org", "b@example.org")
    with app.app_context():
        projects.set_stage(_fabrique(fab), kept, "holder_search")
        db.session.commit()
        assert followers.queue_news() == 2  # followed only through the merged project
    _follow(app, fab, kept, "a@example.org")
    with app.app_context():
        projects.set_stage(_fabrique(fab), kept, "launching")
        db.session.commit()
        assert followers.queue_news() == 2  # a@ follows both: one mail
    assert sorted(row.to for row in _outbox(app)) == [
        "a@example.org",
        "a@example.org",
        "b@example.org",
        "b@example.org",
    ]


def test_a_withdrawn_offer_takes_its_follower_and_emails_away(
    app: Flask, new_fabrique: Callable[..., FabriqueRef], new_project: Callable[..., int]
) -> None:
    fab = new_fabrique()
    pid = new_project(fab.id)
    imported(
        app,
        fab.id,
        pid,
        challenge_offers=[
            offer("follow", "ana@example.org"),
            offer("follow", "ben@example.org"),
            offer("follow", "cid@example.org"),
        ],
        idea_offers=[],
    )
    _follow(app, fab, pid, "dan@example.org")  # from an idea box: not the session's
    with app.app_context():
        assert followers.sync_all() == 3
        db.session.commit()
        # Ben asks again himself, on the call for holders: his own request now.
        followers.subscribe(fab.id, pid, "ben@example.org", source="call")
        projects.set_stage(_fabrique(fab), pid, "launching")
        db.session.commit()
        assert followers.queue_news() == 4
        # The newest export no longer holds their offers (consent withdrawn, erased).
        db.session.scalars(select(PortfolioChallenge)).one().volunteers = [
            offer("follow", "cid@example.org")
        ]
        db.session.commit()
        followers.sync_all()
        db.session.commit()
    assert [row[1] for row in all_followers(app)] == [
        "ben@example.org",
        "cid@example.org",
        "dan@example.org",
    ]
    assert sorted(row.to for row in _outbox(app)) == [
        "ben@example.org",
        "cid@example.org",
        "dan@example.org",
    ]
