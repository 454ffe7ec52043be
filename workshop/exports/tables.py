"""The export as tables (one per entity), for the CSV files and the XLSX sheets.

Each table is described by a Frictionless Table Schema published in
``docs/tableschema/NAME.json`` and listed in ``docs/datapackage.json``; :data:`TABLES`
is their single source (``python -m workshop.exports.tables`` rewrites the files, a test
checks they are up to date). Rows are made from the JSON document, so every format says
the same thing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..models import IdeaStatus, Maturity, Profile, VolunteerKind
from ..phases import PhaseKind
from ..stages import STAGES

# Cells of text that a spreadsheet would read as a formula (or a command) start with one
# of these; they get a leading apostrophe in CSV files (see the table schemas).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

# The grades of a vote by majority judgment, worst first (workshop.majority.SCALE): the
# open CSV's column suffixes and the words the schema uses.
GRADE_KEYS = (
    ("to_reject", "to reject"),
    ("insufficient", "insufficient"),
    ("fair", "fair"),
    ("fairly_good", "fairly good"),
    ("good", "good"),
    ("very_good", "very good"),
    ("excellent", "excellent"),
)
MAJORITY_TOP = len(GRADE_KEYS) - 1

_TEXT_NOTE = (
    " Text starting with = + - @, a tab or a line break is written with a leading apostrophe"
    " (') so that no spreadsheet runs it as a formula; remove it to get the original text,"
    " as the JSON export has it."
)


def _field(name: str, type_: str, description: str, **extra: Any) -> dict[str, Any]:
    field: dict[str, Any] = {"name": name, "type": type_, "description": description}
    if type_ == "string" and "enum" not in extra.get("constraints", {}):
        field["description"] += _TEXT_NOTE
    # Datetimes use the Table Schema default format: YYYY-MM-DDThh:mm:ssZ (UTC).
    field.update(extra)
    return field


def _values(choices: type[StrEnum]) -> list[str]:
    """The values a column takes, as the domain's enum lists them."""
    return [choice.value for choice in choices]


def _required(**constraints: Any) -> dict[str, Any]:
    return {"constraints": {"required": True, **constraints}}


_ID = _required(minimum=1)
_COUNT = _required(minimum=0)
_TARGET = _required(enum=["idea", "challenge"])
_STAGES = list(STAGES)
# The last columns of a défi and of an idea: how far its follow-up went.
_FOLLOW_UP = [
    _field(
        "stage",
        "string",
        "Follow-up stage of its qualification sheet; empty without one.",
        constraints={"enum": _STAGES},
    ),
    _field("volunteers_count", "integer", "Volunteer offers on it.", **_COUNT),
]

_SEATED_BY_PROFILE = [
    _field(
        f"seated_{profile.value}",
        "integer",
        f"People of profile {profile.value} seated there (any round).",
        **_COUNT,
    )
    for profile in Profile
]

# The columns that name an item of a vote step, and its place in that vote's results
# (the dots' table and the grades' table alike).
_VOTED_ITEM = (
    _field("phase_id", "integer", "The vote step.", **_ID),
    _field("phase_title", "string", "Its title."),
    _field("target", "string", "What was voted on.", **_TARGET),
    _field("item_id", "integer", "The idea or défi.", **_ID),
    _field("item_title", "string", "Its title."),
)
_VOTE_RESULT = (
    _field("rank", "integer", "Rank in that vote (ties share it).", **_required(minimum=1)),
    _field("frozen_at", "datetime", "When the results were frozen; empty while open."),
)

