"""What the engine returns; light to import (no numpy), so a server can hold it cheaply."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Group:
    """One suggested group: a short label and the indexes of its ideas (ascending)."""

    label: str
    members: list[int] = field(default_factory=list)
