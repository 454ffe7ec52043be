"""Cycle pages over HTTP, in French: the facilitators' pages, enrolment, the personal
link, joining a session as the same person, questionnaires, erasure; and isolation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import as_facilitator, participant_token
from tests.cycles.conftest import CycleRef, enrol, make_cycle
from tests.factories import make_facilitator, make_workshop
from workshop.extensions import db
from workshop.models import Cycle, Enrolment, OutboxMail, Participant, QuestionnaireAnswer
from workshop.services import cycles


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"BABEL_DEFAULT_LOCALE": "fr"}


def french(client: FlaskClient) -> FlaskClient:
    client.get("/lang/fr")
    return client


def token_in(page: str) -> str:
    found = re.search(r"/c/([A-Za-z0-9_-]{20,})", page)
    assert found, page
    return found.group(1)


@pytest.fixture
def world(app: Flask) -> CycleRef:
    with app.app_context():
        return make_cycle(2)


def signed_in(app: Flask, email: str) -> FlaskClient:
    client = french(app.test_client())
    as_facilitator(client, email)
    return client


def test_facilitator_creates_a_lance_toi_cycle(app: Flask) -> None:
    with app.app_context():
        email = make_facilitator().email
    client = signed_in(app, email)
    page = client.get("/f/cycles")
    assert page.status_code == 200
    assert "Nouveau cycle" in page.text
    refused = client.post("/f/cycles", data={"title": "Lance-toi ! 2027", "preset": "lance_toi"})
    assert refused.status_code == 400
    assert "Lance-toi ! 2027" in refused.text  # the typed title is kept
    made = client.post(
        "/f/cycles",
        data={"title": "Lance-toi ! 2027", "preset": "lance_toi", "start_date": "2027-03-01"},
    )
    assert made.status_code == 302
    page = client.get(made.headers["Location"])
    assert page.status_code == 200
    assert "Séance 1 : Charte sociale" in page.text and "Mesure d’impact" in page.text
    assert "Temps de codéveloppement" not in page.text  # the agenda is the console's
    assert "Créé à partir de" in page.text
    assert page.headers["Cache-Control"] == "no-store"


def test_another_facilitator_gets_404(app: Flask, world: CycleRef) -> None:
    with app.app_context():
        stranger = make_facilitator().email
    client = signed_in(app, stranger)
    assert client.get(f"/f/cycles/{world.id}").status_code == 404
    assert (
        client.post(f"/f/cycles/{world.id}/inscrits", data={"display_name": "X"}).status_code == 404
    )
    assert client.post(f"/f/cycles/{world.id}/reglages", data={"title": "X"}).status_code == 404


def test_enrol_through_the_public_page_then_join_a_session(app: Flask, world: CycleRef) -> None:
    phone = french(app.test_client())
    page = phone.get(f"/cycle/{world.uid}/inscription")
    assert page.status_code == 200
    assert "Vos données personnelles" in page.text and "CNIL" in page.text
    refused = phone.post(f"/cycle/{world.uid}/inscription", data={"display_name": ""})
    assert refused.status_code == 400
    done = phone.post(
        f"/cycle/{world.uid}/inscription",
        data={"display_name": "Awa", "profile": "project_holder"},
    )
    assert done.status_code == 200
    assert "Gardez ce lien" in done.text and "<svg" in done.text
    token = token_in(done.text)
    home = phone.get(f"/c/{token}")
    assert home.status_code == 200 and "Awa" in home.text
    assert home.headers["Cache-Control"] == "no-store"
    joined = phone.get(f"/c/{token}/seance/{world.sessions[0]}")
    assert joined.status_code == 302 and joined.headers["Location"].startswith("/w/")
    assert participant_token(phone, world.sessions[0]) is not None
    # A new phone opening the same link: the same participant.
    other = french(app.test_client())
    assert other.get(f"/c/{token}/seance/{world.sessions[0]}").status_code == 302
    with app.app_context():
        people = db.session.scalars(
            select(Participant).where(Participant.workshop_id == world.sessions[0])
        ).all()
        assert len(people) == 1 and people[0].display_name == "Awa"


def test_another_cycles_session_is_refused(app: Flask, world: CycleRef) -> None:
    with app.app_context():
        other = make_cycle(1)
        _enrolment, token = enrol(world.id)
        lone = make_workshop().id
    phone = french(app.test_client())
    assert phone.get(f"/c/{token}/seance/{other.sessions[0]}").status_code == 404
    assert phone.get(f"/c/{token}/seance/{lone}").status_code == 404
    assert phone.get("/c/not-a-real-link-at-all-xxxxxxxx").status_code == 404


def test_the_cycle_cookie_recognises_a_phone_at_the_join_code(app: Flask, world: CycleRef) -> None:
    with app.app_context():
        _enrolment, token = enrol(world.id, "Bastien")
        code = (
            db.session.get(Cycle, world.id)
            and cycles.sessions_of(
                db.session.get(Cycle, world.id)  # type: ignore[arg-type]
            )[1].code
        )
        other_code = make_workshop().code
    phone = french(app.test_client())
    phone.get(f"/c/{token}")
    response = phone.get(f"/j/{code}")
    assert response.status_code == 302 and response.headers["Location"] == f"/w/{code}"
    assert participant_token(phone, world.sessions[1]) is not None
    # A workshop outside the cycle shows its join form as usual.
    assert phone.get(f"/j/{other_code}").status_code == 200


def test_facilitator_enrols_and_reissues_a_link(app: Flask, world: CycleRef) -> None:
    client = signed_in(app, world.owner_email)
    page = client.post(f"/f/cycles/{world.id}/inscrits", data={"display_name": "Chloé"})
    assert page.status_code == 200 and "Chloé" in page.text
    old = token_in(page.text)
    assert "<svg" in page.text
    with app.app_context():
        enrolment_id = cycles.enrolment_by_token(old).id
    again = client.post(f"/f/cycles/{world.id}/inscrits/{enrolment_id}/lien")
    new = token_in(again.text)
    assert new != old
    phone = french(app.test_client())
    assert phone.get(f"/c/{old}").status_code == 404
    assert phone.get(f"/c/{new}").status_code == 200


def test_send_me_the_link_queues_one_mail(app: Flask, world: CycleRef) -> None:
    with app.app_context():
        _e, token = enrol(world.id, "Dina", email="dina@example.org")
        _f, silent = enrol(world.id, "Eli")
    phone = french(app.test_client())
    assert phone.post(f"/c/{token}/envoyer").status_code == 302
    assert phone.post(f"/c/{token}/envoyer").status_code == 302
    assert phone.post(f"/c/{silent}/envoyer").status_code == 302
    with app.app_context():
        mails = db.session.scalars(select(OutboxMail)).all()
        assert len(mails) == 1
        assert mails[0].to == "dina@example.org" and f"/c/{token}" in mails[0].body


def test_questionnaire_answers_and_results(app: Flask, world: CycleRef) -> None:
    client = signed_in(app, world.owner_email)
    saved = client.post(
        f"/f/cycles/{world.id}/questionnaire/start",
        data={
            "question-key": ["", ""],
            "question-label": ["Votre envie de vous lancer ?", "Ce que vous attendez"],
            "question-kind": ["scale", "text"],
            "question-choices": ["", ""],
        },
    )
    assert saved.status_code == 302
    with app.app_context():
        keys = [q["key"] for q in db.session.get(Cycle, world.id).questionnaires["start"]]  # type: ignore[union-attr]
    phone = french(app.test_client())
    done = phone.post(
        f"/cycle/{world.uid}/inscription",
        data={"display_name": "Fanny", f"q-{keys[0]}": "4", f"q-{keys[1]}": "Du réseau"},
    )
    token = token_in(done.text)
    refused = phone.post(f"/c/{token}/questionnaire/start", data={f"q-{keys[0]}": "9"})
    assert refused.status_code == 400
    assert phone.get(f"/c/{token}/questionnaire/end").status_code == 404
    page = client.get(f"/f/cycles/{world.id}")
    assert "1 personne a répondu." in page.text and "Du réseau" in page.text
    assert "Moyenne : 4,0 / 5" in page.text
    assert "Fanny" not in page.text.split("questionnaires-title")[1].split("</section>")[0]


def test_erase_my_data(app: Flask, world: CycleRef) -> None:
    with app.app_context():
        enrolment, token = enrol(world.id, "Gaëlle", email="g@example.org")
        enrolment_id = enrolment.id
        cycles.participant_for(enrolment, world.sessions[0])
        cycles.send_link(token, "https://x/c/" + token)
    phone = french(app.test_client())
    assert phone.post(f"/c/{token}/effacer").status_code == 302  # not confirmed
    done = phone.post(f"/c/{token}/effacer", data={"confirm": "1"})
    assert done.status_code == 200
    assert phone.get(f"/c/{token}").status_code == 404
    with app.app_context():
        erased = db.session.get(Enrolment, enrolment_id)
        assert erased is not None and erased.erased_at is not None
        assert erased.display_name == "" and erased.email is None
        person = db.session.scalars(
            select(Participant).where(Participant.enrolment_id == enrolment_id)
        ).one()
        assert person.erased_at is not None and person.display_name == ""
        assert db.session.scalars(select(OutboxMail)).all() == []
        assert db.session.scalars(select(QuestionnaireAnswer)).all() == []


def test_the_cycle_pages_link_to_my_project_and_the_jury(app: Flask, world: CycleRef) -> None:
    with app.app_context():
        _enrolment, token = enrol(world.id, "Hugo")
    phone = french(app.test_client())
    home = phone.get(f"/c/{token}")
    assert f'href="/c/{token}/projet"' in home.text
    assert phone.get(f"/c/{token}/projet").status_code == 200
    client = signed_in(app, world.owner_email)
    page = client.get(f"/f/cycles/{world.id}")
    for path in (f"/f/cycles/{world.id}/projets", f"/f/cycles/{world.id}/jury"):
        assert f'href="{path}"' in page.text
        assert client.get(path).status_code == 200


def test_a_refused_form_keeps_what_was_typed(app: Flask, world: CycleRef) -> None:
    client = signed_in(app, world.owner_email)
    refused = client.post(
        f"/f/cycles/{world.id}/reglages",
        data={"title": "Idéateur du Pilat", "organiser": "Parc du Pilat", "retention_days": "0"},
    )
    assert refused.status_code == 400
    assert 'value="Idéateur du Pilat"' in refused.text and 'value="Parc du Pilat"' in refused.text
    assert 'aria-invalid="true"' in refused.text
    too_few = client.post(
        f"/f/cycles/{world.id}/questionnaire/end",
        data={
            "question-key": [""],
            "question-label": ["Votre statut ?"],
            "question-kind": ["choice"],
            "question-choices": ["Seul"],
        },
    )
    assert too_few.status_code == 400
    assert "Une question à choix a besoin de 2 à 10 choix" in too_few.text
    assert 'value="Votre statut ?"' in too_few.text
    with app.app_context():
        cycle = db.session.get(Cycle, world.id)
        assert cycle is not None and cycle.title != "Idéateur du Pilat"
        assert cycle.questionnaires["end"] == []
