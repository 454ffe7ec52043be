"""Property tests of the idea boxes' boundary: the public form, the members' forms.

Whatever a browser (or a script) sends, each parser returns a value within the limits,
cleaned as a workshop's idea is, or raises ``ValidationError``; never anything else.
An email is only ever kept with the consent ticked.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from workshop.errors import ValidationError
from workshop.schemas import DESCRIPTION_MAX, DISPLAY_NAME_MAX, TITLE_MAX, parse_new_idea
from workshop.schemas.idea_boxes import (
    INTO_WORKSHOP_MAX,
    Nature,
    SourceKind,
    parse_box_form,
    parse_box_post,
    parse_into_workshop,
    parse_relayed_need,
)
from workshop.schemas.portfolio import SLUG

PROPERTIES = settings(max_examples=200, deadline=None)

any_text = st.one_of(
    st.text(max_size=60),
    st.text(
        st.characters(codec=None, categories=["Cc", "Cs", "Zs", "Zl", "Mn", "Lu", "Nd"]),
        max_size=60,
    ),
    st.sampled_from(["", " ", "\x00", "\r\n", "\ud800", "x" * (TITLE_MAX + 1), "a@b.cd"]),
)
value = st.one_of(st.none(), st.booleans(), st.integers(), any_text, st.lists(any_text, max_size=2))
checkbox = st.one_of(st.none(), st.sampled_from(["on", "", "off", "1", "yes", "maybe"]), value)


def clean(text: str) -> bool:
    """No control character but newlines, no lone surrogate."""
    return (
        all(ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs") for ch in text)
        and text == text.strip()
    )


posts = st.fixed_dictionaries(
    {},
    optional={
        "title": st.one_of(any_text, value),
        "description": st.one_of(any_text, value, st.text(min_size=1990, max_size=2010)),
        "nature": st.one_of(st.sampled_from(["idea", "need", "other"]), value),
        "name": st.one_of(any_text, value),
        "email": st.one_of(st.sampled_from(["lou@example.org", "pas une adresse"]), value),
        "follow": checkbox,
        "website": st.one_of(st.just(""), any_text),
    },
)


@PROPERTIES
@given(posts)
def test_a_posting_is_within_limits_or_refused(payload: dict[str, Any]) -> None:
    try:
        post = parse_box_post(payload)
    except ValidationError as error:
        assert error.details.get("field") in {
            "title",
            "description",
            "nature",
            "name",
            "email",
            "follow",
        }
        return
    assert 0 < len(post.title) <= TITLE_MAX and clean(post.title) and "\n" not in post.title
    assert len(post.description) <= DESCRIPTION_MAX and clean(post.description)
    assert post.nature in {n.value for n in Nature}
    assert post.author_name is None or (
        0 < len(post.author_name) <= DISPLAY_NAME_MAX and clean(post.author_name)
    )
    # An email only with the consent ticked.
    if post.email is not None:
        assert payload.get("follow") not in (None, "", False, "off")
        assert "@" in post.email and post.email == post.email.lower()


@PROPERTIES
@given(posts)
def test_a_posting_is_cleaned_as_a_workshop_idea(payload: dict[str, Any]) -> None:
    """The same title and description a phone's idea would get: taken into a workshop,
    nothing is cut or cleaned again."""
    try:
        post = parse_box_post(payload)
    except ValidationError:
        return
    idea = parse_new_idea(
        {
            "client_id": "client-0001",
            "title": payload.get("title"),
            "description": payload.get("description"),
        }
    )
    assert (post.title, post.description) == (idea.title, idea.description)


@PROPERTIES
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "title": st.one_of(any_text, value),
            "slug": st.one_of(st.sampled_from(["idees", "Idées Privas", "-x", "a" * 61]), value),
            "intro": st.one_of(any_text, value),
            "territory": st.one_of(any_text, value),
            "campaign": st.one_of(any_text, value),
            "contact": st.one_of(any_text, value),
            "open": checkbox,
            "premoderation": checkbox,
        },
    )
)
def test_a_box_form_is_valid_or_refused(payload: dict[str, Any]) -> None:
    try:
        form = parse_box_form(payload)
    except ValidationError:
        return
    assert SLUG.fullmatch(form.slug)
    assert 0 < len(form.title) <= 140
    for field in ("open", "premoderation"):
        sent = payload.get(field)
        ticked = sent is True or (
            isinstance(sent, str) and sent.lower() in {"1", "true", "on", "yes"}
        )
        assert getattr(form, field) is ticked


@PROPERTIES
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "title": st.one_of(any_text, value),
            "description": st.one_of(any_text, value),
            "source_kind": st.one_of(st.sampled_from([k.value for k in SourceKind]), value),
            "source_name": st.one_of(any_text, value),
            "relayer_contact": st.one_of(any_text, value),
            "territory": st.one_of(any_text, value),
        },
    )
)
def test_a_relayed_need_is_valid_or_refused(payload: dict[str, Any]) -> None:
    try:
        need = parse_relayed_need(payload)
    except ValidationError:
        return
    assert need.source_kind in {k.value for k in SourceKind}
    assert need.source_name and clean(need.source_name)
    assert 0 < len(need.title) <= TITLE_MAX


@PROPERTIES
@given(
    st.one_of(
        st.lists(st.one_of(st.integers(), any_text, st.sampled_from(["1", "2", "0", "-3"]))),
        st.lists(st.just("7"), min_size=INTO_WORKSHOP_MAX, max_size=INTO_WORKSHOP_MAX + 2),
        value,
    ),
    st.one_of(st.sampled_from(["3", "", "0", "2147483648"]), value),
)
def test_projects_into_a_workshop_are_ids_or_refused(project_ids: Any, workshop: Any) -> None:
    try:
        into = parse_into_workshop(project_ids, workshop)
    except ValidationError:
        return
    assert 0 < len(into.project_ids) <= INTO_WORKSHOP_MAX
    assert len(set(into.project_ids)) == len(into.project_ids)
    assert all(0 < i < 2**31 for i in into.project_ids)
    assert 0 < into.workshop_id < 2**31
