"""The duplicate review's page (« Doublons probables »): the owner and a co-facilitator
open it, in French by default; it loads its script and carries the review's strings.
Strangers are sent away (tests/views/test_facilitator_views.py, PAGES)."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import as_facilitator
from tests.factories import WorkshopRef, make_facilitator
from workshop.extensions import db
from workshop.models import Workshop


def test_the_workshops_facilitators_open_the_review(
    app: Flask, client: FlaskClient, new_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = new_workshop()
    with app.app_context():
        second = make_facilitator()
        row = db.session.get_one(Workshop, workshop.id)
        row.facilitators.append(second)
        db.session.commit()
        co_email = second.email
    for email in (workshop.owner_email, co_email):
        client = app.test_client()
        as_facilitator(client, email)
        page = client.get(f"/f/w/{workshop.id}/duplicates")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "<h1>Doublons probables</h1>" in html
        assert f'data-workshop-id="{workshop.id}"' in html
        assert "js/duplicates.js" in html
        # Its strings come with the page's strings script (/i18n/fr.js).
        [script] = re.findall(r'<script defer src="(/i18n/fr\.js\?v=\w+)"', html)
        assert '"duplicates.dismiss":"Pas des doublons"' in client.get(script).get_data(
            as_text=True
        )
    # The console links to it.
    as_facilitator(client, workshop.owner_email)
    console = client.get(f"/f/w/{workshop.id}").get_data(as_text=True)
    assert f'href="/f/w/{workshop.id}/duplicates"' in console
