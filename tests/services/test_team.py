"""services.team: inviting to a workshop's team or to an account, accepting with a new or
an existing account, links that expired, were used or withdrawn, removing members (the
owner stays), who may do what, and the purge of dead invitations."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash

from tests.factories import PASSWORD, make_facilitator, make_workshop
from workshop.errors import EmailTaken, Forbidden, NotFound, ValidationError
from workshop.extensions import db
from workshop.models import Facilitator, Invitation, Workshop, utcnow
from workshop.schemas import parse_email
from workshop.services import privacy, team, workshops


def _count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _age(invitation: Invitation, days: float) -> None:
    """Move an invitation's expiry ``days`` into the past."""
    invitation.expires_at = utcnow() - dt.timedelta(days=days)
    db.session.commit()


def test_a_new_account_joins_the_team_through_its_link(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        owner = workshop.owner
        issued = team.invite_to_team(workshop.id, owner, "zoe@example.org")
        stored = issued.invitation
        # Only the SHA-256 of the secret is kept; the link works for INVITATION_DAYS.
        assert issued.secret not in stored.token_hash
        assert stored.token_hash == team.hash_token(issued.secret)
        assert len(issued.secret) >= 43
        remaining = stored.expires_at - utcnow()
        assert dt.timedelta(days=6, hours=23) < remaining <= dt.timedelta(days=7)
        assert team.state_of(stored) is team.State.PENDING

        zoe = team.accept_with_new_account(issued.secret, "Zoé", PASSWORD)
        assert (zoe.email, zoe.name) == ("zoe@example.org", "Zoé")
        assert check_password_hash(zoe.password_hash, PASSWORD)
        db.session.refresh(workshop)
        assert {f.id for f in workshop.facilitators} == {owner.id, zoe.id}
        assert workshop in workshops.workshops_of(zoe)  # on her dashboard
        # The invitation keeps no address now, only who invited whom and when.
        db.session.refresh(stored)
        assert stored.email == "" and stored.accepted_by_id == zoe.id
        assert stored.created_account and team.state_of(stored) is team.State.ACCEPTED
        [first, second] = team.team_of(workshop)
        assert first.owner and first.facilitator.id == owner.id
        assert first.joined_at == workshop.created_at
        assert not second.owner and second.facilitator.id == zoe.id
        assert second.invited_by is not None and second.invited_by.id == owner.id
        assert second.joined_at == stored.accepted_at and second.created_account


def test_an_existing_account_joins_once_signed_in(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        bob = make_facilitator(email="bob@example.org")
        issued = team.invite_to_team(workshop.id, workshop.owner, "bob@example.org")
        before = _count(Facilitator)
        # The link does not create a second account for an address that has one.
        with pytest.raises(EmailTaken):
            team.accept_with_new_account(issued.secret, "Bob bis", PASSWORD)
        assert team.state_of(team.find(issued.secret)) is team.State.PENDING
        # Someone else's account may not use it.
        with pytest.raises(Forbidden):
            team.accept_as(issued.secret, make_facilitator())
        team.accept_as(issued.secret, bob)
        assert _count(Facilitator) == before + 1  # the intruder made above, nobody else
        assert bob in db.session.get(Workshop, workshop.id).facilitators  # type: ignore[union-attr]
        record = team.find(issued.secret)
        assert record.accepted_by_id == bob.id and not record.created_account


def test_a_link_works_once(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        issued = team.invite_to_team(workshop.id, workshop.owner, "zoe@example.org")
        zoe = team.accept_with_new_account(issued.secret, "Zoé", PASSWORD)
        for attempt in (
            lambda: team.accept_with_new_account(issued.secret, "Again", PASSWORD),
            lambda: team.accept_as(issued.secret, zoe),
        ):
            with pytest.raises(NotFound) as caught:
                attempt()
            assert caught.value.details["reason"] == "accepted"


def test_an_expired_link_is_refused_and_purged(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        issued = team.invite_to_team(workshop.id, workshop.owner, "zoe@example.org")
        _age(issued.invitation, 0.001)
        with pytest.raises(NotFound) as caught:
            team.accept_with_new_account(issued.secret, "Zoé", PASSWORD)
        assert caught.value.details["reason"] == "expired"
        assert "a expiré" in str(caught.value.message)
        zoe = select(Facilitator).where(Facilitator.email == "zoe@example.org")
        assert db.session.scalar(zoe) is None
        # Listed as expired until the purge deletes it, address included.
        assert [i.email for i in team.pending_of(workshop)] == ["zoe@example.org"]
        assert privacy.purge(dry_run=True) == []
        assert _count(Invitation) == 1
        privacy.purge()
        assert _count(Invitation) == 0
        with pytest.raises(NotFound) as caught:
            team.usable(issued.secret)
        assert caught.value.details["reason"] == "unknown"


def test_a_withdrawn_link_is_refused(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        co = make_facilitator()
        workshop.facilitators.append(co)
        db.session.commit()
        issued = team.invite_to_team(workshop.id, workshop.owner, "zoe@example.org")
        # Any member of the team may withdraw it; its address is erased at once.
        team.revoke(workshop.id, co, issued.invitation.id)
        record = team.find(issued.secret)
        assert record.email == "" and team.state_of(record) is team.State.REVOKED
        assert team.pending_of(workshop) == []
        with pytest.raises(NotFound) as caught:
            team.accept_with_new_account(issued.secret, "Zoé", PASSWORD)
        assert caught.value.details["reason"] == "revoked"
        with pytest.raises(NotFound):  # twice: nothing pending any more
            team.revoke(workshop.id, co, issued.invitation.id)
        team.purge_invitations()
        db.session.commit()
        assert _count(Invitation) == 0


def test_inviting_again_replaces_the_pending_link(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        first = team.invite_to_team(workshop.id, workshop.owner, "zoe@example.org")
        second = team.invite_to_team(workshop.id, workshop.owner, "zoe@example.org")
        with pytest.raises(NotFound):
            team.usable(first.secret)
        assert team.usable(second.secret).email == "zoe@example.org"
        assert len(team.pending_of(workshop)) == 1


def test_who_may_invite_and_whom(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        stranger = make_facilitator()
        with pytest.raises(Forbidden):
            team.invite_to_team(workshop.id, stranger, "zoe@example.org")
        with pytest.raises(NotFound):
            team.invite_to_team(workshop.id + 1000, workshop.owner, "zoe@example.org")
        with pytest.raises(ValidationError) as caught:
            team.invite_to_team(workshop.id, workshop.owner, workshop.owner.email)
        assert caught.value.details == {"field": "email", "reason": "already_member"}
        assert _count(Invitation) == 0
        # A stranger may not withdraw the team's invitations either.
        issued = team.invite_to_team(workshop.id, workshop.owner, "zoe@example.org")
        with pytest.raises(Forbidden):
            team.revoke(workshop.id, stranger, issued.invitation.id)
        with pytest.raises(NotFound):  # nor as if it were one of their account invitations
            team.revoke(None, stranger, issued.invitation.id)
        assert team.state_of(team.find(issued.secret)) is team.State.PENDING


def test_pending_invitations_are_bounded(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(team, "MAX_PENDING", 3)
    with app.app_context():
        workshop = make_workshop()
        for n in range(3):
            team.invite_to_team(workshop.id, workshop.owner, f"p{n}@example.org")
        with pytest.raises(ValidationError) as caught:
            team.invite_to_team(workshop.id, workshop.owner, "p9@example.org")
        assert caught.value.details["reason"] == "too_many"
        # Inviting an address again replaces its invitation: still allowed.
        team.invite_to_team(workshop.id, workshop.owner, "p0@example.org")
        assert _count(Invitation) == 3


def test_removing_a_member_and_protecting_the_owner(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        owner = workshop.owner
        issued = team.invite_to_team(workshop.id, owner, "zoe@example.org")
        zoe = team.accept_with_new_account(issued.secret, "Zoé", PASSWORD)
        stranger = make_facilitator()
        with pytest.raises(Forbidden):
            team.remove_member(workshop.id, stranger, zoe.id)
        with pytest.raises(NotFound):
            team.remove_member(workshop.id, owner, stranger.id)
        # Nobody removes the owner, not even the owner.
        for who in (zoe, owner):
            with pytest.raises(ValidationError) as caught:
                team.remove_member(workshop.id, who, owner.id)
            assert caught.value.details["reason"] == "owner"
        assert team.remove_member(workshop.id, owner, zoe.id).id == zoe.id
        db.session.refresh(workshop)
        assert [f.id for f in workshop.facilitators] == [owner.id]
        assert workshops.workshops_of(zoe) == []
        # The record of her invitation went with her membership; her account stays.
        assert _count(Invitation) == 0
        assert db.session.get(Facilitator, zoe.id) is not None
        with pytest.raises(Forbidden):
            team.invite_to_team(workshop.id, zoe, "other@example.org")


def test_a_co_facilitator_leaves_by_removing_themself(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        co = make_facilitator()
        workshop.facilitators.append(co)
        db.session.commit()
        team.remove_member(workshop.id, co, co.id)
        assert co not in db.session.get(Workshop, workshop.id).facilitators  # type: ignore[union-attr]


def test_account_invitations(app: Flask) -> None:
    with app.app_context():
        anne = make_facilitator()
        issued = team.invite_account(anne, "zoe@example.org")
        assert issued.invitation.workshop_id is None
        # An address with an account is sent to a workshop's team page instead.
        with pytest.raises(ValidationError) as caught:
            team.invite_account(anne, anne.email)
        assert caught.value.details["reason"] == "has_account"
        # Only its author withdraws it.
        with pytest.raises(NotFound):
            team.revoke(None, make_facilitator(), issued.invitation.id)
        zoe = team.accept_with_new_account(issued.secret, "", PASSWORD)
        assert zoe.name == "zoe"  # from the address when no name is given
        assert workshops.workshops_of(zoe) == []
        [record] = team.account_invitations_by(anne)
        assert record.accepted_by_id == zoe.id and record.email == ""


def test_a_new_account_makes_other_account_invitations_moot(app: Flask) -> None:
    with app.app_context():
        anne, bob = make_facilitator(), make_facilitator()
        workshop = make_workshop(owner=anne)
        to_account = team.invite_account(bob, "zoe@example.org")
        to_team = team.invite_to_team(workshop.id, anne, "zoe@example.org")
        zoe = team.accept_with_new_account(to_team.secret, "Zoé", PASSWORD)
        assert team.account_invitations_by(bob) == []
        with pytest.raises(NotFound):
            team.usable(to_account.secret)
        assert zoe.email == "zoe@example.org"


def test_accepted_records_survive_the_purge(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        issued = team.invite_to_team(workshop.id, workshop.owner, "zoe@example.org")
        team.accept_with_new_account(issued.secret, "Zoé", PASSWORD)
        _age(team.find(issued.secret), 30)
        privacy.purge()
        assert _count(Invitation) == 1


def test_deleting_a_workshop_deletes_its_invitations(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        team.invite_to_team(workshop.id, workshop.owner, "zoe@example.org")
        privacy.delete_workshop(workshop.id, workshop.owner)
        assert _count(Invitation) == 0


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(secret=st.one_of(st.none(), st.integers(), st.text(max_size=200)))
def test_no_other_secret_opens_an_invitation(app: Flask, secret: object) -> None:
    with app.app_context():
        if not _count(Invitation):
            workshop = make_workshop()
            team.invite_to_team(workshop.id, workshop.owner, "zoe@example.org")
        with pytest.raises(NotFound) as caught:
            team.usable(secret)
        assert caught.value.details["reason"] == "unknown"
        assert team.invited_email(secret) == ""


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.text(max_size=300))
def test_any_address_is_invited_as_parsed_or_refused_cleanly(app: Flask, raw: str) -> None:
    """Whatever is typed: refused with a field error, or invited as parse_email gives it
    (lower case), and the same address twice is one invitation."""
    with app.app_context():
        anne = db.session.scalar(select(Facilitator)) or make_facilitator()
        try:
            email = parse_email(raw)
        except ValidationError as error:
            assert error.details["field"] == "email"
            return
        first = team.invite_account(anne, email)
        again = team.invite_account(anne, parse_email(raw.upper()) if raw.isascii() else email)
        assert first.invitation.email == email == email.lower()
        pending = [i for i in team.account_invitations_by(anne) if i.email == email]
        assert [i.id for i in pending] == [again.invitation.id]
        db.session.execute(delete(Invitation))
        db.session.commit()
