"""Who may send which command: the whole matrix, generated from the protocol itself.

Every command of :class:`workshop.realtime.Commands` is sent by every kind of caller of
workshop A, each in a fresh app whose workshop is in the state the command needs (see
:mod:`tests.security.scenarios`). The expected outcome of each pair is written below,
one row per command: **a command without a row fails**, so a new command forces a
decision. Allowed means the ack is ``ok`` (and a writing command recorded a fact);
refused means the ack names the error code given, and nothing changed: the workshop's
``seq``, its facilitators' snapshot, every row of the database, and nothing reached a
facilitator's console watching A.

The callers:

- ``anonymous``: no participant cookie, no session, no screen key. Refused at the
  handshake (``not_authenticated``) whatever role it claims; an event sent anyway on
  that unconnected socket gets no ack and changes nothing.
- ``participant``, ``screen``, ``cofacilitator`` (a facilitator added to
  ``workshop.facilitators``, not the owner), ``owner``: of A.
- ``other_participant``, ``other_facilitator``: of B. Their handshake as members of A
  is refused (``not_authenticated``, ``forbidden``); through their own socket (of B)
  they then send A's payload, naming A's ideas, défis and steps. B is set up like A,
  so the answer tells whether anything of A is reachable from B: ``OWN`` means the
  command acts on B (it names nothing of A) and A is untouched.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.routing import Rule

from tests.factories import PASSWORD, make_facilitator, next_seq
from tests.portfolio.conftest import build_document, idea
from tests.security import cycle_routes, portfolio_routes
from tests.security.conftest import (
    Side,
    World,
    assert_unchanged,
    before,
    build_world,
    database,
    heard,
    seq_of,
    staged,
    state_of,
)
from tests.security.scenarios import scenario
from workshop import grouping
from workshop.extensions import db
from workshop.grouping import Group
from workshop.models import Challenge, Table, Workshop
from workshop.realtime import Commands, names
from workshop.schemas import parse_new_fabrique
from workshop.services import fabriques, portfolio, team
from workshop.services.accounts import get_by_email
from workshop.services.seating import tables_of as workshop_tables
from workshop.views.tables import HOST, SEAT, table_token

OK = "ok"  # allowed: the ack is ok; a writing command recorded a fact
OWN = "own workshop"  # a caller of B: acts on B only; A untouched
NO_SOCKET = "refused at the handshake"  # only for "anonymous"

IDENTITIES = (
    "anonymous",
    "participant",
    "other_participant",
    "screen",
    "other_facilitator",
    "cofacilitator",
    "owner",
)
# How A refuses the handshake of the callers who are not of A.
HANDSHAKE_REFUSAL = {
    "anonymous": "not_authenticated",
    "other_participant": "not_authenticated",
    "other_facilitator": "forbidden",
}

F = "forbidden"


def participants(other: str) -> dict[str, str]:
    """A participants' command; ``other``: what a participant of B sending A's payload gets."""
    return {
        "anonymous": NO_SOCKET,
        "participant": OK,
        "other_participant": other,
        "screen": F,
        "other_facilitator": F,
        "cofacilitator": F,
        "owner": F,
    }


def facilitators(other: str) -> dict[str, str]:
    """A facilitators' command; ``other``: what a facilitator of B sending A's payload gets."""
    return {
        "anonymous": NO_SOCKET,
        "participant": F,
        "other_participant": F,
        "screen": F,
        "other_facilitator": other,
        "cofacilitator": OK,
        "owner": OK,
    }


def participants_and_facilitators(other: str) -> dict[str, str]:
    return {**facilitators(other), "participant": OK, "other_participant": other}


WW = "wrong_workshop"

# One row per command: add one when a command is added (the tests say which is missing).
MATRIX: dict[str, dict[str, str]] = {
    "join_workshop": {**participants_and_facilitators(OWN), "screen": OK},
    "post_idea": participants(OWN),
    "edit_idea": participants(WW),
    "withdraw_idea": participants(WW),
    "hide_idea": facilitators(WW),
    "restore_idea": facilitators(WW),
    "approve_idea": facilitators(WW),
    "reword_idea": facilitators(WW),
    "advance_phase": facilitators(OWN),
    "open_workshop": facilitators(OWN),
    "close_workshop": facilitators(OWN),
    "set_joining": facilitators(OWN),
    "update_settings": facilitators(OWN),
    "start_timer": facilitators(OWN),
    "pause_timer": facilitators(OWN),
    "extend_timer": facilitators(OWN),
    "reset_timer": facilitators(OWN),
    "cast_vote": participants(WW),
    "withdraw_vote": participants(WW),
    "set_vote": participants(WW),
    "grade_item": participants(WW),
    "withdraw_grade": participants(WW),
    "configure_vote": facilitators(WW),
    "reveal_votes": facilitators(WW),
    "freeze_results": facilitators(WW),
    "reopen_vote": facilitators(WW),
    "create_challenge": facilitators(OWN),
    "update_challenge": facilitators(WW),
    "delete_challenge": facilitators(WW),
    "reorder_challenges": facilitators("invalid_input"),
    "merge_challenges": facilitators(WW),
    "split_challenge": facilitators(WW),
    "move_idea": facilitators(WW),
    "merge_ideas": facilitators(WW),
    "suggest_groups": facilitators(OWN),
    "apply_grouping": facilitators(WW),
    "undo_grouping": facilitators(OWN),
    "undo_grouping_change": facilitators(WW),
    "propose_challenge": participants(WW),
    "find_similar": {**participants_and_facilitators(OWN)},
    "find_duplicates": facilitators(OWN),
    "merge_duplicates": facilitators(WW),
    "dismiss_duplicates": facilitators(WW),
    "save_qualification": participants_and_facilitators(WW),
    "offer_help": participants(WW),
    "withdraw_help": participants(OWN),
    "erase_participant": facilitators(WW),
    # Défi tables: a host is a participant (the scenario makes the caller's participant
    # the table's host where only hosts and facilitators may act).
    "create_tables": facilitators(WW),
    "update_table": facilitators(WW),
    "delete_table": facilitators(WW),
    "set_table_host": facilitators(WW),
    "seat_participant": facilitators(WW),
    "balance_tables": facilitators(OWN),
    "next_round": facilitators(OWN),
    "set_contribution_kinds": facilitators(OWN),
    "spotlight_table": facilitators(WW),
    "list_tables": {**participants_and_facilitators(OWN), "screen": OK},
    "choose_table": participants(WW),
    "join_table": participants_and_facilitators(WW),
    "post_contribution": participants_and_facilitators(WW),
    "vote_contribution": participants(WW),
    "moderate_contribution": participants_and_facilitators(WW),
    "keep_contribution": participants_and_facilitators(WW),
    "save_synthesis": participants_and_facilitators(WW),
    # The pitch step (issue #14): B's own session is of another cycle, whose projects
    # and cards A's are not.
    "spotlight_project": facilitators("not_found"),
    "start_pitch_timer": facilitators(OWN),
    "end_spotlight": facilitators(OWN),
    "configure_pitch": facilitators(OWN),
    "give_feedback": participants("not_found"),
    "moderate_feedback": facilitators("not_found"),
    "select_feedback": facilitators("not_found"),
}

COMMANDS = sorted(names(Commands).values())


def test_every_command_has_a_row_and_every_row_a_command() -> None:
    missing = [c for c in COMMANDS if c not in MATRIX]
    assert not missing, f"decide who may send {missing}: add a row to MATRIX"
    assert sorted(MATRIX) == COMMANDS, "a row names a command that no longer exists"
    for command, row in MATRIX.items():
        assert sorted(row) == sorted(IDENTITIES), command


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """``suggest_groups`` without its worker process: one group of everything."""

    def engine(texts: list[str], k: int | None, lang: str, timeout: float) -> list[Group]:
        return [Group("Tout", list(range(len(texts))))]

    monkeypatch.setattr(grouping, "suggest_groups_in_worker", engine)


def _is_error(response: Any, code: str) -> bool:
    return (
        isinstance(response, dict)
        and response.get("ok") is False
        and isinstance(response.get("error"), dict)
        and response["error"].get("code") == code
        and isinstance(response["error"].get("message"), str)
    )


@pytest.mark.usefixtures("fake_engine")
@pytest.mark.parametrize("command", COMMANDS)
def test_command(app: Flask, command: str) -> None:
    """Every caller sends ``command``; the mismatches with its row are reported together.

    Refusals change nothing (that is checked), so they share one world, with the
    callers of B (they touch A nowhere) and the first allowed caller; every further
    allowed caller of a writing command gets fresh workshops of its own."""
    assert command in MATRIX, f"decide who may send {command!r}: add a row to MATRIX"
    row = MATRIX[command]
    plan = scenario(command)
    allowed = [i for i in IDENTITIES if row[i] == OK]
    order = [i for i in IDENTITIES if row[i] != OK] + allowed
    mismatches: list[str] = []
    world: World | None = None
    for identity in order:
        if world is None or (plan.writes and identity in allowed[1:]):
            if world is not None:
                world.close()
            world = build_world(app)
            staged(app, world.b, plan.setup)
            payload = staged(app, world.a, plan.setup)
        try:
            check(app, world, command, identity, row[identity], payload, plan.writes)
        except AssertionError as error:
            mismatches.append(f"{command} by {identity} (expected {row[identity]}): {error}")
    assert world is not None
    world.close()
    assert not mismatches, "\n".join(mismatches)


def table_seqs(app: Flask, workshop_id: int) -> int:
    """How many facts the workshop's tables have sent (the table streams)."""
    from sqlalchemy import func, select

    from workshop.models import Table as TableRow

    with app.app_context():
        return int(
            db.session.scalar(
                select(func.coalesce(func.sum(TableRow.seq), 0)).where(
                    TableRow.workshop_id == workshop_id
                )
            )
        )


