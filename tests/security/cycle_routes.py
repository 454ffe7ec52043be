"""The requests of the cohorts' routes (issue #14) for the HTTP matrix of
:mod:`tests.security.test_authorization_matrix`: a cycle's jury (and a juror's link)
and « Mon projet » (an enrolled person's link, the facilitators' pages).

The cycle belongs to workshop A's owner and workshop A is one of its sessions, so A's
co-facilitator runs it too (a facilitator of a session runs its cycle); the facilitator
of B runs nothing of it. Built through the services once per world and only when a
request needs it (:class:`CycleOfA`), before the matrix's « nothing changed » snapshot.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from flask import Flask

from tests.factories import make_facilitator
from tests.security.conftest import World
from workshop.extensions import db
from workshop.models import Cycle, CycleProject, Facilitator, Workshop
from workshop.schemas.cycle_projects import ProjectForm, parse_logbook_entry
from workshop.schemas.cycles import parse_enrolment, parse_new_cycle, parse_questions
from workshop.schemas.jury import parse_juror_form
from workshop.services import cycle_projects, cycles, jury
from workshop.services.accounts import get_by_email

#: The blueprints whose requests this module makes.
BLUEPRINTS = ("jury.", "my_project.", "cycles.")

Request = tuple[str, dict[str, Any]]


def handles(endpoint: str) -> bool:
    return endpoint.startswith(BLUEPRINTS)


class CycleOfA:
    """A cycle of A's owner with workshop A among its sessions, one enrolled holder
    with their project, and what each route acts on, made on first use."""

    def __init__(self, app: Flask, world: World) -> None:
        self.app = app
        self.world = world
        with app.app_context():
            owner = self._owner()
            cycle = cycles.create_cycle(parse_new_cycle({"title": "Lance-toi"}), owner)
            # No service moves an existing workshop into a cycle: A becomes a session.
            workshop = db.session.get(Workshop, world.a.workshop_id)
            assert workshop is not None
            workshop.cycle_id = cycle.id
            db.session.commit()
            self.cycle_id = cycle.id
            self.section_key = str(cycle.intention_template[0]["key"])
        self.holder_token, self.project_id = self.holder("Awa", "Une épicerie mobile")
        self.question_key = ""

    def _owner(self) -> Facilitator:
        owner = get_by_email(self.world.a.owner_email)
        assert owner is not None
        return owner

    def _cycle(self) -> Cycle:
        cycle = db.session.get(Cycle, self.cycle_id)
        assert cycle is not None
        return cycle

    @property
    def base(self) -> str:
        return f"/f/cycles/{self.cycle_id}"

    def enrol(self, name: str) -> tuple[int, str]:
        """Enrol someone in the cycle: their enrolment's id and link's secret."""
        with self.app.app_context():
            enrolment, token = cycles.enrol(self.cycle_id, parse_enrolment({"display_name": name}))
            return int(enrolment.id), token

    def holder(self, name: str, title: str) -> tuple[str, int]:
        """An enrolled holder with their project: their link's secret, its id."""
        _enrolment_id, token = self.enrol(name)
        with self.app.app_context():
            form = ProjectForm(
                title=title, pitch="De village en village.", show_name=True, share_feedback=False
            )
            project = cycle_projects.create_project(cycles.enrolment_by_token(token), form)
            return token, int(project.id)

    def version(self) -> str:
        """The holder's project's version now (its forms carry it)."""
        with self.app.app_context():
            project = db.session.get(CycleProject, self.project_id)
            assert project is not None
            return str(project.version)

    # --------------------------------------------------------------------- jury

    @cached_property
    def juror(self) -> tuple[int, str]:
        """A juror: their id and the secret of their personal link."""
        with self.app.app_context():
            form = parse_juror_form({"name": "Dominique Jurée", "role": "Expert"})
            issued = jury.add_juror(self.cycle_id, self._owner(), form)
            return int(issued.juror.id), issued.secret

    @cached_property
    def open_grading(self) -> bool:
        with self.app.app_context():
            jury.set_open(self.cycle_id, self._owner(), True)
        return True

    def criteria_form(self) -> dict[str, list[str]]:
        """The jury's grid as its form sends it, the first criterion renamed."""
        with self.app.app_context():
            criteria = jury.criteria_of(self._cycle())
            return {
                "key": [str(c["key"]) for c in criteria],
                "label": ["Utilité pour le territoire"] + [str(c["label"]) for c in criteria[1:]],
                "description": [str(c.get("description") or "") for c in criteria],
            }

    def grading_url(self) -> str:
        assert self.open_grading
        return f"/jury/{self.juror[1]}/projets/{self.project_id}"

    def grading_form(self) -> dict[str, str]:
        with self.app.app_context():
            keys = jury.criteria_keys(self._cycle())
        return {**{f"grade-{key}": "5" for key in keys}, "comment": "Un projet solide."}

    @property
    def juror_url(self) -> str:
        return f"{self.base}/jury/jures/{self.juror[0]}"

    # -------------------------------------------------------------- Mon projet

    # ------------------------------------------------------------------ cycles

    def editor(self, prefix: str, column: str, fields: tuple[str, ...]) -> dict[str, list[str]]:
        """A list editor of the cycle's page as its form sends it (``column``: the
        cycle's list), every row kept, each given a label of its own."""
        with self.app.app_context():
            rows = list(getattr(self._cycle(), column) or [])
        form = {f"{prefix}-key": [str(row["key"]) for row in rows]}
        for name in fields:
            form[f"{prefix}-{name}"] = [
                f"Rubrique {n + 1}" if name == "label" else str(row.get(name) or "")
                for n, row in enumerate(rows)
            ]
        return form

    def grid(self) -> dict[str, list[str]]:
        """The jury's grid as the cycle page's form sends it, the first one renamed."""
        return self.criteria_form()

    @cached_property
    def third_facilitator(self) -> tuple[int, str]:
        """A facilitator of neither workshop, on no team yet: their id and address."""
        with self.app.app_context():
            third = make_facilitator()
            return int(third.id), str(third.email)

    @cached_property
    def co_facilitator_id(self) -> int:
        """A third facilitator in the cycle's team."""
        facilitator_id, email = self.third_facilitator
        with self.app.app_context():
            cycles.add_co_facilitator(self.cycle_id, self._owner(), email)
        return facilitator_id

    @cached_property
    def emailed_token(self) -> str:
        """The link's secret of someone enrolled with an email address."""
        with self.app.app_context():
            new = parse_enrolment({"display_name": "Dana", "email": "dana@example.org"})
            return cycles.enrol(self.cycle_id, new)[1]

    @cached_property
    def asking(self) -> str:
        """The link's secret of the holder, the cycle asking a start questionnaire."""
        with self.app.app_context():
            question = {"key": "", "label": "Votre idée est-elle mûre ?", "kind": "scale"}
            questions = parse_questions([{**question, "choices": ""}], [])
            cycles.set_questions(self.cycle_id, self._owner(), "start", questions)
            self.question_key = str(questions[0]["key"])
        return self.holder_token

    @cached_property
    def uid(self) -> str:
        with self.app.app_context():
            return str(self._cycle().uid)

    @cached_property
    def holder_entry_id(self) -> int:
        """A line the holder wrote in their carnet de bord."""
        with self.app.app_context():
            entry = parse_logbook_entry({"kind": "decided", "text": "Tester un marché"})
            enrolment = cycles.enrolment_by_token(self.holder_token)
            return int(cycle_projects.add_logbook_entry(enrolment, entry).id)

    @cached_property
    def facilitator_entry_id(self) -> int:
        """A line the facilitation team wrote in the project's carnet de bord."""
        with self.app.app_context():
            entry = parse_logbook_entry({"kind": "note", "text": "À revoir avec la mairie"})
            line = cycle_projects.add_facilitator_entry(
                self.cycle_id, self._owner(), self.project_id, entry
            )
            return int(line.id)

    @cached_property
    def second_project_id(self) -> int:
        """Another holder's project (so that one can move in the pitch order)."""
        return self.holder("Basile", "Un garage solidaire")[1]


