"""The privacy pages over HTTP: the notice at join in French and English, the volunteer
form saying who receives contact details, the workshop's data page, the contacts page,
deleting a workshop, and the purge command."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import as_facilitator, join_as
from tests.factories import WorkshopRef, make_idea, make_participant, make_workshop, ref
from workshop.extensions import db
from workshop.models import Participant, Workshop
from workshop.schemas import TargetRef, VolunteerOffer
from workshop.services import agenda, volunteers


def _settings(client: FlaskClient, workshop: WorkshopRef, **form: str) -> Any:
    data = {"erasure_ideas": "keep", **form}
    return client.post(f"/f/w/{workshop.id}/privacy", data=data)


def test_the_notice_at_join_names_who_why_how_long_who_receives_and_the_rights(
    app: Flask, client: FlaskClient, new_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = new_workshop()
    as_facilitator(client, workshop.owner_email)
    saved = _settings(
        client,
        workshop,
        organiser="Centre social des Bauges",
        organiser_contact="dpo@cs-bauges.example",
        recipient="Fabrique à initiatives des Bauges",
        retention_days="120",
    )
    assert saved.status_code == 302
    phone = app.test_client()
    french = phone.get(f"/j/{workshop.code}").get_data(as_text=True)
    for words in (
        "Centre social des Bauges",
        "dpo@cs-bauges.example",
        "Fabrique à initiatives des Bauges",
        "120 jours",
        "CNIL",
        "Supprimer mes données",
        "vos idées restent, sans votre nom",
    ):
        assert words in french, words
    english = phone.get(f"/j/{workshop.code}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    for words in ("Who is responsible", "120 days", "CNIL", "Delete my data"):
        assert words in english, words


def test_without_settings_the_notice_names_the_owner(
    app: Flask, new_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = new_workshop()
    page = app.test_client().get(f"/j/{workshop.code}").get_data(as_text=True)
    assert workshop.owner_email in page and "365 jours" in page


def test_the_volunteer_form_says_exactly_who_receives_contact_details(
    app: Flask, new_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = new_workshop()
    phone = app.test_client()
    join_as(phone, workshop.code, "Camille")
    board = phone.get(f"/w/{workshop.code}").get_data(as_text=True)
    assert "Seuls les animateurs la voient" not in board
    assert "fichiers d'export" in board and "jamais aux autres participants" in board
    assert 'id="erase-link"' in board


def test_the_data_page_refuses_a_bad_retention_and_keeps_the_rest(
    client: FlaskClient, new_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = new_workshop()
    as_facilitator(client, workshop.owner_email)
    refused = _settings(client, workshop, organiser="CS", retention_days="99999")
    assert refused.status_code == 400
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert "CS" in refused.get_data(as_text=True)  # what was typed stays in the form
    assert _settings(client, workshop, erasure_ideas="maybe").status_code == 400


def test_contacts_are_on_their_page_only_for_facilitators_of_the_workshop(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        made, other = make_workshop(), make_workshop()
        person = make_participant(made, display_name="Théo")
        idea = make_idea(made)
        volunteers.offer_help(
            made.id,
            person.id,
            VolunteerOffer(
                target=TargetRef("idea", idea.id),
                kind="hold",
                consent_contact=True,
                contact_email="theo.contact@example.org",
            ),
        )
        workshop, stranger = ref(made), ref(other)
    as_facilitator(client, workshop.owner_email)
    page = client.get(f"/f/w/{workshop.id}/contacts")
    assert page.status_code == 200 and "theo.contact@example.org" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    outsider = app.test_client()
    as_facilitator(outsider, stranger.owner_email)
    assert outsider.get(f"/f/w/{workshop.id}/contacts").status_code == 403
    assert app.test_client().get(f"/f/w/{workshop.id}/contacts").status_code == 302


def test_deleting_a_workshop_needs_its_code(
    app: Flask, client: FlaskClient, new_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = new_workshop()
    as_facilitator(client, workshop.owner_email)
    wrong = client.post(f"/f/w/{workshop.id}/delete", data={"confirm_code": "AAAAAAAA"})
    assert wrong.status_code == 400 and "Tapez le code de l" in wrong.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Workshop, workshop.id) is not None
    typed = workshop.code.lower()[:4] + " " + workshop.code.lower()[4:]
    done = client.post(f"/f/w/{workshop.id}/delete", data={"confirm_code": typed})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Workshop, workshop.id) is None
    assert client.get(f"/f/w/{workshop.id}/privacy").status_code == 404


def test_a_phone_without_identity_is_sent_to_the_join_page(
    app: Flask, new_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = new_workshop()
    answer = app.test_client().post(f"/j/{workshop.code}/erase")
    assert answer.status_code == 302 and f"/j/{workshop.code}" in answer.headers["Location"]
    assert app.test_client().get("/j/ZZZZZZZZ/erase").status_code == 404


def test_the_purge_command_lists_then_deletes(app: Flask, runner: Any) -> None:
    with app.app_context():
        workshop = make_workshop()
        make_participant(workshop, display_name="Zoé")
        agenda.close_workshop(workshop.id, workshop.owner)
        workshop.closed_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
        db.session.commit()
        workshop_id = workshop.id
    dry = runner.invoke(args=["purge", "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    [line] = [json.loads(text) for text in dry.output.splitlines()]
    assert line["workshop_id"] == workshop_id and line["dry_run"] is True
    assert line["participants"] == 1 and line["event_log"] > 0
    with app.app_context():
        assert db.session.scalar(db.select(Participant.display_name)) == "Zoé"
    done = runner.invoke(args=["purge"])
    assert done.exit_code == 0 and "deleted" in done.output
    with app.app_context():
        assert db.session.scalar(db.select(Participant.display_name)) == ""
    again = runner.invoke(args=["purge"])
    assert again.output.strip() == "nothing to purge"
