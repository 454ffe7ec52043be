"""Nothing lost on a phone that loses the network: the outbox, the connection banner,
and exactly-once delivery when the ack of a command is lost.

Real browsers against the real eventlet server; the database is read at the end, so
what the pages show is compared with what was stored.
"""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from typing import Any

import pytest
from playwright.sync_api import Page, Route, WebSocketRoute, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_live_session import join, open_at_ideas

pytestmark = pytest.mark.browser

OFFLINE_IDEA = "Un marché de producteurs le samedi"
OTHER_IDEAS = ["Une cantine bio à l'école", "Un atelier de réparation de vélos"]
MISSED_IDEA = "Une ressourcerie au centre-bourg"


def rows(server: Any, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """Read the server's SQLite database (WAL: readers never block the server)."""
    with closing(sqlite3.connect(server.instance / "semis.sqlite3")) as db:
        return list(db.execute(sql, args))


def card(page: Page, selector: str, title: str) -> Any:
    return page.locator(f"{selector} .idea").filter(
        has=page.locator(".idea__title", has_text=title)
    )


def outbox_of(page: Page) -> list[dict[str, Any]]:
    """The entries the page keeps in localStorage (one key per workshop and participant)."""
    stored = page.evaluate(
        "() => Object.keys(localStorage).filter((k) => k.startsWith('semis.outbox.'))"
        ".map((k) => localStorage.getItem(k))"
    )
    return [entry for raw in stored for entry in json.loads(raw)]


def start_session(fresh_server: Any, new_page: Any) -> tuple[Page, Page, str]:
    """A facilitator's console on an open workshop at its ideas step, and the screen."""
    console, join_url = open_at_ideas(new_page, fresh_server, "Marché hors ligne")
    screen: Page = new_page()
    screen.goto(console.get_attribute("#screen-link", "href"))
    return console, screen, join_url


def join_live(phone: Page, url: str, name: str) -> None:
    """Join, and wait until the page has its snapshot (its scripts are all loaded)."""
    join(phone, url, name)
    expect(phone.locator("#post-section")).to_be_visible()


def post(phone: Page, title: str) -> None:
    phone.fill("#idea-title", title)
    phone.click("#post-form button[type=submit]")


def test_offline_posts_and_votes_are_sent_once_back_online(
    fresh_server: Any, new_page: Any
) -> None:
    console, screen, join_url = start_session(fresh_server, new_page)
    phone_a: Page = new_page(phone=True)
    join_live(phone_a, join_url, "Alix")
    phone_b: Page = new_page(phone=True)
    join_live(phone_b, join_url, "Bastien")
    for title in OTHER_IDEAS:
        post(phone_b, title)
        expect(card(screen, "#wall", title)).to_have_count(1)
    context = phone_a.context

    # Phone A loses the network: the banner says so, and what it posts is queued.
    context.set_offline(True)
    banner = phone_a.locator("#connection")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Reconnexion")
    expect(banner).to_have_attribute("aria-live", "polite")
    post(phone_a, OFFLINE_IDEA)
    expect(phone_a.locator("#post-message")).to_contain_text("Pas de connexion")
    expect(phone_a.locator("#idea-title")).to_have_value("")
    queued = card(phone_a, "#queued-ideas", OFFLINE_IDEA)
    expect(queued).to_have_count(1)
    expect(queued.locator(".badge")).to_have_text("Envoi en attente")
    expect(phone_a.locator("#outbox-status")).to_have_text("1 envoi en attente")
    expect(card(phone_a, "#wall", OFFLINE_IDEA)).to_have_count(0)
    check_a11y(phone_a, "phone-offline-queued")
    # Meanwhile phone B posts: phone A will get it when it resynchronises.
    post(phone_b, MISSED_IDEA)
    expect(card(screen, "#wall", MISSED_IDEA)).to_have_count(1)

    # The queue is in localStorage: the tab is closed while still offline, and nothing
    # reached the server.
    stored = outbox_of(phone_a)
    assert [entry["payload"]["title"] for entry in stored] == [OFFLINE_IDEA]
    assert stored[0]["command"] == "post_idea"
    phone_a.close()
    assert rows(fresh_server, "SELECT count(*) FROM ideas WHERE title = ?", OFFLINE_IDEA) == [(0,)]

    # Back online, the participant opens the workshop again: the stored post leaves.
    context.set_offline(False)
    phone_a = context.new_page()
    phone_a.goto(join_url.replace("/j/", "/w/"))
    for page in (phone_a, phone_b, screen, console):
        expect(card(page, "#wall", OFFLINE_IDEA)).to_have_count(1)
    expect(card(phone_a, "#wall", MISSED_IDEA)).to_have_count(1)
    expect(card(phone_a, "#my-ideas", OFFLINE_IDEA)).to_have_count(1)
    expect(phone_a.locator("#queued-ideas .idea")).to_have_count(0)
    expect(phone_a.locator("#outbox-status")).to_be_hidden()
    assert outbox_of(phone_a) == []
    assert rows(fresh_server, "SELECT count(*) FROM ideas WHERE title = ?", OFFLINE_IDEA) == [(1,)]

    # The vote step, tallies public, three dots each, two per idea at most.
    console.locator(".step button", has_text="Vote").click()
    expect(console.locator("#vote-panel")).to_be_visible()
    console.fill("#vote-budget", "3")
    console.fill("#vote-cap", "2")
    console.uncheck("#vote-hidden")
    console.locator("#vote-settings button[type=submit]").click()
    expect(phone_a.locator("#vote-status")).to_contain_text("3 votes")

    # Offline again, phone A taps + + on one idea, + then − on another: the taps
    # collapse into one absolute count per idea, shown at once and marked waiting.
    context.set_offline(True)
    expect(phone_a.locator("#connection")).to_contain_text("Reconnexion")
    first, second = (card(phone_a, "#wall", title) for title in OTHER_IDEAS)
    add = re.compile(r"^Ajouter")
    first.get_by_role("button", name=add).click()
    expect(first.locator(".vote-count")).to_have_text("1")
    first.get_by_role("button", name=add).click()
    expect(first.locator(".vote-count")).to_have_text("2")
    second.get_by_role("button", name=add).click()
    expect(second.locator(".vote-count")).to_have_text("1")
    second.get_by_role("button", name=re.compile(r"^Retirer")).click()
    expect(second.locator(".vote-count")).to_have_text("0")
    expect(first.locator(".vote-count")).to_have_attribute("data-queued", "true")
    expect(phone_a.locator("#vote-status")).to_contain_text("1 vote restant")
    expect(phone_a.locator("#outbox-status")).to_have_text("2 envois en attente")
    # Phone B votes meanwhile; phone A sees B's dot after its resync.
    card(phone_b, "#wall", OTHER_IDEAS[0]).get_by_role("button", name=add).click()
    expect(card(phone_b, "#wall", OTHER_IDEAS[0]).locator(".vote-count")).to_have_text("1")
    assert sorted(
        (entry["command"], entry["payload"]["count"]) for entry in outbox_of(phone_a)
    ) == [("set_vote", 0), ("set_vote", 2)]
    # Each names the step voted in: the server refuses it once another step is current.
    [(vote_step,)] = rows(fresh_server, "SELECT current_phase_id FROM workshops")
    assert {entry["payload"]["phase_id"] for entry in outbox_of(phone_a)} == {vote_step}
    assert rows(
        fresh_server,
        "SELECT count(*) FROM votes v JOIN participants p ON p.id = v.participant_id"
        " WHERE p.display_name = ?",
        "Alix",
    ) == [(0,)]

    # Back online: sent once, the banner says so, every page agrees with the database.
    context.set_offline(False)
    expect(phone_a.locator("#connection")).to_contain_text("De nouveau en ligne")
    expect(phone_a.locator("#outbox-status")).to_be_hidden()
    expect(first.locator(".vote-count")).to_have_attribute("data-queued", "false")
    expect(first.locator(".vote-count")).to_have_text("2")
    expect(second.locator(".vote-count")).to_have_text("0")
    for page in (phone_a, phone_b):
        expect(card(page, "#wall", OTHER_IDEAS[0]).locator(".badge")).to_have_text("3 votes")
    expect(screen.locator("#status-line")).to_contain_text("3 votes")
    stored_votes = rows(
        fresh_server,
        "SELECT i.title, v.count FROM votes v JOIN ideas i ON i.id = v.idea_id"
        " JOIN participants p ON p.id = v.participant_id WHERE p.display_name = ?",
        "Alix",
    )
    assert stored_votes == [(OTHER_IDEAS[0], 2)]
    assert outbox_of(phone_a) == []


class DropFirstAck:
    """A WebSocket route that lets the next command named ``command`` reach the server,
    then cuts the connection before its ack reaches the page (once per ``arm``). It
    records the command each time it is sent again after the cut, over WebSocket or
    over HTTP long-polling (a reconnection starts with polling)."""

    def __init__(self, command: str) -> None:
        self.upgraded = False
        self.resent: list[str] = []
        self.sent: list[str] = []  # every text message from the page, both transports
        self.received: list[str] = []  # every text message to the page over WebSocket
        self.arm(command)

    def arm(self, command: str) -> None:
        self.command = command
        self.dropped = False
        self.resent.clear()

    def __call__(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        waiting = {"ack": False}

        def to_server(message: str | bytes) -> None:
            if message == "5":  # Engine.IO upgrade: from now on, packets come this way
                self.upgraded = True
            if isinstance(message, str):
                self.sent.append(message)
            if isinstance(message, str) and f'"{self.command}"' in message:
                if self.dropped:
                    self.resent.append(self.command)
                else:
                    waiting["ack"] = True
            server.send(message)

        def to_page(message: str | bytes) -> None:
            # Engine.IO message 4, Socket.IO ACK 3 on the default namespace: "43<id>[...]".
            if isinstance(message, str) and message.startswith("43"):  # an ack
                if waiting["ack"]:
                    waiting["ack"] = False
                    self.dropped = True
                    ws.close()
                    server.close()
                    return
            if isinstance(message, str):
                self.received.append(message)
            ws.send(message)

        ws.on_message(to_server)
        server.on_message(to_page)

    def polling(self, route: Route) -> None:
        body = route.request.post_data or ""
        self.sent.extend(body.split("\x1e"))  # Engine.IO's packet separator
        if self.dropped and f'"{self.command}"' in body:
            self.resent.append(self.command)
        route.continue_()


def wait_for(page: Page, condition: Any) -> None:
    """Let the page run until ``condition()`` holds (the route handlers run meanwhile)."""
    for _ in range(300):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("condition never held")


def test_a_lost_ack_causes_no_duplicate(fresh_server: Any, new_page: Any) -> None:
    console, screen, join_url = start_session(fresh_server, new_page)
    phone_b: Page = new_page(phone=True)
    join_live(phone_b, join_url, "Bastien")
    post(phone_b, OTHER_IDEAS[0])
    phone_a: Page = new_page(phone=True)
    route = DropFirstAck("post_idea")
    phone_a.context.route_web_socket(re.compile(r"/socket\.io/"), route)
    phone_a.context.route(re.compile(r"/socket\.io/"), route.polling)
    join_live(phone_a, join_url, "Alix")
    wait_for(phone_a, lambda: route.upgraded)

    post(phone_a, OFFLINE_IDEA)
    # The server stored it and told everybody; phone A's socket died before the ack.
    expect(card(phone_b, "#wall", OFFLINE_IDEA)).to_have_count(1)
    wait_for(phone_a, lambda: route.dropped)
    # Phone A reconnects, sends the same post again, and the server answers that it
    # already has it: one idea everywhere, none left in the outbox.
    expect(card(phone_a, "#my-ideas", OFFLINE_IDEA)).to_have_count(1)
    expect(phone_a.locator("#outbox-status")).to_be_hidden()
    for page in (phone_a, phone_b, screen, console):
        expect(card(page, "#wall", OFFLINE_IDEA)).to_have_count(1)
    assert route.resent == ["post_idea"]
    assert rows(fresh_server, "SELECT count(*) FROM ideas WHERE title = ?", OFFLINE_IDEA) == [(1,)]
    assert outbox_of(phone_a) == []

    # A vote whose ack is lost: sent again after the reconnection, counted once.
    console.locator(".step button", has_text="Vote").click()
    expect(console.locator("#vote-panel")).to_be_visible()
    console.uncheck("#vote-hidden")
    console.locator("#vote-settings button[type=submit]").click()
    target = card(phone_a, "#wall", OTHER_IDEAS[0])
    expect(target.get_by_role("button", name=re.compile(r"^Ajouter"))).to_be_enabled()
    route.arm("set_vote")
    target.get_by_role("button", name=re.compile(r"^Ajouter")).click()
    wait_for(phone_a, lambda: route.dropped)
    expect(target.locator(".vote-count")).to_have_attribute("data-queued", "false")
    expect(target.locator(".vote-count")).to_have_text("1")
    for page in (phone_a, phone_b):
        expect(card(page, "#wall", OTHER_IDEAS[0]).locator(".badge")).to_have_text("1 vote")
    assert route.resent == ["set_vote"]
    assert rows(
        fresh_server,
        "SELECT v.count FROM votes v JOIN participants p ON p.id = v.participant_id"
        " WHERE p.display_name = ?",
        "Alix",
    ) == [(1,)]
    assert outbox_of(phone_a) == []


def test_a_queued_post_refused_later_is_shown_and_not_retried(
    fresh_server: Any, new_page: Any
) -> None:
    console, screen, join_url = start_session(fresh_server, new_page)
    phone: Page = new_page(phone=True)
    join_live(phone, join_url, "Alix")
    phone.context.set_offline(True)
    expect(phone.locator("#connection")).to_contain_text("Reconnexion")
    post(phone, OFFLINE_IDEA)
    expect(card(phone, "#queued-ideas", OFFLINE_IDEA)).to_have_count(1)
    # Meanwhile the facilitator moves on to a step where posting is closed.
    console.click("#phase-next")
    expect(console.locator(".step--current")).not_to_contain_text("Idées en vrac")

    phone.context.set_offline(False)
    refused = card(phone, "#queued-ideas", OFFLINE_IDEA)
    expect(refused.locator(".badge")).to_contain_text("Non envoyée")
    expect(phone.locator("#outbox-status")).to_have_text("1 envoi refusé")
    check_a11y(phone, "phone-queued-post-refused")
    assert [entry["failed"]["code"] for entry in outbox_of(phone)] == ["wrong_phase"]

    # Back to the ideas step: a refused entry is never sent again. A new post goes
    # through the same queue, in order, so once it is on the wall the refused one
    # would have been sent before it.
    console.locator(".step button", has_text="Idées en vrac").click()
    expect(phone.locator("#post-section")).to_be_visible()
    post(phone, OTHER_IDEAS[0])
    expect(card(screen, "#wall", OTHER_IDEAS[0])).to_have_count(1)
    expect(card(phone, "#wall", OFFLINE_IDEA)).to_have_count(0)
    assert rows(fresh_server, "SELECT count(*) FROM ideas WHERE title = ?", OFFLINE_IDEA) == [(0,)]

    # The participant clears it; the text was readable until then.
    refused.get_by_role("button", name="Effacer").click()
    expect(phone.locator("#queued-ideas .idea")).to_have_count(0)
    expect(phone.locator("#outbox-status")).to_be_hidden()
    assert outbox_of(phone) == []


def test_a_page_back_from_the_background_resynchronises(fresh_server: Any, new_page: Any) -> None:
    console, screen, join_url = start_session(fresh_server, new_page)
    phone: Page = new_page(phone=True)
    route = DropFirstAck("none")  # only records what the page sends
    phone.context.route_web_socket(re.compile(r"/socket\.io/"), route)
    phone.context.route(re.compile(r"/socket\.io/"), route.polling)
    join_live(phone, join_url, "Alix")
    wait_for(phone, lambda: route.upgraded)
    [(seq,)] = rows(fresh_server, "SELECT seq FROM workshops")

    def rejoined(since: int) -> bool:
        """A join_workshop with last_seq was sent after ``since``, and answered."""
        for message in route.sent[since:]:
            found = re.match(r'42(\d+)\["join_workshop",\{"last_seq":', message)
            if found:
                return any(m.startswith(f"43{found[1]}[") for m in route.received)
        return False

    # The browser shows the tab again (visibilitychange) or restores it from the
    # back-forward cache (pageshow, persisted): the page rejoins with its last seq.
    # (A wake-up while a join is in flight joins that one: hence waiting for answers.)
    mark = len(route.sent)
    phone.evaluate(
        "() => { Object.defineProperty(document, 'visibilityState', {value: 'visible',"
        " configurable: true}); document.dispatchEvent(new Event('visibilitychange')); }"
    )
    wait_for(phone, lambda: rejoined(mark))
    assert f'"join_workshop",{{"last_seq":{seq}}}' in "".join(route.sent[mark:])
    mark = len(route.sent)
    phone.evaluate(
        "() => window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))"
    )
    wait_for(phone, lambda: rejoined(mark))
    # Nothing else changed: the page is still live and follows the room.
    console.click("#phase-next")
    expect(phone.locator("#post-section")).to_be_hidden()
