"""Portfolio import speed: a 1,000-idea session imported into a Fabrique's portfolio that
already holds five such sessions, against the same import into an empty portfolio.

``python -m bench --scenario portfolio`` (part of ``make bench``), or ``python -m
bench.portfolio`` on its own. :func:`measure` returns ``{"sessions", "ideas",
"empty_s", "import_s", "proposals", "wall_s"}``: CPU seconds of the process for the
import of the sixth session (``import_s``, issue #15: ≤ 2 s) and for the same export
into an empty portfolio (``empty_s``), each the median of ``--portfolio-repeats`` runs
on a fresh copy of the portfolio (as ``make bench-grouping`` and the export scenario
do: on a shared machine the wall time also counts waiting for a core; it is kept under
``wall_s``), and the duplicate proposals that import made.

The six exports are made from real ideas (the Budget participatif de Paris's winning
projects, ``workshop/data/``, shipped with Semis): each idea takes one project title as
its title and two others as its description, so that every session has its own texts
while titles recur between sessions, as themes do in a real portfolio; a few ideas of
each session (``NEAR_SHARE``) are rewordings of an idea of an earlier session, the
duplicates a portfolio is there to find. Everything is seeded: the same seed gives the
same exports. The import goes through the service
(:func:`workshop.services.portfolio.import_export`), in-process, on an SQLite file in a
scratch directory, as in production.

No server is involved: there is no bare framework to compare with.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .harness import Row, ScenarioResult

GOAL_S = 2.0
SESSIONS, IDEAS, CHALLENGES = 6, 1000, 30
# Share of a session's ideas that reword an idea of an earlier session.
NEAR_SHARE = 0.04
# Share of ideas with a description (on a phone, many have none).
WITH_BODY = 0.6
DATA = Path(__file__).resolve().parent.parent / "workshop" / "data" / "paris_bp_laureats_fr.csv"
TERRITORIES = ("Annonay", "Tournon", "Privas", "Aubenas", "Le Teil", "Largentière")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--portfolio-repeats",
        type=int,
        default=3,
        help="portfolio scenario: runs of each import, the median is kept (default 3)",
    )


def load_titles(path: Path = DATA) -> list[str]:
    """The distinct project titles of the data set, in file order."""
    with path.open(encoding="utf-8", newline="") as file:
        titles = [row["text"].strip() for row in csv.DictReader(file)]
    return list(dict.fromkeys(t for t in titles if t))


def reword(text: str, rng: random.Random) -> str:
    """``text`` as someone else would type it again: a word dropped, a different
    opening, a typo, a few words added. Still a near-duplicate of ``text``, never it."""
    words = text.split()
    long = [at for at, word in enumerate(words) if len(word) > 3]
    change = rng.randrange(4)
    if change == 0 and len(words) > 3:
        del words[rng.randrange(1, len(words))]
    elif change == 1:
        words.insert(0, rng.choice(("Pour", "Projet :", "Idée :", "Créer")))
    elif change == 2 and long:
        at = rng.choice(long)
        cut = rng.randrange(1, len(words[at]) - 1)
        words[at] = words[at][:cut] + words[at][cut + 1 :]
    else:
        words.append(rng.choice(("pour tous", "dans le quartier", "au village")))
    return " ".join(words)


class Chain:
    """A word chain (order 2) learnt on real titles: it writes new sentences with their
    words, their turns of phrase and how often each comes up, none a copy of a title."""

    def __init__(self, titles: list[str]) -> None:
        self.titles = set(titles)
        self.next: dict[tuple[str, str], list[str]] = {}
        for title in titles:
            words = ["", "", *title.split(), ""]
            for at in range(len(words) - 2):
                self.next.setdefault((words[at], words[at + 1]), []).append(words[at + 2])

    def sentence(self, rng: random.Random, words: tuple[int, int] = (3, 16)) -> str:
        low, high = words
        while True:
            found: list[str] = []
            state = ("", "")
            while len(found) <= high:
                word = rng.choice(self.next[state])
                if not word:
                    break
                found.append(word)
                state = (state[1], word)
            text = " ".join(found)
            if low <= len(found) <= high and text not in self.titles:
                return text


def session_ideas(
    titles: list[str],
    rng: random.Random,
    earlier: list[tuple[str, str]],
    count: int = IDEAS,
    near_share: float = NEAR_SHARE,
) -> list[tuple[str, str]]:
    """``count`` (title, body) pairs of one session: a title and a description of two
    other titles, and ``near_share`` of them rewordings of ``earlier`` ideas."""
    chain = Chain(titles)
    ideas: list[tuple[str, str]] = []
    near = int(count * near_share) if earlier else 0
    seen = set(earlier)
    for title, body in rng.sample(earlier, near) if near else []:
        pair = (reword(title, rng), body)
        if pair not in seen:
            seen.add(pair)
            ideas.append(pair)
    while len(ideas) < count:
        body = " ".join(chain.sentence(rng) for _ in range(2)) if rng.random() < WITH_BODY else ""
        pair = (chain.sentence(rng), body)
        if pair not in seen:
            seen.add(pair)
            ideas.append(pair)
    rng.shuffle(ideas)
    return ideas


def build_export(
    number: int, ideas: list[tuple[str, str]], seed: int, challenges: int = CHALLENGES
) -> dict[str, Any]:
    """A signed export (``docs/export.schema.json``) of session ``number`` holding
    ``ideas``; its workshop uid is distinct per ``number`` and ``seed``."""
    from workshop.exports.document import digest

    uid = hashlib.md5(f"bench-portfolio-{seed}-{number}".encode()).hexdigest()  # noqa: S324
    territory = TERRITORIES[number % len(TERRITORIES)]
    document: dict[str, Any] = {
        "format": "semis.workshop-export",
        "version": "1.0",
        "exported_at": f"2026-{1 + number % 12:02d}-15T21:00:00Z",
        "generator": {"name": "Semis", "version": "bench"},
        "workshop": {
            "uid": uid,
            "code": f"B{number:05d}",
            "title": f"Soirée Start-up de Territoire {number + 1} ({territory})",
            "question": "Comment pourrions-nous vivre mieux sur notre territoire ?",
            "territory": territory,
            "date": f"2026-{1 + number % 12:02d}-15",
            "format": "challenges_evening",
            "status": "closed",
            "language": "fr",
            "participants_count": 400,
            "url": f"http://localhost/j/B{number:05d}",
        },
        "phases": [],
        "challenges": [
            {
                "id": c + 1,
                "reference": f"{uid}/challenge/{c + 1}",
                "title": f"Comment pourrions-nous agir sur le thème {c + 1} ?",
                "body": "",
                "position": c,
                "ideas_count": 0,
                "votes": 0,
                "rank": None,
                "qualification": None,
                "volunteers": [],
            }
            for c in range(challenges)
        ],
        "ideas": [
            {
                "id": n + 1,
                "reference": f"{uid}/idea/{n + 1}",
                "title": title,
                "body": body,
                "need": "",
                "state": "visible",
                "challenge_id": 1 + n % challenges if challenges else None,
                "merged_into_id": None,
                "author": {"name": f"Personne {n % 400}"},
                "votes": 0,
                "published_at": "2026-11-20T19:00:00Z",
                "qualification": None,
                "volunteers": [],
            }
            for n, (title, body) in enumerate(ideas)
        ],
        "votes": [],
        "rankings": [],
    }
    document["integrity"] = {"algorithm": "sha256", "digest": digest(document)}
    return document


def build_exports(
    seed: int, sessions: int = SESSIONS, ideas: int = IDEAS, titles: list[str] | None = None
) -> list[dict[str, Any]]:
    """``sessions`` exports of ``ideas`` ideas each, the same for the same ``seed``."""
    rng = random.Random(seed)
    titles = titles if titles is not None else load_titles()
    earlier: list[tuple[str, str]] = []
    documents = []
    for number in range(sessions):
        found = session_ideas(titles, rng, earlier, ideas)
        earlier += found
        documents.append(build_export(number, found, seed))
    return documents


def median_run(action: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    """Median CPU seconds of the process, median wall seconds, and the last result."""
    cpu, wall, result = [], [], None
    for _ in range(repeats):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        result = action()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    return statistics.median(cpu), statistics.median(wall), result


def _app(database: Path) -> Any:
    from workshop import create_app
    from workshop.config import TestConfig

    class BenchConfig(TestConfig):
        TESTING = False
        DATABASE_URL = f"sqlite:///{database}"

    return create_app(BenchConfig)


def _portfolio(scratch: Path, name: str, documents: list[dict[str, Any]]) -> Path:
    """An SQLite file holding a Fabrique whose portfolio holds ``documents``."""
    from workshop.extensions import db
    from workshop.schemas import NewFabrique
    from workshop.services import fabriques, portfolio

    database = scratch / f"{name}.sqlite3"
    app = _app(database)
    with app.app_context():
        db.create_all()
        fabrique = fabriques.create_fabrique(NewFabrique(slug="bench-fabrique", name="Bench"))
        for document in documents:
            portfolio.import_export(fabrique, json.dumps(document))
        db.session.remove()
        db.engine.dispose()
    return database


def _timed_import(
    template: Path, scratch: Path, data: str, repeats: int
) -> tuple[float, float, Any]:
    """The import of ``data`` into a fresh copy of the portfolio ``template``, ``repeats``
    times: median CPU and wall seconds, and the last import's result."""
    from workshop.extensions import db
    from workshop.models import Fabrique
    from workshop.services import portfolio

    cpu, wall, result = [], [], None
    for run in range(repeats):
        database = scratch / f"run-{template.stem}-{run}.sqlite3"
        shutil.copyfile(template, database)
        app = _app(database)
        with app.app_context():
            fabrique = db.session.query(Fabrique).one()
            one_cpu, one_wall, result = median_run(
                lambda f=fabrique: portfolio.import_export(f, data), 1
            )
            cpu.append(one_cpu)
            wall.append(one_wall)
            db.session.remove()
            db.engine.dispose()
        database.unlink()
    return statistics.median(cpu), statistics.median(wall), result


