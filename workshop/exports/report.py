"""The printable report: a « synthèse par défi » the facilitator sends the next day.

One self-contained HTML page (its print style inline, no script, no external file), so
that it can be mailed as a file and "enregistrer en PDF" from any browser gives a clean
document. Everything participants wrote goes through Jinja's autoescaping.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from flask import render_template
from flask_babel import gettext as _

from ..majority import GRADE_LABELS
from .localized import VOLUNTEER_LABELS, long_date

__all__ = ["VOLUNTEER_LABELS", "content_security_policy", "context", "render_report"]


def _sort_key(challenge: dict[str, Any]) -> tuple[int, int, int]:
    rank = challenge["rank"]
    return (0 if rank is not None else 1, rank or 0, challenge["position"])


def _authors(document: dict[str, Any]) -> dict[int, list[str]]:
    """Each idea's authors: its own, then those of the ideas merged into it (and into
    those, in turn), each pseudonym once. None when the workshop hides authors."""
    merged_into: dict[int, list[dict[str, Any]]] = {}
    for idea in document["ideas"]:
        if idea["merged_into_id"] is not None:
            merged_into.setdefault(idea["merged_into_id"], []).append(idea)

    def names(idea: dict[str, Any], seen: set[int]) -> list[str]:
        seen.add(idea["id"])
        found = [idea["author"]["name"]] if idea["author"] else []
        for absorbed in sorted(merged_into.get(idea["id"], []), key=lambda i: i["id"]):
            if absorbed["id"] not in seen:
                found += names(absorbed, seen)
        return found

    return {idea["id"]: list(dict.fromkeys(names(idea, set()))) for idea in document["ideas"]}


def _tables_by_challenge(document: dict[str, Any]) -> dict[int, list[dict[str, Any]]]:
    """Each défi's tables, by number, as the report shows them: who sat there (counts by
    profile), what the table kept, its other contributions by kind (hidden ones left
    out, as in the room), its synthesis. A 1.0 export has no tables."""
    labels = {kind["key"]: kind["label"] for kind in document.get("contribution_kinds", [])}
    order = list(labels)
    found: dict[int, list[dict[str, Any]]] = {}
    for table in sorted(document.get("tables", []), key=lambda t: t["number"]):
        shown = [c for c in table["contributions"] if not c["hidden"]]
        kept = sorted((c for c in shown if c["kept"]), key=lambda c: (-c["votes"], c["id"]))
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for contribution in sorted(shown, key=lambda c: (-c["votes"], c["id"])):
            if not contribution["kept"]:
                by_kind.setdefault(contribution["kind"], []).append(contribution)
        kinds = sorted(by_kind, key=lambda k: (order.index(k) if k in order else len(order), k))
        found.setdefault(table["challenge_id"], []).append(
            {
                "table": table,
                "profiles": {p: n for p, n in table["seated"]["by_profile"].items() if n},
                "kept": kept,
                "kinds": [(labels.get(kind, kind), by_kind[kind]) for kind in kinds],
                "contributions_count": len(shown),
            }
        )
    return found


def _majority_votes(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Each vote step by majority judgment with its ranking: rank, title, majority grade
    and the grades in words (« bien : 2, excellent : 1 »)."""
    titles = {("idea", i["id"]): i["title"] for i in document["ideas"]}
    titles |= {("challenge", c["id"]): c["title"] for c in document["challenges"]}
    steps = {phase["id"]: phase["title"] for phase in document["phases"]}
    found = []
    for ranking in document["rankings"]:
        if ranking.get("method") != "majority":
            continue
        rows = [
            {
                "rank": item["rank"],
                "title": titles.get((item["target"], item["item_id"]), ""),
                "majority": ""
                if item.get("majority_grade") is None
                else str(GRADE_LABELS[item["majority_grade"]]),
                "grades": ", ".join(
                    _("%(grade)s: %(count)s", grade=GRADE_LABELS[grade], count=count)
                    for grade, count in enumerate(item.get("grades") or [])
                    if count
                ),
            }
            for item in ranking["items"]
        ]
        found.append(
            {
                "phase_id": ranking["phase_id"],
                "title": steps.get(ranking["phase_id"], ""),
                "rows": rows,
            }
        )
    return found


def context(document: dict[str, Any]) -> dict[str, Any]:
    """What the template shows, grouped by défi (best ranked first)."""
    shown = [idea for idea in document["ideas"] if idea["state"] == "visible"]
    by_challenge: dict[int | None, list[dict[str, Any]]] = {}
    for idea in sorted(shown, key=lambda i: (-i["votes"], i["id"])):
        by_challenge.setdefault(idea["challenge_id"], []).append(idea)
    tables = _tables_by_challenge(document)
    sections = [
        {
            "challenge": challenge,
            "ideas": by_challenge.get(challenge["id"], []),
            "tables": tables.get(challenge["id"], []),
            # « Je pourrais porter ce défi »: counted whether or not they left a contact.
            "carry_offers": sum(1 for o in challenge["volunteers"] if o["kind"] == "hold"),
        }
        for challenge in sorted(document["challenges"], key=_sort_key)
    ]
    offers = [offer for item in (*document["challenges"], *shown) for offer in item["volunteers"]]
    return {
        "doc": document,
        "workshop": document["workshop"],
        "sections": sections,
        "unclassified": by_challenge.get(None, []),
        "ideas_count": len(shown),
        "volunteers_count": len(offers),
        "consenting_count": sum(1 for offer in offers if offer["consent_contact"]),
        "has_votes": bool(document["votes"]),
        "majority_votes": _majority_votes(document),
        "has_tables": bool(document.get("tables")),
        # A merged idea's authors are kept: they appear with the idea that absorbed it.
        "authors": _authors(document),
        # Dates as people write them, in local time (TIMEZONE): « samedi 21 mars 2026 ».
        "long_date": long_date,
        # Stage and maturity labels are template globals (see workshop.factory).
        "volunteer_labels": VOLUNTEER_LABELS,
    }


def render_report(document: dict[str, Any]) -> str:
    """The report of an export ``document`` as an HTML page (current language)."""
    return render_template("report.html", **context(document))


_STYLE_RE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def content_security_policy(html: str) -> str:
    """A policy for serving ``html``: no script at all, only its own inline style."""
    sources = [
        "'sha256-" + base64.b64encode(hashlib.sha256(m.encode("utf-8")).digest()).decode() + "'"
        for m in _STYLE_RE.findall(html)
    ]
    return "; ".join(
        [
            "default-src 'none'",
            "style-src " + (" ".join(sources) or "'none'"),
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )
