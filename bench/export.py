"""Export speed: a workshop of 1,000 ideas, 30 défis and 5,000 votes, in every format,
and the time a Fabrique's portfolio takes to import its JSON.

``python -m bench --scenario export`` (part of ``make bench``), or ``python -m
bench.export`` on its own. :func:`measure` returns ``{"ideas", "json_s", "csv_s",
"xlsx_s", "import_s"}``: the median of a few runs of each export, in CPU seconds of the
process (as ``make bench-grouping`` does: on a shared machine the wall time also counts
waiting for a core; it is kept under ``wall_s``), each run reading the workshop from the
database and writing the whole file (the CSV figure is the ZIP of every table);
``import_s`` is the first import of the JSON into an empty portfolio
(:func:`workshop.services.portfolio.import_export`), ``None`` if this checkout has no
portfolio. Goals (issue #6): each export ≤ 1 s, the import ≤ 2 s; a missed goal is
reported, not an error.

The workshop is written straight into a scratch SQLite database (a file, as in
production), not played through the services: the benchmark measures the export, and
building 5,000 votes one acknowledged command at a time would take longer than all the
rest. Its shape is that of a real session: every idea in a défi, a frozen vote, a
qualification sheet per défi, volunteers with and without consent.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from workshop.schemas import NewFabrique

from .harness import Row, ScenarioResult

GOALS = {"export_s": 1.0, "import_s": 2.0}
IDEAS, CHALLENGES, VOTES, VOTES_EACH = 1000, 30, 5000, 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--export-repeats",
        type=int,
        default=3,
        help="export scenario: runs of each format, the median is kept (default 3)",
    )


def _populate(seed: int) -> int:
    """Write the benchmark workshop; returns its id. Needs an app context."""
    from workshop.extensions import db
    from workshop.models import (
        Challenge,
        Facilitator,
        Idea,
        Participant,
        Qualification,
        Volunteer,
        Vote,
        Workshop,
        utcnow,
    )
    from workshop.phases import PhaseKind
    from workshop.schemas import NewWorkshop
    from workshop.services import votes as vote_service
    from workshop.services import workshops

    rng = random.Random(seed)
    owner = Facilitator(email="bench@example.org", name="Bench", password_hash="-")
    db.session.add(owner)
    db.session.commit()
    workshop = workshops.create_workshop(
        NewWorkshop(
            title="Soirée Start-up de Territoire",
            format="challenges_evening",
            question="Comment pourrions-nous vivre mieux sur notre territoire ?",
            territory="Genevois français",
        ),
        owner,
    )
    workshop_id = workshop.id
    phase = next(p for p in workshop.phases if p.kind == PhaseKind.VOTE)
    people = [
        Participant(
            workshop_id=workshop_id,
            display_name=f"Personne {n}",
            profile="citizen",
            token_hash=hashlib.sha256(f"bench-{seed}-{n}".encode()).hexdigest(),
        )
        for n in range(VOTES // VOTES_EACH)
    ]
    challenges = [
        Challenge(
            workshop_id=workshop_id,
            title=f"Comment pourrions-nous agir sur le thème {n} ?",
            description="Un défi issu des idées collectées avant la soirée. " * 3,
            position=n,
        )
        for n in range(CHALLENGES)
    ]
    db.session.add_all(people + challenges)
    db.session.flush()
    ideas = [
        Idea(
            workshop_id=workshop_id,
            participant_id=people[n % len(people)].id,
            client_id=f"bench-{n:06d}",
            title=f"Idée {n} : un service de proximité partagé",
            description="Une description de quelques phrases, comme sur un téléphone. " * 4,
            need="Un besoin exprimé par des habitants et habitantes.",
            challenge_id=challenges[n % CHALLENGES].id,
            position=n // CHALLENGES,
        )
        for n in range(IDEAS)
    ]
    db.session.add_all(ideas)
    db.session.flush()
    votes = []
    for person in people:
        for idea in rng.sample(ideas, VOTES_EACH):
            votes.append(
                Vote(
                    workshop_id=workshop_id,
                    phase_id=phase.id,
                    participant_id=person.id,
                    idea_id=idea.id,
                    count=1,
                )
            )
    db.session.add_all(votes)
    for challenge in challenges:
        db.session.add(
            Qualification(
                workshop_id=workshop_id,
                challenge_id=challenge.id,
                need_who="Les familles sans voiture",
                need_where="Les communes rurales",
                need_evidence="Enquête de la communauté de communes",
                target_public="Familles",
                territory="Saint-Julien-en-Genevois",
                insee_code="74243",
                solution="Un service partagé",
                stage="holder_search",
            )
        )
    for n, person in enumerate(people[:100]):
        consent = n % 2 == 0
        db.session.add(
            Volunteer(
                workshop_id=workshop_id,
                participant_id=person.id,
                challenge_id=challenges[n % CHALLENGES].id,
                kind=("hold", "contribute", "follow")[n % 3],
                consent_contact=consent,
                contact_email=f"personne{n}@example.org" if consent else None,
                consented_at=utcnow() if consent else None,
            )
        )
    db.session.flush()
    phase.frozen_at = utcnow()
    phase.frozen_ranking = vote_service.ranking(phase)
    db.session.get(Workshop, workshop_id).status = "closed"  # type: ignore[union-attr]
    db.session.commit()
    return workshop_id


def _timed(action: Any, repeats: int) -> tuple[float, float, Any]:
    """Median CPU seconds of the process, median wall seconds, and the last result."""
    cpu, wall, result = [], [], None
    for _ in range(repeats):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        result = action()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    return statistics.median(cpu), statistics.median(wall), result


def measure(repeats: int = 3, seed: int = 2024) -> dict[str, Any]:
    """The export figures (see the module docstring), on a scratch database."""
    from workshop import create_app
    from workshop.config import TestConfig
    from workshop.exports import render, validate
    from workshop.extensions import db
    from workshop.models import Workshop

    with tempfile.TemporaryDirectory(prefix="semis-bench-export-") as scratch:

        class BenchConfig(TestConfig):
            TESTING = False
            DATABASE_URL = f"sqlite:///{Path(scratch) / 'bench.sqlite3'}"

        app = create_app(BenchConfig)
        with app.app_context():
            db.create_all()
            workshop_id = _populate(seed)
        figures: dict[str, Any] = {"ideas": IDEAS}
        wall: dict[str, float | None] = {}
        outputs: dict[str, bytes] = {}
        for key, fmt in (("json_s", "json"), ("csv_s", "csv"), ("xlsx_s", "xlsx")):
            with app.app_context():
                workshop = db.session.get(Workshop, workshop_id)
                cpu, elapsed, (data, _mime, _name) = _timed(
                    lambda w=workshop, f=fmt: render(w, f), repeats
                )
                db.session.remove()
            figures[key], wall[key] = round(cpu, 3), round(elapsed, 3)
            outputs[fmt] = data
        with app.app_context():
            document = json.loads(outputs["json"])
            validate(document)
            assert len(document["ideas"]) == IDEAS  # noqa: S101
            assert sum(v["votes"] for v in document["votes"]) == VOTES  # noqa: S101
        imported = _import_seconds(app, outputs["json"])
        figures["import_s"] = None if imported is None else imported[0]
        wall["import_s"] = None if imported is None else imported[1]
        figures["wall_s"] = wall
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return figures


def _import_seconds(app: Any, data: bytes) -> tuple[float, float] | None:
    """CPU and wall seconds of the first import of ``data`` into an empty portfolio, or
    ``None`` without a portfolio."""
    try:
        from workshop.services import fabriques, portfolio
    except ImportError:
        return None
    if not hasattr(portfolio, "import_export"):
        return None
    with app.app_context():
        fabrique = fabriques.create_fabrique(NewFabrique(slug="bench-fabrique", name="Bench"))
        cpu, elapsed, _result = _timed(lambda: portfolio.import_export(fabrique, data), 1)
        # Twice changes nothing, and is not what is measured.
        portfolio.import_export(fabrique, data)
    return round(cpu, 3), round(elapsed, 3)


def run(args: argparse.Namespace) -> ScenarioResult:
    figures = measure(repeats=max(1, args.export_repeats), seed=args.seed)
    rows = [Row("ideas / défis / votes", f"{IDEAS} / {CHALLENGES} / {VOTES}")]
    wall = figures["wall_s"]
    for key, label in (("json_s", "JSON, s"), ("csv_s", "CSV (ZIP), s"), ("xlsx_s", "XLSX, s")):
        rows.append(Row(label, figures[key], None, "<= 1 s", figures[key] <= GOALS["export_s"]))
    met = None if figures["import_s"] is None else figures["import_s"] <= GOALS["import_s"]
    rows.append(Row("import into a portfolio, s", figures["import_s"], None, "<= 2 s", met))
    notes = [
        "CPU seconds of the process (median); wall seconds: "
        + ", ".join(f"{key} {value}" for key, value in wall.items())
    ]
    if figures["import_s"] is None:
        notes.append("import_s: this checkout has no workshop.services.portfolio.import_export")
    return ScenarioResult(figures, rows, notes, title="export (1,000 ideas)")


if __name__ == "__main__":
    result = measure(repeats=int(sys.argv[1]) if len(sys.argv) > 1 else 3)
    print(json.dumps(result, indent=2))