def measure(repeats: int = 3, seed: int = 2024) -> dict[str, Any]:
    """The portfolio figures (see the module docstring), in a scratch directory."""
    documents = build_exports(seed)
    held, last = documents[:-1], json.dumps(documents[-1])
    with tempfile.TemporaryDirectory(prefix="semis-bench-portfolio-") as name:
        scratch = Path(name)
        empty = _portfolio(scratch, "empty", [])
        full = _portfolio(scratch, "full", held)
        empty_cpu, empty_wall, _result = _timed_import(empty, scratch, last, repeats)
        cpu, wall, result = _timed_import(full, scratch, last, repeats)
    return {
        "sessions": len(held),
        "ideas": IDEAS,
        "empty_s": round(empty_cpu, 3),
        "import_s": round(cpu, 3),
        "proposals": result.proposals,
        "wall_s": {"empty_s": round(empty_wall, 3), "import_s": round(wall, 3)},
    }


def rows(figures: dict[str, Any]) -> list[Row]:
    """The scenario's table: the bare column does not apply (no server is involved)."""
    na = "n/a"
    return [
        Row("sessions held before / ideas each", f"{figures['sessions']} / {figures['ideas']}", na),
        Row("import into an empty portfolio, s", figures["empty_s"], na),
        Row(
            f"import into a portfolio of {figures['sessions']} sessions, s",
            figures["import_s"],
            na,
            f"<= {GOAL_S:g} s",
            figures["import_s"] <= GOAL_S,
        ),
        Row("duplicate proposals made by that import", figures["proposals"], na),
    ]


def run(args: argparse.Namespace) -> ScenarioResult:
    figures = measure(repeats=max(1, args.portfolio_repeats), seed=args.seed)
    wall = figures["wall_s"]
    notes = [
        "CPU seconds of the process (median); wall seconds: "
        + ", ".join(f"{key} {value}" for key, value in wall.items()),
        "no server is involved: the bare python-socketio comparison does not apply (n/a)",
    ]
    return ScenarioResult(
        figures, rows(figures), notes, title=f"portfolio import ({IDEAS:,} ideas a session)"
    )


if __name__ == "__main__":
    print(json.dumps(measure(repeats=int(sys.argv[1]) if len(sys.argv) > 1 else 3), indent=2))
