"""Property tests of the title made from a longer text (issue #13): whatever the text, the
title fits, is not empty when the text is not, starts the text, and an imported idea's
description keeps all of it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from workshop.exports.ideas_import import LONG_TEXT_MODES, WHOLE_TITLE_CHARS, split_text
from workshop.headline import ELLIPSIS, first_words, headline
from workshop.schemas import TITLE_MAX
from workshop.schemas.fields import text as clean_text

# Texts like those collected before a session: words, punctuation that ends sentences or
# not, line breaks, long words, and any character now and then.
WORDS = st.sampled_from(
    ["Un", "jardin", "partagé", "J.H.S.", "av.", "Mr.", "3.5", "…", "?", "!", ".", ",", "«", "»"]
)
TEXTS = st.one_of(
    st.text(max_size=600),
    st.lists(
        st.one_of(WORDS, st.text(min_size=1, max_size=40), st.sampled_from([" ", "\n", ". "])),
        max_size=120,
    ).map(" ".join),
)


def flat(text: str) -> str:
    return " ".join(text.split())


@given(TEXTS, st.integers(min_value=2, max_value=300))
def test_a_headline_fits_is_not_empty_and_starts_the_text(text: str, limit: int) -> None:
    title = headline(text, limit)
    assert len(title) <= limit
    assert bool(title) == bool(text.split())
    assert title == flat(title)  # one line
    assert flat(text).startswith(title.removesuffix(ELLIPSIS))


@given(TEXTS, st.integers(min_value=2, max_value=300))
def test_first_words_cut_on_a_word_when_there_is_one(text: str, limit: int) -> None:
    words = first_words(text, limit)
    assert len(words) <= limit and flat(text).startswith(words.removesuffix(ELLIPSIS))
    if len(flat(text)) <= limit:
        assert words == flat(text)
    else:
        assert words.endswith(ELLIPSIS)


@given(TEXTS, st.sampled_from(LONG_TEXT_MODES))
def test_an_imported_text_is_split_without_losing_a_word(raw: str, mode: str) -> None:
    title, description = split_text(raw, "", mode)  # type: ignore[arg-type]
    cleaned = clean_text({"v": raw}, "v", max_len=10**6, multiline=True)
    assert len(title) <= TITLE_MAX
    assert bool(title) == bool(cleaned)
    if description:  # split: the whole text is the description
        assert flat(description) == flat(cleaned)
        assert flat(cleaned).startswith(title.removesuffix(ELLIPSIS).rstrip("."))
        if mode == "whole":
            assert len(title) <= WHOLE_TITLE_CHARS
    else:  # the text is its own title
        assert title == flat(cleaned)
