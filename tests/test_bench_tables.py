"""The pure parts of the benchmark's ``tables`` scenario (bench/tables.py): what a page
makes a browser load, the seats per table, and the figures made from what the phones
and the screen noted. The scenario itself runs in ``make bench``."""

from __future__ import annotations

import pytest

pytest.importorskip("psutil", reason="the benchmark's extra (make bench) is not installed")

from bench import tables  # noqa: E402

PAGE = """<!doctype html><html><head>
<link rel="stylesheet" href="/static/css/app.css">
<link rel="icon" href="/static/icon.svg"><link rel="canonical" href="/j/ABC">
</head><body><a href="/privacy">x</a>
<script type="module" src="/static/js/phone.js"></script></body></html>"""


def test_a_page_loads_its_stylesheet_scripts_and_icons_not_its_links() -> None:
    assert tables.page_assets(PAGE) == [
        "/static/css/app.css",
        "/static/icon.svg",
        "/static/js/phone.js",
    ]


def test_modules_and_stylesheets_load_what_they_import() -> None:
    module = b"""import { a } from "./dom.js";
import {
  b,
} from '../vendor/socket.io.esm.min.js';
import "./side.js";
const later = await import("./phone/lazy.js");
// not an import: "./nothing.txt"
"""
    assert tables.imported("http://h/static/js/phone.js", module) == [
        "http://h/static/js/dom.js",
        "http://h/static/vendor/socket.io.esm.min.js",
        "http://h/static/js/side.js",
        "http://h/static/js/phone/lazy.js",
    ]
    css = b"""@import "base.css"; .a { background: url(img/a.png) }
.b { background: url("data:image/png;base64,xx") } .c { src: url('../fonts/f.woff2') }"""
    assert tables.imported("http://h/static/css/app.css", css) == [
        "http://h/static/css/base.css",
        "http://h/static/css/img/a.png",
        "http://h/static/fonts/f.woff2",
    ]
    assert tables.imported("http://h/static/icon.svg", b"<svg/>") == []


@pytest.mark.parametrize(
    ("phones", "count", "seats"),
    [(1000, 30, 35), (300, 30, 12), (30, 30, 3), (1, 30, 2), (5000, 30, 50)],
)
def test_every_phone_has_a_seat_within_the_capacity_bounds(
    phones: int, count: int, seats: int
) -> None:
    assert tables.capacity_for(phones, count) == seats


def test_seating_counts_the_phones_that_did_not_get_their_table() -> None:
    answers = [
        {"failures": [], "seated_http": {0: 10.5, 2: 11.0}, "seated": {0: 11.0, 2: 12.5}},
        {"failures": [(1, "FormError: 409")], "seated_http": {}, "seated": {}},
    ]
    figures = tables.seating_figures(answers, started=10.0, phones=3)
    assert figures["errors"] == 1 and figures["total_s"] is None
    assert figures["http_s"] == 1.0 and figures["failures"] == ["phone 1: FormError: 409"]
    answers[1] = {"failures": [], "seated_http": {1: 10.8}, "seated": {1: 11.5}}
    figures = tables.seating_figures(answers, started=10.0, phones=3)
    assert (figures["errors"], figures["total_s"]) == (0, 2.5)


def test_a_contribution_delivered_elsewhere_is_a_leak_not_a_delivery() -> None:
    members = {7: {0, 1}, 8: {2}}
    # (phone, sent_at, acked_at, ok, contribution id, table id, error)
    sends = [(1, 100.0, 100.01, True, 50, 7, None), (2, 101.0, 101.02, True, 51, 8, None)]
    answers = [
        {
            "sends": sends,
            "arrivals": {
                0: {50: (100.010, 7)},
                1: {50: (100.030, 7)},
                2: {51: (101.005, 8), 50: (100.2, 7)},  # 50 is not table 8's
            },
        }
    ]
    figures = tables.delivery_figures(answers, members)
    assert figures["deliveries"] == 3 and figures["deliveries_missing"] == 0
    assert figures["leaks"] == 1
    assert figures["max_ms"] == pytest.approx(30.0)
    del answers[0]["arrivals"][1][50]
    assert tables.delivery_figures(answers, members)["deliveries_missing"] == 1


def test_the_roll_up_delay_is_until_a_summary_shows_the_new_count() -> None:
    posted = {50: (100.0, 7), 51: (100.5, 8), 52: (101.0, 7)}
    summaries = [
        (100.2, {7: 0, 8: 0}),  # built before the contribution counted
        (100.6, {7: 1, 8: 1}),
        (101.7, {7: 2, 8: 1}),
    ]
    figures = tables.rollup_figures(summaries, posted)
    assert figures["missing"] == 0
    assert figures["max_s"] == pytest.approx(0.7)
    assert tables.rollup_figures(summaries[:2], posted)["missing"] == 1


def test_goals_are_met_only_when_measured_and_within_them() -> None:
    figures = {
        "seating": {"total_s": 4.2, "errors": 0},
        "contribution": {"p95_ms": 12.0, "leaks": 0},
        "rollup": {"max_s": 0.6, "missing": 0},
        "bytes": {"total_kb": 151.0},
    }
    goals = tables.goals_of(figures)
    assert goals == {
        "seating_total_s<=5": True,
        "seating_errors==0": True,
        "bytes_total_kb<=150": False,
        "contribution_p95_ms<=50": True,
        "contribution_leaks==0": True,
        "rollup_max_s<=1": True,
    }
    figures["seating"]["total_s"] = None  # someone never got seated: not a success
    figures["rollup"]["missing"] = 1
    goals = tables.goals_of(figures)
    assert not goals["seating_total_s<=5"] and not goals["rollup_max_s<=1"]
