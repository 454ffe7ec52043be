"""Nothing acknowledged is lost, nothing retried is doubled: the real ``run.py``
(eventlet) under broken transports, a restart, offline phones, dropped acks and
``kill -9``, with many real python-socketio clients.

Every random choice comes from ``random.Random`` seeded here; the server's timing is
not under control, so each test asserts on outcomes (what the database holds, what
each phone shows), never on durations. Every wait is bounded and fails the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.chaos.conftest import REPLAY_LIMIT, ChaosServer, run_async
from tests.chaos.harness import Database, Facilitator, Phone

pytestmark = pytest.mark.server

WAIT = 60.0  # generous bound for anything the test waits for
IDEAS = 3  # per phone
VOTE_STEPS = 4  # dots set or moved per phone
VOTE = {"votes_per_participant": 6, "max_per_item": 3, "hidden": False, "allow_own": True}


# -- helpers -------------------------------------------------------------------------


class Crowd:
    """Phones running in the test's event loop; a failing phone fails the test."""

    def __init__(self, phones: list[Phone]) -> None:
        self.phones = phones
        self.tasks = [asyncio.create_task(p.run(), name=p.name) for p in phones]
        self.helpers: list[asyncio.Task[Any]] = []

    def spawn(self, coroutine: Any) -> asyncio.Task[Any]:
        task = asyncio.create_task(coroutine)
        self.helpers.append(task)
        return task

    def _check(self) -> None:
        for task in [*self.tasks, *self.helpers]:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]

    async def wait(self, predicate: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            self._check()
            if time.monotonic() > deadline:
                pytest.fail(f"{what}: not true within {timeout:.0f} s")
            await asyncio.sleep(0.05)
        self._check()

    async def settle(self) -> None:
        """Every phone online, its outbox sent and acknowledged, then resynced."""
        for phone in self.phones:
            phone.go_online()
        # Everything acknowledged first, so the last resyncs see every write.
        await self.wait(lambda: all(p.idle for p in self.phones), "every outbox acknowledged")
        settling = asyncio.gather(*(p.settle() for p in self.phones))
        await self.wait(settling.done, "every phone resynced")
        settling.result()

    async def close(self) -> None:
        for task in self.helpers:
            task.cancel()
        for phone in self.phones:
            await phone.stop()
        results = await asyncio.gather(*self.tasks, *self.helpers, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                raise result


@contextlib.asynccontextmanager
async def crowd_of(
    server: ChaosServer, count: int, seed: int, **options: Any
) -> AsyncIterator[Crowd]:
    """``count`` phones joined over HTTP, connected, each with its first snapshot."""
    websocket_only = options.pop("websocket_only", lambda _i: True)
    phones = [
        Phone(
            server,
            f"Téléphone {i:02d}",
            seed * 1000 + i,
            websocket_only=websocket_only(i),
            **options,
        )
        for i in range(count)
    ]
    for phone in phones:
        await phone.join()
    crowd = Crowd(phones)
    try:
        await crowd.wait(lambda: all(p.last is not None for p in phones), "first snapshots")
        yield crowd
    finally:
        await crowd.close()


async def post_ideas(phone: Phone, count: int, rng: random.Random, pause: float) -> None:
    """The phone's owner types ``count`` ideas, one every ``pause`` seconds or so."""
    for n in range(1, count + 1):
        await asyncio.sleep(rng.uniform(0, 2 * pause))
        phone.post_idea(
            f"Idée {n} de {phone.name}",
            f"Proposée par {phone.name} pendant l'atelier ({n}/{count}).",
        )


async def cast_votes(
    phone: Phone, steps: int, rng: random.Random, pause: float, vote_phase: int
) -> None:
    """The owner places and moves dots: each step sets an idea it sees to a new
    absolute count, within the budget and the cap (so every command is valid)."""
    for _ in range(steps):
        await asyncio.sleep(rng.uniform(0, 2 * pause))
        while phone.mirror.current_phase_id != vote_phase or not phone.mirror.ideas:
            await asyncio.sleep(0.05)  # an offline phone learns of the vote when back
        vote_once(phone, rng)


def vote_once(phone: Phone, rng: random.Random) -> None:
    """Set an idea the phone shows to a new number of dots, within budget and cap."""
    budget, cap = VOTE["votes_per_participant"], VOTE["max_per_item"]
    assert isinstance(budget, int) and isinstance(cap, int)
    idea_id = rng.choice(sorted(phone.mirror.ideas))
    others = sum(n for i, n in phone.desired_votes.items() if i != idea_id)
    phone.set_vote(idea_id, rng.randint(0, min(cap, budget - others)))


async def chaos_monkey(crowd: Crowd, rng: random.Random, kills: list[int]) -> None:
    """Break a random phone's transport every few hundred milliseconds."""
    while True:
        await asyncio.sleep(rng.uniform(0.1, 0.4))
        if rng.choice(crowd.phones).kill_transport():
            kills[0] += 1


async def offline_until(
    phone: Phone,
    db: Database,
    facts: int,
    also: Callable[[], bool] = lambda: False,
    meanwhile: Callable[[], object] = lambda: None,
) -> None:
    """Take the phone offline until ``facts`` more facts are stored (or ``also()``);
    its owner does ``meanwhile()`` as soon as it is offline (the outbox keeps it)."""
    target = await asyncio.to_thread(db.seq) + facts
    phone.go_offline()
    meanwhile()
    deadline = time.monotonic() + WAIT
    while not also() and await asyncio.to_thread(db.seq) < target:
        assert time.monotonic() < deadline, f"{phone.name}: {facts} facts never came"
        await asyncio.sleep(0.1)
    phone.go_online()


async def restart(server: ChaosServer, sig: int) -> None:
    """Stop the server with ``sig`` and start it again on the same port and database."""
    await asyncio.to_thread(server.stop, sig)
    await asyncio.to_thread(server.start)


async def at_the_ideas_step(server: ChaosServer) -> tuple[Database, Facilitator, int]:
    """The facilitator signs in and moves the workshop on to its ideas step: the
    database, the facilitator and the id of the (first) vote step."""
    db = Database(server)
    facilitator = await asyncio.to_thread(Facilitator, server)
    (ideas_phase,) = db.phase_ids("ideas")
    await facilitator.command("advance_phase", {"phase_id": ideas_phase})
    return db, facilitator, db.phase_ids("vote")[0]


async def open_the_vote(facilitator: Facilitator, vote_phase: int) -> None:
    """Configure the vote (:data:`VOTE`) and move on to it."""
    await facilitator.command("configure_vote", {"phase_id": vote_phase, **VOTE})
    await facilitator.command("advance_phase", {"phase_id": vote_phase})


def summary(phones: list[Phone]) -> str:
    """What the phones went through (printed; pytest shows it with -s or on failure)."""
    total: Counter[str] = Counter()
    for phone in phones:
        total.update(vars(phone.stats))
        total.update({"gaps": phone.gaps, "reordered": phone.reordered, "stale": phone.stale})
        total.update({f"resync:{k}": v for k, v in phone.joins.items()})
    return ", ".join(f"{k}={v}" for k, v in sorted(total.items()))


def assert_clean_log(server: ChaosServer) -> None:
    log = server.log()[server.log_mark :]
    assert "Traceback" not in log, log[-20000:]


def assert_ideas_exactly_once(db: Database, phones: list[Phone]) -> list[dict[str, Any]]:
    """0 lost, 0 duplicated: the database holds each planned idea once, by its author."""
    stored = db.ideas()
    planned = {cid: (p, idea) for p in phones for cid, idea in p.planned_ideas.items()}
    assert len(stored) == len(planned), (len(stored), len(planned))
    by_client_id = {row["client_id"]: row for row in stored}
    assert by_client_id.keys() == planned.keys()
    for client_id, (phone, idea) in planned.items():
        row = by_client_id[client_id]
        assert (row["title"], row["description"]) == (idea["title"], idea["description"])
        assert row["participant_id"] == phone.participant_id
        assert row["status"] == "visible"
        # Every acknowledgement named the same stored idea.
        assert phone.acked_ideas[client_id]["id"] == row["id"]
    # The server answered "created" exactly once per idea, however often it was sent.
    created = [
        ack["data"]["idea"]["id"]
        for phone in phones
        for command, ack in phone.acks
        if command.event == "post_idea" and ack.get("ok") and ack["data"]["created"]
    ]
    assert len(created) == len(set(created)), "an idea was created twice"
    assert set(created) <= {row["id"] for row in stored}
    return stored


def assert_event_log_whole(db: Database) -> None:
    """The stored facts run 1, 2, 3… up to the workshop's ``seq``, with one
    ``idea_posted`` per stored idea: no hole, no fact recorded twice."""
    events = db.events()
    assert [seq for seq, _name in events] == list(range(1, db.seq() + 1))
    assert sum(name == "idea_posted" for _seq, name in events) == len(db.ideas())


def assert_phones_match_db(db: Database, phones: list[Phone], vote_phase: int | None) -> None:
    """Each phone's copy, built from its snapshot, facts and resyncs, is the database."""
    assert_event_log_whole(db)
    seq, current = db.seq(), db.current_phase_id()
    ideas = {row["id"]: (row["title"], row["description"]) for row in db.ideas()}
    votes = db.votes(vote_phase) if vote_phase else {}
    tallies: dict[int, int] = {}
    for dots in votes.values():
        for idea_id, n in dots.items():
            tallies[idea_id] = tallies.get(idea_id, 0) + n
    for phone in phones:
        assert not phone.errors, (phone.name, phone.errors)
        assert not phone.outbox, phone.name
        mirror = phone.mirror
        assert phone.last == seq, (phone.name, phone.last, seq)
        assert mirror.current_phase_id == current, phone.name
        assert {i: (d["title"], d["description"]) for i, d in mirror.ideas.items()} == ideas, (
            phone.name
        )
        if vote_phase is None:
            continue
        mine = votes.get(phone.participant_id, {})
        assert mine == phone.desired_votes, (phone.name, mine, phone.desired_votes)
        assert phone.my_votes.get(vote_phase, {}) == mine, phone.name
        shown = mirror.votes[vote_phase]
        assert shown["tallies"] == tallies, phone.name
        assert shown["votes_cast"] == sum(tallies.values()), phone.name
        assert shown["voters"] == len(votes), phone.name


# -- the tests -----------------------------------------------------------------------


def test_chaos_loses_and_doubles_nothing(chaos_server: ChaosServer) -> None:
    """30 phones post ideas, then vote, while transports break at random, the server
    restarts once and some phones stay offline for a while; then every phone's copy
    of the workshop equals the database, which holds every idea and dot exactly once."""
    server = chaos_server
    run_async(_chaos(server, seed=5_2026, phones=30))
    assert_clean_log(server)


async def _chaos(server: ChaosServer, seed: int, phones: int) -> None:
    starts = server.starts
    db, facilitator, vote_phase = await at_the_ideas_step(server)
    # One phone in six starts on long-polling and upgrades, as browsers do.
    async with crowd_of(server, phones, seed, websocket_only=lambda i: i % 6 != 5) as crowd:
        everyone = crowd.phones
        away_long, away_short, voting_away = everyone[:3], everyone[3:7], everyone[7:11]
        kills = [0]
        # The monkey's breaks fall between commands as often as not: two phones also
        # lose their WebSocket right after sending one, before its ack.
        cut = everyone[12:14]
        for phone in cut:
            phone.cuts_planned = 1
        # Ideas: everybody types; a few phones are offline meanwhile, queueing locally.
        scripts = [
            crowd.spawn(post_ideas(p, IDEAS, random.Random(f"{seed}:ideas:{p.name}"), 0.6))
            for p in everyone
        ]
        others_done = lambda: all(s.done() for s in scripts[11:])  # noqa: E731
        absences = [
            # Gone for more facts than REPLAY_LIMIT: they come back to a snapshot.
            *(
                crowd.spawn(
                    offline_until(
                        p,
                        db,
                        REPLAY_LIMIT + 1,
                        meanwhile=functools.partial(
                            p.post_idea, f"Idée hors ligne de {p.name}", "Écrite sans réseau."
                        ),
                    )
                )
                for p in away_long
            ),
            # Gone for a few facts: they come back to a replay, as a rule.
            *(crowd.spawn(offline_until(p, db, 6, others_done)) for p in away_short),
        ]
        monkey = crowd.spawn(chaos_monkey(crowd, random.Random(f"{seed}:monkey"), kills))
        planned = IDEAS * len(everyone)
        await crowd.wait(
            lambda: sum(len(p.acked_ideas) for p in everyone) >= planned // 3,
            "a third of the ideas acknowledged",
        )
        await restart(server, signal.SIGTERM)
        await crowd.wait(lambda: all(s.done() for s in [*scripts, *absences]), "ideas typed")
        await crowd.wait(lambda: kills[0] >= 10, "ten transports broken")
        monkey.cancel()
        await crowd.settle()
        assert_ideas_exactly_once(db, everyone)
        assert_phones_match_db(db, everyone, None)
        assert [p.stats.cut_in_flight for p in cut] == [1, 1]

        # Votes: the facilitator opens the vote; dots move while transports break and
        # a few phones go offline (their dots wait in the outbox).
        await open_the_vote(facilitator, vote_phase)
        for phone in cut:
            phone.cuts_planned = 1
        kills[0] = 0
        monkey = crowd.spawn(chaos_monkey(crowd, random.Random(f"{seed}:monkey2"), kills))
        scripts = [
            crowd.spawn(
                cast_votes(p, VOTE_STEPS, random.Random(f"{seed}:votes:{p.name}"), 0.5, vote_phase)
            )
            for p in everyone
        ]
        await crowd.wait(
            lambda: all(p.mirror.current_phase_id == vote_phase for p in voting_away),
            "the vote reached the phones that will go offline",
        )
        absences = [
            crowd.spawn(
                offline_until(
                    p,
                    db,
                    8,
                    lambda: all(s.done() for s in scripts),
                    functools.partial(vote_once, p, random.Random(f"{seed}:offline:{p.name}")),
                )
            )
            for p in voting_away
        ]
        await crowd.wait(lambda: all(s.done() for s in [*scripts, *absences]), "votes cast")
        await crowd.wait(lambda: kills[0] >= 10, "ten transports broken")
        monkey.cancel()
        await crowd.settle()
        assert_ideas_exactly_once(db, everyone)
        assert_phones_match_db(db, everyone, vote_phase)
        assert [p.stats.cut_in_flight for p in cut] == [2, 2]

        # The disorder really happened, through both ways back.
        resyncs = sum((p.joins for p in everyone), start=Counter())
        assert resyncs["snapshot"] >= len(away_long) + len(everyone)  # first joins + returns
        assert resyncs["replay+"] > 0, resyncs
        # Every sending whose ack was lost (the planned cuts at least) went again, once.
        lost = sum(p.stats.lost_in_flight for p in everyone)
        assert lost >= 4 and sum(p.stats.resent for p in everyone) == lost
        assert sum(p.stats.queued_offline for p in everyone) >= len(away_long + voting_away)
        assert server.starts == starts + 1
        print("chaos:", summary(everyone))


def test_dropped_acks_are_retried_without_duplicates(
    chaos_server: ChaosServer,
) -> None:
    """Phones ignore 30% of the acks they get and send those commands again, with the
    same client id or the same absolute count: nothing is stored twice."""
    server = chaos_server
    run_async(_ack_drop(server, seed=30_2026, phones=16))
    assert_clean_log(server)


async def _ack_drop(server: ChaosServer, seed: int, phones: int) -> None:
    db, facilitator, vote_phase = await at_the_ideas_step(server)
    async with crowd_of(server, phones, seed, drop_acks=0.3) as crowd:
        everyone = crowd.phones
        scripts = [
            crowd.spawn(post_ideas(p, IDEAS, random.Random(f"{seed}:ideas:{p.name}"), 0.2))
            for p in everyone
        ]
        await crowd.wait(lambda: all(s.done() for s in scripts), "ideas typed")
        await crowd.settle()
        stored = assert_ideas_exactly_once(db, everyone)
        # No transport broke, so every sending got its ack: "created" came exactly once
        # per idea, and every resend after a dropped ack answered "not created".
        assert sum(p.stats.lost_in_flight for p in everyone) == 0
        posts = {id(c): c for p in everyone for c, _ack in p.acks if c.event == "post_idea"}
        answers = [
            (command.payload["client_id"], ack["data"]["created"])
            for p in everyone
            for command, ack in p.acks
            if command.event == "post_idea"
        ]
        assert len(answers) == sum(c.sent for c in posts.values())
        assert sorted(cid for cid, created in answers if created) == sorted(
            row["client_id"] for row in stored
        )
        assert sum(not created for _cid, created in answers) == sum(
            c.sent - 1 for c in posts.values()
        )
        assert_phones_match_db(db, everyone, None)

        await open_the_vote(facilitator, vote_phase)
        scripts = [
            crowd.spawn(
                cast_votes(p, VOTE_STEPS, random.Random(f"{seed}:votes:{p.name}"), 0.2, vote_phase)
            )
            for p in everyone
        ]
        await crowd.wait(lambda: all(s.done() for s in scripts), "votes cast")
        await crowd.settle()
        assert_phones_match_db(db, everyone, vote_phase)
        # A resent set_vote answers the same dots as the ack that was dropped.
        for phone in everyone:
            votes = [(c, a) for c, a in phone.acks if c.event == "set_vote"]
            for (first, ack), (again, ack_again) in zip(votes, votes[1:], strict=False):
                if again is first:
                    assert ack_again["data"]["votes"] == ack["data"]["votes"], phone.name
        dropped = sum(p.stats.acks_dropped for p in everyone)
        assert dropped > 0 and sum(p.stats.resent for p in everyone) == dropped
        # These phones never lost their connection: broadcasts alone brought them every
        # fact after their first snapshot (the resyncs only confirmed it).
        assert all(p.stats.connects == 1 for p in everyone)
        last = db.seq()
        await crowd.wait(
            lambda: all(
                set(range(p.mirror.first_seq + 1, last + 1)) <= p.heard  # type: ignore[operator]
                for p in everyone
            ),
            "every fact broadcast to every phone",
        )
        print("ack drop:", summary(everyone))


def test_kill_9_loses_nothing_acknowledged(chaos_server: ChaosServer) -> None:
    """``kill -9`` while phones post ideas, and again while they vote: every idea and
    every dot a phone saw acknowledged is in the database, read straight from the file
    before the server starts again; after the restart the phones finish, and the
    database holds everything exactly once."""
    server = chaos_server
    run_async(_kill_9(server, seed=9_2026, phones=16))
    assert_clean_log(server)


async def _kill_9(server: ChaosServer, seed: int, phones: int) -> None:
    starts = server.starts
    db, facilitator, vote_phase = await at_the_ideas_step(server)
    async with crowd_of(server, phones, seed) as crowd:
        everyone = crowd.phones
        scripts = [
            crowd.spawn(post_ideas(p, 4, random.Random(f"{seed}:ideas:{p.name}"), 0.3))
            for p in everyone
        ]
        await crowd.wait(
            lambda: sum(len(p.acked_ideas) for p in everyone) >= 4 * phones // 3,
            "a third of the ideas acknowledged",
        )
        await kill_9(server, db, everyone, None)
        await crowd.wait(lambda: all(s.done() for s in scripts), "ideas typed")
        await crowd.settle()
        assert_ideas_exactly_once(db, everyone)
        assert_phones_match_db(db, everyone, None)

        await open_the_vote(facilitator, vote_phase)
        scripts = [
            crowd.spawn(cast_votes(p, 6, random.Random(f"{seed}:votes:{p.name}"), 0.2, vote_phase))
            for p in everyone
        ]
        await crowd.wait(
            lambda: sum(c.event == "set_vote" for p in everyone for c, _a in p.acks) >= 2 * phones,
            "a third of the dots acknowledged",
        )
        await kill_9(server, db, everyone, vote_phase)
        await crowd.wait(lambda: all(s.done() for s in scripts), "votes cast")
        await crowd.settle()
        assert_ideas_exactly_once(db, everyone)
        assert_phones_match_db(db, everyone, vote_phase)
        assert server.starts == starts + 2
        print("kill -9:", summary(everyone))


async def kill_9(
    server: ChaosServer, db: Database, phones: list[Phone], vote_phase: int | None
) -> None:
    """SIGKILL the server mid-stream; check the file against every ack seen so far;
    start it again on the same port and database."""
    assert await asyncio.to_thread(server.kill) == -signal.SIGKILL
    # Every ack a phone has taken in by now left the server before it died.
    acked_ideas = {cid: idea["id"] for p in phones for cid, idea in p.acked_ideas.items()}
    assert acked_ideas
    stored = {row["client_id"]: row["id"] for row in db.ideas()}
    missing = acked_ideas.keys() - stored.keys()
    assert not missing, f"{len(missing)} acknowledged ideas lost by kill -9"
    assert all(stored[cid] == idea_id for cid, idea_id in acked_ideas.items())
    if vote_phase is not None:
        votes = db.votes(vote_phase)
        for phone in phones:
            acked = phone.acked_votes.get(vote_phase, {})
            allowed = [acked]
            if phone.in_flight is not None and phone.in_flight.event == "set_vote":
                # Sent, not acknowledged yet: it may or may not have been committed.
                idea_id, count = (phone.in_flight.payload[k] for k in ("idea_id", "count"))
                allowed.append({i: n for i, n in {**acked, idea_id: count}.items() if n})
            assert votes.get(phone.participant_id, {}) in allowed, (phone.name, votes, allowed)
    await asyncio.to_thread(server.start)
