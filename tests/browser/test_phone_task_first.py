"""The phone puts the step's task first, says only what is still true, and can be used
with the keyboard alone.

At 360×640 (a small phone): during the ideas step the title field, during a vote the
first « + », is on the first screen, above "My ideas" and the volunteer form. The
confirmation of a post goes once the next idea is typed; the "no connection" notice goes
once the idea is sent; the agenda's "saved" goes from the console. A title of spaces
only and a description over its limit are said under their own field, and the text is
never cut. A participant joins, posts and votes with the keyboard: after a post the
focus is back in the title field, and when a « + » gets disabled the focus moves to a
control still usable, never to the page's body.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_live_session import create_workshop, set_up_facilitator

pytestmark = pytest.mark.browser

IDEAS = [
    "Un frigo solidaire au marché",
    "Une légumerie pour les cantines",
    "Un jardin partagé au pied des immeubles",
    "Une épicerie itinérante dans les hameaux",
]
DESCRIPTION = "Des habitants s'organisent pour que chacun mange mieux, près de chez soi. " * 3
DESCRIPTION_MAX = 2000  # workshop/schemas/fields.py


def card(page: Page, title: str) -> Any:
    return page.locator("#wall .idea").filter(has=page.locator(".idea__title", has_text=title))


def focused(page: Page) -> dict[str, Any]:
    """What has the focus: its tag, id, disabled state, action, and the title of the
    idea it is on."""
    return dict(
        page.evaluate(
            """() => { const el = document.activeElement; return {
                tag: el?.tagName, id: el?.id || null, disabled: Boolean(el?.disabled),
                action: el?.dataset?.action || null,
                idea: el?.closest('.idea')?.querySelector('.idea__title')?.textContent
                    || null }; }"""
        )
    )


def top_of(page: Page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return float(box["y"])


def join_with_the_keyboard(phone: Page, url: str, name: str) -> None:
    phone.goto(url)
    phone.locator("#display_name").focus()
    phone.keyboard.type(name)
    phone.locator("input[name=profile][value=citizen]").focus()
    phone.keyboard.press("Space")
    phone.locator("#display_name").focus()
    phone.keyboard.press("Enter")
    expect(phone).to_have_url(re.compile(r"/w/[A-Z0-9]{6,8}$"))
    expect(phone.locator("#post-section")).to_be_visible()


def post_with_the_keyboard(phone: Page, title: str, description: str = "") -> None:
    """Type an idea (the focus is in the title field already) and send it with Enter."""
    assert focused(phone)["id"] == "idea-title"
    phone.keyboard.type(title)
    if description:
        phone.keyboard.press("Tab")
        assert focused(phone)["id"] == "idea-description"
        phone.keyboard.insert_text(description)
        phone.locator("#idea-title").focus()
    phone.keyboard.press("Enter")
    expect(phone.locator("#my-ideas .idea__title", has_text=title)).to_have_count(1)


def test_the_phone_puts_the_task_first_and_keeps_the_keyboard_user_on_track(
    fresh_server: Any, new_page: Any
) -> None:
    console: Page = new_page()
    set_up_facilitator(console, fresh_server)
    create_workshop(console, "Soirée mieux manger")
    # The agenda's confirmation is true when the console opens, not all evening.
    flash = console.locator(".flash", has_text="Programme enregistré.")
    expect(flash).to_have_count(1)
    # The click must come after the page's scripts run (they run before "load"); a
    # click while a busy machine still fetches flash.js would leave the flash there.
    console.wait_for_load_state("load")
    console.locator("h1").first.click()
    expect(flash).to_have_count(0)
    console.click("#open-workshop")
    console.click("#phase-next")  # ideas
    join_url = str(console.get_attribute("#join-url", "href"))

    phone: Page = new_page(phone=True)
    height = phone.viewport_size["height"]  # type: ignore[index]
    join_with_the_keyboard(phone, join_url, "Maëlle")

    # Ideas step: the form is on the first screen.
    title = phone.locator("#idea-title")
    expect(phone.locator("#phase-hint")).to_have_text("Proposez vos idées !")
    assert top_of(phone, "#idea-title") + 40 < height

    # A title of spaces only: said under the title field, nothing sent.
    title.focus()
    phone.keyboard.type("    ")
    phone.keyboard.press("Enter")
    error = phone.locator("#idea-title-error")
    expect(error).to_have_text("Écrivez votre idée en quelques mots avant de l'envoyer.")
    expect(title).to_have_attribute("aria-invalid", "true")
    assert focused(phone)["id"] == "idea-title"
    expect(phone.locator("#my-ideas .idea")).to_have_count(0)

    # A description over its limit: kept whole in the field, said under it.
    description = phone.locator("#idea-description")
    expect(phone.locator("#idea-description-limit")).to_have_text(
        re.compile(r"^2\s000 caractères au plus\.$")
    )
    title.fill(IDEAS[0])
    expect(error).to_be_hidden()  # typing clears the title's error
    description.fill("x" * (DESCRIPTION_MAX + 5))
    title.focus()
    phone.keyboard.press("Enter")
    expect(phone.locator("#idea-description-error")).to_have_text(
        re.compile(r"^Trop long : 2\s005 caractères, pour 2\s000 au plus\.$")
    )
    assert focused(phone)["id"] == "idea-description"
    assert len(description.input_value()) == DESCRIPTION_MAX + 5
    expect(phone.locator("#idea-title-error")).to_be_hidden()
    expect(phone.locator("#my-ideas .idea")).to_have_count(0)
    phone.keyboard.press("Control+A")
    phone.keyboard.insert_text(DESCRIPTION)
    expect(phone.locator("#idea-description-error")).to_be_hidden()

    # Posted: the confirmation is said, the focus is back in the empty title field.
    title.focus()
    phone.keyboard.press("Enter")
    message = phone.locator("#post-message")
    expect(message).to_have_text("Votre idée est publiée.")
    expect(title).to_have_value("")
    assert focused(phone)["id"] == "idea-title"
    # ... and the confirmation goes as soon as the next idea is typed.
    phone.keyboard.type("U")
    expect(message).to_have_text("")
    title.fill("")
    for idea in IDEAS[1:]:
        post_with_the_keyboard(phone, idea, DESCRIPTION)

    # Offline, the idea waits; once it is sent, the "no connection" notice gives way.
    phone.context.set_offline(True)
    expect(phone.locator("#connection")).to_be_visible()
    post_title = "Un repas partagé chaque mois"
    title.fill(post_title)
    title.press("Enter")
    expect(message).to_contain_text("Pas de connexion")
    expect(phone.locator("#outbox-status")).to_be_visible()
    phone.context.set_offline(False)
    expect(phone.locator("#outbox-status")).to_be_hidden()
    expect(message).to_have_text("Votre idée est publiée.")
    expect(card(phone, post_title)).to_have_count(1)

    # "My ideas" is right under the form while ideas can be posted.
    assert top_of(phone, "#mine-section") < top_of(phone, "#wall-section")

    # The vote: 2 votes each, 1 per idea, own ideas allowed.
    console.locator(".step button", has_text="Vote").click()
    expect(console.locator("#vote-panel")).to_be_visible()
    console.fill("#vote-budget", "2")
    console.fill("#vote-cap", "1")
    console.check("#vote-allow-own")
    console.locator("#vote-settings button[type=submit]").click()
    expect(console.locator("#vote-message")).not_to_be_empty()

    status = phone.locator("#vote-status")
    expect(status).to_have_text("2 votes restants.")
    hint = phone.locator("#phase-hint")
    expect(hint).to_contain_text("Votez pour les idées que vous préférez")
    expect(hint).not_to_contain_text("lire les idées")
    # The first « + » is on the first screen, above "My ideas" and the volunteer form.
    phone.evaluate("window.scrollTo(0, 0)")
    add_buttons = phone.locator("#wall .vote-button[data-action=add]")
    expect(add_buttons.first).to_be_enabled()
    assert top_of(phone, "#wall .vote-button[data-action=add]") < height
    assert top_of(phone, "#wall-section") < top_of(phone, "#mine-section")
    if phone.locator("#volunteer-section").is_visible():
        assert top_of(phone, "#wall-section") < top_of(phone, "#volunteer-section")

    # With the keyboard: a + given, the cap of 1 disables it; the focus goes to the
    # same idea's −, not to the body.
    first_title = phone.locator("#wall .idea .idea__title").first.inner_text()
    add_buttons.first.focus()
    phone.keyboard.press("Enter")
    expect(card(phone, first_title).locator(".vote-count")).to_have_text("1")
    expect(status).to_have_text("1 vote restant.")
    now = focused(phone)
    assert now["tag"] == "BUTTON" and now["action"] == "remove" and not now["disabled"], now
    assert now["idea"] == first_title, now
    # Tab on to the next idea's + (disabled buttons are skipped) and give the last vote.
    phone.keyboard.press("Tab")
    now = focused(phone)
    assert now["action"] == "add" and not now["disabled"], now
    second_title = now["idea"]
    assert second_title and second_title != first_title
    phone.keyboard.press("Enter")
    expect(card(phone, second_title).locator(".vote-count")).to_have_text("1")
    # None left: no « Touchez + », every + disabled, the focus on a usable −.
    expect(status).to_have_text(
        "Vous avez donné tous vos votes. Pour changer d'avis, touchez − pour en reprendre un."
    )
    expect(phone.locator("#wall .vote-button[data-action=add]:enabled")).to_have_count(0)
    now = focused(phone)
    assert now["tag"] == "BUTTON" and now["action"] == "remove" and not now["disabled"], now
    assert now["idea"] == second_title, now
    # Take it back with the keyboard: the − disables, the focus goes to that idea's +.
    phone.keyboard.press("Enter")
    expect(status).to_have_text("1 vote restant.")
    now = focused(phone)
    assert now["tag"] == "BUTTON" and now["action"] == "add" and not now["disabled"], now
    assert now["idea"] == second_title, now

    # The vote frozen: the hint says so, never "you can read the ideas".
    console.click("#vote-freeze")
    expect(status).to_contain_text("terminé")
    expect(hint).to_have_text("Le vote est terminé. Les résultats sont juste en dessous.")
    assert focused(phone)["tag"] != "BODY"