TABLES: dict[str, dict[str, Any]] = {
    "phases": {
        "title": "Agenda steps",
        "fields": [
            _field("id", "integer", "Id of the step.", **_ID),
            _field("position", "integer", "Place in the agenda, from 0.", **_COUNT),
            _field(
                "kind",
                "string",
                "Kind of step.",
                **_required(enum=_values(PhaseKind)),
            ),
            _field("title", "string", "Title of the step."),
        ],
        "primaryKey": ["id"],
    },
    "challenges": {
        "title": "Défis",
        "fields": [
            _field("id", "integer", "Id of the défi.", **_ID),
            _field("reference", "string", "<workshop uid>/challenge/<id>.", **_required()),
            _field("title", "string", "Title of the défi."),
            _field("body", "string", "Description."),
            _field("position", "integer", "Place on the board, from 0.", **_COUNT),
            _field("ideas_count", "integer", "Ideas grouped in it.", **_COUNT),
            _field(
                "votes",
                "integer",
                "Dots in the last vote on défis, or the dots of its ideas.",
                **_COUNT,
            ),
            _field("rank", "integer", "Rank by votes (ties share it); empty without votes."),
            *_FOLLOW_UP,
        ],
        "primaryKey": ["id"],
    },
    "ideas": {
        "title": "Ideas",
        "fields": [
            _field("id", "integer", "Id of the idea.", **_ID),
            _field("reference", "string", "<workshop uid>/idea/<id>.", **_required()),
            _field("title", "string", "Title."),
            _field("body", "string", "Description."),
            _field("need", "string", "The need it answers."),
            _field(
                "state",
                "string",
                "visible, pending (waiting for approval), hidden (moderation), withdrawn "
                "(by its author) or merged (into merged_into_id).",
                **_required(enum=_values(IdeaStatus)),
            ),
            _field("challenge_id", "integer", "The défi it is grouped in; empty if none."),
            _field("challenge_title", "string", "Title of that défi."),
            _field("merged_into_id", "integer", "The idea it was merged into."),
            _field(
                "author_name",
                "string",
                "Pseudonym of its author; empty when the workshop hides authors.",
            ),
            _field("votes", "integer", "Dots in the last vote on ideas.", **_COUNT),
            _field("published_at", "datetime", "When it was posted (UTC).", **_required()),
            *_FOLLOW_UP,
            _field(
                "details",
                "string",
                "What the file it was imported from said besides its text (source, "
                "commune, date…): a JSON object, column name → value; empty if none.",
            ),
        ],
        "primaryKey": ["id"],
    },
    "votes": {
        "title": "Votes",
        "fields": [
            *_VOTED_ITEM,
            _field(
                "votes", "integer", "Dots (the frozen ones once frozen).", **_required(minimum=1)
            ),
            _field("voters", "integer", "People who put dots on it.", **_COUNT),
            *_VOTE_RESULT,
        ],
        "primaryKey": ["phase_id", "target", "item_id"],
    },
    "grades": {
        "title": "Votes by majority judgment",
        "fields": [
            *_VOTED_ITEM,
            _field(
                "voters",
                "integer",
                "People counted on it: those who graded at least one option of the vote"
                " (an option one of them left ungraded counts as « to reject » for them).",
                **_required(minimum=1),
            ),
            _field(
                "majority_grade",
                "integer",
                "Its majority grade, from 0 (to reject) to 6 (excellent): the grade a"
                " majority of its voters gave it or better.",
                **_required(minimum=0, maximum=MAJORITY_TOP),
            ),
            *(
                _field(f"grades_{key}", "integer", f"Voters who graded it « {label} ».", **_COUNT)
                for key, label in GRADE_KEYS
            ),
            *_VOTE_RESULT,
        ],
        "primaryKey": ["phase_id", "target", "item_id"],
    },
    "qualifications": {
        "title": "Qualification sheets",
        "fields": [
            _field("target", "string", "Sheet of a défi or of an idea.", **_TARGET),
            _field("target_id", "integer", "Id of that défi or idea.", **_ID),
            _field("reference", "string", "Its reference.", **_required()),
            _field("title", "string", "Its title."),
            _field("need_who", "string", "The social need: who has it."),
            _field("need_where", "string", "The social need: where."),
            _field("need_evidence", "string", "The social need: what shows it."),
            _field("target_public", "string", "Target public."),
            _field("territory", "string", "Commune or intercommunalité."),
            _field(
                "insee_code",
                "string",
                "INSEE code of the commune (5 characters, Corsica 2A/2B) or SIREN number of"
                " the intercommunalité (9 digits); keep it as text: it may start with 0.",
                constraints={"pattern": "([0-9]{2}|2A|2B)[0-9]{3}|[0-9]{9}"},
            ),
            _field("solution", "string", "Envisaged solution."),
            _field("existing_offer", "string", "Existing offer nearby."),
            _field("partners", "string", "Actors and partners to mobilise."),
            _field("economic_potential", "string", "Economic potential."),
            _field("potential_holders", "string", "Potential project holders."),
            _field(
                "maturity",
                "string",
                "idea, project or tested.",
                constraints={"enum": _values(Maturity)},
            ),
            _field("next_step", "string", "Next step."),
            _field("stage", "string", "Follow-up stage.", **_required(enum=_STAGES)),
            _field("abandon_reason", "string", "Why it was abandoned."),
            _field("updated_at", "datetime", "Last change (UTC)."),
        ],
        "primaryKey": ["target", "target_id"],
    },
    "volunteers": {
        "title": "Volunteers",
        "fields": [
            _field("target", "string", "Offer on a défi or on an idea.", **_TARGET),
            _field("target_id", "integer", "Id of that défi or idea.", **_ID),
            _field("reference", "string", "Its reference.", **_required()),
            _field("title", "string", "Its title."),
            _field(
                "kind",
                "string",
                "hold (« je pourrais porter ce projet »), contribute (« je veux contribuer »)"
                " or follow (« tenez-moi informé·e »).",
                **_required(enum=_values(VolunteerKind)),
            ),
            _field("consent_contact", "boolean", "Agreed to be contacted.", **_required()),
            _field("contact_name", "string", "Name given (only with consent)."),
            _field("contact_email", "string", "Email given (only with consent)."),
            _field("contact_phone", "string", "Phone given (only with consent)."),
        ],
    },
    "tables": {
        "title": "Défi tables",
        "fields": [
            _field("id", "integer", "Id of the table.", **_ID),
            _field("number", "integer", "Its number in the room (« Table 3 »).", **_ID),
            _field("challenge_id", "integer", "The défi it works on.", **_ID),
            _field("challenge_title", "string", "Title of that défi."),
            _field("capacity", "integer", "Seats.", **_required(minimum=2)),
            _field("has_host", "boolean", "Whether it has a host.", **_required()),
            _field(
                "seated",
                "integer",
                "People seated there in any round (counted once); no names are exported.",
                **_COUNT,
            ),
            *_SEATED_BY_PROFILE,
            _field("rounds", "integer", "Rounds in which someone sat there.", **_COUNT),
            _field(
                "contributions", "integer", "Its contributions (hidden ones included).", **_COUNT
            ),
            _field("kept", "integer", "Contributions the table kept.", **_COUNT),
            _field("synthesis", "string", "The table's synthesis."),
            _field("synthesis_done", "boolean", "Marked done by its host.", **_required()),
            _field(
                "carry_offers",
                "integer",
                "Offers « je pourrais porter ce défi » on its défi (the same for every table of"
                " a défi).",
                **_COUNT,
            ),
        ],
        "primaryKey": ["id"],
    },
    "contributions": {
        "title": "Table contributions",
        "fields": [
            _field("id", "integer", "Id of the contribution.", **_ID),
            _field("table_id", "integer", "The table it was written at.", **_ID),
            _field("table_number", "integer", "That table's number.", **_ID),
            _field("challenge_id", "integer", "The défi of that table.", **_ID),
            _field("challenge_title", "string", "Title of that défi."),
            _field(
                "kind",
                "string",
                "Key of its kind (needs, solutions, actors, obstacles, holders by default;"
                " facilitators may add others).",
                **_required(),
            ),
            _field("kind_label", "string", "That kind as the room saw it."),
            _field("text", "string", "The contribution."),
            _field("round", "integer", "The round it was written in.", **_ID),
            _field("kept", "boolean", "Kept by the table.", **_required()),
            _field("votes", "integer", "Votes of the people at the table.", **_COUNT),
            _field("hidden", "boolean", "Hidden by the table's host.", **_required()),
            _field(
                "on_behalf",
                "boolean",
                "Typed by the host for someone at the table without a phone.",
                **_required(),
            ),
            _field(
                "author_name",
                "string",
                "Pseudonym of its author (or the name the host typed); empty when the"
                " workshop hides authors.",
            ),
            _field("published_at", "datetime", "When it was posted (UTC).", **_required()),
        ],
        "primaryKey": ["id"],
    },
}

