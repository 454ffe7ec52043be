"""services.volunteers: offers to hold, contribute to or follow a défi or an idea, the
separate consent to be contacted, its withdrawal (which erases the contact details),
who sees what, and every refusal changing nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.factories import (
    facts_since,
    make_challenge,
    make_grouping_workshop,
    make_idea,
    make_participant,
    make_workshop,
    recorded,
)
from workshop.errors import (
    ContactRequired,
    NotFound,
    TargetUnavailable,
    ValidationError,
    WorkshopClosed,
    WorkshopError,
    WrongWorkshop,
)
from workshop.extensions import db
from workshop.models import Volunteer
from workshop.schemas import (
    Role,
    TargetRef,
    VolunteerOffer,
    parse_volunteer_offer,
    parse_volunteer_ref,
)
from workshop.services import agenda, ideas, merging, snapshot, volunteers

CONTACT = {
    "consent_contact": True,
    "contact_name": "Théo Martin",
    "contact_email": "theo@example.org",
    "contact_phone": "+33 6 12 34 56 78",
}


def rows(workshop_id: int) -> list[tuple[Any, ...]]:
    found = db.session.scalars(select(Volunteer).where(Volunteer.workshop_id == workshop_id))
    return sorted(
        (
            (
                v.participant_id,
                v.challenge_id,
                v.idea_id,
                v.kind,
                v.consent_contact,
                v.contact_email,
            )
            for v in found
        ),
        key=repr,
    )


def refused(workshop_id: int, error: type[WorkshopError], act: Callable[[], Any]) -> None:
    before = (recorded(workshop_id), rows(workshop_id))
    with pytest.raises(error) as raised:
        act()
    db.session.rollback()
    assert type(raised.value) is error
    assert (recorded(workshop_id), rows(workshop_id)) == before


def offer(kind: str, target_id: int, what: str = "hold", **extra: Any) -> Any:
    return parse_volunteer_offer({"target": kind, "target_id": target_id, "kind": what, **extra})


def test_an_offer_with_consent_reaches_facilitators_only(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop(anonymous=True)
        idea = make_idea(workshop)
        theo = make_participant(workshop, display_name="Théo")
        seq = workshop.seq
        volunteer = volunteers.offer_help(workshop.id, theo.id, offer("idea", idea.id, **CONTACT))
        assert volunteer.consent_contact and volunteer.consented_at is not None
        [(name, private)] = facts_since(workshop.id, seq)
        [(_, public)] = facts_since(workshop.id, seq, public=True)
        assert name == "volunteers_changed"
        assert public == {
            "target": "idea",
            "target_id": idea.id,
            "counts": {"hold": 1, "contribute": 0, "follow": 0},
        }
        [entry] = private["volunteers"]
        # Facts are kept in the event log and replayed: they never carry contact
        # details, even to facilitators (who read them on the contacts page).
        assert entry["consent_contact"] is True and entry["contact"] is None
        assert "theo@example.org" not in repr(private)
        assert entry["display_name"] == "Théo" and entry["kind"] == "hold"
        # Nothing personal leaks into what participants and screens get.
        assert "theo@example.org" not in repr(public) and "Théo" not in repr(public)


def test_without_consent_no_contact_detail_is_stored(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        idea = make_idea(workshop)
        person = make_participant(workshop)
        details = {k: v for k, v in CONTACT.items() if k != "consent_contact"}
        volunteer = volunteers.offer_help(
            workshop.id, person.id, offer("idea", idea.id, "follow", **details)
        )
        assert not volunteer.consent_contact
        assert (volunteer.contact_name, volunteer.contact_email, volunteer.contact_phone) == (
            None,
            None,
            None,
        )


def test_withdrawing_consent_erases_the_contact_and_withdrawing_the_offer_deletes_it(
    app: Flask,
) -> None:
    with app.app_context():
        workshop = make_workshop()
        idea = make_idea(workshop)
        person = make_participant(workshop)
        volunteers.offer_help(
            workshop.id, person.id, offer("idea", idea.id, "contribute", **CONTACT)
        )
        seq = workshop.seq
        volunteer = volunteers.offer_help(
            workshop.id, person.id, offer("idea", idea.id, "contribute")
        )
        assert not volunteer.consent_contact and volunteer.consented_at is None
        assert volunteer.contact_email is None and volunteer.contact_phone is None
        [(_, private)] = facts_since(workshop.id, seq)
        assert private["volunteers"][0]["contact"] is None
        # Giving the same offer again records nothing.
        events = recorded(workshop.id)
        volunteers.offer_help(workshop.id, person.id, offer("idea", idea.id, "contribute"))
        assert recorded(workshop.id) == events
        ref = parse_volunteer_ref({"target": "idea", "target_id": idea.id, "kind": "contribute"})
        assert volunteers.withdraw_help(workshop.id, person.id, ref) is True
        assert rows(workshop.id) == []
        assert facts_since(workshop.id, events[-1][0], public=True)[-1][1]["counts"] == {
            "hold": 0,
            "contribute": 0,
            "follow": 0,
        }
        # A retried withdrawal is harmless.
        events = recorded(workshop.id)
        assert volunteers.withdraw_help(workshop.id, person.id, ref) is False
        assert recorded(workshop.id) == events


def test_one_offer_of_each_kind_per_target(app: Flask) -> None:
    with app.app_context():
        workshop, [idea] = make_grouping_workshop(ideas=1)
        defi = make_challenge(workshop)
        person = make_participant(workshop)
        for what in ("hold", "contribute", "follow"):
            volunteers.offer_help(workshop.id, person.id, offer("challenge", defi.id, what))
            volunteers.offer_help(workshop.id, person.id, offer("idea", idea.id, what))
        volunteers.offer_help(workshop.id, person.id, offer("challenge", defi.id, "hold"))
        assert len(rows(workshop.id)) == 6
        mine = volunteers.mine(person.id)
        assert {(o["target"], o["kind"]) for o in mine} == {
            (t, k) for t in ("challenge", "idea") for k in ("hold", "contribute", "follow")
        }
        assert all("participant_id" not in o for o in mine)


def test_bad_offers_are_refused(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop(moderation=True)
        person = make_participant(workshop)
        pending = make_idea(workshop)
        other = make_workshop()
        elsewhere = make_idea(other)
        stranger = make_participant(other)

        def make(kind: str, target_id: int, who: int = person.id) -> Callable[[], Any]:
            return lambda: volunteers.offer_help(workshop.id, who, offer(kind, target_id))

        refused(workshop.id, NotFound, make("idea", 999_999))
        refused(workshop.id, NotFound, make("challenge", 999_999))
        refused(workshop.id, WrongWorkshop, make("idea", elsewhere.id))
        refused(workshop.id, TargetUnavailable, make("idea", pending.id))
        refused(workshop.id, WrongWorkshop, make("idea", pending.id, stranger.id))
        ideas.approve_idea(workshop.id, workshop.owner, pending.id)
        agenda.close_workshop(workshop.id, workshop.owner)
        refused(workshop.id, WorkshopClosed, make("idea", pending.id))


def test_an_offer_can_be_withdrawn_after_the_workshop_closed(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        idea = make_idea(workshop)
        person = make_participant(workshop)
        volunteers.offer_help(workshop.id, person.id, offer("idea", idea.id, **CONTACT))
        agenda.close_workshop(workshop.id, workshop.owner)
        ref = parse_volunteer_ref({"target": "idea", "target_id": idea.id, "kind": "hold"})
        assert volunteers.withdraw_help(workshop.id, person.id, ref) is True
        assert rows(workshop.id) == []


@pytest.mark.parametrize(
    ("extra", "error", "field"),
    [
        ({"consent_contact": True}, ContactRequired, "contact_email"),
        ({"consent_contact": True, "contact_name": "Théo"}, ContactRequired, "contact_email"),
        ({"consent_contact": True, "contact_email": "pas-une-adresse"}, ValidationError, "email"),
        (
            {"consent_contact": True, "contact_phone": "appelle-moi"},
            ValidationError,
            "contact_phone",
        ),
        ({"consent_contact": True, "contact_phone": "0" * 31}, ValidationError, "contact_phone"),
        (
            {"consent_contact": True, "contact_email": "a@b.fr", "contact_name": "x" * 81},
            ValidationError,
            "contact_name",
        ),
        ({"consent_contact": "maybe"}, ValidationError, "consent_contact"),
        ({"kind": "lead"}, ValidationError, "kind"),
        ({"target": "phase"}, ValidationError, "target"),
    ],
)
def test_the_parser_refuses_bad_offers(extra: dict[str, Any], error: type, field: str) -> None:
    payload = {"target": "idea", "target_id": 1, "kind": "hold", **extra}
    with pytest.raises(error) as raised:
        parse_volunteer_offer(payload)
    assert type(raised.value) is error
    assert raised.value.details["field"] == field


def test_snapshots_give_counts_to_the_room_and_offers_to_facilitators(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        shown, hidden = make_idea(workshop), make_idea(workshop)
        alice, bob = make_participant(workshop), make_participant(workshop)
        volunteers.offer_help(workshop.id, alice.id, offer("idea", shown.id, **CONTACT))
        volunteers.offer_help(workshop.id, bob.id, offer("idea", shown.id, "follow"))
        volunteers.offer_help(workshop.id, bob.id, offer("idea", hidden.id, "hold"))
        ideas.hide_idea(workshop.id, workshop.owner, hidden.id)
        screen = snapshot.build_state(workshop, Role.SCREEN)
        assert screen["volunteers"] == [
            {
                "target": "idea",
                "target_id": shown.id,
                "counts": {"hold": 1, "contribute": 0, "follow": 1},
            }
        ]
        phone = snapshot.build_state(workshop, Role.PARTICIPANT, bob)
        assert phone["volunteers"] == screen["volunteers"]
        assert {(o["target_id"], o["kind"]) for o in phone["me"]["volunteers"]} == {
            (shown.id, "follow"),
            (hidden.id, "hold"),
        }
        assert "theo@example.org" not in repr(phone) and "theo@example.org" not in repr(screen)
        host = snapshot.build_state(workshop, Role.FACILITATOR)
        by_target = {e["target_id"]: e for e in host["volunteers"]}
        assert set(by_target) == {shown.id, hidden.id}
        offers = by_target[shown.id]["volunteers"]
        assert True in [o["consent_contact"] for o in offers]
        assert "theo@example.org" not in repr(host)  # the contacts page has them, not the live
        assert False in [o["consent_contact"] for o in offers]  # Bob gave no consent
        assert len(volunteers.for_workshop(workshop)) == 3


def test_the_demo_has_a_qualified_challenge_and_a_consenting_volunteer(app: Flask) -> None:
    from workshop.services import demo, qualification

    with app.app_context():
        workshop = demo.create_demo().workshop
        sheets = qualification.for_workshop(workshop)
        [(kind, _id)] = list(sheets)
        sheet = sheets[(kind, _id)]
        assert kind == "challenge"
        assert sheet.stage == "opportunity_study" and sheet.insee_code == "73010"
        assert all(getattr(sheet, f) for f in ("need_who", "solution", "potential_holders"))
        offers = volunteers.for_workshop(workshop)
        consenting = [v for v in offers if v.consent_contact]
        assert [v.kind for v in consenting] == ["hold"]
        assert consenting[0].contact_email == "theo.girard@example.org"
        assert [v.contact_email for v in offers if not v.consent_contact] == [None]


# ------------------------------------------------------------------ merges keep the follow-up


def test_merging_two_challenges_carries_the_sheet_and_the_offers_over(app: Flask) -> None:
    from workshop.schemas import ChallengeMerge, parse_qualification
    from workshop.services import qualification

    with app.app_context():
        workshop, _ = make_grouping_workshop(ideas=1)
        kept, gone = make_challenge(workshop), make_challenge(workshop)
        owner = workshop.owner
        sheet = {"target": "challenge", "version": 0}
        qualification.qualify(
            workshop.id,
            owner,
            parse_qualification({**sheet, "target_id": kept.id, "need_who": "Les aînés"}),
        )
        qualification.qualify(
            workshop.id,
            owner,
            parse_qualification(
                {**sheet, "target_id": gone.id, "need_who": "Autre", "partners": "La mairie"}
            ),
        )
        theo, lea = make_participant(workshop), make_participant(workshop)
        # Théo follows both (with consent only on the one that goes); Léa holds the one
        # that goes.
        volunteers.offer_help(workshop.id, theo.id, offer("challenge", kept.id, "follow"))
        volunteers.offer_help(
            workshop.id, theo.id, offer("challenge", gone.id, "follow", **CONTACT)
        )
        volunteers.offer_help(workshop.id, lea.id, offer("challenge", gone.id, "hold"))
        seq = workshop.seq

        merging.merge_challenges(workshop.id, owner, ChallengeMerge(gone.id, kept.id))

        [merged] = qualification.for_workshop(workshop).values()
        assert merged.challenge_id == kept.id
        assert (merged.need_who, merged.partners) == ("Les aînés", "La mairie")
        assert rows(workshop.id) == sorted(
            [
                (theo.id, kept.id, None, "follow", True, "theo@example.org"),
                (lea.id, kept.id, None, "hold", False, None),
            ],
            key=repr,
        )
        names = [name for name, _ in facts_since(workshop.id, seq)]
        assert "qualification_saved" in names and "volunteers_changed" in names


def test_merging_an_idea_moves_its_offers_to_the_absorbing_idea(app: Flask) -> None:
    from workshop.schemas import IdeaMerge

    with app.app_context():
        workshop, (first, second) = make_grouping_workshop(ideas=2)
        person = make_participant(workshop)
        volunteers.offer_help(workshop.id, person.id, offer("idea", second.id, "contribute"))
        merging.merge_ideas(workshop.id, workshop.owner, IdeaMerge(second.id, first.id))
        assert rows(workshop.id) == [(person.id, None, first.id, "contribute", False, None)]


def test_no_contact_details_are_kept_without_consent_whoever_calls(app: Flask) -> None:
    """The rule lives in the service, not only in the parser: a caller that builds the
    offer itself (a script, another service) cannot store details without consent."""
    with app.app_context():
        workshop = make_workshop()
        idea = make_idea(workshop)
        theo = make_participant(workshop, display_name="Théo")
        given = VolunteerOffer(
            TargetRef("idea", idea.id),
            "hold",
            consent_contact=False,
            contact_name="Théo Martin",
            contact_email="theo@example.org",
            contact_phone="+33 6 12 34 56 78",
        )
        kept = volunteers.offer_help(workshop.id, theo.id, given)
        assert (kept.consent_contact, kept.contact_name) == (False, None)
        assert (kept.contact_email, kept.contact_phone) == (None, None)
        # Consent withdrawn by a direct caller erases what was kept, too.
        volunteers.offer_help(workshop.id, theo.id, offer("idea", idea.id, **CONTACT))
        kept = volunteers.offer_help(workshop.id, theo.id, given)
        assert (kept.contact_name, kept.contact_email, kept.contact_phone) == (None, None, None)
