"""The jury's pages in French: a facilitator sets up the jury, jurors grade through
their personal link (phone or laptop, no account), the deliberation ranks the projects
and records decisions; another cycle's things and other facilitators get 404."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import as_facilitator
from tests.factories import make_facilitator, make_workshop
from tests.jury.conftest import CycleRef
from workshop.extensions import db
from workshop.models import CycleProject, Facilitator, Juror, Phase, utcnow

LINK = re.compile(r'id="issued-url" type="text" readonly value="http://localhost/jury/([^"]+)"')


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def add_juror(client: FlaskClient, cycle_id: int, name: str, role: str = "") -> str:
    """Add a juror through the page; the secret of their link."""
    answer = client.post(f"/f/cycles/{cycle_id}/jury/jures", data={"name": name, "role": role})
    assert answer.status_code == 200, text(answer)
    assert answer.headers["Cache-Control"] == "no-store"
    found = LINK.search(text(answer))
    assert found, text(answer)
    return found.group(1)


def grade(client: FlaskClient, secret: str, project_id: int, **grades: Any) -> Any:
    data = {f"grade-{key}": str(value) for key, value in grades.items() if key != "comment"}
    data["comment"] = grades.get("comment", "")
    return client.post(f"/jury/{secret}/projets/{project_id}", data=data)


def test_from_jurors_to_decisions(
    app: Flask, client: FlaskClient, new_cycle: Callable[..., CycleRef]
) -> None:
    ref = new_cycle("Épicerie mobile", "Garage solidaire")
    epicerie, garage = ref.projects
    as_facilitator(client, ref.owner_email)
    page = text(client.get(f"/f/cycles/{ref.id}/jury"))
    assert "<h1>Jury · <bdi>" in page
    for words in ("Notation", "Jurés et jurées", "Résultats et délibération", "Grille de critères"):
        assert words in page
    assert "comité d’experts" in page  # the committees are one link away
    assert 'value="besoin"' in page and 'value="Faisabilité"' in page

    answer = client.post(
        f"/f/cycles/{ref.id}/jury/jures", data={"name": "Inès Martin", "role": "Personne élue"}
    )
    body = text(answer)
    assert "Lien personnel de Inès Martin" in body and "<svg" in body  # the QR code
    secret = LINK.search(body)
    assert secret
    ines = secret.group(1)
    marc = add_juror(client, ref.id, "Marc Petit", "Partenaire")
    # The link is shown once: the page shown later has no secret.
    assert ines not in text(client.get(f"/f/cycles/{ref.id}/jury"))

    juror = app.test_client()
    page_answer = juror.get(f"/jury/{ines}")
    assert page_answer.status_code == 200
    assert page_answer.headers["Cache-Control"] == "no-store"
    juror_page = text(page_answer)
    assert "Bonjour Inès Martin" in juror_page
    assert "Le pitch de Épicerie mobile" in juror_page and "Garage solidaire" in juror_page
    assert "Porté par Porteuse 1" in juror_page  # shown by its holder
    assert "Porteuse 2" not in juror_page  # not shown by hers
    assert "Note d’intention" in juror_page and "Besoin et public" in juror_page
    assert "à rejeter" in juror_page and "excellent" in juror_page
    assert "0 critères notés sur 2" in juror_page
    assert "les personnes qui animent ce cycle" in juror_page
    assert 'id="on-stage"' not in juror_page  # no pitch day running

    saved = grade(juror, ines, epicerie, besoin=4, faisabilite=3, comment="Un vrai besoin")
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(f"/jury/{ines}#project-{epicerie}")
    juror_page = text(juror.get(f"/jury/{ines}"))
    assert "Vos notes pour « Épicerie mobile » sont enregistrées." in juror_page
    assert re.search(r'name="grade-besoin" value="4" checked', juror_page)
    assert "Un vrai besoin" in juror_page and "2 critères notés sur 2" in juror_page

    # A grade off the scale: the same page, the typed comment kept, nothing saved.
    refused = grade(juror, ines, garage, besoin=9, faisabilite=2, comment="Texte gardé")
    assert refused.status_code == 400
    assert "Choisissez une des notes proposées." in text(refused)
    assert "Texte gardé" in text(refused)

    other = app.test_client()
    assert grade(other, marc, epicerie, besoin=2, faisabilite=2).status_code == 302
    assert grade(other, marc, garage, besoin=6, faisabilite=5, comment="Bravo").status_code == 302
    assert grade(juror, ines, garage, besoin=5, faisabilite=5).status_code == 302

    results = text(client.get(f"/f/cycles/{ref.id}/jury"))
    ranking = results[results.index('id="ranking"') :]
    assert ranking.index("Garage solidaire") < ranking.index("Épicerie mobile")
    assert "très bien" in ranking
    assert "2 membres du jury avec un lien actif" in results
    assert results.count("2 projets notés sur 2") == 2
    assert "de passable à bien" in results  # the spread of « besoin » for the épicerie
    assert "Inès Martin" in results and "Un vrai besoin" in results and "Bravo" in results
    detail = results[results.index("Notes de chaque membre du jury pour « Épicerie mobile »") :]
    detail = detail[: detail.index("</table>")]
    assert re.search(r"Inès Martin</bdi>.*?<td>bien</td><td>assez bien</td>", detail, re.S)
    assert re.search(r"Marc Petit</bdi>.*?<td>passable</td><td>passable</td>", detail, re.S)

    # A declined project needs its reason: the same page says so, the typed choice kept.
    refused = client.post(
        f"/f/cycles/{ref.id}/jury/decisions/{epicerie}", data={"decision": "declined"}
    )
    assert refused.status_code == 400
    assert "Dites pourquoi le projet n’est pas retenu" in text(refused)
    decided = client.post(
        f"/f/cycles/{ref.id}/jury/decisions/{epicerie}",
        data={"decision": "rework", "reason": "Préciser le modèle économique"},
    )
    assert decided.status_code == 302
    page = text(client.get(decided.headers["Location"]))
    assert "Décision enregistrée pour « Épicerie mobile » : À retravailler." in page
    assert "Préciser le modèle économique" in page
    with app.app_context():
        project = db.session.get(CycleProject, epicerie)
        assert project is not None
        assert project.decision == "rework" and project.decided_at is not None
        assert project.decided_by_id == ref.owner_id

    # Grading closed: the juror's page says so, a grade is refused.
    assert client.post(f"/f/cycles/{ref.id}/jury/notation", data={"open": "0"}).status_code == 302
    closed = text(juror.get(f"/jury/{ines}"))
    assert "La notation est close" in closed and 'name="grade-besoin"' not in closed
    assert "Vos notes" in closed
    late = grade(juror, ines, garage, besoin=0, faisabilite=0)
    assert late.status_code == 409
    assert "La notation est close : les notes ne peuvent plus être changées." in text(late)

    # A revoked link is refused, plainly.
    page = text(client.get(f"/f/cycles/{ref.id}/jury"))
    juror_ids = re.findall(rf"/f/cycles/{ref.id}/jury/jures/(\d+)/revoquer", page)
    assert len(juror_ids) == 2
    assert client.post(f"/f/cycles/{ref.id}/jury/jures/{juror_ids[0]}/revoquer").status_code == 302
    gone = juror.get(f"/jury/{ines}")
    assert gone.status_code == 404
    assert "Ce lien n’est pas valable, ou il a été remplacé ou révoqué." in text(gone)
    assert grade(juror, ines, garage, besoin=1, faisabilite=1).status_code == 404


def test_other_cycles_and_other_facilitators_get_404(
    app: Flask, client: FlaskClient, new_cycle: Callable[..., CycleRef]
) -> None:
    a = new_cycle("Projet A", organiser="Mairie de Privas")
    b = new_cycle("Projet B")
    as_facilitator(client, a.owner_email)
    secret_a = add_juror(client, a.id, "Juré A")
    # A's facilitator on B's jury page, or naming B's project under A.
    assert client.get(f"/f/cycles/{b.id}/jury").status_code == 404
    for path, data in (
        (f"/f/cycles/{b.id}/jury/jures", {"name": "Intrus"}),
        (f"/f/cycles/{b.id}/jury/notation", {"open": "0"}),
        (f"/f/cycles/{b.id}/jury/criteres", {"key": "besoin", "label": "X", "description": ""}),
        (f"/f/cycles/{b.id}/jury/decisions/{b.projects[0]}", {"decision": "kept"}),
        (f"/f/cycles/{a.id}/jury/decisions/{b.projects[0]}", {"decision": "kept"}),
        (f"/f/cycles/{a.id}/jury/jures/999999/revoquer", {}),
        (f"/f/cycles/{a.id}/jury/jures/{2**40}/nouveau-lien", {}),
        (f"/f/cycles/{a.id}/jury/decisions/{2**40}", {"decision": "kept"}),
        (f"/f/cycles/{2**40}/jury/notation", {"open": "0"}),
    ):
        assert client.post(path, data=data).status_code == 404, path
    # A's juror sees only A's projects and cannot grade B's.
    juror = app.test_client()
    page = text(juror.get(f"/jury/{secret_a}"))
    assert "Projet A" in page and "Projet B" not in page
    assert "Responsable de vos données : Mairie de Privas." in page
    assert grade(juror, secret_a, b.projects[0], besoin=6, faisabilite=6).status_code == 404
    assert grade(juror, secret_a, 2**40, besoin=6).status_code == 404
    # Someone signed out is sent to sign in; a made-up link is a 404.
    assert app.test_client().get(f"/f/cycles/{a.id}/jury").status_code == 302
    assert app.test_client().get("/jury/" + "x" * 43).status_code == 404
    with app.app_context():
        b_project = db.session.get(CycleProject, b.projects[0])
        assert b_project is not None and b_project.decision is None
        stranger = make_facilitator().email
    other = app.test_client()
    as_facilitator(other, stranger)
    assert other.get(f"/f/cycles/{a.id}/jury").status_code == 404


def test_the_grid_is_edited_on_the_jury_page(
    app: Flask, client: FlaskClient, new_cycle: Callable[..., CycleRef]
) -> None:
    ref = new_cycle(criteria=[])
    as_facilitator(client, ref.owner_email)
    page = text(client.get(f"/f/cycles/{ref.id}/jury"))
    assert "voici la grille habituelle" in page and "Innovation" in page
    saved = client.post(
        f"/f/cycles/{ref.id}/jury/criteres",
        data={
            "key": ["", ""],
            "label": ["Besoin", "Innovation"],
            "description": ["Un besoin réel ?", ""],
        },
    )
    assert saved.status_code == 302
    page = text(client.get(f"/f/cycles/{ref.id}/jury"))
    assert 'name="key" value="besoin"' in page and 'name="key" value="innovation"' in page
    # Two criteria of the same name: refused, what was typed shown again.
    refused = client.post(
        f"/f/cycles/{ref.id}/jury/criteres",
        data={
            "key": ["besoin", "innovation", ""],
            "label": ["Besoin", "Innovation", "besoin"],
            "description": ["", "", "Tapé ici"],
        },
    )
    assert refused.status_code == 400
    assert "Deux critères ont le même nom." in text(refused) and "Tapé ici" in text(refused)
    # Renamed and one removed: the key stays.
    client.post(
        f"/f/cycles/{ref.id}/jury/criteres",
        data={
            "key": ["besoin", "innovation"],
            "label": ["Besoin social", "Innovation"],
            "description": ["", ""],
            "remove": ["innovation"],
        },
    )
    page = text(client.get(f"/f/cycles/{ref.id}/jury"))
    assert 'name="key" value="besoin"' in page and 'value="Besoin social"' in page
    assert 'name="key" value="innovation"' not in page


def test_a_purged_juror_is_a_former_juror(
    app: Flask, client: FlaskClient, new_cycle: Callable[..., CycleRef]
) -> None:
    ref = new_cycle()
    as_facilitator(client, ref.owner_email)
    secret = add_juror(client, ref.id, "Inès Martin")
    assert grade(client, secret, ref.projects[0], besoin=3, comment="Un avis").status_code == 302
    with app.app_context():
        juror = db.session.scalar(select(Juror))
        assert juror is not None
        juror.name, juror.revoked_at = "", utcnow()  # what the purge leaves
        db.session.commit()
    page = text(client.get(f"/f/cycles/{ref.id}/jury"))
    assert "Inès Martin" not in page
    assert page.count("Un ancien membre du jury") >= 2  # the list and the comment
    assert "Un avis" in page


def test_a_juror_at_a_pitch_day_sees_who_is_on_stage(
    app: Flask, client: FlaskClient, new_cycle: Callable[..., CycleRef]
) -> None:
    ref = new_cycle("Épicerie mobile", "Garage solidaire")
    as_facilitator(client, ref.owner_email)
    secret = add_juror(client, ref.id, "Inès Martin")
    with app.app_context():
        owner = db.session.get(Facilitator, ref.owner_id)
        session = make_workshop(owner=owner)
        pitch = Phase(workshop_id=session.id, position=99, kind="pitch", title="Pitch")
        db.session.add(pitch)
        db.session.flush()
        session.cycle_id, session.current_phase_id = ref.id, pitch.id
        session.spotlight_project_id = ref.projects[1]
        db.session.commit()
    page = text(app.test_client().get(f"/jury/{secret}"))
    stage = re.search(r'<p class="jury-stage" id="on-stage">(.*?)</p>', page)
    assert stage and "En ce moment sur scène :" in stage.group(1)
    assert f'href="#project-{ref.projects[1]}"' in stage.group(1)
    assert "Garage solidaire" in stage.group(1)
    assert page.count("Sur scène maintenant") == 1