TABLE_NAMES = tuple(TABLES)


def table_schema(name: str) -> dict[str, Any]:
    """The Table Schema document of table ``name``."""
    table = TABLES[name]
    schema: dict[str, Any] = {
        "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
        "title": table["title"],
        "fields": table["fields"],
        "missingValues": [""],
    }
    if "primaryKey" in table:
        schema["primaryKey"] = table["primaryKey"]
    return schema


def field_names(name: str) -> list[str]:
    """The columns of table ``name``, in order."""
    return [field["name"] for field in TABLES[name]["fields"]]


def datapackage(dialect: str = "open") -> dict[str, Any]:
    """The Data Package descriptor of a CSV export (``dialect``: ``open`` or ``excel``)."""
    excel = dialect == "excel"
    return {
        "profile": "tabular-data-package",
        "name": "semis-workshop-export",
        "title": "Semis workshop export",
        "description": (
            "One CSV file per entity of a Semis workshop. The JSON export holds the same "
            "data in one document (docs/export.schema.json)."
            + (" Files start with a UTF-8 byte order mark, for Excel." if excel else "")
        ),
        "resources": [
            {
                "name": name,
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                # IANA name; the Excel files also start with a byte order mark.
                "encoding": "utf-8",
                "dialect": {
                    "delimiter": ";" if excel else ",",
                    "lineTerminator": "\r\n",
                    "quoteChar": '"',
                    "doubleQuote": True,
                    "header": True,
                },
                "schema": f"tableschema/{name}.json",
            }
            for name in TABLE_NAMES
        ],
    }


