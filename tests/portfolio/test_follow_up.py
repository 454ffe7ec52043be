"""Follow-up in the portfolio: stages, duplicate proposals and merges, the funnel."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.factories import make_facilitator
from tests.portfolio.conftest import build_document, challenge, idea, qualification, sign
from workshop.errors import Conflict, NotFound, ValidationError
from workshop.extensions import db
from workshop.models import Fabrique, Facilitator, PortfolioIdea, PortfolioMergeProposal
from workshop.schemas import parse_stage_change
from workshop.services import portfolio


def _fabrique(ref: Any) -> Fabrique:
    found = db.session.get(Fabrique, ref.id)
    assert found is not None
    return found


def _member(ref: Any) -> Facilitator:
    found = db.session.scalar(select(Facilitator).where(Facilitator.email == ref.member_email))
    assert found is not None
    return found


def _idea(title: str) -> PortfolioIdea:
    found = db.session.scalar(select(PortfolioIdea).where(PortfolioIdea.title == title))
    assert found is not None
    return found


SPRING = build_document(
    title="Printemps",
    territory="Annonay",
    ideas=[
        idea(
            1,
            "Épicerie mobile dans les villages",
            body="Un camion épicerie qui passe chaque semaine",
        ),
        idea(2, "Atelier de réparation de vélos"),
    ],
)


def autumn(**extra: Any) -> dict[str, Any]:
    return build_document(
        title="Automne",
        territory="Tournon",
        ideas=[
            idea(
                1, "Une épicerie mobile pour nos villages", body="Un camion épicerie chaque semaine"
            ),
            idea(2, "Cours de cuisine pour les enfants"),
            idea(3, "Atelier de réparation de vélos"),
        ],
        **extra,
    )


def test_look_alike_ideas_of_other_sessions_are_proposed(app: Flask, new_fabrique: Any) -> None:
    ref = new_fabrique()
    with app.app_context():
        first = portfolio.import_export(_fabrique(ref), SPRING)
        assert first.proposals == 0  # nothing to compare with yet
        second = portfolio.import_export(_fabrique(ref), autumn())
        assert second.proposals == 2
        pairs = {(p.keep.title, p.idea.title) for p in portfolio.open_proposals(_fabrique(ref))}
        assert pairs == {
            ("Épicerie mobile dans les villages", "Une épicerie mobile pour nos villages"),
            ("Atelier de réparation de vélos", "Atelier de réparation de vélos"),
        }


def test_ideas_of_the_same_session_are_never_proposed(app: Flask, new_fabrique: Any) -> None:
    ref = new_fabrique()
    twins = build_document(ideas=[idea(1, "Jardin partagé"), idea(2, "Jardin partagé")])
    with app.app_context():
        assert portfolio.import_export(_fabrique(ref), twins).proposals == 0


def test_accepting_merges_and_the_funnel_stops_counting_the_duplicate(
    app: Flask, new_fabrique: Any
) -> None:
    ref = new_fabrique()
    with app.app_context():
        portfolio.import_export(_fabrique(ref), SPRING)
        portfolio.import_export(_fabrique(ref), autumn())
        assert portfolio.funnel(_fabrique(ref)).total == 5
        proposal = next(
            p for p in portfolio.open_proposals(_fabrique(ref)) if "épicerie" in p.idea.title
        )
        portfolio.accept_merge(_fabrique(ref), proposal.id, _member(ref))
        merged, kept = (
            _idea("Une épicerie mobile pour nos villages"),
            _idea("Épicerie mobile dans les villages"),
        )
        assert merged.merged_into_id == kept.id
        assert portfolio.funnel(_fabrique(ref)).total == 4
        assert len(portfolio.open_proposals(_fabrique(ref))) == 1
        with pytest.raises(Conflict):
            portfolio.accept_merge(_fabrique(ref), proposal.id, _member(ref))


def test_a_dismissed_pair_is_not_proposed_again(app: Flask, new_fabrique: Any) -> None:
    ref = new_fabrique()
    with app.app_context():
        portfolio.import_export(_fabrique(ref), SPRING)
        document = autumn()
        portfolio.import_export(_fabrique(ref), document)
        for proposal in portfolio.open_proposals(_fabrique(ref)):
            portfolio.dismiss_merge(_fabrique(ref), proposal.id, _member(ref))
        newer = copy.deepcopy(document)
        del newer["integrity"]
        newer["exported_at"] = "2026-11-23T08:00:00Z"
        newer["ideas"][0]["body"] += " et le dimanche"  # changed text: compared again
        result = portfolio.import_export(_fabrique(ref), sign(newer))
        assert result.status == "updated" and result.proposals == 0
        assert portfolio.open_proposals(_fabrique(ref)) == []
        assert db.session.query(PortfolioMergeProposal).count() == 2


def test_merges_and_proposals_stay_inside_their_fabrique(app: Flask, new_fabrique: Any) -> None:
    one, two = new_fabrique(), new_fabrique()
    with app.app_context():
        portfolio.import_export(_fabrique(one), SPRING)
        portfolio.import_export(_fabrique(two), autumn())
        assert portfolio.open_proposals(_fabrique(two)) == []
        portfolio.import_export(_fabrique(one), autumn())
        proposal = portfolio.open_proposals(_fabrique(one))[0]
        with pytest.raises(NotFound):
            portfolio.accept_merge(_fabrique(two), proposal.id, _member(two))


def test_changing_a_stage_needs_the_current_version_and_a_reason_to_abandon(
    app: Flask, new_fabrique: Any
) -> None:
    ref = new_fabrique()
    with app.app_context():
        portfolio.import_export(_fabrique(ref), SPRING)
        bike = _idea("Atelier de réparation de vélos")
        with pytest.raises(ValidationError) as caught:
            parse_stage_change({"idea_id": bike.id, "stage": "abandoned", "version": 1})
        assert caught.value.details["field"] == "abandon_reason"
        with pytest.raises(ValidationError):
            parse_stage_change({"idea_id": bike.id, "stage": "sold", "version": 1})
        portfolio.change_stage(
            _fabrique(ref),
            parse_stage_change(
                {
                    "idea_id": bike.id,
                    "stage": "abandoned",
                    "abandon_reason": "Déjà fait",
                    "version": 1,
                }
            ),
        )
        with pytest.raises(Conflict):  # made from the version before
            portfolio.change_stage(
                _fabrique(ref),
                parse_stage_change({"idea_id": bike.id, "stage": "launched", "version": 1}),
            )
        again = _idea("Atelier de réparation de vélos")
        assert (again.stage, again.abandon_reason, again.version) == ("abandoned", "Déjà fait", 2)


def test_the_funnel_counts_by_stage_territory_and_session(app: Flask, new_fabrique: Any) -> None:
    ref = new_fabrique()
    north = build_document(
        title="Nord",
        territory="Annonay",
        challenges=[challenge(1, "Défi qualifié", qualification=qualification("holder_search"))],
        ideas=[
            idea(1, "A", 1),
            idea(2, "B", 1),
            idea(3, "C", None, qualification=qualification("launched", territory="Lyon")),
            idea(4, "D", None, state="withdrawn"),
        ],
    )
    south = build_document(title="Sud", territory="", ideas=[idea(1, "E"), idea(2, "F")])
    with app.app_context():
        portfolio.import_export(_fabrique(ref), north)
        portfolio.import_export(_fabrique(ref), south)
        counted = portfolio.funnel(_fabrique(ref))
        # Projects, not ideas: the qualified défi and its two ideas count once.
        assert (counted.unit, counted.total, counted.ideas_total) == ("projects", 4, 5)
        assert counted.by_stage == {
            "to_study": 2,
            "opportunity_study": 0,
            "holder_search": 1,
            "launching": 0,
            "launched": 1,
            "abandoned": 0,
        }
        territories = {row["territory"]: row["total"] for row in counted.by_territory}
        assert territories == {"Annonay": 1, "Lyon": 1, "": 2}
        assert counted.by_territory[-1]["territory"] == ""  # "not given" comes last
        sessions = {row["session"].title: row["counts"] for row in counted.by_session}
        assert sessions["Nord"]["holder_search"] == 1 and sessions["Nord"]["launched"] == 1
        assert sessions["Sud"]["to_study"] == 2
        assert sum(sessions["Sud"].values()) == 2


def test_membership_decides_who_sees_a_portfolio(app: Flask, new_fabrique: Any) -> None:
    from workshop.errors import Forbidden
    from workshop.services import fabriques

    ref = new_fabrique()
    with app.app_context():
        outsider = make_facilitator()
        fabriques.require_member(_fabrique(ref), _member(ref))
        with pytest.raises(Forbidden):
            fabriques.require_member(_fabrique(ref), outsider)
        with pytest.raises(Forbidden):
            fabriques.require_member(_fabrique(ref), None)


def test_batched_similarity_answers_as_one_query_at_a_time() -> None:
    from workshop.grouping import nearby

    texts = [
        f"Idée {n} : jardin partagé numéro {n % 7} près de l'école {n % 3}" for n in range(300)
    ]
    index = nearby.SimilarityIndex(texts[:200])
    queries = [*texts[150:], "", "   ", "zzz"]
    assert index.query_many(queries, 3, 0.2) == [index.query(q, 3, 0.2) for q in queries]
    assert nearby.SimilarityIndex([]).query_many(["jardin"]) == [[]]