def check(
    app: Flask,
    world: World,
    command: str,
    identity: str,
    expected: str,
    payload: Any,
    writes: bool,
) -> None:
    """Send ``command`` with ``payload`` as ``identity``; assert the ``expected`` outcome."""
    a = world.a.workshop_id
    observer = world.socket(world.http["observer"], world.auth(world.a, "facilitator"))
    assert observer.emit("join_workshop", callback=True)["ok"] is True
    heard(observer)
    then = before(app, a)

    if identity in HANDSHAKE_REFUSAL:
        http = world.http[identity]
        roles = (
            ("participant", "facilitator", "screen")
            if identity == "anonymous"
            else ("participant" if identity == "other_participant" else "facilitator",)
        )
        for role in roles:
            auth = world.auth(world.a, role)
            auth.pop("key", None)
            refused = world.socket(http, auth)
            assert not refused.is_connected(), (identity, role)
            # The refusal's data is the error object (protocol.md, "Refusals").
            assert isinstance(refused.refusal, dict), (identity, role, refused.refusal)
            code = refused.refusal.get("data", {}).get("code")
            assert code == HANDSHAKE_REFUSAL[identity], refused.refusal
            assert refused.raw_event(command, payload) is None, "an unconnected socket got an ack"
        assert_unchanged(app, a, then)
        assert heard(observer) == []
    if identity == "anonymous":
        assert expected == NO_SOCKET
        return

    if identity.startswith("other_"):
        role = "participant" if identity == "other_participant" else "facilitator"
        sender = world.socket(world.http[identity], world.auth(world.b, role))
    else:
        role = {"participant": "participant", "screen": "screen"}.get(identity, "facilitator")
        sender = world.socket(world.http[identity], world.auth(world.a, role))
    assert sender.is_connected(), (identity, sender.refusal)
    then_tables = table_seqs(app, a)
    response = sender.emit(command, payload, callback=True)

    if expected == OWN:
        assert isinstance(response, dict) and response.get("ok") is True, response
        assert seq_of(app, a) == then.seq
        assert state_of(app, a) == then.state
        assert heard(observer) == []
    elif expected == OK:
        assert isinstance(response, dict) and response.get("ok") is True, response
        assert set(response) == {"ok", "data"}, response
        if writes:  # a fact of the workshop's stream, or of a table's (table_seq)
            recorded = seq_of(app, a) > then.seq or table_seqs(app, a) > then_tables
            assert recorded, f"{command} was accepted but recorded nothing"
            assert heard(observer), f"{command} was accepted but the console heard nothing"
        else:
            assert_unchanged(app, a, then)
    else:
        assert _is_error(response, expected), response
        assert_unchanged(app, a, then)
        assert heard(observer) == []


