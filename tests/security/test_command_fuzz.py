"""No payload breaks a command: random JSON sent to every command by the caller allowed
to send it always gets a well-formed ack, never ``internal_error``, and a refusal
changes nothing.

Each test builds one app and one room (workshop A in a given step, with ideas, défis, a
vote) and reuses it for every example: the examples need no clean database, only a
well-formed answer. The payloads mix random JSON (``st.recursive``: nulls, booleans,
huge and negative integers, NaN and infinities, surrogates, NUL, bidi controls, long
texts, lists, objects) with objects built on the commands' real keys and the room's real
ids, so that they also reach the services, not only the schemas.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from tests.factories import cast, make_challenge, make_idea
from tests.security.conftest import RecordingClient, Stage, World, build_world, seq_of, staged
from tests.security.scenarios import go, owner_does
from tests.security.test_authorization_matrix import MATRIX, OK
from workshop import grouping
from workshop.grouping import Group
from workshop.phases import PhaseKind
from workshop.realtime import Commands, names

FUZZ = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

COMMANDS = sorted(names(Commands).values())

# Every field a command reads (docs/protocol.md, "Commands").
KEYS = [
    "client_id", "title", "description", "need", "idea_id", "version", "direction",
    "phase_id", "open", "anonymous", "moderation", "participants_group",
    "participants_qualify", "seconds", "count", "challenge_id", "votes_per_participant",
    "max_per_item", "target", "allow_own", "hidden", "challenge_ids", "source_id",
    "target_id", "idea_ids", "position", "into_id", "k", "groups", "text", "need_who",
    "need_where", "need_evidence", "target_public", "solution", "insee_code", "maturity",
    "stage", "abandon_reason", "territory", "kind", "consent_contact", "contact_name",
    "contact_email", "contact_phone", "last_seq", "participant_id",
]  # fmt: skip

WORDS = [
    "", " ", "next", "previous", "ideas", "challenges", "idea", "challenge", "hold",
    "follow", "contribute", "abandoned", "to_study", "project", "2A004", "73010", "true",
    "off", "1", "0", "-1", "31", "1e3", "NaN", "a@b.cd", "+33 6 12 34 56 78",
    "security-client-0001", "\x00", "\u202e\u2066", "\ud800", "\udfff", "é" * 141,
    "<script>alert(1)</script>", "=1+1", "x" * 2141,
]  # fmt: skip


def _ints(ids: list[int]) -> st.SearchStrategy[int]:
    return st.one_of(
        st.integers(-3, 105),
        st.sampled_from(ids or [1]),
        st.integers(),
        st.sampled_from([2**31 - 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63) - 1, 10**30]),
    )


TEXTS = st.one_of(
    st.text(max_size=30),
    st.text(st.characters(codec=None, categories=["Cs", "Cc", "Cf", "Zl", "Zp"]), max_size=8),
    st.sampled_from(WORDS),
    st.text(min_size=100, max_size=3000),
)
FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1.0, 0.5, -0.0, 1e308]),
)


def payloads(ids: list[int]) -> st.SearchStrategy[Any]:
    leaves = st.one_of(st.none(), st.booleans(), _ints(ids), FLOATS, TEXTS)
    keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=10))
    anything = st.recursive(
        leaves,
        lambda kids: st.one_of(st.lists(kids, max_size=5), st.dictionaries(keys, kids, max_size=5)),
        max_leaves=12,
    )
    id_lists = st.lists(_ints(ids), max_size=6)
    groups = st.lists(st.fixed_dictionaries({"title": TEXTS, "idea_ids": id_lists}), max_size=3)
    shaped = st.one_of(leaves, id_lists, groups, anything)
    return st.one_of(
        anything,
        st.dictionaries(st.sampled_from(KEYS), shaped, max_size=8),
        st.dictionaries(keys, shaped, max_size=8),
    )


@dataclass
class Room:
    world: World
    ids: list[int]
    senders: dict[str, RecordingClient]


def sender_for(command: str) -> str:
    """The caller the matrix allows to send ``command`` (a participant first)."""
    row = MATRIX.get(command, {})
    for identity in ("participant", "owner", "screen"):
        if row.get(identity) == OK:
            return identity
    return "participant"  # a command without a row yet: still never an internal error


def furnish(step: PhaseKind) -> Any:
    def setup(s: Stage) -> list[int]:
        owner_does(s, "update_settings", {"participants_group": True, "participants_qualify": True})
        ideas = [make_idea(s.workshop, who).id for who in (s.me, s.me, s.bystander, s.bystander)]
        go(s, PhaseKind.GROUPING)
        made = [make_challenge(s.workshop).id for _ in range(2)]
        ids = ideas + made + [p.id for p in s.workshop.phases]
        if step == PhaseKind.VOTE:
            go(s, PhaseKind.VOTE)
            owner_does(s, "configure_vote", {"votes_per_participant": 5, "max_per_item": 2})
            from workshop.extensions import db
            from workshop.models import Idea

            cast(s.workshop, s.me, db.session.get_one(Idea, ideas[2]))
        elif step != PhaseKind.GROUPING:
            go(s, step)
        return ids

    return setup


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    def engine(texts: list[str], k: int | None, lang: str, timeout: float) -> list[Group]:
        return [Group("Tout", list(range(len(texts))))]

    monkeypatch.setattr(grouping, "suggest_groups_in_worker", engine)


def make_room(app: Flask, step: PhaseKind) -> Iterator[Room]:
    world = build_world(app)
    ids = staged(app, world.a, furnish(step))
    senders = {
        "participant": world.socket(world.http["participant"], world.auth(world.a, "participant")),
        "owner": world.socket(world.http["owner"], world.auth(world.a, "facilitator")),
        "screen": world.socket(world.http["screen"], world.auth(world.a, "screen")),
    }
    assert all(s.is_connected() for s in senders.values())
    yield Room(world, ids, senders)
    world.close()


@pytest.fixture(
    params=[PhaseKind.IDEAS, PhaseKind.GROUPING, PhaseKind.VOTE, PhaseKind.QUALIFICATION]
)
def room(app: Flask, fake_engine: None, request: pytest.FixtureRequest) -> Iterator[Room]:
    yield from make_room(app, request.param)


ACCEPTABLE_REFUSALS = "anything but internal_error"


def assert_well_formed(response: Any) -> None:
    """``{"ok": true, "data"}`` or ``{"ok": false, "error": {"code", "message",
    "details"?}}`` with a code other than ``internal_error``."""
    assert isinstance(response, dict), f"no ack, or not an object: {response!r}"
    if response.get("ok") is True:
        assert set(response) == {"ok", "data"}, response
        return
    assert response.get("ok") is False and set(response) == {"ok", "error"}, response
    error = response["error"]
    assert isinstance(error, dict) and set(error) - {"details"} == {"code", "message"}, error
    assert isinstance(error["code"], str) and isinstance(error["message"], str), error
    assert error["code"] != "internal_error", error


def send(app: Flask, room: Room, command: str, args: tuple[Any, ...]) -> Any:
    sender = room.senders[sender_for(command)]
    a = room.world.a.workshop_id
    seq = seq_of(app, a)
    response = sender.emit(command, *args, callback=True)
    assert_well_formed(response)
    if response["ok"] is False:
        assert seq_of(app, a) == seq, f"{command} was refused but recorded a fact"
    return response


@st.composite
def commands_and_args(draw: st.DrawFn, ids: list[int]) -> tuple[str, tuple[Any, ...]]:
    command = draw(st.sampled_from(COMMANDS))
    payload = draw(payloads(ids))
    # Nearly always one argument, as the clients send; sometimes none.
    args = draw(st.sampled_from([(payload,)] * 9 + [()]))
    return command, args


@FUZZ
@given(data=st.data())
def test_any_payload_to_any_command(app: Flask, room: Room, data: st.DataObject) -> None:
    command, args = data.draw(commands_and_args(room.ids))
    response = send(app, room, command, args)
    event("accepted" if response["ok"] else f"refused: {response['error']['code']}")
    if command == "close_workshop" and response["ok"]:  # keep the room open for the next
        assert room.senders["owner"].emit("open_workshop", callback=True)["ok"] is True


@pytest.fixture
def ideas_room(app: Flask, fake_engine: None) -> Iterator[Room]:
    yield from make_room(app, PhaseKind.IDEAS)


@FUZZ
@given(last_seq=st.one_of(payloads([0, 1, 5, 10**6]), st.integers(), st.floats()))
def test_join_workshop_last_seq(app: Flask, ideas_room: Room, last_seq: Any) -> None:
    """Any ``last_seq`` from any role: a snapshot, a replay, or ``invalid_input``."""
    room = ideas_room
    for sender in room.senders.values():
        response = send_as(app, room, sender, "join_workshop", {"last_seq": last_seq})
        if response["ok"]:
            assert response["data"]["mode"] in ("snapshot", "replay")


def send_as(app: Flask, room: Room, sender: RecordingClient, command: str, payload: Any) -> Any:
    a = room.world.a.workshop_id
    seq = seq_of(app, a)
    response = sender.emit(command, payload, callback=True)
    assert_well_formed(response)
    assert seq_of(app, a) == seq
    return response


@pytest.fixture
def world(app: Flask) -> Iterator[World]:
    built = build_world(app)
    yield built
    built.close()


@FUZZ
@given(
    auth=payloads([1, 2, 3]), role=st.sampled_from(["participant", "facilitator", "screen", None])
)
@example(auth=0.0, role="participant")  # found by CI: "00.0" does not decode
def test_connect_auth_payload(app: Flask, world: World, auth: Any, role: str | None) -> None:
    """Any handshake data: the socket is let in only as what its cookie, session or key
    proves, or refused with a known code, never with ``internal_error``."""
    if role is not None and isinstance(auth, dict):
        auth = {**auth, "role": role}
    http = world.http["participant" if role == "participant" else "owner"]
    client = world.socket(http, auth)
    if client.is_connected():
        assert isinstance(auth, dict) and auth.get("role") in ("participant", "facilitator")
        client.disconnect()
        return
    if client.refusal is None and isinstance(auth, int | float) and not isinstance(auth, bool):
        # A bare number cannot be told from the packet's id ("00.0"): the packet does not
        # decode, the guard drops it (one log line) and the socket never gets in.
        return
    assert isinstance(client.refusal, dict), client.refusal
    code = client.refusal.get("data", {}).get("code")
    assert code in ("not_authenticated", "not_found", "forbidden"), client.refusal


@pytest.mark.parametrize("command", ["hide_idea", "post_idea", "join_workshop"])
def test_a_second_argument_is_refused_as_invalid_input(ideas_room: Room, command: str) -> None:
    sender = ideas_room.senders[sender_for(command)]
    response = sender.emit(command, {"idea_id": 1}, {"extra": True}, callback=True)
    assert_well_formed(response)
    assert response["error"]["code"] == "invalid_input", response
