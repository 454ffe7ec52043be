"""Facts reaching a phone out of order, as they may with several server workers: the
page waits a moment for the missing one instead of resyncing, and resyncs when a fact
really was lost.

A WebSocket route between the phone and the real server swaps or drops ``idea_posted``
facts on their way to the page.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from tests.browser.test_offline import card, join_live, post, start_session, wait_for

pytestmark = pytest.mark.browser

IDEAS = ["Un jardin partagé au pied des immeubles", "Une boîte à livres sur la place"]


class TamperFacts:
    """Holds back the first ``idea_posted`` fact sent to the page; ``swap`` sends it
    right after the next fact, ``drop`` never sends it. Records what the page sends."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.upgraded = False
        self.held: str | None = None
        self.done = False
        self.sent: list[str] = []

    def __call__(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def to_server(message: str | bytes) -> None:
            if message == "5":  # Engine.IO upgrade: from now on, packets come this way
                self.upgraded = True
            if isinstance(message, str):
                self.sent.append(message)
            server.send(message)

        def to_page(message: str | bytes) -> None:
            if isinstance(message, str) and message.startswith('42["idea_posted"'):
                if not self.done and self.held is None:
                    self.held = message
                    return
                ws.send(message)
                if self.held is not None and not self.done:
                    self.done = True
                    if self.mode == "swap":
                        ws.send(self.held)
                return
            ws.send(message)

        ws.on_message(to_server)
        server.on_message(to_page)

    def joins_after(self, mark: int) -> list[str]:
        return [m for m in self.sent[mark:] if re.match(r'42\d*\["join_workshop"', m)]


def post_each(author: Page) -> None:
    """The author posts every idea of IDEAS, each acknowledged before the next."""
    for title in IDEAS:
        post(author, title)
        expect(card(author, "#my-ideas", title)).to_have_count(1)


def watched_phone(fresh_server: Any, new_page: Any, mode: str) -> tuple[Page, Page, TamperFacts]:
    _console, _screen, join_url = start_session(fresh_server, new_page)
    author: Page = new_page(phone=True)
    join_live(author, join_url, "Bastien")
    phone: Page = new_page(phone=True)
    route = TamperFacts(mode)
    phone.context.route_web_socket(re.compile(r"/socket\.io/"), route)
    join_live(phone, join_url, "Alix")
    wait_for(phone, lambda: route.upgraded)
    return author, phone, route


def test_facts_swapped_in_transit_are_applied_in_order_without_a_resync(
    fresh_server: Any, new_page: Any
) -> None:
    author, phone, route = watched_phone(fresh_server, new_page, "swap")
    mark = len(route.sent)
    post_each(author)
    for title in IDEAS:
        expect(card(phone, "#wall", title)).to_have_count(1)
    assert route.done  # the second fact did overtake the first
    # Both facts arrived within the reorder window: no rejoin was needed.
    phone.wait_for_timeout(800)
    assert route.joins_after(mark) == []


def test_a_fact_lost_in_transit_is_recovered_by_a_resync(fresh_server: Any, new_page: Any) -> None:
    author, phone, route = watched_phone(fresh_server, new_page, "drop")
    mark = len(route.sent)
    post_each(author)
    # The first fact never comes: once the window has passed, the phone rejoins with
    # its last seq and the server replays what it missed.
    for title in IDEAS:
        expect(card(phone, "#wall", title)).to_have_count(1)
    assert route.done
    [rejoin] = route.joins_after(mark)
    assert '"last_seq":' in rejoin