# ======================================================================= HTTP routes
#
# Every route that accepts POST, PUT, PATCH or DELETE, by endpoint, for the callers a
# browser can be: no cookie, a participant's cookie of A, a facilitator of B, A's
# co-facilitator and A's owner (the only member of the Fabrique of the portfolio
# routes). ``Refused`` also checks that the database did not change, ``Allowed`` that it
# did (unless ``writes=False``): each row's request really does what it asks.


@dataclass(frozen=True)
class Allowed:
    status: int
    location: str | None = None  # the start of the redirect's path, when it matters
    writes: bool = True  # the database changed (the request did what it asked)


@dataclass(frozen=True)
class Refused:
    status: int
    location: str | None = None


LOGIN = Refused(302, "/login")
DONE = Allowed(302)
HTTP_IDENTITIES = ("anonymous", "participant", "other_facilitator", "cofacilitator", "owner")


def signed_in(
    other: Allowed | Refused, co: Allowed | Refused, owner: Allowed | Refused
) -> dict[str, Allowed | Refused]:
    """A route behind ``login_required``: phones and strangers go to the sign-in page."""
    return {
        "anonymous": LOGIN,
        "participant": LOGIN,
        "other_facilitator": other,
        "cofacilitator": co,
        "owner": owner,
    }


def public(outcome: Allowed | Refused) -> dict[str, Allowed | Refused]:
    return dict.fromkeys(HTTP_IDENTITIES, outcome)


