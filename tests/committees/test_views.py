"""Committee pages in French: members of the Fabrique set up committees, meetings and
decisions; committee members grade through their personal link; others get 404."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import as_facilitator
from workshop.extensions import db
from workshop.models import CommitteeMember, Grade, ItemComment, MeetingItem, Project

LINK = re.compile(r'id="issued-url" type="text" readonly value="http://localhost/comite/([^"]+)"')


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def set_up(client: FlaskClient, portfolio: Any, slug: str | None = None) -> dict[str, Any]:
    """A member signs in, creates a committee, adds a member, plans a meeting with two
    projects and opens it, through the pages."""
    world = portfolio(slug=slug)
    as_facilitator(client, world.fabrique.member_email)
    base = f"/fabriques/{world.fabrique.slug}/comites"
    assert "Créer un comité" in text(client.get(base))
    created = client.post(base, data={"name": "Comité de pilotage", "kind": "steering"})
    assert created.status_code == 302
    committee_url = created.headers["Location"]
    committee_id = int(committee_url.rsplit("/", 1)[1])
    page = text(client.get(committee_url))
    assert "Besoin social" in page and "Engagement des partenaires" in page
    assert re.search(r"<title>Comité de pilotage · [^<]+ · Semis</title>", page)
    assert page.count('id="delete-committee"') == 1
    added = client.post(
        f"{committee_url}/membres", data={"name": "Inès Martin", "role": "Personne élue"}
    )
    assert added.status_code == 200
    secret = LINK.search(text(added))
    assert secret, text(added)
    meeting = client.post(
        f"{committee_url}/reunions",
        data={"title": "Comité de janvier", "date": "2027-01-14", "place": "Mairie"},
    )
    assert meeting.status_code == 302
    meeting_url = meeting.headers["Location"]
    for project_id in world.projects:
        assert (
            client.post(f"{meeting_url}/ordre-du-jour", data={"project_id": project_id}).status_code
            == 302
        )
    assert client.post(f"{meeting_url}/statut", data={"status": "open"}).status_code == 302
    return {
        "world": world,
        "committee_url": committee_url,
        "committee_id": committee_id,
        "meeting_url": meeting_url,
        "secret": secret.group(1),
    }


def test_a_committee_from_setup_to_decision(
    app: Flask, client: FlaskClient, portfolio: Any
) -> None:
    s = set_up(client, portfolio)
    meeting_page = text(client.get(s["meeting_url"]))
    assert "Ordre du jour" in meeting_page and "Épicerie mobile" in meeting_page
    assert "Ouverte : les membres notent" in meeting_page

    # The committee member, without an account, opens their link.
    member = app.test_client()
    page = member.get(f"/comite/{s['secret']}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    body = text(page)
    assert "Bonjour Inès Martin" in body and "Familles" in body and "à rejeter" in body
    with app.app_context():
        item_ids = [
            i.id for i in db.session.scalars(select(MeetingItem).order_by(MeetingItem.position))
        ]
    form = {
        f"grade-{key}": "4"
        for key in (
            "besoin-social",
            "potentiel-economique",
            "ancrage-territorial",
            "faisabilite",
            "engagement-partenaires",
        )
    }
    saved = member.post(
        f"/comite/{s['secret']}/projets/{item_ids[0]}", data={**form, "comment": "Très utile"}
    )
    assert saved.status_code == 302
    assert "Vos notes pour « Épicerie mobile » sont enregistrées." in text(
        member.get(saved.headers["Location"])
    )
    # A grade off the scale is refused in the page, what was typed kept.
    refused = member.post(
        f"/comite/{s['secret']}/projets/{item_ids[1]}",
        data={"grade-faisabilite": "9", "comment": "Mon avis gardé"},
    )
    assert refused.status_code == 400
    assert "Choisissez une des notes proposées." in text(refused)
    assert "Mon avis gardé" in text(refused)

    # The deliberation shows the result, in words too.
    deliberation = text(client.get(f"{s['meeting_url']}/deliberation"))
    assert "Mention majoritaire" in deliberation and "bien : 1" in deliberation
    assert "Très utile" in deliberation and "Inès Martin" in deliberation
    assert deliberation.index("Épicerie mobile") < deliberation.index("Garage solidaire")

    # Dropping needs a reason; with it, the project is abandoned.
    url = f"{s['meeting_url']}/deliberation/{item_ids[1]}"
    refused = client.post(url, data={"decision": "dropped", "reason": ""})
    assert refused.status_code == 400 and "Dites pourquoi le projet est abandonné" in text(refused)
    done = client.post(url, data={"decision": "dropped", "reason": "faute de potentiel"})
    assert done.status_code == 302
    assert "Décision enregistrée pour « Garage solidaire » : Abandonné." in text(
        client.get(done.headers["Location"])
    )
    with app.app_context():
        project = db.session.get(Project, s["world"].projects[1])
        assert project is not None and project.stage == "abandoned"
        assert project.abandon_reason == "faute de potentiel"

    # Closed: the member's page no longer grades.
    client.post(f"{s['meeting_url']}/statut", data={"status": "closed"})
    closed = member.post(f"/comite/{s['secret']}/projets/{item_ids[0]}", data=form)
    assert closed.status_code == 409
    assert "Cette réunion n’est pas ouverte" in text(closed)
    assert "Aucune réunion n’est prévue ou ouverte" in text(closed)


def test_grid_editing_refusals_keep_what_was_typed(client: FlaskClient, portfolio: Any) -> None:
    s = set_up(client, portfolio)
    page = text(client.get(s["committee_url"]))
    keys = re.findall(r'name="key" value="([^"]*)"', page)
    assert len(keys) == 6  # five criteria and an empty line to add one
    labels = ["Besoin social", "Besoin social", "", "", "", "Nouveau"]
    refused = client.post(
        f"{s['committee_url']}/criteres",
        data={"key": keys, "label": labels, "description": [""] * 6},
    )
    assert refused.status_code == 400
    body = text(refused)
    assert "Donnez un nom à chaque critère" in body and 'value="Nouveau"' in body
    saved = client.post(
        f"{s['committee_url']}/criteres",
        data={
            "key": keys,
            "label": ["Utilité", "Viabilité", "Ancrage", "Faisabilité", "Partenaires", "Climat"],
            "description": ["", "", "", "", "", "Effet sur le climat"],
            "remove": [keys[4]],
        },
    )
    assert saved.status_code == 302
    page = text(client.get(s["committee_url"]))
    assert "Climat" in page and "Partenaires" not in page


def test_member_links_revoked_and_replaced(app: Flask, client: FlaskClient, portfolio: Any) -> None:
    s = set_up(client, portfolio)
    member = app.test_client()
    with app.app_context():
        member_id = db.session.scalars(select(CommitteeMember.id)).one()
    new = client.post(f"{s['committee_url']}/membres/{member_id}/nouveau-lien")
    fresh = LINK.search(text(new))
    assert fresh
    assert member.get(f"/comite/{s['secret']}").status_code == 404
    assert member.get(f"/comite/{fresh.group(1)}").status_code == 200
    client.post(f"{s['committee_url']}/membres/{member_id}/revoquer")
    refused = member.get(f"/comite/{fresh.group(1)}")
    assert refused.status_code == 404
    assert "Ce lien n’est pas valable" in text(refused)
    assert member.get("/comite/n-importe-quoi").status_code == 404


def test_another_fabriques_committee_is_not_found(
    app: Flask, client: FlaskClient, portfolio: Any
) -> None:
    theirs = set_up(client, portfolio)
    outsider = app.test_client()
    mine = portfolio()
    as_facilitator(outsider, mine.fabrique.member_email)
    base = f"/fabriques/{mine.fabrique.slug}/comites/{theirs['committee_id']}"
    meeting_path = theirs["meeting_url"].split("/reunions/")[1]
    with app.app_context():
        item_id = db.session.scalars(select(MeetingItem.id)).first()
        member_id = db.session.scalars(select(CommitteeMember.id)).one()
    for method, path, data in [
        ("get", base, {}),
        ("get", f"{base}/reunions/{meeting_path}", {}),
        ("get", f"{base}/reunions/{meeting_path}/deliberation", {}),
        ("post", f"{base}/criteres", {"key": [""], "label": ["X"], "description": [""]}),
        ("post", f"{base}/membres", {"name": "Intrus"}),
        ("post", f"{base}/membres/{member_id}/revoquer", {}),
        ("post", f"{base}/membres/{member_id}/nouveau-lien", {}),
        ("post", f"{base}/membres/{member_id}/supprimer", {}),
        ("post", f"{base}/supprimer", {"confirm": "yes"}),
        ("post", f"{base}/reunions/{meeting_path}/statut", {"status": "closed"}),
        (
            "post",
            f"{base}/reunions/{meeting_path}/deliberation/{item_id}",
            {"decision": "prioritised"},
        ),
    ]:
        response = getattr(outsider, method)(path, data=data)
        assert response.status_code == 404, (method, path, response.status_code)
    # Their slug is not theirs to use either.
    assert outsider.get(theirs["committee_url"]).status_code == 403
    # An agenda of mine cannot take their project.
    my_committee = outsider.post(
        f"/fabriques/{mine.fabrique.slug}/comites", data={"name": "C", "kind": "steering"}
    ).headers["Location"]
    my_meeting = outsider.post(
        f"{my_committee}/reunions", data={"title": "R", "date": "2027-02-01"}
    ).headers["Location"]
    assert (
        outsider.post(
            f"{my_meeting}/ordre-du-jour", data={"project_id": theirs["world"].projects[0]}
        ).status_code
        == 404
    )
    with app.app_context():
        assert (
            db.session.scalar(select(CommitteeMember).where(CommitteeMember.name == "Intrus"))
            is None
        )


def test_a_members_link_cannot_grade_another_committees_meeting(
    app: Flask, client: FlaskClient, portfolio: Any
) -> None:
    first = set_up(client, portfolio)
    second = set_up(app.test_client(), portfolio)
    with app.app_context():
        theirs = db.session.scalars(select(MeetingItem.id).order_by(MeetingItem.id.desc())).first()
    member = app.test_client()
    response = member.post(
        f"/comite/{first['secret']}/projets/{theirs}", data={"grade-faisabilite": "6"}
    )
    assert response.status_code == 404
    assert "Comité de janvier" in text(member.get(f"/comite/{second['secret']}"))
    with app.app_context():
        assert db.session.scalar(select(Grade)) is None
        assert db.session.scalar(select(ItemComment)) is None


def test_pages_need_a_member(app: Flask, client: FlaskClient, portfolio: Any) -> None:
    world = portfolio()
    assert client.get(f"/fabriques/{world.fabrique.slug}/comites").status_code == 302


def test_the_project_pages_section_lists_meetings_and_decisions(
    app: Flask, client: FlaskClient, portfolio: Any
) -> None:
    s = set_up(client, portfolio)
    with app.app_context():
        item_id = db.session.scalars(select(MeetingItem.id).order_by(MeetingItem.id)).first()
    client.post(
        f"{s['meeting_url']}/deliberation/{item_id}",
        data={"decision": "study_further", "reason": "Voir les partenaires"},
    )
    with app.test_request_context():
        from flask import render_template_string

        from workshop.models import Fabrique

        fabrique = db.session.get(Fabrique, s["world"].fabrique.id)
        decided = db.session.get(Project, s["world"].projects[0])
        other = db.session.get(Project, s["world"].projects[1])
        html = render_template_string(
            '{% include "projects/_committees.html" %}', fabrique=fabrique, project=decided
        )
        assert "Comité de pilotage" in html and "Comité de janvier" in html
        assert "À approfondir" in html and "Voir les partenaires" in html
        assert f"/deliberation#item-{item_id}" in html
        html = render_template_string(
            '{% include "projects/_committees.html" %}', fabrique=fabrique, project=other
        )
        assert "Comité de janvier" in html and "À approfondir" not in html


def test_deleting_a_committee_keeps_the_decisions_in_the_history(
    app: Flask, client: FlaskClient, portfolio: Any
) -> None:
    s = set_up(client, portfolio)
    with app.app_context():
        item_id = db.session.scalars(select(MeetingItem.id).order_by(MeetingItem.id)).first()
    member = app.test_client()
    member.post(f"/comite/{s['secret']}/projets/{item_id}", data={"grade-faisabilite": "5"})
    client.post(f"{s['meeting_url']}/deliberation/{item_id}", data={"decision": "postponed"})
    refused = client.post(f"{s['committee_url']}/supprimer")
    assert refused.status_code == 400 and "Cochez la case pour confirmer" in text(refused)
    done = client.post(f"{s['committee_url']}/supprimer", data={"confirm": "yes"})
    assert done.status_code == 302
    assert "Comité « Comité de pilotage » supprimé." in text(client.get(done.headers["Location"]))
    assert member.get(f"/comite/{s['secret']}").status_code == 404
    with app.app_context():
        from workshop.models import Committee, ProjectEvent

        assert db.session.scalar(select(Committee)) is None
        assert db.session.scalar(select(Grade)) is None
        assert db.session.scalar(select(MeetingItem)) is None
        kinds = db.session.scalars(select(ProjectEvent.kind)).all()
        assert "decision" in kinds


def test_the_deliberation_refreshes_at_the_setting_never_below_two_seconds(
    app: Flask, client: FlaskClient, portfolio: Any
) -> None:
    """The page carries WORKSHOP_RESULTS_REFRESH_SECONDS for its script, floored by the
    server (every refresh fetches the whole page again, for every member)."""
    s = set_up(client, portfolio)
    for setting, shown in ((15, 15), (30, 30), (1, 2), (0, 2), (-5, 2)):
        app.config["RESULTS_REFRESH_SECONDS"] = setting
        page = text(client.get(f"{s['meeting_url']}/deliberation"))
        assert f'data-live-every="{shown}"' in page, setting