# ------------------------------------------------------------------------ rows


def _stage(sheet: dict[str, Any] | None) -> str | None:
    return None if sheet is None else sheet["stage"]


def _voted_item(
    phase: dict[str, Any], target: str, item_id: int, item: dict[str, Any] | None
) -> dict[str, Any]:
    """The :data:`_VOTED_ITEM` columns of a row: the vote step and the item voted on."""
    return {
        "phase_id": phase["id"],
        "phase_title": phase["title"],
        "target": target,
        "item_id": item_id,
        "item_title": item["title"] if item else None,
    }


def rows(document: dict[str, Any], name: str) -> Iterator[dict[str, Any]]:
    """The rows of table ``name`` made from an export ``document``."""
    challenges = {c["id"]: c for c in document["challenges"]}
    ideas = {i["id"]: i for i in document["ideas"]}
    if name == "phases":
        yield from (dict(phase) for phase in document["phases"])
    elif name == "challenges":
        for c in document["challenges"]:
            yield {
                "id": c["id"],
                "reference": c["reference"],
                "title": c["title"],
                "body": c["body"],
                "position": c["position"],
                "ideas_count": c["ideas_count"],
                "votes": c["votes"],
                "rank": c["rank"],
                "stage": _stage(c["qualification"]),
                "volunteers_count": len(c["volunteers"]),
            }
    elif name == "ideas":
        for i in document["ideas"]:
            challenge = challenges.get(i["challenge_id"]) if i["challenge_id"] else None
            yield {
                "id": i["id"],
                "reference": i["reference"],
                "title": i["title"],
                "body": i["body"],
                "need": i["need"],
                "state": i["state"],
                "challenge_id": i["challenge_id"],
                "challenge_title": challenge["title"] if challenge else None,
                "merged_into_id": i["merged_into_id"],
                "author_name": i["author"]["name"] if i["author"] else None,
                "votes": i["votes"],
                "published_at": i["published_at"],
                "stage": _stage(i["qualification"]),
                "volunteers_count": len(i["volunteers"]),
                "details": json.dumps(i["details"], ensure_ascii=False)
                if i.get("details")
                else None,
            }
    elif name == "votes":
        phases = {p["id"]: p for p in document["phases"]}
        ranked = {
            (r["phase_id"], item["target"], item["item_id"]): (item["rank"], r["frozen_at"])
            for r in document["rankings"]
            for item in r["items"]
        }
        for v in document["votes"]:
            item = (challenges if v["target"] == "challenge" else ideas).get(v["item_id"])
            rank, frozen_at = ranked[(v["phase_id"], v["target"], v["item_id"])]
            yield {
                **_voted_item(phases[v["phase_id"]], v["target"], v["item_id"], item),
                "votes": v["votes"],
                "voters": v["voters"],
                "rank": rank,
                "frozen_at": frozen_at,
            }
    elif name == "grades":
        phases = {p["id"]: p for p in document["phases"]}
        for ranking in document["rankings"]:
            if ranking.get("method") != "majority":
                continue
            phase = phases[ranking["phase_id"]]
            for item in ranking["items"]:
                target, item_id = item["target"], item["item_id"]
                known = (challenges if target == "challenge" else ideas).get(item_id)
                counts = list(item.get("grades") or [])
                counts += [0] * (len(GRADE_KEYS) - len(counts))
                yield {
                    **_voted_item(phase, target, item_id, known),
                    "voters": item["votes"],
                    "majority_grade": item.get("majority_grade"),
                    **{f"grades_{key}": counts[i] for i, (key, _label) in enumerate(GRADE_KEYS)},
                    "rank": item["rank"],
                    "frozen_at": ranking["frozen_at"],
                }
    elif name == "tables":
        for t in document.get("tables", []):
            challenge = challenges.get(t["challenge_id"])
            contributions = t["contributions"]
            carry = [o for o in (challenge or {}).get("volunteers", []) if o["kind"] == "hold"]
            yield {
                "id": t["id"],
                "number": t["number"],
                "challenge_id": t["challenge_id"],
                "challenge_title": challenge["title"] if challenge else None,
                "capacity": t["capacity"],
                "has_host": t["has_host"],
                "seated": t["seated"]["total"],
                **{
                    f"seated_{profile}": count
                    for profile, count in t["seated"]["by_profile"].items()
                },
                "rounds": len(t["seated"]["rounds"]),
                "contributions": len(contributions),
                "kept": sum(1 for c in contributions if c["kept"]),
                "synthesis": t["synthesis"],
                "synthesis_done": t["synthesis_done"],
                "carry_offers": len(carry),
            }
    elif name == "contributions":
        labels = {kind["key"]: kind["label"] for kind in document.get("contribution_kinds", [])}
        for t in document.get("tables", []):
            challenge = challenges.get(t["challenge_id"])
            for c in t["contributions"]:
                yield {
                    "id": c["id"],
                    "table_id": t["id"],
                    "table_number": t["number"],
                    "challenge_id": t["challenge_id"],
                    "challenge_title": challenge["title"] if challenge else None,
                    "kind": c["kind"],
                    "kind_label": labels.get(c["kind"], c["kind"]),
                    "text": c["text"],
                    "round": c["round"],
                    "kept": c["kept"],
                    "votes": c["votes"],
                    "hidden": c["hidden"],
                    "on_behalf": c["on_behalf"],
                    "author_name": c["author"]["name"] if c["author"] else None,
                    "published_at": c["published_at"],
                }
    elif name in ("qualifications", "volunteers"):
        for target, items in (("challenge", document["challenges"]), ("idea", document["ideas"])):
            for item in items:
                base = {
                    "target": target,
                    "target_id": item["id"],
                    "reference": item["reference"],
                    "title": item["title"],
                }
                if name == "qualifications" and item["qualification"] is not None:
                    sheet = item["qualification"]
                    yield base | {
                        "need_who": sheet["need"]["who"],
                        "need_where": sheet["need"]["where"],
                        "need_evidence": sheet["need"]["evidence"],
                        **{
                            key: sheet[key]
                            for key in (
                                "target_public",
                                "territory",
                                "insee_code",
                                "solution",
                                "existing_offer",
                                "partners",
                                "economic_potential",
                                "potential_holders",
                                "maturity",
                                "next_step",
                                "stage",
                                "abandon_reason",
                                "updated_at",
                            )
                        },
                    }
                elif name == "volunteers":
                    for offer in item["volunteers"]:
                        contact = offer["contact"] or {}
                        yield base | {
                            "kind": offer["kind"],
                            "consent_contact": offer["consent_contact"],
                            "contact_name": contact.get("name"),
                            "contact_email": contact.get("email"),
                            "contact_phone": contact.get("phone"),
                        }
    else:
        raise KeyError(name)


def write_docs(docs: Path) -> None:
    """Write the Table Schemas and the Data Package descriptor into ``docs``."""
    (docs / "tableschema").mkdir(parents=True, exist_ok=True)
    for name in TABLE_NAMES:
        text = json.dumps(table_schema(name), indent=2, ensure_ascii=False) + "\n"
        (docs / "tableschema" / f"{name}.json").write_text(text, encoding="utf-8")
    text = json.dumps(datapackage(), indent=2, ensure_ascii=False) + "\n"
    (docs / "datapackage.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    write_docs(Path(__file__).resolve().parent.parent.parent / "docs")