# A Fabrique's pages: A's owner is its only member; A's co-facilitator is not one.
MEMBERS = signed_in(Refused(403), Refused(403), DONE)
MEMBERS_SEE = signed_in(Refused(403), Refused(403), Allowed(200))  # answered with a page
# A cycle's pages: its owner and the facilitators of its sessions.
CYCLE = signed_in(Refused(404), DONE, DONE)
CYCLE_SEE = signed_in(Refused(404), Allowed(200), Allowed(200))  # answered with a page


# One row per endpoint that changes state: add one when a route is added.
HTTP_MATRIX: dict[str, dict[str, Allowed | Refused]] = {
    "main.setup": public(Refused(302, "/login")),  # gone once an account exists
    "main.login": public(Allowed(302, writes=False)),  # a signed session cookie
    "main.logout": public(Allowed(302, "/", writes=False)),
    "main.change_password": signed_in(DONE, DONE, DONE),  # each their own account
    "facilitator.new_workshop": signed_in(DONE, DONE, DONE),
    "facilitator.agenda": signed_in(Refused(403), DONE, DONE),
    "exports.import_ideas": signed_in(Refused(403), DONE, DONE),
    # A phone of A with its cookie is already in: sent to its page as it is.
    "participant.join": {
        **public(Allowed(302, "/w/")),
        "participant": Allowed(302, "/w/", writes=False),
    },
    "participant.join_by_code": public(Allowed(302, "/j/", writes=False)),  # to the join page
    "fabrique.upload": signed_in(Refused(403), Refused(403), DONE),
    "fabrique.change_stage": signed_in(Refused(403), Refused(403), DONE),
    "fabrique.decide": signed_in(Refused(403), Refused(403), DONE),
    "fabrique.new_fabrique": signed_in(DONE, DONE, DONE),  # any facilitator creates one
    "fabrique.add_member": signed_in(Refused(403), Refused(403), DONE),
    "fabrique.remove_member": signed_in(Refused(403), Refused(403), DONE),
    "api.import_export": public(Refused(401)),  # a bearer token, never a cookie
    # The organising team: its members invite, withdraw and remove; any facilitator
    # invites to an account and withdraws their own; an invitation link creates the
    # invited address's account, and refuses someone signed in as another account.
    "team.invite": signed_in(Refused(403), Allowed(200), Allowed(200)),
    "team.revoke": signed_in(Refused(403), DONE, DONE),
    "team.remove": signed_in(Refused(403), DONE, DONE),
    "team.invite_account": signed_in(Allowed(200), Allowed(200), Allowed(200)),
    "team.revoke_account": signed_in(Refused(404), Refused(404), DONE),
    "team.accept_post": {
        **public(Refused(403)),
        "anonymous": Allowed(302, "/f/"),
        "participant": Allowed(302, "/f/"),
    },
    "privacy.settings": signed_in(Refused(403), DONE, DONE),
    "privacy.delete": signed_in(Refused(403), DONE, DONE),
    # A phone erases its own data; anyone else is sent to the join page.
    "privacy.erase_mine": {
        **public(Refused(302, "/j/")),
        "participant": Allowed(200),
    },
    # A table's QR code and host link: anyone holding the signed link joins (the form)
    # and sits there, or hosts it; a phone of A with its cookie is seated at once.
    "tables.seat": public(Allowed(302, "/w/")),
    "tables.host": public(Allowed(302, "/w/")),
    # The Fabrique's follow-up (issue #15): its members only; a facilitator who is not
    # one (of another workshop, or co-running A) is refused. Requests:
    # tests/security/portfolio_routes.py.
    "projects.change_stage": MEMBERS,
    "projects.save_sheet": MEMBERS,
    "projects.add_holder": MEMBERS,
    "projects.remove_holder": MEMBERS,
    "projects.add_note": MEMBERS,
    "committees.create": MEMBERS,
    "committees.delete": MEMBERS,
    "committees.save_criteria": MEMBERS,
    "committees.add_member": MEMBERS_SEE,  # the new member's link, shown once
    "committees.regenerate_link": MEMBERS_SEE,
    "committees.revoke_member": MEMBERS,
    "committees.remove_member": MEMBERS,
    "committees.create_meeting": MEMBERS,
    "committees.update_meeting": MEMBERS,
    "committees.set_status": MEMBERS,
    "committees.add_item": MEMBERS,
    "committees.change_item": MEMBERS,
    "committees.decide": MEMBERS,
    # A committee member's personal link: whoever holds it grades (no account).
    "committees.grade": public(Allowed(302, "/comite/")),
    "calls.save_intro": MEMBERS,
    "calls.set_in_call": MEMBERS,
    "calls.add_candidate": MEMBERS,
    "calls.change_candidate": MEMBERS,
    "calls.select_candidate": MEMBERS,
    "calls.delete_candidate": MEMBERS,
    "calls.others_not_selected": MEMBERS,
    # The public call: anyone applies to carry a project in it.
    "calls.public_project": public(Allowed(302, "/p/")),
    "idea_boxes.create_box": MEMBERS,
    "idea_boxes.update_box": MEMBERS,
    "idea_boxes.accept": MEMBERS,
    "idea_boxes.reject": MEMBERS,
    "idea_boxes.retitle": MEMBERS,
    "idea_boxes.delete_posting": MEMBERS,
    "idea_boxes.add_need": MEMBERS,
    "idea_boxes.take_into_workshop": MEMBERS,
    # An open idea box: anyone posts in it.
    "idea_boxes.public_box": public(Allowed(302, "/p/")),
    # An unsubscribe link: whoever holds it unsubscribes its address.
    "followers.confirm_unsubscribe": public(Allowed(200)),
    "followers.resend": MEMBERS,
    "followers.unsubscribe_for": MEMBERS,
    "reports.carnet_intro": MEMBERS,
    "reports.publication": MEMBERS,
    # A cycle (issue #14) of A's owner, with A among its sessions: whoever runs one of
    # its sessions runs it; another facilitator's cycle is never revealed (404).
    # Requests: tests/security/cycle_routes.py.
    "cycles.create": signed_in(DONE, DONE, DONE),  # any facilitator creates one
    "cycles.settings": CYCLE,
    "cycles.add_session": CYCLE,
    "cycles.update_session": CYCLE,  # A itself, a session of the cycle
    "cycles.add_co_facilitator": CYCLE,
    "cycles.remove_co_facilitator": CYCLE,
    "cycles.intention_template": CYCLE,
    "cycles.feedback_kinds": CYCLE,
    "cycles.criteria": CYCLE,
    "cycles.questions": CYCLE,
    "cycles.close": CYCLE,
    "cycles.enrol_someone": CYCLE_SEE,  # the new person's link, shown once
    "cycles.new_link": CYCLE_SEE,
    "cycles.erase_someone": CYCLE,
    # The enrolment page: anyone enrols (the answer shows their link).
    "cycles.enrol": public(Allowed(200)),
    # An enrolled person's personal link: whoever holds it acts in their name.
    "cycles.send_link": public(Allowed(302, "/c/")),
    "cycles.questionnaire": public(Allowed(302, "/c/")),
    "cycles.erase_me": public(Allowed(200)),
    "jury.save_criteria": CYCLE,
    "jury.set_open": CYCLE,
    "jury.add_juror": CYCLE_SEE,  # the new juror's link, shown once
    "jury.new_link": CYCLE_SEE,
    "jury.revoke": CYCLE,
    "jury.remove": CYCLE,
    "jury.decide": CYCLE,
    # A juror's personal link: whoever holds it grades (no account).
    "jury.grade": public(Allowed(302, "/jury/")),
    # An enrolled person's personal link: whoever holds it writes their project.
    "my_project.create": public(Allowed(302, "/c/")),
    "my_project.update": public(Allowed(302, "/c/")),
    "my_project.save_section": public(Allowed(302, "/c/")),
    "my_project.add_entry": public(Allowed(302, "/c/")),
    "my_project.remove_entry": public(Allowed(302, "/c/")),
    "my_project.create_for": CYCLE,
    "my_project.move": CYCLE,
    "my_project.facilitator_entry": CYCLE,
    "my_project.facilitator_remove_entry": CYCLE,
    "api.add_project_candidate": public(Refused(401)),
    "api.update_candidate": public(Refused(401)),
    "api.record_decision": public(Refused(401)),
    "api.update_project": public(Refused(401)),
    "api.add_project_note": public(Refused(401)),
    "api.add_project_holder": public(Refused(401)),
}

