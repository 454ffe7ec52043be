"""Nothing irreversible by accident in the console: a keyboard-only facilitator moves and
merges ideas (an arrow key in a chooser commits nothing; the button does), the focus
lands on what the action is about, « Annuler » takes the merge back on the console,
the phone and the screen; closing the workshop asks first."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.browser.test_live_session import (
    create_workshop,
    join,
    open_at_ideas,
    set_up_facilitator,
)

DEFI = "Comment pourrions-nous partager nos outils ?"
FIRST = "Une grainothèque à la médiathèque"
SECOND = "Une grainothèque dans la médiathèque du bourg"
CHECK = "Une ressourcerie pour les outils"


def card(console: Page, title: str) -> Locator:
    return console.locator("#board .board__card").filter(
        has=console.locator(".idea__title", has_text=re.compile(f"^{re.escape(title)}$"))
    )


def focused(page: Page) -> dict[str, Any]:
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const item = el.closest('.board__card');
          return {id: el.id, tag: el.tagName, key: el.dataset?.focusKey ?? null,
                  card: item ? Number(item.dataset.ideaId) : null,
                  isCard: el === item,
                  column: el.closest('.column__ideas')?.dataset.challengeId ?? null};
        }"""
    )


def idea_id(console: Page, title: str) -> int:
    return int(str(card(console, title).get_attribute("data-idea-id")))


