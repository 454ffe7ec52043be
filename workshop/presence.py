"""Who is connected right now, counted by participant rather than by socket.

A phone with two tabs, or one that reconnected before its old socket timed out,
counts once. Each server process keeps its own sockets in memory (:class:`Presence`):
the socket handlers need them on every event. With one process that is the whole
answer. With several workers joined by a Redis message queue, :class:`RedisPresence`
also shares the counts through Redis, so every worker announces the same number:

- each worker keeps, per workshop, a Redis set of the participants that have at least
  one socket on *it* (``semis:presence:{workshop}:{worker}``), changed only when its own
  count for a participant goes from 0 to 1 or back;
- a sorted set per workshop (``semis:presence:{workshop}:workers``) lists the workers
  with sockets there, scored by the time their entry expires;
- every ``ttl / 3`` seconds a worker rewrites its sets from memory and pushes its
  expiry forward, so a crashed worker's participants drop out after ``ttl`` seconds
  and a restarted Redis is filled again;
- the count is the size of the union of the live workers' sets, computed in Redis;
- a sorted set per facilitator account (``semis:presence:account:{id}``) holds the
  session ids of its sockets on every worker, scored by the time they expire (pushed
  forward by the same refresh): signing out disconnects them all, wherever they are
  (:func:`workshop.auth.disconnect_account`).

Only blocking redis-py calls are used: eventlet and gevent patch their sockets, and
the threading mode needs nothing. When Redis fails, each worker counts its own sockets
rather than refusing connections.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .roles import Role

log = logging.getLogger(__name__)

KEY_PREFIX = "semis:presence"


@dataclass(frozen=True)
class Connection:
    """What a socket was authenticated as when it connected."""

    workshop_id: int
    role: Role
    participant_id: int | None = None
    facilitator_id: int | None = None


class Presence:
    """The sockets of this process, and the distinct participants they belong to."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_sid: dict[str, Connection] = {}
        self._participants: dict[int, Counter[int]] = defaultdict(Counter)

    def add(self, sid: str, connection: Connection) -> None:
        with self._lock:
            self._by_sid[sid] = connection
            if connection.facilitator_id is not None:
                self._facilitator_arrived(sid, connection.facilitator_id)
            if connection.participant_id is not None:
                counter = self._participants[connection.workshop_id]
                counter[connection.participant_id] += 1
                if counter[connection.participant_id] == 1:
                    self._participant_arrived(connection.workshop_id, connection.participant_id)

    def remove(self, sid: str) -> Connection | None:
        with self._lock:
            connection = self._by_sid.pop(sid, None)
            if connection is not None and connection.facilitator_id is not None:
                self._facilitator_left(sid, connection.facilitator_id)
            if connection is not None and connection.participant_id is not None:
                counter = self._participants[connection.workshop_id]
                counter[connection.participant_id] -= 1
                if counter[connection.participant_id] <= 0:
                    del counter[connection.participant_id]
                    self._participant_left(connection.workshop_id, connection.participant_id)
                if not counter:
                    del self._participants[connection.workshop_id]
            return connection

    def get(self, sid: str) -> Connection | None:
        return self._by_sid.get(sid)

    def participant_sids(self, workshop_id: int, participant_id: int) -> list[str]:
        """The sockets of one participant on this process."""
        with self._lock:
            return [
                sid
                for sid, connection in self._by_sid.items()
                if connection.workshop_id == workshop_id
                and connection.participant_id == participant_id
            ]

    def connected(self, workshop_id: int) -> int:
        """How many distinct participants of the workshop have at least one socket."""
        return self.local_count(workshop_id)

    def local_count(self, workshop_id: int) -> int:
        """Distinct participants with a socket on this process."""
        with self._lock:
            return len(self._participants.get(workshop_id, ()))

    def account_sids(self, facilitator_id: int) -> list[str]:
        """The session ids of a facilitator account's sockets (here: on this process)."""
        return self.local_account_sids(facilitator_id)

    def local_account_sids(self, facilitator_id: int) -> list[str]:
        with self._lock:
            return [sid for sid, c in self._by_sid.items() if c.facilitator_id == facilitator_id]

    # Hooks for a shared registry; called under the lock, in the order of the changes.
    def _participant_arrived(self, workshop_id: int, participant_id: int) -> None:
        pass

    def _participant_left(self, workshop_id: int, participant_id: int) -> None:
        pass

    def _facilitator_arrived(self, sid: str, facilitator_id: int) -> None:
        pass

    def _facilitator_left(self, sid: str, facilitator_id: int) -> None:
        pass


