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
from flask_babel import lazy_gettext as _l

# What a volunteer offered, after their name; the portfolio's idea pages say it too.
VOLUNTEER_LABELS = {
    "hold": _l("could carry this project"),
    "contribute": _l("wants to contribute"),
    "follow": _l("wants to be kept informed"),
}


def _sort_key(challenge: dict[str, Any]) -> tuple[int, int, int]:
    rank = challenge["rank"]
    return (0 if rank is not None else 1, rank or 0, challenge["position"])


def context(document: dict[str, Any]) -> dict[str, Any]:
    """What the template shows, grouped by défi (best ranked first)."""
    shown = [idea for idea in document["ideas"] if idea["state"] == "visible"]
    by_challenge: dict[int | None, list[dict[str, Any]]] = {}
    for idea in sorted(shown, key=lambda i: (-i["votes"], i["id"])):
        by_challenge.setdefault(idea["challenge_id"], []).append(idea)
    sections = [
        {"challenge": challenge, "ideas": by_challenge.get(challenge["id"], [])}
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
