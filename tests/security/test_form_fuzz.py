"""No input makes a state-changing route fail: random forms, files and bodies on the
routes ``tests/views/test_forms_fuzz.py`` does not cover never get a 5xx answer.

``test_every_writing_route_is_fuzzed`` keeps the fuzz tests together covering every
route that accepts POST, PUT, PATCH or DELETE: a new route fails it until it is fuzzed
(or listed as taking no input). The routes of issues #14 and #15 are fuzzed in
``tests/security/test_follow_up_fuzz.py``; those of the jury and of « mon projet » in
their own modules, whose lists are checked to name them.
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable, Iterator
from types import ModuleType, SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from tests.security import test_follow_up_fuzz
from tests.security.conftest import World, build_world
from tests.security.test_authorization_matrix import (
    account_invitation,
    portfolio_of_owner,
    table_link,
    team_invitation,
    writing_rules,
)
from tests.views.test_forms_fuzz import FUZZ, form

# Routes fuzzed in tests/views/test_forms_fuzz.py, then here; and those with no input
# but their URL (their path parameters are fuzzed by test_public_paths or are ids).
FUZZED_ELSEWHERE = {
    "main.setup",
    "main.login",
    "participant.join",
    "participant.join_by_code",
    "facilitator.new_workshop",
    "facilitator.agenda",
}
FUZZED_HERE = {
    "main.change_password",
    "main.logout",
    "exports.import_ideas",
    "fabrique.upload",
    "fabrique.change_stage",
    "fabrique.decide",
    "fabrique.new_fabrique",
    "fabrique.add_member",
    "fabrique.remove_member",
    "api.import_export",
    "privacy.settings",
    "privacy.delete",
    "privacy.erase_mine",
    "tables.seat",
    "tables.host",
    "team.invite",
    "team.revoke",
    "team.remove",
    "team.invite_account",
    "team.revoke_account",
    "team.accept_post",
}


def jury_claims(app: Flask, module: ModuleType) -> set[str]:
    """The jury routes ``tests/jury/test_forms_fuzz.py`` fuzzes: the facilitators' forms
    of its list, and a juror's grades (its own test)."""
    claimed = {f"jury.{name}" for name in module.FACILITATORS_FORMS}
    if hasattr(module, "test_a_jurors_grades"):
        claimed.add("jury.grade")
    return claimed


def my_project_claims(app: Flask, module: ModuleType) -> set[str]:
    """The « mon projet » routes ``tests/my_project/test_forms_fuzz.py`` posts to: the
    endpoints its lists of paths (the holder's, the facilitators') lead to."""
    world = SimpleNamespace(tokens={"Awa": "secret"}, id=1)
    held = {"world": world, "project": 2, "key": "besoin"}
    adapter = app.url_map.bind("localhost")
    paths = [*module.holder_paths(held), *module.facilitator_paths(held)]
    return {str(adapter.match(path, method="POST")[0]) for path in paths}


JURY = "tests.jury.test_forms_fuzz"
MY_PROJECT = "tests.my_project.test_forms_fuzz"
# How each module's claims are read from the module itself, so they cannot go stale.
CLAIMS: dict[str, Callable[[Flask, ModuleType], set[str]]] = {
    JURY: jury_claims,
    MY_PROJECT: my_project_claims,
}
# Routes fuzzed by their own part's module, that module beside each.
FUZZED_IN_MODULES = {
    "jury.save_criteria": JURY,
    "jury.set_open": JURY,
    "jury.add_juror": JURY,
    "jury.new_link": JURY,
    "jury.revoke": JURY,
    "jury.remove": JURY,
    "jury.decide": JURY,
    "jury.grade": JURY,
    "my_project.create": MY_PROJECT,
    "my_project.update": MY_PROJECT,
    "my_project.save_section": MY_PROJECT,
    "my_project.add_entry": MY_PROJECT,
    "my_project.remove_entry": MY_PROJECT,
    "my_project.create_for": MY_PROJECT,
    "my_project.move": MY_PROJECT,
    "my_project.facilitator_entry": MY_PROJECT,
    "my_project.facilitator_remove_entry": MY_PROJECT,
}


def test_every_writing_route_is_fuzzed(app: Flask) -> None:
    fuzzed = FUZZED_ELSEWHERE | FUZZED_HERE | test_follow_up_fuzz.FUZZED | set(FUZZED_IN_MODULES)
    writing = set(writing_rules(app))
    missing = sorted(writing - fuzzed)
    assert not missing, f"fuzz the forms of {missing}"
    gone = sorted(fuzzed - writing)
    assert not gone, f"these are no longer writing routes: {gone}"