def tab_to(page: Page, selector: str, limit: int = 20) -> None:
    """Press Tab until the focus is on ``selector`` (the keyboard way there)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_move_merge_and_undo(fresh_server: Any, new_page: Any) -> None:
    console, join_url = open_at_ideas(new_page, fresh_server, "Atelier sans accident")
    phone: Page = new_page(phone=True)
    join(phone, join_url, "Inès")
    for title in (FIRST, SECOND, CHECK):
        phone.fill("#idea-title", title)
        phone.click("#post-form button[type=submit]")
        expect(phone.locator("#my-ideas .idea__title", has_text=title)).to_be_visible()
    screen: Page = new_page()
    screen.goto(str(console.get_attribute("#screen-link", "href")))
    console.locator(".step button", has_text="Regroupement").click()
    console.fill("#new-challenge-title", DEFI)
    console.press("#new-challenge-title", "Enter")
    defi = console.locator(f'#board section.column[aria-label="{DEFI}"]')
    expect(defi).to_have_count(1)
    loose = console.locator("#board .column--loose")
    expect(loose.locator(".board__card")).to_have_count(3)
    # Long défi titles wrap: the title field is as tall as its text needs.
    assert console.evaluate(
        "() => { const t = document.querySelector('.challenge__title');"
        " return t.tagName === 'TEXTAREA' && t.scrollHeight <= t.clientHeight + 2; }"
    )

    # An arrow key in "Move to…" only changes the choice.
    chooser = card(console, CHECK).locator("select")
    chooser.focus()
    # (Arrows change a closed select's value, or walk an open one's list, where Enter
    # picks: either way only the choice changes.)
    for key in ("ArrowDown", "ArrowDown", "Enter"):
        console.keyboard.press(key)
    expect(chooser).not_to_have_value("")
    # Another change goes round the server: had the arrow moved the card, it would show.
    console.fill("#new-challenge-title", "Comment pourrions-nous réparer ensemble ?")
    console.press("#new-challenge-title", "Enter")
    expect(console.locator("#board section.column:not(.column--loose)")).to_have_count(2)
    expect(loose.locator(".board__card")).to_have_count(3)
    expect(defi.locator(".board__card")).to_have_count(0)

    # The button commits; the focus lands on the moved card, « Annuler » is offered.
    chooser = card(console, CHECK).locator("select")
    chooser.focus()
    chooser.select_option(label=DEFI)
    tab_to(console, "[data-focus-key=move]")
    console.keyboard.press("Enter")
    expect(defi.locator(".board__card")).to_have_count(1)
    expect(console.locator("#toast")).to_be_visible()
    expect(console.locator("#toast-text")).to_contain_text("déplacée")
    check_id = idea_id(console, CHECK)
    console.wait_for_function(
        "(id) => document.activeElement.dataset.ideaId === String(id)", arg=check_id
    )
    now = focused(console)
    assert now["isCard"] and now["column"] != "none", now

    # Merge mode: "Merge into…", find the absorbing idea by typing, « Merge here ».
    second_id, first_id = idea_id(console, SECOND), idea_id(console, FIRST)
    card(console, SECOND).locator("[data-focus-key=merge]").focus()
    console.keyboard.press("Enter")
    expect(console.locator("#merge-mode")).to_be_visible()
    assert focused(console)["id"] == "merge-filter"
    console.keyboard.type("médiathèque")
    expect(card(console, CHECK)).to_be_hidden()
    tab_to(console, "[data-focus-key=merge-here]")
    assert focused(console)["card"] == first_id
    console.keyboard.press("Enter")
    expect(card(console, SECOND)).to_have_count(0)
    expect(console.locator("#merge-mode")).to_be_hidden()
    expect(phone.locator("#my-ideas .idea", has_text=SECOND).locator(".badge")).to_have_text(
        "Fusionnée avec une idée proche"
    )
    expect(screen.locator("#columns")).not_to_contain_text(SECOND)
    # The focus is on « Annuler »; Enter takes the merge back everywhere.
    console.wait_for_function("() => document.activeElement.id === 'toast-undo'")
    expect(console.locator("#toast-text")).to_contain_text("fusionnée")
    console.keyboard.press("Enter")
    expect(loose.locator(".board__card")).to_have_count(2)
    console.wait_for_function(
        "(id) => document.activeElement.dataset.ideaId === String(id)", arg=second_id
    )
    expect(phone.locator("#my-ideas .idea", has_text=SECOND).locator(".badge")).to_have_count(0)
    expect(screen.locator("#columns")).to_contain_text(SECOND)
    expect(console.locator("#toast-live")).to_have_text("Annulé.")

    # Closing the workshop asks first: refused, nothing happens; accepted, it closes.
    console.evaluate(
        "() => { window.asked = [];"
        " window.confirm = (m) => { window.asked.push(m); return false; }; }"
    )
    console.click("#close-workshop")
    assert console.evaluate("() => window.asked")[0].startswith("Fermer l’atelier ?")
    expect(console.locator("#status-badge")).to_have_text("En direct")
    console.evaluate("() => { window.confirm = () => true; }")
    console.click("#close-workshop")
    expect(console.locator("#status-badge")).to_have_text("Fermé")


# Where the console's controls are when the page is parsed, before its scripts and its
# socket draw anything; compared with where they are once the socket has drawn it all.
STILL = ("#exports-link", "#tables-page-link", "#phase-next", "#timer-start", "#setting-anonymous")
_BOXES_AT_PARSE = """
document.addEventListener('DOMContentLoaded', () => {
  window.__boxes = Object.fromEntries(SELECTORS.map((s) => {
    const r = document.querySelector(s).getBoundingClientRect();
    return [s, [Math.round(r.x), Math.round(r.y)]];
  }));
});
""".replace("SELECTORS", json.dumps(STILL))


def moved_while_connecting(console: Page, url: str) -> dict[str, Any]:
    """Open the console at ``url``, wait until its socket has drawn the room, and say
    which of the ``STILL`` controls moved meanwhile: {selector: [before, after]}."""
    console.goto(url)
    # The script's steps carry their data-key: the snapshot is drawn.
    expect(console.locator("#steps li[data-key]")).to_have_count(6)
    # What waited for the connection is usable now.
    expect(console.locator("[data-needs-connection]:disabled")).to_have_count(0)
    console.wait_for_timeout(200)  # a later render would move things too
    return dict(
        console.evaluate(
            """(selectors) => Object.fromEntries(selectors.flatMap((s) => {
                 const r = document.querySelector(s).getBoundingClientRect();
                 const now = [Math.round(r.x), Math.round(r.y)];
                 const then = window.__boxes[s];
                 return then[0] === now[0] && then[1] === now[1] ? [] : [[s, [then, now]]];
               }))""",
            list(STILL),
        )
    )


def test_the_console_stays_put_while_it_connects(fresh_server: Any, new_page: Any) -> None:
    """A facilitator clicking « Exports et import » as the console connects clicks it:
    what depends on the workshop (the status buttons, the steps) is drawn by the server
    already, and the lines the socket fills in keep their height empty. Nothing slides
    under the pointer (a click whose press and release land on different elements is
    lost)."""
    console: Page = new_page()
    console.add_init_script(_BOXES_AT_PARSE)
    set_up_facilitator(console, fresh_server)
    create_workshop(console, "Atelier qui ne bouge pas")
    url = console.url
    assert moved_while_connecting(console, url) == {}  # in preparation
    expect(console.locator("#open-workshop")).to_be_visible()
    expect(console.locator("#status-badge")).to_have_text("En préparation")
    expect(console.locator("#steps li")).to_have_count(6)
    console.click("#open-workshop")
    expect(console.locator("#close-workshop")).to_be_visible()
    console.click("#phase-next")
    expect(console.locator("#steps li.step--current")).to_contain_text("Idées")
    assert moved_while_connecting(console, url) == {}  # live, at its second step
    expect(console.locator("#toggle-joining")).to_have_text("Fermer les inscriptions")
    expect(console.locator("#joining-badge")).to_have_text("Inscriptions ouvertes")
    expect(console.locator("#steps li.step--current")).to_contain_text("Idées")
