"""Whatever people type, the engine and the close-idea hints never crash."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workshop.grouping import similar, suggest_groups

PROPERTIES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
texts = st.lists(st.text(max_size=60), max_size=12)


@PROPERTIES
@given(
    ideas=texts,
    k=st.none() | st.integers(min_value=1, max_value=15),
    lang=st.sampled_from(["fr", "en"]),
)
def test_any_unicode_texts_group(ideas: list[str], k: int | None, lang: str) -> None:
    groups = suggest_groups(ideas, k, lang)
    assert sorted(i for group in groups for i in group.members) == list(range(len(ideas)))
    assert all(group.label for group in groups)
    if k is not None:
        assert len(groups) <= k


@PROPERTIES
@given(ideas=texts, query=st.text(max_size=60))
def test_any_unicode_query_is_safe(ideas: list[str], query: str) -> None:
    for match in similar(ideas, query, "fr", limit=3):
        assert 0 <= match.index < len(ideas)
