"""``docs/protocol.md`` and ``static/js/protocol.js`` stay true to the code.

The protocol page documents each command and each fact under a heading of the form
``### `name``` inside its ``## Commands`` or ``## Facts`` section, and each error code
as a row ``| `code` | status | meaning |`` of the table in ``## Error codes``. These
tests compare those headings and rows with what the app registers and defines, in both
directions, and check that the JavaScript mirror of the event names is exact. They also
hold the page to the code's limits, vote defaults and broadcast windows, to the facts
``realtime`` folds ("Mergeable") and delays ("Slow:"), and to the fields of a Phase.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from workshop import create_app, errors, phases, realtime, schemas
from workshop.config import Config, TestConfig
from workshop.extensions import socketio
from workshop.models import Phase
from workshop.table_rooms import TABLE_FACTS, UNSEQUENCED

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL = ROOT / "docs" / "protocol.md"
PROTOCOL_JS = ROOT / "static" / "js" / "protocol.js"

# Socket.IO's own connection events are not commands.
LIFECYCLE_EVENTS = {"connect", "disconnect"}
# Codes produced outside the WorkshopError subclasses: the base class's own code, and
# the one the HTTP error handler gives to HTTP exceptions (workshop/views/common.py).
EXTRA_ERROR_CODES: dict[str, str | None] = {
    errors.WorkshopError.code: str(errors.WorkshopError.status),
    "http_error": None,
}

SECTION_RE = re.compile(r"^## (.+?)\s*$", re.M)
NAME_HEADING_RE = re.compile(r"^### `([^`]+)`\s*$", re.M)
ERROR_ROW_RE = re.compile(r"^\|\s*`([^`]+)`\s*\|([^|]*)\|", re.M)
# A payload table row of a command: ``| `field` | type | rules |`` (indented in a list).
FIELD_ROW_RE = re.compile(r"^\s*\|\s*`([^`]+)`\s*\|([^\n]*)$", re.M)
# The longest a slow fact (vote tallies) may wait and still feel live.
TALLY_WINDOW_CEILING_MS = 250
JSON_BLOCK_RE = re.compile(r"```json\n(.*?)```", re.S)
JS_BLOCK_RE = re.compile(
    r"export\s+const\s+(\w+)\s*=\s*Object\.freeze\(\s*\{(.*?)\}\s*\)\s*;", re.S
)
JS_ENTRY_RE = re.compile(r'^([A-Z][A-Z0-9_]*)\s*:\s*"([^"\\]*)"\s*,?$')


# --------------------------------------------------------------------- helpers


def sections(text: str) -> dict[str, str]:
    """The level-2 sections of a Markdown text, by title."""
    matches = list(SECTION_RE.finditer(text))
    found: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        found[match.group(1)] = text[match.end() : end]
    return found


def named_subsections(section: str) -> dict[str, str]:
    """The ``### `name``` subsections of a section, by name (duplicates are an error)."""
    matches = list(NAME_HEADING_RE.finditer(section))
    names = [m.group(1) for m in matches]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert not duplicates, f"documented more than once: {duplicates}"
    found: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(section)
        found[match.group(1)] = section[match.end() : end]
    return found


def parse_js_constants(source: str) -> dict[str, dict[str, str]]:
    """``export const X = Object.freeze({ KEY: "value", ... });`` blocks, by name."""
    constants: dict[str, dict[str, str]] = {}
    for match in JS_BLOCK_RE.finditer(source):
        entries: dict[str, str] = {}
        for raw in match.group(2).splitlines():
            line = raw.strip()
            if not line or line.startswith("//"):
                continue
            entry = JS_ENTRY_RE.match(line)
            assert entry, f"protocol.js: cannot read {line!r} in {match.group(1)}"
            assert entry.group(1) not in entries, f"protocol.js: {entry.group(1)} twice"
            entries[entry.group(1)] = entry.group(2)
        constants[match.group(1)] = entries
    return constants


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    yield create_app(TestConfig)


@pytest.fixture(scope="module")
def doc() -> dict[str, str]:
    assert PROTOCOL.exists(), "docs/protocol.md is missing"
    found = sections(PROTOCOL.read_text(encoding="utf-8"))
    for title in ("Commands", "Facts", "Error codes"):
        assert title in found, f"docs/protocol.md has no '## {title}' section"
    return found


@pytest.fixture(scope="module")
def documented_commands(doc: dict[str, str]) -> dict[str, str]:
    return named_subsections(doc["Commands"])


@pytest.fixture(scope="module")
def documented_facts(doc: dict[str, str]) -> dict[str, str]:
    return named_subsections(doc["Facts"])