def cycle_request(app: Flask, world: World, endpoint: str) -> Request:
    """The URL and ``client.open`` keywords of a request ``endpoint`` accepts from the
    caller it allows."""
    held = CycleOfA(app, world)
    base, token = held.base, held.holder_token
    mine = f"/c/{token}/projet"
    requests: dict[str, Callable[[], Request]] = {
        # The cycle: its facilitators' page
        "cycles.create": lambda: ("/f/cycles", {"data": {"title": "Lance-toi 2027"}}),
        "cycles.settings": lambda: (
            f"{base}/reglages",
            {"data": {"title": "Lance-toi en Ardèche", "organiser": "Centre social"}},
        ),
        "cycles.add_session": lambda: (
            f"{base}/seances",
            {"data": {"title": "Séance 2", "date": "2027-03-08", "theme": "Le modèle"}},
        ),
        "cycles.update_session": lambda: (
            f"{base}/seances/{world.a.workshop_id}",
            {"data": {"title": "Séance 1", "date": "2027-03-01", "theme": "Le besoin"}},
        ),
        "cycles.add_co_facilitator": lambda: (
            f"{base}/equipe",
            {"data": {"email": held.third_facilitator[1]}},
        ),
        "cycles.remove_co_facilitator": lambda: (
            f"{base}/equipe/{held.co_facilitator_id}/retirer",
            {},
        ),
        "cycles.intention_template": lambda: (
            f"{base}/note",
            {"data": held.editor("section", "intention_template", ("label", "prompt"))},
        ),
        "cycles.feedback_kinds": lambda: (
            f"{base}/retours",
            {"data": held.editor("kind", "feedback_kinds", ("label",))},
        ),
        "cycles.criteria": lambda: (f"{base}/grille", {"data": held.grid()}),
        "cycles.questions": lambda: (
            f"{base}/questionnaire/end",
            {
                "data": {
                    "question-key": [""],
                    "question-label": ["Qu'avez-vous appris ?"],
                    "question-kind": ["text"],
                    "question-choices": [""],
                }
            },
        ),
        "cycles.close": lambda: (f"{base}/clore", {"data": {"closed": "1"}}),
        "cycles.enrol_someone": lambda: (
            f"{base}/inscrits",
            {"data": {"display_name": "Chloé", "profile": "project_holder"}},
        ),
        "cycles.new_link": lambda: (f"{base}/inscrits/{held.enrol('Chloé')[0]}/lien", {}),
        "cycles.erase_someone": lambda: (f"{base}/inscrits/{held.enrol('Chloé')[0]}/effacer", {}),
        # The cycle: everybody else's pages (its enrolment page, a personal link)
        "cycles.enrol": lambda: (
            f"/cycle/{held.uid}/inscription",
            {"data": {"display_name": "Chloé", "profile": "project_holder"}},
        ),
        "cycles.send_link": lambda: (f"/c/{held.emailed_token}/envoyer", {}),
        "cycles.questionnaire": lambda: (
            f"/c/{held.asking}/questionnaire/start",
            {"data": {f"q-{held.question_key}": "4"}},
        ),
        "cycles.erase_me": lambda: (
            f"/c/{held.enrol('Chloé')[1]}/effacer",
            {"data": {"confirm": "1"}},
        ),
        # The jury
        "jury.save_criteria": lambda: (f"{base}/jury/criteres", {"data": held.criteria_form()}),
        "jury.set_open": lambda: (f"{base}/jury/notation", {"data": {"open": "0"}}),  # close
        "jury.add_juror": lambda: (
            f"{base}/jury/jures",
            {"data": {"name": "Alex Juré", "role": "Expert"}},
        ),
        "jury.new_link": lambda: (f"{held.juror_url}/nouveau-lien", {}),
        "jury.revoke": lambda: (f"{held.juror_url}/revoquer", {}),
        "jury.remove": lambda: (f"{held.juror_url}/supprimer", {}),
        "jury.decide": lambda: (
            f"{base}/jury/decisions/{held.project_id}",
            {"data": {"decision": "kept", "reason": ""}},
        ),
        "jury.grade": lambda: (held.grading_url(), {"data": held.grading_form()}),
        # « Mon projet »: the holder's link
        "my_project.create": lambda: (
            f"/c/{held.enrol('Chloé')[1]}/projet",
            {"data": {"title": "Une ressourcerie", "pitch": "Réparer plutôt que jeter."}},
        ),
        "my_project.update": lambda: (
            f"{mine}/modifier",
            {
                "data": {
                    "title": "Une épicerie mobile et solidaire",
                    "pitch": "De village en village.",
                    "show_name": "on",
                    "version": held.version(),
                }
            },
        ),
        "my_project.save_section": lambda: (
            f"{mine}/note/{held.section_key}",
            {"data": {"text": "Les aînés sans voiture.", "version": held.version()}},
        ),
        "my_project.add_entry": lambda: (
            f"{mine}/carnet",
            {"data": {"kind": "next_step", "text": "Rencontrer la mairie"}},
        ),
        "my_project.remove_entry": lambda: (f"{mine}/carnet/{held.holder_entry_id}/supprimer", {}),
        # « Mon projet »: the facilitators' pages
        "my_project.create_for": lambda: (
            f"{base}/projets",
            {"data": {"enrolment_id": str(held.enrol("Chloé")[0]), "title": "Une ressourcerie"}},
        ),
        "my_project.move": lambda: (
            f"{base}/projets/{held.second_project_id}/deplacer",
            {"data": {"direction": "up"}},
        ),
        "my_project.facilitator_entry": lambda: (
            f"{base}/projets/{held.project_id}/carnet",
            {"data": {"kind": "note", "text": "Pitch très clair"}},
        ),
        "my_project.facilitator_remove_entry": lambda: (
            f"{base}/projets/{held.project_id}/carnet/{held.facilitator_entry_id}/supprimer",
            {},
        ),
    }
    return requests[endpoint]()
