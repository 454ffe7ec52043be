"""Property tests of the report form and the carnet's forms: any input parses within the
limits or is refused naming its field, never anything else."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workshop.errors import ValidationError
from workshop.schemas.reports import (
    CARNET_INTRO_MAX,
    FIRST_YEAR,
    LAST_YEAR,
    PUBLIC_SUMMARY_MAX,
    parse_carnet_intro,
    parse_publication,
    parse_report_query,
)
from workshop.services.reports import _matching, normalise

PROPERTIES = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
TODAY = dt.date(2026, 12, 7)

any_text = st.one_of(
    st.text(max_size=30),
    st.text(
        st.characters(codec=None, categories=["Cc", "Cs", "Zs", "Lu", "Ll", "Nd"]), max_size=30
    ),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "\ud800",
            "2026-02-30",
            "2026-13-01",
            "0000-01-01",
            "9999-12-31",
            "31/12/2026",
            "1/2/2026",
            "2026-1-1",
            "٢٠٢٦-٠١-٠١",  # Arabic-Indic digits
            "a" * 300,
        ]
    ),
)
days = st.dates(min_value=dt.date(FIRST_YEAR, 1, 1), max_value=dt.date(LAST_YEAR, 12, 31))
values = st.one_of(st.none(), st.booleans(), st.integers(), any_text, days.map(dt.date.isoformat))
forms = st.dictionaries(
    st.sampled_from(["start", "end", "territory", "campaign", "other"]), values, max_size=5
)


@pytest.fixture
def context(app: Flask) -> Any:
    with app.test_request_context():
        yield


@PROPERTIES
@given(payload=st.one_of(forms, st.lists(values), st.none(), any_text))
def test_a_report_form_gives_a_period_in_bounds_or_names_its_field(
    context: Any, payload: Any
) -> None:
    try:
        query = parse_report_query(payload, TODAY)
    except ValidationError as error:
        assert error.details.get("field") in {None, "start", "end", "territory", "campaign"}
        assert str(error.message)
        return
    assert FIRST_YEAR <= query.start.year and query.end.year <= LAST_YEAR
    assert query.start <= query.end
    assert len(query.territory) <= 140 and len(query.campaign) <= 80
    assert query.territory == " ".join(query.territory.split())
    assert "\x00" not in query.territory + query.campaign


@PROPERTIES
@given(first=days, second=days)
def test_a_date_reads_the_same_typed_either_way(
    context: Any, first: dt.date, second: dt.date
) -> None:
    start, end = sorted((first, second))
    iso = parse_report_query({"start": start.isoformat(), "end": end.isoformat()}, TODAY)
    french = parse_report_query(
        {"start": start.strftime("%d/%m/%Y"), "end": f" {end.day}/{end.month}/{end.year:04d} "},
        TODAY,
    )
    assert (iso.start, iso.end) == (french.start, french.end) == (start, end)
    if start < end:
        with pytest.raises(ValidationError) as refused:
            parse_report_query({"start": end.isoformat(), "end": start.isoformat()}, TODAY)
        assert refused.value.details == {"field": "end", "reason": "order"}


def test_an_empty_form_is_the_current_year(context: Any) -> None:
    query = parse_report_query({}, TODAY)
    assert (query.start, query.end) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert (query.territory, query.campaign) == ("", "")
    assert parse_report_query({"start": "2026-03-01"}, TODAY).end == dt.date(2026, 12, 31)


@PROPERTIES
@given(
    payload=st.one_of(
        forms,
        st.dictionaries(
            st.sampled_from(["intro", "published", "public_summary"]), values, max_size=3
        ),
        st.none(),
    )
)
def test_the_carnets_forms_keep_their_limits(context: Any, payload: Any) -> None:
    try:
        intro = parse_carnet_intro(payload)
    except ValidationError as error:
        assert error.details.get("field") in {None, "intro"}
    else:
        assert len(intro) <= CARNET_INTRO_MAX
    try:
        publication = parse_publication(payload)
    except ValidationError as error:
        assert error.details.get("field") in {None, "published", "public_summary"}
    else:
        assert isinstance(publication.published, bool)
        assert len(publication.public_summary) <= PUBLIC_SUMMARY_MAX


@PROPERTIES
@given(territory=any_text, spaces=st.text(" \t", max_size=3))
def test_a_territory_matches_itself_whatever_its_case_and_spacing(
    territory: str, spaces: str
) -> None:
    assert normalise(normalise(territory)) == normalise(territory)
    typed = spaces + territory.upper().replace(" ", "  ") + spaces
    if normalise(typed) == normalise(territory):
        assert territory in _matching([territory, "Ailleurs"], typed) or territory == "Ailleurs"
    assert _matching([], territory) == []
