"""The printable report: a summary by défi, inert hostile text, consenting volunteers only."""

from __future__ import annotations

from html.parser import HTMLParser

from flask import Flask

from tests.exports.conftest import BIDI, CONTACT_EMAIL, DDE, FORMULA, HIDDEN_EMAIL, HTML, Session
from tests.exports.test_export_json import export
from workshop.exports.report import content_security_policy, render_report


class Collector(HTMLParser):
    """The elements and the text of a page, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.text: list[str] = []
        self.sections: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [name for name, _value in attrs]
        if tag == "section":
            self.sections.append(dict(attrs).get("id") or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def report(app: Flask, workshop_id: int) -> tuple[str, Collector]:
    doc = export(app, workshop_id)
    with app.test_request_context():
        html = render_report(doc)
    parsed = Collector()
    parsed.feed(html)
    return html, parsed


def test_the_report_is_a_summary_by_challenge_in_french(app: Flask, session: Session) -> None:
    html, parsed = report(app, session.id)
    assert '<html lang="fr"' in html
    text = "".join(parsed.text)
    assert "Synthèse par défi" in text
    food, mobility = session.challenge_ids
    # Best ranked first, then the défi without votes, then the unclassified ideas.
    assert parsed.sections[:2] == [f"challenge-{food}", f"challenge-{mobility}"]
    assert parsed.sections[-1] == "unclassified"
    assert "Recherche de porteur" in text  # the food défi's follow-up stage
    assert "Aillon-le-Jeune (INSEE 73006)" in text
    assert "Un composteur de quartier" in text


def test_hostile_text_is_inert_and_intact(app: Flask, session: Session) -> None:
    html, parsed = report(app, session.id)
    assert "script" not in parsed.tags and "img" not in parsed.tags and "i" not in parsed.tags
    assert "onerror" not in parsed.attributes
    text = "".join(parsed.text)
    for hostile in (HTML, FORMULA, DDE, BIDI, "<b>Zoé</b>", "Camille <i>D.</i>"):
        assert hostile in text, hostile
    assert "&lt;script&gt;" in html
    # No script at all, and the policy it is served with allows only its own style.
    policy = content_security_policy(html)
    assert "default-src 'none'" in policy and "'sha256-" in policy
    assert "script-src" not in policy and "unsafe-inline" not in policy


def test_only_consenting_volunteers_appear(app: Flask, session: Session) -> None:
    html, parsed = report(app, session.id)
    text = "".join(parsed.text)
    assert CONTACT_EMAIL in text and "06 12 34 56 78" in text
    assert HIDDEN_EMAIL not in html
    assert "1 autre personne volontaire ne souhaite pas être contactée." in " ".join(text.split())
    for token in session.tokens:
        assert token not in html