def test_routes_fuzzed_elsewhere_are_in_their_modules_lists(app: Flask) -> None:
    """Each route listed as fuzzed by its part's module is in that module's lists."""
    for module_name, claims in CLAIMS.items():
        claimed = claims(app, importlib.import_module(module_name))
        ours = {e for e, m in FUZZED_IN_MODULES.items() if m == module_name}
        unlisted = sorted(ours - claimed)
        assert not unlisted, f"{module_name} does not fuzz {unlisted}"


@pytest.fixture
def world(app: Flask) -> Iterator[World]:
    built = build_world(app)
    yield built
    built.close()


blobs = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from(
        [
            b"",
            b"\xef\xbb\xbf",
            b"id;text\r\nA1;Une ressourcerie\r\n",
            b"id,text,description\nA1,=1+1,\x00\n",
            b'{"format": "semis.workshop-export", "version": "1.0"}',
            b'{"format": "semis.workshop-export", "version": "9.0", "integrity": {}}',
            b"[" * 5000,
            b'{"a":' * 2000,
            b"id;text;details\r\nA1;Une ressourcerie;" + b"[" * 5000 + b"\r\n",
            b"\xff\xfe" + "é".encode("utf-16-le"),
        ]
    ),
)


def upload(blob: bytes, name: str) -> dict[str, Any]:
    return {"file": (io.BytesIO(blob), name)}


@FUZZ
@given(data=form(["current_password", "new_password", "new_password_confirm"]))
def test_change_password_form(app: Flask, world: World, data: dict[str, object]) -> None:
    client = world.http["cofacilitator"]  # a wrong current password keeps it signed in
    assert client.post("/account/password", data=data).status_code < 500


@FUZZ
@given(data=form(["next"]))
def test_logout_form(app: Flask, world: World, data: dict[str, object]) -> None:
    assert app.test_client().post("/logout", data=data).status_code < 500


@FUZZ
@given(blob=blobs, name=st.one_of(st.just("ideas.csv"), st.text(max_size=20)), extra=form(["x"]))
def test_ideas_import_file(
    app: Flask, world: World, blob: bytes, name: str, extra: dict[str, object]
) -> None:
    response = world.http["owner"].post(
        f"/f/w/{world.a.workshop_id}/ideas/import",
        data={**extra, **upload(blob, name or "f")},
        content_type="multipart/form-data",
    )
    assert response.status_code < 500


def test_ideas_import_with_details_nested_too_deep(app: Flask, world: World) -> None:
    """A « details » cell holding JSON nested deeper than the parser goes was a 500
    (RecursionError): it is a cell like any other, here refused as too long."""
    for cell in (b"[" * 5000, b'{"a":' * 3000):
        blob = b"id;text;details\r\nA1;Une ressourcerie;" + cell + b"\r\n"
        response = world.http["owner"].post(
            f"/f/w/{world.a.workshop_id}/ideas/import",
            data=upload(blob, "ideas.csv"),
            content_type="multipart/form-data",
        )
        assert response.status_code == 400, response.status_code


@pytest.fixture
def held(app: Flask, world: World) -> Any:
    return portfolio_of_owner(app, world)


@FUZZ
@given(blob=blobs)
def test_portfolio_upload(world: World, held: Any, blob: bytes) -> None:
    response = world.http["owner"].post(
        f"/fabriques/{held.slug}/import",
        data=upload(blob, "export.json"),
        content_type="multipart/form-data",
    )
    assert response.status_code < 500


@FUZZ
@given(data=form(["stage", "version", "abandon_reason", "idea_id"]), idea_id=st.integers(0, 2**40))
def test_portfolio_stage_form(
    world: World, held: Any, data: dict[str, object], idea_id: int
) -> None:
    client = world.http["owner"]
    for target in (held.idea_id, idea_id):
        url = f"/fabriques/{held.slug}/ideas/{target}/stage"
        assert client.post(url, data=data).status_code < 500


@FUZZ
@given(
    proposal=st.integers(0, 2**40),
    decision=st.sampled_from(["accept", "dismiss"]),
    data=form(["x"]),
)
def test_portfolio_decide(
    world: World, held: Any, proposal: int, decision: str, data: dict[str, object]
) -> None:
    client = world.http["owner"]
    for target in (held.proposal_id, proposal):
        url = f"/fabriques/{held.slug}/duplicates/{target}/{decision}"
        assert client.post(url, data=data).status_code < 500


