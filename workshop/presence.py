"""Who is connected right now, counted by participant rather than by socket.

A phone with two tabs, or one that reconnected before its old socket timed out,
counts once. The registry is in memory, per server process: with several workers
each counts its own connections (see docs/deploy.md).
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from dataclasses import dataclass

from .schemas import Role


@dataclass(frozen=True)
class Connection:
    """What a socket was authenticated as when it connected."""

    workshop_id: int
    role: Role
    participant_id: int | None = None
    facilitator_id: int | None = None


class Presence:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_sid: dict[str, Connection] = {}
        self._participants: dict[int, Counter[int]] = defaultdict(Counter)

    def add(self, sid: str, connection: Connection) -> None:
        with self._lock:
            self._by_sid[sid] = connection
            if connection.participant_id is not None:
                self._participants[connection.workshop_id][connection.participant_id] += 1

    def remove(self, sid: str) -> Connection | None:
        with self._lock:
            connection = self._by_sid.pop(sid, None)
            if connection is not None and connection.participant_id is not None:
                counter = self._participants[connection.workshop_id]
                counter[connection.participant_id] -= 1
                if counter[connection.participant_id] <= 0:
                    del counter[connection.participant_id]
                if not counter:
                    del self._participants[connection.workshop_id]
            return connection

    def get(self, sid: str) -> Connection | None:
        return self._by_sid.get(sid)

    def connected(self, workshop_id: int) -> int:
        """How many distinct participants of the workshop have at least one socket."""
        with self._lock:
            return len(self._participants.get(workshop_id, ()))
