"""presence.Presence: connections counted by participant, not by socket."""

from __future__ import annotations

from workshop.presence import Connection, Presence
from workshop.schemas import Role


def phone(participant_id: int, workshop_id: int = 1) -> Connection:
    return Connection(workshop_id, Role.PARTICIPANT, participant_id=participant_id)


def test_two_sockets_of_one_participant_count_once() -> None:
    presence = Presence()
    presence.add("a", phone(10))
    presence.add("b", phone(10))
    presence.add("c", phone(11))
    assert presence.connected(1) == 2
    presence.remove("a")
    assert presence.connected(1) == 2
    presence.remove("b")
    assert presence.connected(1) == 1
    presence.remove("c")
    assert presence.connected(1) == 0


def test_facilitators_and_screens_are_not_counted() -> None:
    presence = Presence()
    presence.add("f", Connection(1, Role.FACILITATOR, facilitator_id=3))
    presence.add("s", Connection(1, Role.SCREEN))
    assert presence.connected(1) == 0
    assert presence.get("f") == Connection(1, Role.FACILITATOR, facilitator_id=3)
    assert presence.remove("s") == Connection(1, Role.SCREEN)
    assert presence.get("s") is None


def test_workshops_are_counted_apart() -> None:
    presence = Presence()
    presence.add("a", phone(10, workshop_id=1))
    presence.add("b", phone(20, workshop_id=2))
    presence.add("c", phone(21, workshop_id=2))
    assert (presence.connected(1), presence.connected(2), presence.connected(3)) == (1, 2, 0)


def test_removing_an_unknown_socket_is_harmless() -> None:
    presence = Presence()
    presence.add("a", phone(10))
    assert presence.remove("zzz") is None
    assert presence.remove("a") == phone(10)
    assert presence.remove("a") is None
    assert presence.connected(1) == 0