@FUZZ
@given(data=form(["name", "slug"]))
def test_new_fabrique_form(world: World, data: dict[str, object]) -> None:
    response = world.http["owner"].post("/fabriques/new", data=data)
    assert response.status_code < 500


@FUZZ
@given(data=form(["email"]), member=st.integers(0, 2**40))
def test_fabrique_members_forms(
    world: World, held: Any, data: dict[str, object], member: int
) -> None:
    client = world.http["owner"]
    assert client.post(f"/fabriques/{held.slug}/members", data=data).status_code < 500
    url = f"/fabriques/{held.slug}/members/{member}/remove"
    assert client.post(url, data=data).status_code < 500


@FUZZ
@given(body=blobs, auth=st.one_of(st.none(), st.text(max_size=40), st.just("Bearer x")))
def test_api_import_body(app: Flask, body: bytes, auth: str | None) -> None:
    headers = {} if auth is None else {"Authorization": auth}
    try:
        response = app.test_client().post(
            "/api/v1/imports", data=body, headers=headers, content_type="application/json"
        )
    except ValueError:  # a header werkzeug itself refuses to build (a newline in it)
        return
    assert response.status_code < 500


@FUZZ
@given(
    data=form(["organiser", "organiser_contact", "recipient", "retention_days", "erasure_ideas"])
)
def test_privacy_settings_form(app: Flask, world: World, data: dict[str, object]) -> None:
    response = world.http["owner"].post(f"/f/w/{world.a.workshop_id}/privacy", data=data)
    assert response.status_code < 500


@FUZZ
@given(data=form(["confirm_code"]))
def test_delete_workshop_form_deletes_only_with_the_code(
    app: Flask, world: World, data: dict[str, object]
) -> None:
    if str(data.get("confirm_code", "")).replace(" ", "").upper() == world.a.code:
        return  # the one right answer deletes the workshop the other examples need
    response = world.http["owner"].post(f"/f/w/{world.a.workshop_id}/delete", data=data)
    assert response.status_code == 400


@FUZZ
@given(data=form(["x"]), code=st.text(max_size=12))
def test_erase_mine_with_any_code(
    app: Flask, world: World, data: dict[str, object], code: str
) -> None:
    response = world.http["anonymous"].post(f"/j/{code or 'X'}/erase", data=data)
    assert response.status_code < 500


@FUZZ
@given(data=form(["display_name", "profile"]), kind=st.sampled_from(["t", "host"]))
def test_table_link_join_forms(
    app: Flask, world: World, data: dict[str, object], kind: str
) -> None:
    """A table's seat or host link, its join form filled with anything."""
    url = table_link(app, world.a, kind)
    phone = app.test_client()  # a fresh phone each time, or it would be seated at once
    assert phone.post(url, data=data).status_code < 500


@FUZZ
@given(token=st.text(max_size=60), kind=st.sampled_from(["t", "host"]))
def test_table_link_tokens(app: Flask, world: World, token: str, kind: str) -> None:
    """Any token in a table link: a 404 or the join page, never a 5xx."""
    path = f"/j/{world.a.code}/{kind}/{quote(token, safe='')}"
    for client in (world.http["anonymous"], world.http["participant"]):
        assert client.get(path).status_code < 500


@FUZZ
@given(data=form(["email"]), target=st.integers(0, 2**40))
def test_team_forms(app: Flask, world: World, data: dict[str, object], target: int) -> None:
    """The team page's and the account invitations' forms, and their withdraw and remove
    buttons on any id, filled with anything."""
    client = world.http["cofacilitator"]
    a = world.a.workshop_id
    for url in (
        f"/f/w/{a}/team",
        f"/f/w/{a}/team/invitations/{target}/revoke",
        f"/f/w/{a}/team/{target}/remove",
        "/f/invitations",
        f"/f/invitations/{target}/revoke",
    ):
        assert client.post(url, data=data).status_code < 500


@FUZZ
@given(
    data=form(["name", "password", "password_confirm", "action"]),
    kind=st.sampled_from(["team", "account"]),
    who=st.sampled_from(["anonymous", "owner"]),
)
def test_invitation_link_forms(
    app: Flask, world: World, data: dict[str, object], kind: str, who: str
) -> None:
    """An invitation link's form, filled with anything, by nobody signed in (a new
    account) or by someone signed in as another account."""
    issued = team_invitation(app, world.a) if kind == "team" else account_invitation(app, world.a)
    client = app.test_client() if who == "anonymous" else world.http[who]
    assert client.post(f"/f/join/{issued.secret}", data=data).status_code < 500