# The union of the live workers' sets of one workshop. KEYS[1]: the workers' sorted set;
# ARGV[1]: now; ARGV[2]: the prefix of the per-worker sets. Reading keys named by data
# is fine on one Redis server (not on Redis Cluster, which Semis does not use).
COUNT_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local workers = redis.call('ZRANGE', KEYS[1], 0, -1)
if #workers == 0 then return 0 end
if #workers == 1 then return redis.call('SCARD', ARGV[2] .. workers[1]) end
local keys = {}
for i, worker in ipairs(workers) do keys[i] = ARGV[2] .. worker end
return #redis.call('SUNION', unpack(keys))
"""


class RedisPresence(Presence):
    """:class:`Presence` whose counts span every worker sharing one Redis server.

    ``start_task(fn)`` runs ``fn`` in the background and ``sleep(s)`` waits cooperatively
    (Flask-SocketIO's, so the refresh loop is a green thread under eventlet or gevent).
    """

    def __init__(
        self,
        url: str,
        *,
        ttl_s: float = 30.0,
        start_task: Callable[[Callable[[], None]], Any] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        client: Any = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        if client is None:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.redis = client
        self.ttl_s = ttl_s
        self.worker_id = uuid.uuid4().hex
        self._start_task = start_task
        self._sleep = sleep
        self._clock = clock
        self._refresher_started = False
        self._count_script = client.register_script(COUNT_SCRIPT)

    def _set_key(self, workshop_id: int, worker_id: str | None = None) -> str:
        return f"{KEY_PREFIX}:{workshop_id}:{worker_id or self.worker_id}"

    def _workers_key(self, workshop_id: int) -> str:
        return f"{KEY_PREFIX}:{workshop_id}:workers"

    def _account_key(self, facilitator_id: int) -> str:
        return f"{KEY_PREFIX}:account:{facilitator_id}"

    def add(self, sid: str, connection: Connection) -> None:
        super().add(sid, connection)
        if not self._refresher_started and self._start_task is not None:
            self._refresher_started = True
            self._start_task(self._refresh_forever)

    def _participant_arrived(self, workshop_id: int, participant_id: int) -> None:
        ttl = int(self.ttl_s) + 1
        try:
            pipe = self.redis.pipeline(transaction=True)
            pipe.sadd(self._set_key(workshop_id), participant_id)
            pipe.expire(self._set_key(workshop_id), ttl)
            pipe.zadd(self._workers_key(workshop_id), {self.worker_id: self._clock() + self.ttl_s})
            pipe.expire(self._workers_key(workshop_id), ttl)
            pipe.execute()
        except Exception:  # Redis down: count locally until the next refresh heals it
            log.warning("presence: Redis unavailable, counting this worker only", exc_info=True)

    def _participant_left(self, workshop_id: int, participant_id: int) -> None:
        try:
            self.redis.srem(self._set_key(workshop_id), participant_id)
        except Exception:
            log.warning("presence: Redis unavailable, counting this worker only", exc_info=True)

    def _facilitator_arrived(self, sid: str, facilitator_id: int) -> None:
        try:
            pipe = self.redis.pipeline(transaction=True)
            self._keep_account_sid(pipe, sid, facilitator_id)
            pipe.execute()
        except Exception:  # the next refresh writes it again
            log.warning("presence: Redis unavailable, account sockets not shared", exc_info=True)

    def _keep_account_sid(self, pipe: Any, sid: str, facilitator_id: int) -> None:
        key = self._account_key(facilitator_id)
        pipe.zadd(key, {sid: self._clock() + self.ttl_s})
        pipe.expire(key, int(self.ttl_s) + 1)

    def _facilitator_left(self, sid: str, facilitator_id: int) -> None:
        try:
            self.redis.zrem(self._account_key(facilitator_id), sid)
        except Exception:  # it expires after ttl anyway
            log.warning("presence: Redis unavailable, account sockets not shared", exc_info=True)

    def account_sids(self, facilitator_id: int) -> list[str]:
        """The session ids of the account's sockets on every live worker."""
        local = self.local_account_sids(facilitator_id)
        try:
            key = self._account_key(facilitator_id)
            pipe = self.redis.pipeline(transaction=True)
            pipe.zremrangebyscore(key, "-inf", self._clock())
            pipe.zrange(key, 0, -1)
            _removed, shared = pipe.execute()
        except Exception:
            log.warning("presence: Redis unavailable, this worker's sockets only", exc_info=True)
            return local
        found = [s.decode() if isinstance(s, bytes) else str(s) for s in shared]
        return sorted(set(local) | set(found))

    def connected(self, workshop_id: int) -> int:
        """Distinct participants with a socket on any live worker."""
        try:
            return int(
                self._count_script(
                    keys=[self._workers_key(workshop_id)],
                    args=[self._clock(), f"{KEY_PREFIX}:{workshop_id}:"],
                )
            )
        except Exception:
            log.warning("presence: Redis unavailable, counting this worker only", exc_info=True)
            return self.local_count(workshop_id)

    def refresh(self) -> None:
        """Rewrite this worker's sets from memory and push their expiry forward."""
        ttl = int(self.ttl_s) + 1
        with self._lock:
            snapshot = {w: list(counter) for w, counter in self._participants.items()}
            accounts = [(sid, c.facilitator_id) for sid, c in self._by_sid.items()]
            pipe = self.redis.pipeline(transaction=True)
            for sid, facilitator_id in accounts:
                if facilitator_id is not None:
                    self._keep_account_sid(pipe, sid, facilitator_id)
            for workshop_id, participants in snapshot.items():
                if not participants:
                    continue
                key = self._set_key(workshop_id)
                pipe.delete(key)
                pipe.sadd(key, *participants)
                pipe.expire(key, ttl)
                pipe.zadd(
                    self._workers_key(workshop_id), {self.worker_id: self._clock() + self.ttl_s}
                )
                pipe.expire(self._workers_key(workshop_id), ttl)
            if len(pipe):
                pipe.execute()

    def _refresh_forever(self) -> None:
        while True:
            self._sleep(self.ttl_s / 3)
            try:
                self.refresh()
            except Exception:
                log.warning("presence: refresh failed", exc_info=True)


def make_presence(
    message_queue: str | None,
    *,
    ttl_s: float = 30.0,
    start_task: Callable[[Callable[[], None]], Any] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Presence:
    """The registry for this configuration: shared through Redis when the message queue
    is Redis, else this process's own."""
    if message_queue and message_queue.startswith(("redis://", "rediss://")):
        return RedisPresence(message_queue, ttl_s=ttl_s, start_task=start_task, sleep=sleep)
    if message_queue:
        log.warning(
            "presence: counts are per worker (the message queue %s is not Redis)",
            message_queue.split("://", 1)[0],
        )
    return Presence()
