"""services.accounts and services.demo: facilitator accounts, the demo workshop."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_facilitator
from workshop.errors import AlreadySetUp, BadCredentials, EmailTaken
from workshop.extensions import db
from workshop.models import Idea, IdeaStatus, Participant, WorkshopStatus
from workshop.phases import PhaseKind
from workshop.schemas import NewFacilitator, serialize_timer
from workshop.services import accounts, demo, votes


def test_first_account_then_no_more_set_up(app: Flask) -> None:
    with app.app_context():
        assert not accounts.has_facilitators()
        first = accounts.create_facilitator(
            NewFacilitator(email="anne@example.org", name="Anne", password=PASSWORD), first=True
        )
        assert accounts.has_facilitators()
        assert first.password_hash != PASSWORD and PASSWORD not in first.password_hash
        with pytest.raises(AlreadySetUp):
            accounts.create_facilitator(
                NewFacilitator(email="bob@example.org", name="Bob", password=PASSWORD), first=True
            )


def test_emails_are_unique(app: Flask) -> None:
    with app.app_context():
        make_facilitator(email="anne@example.org")
        with pytest.raises(EmailTaken):
            make_facilitator(email="anne@example.org")


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("anne@example.org", "wrong password!"),
        ("nobody@example.org", PASSWORD),
    ],
)
def test_authenticate(app: Flask, email: str, password: str) -> None:
    with app.app_context():
        anne = make_facilitator(email="anne@example.org")
        assert accounts.authenticate("anne@example.org", PASSWORD).id == anne.id
        with pytest.raises(BadCredentials):
            accounts.authenticate(email, password)


def test_demo_creates_a_live_workshop(app: Flask) -> None:
    with app.app_context():
        result = demo.create_demo()
        workshop = result.workshop
        assert result.password and result.facilitator.email == demo.DEMO_EMAIL
        assert workshop.status == WorkshopStatus.OPEN
        assert workshop.current_phase.kind == PhaseKind.RESULTS
        assert serialize_timer(workshop)["state"] == "running"
        # A finished vote: frozen, every ballot counted, the ranking kept.
        vote_phase = next(p for p in workshop.phases if p.kind == PhaseKind.VOTE)
        assert vote_phase.frozen_at is not None
        assert votes.totals(vote_phase) == {
            "voters": len(demo.BALLOTS),
            "votes_cast": sum(len(ballot) for ballot in demo.BALLOTS),
        }
        ranking = vote_phase.frozen_ranking
        assert ranking[0]["title"] == demo.IDEAS[0][1] and ranking[0]["rank"] == 1
        assert ranking[1]["rank"] == ranking[2]["rank"] == 2  # a tie for second place
        participants = db.session.scalar(select(func.count()).select_from(Participant))
        visible = db.session.scalar(
            select(func.count()).select_from(Idea).where(Idea.status == IdeaStatus.VISIBLE)
        )
        assert (participants, visible) == (len(demo.PARTICIPANTS), len(demo.IDEAS))
        # A second demo reuses the first account instead of creating another.
        again = demo.create_demo()
        assert again.password is None and again.facilitator.id == result.facilitator.id


def test_demo_for_a_given_owner(app: Flask) -> None:
    with app.app_context():
        owner = make_facilitator(email="anne@example.org")
        assert demo.create_demo("anne@example.org").facilitator.id == owner.id
        with pytest.raises(LookupError):
            demo.create_demo("nobody@example.org")


# ------------------------------------------------------------------ sessions and passwords


def test_a_missing_account_costs_a_password_check_too(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []

    def spy(pwhash: str, password: str) -> bool:
        checked.append(password)
        return False

    monkeypatch.setattr(accounts, "check_password_hash", spy)
    with app.app_context(), pytest.raises(BadCredentials):
        accounts.authenticate("nobody@example.org", "a-guess-at-it")
    assert checked == ["a-guess-at-it"]


def test_ending_sessions_refuses_the_old_session_id(app: Flask) -> None:
    with app.app_context():
        anne = make_facilitator()
        old = anne.get_id()
        assert accounts.session_facilitator(old) is anne
        assert accounts.session_facilitator(f"{old}:any-nonce") is anne
        accounts.end_sessions(anne)
        assert accounts.session_facilitator(old) is None
        assert accounts.session_facilitator(anne.get_id()) is anne
        for junk in ("", str(anne.id), "x:0", f"{anne.id}:x", "999:0"):
            assert accounts.session_facilitator(junk) is None


def test_change_password_checks_the_current_one_and_ends_sessions(app: Flask) -> None:
    new = "another-long-passphrase"
    with app.app_context():
        anne = make_facilitator()
        old = anne.get_id()
        with pytest.raises(BadCredentials):
            accounts.change_password(anne, "not-the-password", new)
        assert accounts.session_facilitator(old) is anne
        accounts.change_password(anne, PASSWORD, new)
        assert accounts.session_facilitator(old) is None
        assert accounts.authenticate(anne.email, new) is anne
        with pytest.raises(BadCredentials):
            accounts.authenticate(anne.email, PASSWORD)


def test_setup_token(app: Flask) -> None:
    with app.app_context():
        token = accounts.setup_token()
        assert len(token) == 32 and token == accounts.setup_token()
        assert accounts.setup_token_matches(token)
        for wrong in (None, "", token[:-1], token.upper(), 42):
            assert not accounts.setup_token_matches(wrong)