WRITING = {"POST", "PUT", "PATCH", "DELETE"}


def writing_rules(app: Flask) -> dict[str, Rule]:
    return {r.endpoint: r for r in app.url_map.iter_rules() if WRITING & set(r.methods or ())}


def test_every_writing_route_has_a_row(app: Flask) -> None:
    endpoints = writing_rules(app)
    missing = sorted(set(endpoints) - set(HTTP_MATRIX))
    assert not missing, f"decide who may post to {missing}: add a row to HTTP_MATRIX"
    assert sorted(HTTP_MATRIX) == sorted(endpoints), "a row names a route that is gone"
    for endpoint, row in HTTP_MATRIX.items():
        assert sorted(row) == sorted(HTTP_IDENTITIES), endpoint


@dataclass
class Portfolio:
    slug: str
    idea_id: int
    proposal_id: int


def portfolio_of_owner(app: Flask, world: World) -> Portfolio:
    """A Fabrique whose only member is A's owner, with two imported sessions that hold a
    possible duplicate."""
    with app.app_context():
        owner = get_by_email(world.a.owner_email)
        assert owner is not None
        fabrique = fabriques.create_fabrique(
            parse_new_fabrique({"slug": f"fab-{world.a.workshop_id}", "name": "Fabrique"})
        )
        fabriques.add_member(fabrique, owner)
        for title in ("Une ressourcerie intercommunale", "Ressourcerie intercommunale"):
            portfolio.import_export(fabrique, export_document(title), by=owner)
        proposal = portfolio.open_proposals(fabrique)[0]
        first = portfolio.find_ideas(fabrique, portfolio.IdeaFilter())[0]
        return Portfolio(fabrique.slug, first.id, proposal.id)


