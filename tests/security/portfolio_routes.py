"""The requests of the Fabrique's follow-up routes (issue #15) for the HTTP matrix of
:mod:`tests.security.test_authorization_matrix`: projects, committees (and a committee
member's link), the call for holders (and its public form), idea boxes (and a box's
public page), people kept informed (and their unsubscribe link), the report's carnet,
and the API's writes.

Everything is of a Fabrique whose only member is workshop A's owner, built through the
services once per world and only when a request needs it (:class:`FollowUp`), before
the matrix takes its « nothing changed » snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cached_property
from typing import Any

from flask import Flask
from sqlalchemy import select

from tests.portfolio.conftest import build_document, idea
from tests.security.conftest import World
from workshop.extensions import db
from workshop.models import Fabrique, Facilitator, MailStatus, Project
from workshop.schemas import parse_new_fabrique
from workshop.schemas.candidates import parse_call_setting, parse_met_candidate
from workshop.schemas.committees import (
    parse_committee_form,
    parse_meeting_form,
    parse_member_form,
)
from workshop.schemas.idea_boxes import parse_box_form, parse_box_post
from workshop.schemas.projects import parse_holder
from workshop.services import (
    candidates,
    committees,
    fabriques,
    followers,
    idea_boxes,
    mail,
    portfolio,
)
from workshop.services.accounts import get_by_email

#: The blueprints whose requests this module makes.
BLUEPRINTS = ("projects.", "committees.", "calls.", "idea_boxes.", "followers.", "reports.")
#: The API's writes of issue #15 (``api.import_export`` is the matrix's own).
API_WRITES = (
    "api.add_project_candidate",
    "api.add_project_holder",
    "api.add_project_note",
    "api.record_decision",
    "api.update_candidate",
    "api.update_project",
)

Request = tuple[str, dict[str, Any]]


def handles(endpoint: str) -> bool:
    return endpoint.startswith(BLUEPRINTS) or endpoint in API_WRITES


class FollowUp:
    """A Fabrique whose only member is A's owner, with one imported project, and what
    each route acts on, made on first use (one of each per world)."""

    def __init__(self, app: Flask, world: World) -> None:
        self.app = app
        self.world = world
        with app.app_context():
            owner = self._owner()
            fabrique = fabriques.create_fabrique(
                parse_new_fabrique({"slug": f"suivi-{world.a.workshop_id}", "name": "Fabrique"})
            )
            fabriques.add_member(fabrique, owner)
            document = build_document(ideas=[idea(1, "Une épicerie mobile")])
            portfolio.import_export(fabrique, document, by=owner)
            self.slug = fabrique.slug
            self.fabrique_id = fabrique.id
            project = db.session.scalar(
                select(Project).where(Project.fabrique_id == fabrique.id).order_by(Project.id)
            )
            assert project is not None
            self.project_id = project.id

    # ------------------------------------------------------------------ helpers

    def _owner(self) -> Facilitator:
        owner = get_by_email(self.world.a.owner_email)
        assert owner is not None
        return owner

    def _fabrique(self) -> Fabrique:
        fabrique = db.session.get(Fabrique, self.fabrique_id)
        assert fabrique is not None
        return fabrique

    def version(self) -> str:
        """The project's version now (a stage or sheet form carries it)."""
        with self.app.app_context():
            project = db.session.get(Project, self.project_id)
            assert project is not None
            return str(project.version)

    @property
    def base(self) -> str:
        return f"/fabriques/{self.slug}"

    # ----------------------------------------------------------------- projects

    @cached_property
    def holder_id(self) -> int:
        with self.app.app_context():
            entry = parse_holder({"kind": "collective", "name": "Collectif des Bauges"})
            project = portfolio.add_project_holder(
                self._fabrique(), self.project_id, entry, self._owner()
            )
            return int(project.holders[0].id)

    # --------------------------------------------------------------- committees

    @cached_property
    def committee_id(self) -> int:
        with self.app.app_context():
            form = parse_committee_form({"name": "Comité de pilotage", "kind": "steering"})
            return int(committees.create_committee(self._fabrique(), form).id)

    @cached_property
    def member(self) -> tuple[int, str]:
        """A committee member: their id and the secret of their personal link."""
        with self.app.app_context():
            form = parse_member_form({"name": "Dominique Élue", "role": "Expert"})
            issued = committees.add_member(self._fabrique(), self.committee_id, form)
            return int(issued.member.id), issued.secret

    @cached_property
    def meeting_id(self) -> int:
        """A planned meeting of the committee, with the project on its agenda."""
        with self.app.app_context():
            form = parse_meeting_form({"title": "Comité de janvier", "date": "2027-01-14"})
            meeting = committees.create_meeting(self._fabrique(), self.committee_id, form)
            committees.add_to_agenda(
                self._fabrique(), self.committee_id, meeting.id, self.project_id
            )
            return int(meeting.id)

    @cached_property
    def item_id(self) -> int:
        """The project's item on the meeting's agenda."""
        with self.app.app_context():
            meeting = committees.meeting_in(self._fabrique(), self.committee_id, self.meeting_id)
            return int(meeting.items[0].id)

    @cached_property
    def open_item_id(self) -> int:
        """The item, its meeting open (members grade, decisions are recorded)."""
        item_id = self.item_id
        with self.app.app_context():
            committees.set_status(self._fabrique(), self.committee_id, self.meeting_id, "open")
        return item_id

    @property
    def meeting_url(self) -> str:
        return f"{self.base}/comites/{self.committee_id}/reunions/{self.meeting_id}"

    def criteria_form(self) -> dict[str, list[str]]:
        """The committee's grid as its form sends it, the first criterion renamed."""
        with self.app.app_context():
            criteria = committees.committee_in(self._fabrique(), self.committee_id).criteria
            return {
                "key": [str(c["key"]) for c in criteria],
                "label": ["Utilité pour le territoire"] + [str(c["label"]) for c in criteria[1:]],
                "description": [str(c.get("description") or "") for c in criteria],
            }

    def grading_form(self) -> dict[str, str]:
        with self.app.app_context():
            committee = committees.committee_in(self._fabrique(), self.committee_id)
            keys = committees.criteria_keys(committee)
        return {**{f"grade-{key}": "4" for key in keys}, "comment": "Un vrai besoin."}

    # ------------------------------------------------------------------ the call

    @cached_property
    def in_call(self) -> int:
        """The project, put into the public call for holders."""
        with self.app.app_context():
            setting = parse_call_setting({"in_call": "on", "call_text": "Cherche porteur"})
            candidates.set_in_call(self._fabrique(), self.project_id, setting, by=self._owner())
        return self.project_id

    @cached_property
    def candidate_id(self) -> int:
        with self.app.app_context():
            met = parse_met_candidate({"name": "Camille Martin", "phone": "06 12 34 56 78"})
            added = candidates.add_candidate(
                self._fabrique(), self.project_id, met, by=self._owner()
            )
            return int(added.id)

    def others_not_selected_url(self) -> str:
        """The project's « others not selected » address, one candidate waiting."""
        assert self.candidate_id
        return f"{self.base}/appel/{self.project_id}/non-retenus"

    @property
    def candidate_url(self) -> str:
        return f"{self.base}/appel/{self.project_id}/candidats/{self.candidate_id}"

    # ---------------------------------------------------------------- idea boxes

    @cached_property
    def box(self) -> tuple[int, str]:
        """An open, premoderated idea box: its id and short name."""
        with self.app.app_context():
            form = parse_box_form(
                {"title": "Idées pour Privas", "open": "on", "premoderation": "on"}
            )
            box = idea_boxes.create_box(self._fabrique(), form)
            return int(box.id), str(box.slug)

    @cached_property
    def posting_id(self) -> int:
        """A posting of the box, waiting for moderation."""
        _box_id, box_slug = self.box
        with self.app.app_context():
            post = parse_box_post({"title": "Un jardin partagé", "description": "Au centre"})
            project = idea_boxes.post_in_box(self.slug, box_slug, post)
            assert project is not None
            return int(project.id)

    # -------------------------------------------------------------- followers

    @cached_property
    def follower(self) -> tuple[int, str]:
        """Someone kept informed of the project: their id and unsubscribe secret."""
        with self.app.app_context():
            follower = followers.subscribe(
                self.fabrique_id, self.project_id, "suivi@example.org", source="call"
            )
            assert follower is not None
            db.session.commit()
            return int(follower.id), followers.unsubscribe_token(follower)

    @cached_property
    def failed_mail_id(self) -> int:
        """A mail to the follower the outbox gave up on."""
        follower_id, _token = self.follower
        with self.app.app_context():
            row = mail.queue(
                dedupe_key=f"matrix:{self.fabrique_id}",
                to="suivi@example.org",
                subject="« Une épicerie mobile » : nouvelle étape",
                body="b",
                fabrique_id=self.fabrique_id,
                follower_id=follower_id,
            )
            row.status = MailStatus.FAILED.value
            row.attempts = 6
            row.last_error = "550 mailbox unavailable"
            db.session.commit()
            return int(row.id)