@pytest.fixture(scope="module")
def error_rows(doc: dict[str, str]) -> dict[str, str]:
    rows: dict[str, str] = {}
    for code, status in ERROR_ROW_RE.findall(doc["Error codes"]):
        assert code not in rows, f"error code {code} listed twice"
        rows[code] = status.strip()
    return rows


def registered_socket_events(app: Flask) -> dict[str, set[str]]:
    """Event names with a Socket.IO handler in ``app``, by namespace."""
    assert socketio.server is not None, "create_app() did not initialise Socket.IO"
    found: dict[str, set[str]] = {}
    for namespace, handlers in socketio.server.handlers.items():
        found.setdefault(namespace, set()).update(handlers)
    # Handlers decorated before init_app wait in this list (Flask-SocketIO 5).
    for message, _handler, namespace in socketio.handlers:
        found.setdefault(namespace or "/", set()).add(message)
    # Class-based namespaces (``socketio.on_namespace``) hold ``on_<event>`` methods.
    for namespace, handler in getattr(socketio.server, "namespace_handlers", {}).items():
        found.setdefault(namespace, set()).update(
            name[3:] for name in dir(handler) if name.startswith("on_")
        )
    return found


# --------------------------------------------------------------------- commands


def test_every_registered_handler_is_documented_and_nothing_else(
    app: Flask, documented_commands: dict[str, str]
) -> None:
    by_namespace = registered_socket_events(app)
    assert set(by_namespace) <= {"/"}, (
        f"handlers outside the default namespace: {sorted(set(by_namespace) - {'/'})}"
    )
    registered = by_namespace.get("/", set()) - LIFECYCLE_EVENTS
    assert registered, (
        "create_app(TestConfig) registered no Socket.IO command handler. When "
        "workshop/sockets.py is first imported after socketio.init_app(), its handlers go "
        "straight to that app's server, and every later create_app() gets a new server "
        "without them: import it before socketio.init_app() in factory.init_extensions"
    )
    assert registered - set(documented_commands) == set(), "handlers missing from the doc"
    assert set(documented_commands) - registered == set(), "documented commands without handler"


def test_every_command_constant_is_documented(documented_commands: dict[str, str]) -> None:
    commands = set(realtime.names(realtime.Commands).values())
    assert commands - set(documented_commands) == set(), "Commands missing from the doc"
    assert set(documented_commands) - commands == set(), "documented commands not in Commands"


def test_command_limits_are_the_schema_limits(documented_commands: dict[str, str]) -> None:
    for name in (realtime.Commands.POST_IDEA, realtime.Commands.EDIT_IDEA):
        text = documented_commands[name]
        for limit in (schemas.TITLE_MAX, schemas.DESCRIPTION_MAX, schemas.NEED_MAX):
            assert re.search(rf"\b{limit}\b", text), f"{name}: limit {limit} not documented"
    post = documented_commands[realtime.Commands.POST_IDEA]
    assert f"`{schemas.CLIENT_ID_RE.pattern}`" in post, "post_idea: client_id pattern"
    for name in (realtime.Commands.START_TIMER, realtime.Commands.EXTEND_TIMER):
        assert re.search(rf"\b1 to {schemas.TIMER_MAX_SECONDS}\b", documented_commands[name]), (
            f"{name}: seconds range not documented"
        )


def test_vote_limits_and_defaults_are_the_code_ones(documented_commands: dict[str, str]) -> None:
    for name in (realtime.Commands.CAST_VOTE, realtime.Commands.WITHDRAW_VOTE):
        rows = dict(FIELD_ROW_RE.findall(documented_commands[name]))
        assert re.search(rf"\b1 to {schemas.VOTES_MAX}, default 1\b", rows.get("count", "")), (
            f"{name}: count range and default not documented"
        )
    configure = realtime.Commands.CONFIGURE_VOTE
    rows = dict(FIELD_ROW_RE.findall(documented_commands[configure]))
    assert set(rows) == {"phase_id", *phases.VOTE_DEFAULTS}, f"{configure}: payload fields"
    for field, default in phases.VOTE_DEFAULTS.items():
        assert f"default `{json.dumps(default)}`" in rows[field], f"{configure}: {field} default"
    for field in ("votes_per_participant", "max_per_item"):
        assert re.search(rf"\b1 to {schemas.VOTES_MAX}\b", rows[field]), f"{configure}: {field}"
    for target in schemas.VOTE_TARGETS:
        assert f'`"{target}"`' in rows["target"], f"{configure}: target {target}"


