"""Who is connected: the three roles a client can have in a workshop."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    FACILITATOR = "facilitator"
    PARTICIPANT = "participant"
    SCREEN = "screen"
