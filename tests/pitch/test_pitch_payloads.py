"""Property tests of the pitch step's payloads (workshop/schemas/pitch.py).

Whatever a client sends, each parser returns a value within the limits or raises
``ValidationError``, never anything else; at each limit, the value just inside is
accepted and the one just outside refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workshop.errors import ValidationError
from workshop.schemas import INT_MAX
from workshop.schemas import pitch as s

PROPERTIES = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

any_text = st.one_of(
    st.text(max_size=30),
    st.text(st.characters(codec=None, categories=["Cc", "Cs", "Zs", "Lu", "Ll"]), max_size=30),
    st.sampled_from(
        ["", " ", "\x00", "\ud800", "likes", "next", "previous", "pitch", "questions", "a" * 501]
    ),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), any_text)
json_like = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=10,
)
plausible = st.one_of(
    json_like,
    st.sampled_from([0, 1, 9, 10, 3600, 3601, INT_MAX, INT_MAX + 1, -1, "7", True, "true"]),
    st.sampled_from(["client-0001", "short", "x" * 64, "x" * 65, "modele-economique", "A b"]),
)

PARSERS: dict[str, tuple[Callable[[Any], Any], list[str]]] = {
    "parse_spotlight_target": (s.parse_spotlight_target, ["project_id", "direction"]),
    "parse_part": (s.parse_part, ["part"]),
    "parse_empty": (s.parse_empty, []),
    "parse_pitch_settings": (s.parse_pitch_settings, ["pitch_seconds", "questions_seconds"]),
    "parse_new_feedback": (s.parse_new_feedback, ["client_id", "project_id", "kind", "text"]),
    "parse_feedback_hidden": (s.parse_feedback_hidden, ["card_id", "hidden"]),
    "parse_feedback_selected": (s.parse_feedback_selected, ["card_id", "selected"]),
}


def check_result(value: Any) -> None:
    """What a parser returns respects the limits."""
    if isinstance(value, s.NewFeedback):
        assert 1 <= len(value.text) <= s.FEEDBACK_MAX
        assert value.text == value.text.strip() and "\x00" not in value.text
        assert s.KIND_KEY_RE.match(value.kind)
        assert 1 <= value.project_id <= INT_MAX
    elif isinstance(value, s.SpotlightTarget):
        assert (value.project_id is None) != (value.direction is None)
        assert value.direction in (None, *s.DIRECTIONS)
    elif isinstance(value, s.PitchSettings):
        for seconds in (value.pitch_seconds, value.questions_seconds):
            assert s.SECONDS_MIN <= seconds <= s.SECONDS_MAX
    elif isinstance(value, s.FeedbackFlag):
        assert 1 <= value.card_id <= INT_MAX and isinstance(value.value, bool)
    elif value is not None:
        assert value in s.PARTS


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_any_payload_parses_or_is_refused_as_invalid(app: Flask, name: str) -> None:
    parse, fields = PARSERS[name]

    @PROPERTIES
    @given(
        payload=st.one_of(
            json_like,
            st.fixed_dictionaries({}, optional={field: plausible for field in fields}),
        )
    )
    def run(payload: Any) -> None:
        with app.test_request_context():  # the messages are translated
            try:
                value = parse(payload)
            except ValidationError as error:
                assert error.code == "invalid_input" and str(error.message)
            else:
                check_result(value)

    run()


def feedback(**overrides: Any) -> dict[str, Any]:
    return {
        "client_id": "client-0001",
        "project_id": 3,
        "kind": "likes",
        "text": "Bravo",
    } | overrides


@pytest.mark.parametrize(
    ("payload", "accepted"),
    [
        (feedback(text="x" * s.FEEDBACK_MAX), True),
        (feedback(text="x" * (s.FEEDBACK_MAX + 1)), False),
        (feedback(text="  \n "), False),
        (feedback(text="Deux lignes\nbien gardées"), True),
        (feedback(kind="k" * 20), True),
        (feedback(kind="k" * 21), False),
        (feedback(kind="Likes"), False),
        (feedback(client_id="x" * 7), False),
        (feedback(client_id="x" * 64), True),
        (feedback(project_id=0), False),
        (feedback(project_id=True), False),
    ],
)
def test_feedback_limits(app: Flask, payload: dict[str, Any], accepted: bool) -> None:
    with app.test_request_context():
        if accepted:
            assert s.parse_new_feedback(payload).text == payload["text"]
        else:
            with pytest.raises(ValidationError):
                s.parse_new_feedback(payload)


@pytest.mark.parametrize(
    ("seconds", "accepted"),
    [
        (s.SECONDS_MIN, True),
        (s.SECONDS_MIN - 1, False),
        (s.SECONDS_MAX, True),
        (s.SECONDS_MAX + 1, False),
    ],
)
def test_timer_limits(app: Flask, seconds: int, accepted: bool) -> None:
    payload = {"pitch_seconds": seconds, "questions_seconds": 300}
    with app.test_request_context():
        if accepted:
            assert s.parse_pitch_settings(payload).pitch_seconds == seconds
        else:
            with pytest.raises(ValidationError):
                s.parse_pitch_settings(payload)


def test_a_target_is_a_project_or_a_direction_never_both(app: Flask) -> None:
    with app.test_request_context():
        assert s.parse_spotlight_target({"direction": "next"}).direction == "next"
        assert s.parse_spotlight_target({"project_id": 4}).project_id == 4
        for payload in ({"direction": "next", "project_id": 4}, {"direction": "up"}, {}):
            with pytest.raises(ValidationError):
                s.parse_spotlight_target(payload)
