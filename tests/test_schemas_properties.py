"""Property tests of the boundary: every ``parse_*`` takes anything a client can send.

Whatever JSON-like value arrives, a parser returns a parsed value or raises
``ValidationError``, never anything else; what it returns respects the limits, and
holds no NUL, control character or lone surrogate.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workshop import schemas
from workshop.errors import ValidationError
from workshop.schemas import (
    CODE_ALPHABET,
    CODE_LENGTHS,
    DESCRIPTION_MAX,
    DISPLAY_NAME_MAX,
    INT_MAX,
    NEED_MAX,
    TITLE_MAX,
    normalize_code,
)

PROPERTIES = settings(max_examples=150, deadline=None)

# Text as clients send it: any code point, lone surrogates and controls included.
any_text = st.one_of(
    st.text(max_size=40),
    st.text(
        st.characters(codec=None, categories=["Cc", "Cs", "Zs", "Zl", "Mn", "Lu", "Nd"]),
        max_size=40,
    ),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "\r\n",
            "\ud800",
            "<script>",
            "1",
            "-1",
            "0",
            "true",
            "2026-03-21",
            "9" * 12,
            "x" * (TITLE_MAX + 1),
        ]
    ),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), any_text)
json_like = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=12,
)

# Each parser with the fields it reads, so examples reach past the first check.
PARSERS: dict[str, tuple[Callable[[Any], Any], list[str]]] = {
    "parse_email": (schemas.parse_email, []),
    "parse_password": (schemas.parse_password, []),
    "parse_new_facilitator": (schemas.parse_new_facilitator, ["email", "name", "password"]),
    "parse_new_workshop": (
        schemas.parse_new_workshop,
        ["title", "format", "question", "territory", "date"],
    ),
    "parse_join": (schemas.parse_join, ["display_name", "profile"]),
    "parse_new_idea": (schemas.parse_new_idea, ["client_id", "title", "description", "need"]),
    "parse_idea_edit": (
        schemas.parse_idea_edit,
        ["idea_id", "title", "description", "need", "version"],
    ),
    "parse_idea_ref": (schemas.parse_idea_ref, ["idea_id"]),
    "parse_settings": (schemas.parse_settings, ["anonymous", "moderation"]),
    "parse_flag": (lambda payload: schemas.parse_flag(payload, "open"), ["open"]),
    "parse_phase_target": (schemas.parse_phase_target, ["phase_id", "direction"]),
    "parse_seconds": (schemas.parse_seconds, ["seconds"]),
    "parse_last_seq": (schemas.parse_last_seq, ["last_seq"]),
    "parse_agenda": (schemas.parse_agenda, ["phases"]),
    "parse_participant_ref": (schemas.parse_participant_ref, ["participant_id"]),
    "parse_privacy_settings": (
        schemas.parse_privacy_settings,
        ["organiser", "organiser_contact", "recipient", "retention_days", "erasure_ideas"],
    ),
}

# Plausible values per field, mixed with arbitrary ones.
plausible = st.one_of(
    json_like,
    st.sampled_from(
        [
            "a@b.cd",
            "correct horse battery",
            "marathon",
            "citizen",
            "ideas",
            "next",
            "previous",
            "client-0001",
            "on",
            "off",
            1,
            30,
            INT_MAX,
            INT_MAX + 1,
            2**64,
        ]
    ),
    st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "id": scalars,
                "kind": st.sampled_from(["ideas", "vote", "x"]),
                "title": any_text,
                "minutes": st.one_of(st.integers(-5, 2000), any_text),
            },
        ),
        max_size=35,
    ),
)


def payloads_for(fields: list[str]) -> st.SearchStrategy[Any]:
    return st.one_of(
        json_like, st.fixed_dictionaries({}, optional=dict.fromkeys(fields, plausible))
    )


def clean(value: str, *, multiline: bool) -> bool:
    """No control character (but a newline in multi-line text), no lone surrogate."""
    allowed = {"\n"} if multiline else set()
    return all(ch in allowed or unicodedata.category(ch) not in ("Cc", "Cs") for ch in value)


def check_text_fields(result: Any) -> None:
    for name, value in vars(result).items() if hasattr(result, "__dict__") else []:
        if isinstance(value, str) and name != "password":  # passwords are kept verbatim
            assert clean(value, multiline=name in ("description", "need", "question")), name
            assert value == value.strip()


@pytest.mark.parametrize("name", list(PARSERS))
@PROPERTIES
@given(data=st.data())
def test_parsers_only_raise_validation_errors(name: str, data: st.DataObject) -> None:
    parse, fields = PARSERS[name]
    payload = data.draw(payloads_for(fields) if fields else any_text | scalars)
    try:
        result = parse(payload)
    except ValidationError as error:
        assert error.to_dict()["code"] == "invalid_input"
        return
    if isinstance(result, list):
        for item in result:
            check_text_fields(item)
    else:
        check_text_fields(result)


@PROPERTIES
@given(title=any_text, description=any_text, need=any_text)
def test_new_idea_limits_and_cleaning(title: str, description: str, need: str) -> None:
    try:
        idea = schemas.parse_new_idea(
            {"client_id": "client-0001", "title": title, "description": description, "need": need}
        )
    except ValidationError as error:
        assert error.details["field"] in ("title", "description", "need")
        return
    assert 1 <= len(idea.title) <= TITLE_MAX
    assert len(idea.description) <= DESCRIPTION_MAX and len(idea.need) <= NEED_MAX
    assert clean(idea.title, multiline=False) and "\n" not in idea.title
    assert clean(idea.description, multiline=True) and clean(idea.need, multiline=True)


letters = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàçÉ0123456789", min_size=1)


@PROPERTIES
@given(text=letters)
def test_length_limit_is_exact(text: str) -> None:
    payload = {"client_id": "client-0001", "title": text}
    if len(text) <= TITLE_MAX:
        assert schemas.parse_new_idea(payload).title == text
    else:
        with pytest.raises(ValidationError) as caught:
            schemas.parse_new_idea(payload)
        assert caught.value.details == {"field": "title", "reason": "too_long", "max": TITLE_MAX}


controls = st.sampled_from(
    [chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127, *range(128, 160)]]
    + ["\ud800", "\udfff"]
)


@PROPERTIES
@given(
    text=st.lists(
        st.tuples(st.text(alphabet="abcé0", min_size=1, max_size=4), controls),
        min_size=1,
        max_size=DISPLAY_NAME_MAX // 4,
    )
)
def test_nul_and_control_characters_are_stripped(text: list[tuple[str, str]]) -> None:
    noisy = "".join(word + control for word, control in text)
    plain = "".join(word for word, _control in text)
    joined = schemas.parse_join({"display_name": noisy, "profile": "citizen"})
    assert joined.display_name == plain


@PROPERTIES
@given(
    lines=st.lists(st.text(alphabet="abcé0", min_size=1, max_size=20), min_size=2, max_size=5),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_line_breaks_are_kept_in_multiline_text_only(lines: list[str], newline: str) -> None:
    idea = schemas.parse_new_idea(
        {
            "client_id": "client-0001",
            "title": newline.join(lines),
            "description": newline.join(lines),
        }
    )
    assert idea.description == "\n".join(lines)
    assert idea.title == " ".join(lines)


codes = st.sampled_from(CODE_LENGTHS).flatmap(
    lambda length: st.text(alphabet=CODE_ALPHABET, min_size=length, max_size=length)
)


@PROPERTIES
@given(
    code=codes,
    separators=st.lists(
        st.sampled_from([" ", "-", ".", "\t", "  "]),
        min_size=max(CODE_LENGTHS) + 1,
        max_size=max(CODE_LENGTHS) + 1,
    ),
    lower=st.booleans(),
)
def test_normalize_code_round_trips(code: str, separators: list[str], lower: bool) -> None:
    assert normalize_code(code) == code
    typed = "".join(sep + ch for sep, ch in zip(separators, code + " ", strict=False))
    assert normalize_code(typed.lower() if lower else typed) == code


@PROPERTIES
@given(value=json_like)
def test_normalize_code_gives_a_valid_code_or_nothing(value: Any) -> None:
    code = normalize_code(value)
    assert code == "" or (len(code) in CODE_LENGTHS and set(code) <= set(CODE_ALPHABET))
    assert normalize_code(code) == code


@PROPERTIES
@given(value=st.one_of(st.integers(), st.integers().map(str), scalars))
def test_ids_are_positive_database_integers(value: Any) -> None:
    try:
        idea_id = schemas.parse_idea_ref({"idea_id": value})
    except ValidationError:
        return
    assert isinstance(idea_id, int) and not isinstance(idea_id, bool)
    assert 1 <= idea_id <= INT_MAX


@PROPERTIES
@given(payload=payloads_for(["phases"]))
def test_agendas_are_bounded(payload: Any) -> None:
    try:
        items = schemas.parse_agenda(payload)
    except ValidationError:
        return
    assert 1 <= len(items) <= schemas.AGENDA_MAX_PHASES
    for item in items:
        assert item.kind in {"welcome", "ideas", "grouping", "vote", "qualification", "results"}
        assert 0 <= item.duration_s <= schemas.PHASE_MAX_MINUTES * 60
        assert item.duration_s % 60 == 0
        assert item.id is None or 1 <= item.id <= INT_MAX


@PROPERTIES
@given(days=st.one_of(st.integers(), any_text, st.none()), choice=any_text | st.none())
def test_a_retention_is_a_number_of_days_within_ten_years_or_the_default(
    days: Any, choice: Any
) -> None:
    payload = {"retention_days": days, "erasure_ideas": choice}
    try:
        parsed = schemas.parse_privacy_settings(payload)
    except ValidationError:
        return
    assert parsed.retention_days is None or 1 <= parsed.retention_days <= 3650
    assert parsed.erasure_keeps_ideas is (choice == "keep")
    assert choice in ("keep", "delete")