def second_member(app: Flask, held: Portfolio) -> int:
    """Add a facilitator of neither workshop to the Fabrique (so that it is not the last
    member who goes) and give their id."""
    with app.app_context():
        fabrique = fabriques.get_by_slug(held.slug)
        other = make_facilitator(email=f"member-{held.slug}@example.org")
        fabriques.add_member(fabrique, other)
        return int(other.id)


def export_document(title: str) -> dict[str, Any]:
    return build_document(ideas=[idea(1, title)])


def http_request(app: Flask, world: World, endpoint: str) -> tuple[str, dict[str, Any]]:
    """The URL and ``client.post`` keywords of a request ``endpoint`` accepts from the
    caller it allows."""
    a = world.a
    if cycle_routes.handles(endpoint):
        return cycle_routes.cycle_request(app, world, endpoint)
    if portfolio_routes.handles(endpoint):
        return portfolio_routes.follow_up_request(app, world, endpoint)
    if endpoint.startswith("fabrique."):
        held = portfolio_of_owner(app, world)
    requests: dict[str, Callable[[], tuple[str, dict[str, Any]]]] = {
        "main.setup": lambda: (
            "/setup",
            {"data": {"email": "new@example.org", "name": "N", "password": PASSWORD}},
        ),
        "main.login": lambda: ("/login", {"data": {"email": a.owner_email, "password": PASSWORD}}),
        "main.logout": lambda: ("/logout", {}),
        "main.change_password": lambda: (
            "/account/password",
            {
                "data": {
                    "current_password": PASSWORD,
                    "new_password": "another long passphrase 42",
                    "new_password_confirm": "another long passphrase 42",
                }
            },
        ),
        "facilitator.new_workshop": lambda: (
            "/f/workshops/new",
            {"data": {"title": "Atelier", "format": "marathon", "question": "Comment ?"}},
        ),
        "facilitator.agenda": lambda: (
            f"/f/w/{a.workshop_id}/agenda",
            {"data": agenda_form(app, a)},
        ),
        "exports.import_ideas": lambda: (
            f"/f/w/{a.workshop_id}/ideas/import",
            {
                "data": {"file": (io.BytesIO(b"id;text\r\nX1;Une ressourcerie\r\n"), "ideas.csv")},
                "content_type": "multipart/form-data",
            },
        ),
        "participant.join": lambda: (
            f"/j/{a.code}",
            {"data": {"display_name": "Dominique", "profile": "citizen"}},
        ),
        "participant.join_by_code": lambda: ("/join", {"data": {"code": a.code}}),
        "fabrique.upload": lambda: (
            f"/fabriques/{held.slug}/import",
            {
                "data": {
                    "file": (
                        io.BytesIO(json.dumps(export_document("Un marché")).encode()),
                        "e.json",
                    )
                },
                "content_type": "multipart/form-data",
            },
        ),
        "fabrique.change_stage": lambda: (
            f"/fabriques/{held.slug}/ideas/{held.idea_id}/stage",
            {"data": {"stage": "holder_search", "version": "1"}},
        ),
        "fabrique.decide": lambda: (
            f"/fabriques/{held.slug}/duplicates/{held.proposal_id}/accept",
            {},
        ),
        "fabrique.new_fabrique": lambda: (
            "/fabriques/new",
            {"data": {"name": f"Fabrique {a.workshop_id}"}},
        ),
        "fabrique.add_member": lambda: (
            f"/fabriques/{held.slug}/members",
            {"data": {"email": world.cofacilitator_email}},
        ),
        "fabrique.remove_member": lambda: (
            f"/fabriques/{held.slug}/members/{second_member(app, held)}/remove",
            {},
        ),
        "privacy.settings": lambda: (
            f"/f/w/{a.workshop_id}/privacy",
            {
                "data": {
                    "organiser": "Centre social",
                    "retention_days": "90",
                    "erasure_ideas": "keep",
                }
            },
        ),
        "privacy.delete": lambda: (
            f"/f/w/{a.workshop_id}/delete",
            {"data": {"confirm_code": a.code}},
        ),
        "privacy.erase_mine": lambda: (f"/j/{a.code}/erase", {}),
        "team.invite": lambda: (f"/f/w/{a.workshop_id}/team", {"data": {"email": "z@e.org"}}),
        "team.revoke": lambda: (
            f"/f/w/{a.workshop_id}/team/invitations/{team_invitation(app, a).id}/revoke",
            {},
        ),
        "team.remove": lambda: (
            f"/f/w/{a.workshop_id}/team/{third_facilitator(app, a)}/remove",
            {},
        ),
        "team.invite_account": lambda: ("/f/invitations", {"data": {"email": "z@e.org"}}),
        "team.revoke_account": lambda: (
            f"/f/invitations/{account_invitation(app, a).id}/revoke",
            {},
        ),
        "team.accept_post": lambda: (
            f"/f/join/{account_invitation(app, a).secret}",
            {"data": {"name": "Zoé", "password": PASSWORD, "password_confirm": PASSWORD}},
        ),
        "tables.seat": lambda: (
            table_link(app, a, "t"),
            {"data": {"display_name": "Dominique", "profile": "citizen"}},
        ),
        "tables.host": lambda: (
            table_link(app, a, "host"),
            {"data": {"display_name": "Dominique", "profile": "citizen"}},
        ),
        "api.import_export": lambda: (
            "/api/v1/imports",
            {"data": json.dumps(export_document("Un marché")), "content_type": "application/json"},
        ),
    }
    return requests[endpoint]()