def follow_up_request(app: Flask, world: World, endpoint: str) -> Request:
    """The URL and ``client.open`` keywords of a request ``endpoint`` accepts from the
    caller it allows."""
    held = FollowUp(app, world)
    base, pid = held.base, held.project_id
    project = f"{base}/projets/{pid}"

    def committee() -> str:
        return f"{base}/comites/{held.committee_id}"

    def member() -> str:
        return f"{committee()}/membres/{held.member[0]}"

    def posting() -> str:
        return f"{base}/boites/postings/{held.posting_id}"

    requests: dict[str, Callable[[], Request]] = {
        # Projects
        "projects.change_stage": lambda: (
            f"{project}/stage",
            {"data": {"stage": "opportunity_study", "version": held.version()}},
        ),
        "projects.save_sheet": lambda: (
            f"{project}/sheet",
            {"data": {"need_who": "Les familles", "version": held.version()}},
        ),
        "projects.add_holder": lambda: (
            f"{project}/holders",
            {"data": {"kind": "person", "name": "Camille Martin"}},
        ),
        "projects.remove_holder": lambda: (f"{project}/holders/{held.holder_id}/remove", {}),
        "projects.add_note": lambda: (f"{project}/notes", {"data": {"text": "Appel à la mairie"}}),
        # Committees
        "committees.create": lambda: (
            f"{base}/comites",
            {"data": {"name": "Comité d'experts", "kind": "expert"}},
        ),
        "committees.delete": lambda: (f"{committee()}/supprimer", {"data": {"confirm": "yes"}}),
        "committees.save_criteria": lambda: (
            f"{committee()}/criteres",
            {"data": held.criteria_form()},
        ),
        "committees.add_member": lambda: (
            f"{committee()}/membres",
            {"data": {"name": "Alex Expert", "role": "Expert"}},
        ),
        "committees.regenerate_link": lambda: (f"{member()}/nouveau-lien", {}),
        "committees.revoke_member": lambda: (f"{member()}/revoquer", {}),
        "committees.remove_member": lambda: (f"{member()}/supprimer", {}),
        "committees.create_meeting": lambda: (
            f"{committee()}/reunions",
            {"data": {"title": "Comité de février", "date": "2027-02-11", "place": "Mairie"}},
        ),
        "committees.update_meeting": lambda: (
            held.meeting_url,
            {"data": {"title": "Comité de janvier", "date": "2027-01-21", "place": "Salle"}},
        ),
        "committees.set_status": lambda: (
            f"{held.meeting_url}/statut",
            {"data": {"status": "open"}},
        ),
        "committees.add_item": lambda: (
            f"{committee()}/reunions/{empty_meeting(held)}/ordre-du-jour",
            {"data": {"project_id": str(pid)}},
        ),
        "committees.change_item": lambda: (
            f"{held.meeting_url}/ordre-du-jour/{held.item_id}",
            {"data": {"action": "remove"}},
        ),
        "committees.decide": lambda: (
            f"{held.meeting_url}/deliberation/{held.open_item_id}",
            {"data": {"decision": "prioritised", "reason": "Un vrai besoin"}},
        ),
        "committees.grade": lambda: (
            f"/comite/{held.member[1]}/projets/{held.open_item_id}",
            {"data": held.grading_form()},
        ),
        # The call for holders
        "calls.save_intro": lambda: (
            f"{base}/appel/intro",
            {"data": {"call_intro": "Des projets cherchent leurs porteurs."}},
        ),
        "calls.set_in_call": lambda: (
            f"{base}/appel/{pid}/call",
            {"data": {"in_call": "on", "call_text": "Cherche porteur", "version": held.version()}},
        ),
        "calls.add_candidate": lambda: (
            f"{base}/appel/{pid}/candidats",
            {
                "data": {
                    "name": "Sacha Durand",
                    "email": "sacha@example.org",
                    "notes": "Vu au marché",
                }
            },
        ),
        "calls.change_candidate": lambda: (
            held.candidate_url,
            {"data": {"status": "met", "notes": "Rencontré"}},
        ),
        "calls.select_candidate": lambda: (f"{held.candidate_url}/choisir", {}),
        "calls.delete_candidate": lambda: (f"{held.candidate_url}/supprimer", {}),
        "calls.others_not_selected": lambda: (held.others_not_selected_url(), {}),
        "calls.public_project": lambda: (
            f"/p/{held.slug}/appel/{held.in_call}",
            {
                "data": {
                    "name": "Sacha Durand",
                    "email": "sacha@example.org",
                    "message": "Je tiens une épicerie.",
                    "consent": "on",
                }
            },
        ),
        # Idea boxes
        "idea_boxes.create_box": lambda: (
            f"{base}/boites",
            {"data": {"title": "Idées pour Aubenas", "open": "on"}},
        ),
        "idea_boxes.update_box": lambda: (
            f"{base}/boites/{held.box[0]}",
            {"data": {"title": "Idées pour Privas et alentours", "slug": held.box[1]}},
        ),
        "idea_boxes.accept": lambda: (f"{posting()}/accept", {}),
        "idea_boxes.reject": lambda: (f"{posting()}/reject", {}),
        "idea_boxes.retitle": lambda: (f"{posting()}/title", {"data": {"title": "Un jardin"}}),
        "idea_boxes.delete_posting": lambda: (f"{posting()}/delete", {}),
        "idea_boxes.add_need": lambda: (
            f"{base}/besoins/nouveau",
            {
                "data": {
                    "title": "Une navette pour le marché",
                    "description": "Les aînés sans voiture",
                    "source_kind": "collectivite",
                    "source_name": "Mairie de Privas",
                }
            },
        ),
        "idea_boxes.take_into_workshop": lambda: (
            f"{base}/vers-un-atelier",
            {"data": {"project": [str(pid)], "workshop": str(world.a.workshop_id)}},
        ),
        "idea_boxes.public_box": lambda: (
            f"/p/{held.slug}/boite/{held.box[1]}",
            {"data": {"title": "Un composteur", "description": "Dans le square", "nature": "idea"}},
        ),
        # People kept informed
        "followers.confirm_unsubscribe": lambda: (f"/desabonnement/{held.follower[1]}", {}),
        "followers.resend": lambda: (
            f"{base}/abonnes/courriels/{held.failed_mail_id}/renvoyer",
            {},
        ),
        "followers.unsubscribe_for": lambda: (
            f"{base}/abonnes/{held.follower[0]}/desabonner",
            {},
        ),
        # The report's carnet
        "reports.carnet_intro": lambda: (
            f"{base}/carnet",
            {"data": {"intro": "Les projets nés de nos soirées."}},
        ),
        "reports.publication": lambda: (
            f"{project}/carnet",
            {"data": {"published": "on", "public_summary": "Une épicerie qui roule."}},
        ),
        # The API: a bearer token, never a cookie (its member's cookie included)
        "api.add_project_candidate": lambda: (
            f"/api/v1/projects/{pid}/candidates",
            api_json({"name": "Sacha Durand", "email": "sacha@example.org"}),
        ),
        "api.update_candidate": lambda: (
            f"/api/v1/projects/{pid}/candidates/{held.candidate_id}",
            api_json({"status": "met"}),
        ),
        "api.record_decision": lambda: (
            f"/api/v1/projects/{pid}/decisions",
            api_json({"item_id": held.open_item_id, "decision": "prioritised"}),
        ),
        "api.update_project": lambda: (
            f"/api/v1/projects/{pid}",
            api_json({"version": int(held.version()), "sheet": {"next_step": "Appeler"}}),
        ),
        "api.add_project_note": lambda: (
            f"/api/v1/projects/{pid}/notes",
            api_json({"text": "Rencontre avec la mairie"}),
        ),
        "api.add_project_holder": lambda: (
            f"/api/v1/projects/{pid}/holders",
            api_json({"name": "Collectif des Bauges", "kind": "collective"}),
        ),
    }
    return requests[endpoint]()


def api_json(body: dict[str, Any]) -> dict[str, Any]:
    return {"data": json.dumps(body), "content_type": "application/json"}


def empty_meeting(held: FollowUp) -> int:
    """Another planned meeting of the committee, its agenda empty."""
    with held.app.app_context():
        fabrique = db.session.get(Fabrique, held.fabrique_id)
        assert fabrique is not None
        form = parse_meeting_form({"title": "Comité de mars", "date": "2027-03-11"})
        return int(committees.create_meeting(fabrique, held.committee_id, form).id)