def test_transport_limits_are_the_config_limits(doc: dict[str, str]) -> None:
    text = "\n".join(doc.values())
    assert f"{Config.MAX_MESSAGE_BYTES} bytes" in text, "MAX_MESSAGE_BYTES"
    assert re.search(rf"`REPLAY_LIMIT` facts \({Config.REPLAY_LIMIT}\b", text), "REPLAY_LIMIT"
    assert Config.TALLY_WINDOW_MS <= TALLY_WINDOW_CEILING_MS, "TALLY_WINDOW_MS too long"
    assert re.search(rf"`TALLY_WINDOW_MS` \({Config.TALLY_WINDOW_MS} ms\b", text), "TALLY_WINDOW_MS"
    assert f"≤ {TALLY_WINDOW_CEILING_MS} ms" in text, "TALLY_WINDOW_MS ceiling"


# --------------------------------------------------------------------- facts


def test_every_fact_is_documented(documented_facts: dict[str, str]) -> None:
    facts = set(realtime.names(realtime.Facts).values())
    assert facts - set(documented_facts) == set(), "Facts missing from the doc"
    assert set(documented_facts) - facts == set(), "documented facts not in Facts"


def test_fact_examples_are_valid_envelopes(documented_facts: dict[str, str]) -> None:
    for name, text in documented_facts.items():
        blocks = JSON_BLOCK_RE.findall(text)
        assert blocks, f"{name}: no JSON example"
        for block in blocks:
            try:
                example = json.loads(block)
            except json.JSONDecodeError as error:
                pytest.fail(f"{name}: example is not JSON ({error})")
            if name == realtime.Facts.WORKSHOP_STATE:
                assert "seq" in example, f"{name}: the snapshot carries its seq"
                continue
            assert isinstance(example.get("workshop_id"), int), f"{name}: no workshop_id"
            sequenced = name != realtime.Facts.PRESENCE_CHANGED and name not in UNSEQUENCED
            if name in TABLE_FACTS:  # the table stream's own envelope
                assert isinstance(example.get("table_id"), int), f"{name}: no table_id"
                assert isinstance(example.get("table_seq"), int), f"{name}: no table_seq"
            assert ("seq" in example) is sequenced, f"{name}: seq presence is wrong"
            if "since" in example:
                assert name in realtime.MERGEABLE, f"{name}: since on a fact never folded"


def test_mergeable_facts_are_the_documented_ones(documented_facts: dict[str, str]) -> None:
    said_mergeable = {name for name, text in documented_facts.items() if "Mergeable" in text}
    assert said_mergeable == set(realtime.MERGEABLE)


def test_slow_facts_are_the_documented_ones(documented_facts: dict[str, str]) -> None:
    said_slow = {name for name, text in documented_facts.items() if "Slow:" in text}
    assert said_slow == set(realtime.SLOW_FACTS)


def _json_objects(value: object) -> Iterator[dict[str, object]]:
    if isinstance(value, dict):
        yield value
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            yield from _json_objects(item)


def test_phase_examples_have_the_serialised_fields(doc: dict[str, str]) -> None:
    kinds = {kind.value for kind in phases.PhaseKind}
    seen: set[str] = set()
    for block in JSON_BLOCK_RE.findall("\n".join(doc.values())):
        for found in _json_objects(json.loads(block)):
            if found.get("kind") not in kinds or "can_post" not in found:
                continue
            kind = str(found["kind"])
            expected = schemas.serialize_phase(
                Phase(id=1, position=0, kind=kind, title="t", duration_s=60, settings={})
            )
            assert set(found) == set(expected), f"a {kind} phase example: fields"
            if "vote" in expected:
                vote = found.get("vote")
                assert isinstance(vote, dict) and set(vote) == set(expected["vote"]), "vote block"
                assert set(vote.get("settings") or ()) == set(phases.VOTE_DEFAULTS), "settings"
            seen.add(kind)
    assert {"ideas", "vote"} <= seen, "the Phase object needs an example of each shape"


# --------------------------------------------------------------------- errors


def test_every_error_code_is_in_the_table(error_rows: dict[str, str]) -> None:
    codes: dict[str, str | None] = {cls.code: str(cls.status) for cls in errors.all_error_classes()}
    codes.update(EXTRA_ERROR_CODES)
    assert set(codes) - set(error_rows) == set(), "error codes missing from the table"
    assert set(error_rows) - set(codes) == set(), "documented error codes that do not exist"
    for code, status in codes.items():
        if status is not None:
            assert re.search(rf"\b{status}\b", error_rows[code]), (
                f"{code}: HTTP status {status} not in its row"
            )


# --------------------------------------------------------------------- protocol.js


def test_events_js_mirrors_realtime() -> None:
    assert PROTOCOL_JS.exists(), "static/js/protocol.js is missing"
    constants = parse_js_constants(PROTOCOL_JS.read_text(encoding="utf-8"))
    assert constants.get("Commands") == realtime.names(realtime.Commands)
    assert constants.get("Facts") == realtime.names(realtime.Facts)