def table_link(app: Flask, side: Side, kind: str) -> str:
    """The seat (``t``) or host link of a new table of ``side``'s workshop, on a new
    défi (rows written directly: the workshop is in its ideas step)."""
    with app.test_request_context():
        workshop = db.session.get(Workshop, side.workshop_id)
        assert workshop is not None
        challenge = Challenge(workshop_id=workshop.id, title="Comment pourrions-nous ?")
        db.session.add(challenge)
        db.session.flush()
        number = 1 + max((t.number for t in workshop_tables(workshop.id)), default=0)
        table = Table(workshop_id=workshop.id, number=number, challenge_id=challenge.id)
        db.session.add(table)
        db.session.commit()
        token = table_token(workshop, table.id, HOST if kind == "host" else SEAT)
        return f"/j/{side.code}/{kind}/{token}"


@dataclass(frozen=True)
class Issued:
    id: int
    secret: str


def team_invitation(app: Flask, side: Side) -> Issued:
    """A pending invitation to ``side``'s team, made by its owner."""
    with app.app_context():
        workshop = db.session.get(Workshop, side.workshop_id)
        assert workshop is not None
        issued = team.invite_to_team(workshop.id, workshop.owner, "guest@example.org")
        return Issued(issued.invitation.id, issued.secret)


