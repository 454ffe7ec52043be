"""No input makes a route of the Fabrique's follow-up (issue #15) or of a cycle (issue
#14) fail: random forms, paths and JSON bodies never get a 5xx answer, and a refused
request writes nothing.

Each route is sent by the caller it allows (the Fabrique's member, the cycle's
facilitator, whoever holds the link, an API token with the "write" scope) the request
the authorization matrix makes work (:func:`~tests.security.test_authorization_matrix.
http_request`), changed by hypothesis: its real fields and a few more given random
values (empty, huge, lists, control characters, bidi marks, numbers beyond 2^63,
impossible dates, wrong ids) or left out, unknown fields added, an id or a secret of the
path replaced by anything. The answer is below 500, and when it is a refusal (4xx) every
row of the database is as it was.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.security.conftest import RAISED_LIMITS, World, build_world, database
from tests.security.test_authorization_matrix import (
    HTTP_IDENTITIES,
    HTTP_MATRIX,
    Allowed,
    http_request,
    writing_rules,
)
from tests.views.test_forms_fuzz import FUZZ
from workshop.schemas.projects import SHEET_FIELDS
from workshop.services import fabriques

# Every writing route fuzzed here, with the fields its form may carry beyond those of
# the request the matrix sends (optional fields, the honeypot, a way back).
FORMS: dict[str, tuple[str, ...]] = {
    # Projects
    "projects.change_stage": ("abandon_reason",),
    "projects.save_sheet": SHEET_FIELDS,
    "projects.add_holder": ("contact_email", "contact_phone", "note"),
    "projects.remove_holder": (),
    "projects.add_note": (),
    # Committees, and a committee member's link
    "committees.create": ("project_id",),
    "committees.delete": (),
    "committees.save_criteria": ("remove",),
    "committees.add_member": ("email",),
    "committees.regenerate_link": (),
    "committees.revoke_member": (),
    "committees.remove_member": (),
    "committees.create_meeting": (),
    "committees.update_meeting": (),
    "committees.set_status": (),
    "committees.add_item": (),
    "committees.change_item": (),
    "committees.decide": ("stage",),
    "committees.grade": (),
    # The call for holders, and its public form
    "calls.save_intro": (),
    "calls.set_in_call": ("next",),
    "calls.add_candidate": ("phone", "structure"),
    "calls.change_candidate": (),
    "calls.select_candidate": ("leave_call",),
    "calls.delete_candidate": (),
    "calls.others_not_selected": (),
    "calls.public_project": ("phone", "represents_structure", "structure", "follow", "website"),
    # Idea boxes, and a box's public page
    "idea_boxes.create_box": ("slug", "intro", "territory", "campaign", "contact", "premoderation"),
    "idea_boxes.update_box": ("intro", "territory", "campaign", "contact", "open", "premoderation"),
    "idea_boxes.accept": (),
    "idea_boxes.reject": (),
    "idea_boxes.retitle": (),
    "idea_boxes.delete_posting": (),
    "idea_boxes.add_need": ("territory", "campaign", "relayer_contact"),
    "idea_boxes.take_into_workshop": (),
    "idea_boxes.public_box": ("name", "email", "follow", "website"),
    # People kept informed, and the unsubscribe link
    "followers.confirm_unsubscribe": ("List-Unsubscribe",),
    "followers.resend": (),
    "followers.unsubscribe_for": (),
    # The report's carnet
    "reports.carnet_intro": (),
    "reports.publication": ("next",),
    # A cycle: its facilitators' page
    "cycles.create": ("preset", "start_date", "sessions", "description", "territory"),
    "cycles.settings": (
        "description",
        "territory",
        "organiser_contact",
        "retention_days",
        "feedback_signed",
    ),
    "cycles.add_session": ("territory",),
    "cycles.update_session": ("territory",),
    "cycles.add_co_facilitator": (),
    "cycles.remove_co_facilitator": (),
    "cycles.intention_template": ("section-remove",),
    "cycles.feedback_kinds": ("kind-remove",),
    "cycles.criteria": ("remove",),
    "cycles.questions": ("question-remove",),
    "cycles.close": (),
    "cycles.enrol_someone": ("email",),
    "cycles.new_link": (),
    "cycles.erase_someone": (),
    # A cycle: its enrolment page and a person's link
    "cycles.enrol": ("email", "q-x"),
    "cycles.send_link": (),
    "cycles.questionnaire": (),
    "cycles.erase_me": (),
}

# The API's writes: a write-scope bearer token and a JSON body with these fields.
API: dict[str, tuple[str, ...]] = {
    "api.add_project_candidate": ("name", "email", "phone", "structure", "notes"),
    "api.update_candidate": ("status", "notes"),
    "api.record_decision": ("item_id", "decision", "reason", "stage"),
    "api.update_project": ("version", "stage", "abandon_reason", "sheet"),
    "api.add_project_note": ("text",),
    "api.add_project_holder": ("name", "kind", "contact_email", "contact_phone", "note"),
}

# Twenty examples a route: some seventy routes run in a few minutes on two cores.
# SEMIS_FUZZ_EXAMPLES=200 searches longer (before a release, or after changing a route).
SMALL = settings(FUZZ, max_examples=int(os.environ.get("SEMIS_FUZZ_EXAMPLES") or 20))

#: What ``tests/security/test_form_fuzz.py`` counts as fuzzed by this module.
FUZZED = frozenset(FORMS) | frozenset(API)


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Rate limits would answer 429 early and hide the handlers from the fuzzer.
    plenty = "100000 per minute"
    return {
        **RAISED_LIMITS,
        "COMMITTEE_GRADING_LIMIT": plenty,
        "CALL_APPLY_LIMIT": plenty,
        "IDEA_BOX_POST_LIMIT": plenty,
    }


# ----------------------------------------------------------------------- values

NASTY = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "2",
    "7",
    "on",
    "yes",
    "remove",
    "up",
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    str(2**64 + 1),
    "1" * 40,
    "1e309",
    "NaN",
    "١٢",
    "2026-02-30",
    "2026-13-01",
    "0000-01-01",
    "9999-12-31",
    "14/01/2027",
    "a@b.cd",
    "x@localhost",
    "<script>alert(1)</script>",
    "%(name)s {0} %s",
    "\u202e\u2066abc\u2069",
    "\u200f\u200b",
    "\x00",
    "\x1b[2J\x07",
    "\r\n\r\n",
    "\ufeff",
    "x" * 5000,
    "é" * 3000,
    "🙂" * 600,
]

words = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
values = st.one_of(words, st.lists(words, max_size=4))


def forms(valid: dict[str, Any], extra: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """The working form, or none, with some of its fields left out and others (real,
    optional or unknown) given random values."""
    fields = sorted({*valid, *extra}) or ["x"]
    base = st.sampled_from([valid, {}]) if valid else st.just({})
    dropped = st.sets(st.sampled_from(fields))
    changed = st.dictionaries(
        st.one_of(st.sampled_from(fields), st.text(max_size=12)), values, max_size=len(fields) + 2
    )
    return st.builds(
        lambda start, drop, change: {
            **{k: v for k, v in start.items() if k not in drop},
            **change,
        },
        base,
        dropped,
        changed,
    )


json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    words,
)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)


def bodies(valid: dict[str, Any], fields: tuple[str, ...]) -> st.SearchStrategy[bytes]:
    """A JSON body: the working one with fields changed, left out or added, any JSON
    value, or bytes that are not JSON."""
    changed = st.builds(
        lambda drop, change: {**{k: v for k, v in valid.items() if k not in drop}, **change},
        st.sets(st.sampled_from(fields)),
        st.dictionaries(
            st.one_of(st.sampled_from(fields), st.text(max_size=10)), json_values, max_size=6
        ),
    )
    as_json = st.one_of(changed, json_values).map(lambda v: json.dumps(v).encode())
    raw = st.one_of(
        st.binary(max_size=200),
        st.sampled_from([b"", b"{", b"[" * 5000, b'{"a":' * 2000, b"\xff\xfe{}"]),
    )
    return st.one_of(as_json, raw)


# ------------------------------------------------------------------------ paths

# A path segment after one of these is a slug, a secret or a name the route looks up.
LOOKED_UP_AFTER = {"fabriques", "p", "boite", "comite", "c", "desabonnement", "cycle"}
LOOKED_UP_AFTER |= {"questionnaire"}

path_values = st.one_of(
    st.integers(min_value=0, max_value=2**70).map(str),
    st.sampled_from(["0", str(2**31), str(2**63 - 1), str(2**63), str(2**64)]),
    st.text(min_size=1, max_size=40).map(lambda t: quote(t, safe="")),
)


def looked_up(path: str) -> list[int]:
    """The indexes of the segments of ``path`` that name something: ids, slugs, secrets."""
    parts = path.split("/")
    return [
        i
        for i, part in enumerate(parts)
        if part and (part.isdigit() or (i > 0 and parts[i - 1] in LOOKED_UP_AFTER))
    ]


def mutated(path: str, which: int | None, value: str) -> str:
    """``path`` with its ``which``-th looked-up segment replaced by ``value``."""
    spots = looked_up(path)
    if which is None or not spots:
        return path
    parts = path.split("/")
    parts[spots[which % len(spots)]] = value
    return "/".join(parts)


# ---------------------------------------------------------------------- the request


@dataclass
class Target:
    url: str
    method: str
    valid: Any  # the working form (a dict) or JSON body
    client: FlaskClient
    headers: dict[str, str]


def allowed_caller(endpoint: str) -> str:
    """The caller the matrix lets through (A's owner first: the Fabrique's only member
    and the cycle's owner)."""
    row = HTTP_MATRIX[endpoint]
    for identity in ("owner", *HTTP_IDENTITIES):
        if isinstance(row[identity], Allowed):
            return identity
    raise AssertionError(f"nobody may send {endpoint}")


def method_of(app: Flask, endpoint: str) -> str:
    methods = set(writing_rules(app)[endpoint].methods or ())
    return "POST" if "POST" in methods else sorted(methods - {"GET", "HEAD", "OPTIONS"})[0]


@pytest.fixture
def world(app: Flask) -> Iterator[World]:
    built = build_world(app)
    yield built
    built.close()


def target(app: Flask, world: World, endpoint: str) -> Target:
    url, kwargs = http_request(app, world, endpoint)
    method = method_of(app, endpoint)
    if endpoint in API:
        with app.app_context():
            fabrique = fabriques.get_by_slug(f"suivi-{world.a.workshop_id}")
            secret = fabriques.issue_token(fabrique, "fuzz", ("read", "write")).secret
        client = app.test_client()
        headers = {"Authorization": f"Bearer {secret}"}
        # The token's first use is noted once: before the « nothing written » checks.
        assert client.get("/api/v1/fabrique", headers=headers).status_code == 200
        return Target(url, method, json.loads(kwargs["data"]), client, headers)
    identity = allowed_caller(endpoint)
    client = app.test_client() if identity == "anonymous" else world.http[identity]
    return Target(url, method, dict(kwargs.get("data") or {}), client, {})


def check(app: Flask, held: Target, url: str, **kwargs: Any) -> None:
    then = database(app)
    response = held.client.open(url, method=held.method, headers=held.headers, **kwargs)
    assert response.status_code < 500, (response.status_code, url)
    if response.status_code >= 400:
        assert database(app) == then, f"a refused request wrote ({response.status_code}, {url})"


@pytest.fixture
def held(app: Flask, world: World, endpoint: str) -> Target:
    """The route's request, made once per test: every example shares the world."""
    return target(app, world, endpoint)


@SMALL
@pytest.mark.parametrize("endpoint", sorted(FORMS))
@given(data=st.data(), which=st.one_of(st.none(), st.integers(0, 5)), segment=path_values)
def test_forms(
    app: Flask, held: Target, endpoint: str, data: st.DataObject, which: int | None, segment: str
) -> None:
    form = data.draw(forms(held.valid, FORMS[endpoint]), label="form")
    check(app, held, mutated(held.url, which, segment), data=form)


@SMALL
@pytest.mark.parametrize("endpoint", sorted(API))
@given(data=st.data(), which=st.one_of(st.none(), st.integers(0, 5)), segment=path_values)
def test_api_bodies(
    app: Flask, held: Target, endpoint: str, data: st.DataObject, which: int | None, segment: str
) -> None:
    body = data.draw(bodies(held.valid, API[endpoint]), label="body")
    check(
        app,
        held,
        mutated(held.url, which, segment),
        data=body,
        content_type="application/json",
    )


def test_a_path_is_mutated_only_where_it_names_something() -> None:
    path = "/fabriques/suivi-3/comites/4/membres/5/nouveau-lien"
    assert [path.split("/")[i] for i in looked_up(path)] == ["suivi-3", "4", "5"]
    assert mutated(path, 1, "9") == "/fabriques/suivi-3/comites/9/membres/5/nouveau-lien"
    assert mutated("/c/abc/projet", 0, "x") == "/c/x/projet"
    assert mutated("/f/cycles", 0, "x") == "/f/cycles"


# ------------------------------------------------------------ found by the fuzzer


def test_a_json_body_nested_too_deep_is_refused(app: Flask, world: World) -> None:
    """The JSON parser gives up on 5,000 nested arrays with a RecursionError, which
    ``get_json(silent=True)`` does not catch: it was a 500."""
    held = target(app, world, "api.add_project_candidate")
    for body in (b"[" * 5000, b'{"a":' * 5000):
        then = database(app)
        response = held.client.post(
            held.url, data=body, headers=held.headers, content_type="application/json"
        )
        assert response.status_code == 400, response.status_code
        assert response.get_json()["ok"] is False
        assert database(app) == then


@pytest.mark.parametrize("number", [2**31, 2**63 - 1, 2**63, 2**64 + 1])
def test_an_id_beyond_the_databases_integers_is_no_page(
    app: Flask, world: World, number: int
) -> None:
    """An id in a path larger than the database's integers was a 500 (SQLite cannot
    bind one beyond 2^63, PostgreSQL's integer ends at 2^31 - 1): now no page."""
    held = target(app, world, "calls.add_candidate")
    url = held.url.replace(f"/appel/{held.url.split('/')[-2]}/", f"/appel/{number}/")
    then = database(app)
    response = held.client.post(url, data=held.valid)
    assert response.status_code == 404, (url, response.status_code)
    assert database(app) == then
