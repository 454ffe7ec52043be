"""The funder report's figures on a portfolio built for it (tests/reports/conftest.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask import Flask

from tests.reports.conftest import CAMPAIGN, END, EXPECTED, START, TERRITORY, Portfolio
from workshop.extensions import db
from workshop.models import Project, ProjectEvent
from workshop.services import fabriques, reports


def _report(app: Flask, slug: str, **filters: str) -> reports.FunderReport:
    with app.app_context():
        fabrique = fabriques.get_by_slug(slug)
        return reports.funder_report(fabrique, START, END, **filters)


def test_the_report_counts_what_the_fabrique_did_in_the_period_and_territory(
    app: Flask, built: Portfolio
) -> None:
    report = _report(app, built.slug, territory=TERRITORY)
    assert len(report.sessions) == EXPECTED["sessions"]
    assert [line.date for line in report.sessions] == [dt.date(2026, 3, 10), dt.date(2026, 5, 2)]
    assert report.participants == EXPECTED["participants"]
    assert report.participants_by_profile == EXPECTED["by_profile"]
    assert report.sessions_without_profiles == EXPECTED["sessions_without_profiles"]
    assert report.ideas_by_source == EXPECTED["ideas"]
    assert report.projects_by_stage == EXPECTED["stages"]
    assert report.projects == EXPECTED["projects"]
    assert report.projects_with_holder == EXPECTED["with_holder"]
    assert report.holders_added_by_kind == EXPECTED["holders_added"]
    assert report.holders_added == sum(EXPECTED["holders_added"].values())
    assert report.launched_in_period == EXPECTED["launched_in_period"]
    assert report.launched_total == EXPECTED["launched_total"]
    assert report.decisions == EXPECTED["decisions"]


def test_the_report_holds_counts_never_names_or_contacts(app: Flask, built: Portfolio) -> None:
    report = _report(app, built.slug, territory=TERRITORY)
    text = repr(dataclasses.asdict(report))
    for personal in ("Camille", "camille.dupont@example.org", "Mairie d'Annonay", "Ruche"):
        assert personal not in text


def test_a_territory_is_matched_whatever_its_case_and_spacing(app: Flask, built: Portfolio) -> None:
    typed = _report(app, built.slug, territory="  NORD   ardèche")
    assert len(typed.sessions) == 2 and typed.projects == EXPECTED["projects"]
    elsewhere = _report(app, built.slug, territory="Privas")
    assert len(elsewhere.sessions) == 1 and elsewhere.participants == 15
    assert elsewhere.projects_by_stage["launched"] == 1
    assert elsewhere.decisions == {"postponed": 1}
    nowhere = _report(app, built.slug, territory="Vercors")
    assert nowhere.sessions == [] and nowhere.projects == 0 and nowhere.ideas == 0


def test_without_a_territory_every_territory_counts(app: Flask, built: Portfolio) -> None:
    report = _report(app, built.slug)
    assert len(report.sessions) == 3 and report.participants == 35
    assert report.ideas_by_source["session"] == EXPECTED["ideas"]["session"] + 3
    assert report.projects == EXPECTED["projects"] + 1


def test_a_campaign_keeps_its_projects_their_sessions_and_their_ideas(
    app: Flask, built: Portfolio
) -> None:
    report = _report(app, built.slug, campaign=CAMPAIGN.lower())
    assert [line.participants for line in report.sessions] == [12]
    assert report.ideas_by_source == {"session": 3, "box": 1, "relayed": 0}
    assert report.projects == 2
    assert report.projects_by_stage["holder_search"] == 1
    assert report.projects_by_stage["to_study"] == 1


def test_a_project_counts_once_begun_and_launches_count_in_their_period(
    app: Flask, built: Portfolio
) -> None:
    with app.app_context():
        fabrique = fabriques.get_by_slug(built.slug)
        late_2025 = reports.funder_report(
            fabrique, dt.date(2025, 7, 1), dt.date(2025, 12, 31), TERRITORY
        )
        whole = reports.funder_report(fabrique, dt.date(2025, 1, 1), dt.date(2026, 12, 31))
    # Only the project of the 2025 session had begun; it was launched in December.
    assert late_2025.projects == 1 and late_2025.launched_in_period == 1
    assert late_2025.ideas_by_source == {"session": 5, "box": 0, "relayed": 0}
    assert late_2025.decisions == {}
    # Over both years: both launches, the relayed need of August, the later decision.
    assert whole.launched_in_period == 3 and whole.launched_total == 3
    assert whole.ideas_by_source["relayed"] == 2
    assert whole.decisions == {"prioritised": 1, "postponed": 1, "dropped": 1}


def test_another_fabriques_rows_never_reach_the_report(app: Flask, built: Portfolio) -> None:
    # Both Fabriques hold the same rows: each report is exactly one set of them.
    mine = _report(app, built.slug, territory=TERRITORY)
    theirs = _report(app, built.other_slug, territory=TERRITORY)
    same = {"fabrique_name": "", "generated_at": mine.generated_at, "sessions": []}
    assert dataclasses.replace(mine, **same) == dataclasses.replace(theirs, **same)
    assert mine.participants == EXPECTED["participants"]
    assert not {line.title for line in mine.sessions} & {line.title for line in theirs.sessions}


def test_the_form_knows_the_territories_and_campaigns_once_each(
    app: Flask, built: Portfolio
) -> None:
    with app.app_context():
        fabrique = fabriques.get_by_slug(built.slug)
        territories = reports.known_territories(fabrique)
        campaigns = reports.known_campaigns(fabrique)
    assert territories == [TERRITORY, "Privas"]
    assert campaigns == [CAMPAIGN]


def test_a_launch_a_newer_export_brought_counts_in_its_period(app: Flask, built: Portfolio) -> None:
    with app.app_context():
        project = db.session.get(Project, built.projects["p1"])
        assert project is not None
        project.stage = "launched"
        db.session.add(
            ProjectEvent(
                project_id=project.id,
                at=dt.datetime(2026, 4, 1, 10, tzinfo=dt.UTC),
                by_label="import",
                kind="imported",
                data={"changes": {"stage": {"from": "holder_search", "to": "launched"}}},
            )
        )
        db.session.commit()
    report = _report(app, built.slug, territory=TERRITORY)
    assert report.launched_in_period == EXPECTED["launched_in_period"] + 1
    assert report.launched_total == EXPECTED["launched_total"] + 1