def account_invitation(app: Flask, side: Side) -> Issued:
    """A pending account invitation made by ``side``'s owner."""
    with app.app_context():
        owner = get_by_email(side.owner_email)
        assert owner is not None
        issued = team.invite_account(owner, f"guest{next_seq()}@example.org")
        return Issued(issued.invitation.id, issued.secret)


def third_facilitator(app: Flask, side: Side) -> int:
    """Add a facilitator to ``side``'s team (neither the owner nor the caller) and give
    their id."""
    with app.app_context():
        workshop = db.session.get(Workshop, side.workshop_id)
        assert workshop is not None
        third = make_facilitator()
        workshop.facilitators.append(third)
        db.session.commit()
        return int(third.id)


def agenda_form(app: Flask, side: Side) -> dict[str, list[str]]:
    """A's agenda as its form sends it, with the first step renamed."""
    with app.app_context():
        workshop = db.session.get(Workshop, side.workshop_id)
        assert workshop is not None
        phases = list(workshop.phases)
        return {
            "id": [str(p.id) for p in phases],
            "kind": [str(p.kind) for p in phases],
            "title": ["Accueil des habitants"] + [p.title for p in phases[1:]],
            "minutes": [str(max(1, p.duration_s // 60)) for p in phases],
        }


def replayable(kwargs: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    """``kwargs`` to send again and again: each uploaded file a fresh copy (the test
    client closes the files it sent, and the callers sharing a world send the same
    request)."""
    data = kwargs.get("data")
    if not isinstance(data, dict):
        return lambda: kwargs
    files = {
        name: (value[0].getvalue(), *value[1:])
        for name, value in data.items()
        if isinstance(value, tuple) and isinstance(value[0], io.BytesIO)
    }

    def fresh() -> dict[str, Any]:
        copies = {name: (io.BytesIO(sent), *rest) for name, (sent, *rest) in files.items()}
        return {**kwargs, "data": {**data, **copies}}

    return fresh


@pytest.mark.parametrize("endpoint", sorted(HTTP_MATRIX))
def test_route(app: Flask, endpoint: str) -> None:
    """Every caller sends the request ``endpoint`` accepts; mismatches reported together.

    A refused request changes nothing (that is checked), so the callers share one world
    until one is allowed; each caller after an allowed one gets fresh workshops (signing
    out, joining or the allowed change itself would alter the next one's)."""
    rule = writing_rules(app).get(endpoint)
    assert rule is not None, f"{endpoint} no longer takes POST, PUT, PATCH or DELETE"
    method = (
        "POST" if "POST" in (rule.methods or ()) else sorted(WRITING & set(rule.methods or ()))[0]
    )
    mismatches = []
    world: World | None = None
    for identity in HTTP_IDENTITIES:
        expected = HTTP_MATRIX[endpoint][identity]
        if world is None:
            world = build_world(app)
            url, kwargs = http_request(app, world, endpoint)
            send = replayable({"method": method, **kwargs})
        then = database(app)
        response = world.http[identity].open(url, **send())
        unchanged = isinstance(expected, Refused) and database(app) == then
        try:
            assert response.status_code == expected.status, response.status_code
            if expected.location is not None:
                location = urlsplit(response.headers.get("Location", "")).path
                assert location.startswith(expected.location), location
            if isinstance(expected, Refused):
                assert unchanged, "a refused request changed the database"
            elif expected.writes:
                assert database(app) != then, "an allowed request changed nothing"
        except AssertionError as error:
            mismatches.append(f"{method} {url} as {identity} (expected {expected}): {error}")
        if not unchanged:
            world.close()
            world = None
    if world is not None:
        world.close()
    assert not mismatches, "\n".join(mismatches)
