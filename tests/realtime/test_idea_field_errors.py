"""A refused idea names the field at fault, so that the phone says it under that field:
a title of spaces only is missing (not silently accepted, not a nameless error), and a
text over its limit is refused with its limit, never cut; at the limit it is kept whole."""

from __future__ import annotations

from typing import Any

import pytest

from tests.realtime.conftest import World
from tests.realtime.sockets import ack, error_code
from tests.realtime.test_idea_events import new_idea
from workshop.schemas import fields

LIMITS = {"title": fields.TITLE_MAX, "description": fields.DESCRIPTION_MAX, "need": fields.NEED_MAX}


def posted(world: World) -> dict[str, Any]:
    response = ack(world.alice, "post_idea", new_idea())
    assert response["ok"] is True, response
    return dict(response["data"]["idea"])


@pytest.mark.parametrize("field", sorted(LIMITS))
@pytest.mark.parametrize("command", ["post_idea", "edit_idea"])
def test_a_text_over_its_limit_is_refused_under_its_own_field(
    world: World, command: str, field: str
) -> None:
    limit = LIMITS[field]
    payload = new_idea(**{field: "é" * (limit + 1)})
    if command == "edit_idea":
        payload = {**payload, "idea_id": posted(world)["id"]}
    response = ack(world.alice, command, payload)
    assert error_code(response) == "invalid_input"
    assert response["error"]["details"] == {"field": field, "reason": "too_long", "max": limit}
    assert str(limit) in response["error"]["message"]


@pytest.mark.parametrize("field", sorted(LIMITS))
def test_a_text_at_its_limit_is_kept_whole(world: World, field: str) -> None:
    limit = LIMITS[field]
    text = "a" * (limit - 1) + "é"
    response = ack(world.alice, "post_idea", new_idea(**{field: text}))
    assert response["ok"] is True, response
    assert response["data"]["idea"][field] == text


@pytest.mark.parametrize("blank", ["", "   ", " \t ", "\u00a0\u2003", "\n\n"])
@pytest.mark.parametrize("command", ["post_idea", "edit_idea"])
def test_a_title_of_spaces_only_is_missing(world: World, command: str, blank: str) -> None:
    payload = new_idea(title=blank)
    if command == "edit_idea":
        payload = {**payload, "idea_id": posted(world)["id"]}
    response = ack(world.alice, command, payload)
    assert error_code(response) == "invalid_input"
    assert response["error"]["details"] == {"field": "title", "reason": "required"}
