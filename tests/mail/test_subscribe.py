"""followers.subscribe: idempotent per (project, address), the unsubscribe secret stored
hashed, an unsubscribed person subscribed again only by their own new request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.mail.conftest import FabriqueRef
from workshop.errors import NotFound, ValidationError
from workshop.extensions import db
from workshop.models import Follower, utcnow
from workshop.services import followers
from workshop.services.fabriques import hash_token


def test_subscribe_is_idempotent_and_stores_only_the_hash(
    app: Flask, new_fabrique: Callable[..., FabriqueRef], new_project: Callable[..., int]
) -> None:
    fab = new_fabrique()
    pid = new_project(fab.id)
    with app.app_context():
        first = followers.subscribe(fab.id, pid, " Alice@Example.org ", name="Alice")
        assert first is not None
        db.session.commit()
        again = followers.subscribe(fab.id, pid, "alice@example.org", language="en")
        db.session.commit()
        assert again is not None and again.id == first.id
        assert again.email == "alice@example.org"
        assert again.language == "en"
        assert again.name == "Alice"
        count = db.session.scalar(select(func.count()).select_from(Follower))
        assert count == 1
        token = followers.unsubscribe_token(again)
        assert token not in again.token_hash
        assert again.token_hash == hash_token(token)
        assert followers.follower_by_token(token) == again
        assert followers.follower_by_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


def test_subscribe_does_not_commit(
    app: Flask, new_fabrique: Callable[..., FabriqueRef], new_project: Callable[..., int]
) -> None:
    fab = new_fabrique()
    pid = new_project(fab.id)
    with app.app_context():
        followers.subscribe(fab.id, pid, "bob@example.org")
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Follower)) == 0


def test_unsubscribed_stays_out_unless_they_ask_again(
    app: Flask,
    new_fabrique: Callable[..., FabriqueRef],
    new_project: Callable[..., int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fab = new_fabrique()
    pid = new_project(fab.id)
    with app.app_context():
        follower = followers.subscribe(fab.id, pid, "carla@example.org", source="session")
        assert follower is not None
        old_token = followers.unsubscribe_token(follower)
        follower.unsubscribed_at = utcnow()
        db.session.commit()
        assert followers.subscribe(fab.id, pid, "carla@example.org", source="session") is None
        assert followers.subscribe(fab.id, pid, "carla@example.org", source="member") is None
        db.session.commit()
        kept = db.session.get(Follower, follower.id)
        assert kept is not None and kept.unsubscribed_at is not None
        later = utcnow() + dt.timedelta(minutes=5)
        monkeypatch.setattr(followers, "utcnow", lambda: later)
        back = followers.subscribe(fab.id, pid, "carla@example.org", source="call")
        db.session.commit()
        assert back is not None and back.id == follower.id
        assert back.unsubscribed_at is None
        # A new consent, a new link: the old one no longer finds them.
        assert followers.follower_by_token(old_token) is None
        assert followers.follower_by_token(followers.unsubscribe_token(back)) == back


def test_subscribe_refuses_other_fabriques_and_bad_addresses(
    app: Flask, new_fabrique: Callable[..., FabriqueRef], new_project: Callable[..., int]
) -> None:
    mine, other = new_fabrique(), new_fabrique()
    theirs = new_project(other.id)
    pid = new_project(mine.id)
    with app.app_context():
        with pytest.raises(NotFound):
            followers.subscribe(mine.id, theirs, "dan@example.org")
        db.session.rollback()
        with pytest.raises(ValidationError):
            followers.subscribe(mine.id, pid, "not an address")
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Follower)) == 0
